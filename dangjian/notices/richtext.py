"""Rich text of announcements: what the editor (Trix) sends is cleaned with nh3 (the Ammonia sanitizer) to a small
set of tags before it is stored, so it is safe to show as it stands. Plain text keeps its line breaks."""

import re

import nh3
from django.utils.html import linebreaks, strip_tags

TAGS = {"p", "br", "div", "strong", "b", "em", "i", "u", "s", "del", "ul", "ol", "li", "h1", "h2", "h3",
        "blockquote", "pre", "a"}
ATTRIBUTES = {"a": {"href"}}
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


def clean(text):
    text = text or ""
    if not _TAG.search(text):
        return linebreaks(text) if text.strip() else ""
    return nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer")


def is_blank(html):
    return not strip_tags(html or "").replace("&nbsp;", " ").strip()


def plain(html, limit=300):
    text = re.sub(r"\s+", " ", strip_tags(html or "").replace("&nbsp;", " ")).strip()
    return text[:limit]
