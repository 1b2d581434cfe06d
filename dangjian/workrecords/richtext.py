"""Rich text of records: HTML from the editor is cleaned with nh3 (the Ammonia sanitizer) to a small set of tags
before it is stored; plain text keeps its line breaks. (The same policy as the minutes of meetings; a service app
does not import a domain app, so the dozen lines live here too.)"""

import re

import nh3
from django.utils.html import linebreaks, strip_tags

TAGS = {"p", "br", "div", "strong", "b", "em", "i", "u", "s", "del", "ul", "ol", "li", "h2", "h3", "blockquote", "a"}
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


def excerpt(html, length=120):
    text = " ".join(strip_tags(html or "").replace("&nbsp;", " ").split())
    return text if len(text) <= length else text[: length - 1] + "…"
