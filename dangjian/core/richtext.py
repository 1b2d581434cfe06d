"""Rich text, one policy for the whole platform (minutes, learning items, regulations, work records, announcements):
what the editor (Trix) sends is cleaned to a small set of tags with nh3 (the Ammonia sanitizer) before it is stored,
so what is shown later is safe as it stands. Plain text keeps its line breaks."""

import re

import nh3
from django.utils.html import linebreaks, strip_tags

TAGS = {"p", "br", "div", "strong", "b", "em", "i", "u", "s", "del", "ul", "ol", "li", "h1", "h2", "h3",
        "blockquote", "pre", "a"}
ATTRIBUTES = {"a": {"href"}}
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


def clean(text):
    """Sanitised HTML of `text` (HTML from the editor, or plain text)."""
    text = text or ""
    if not _TAG.search(text):
        return linebreaks(text) if text.strip() else ""
    return nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")


def is_blank(html):
    return not strip_tags(html or "").replace("&nbsp;", " ").strip()


def excerpt(html, length=120):
    """The first ``length`` characters of the text of ``html``, on one line."""
    text = " ".join(strip_tags(html or "").replace("&nbsp;", " ").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def plain(html, limit=300):
    """The text of ``html`` on one line, cut at ``limit`` characters (a notice's body from an announcement)."""
    text = re.sub(r"\s+", " ", strip_tags(html or "").replace("&nbsp;", " ")).strip()
    return text[:limit]
