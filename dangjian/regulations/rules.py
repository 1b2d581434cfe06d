"""The regulations library's rules, as pure functions (no database): who sees a document placed in the tree,
how a text is cut into search tokens, how a query matches and ranks, the highlighted snippets, and the reading
layout (plain paragraphs to HTML, the table of contents from 第X章/第X节/第X条 lines and headings).

Search design (see docs/regulations.md): a version's title and body are cut by jieba's `cut_for_search` with the
dictionary only (HMM=False, so the same text is always cut the same way, in a document and in a query), each
character normalised (NFKC, lower case); punctuation and spaces are dropped. The distinct tokens are stored with
their frequency and whether they occur in the title. A query is split at spaces into terms; a version matches when
it matches every term, and it matches a term when the term itself is one of its tokens or each word of the term
is (AND) — a word also counts as present when all its pieces are (a word may be cut differently inside a longer
text: 安全检查|和 in a document, 检查和 in the query 检查和应急). Ranking: more query tokens in the title
first, then the summed frequency, then the newest.
"""

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

PATH_STEP = 8  # as dangjian.orgs.models.PATH_STEP: each level of a path is 8 digits
RECENT_DAYS = 30  # a document published or changed within so many days is marked "updated"
MAX_TOKEN = 40  # longer tokens (a URL, a long number) are not indexed
MAX_TERMS = 10
MAX_QUERY = 100
SNIPPET_WIDTH = 80


# ---- visibility ------------------------------------------------------------------------------------------------

def ancestor_paths(path):
    """The paths of an organisation and all its ancestors (a document placed there is theirs to read)."""
    path = path or ""
    return [path[: i * PATH_STEP] for i in range(1, len(path) // PATH_STEP + 1)]


def reader_paths(own_paths, post_paths=()):
    """The organisation paths whose documents a person reads as a member: their own organisation and group and
    every ancestor, and the same for each organisation where they hold a post."""
    out = set()
    for p in (*own_paths, *post_paths):
        out.update(ancestor_paths(p))
    return sorted(out)


def category_fits(category_path, org_path):
    """A document may be filed under a global category ("") or one of its own organisation or an ancestor."""
    return category_path == "" or (org_path or "").startswith(category_path)


# ---- tokens ------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=8192)
def _norm_char(c):
    return unicodedata.normalize("NFKC", c).lower()


def normalise(text):
    """Character by character NFKC and lower case (full-width Ａ１ → a1), so positions map back to the text."""
    return "".join(_norm_char(c) for c in (text or ""))


def _is_word(token):
    return any(ch.isalnum() for ch in token)


_jieba = None


def _segmenter():
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba


def tokens(text):
    """The search tokens of a text, in order, repeated as often as they occur."""
    text = normalise(text)
    if not text.strip():
        return []
    out = []
    for token in _segmenter().cut_for_search(text, HMM=False):
        token = token.strip()
        if token and len(token) <= MAX_TOKEN and _is_word(token):
            out.append(token)
    return out


def token_counts(title, body):
    """{token: (frequency in title and body, occurs in the title)} — the rows stored for one version."""
    counts = {}
    title_tokens = tokens(title)
    for t in title_tokens:
        counts[t] = counts.get(t, 0) + 1
    for t in tokens(body):
        counts[t] = counts.get(t, 0) + 1
    in_title = set(title_tokens)
    return {t: (n, t in in_title) for t, n in counts.items()}


def _words(text):
    """The coarse words of a normalised text (jieba.cut, dictionary only), punctuation dropped."""
    return [w.strip() for w in _segmenter().cut(text, HMM=False) if w.strip() and _is_word(w)]


def _split(word):
    """The most likely cut of `word` into two or more dictionary words (jieba's own route, the edge spanning the
    whole word left out): "检查和" → 检查 + 和. A word inside a document may be cut differently there than in a
    short query, so a query word is also matched by its pieces."""
    if len(word) < 3 or not any("\u4e00" <= ch <= "\u9fff" for ch in word):
        return []  # a two-character word is not split: 应 and 急 apart are not 应急
    from math import log

    dt = _segmenter().dt
    dt.check_initialized()
    n = len(word)
    dag = dt.get_DAG(word)
    dag[0] = [x for x in dag[0] if x != n - 1] or [0]
    logtotal = log(dt.total)
    route = {n: (0.0, 0)}
    for i in range(n - 1, -1, -1):
        route[i] = max((log(dt.FREQ.get(word[i:x + 1]) or 1) - logtotal + route[x + 1][0], x) for x in dag[i])
    pieces, i = [], 0
    while i < n:
        j = route[i][1] + 1
        pieces.append(word[i:j])
        i = j
    pieces = [p for p in pieces if _is_word(p)]
    return pieces if any(len(p) > 1 for p in pieces) else []


@dataclass(frozen=True)
class Need:
    """A word a query term needs: present as a token itself, or (`finer`) all of its pieces are."""

    word: str
    finer: tuple = ()


def _need(word, depth=2):
    finer = tuple(_need(p, depth - 1) for p in _split(word)) if depth > 0 else ()
    return Need(word, finer)


@dataclass(frozen=True)
class Term:
    text: str  # the normalised term
    parts: tuple  # its search tokens (cut_for_search): for ranking and highlighting
    cover: tuple = ()  # the Needs of its coarse words: what matching asks

    @property
    def needles(self):
        """What to highlight for this term: the term, and its tokens of two characters or more."""
        return {self.text} | {p for p in self.parts if len(p) > 1}


def query_terms(query):
    """The terms of a query: split at spaces, normalised, each with its tokens; punctuation-only terms dropped.
    At most MAX_TERMS terms of a query of at most MAX_QUERY characters."""
    query = normalise((query or "").replace("\x00", ""))[:MAX_QUERY]
    terms, seen = [], set()
    for raw in query.split():
        parts = tuple(dict.fromkeys(tokens(raw)))
        if not parts:
            continue
        text = raw[:MAX_TOKEN]  # a longer term is never one token: its words decide
        if text in seen:
            continue
        seen.add(text)
        cover = tuple(_need(w) for w in dict.fromkeys(w for w in _words(raw) if len(w) <= MAX_TOKEN))
        terms.append(Term(text, parts, cover))
        if len(terms) >= MAX_TERMS:
            break
    return terms


def query_tokens(terms):
    """Every token a query can hit (for ranking): the terms and their parts."""
    out = []
    for term in terms:
        out.extend([term.text, *term.parts])
    return sorted(set(out))


def need_met(index, need):
    return need.word in index or (bool(need.finer) and all(need_met(index, f) for f in need.finer))


def term_matches(index, term):
    """Does a version whose distinct tokens are `index` match `term`? The term itself is a token, or every word
    it needs is (the database query, search.term_q, asks the same)."""
    return term.text in index or (bool(term.cover) and all(need_met(index, n) for n in term.cover))


def matches(index, terms):
    return bool(terms) and all(term_matches(index, t) for t in terms)


def rank_key(title_hits, frequency, published_ts, pk):
    """Sort key, best first: query tokens in the title, then summed frequency, then the newest."""
    return (-title_hits, -frequency, -published_ts, -pk)


# ---- highlighting ------------------------------------------------------------------------------------------------

def _spans(text, needles):
    """Non-overlapping [start, end) spans of `needles` in `text` (compared normalised), longest needle first at
    each position."""
    needles = sorted({n for n in needles if n}, key=len, reverse=True)
    if not text or not needles:
        return []
    norm_chars = [_norm_char(c) for c in text]
    norm, index = [], []  # index[i] = position in text of the i-th normalised character
    for pos, chars in enumerate(norm_chars):
        norm.append(chars)
        index.extend([pos] * len(chars))
    norm = "".join(norm)
    index.append(len(text))
    pattern = re.compile("|".join(re.escape(n) for n in needles))
    spans = []
    for m in pattern.finditer(norm):
        start, end = index[m.start()], index[m.end() - 1] + 1
        if spans and start < spans[-1][1]:
            continue
        spans.append((start, end))
    return spans


def highlight(text, needles, start=0, end=None):
    """HTML of text[start:end], escaped, with the needles wrapped in <mark>."""
    end = len(text) if end is None else end
    piece = text[start:end]
    out, at = [], 0
    for s, e in _spans(piece, needles):
        out.append(html.escape(piece[at:s]))
        out.append(f"<mark>{html.escape(piece[s:e])}</mark>")
        at = e
    out.append(html.escape(piece[at:]))
    return "".join(out)


def snippet(text, needles, width=SNIPPET_WIDTH):
    """A short HTML extract of `text` around the first needle found (or its beginning), escaped, needles marked;
    an ellipsis where it is cut."""
    text = re.sub(r"\s+", " ", text or "").strip()
    spans = _spans(text, needles)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    body = highlight(text, needles, start, end)
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


# ---- reading layout ----------------------------------------------------------------------------------------------

_NUM = "零〇一二三四五六七八九十百千两0-9０-９"
CHAPTER = re.compile(rf"^\s*(第[{_NUM}]+[编章])(?!.{{24}})")  # a short line: 第一章 总则, 第二章附则
SECTION = re.compile(rf"^\s*(第[{_NUM}]+节)(?!.{{24}})")
ARTICLE = re.compile(rf"^\s*(第[{_NUM}]+条)(?:\s|　|$)?")
_HTML_TAG = re.compile(r"<[a-zA-Z/][^>]*>")


def looks_like_html(text):
    return bool(_HTML_TAG.search(text or ""))


def text_to_html(text):
    """Plain text to reading HTML: one paragraph a line; 第X章/编 lines become <h2>, 第X节 <h3>, an article's
    number (第X条) is set in bold."""
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if CHAPTER.match(line):
            out.append(f"<h2>{html.escape(line)}</h2>")
        elif SECTION.match(line):
            out.append(f"<h3>{html.escape(line)}</h3>")
        else:
            m = ARTICLE.match(line)
            if m:
                head, rest = m.group(1), line[m.end(1):].strip()
                out.append(f"<p><strong>{html.escape(head)}</strong> {html.escape(rest)}</p>".replace(" </p>", "</p>"))
            else:
                out.append(f"<p>{html.escape(line)}</p>")
    return "\n".join(out)


_BLOCK_END = re.compile(r"</(p|div|h[1-6]|li|blockquote|pre|tr)>|<br\s*/?>", re.I)


def html_to_text(markup):
    """The readable text of sanitised HTML, one line per block (for the search index and snippets)."""
    text = _BLOCK_END.sub("\n", markup or "")
    text = _HTML_TAG.sub("", text)
    text = html.unescape(text).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


_BLOCK = re.compile(r"<(h[1-3]|p)>(.*?)</\1>", re.S)


@dataclass(frozen=True)
class Heading:
    anchor: str
    level: int  # 1 chapter or heading, 2 section, 3 article
    label: str


def outline(markup):
    """(HTML with an id on each heading and article, the table of contents). Works on sanitised HTML, whose
    blocks carry no attributes: an `id` is added to <h1>-<h3> and to paragraphs that begin with 第X章/节/条."""
    toc = []

    def anchor(m):
        tag, inner = m.group(1), m.group(2)
        text = html.unescape(_HTML_TAG.sub("", inner)).strip()
        level = None
        label = text
        if tag in ("h1", "h2"):
            level = 1
        elif tag == "h3":
            level = 2
        if CHAPTER.match(text):
            level = 1
        elif SECTION.match(text):
            level = 2
        elif level is None and ARTICLE.match(text):
            level, label = 3, ARTICLE.match(text).group(1)
        if level is None or not text:
            return m.group(0)
        n = len(toc) + 1
        toc.append(Heading(f"s{n}", level, label[:60]))
        return f'<{tag} id="s{n}">{inner}</{tag}>'

    return _BLOCK.sub(anchor, markup or ""), toc


# ---- versions ----------------------------------------------------------------------------------------------------

def current_number(versions, today):
    """The number of the current version among (number, effective_on) pairs: the highest-numbered one that has
    taken effect by `today`; None when none has (a document whose first version takes effect later)."""
    effective = [n for n, on in versions if on <= today]
    return max(effective) if effective else None


def shown_number(versions, today):
    """The version a reader is shown: the current one, else (nothing in force yet) the latest published."""
    current = current_number(versions, today)
    if current is not None:
        return current
    return max((n for n, _on in versions), default=None)


def is_recent(moment, now, days=RECENT_DAYS):
    return moment is not None and (now - moment).days < days


def toc_groups(toc):
    """The table of contents as [(chapter or section heading or None, [its articles])], for the page."""
    groups = []
    for h in toc:
        if h.level < 3 or not groups:
            groups.append((h if h.level < 3 else None, []))
        if h.level == 3:
            groups[-1][1].append(h)
    return groups
