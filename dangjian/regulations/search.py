"""Full-text search of the library on SQLite and PostgreSQL alike: the jieba tokens of each version's title and
text (rules.token_counts) are stored in SearchToken when the version is published; a query is cut the same way
(rules.query_terms) and asked of the token rows with one EXISTS per token, so it finds words inside the text
without LIKE scans. Ranking and highlighting are rules.py's. Callers pass an already scoped queryset of
documents: search never widens what a user may read."""

from functools import reduce
from operator import and_

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from . import rules
from .models import RegulationVersion, SearchToken

MAX_HITS = 1000  # candidates ranked per query: more than anyone reads, few enough to rank in Python
BATCH = 1000


# ---- indexing ----------------------------------------------------------------------------------------------------

def index_version(version):
    """(Re)write the search tokens of one version. Returns the number of distinct tokens."""
    counts = rules.token_counts(version.title, version.body_text)
    with transaction.atomic():
        SearchToken.objects.filter(version=version).delete()
        SearchToken.objects.bulk_create(
            [SearchToken(version=version, token=t, count=n, in_title=in_title) for t, (n, in_title) in counts.items()],
            batch_size=BATCH)
    return len(counts)


def reindex(regulation_ids=None, missing_only=False, progress=None):
    """Rebuild the tokens of every version (or of the given documents' versions, or of the versions that have
    none). Returns (versions, tokens)."""
    qs = (missing_index() if missing_only else RegulationVersion.objects.all()).only("pk", "title", "body_text")
    qs = qs.order_by("pk")
    if regulation_ids:
        qs = qs.filter(regulation_id__in=regulation_ids)
    versions = tokens = 0
    for version in qs.iterator(chunk_size=100):
        tokens += index_version(version)
        versions += 1
        if progress is not None:
            progress(versions)
    return versions, tokens


def missing_index():
    """Versions that have no token rows (e.g. written by a data import): `regulations_reindex --missing`."""
    return RegulationVersion.objects.filter(~Exists(SearchToken.objects.filter(version=OuterRef("pk"))))


# ---- querying ----------------------------------------------------------------------------------------------------

def _has(token):
    return Exists(SearchToken.objects.filter(version=OuterRef("pk"), token=token))


def need_q(need):
    q = Q(_has(need.word))
    if need.finer:
        q |= reduce(and_, [need_q(f) for f in need.finer])
    return q


def term_q(term):
    """SQL of rules.term_matches: the term is a token of the version, or every word it needs is."""
    q = Q(_has(term.text))
    if term.cover and [n.word for n in term.cover] != [term.text]:
        q |= reduce(and_, [need_q(n) for n in term.cover])
    elif term.cover and term.cover[0].finer:
        q |= reduce(and_, [need_q(f) for f in term.cover[0].finer])
    return q


class Hit:
    def __init__(self, version, title_html, snippet_html):
        self.version = version
        self.regulation = version.regulation
        self.title_html = title_html
        self.snippet_html = snippet_html


class Results:
    """The ranked version ids of a search; pages of it (Paginator slices it) load their versions and snippets."""

    def __init__(self, ids, terms, truncated=False):
        self.ids = ids
        self.terms = terms
        self.truncated = truncated
        self.needles = set().union(*(t.needles for t in terms)) if terms else set()

    def __len__(self):
        return len(self.ids)

    def count(self):
        return len(self.ids)

    def __getitem__(self, key):
        ids = self.ids[key] if isinstance(key, slice) else [self.ids[key]]
        rows = (RegulationVersion.objects.filter(pk__in=ids).defer("body_html")
                .select_related("regulation", "regulation__category", "regulation__org").in_bulk())
        hits = [Hit(rows[i], rules.highlight(rows[i].title, self.needles),
                    rules.snippet(rows[i].body_text, self.needles)) for i in ids if i in rows]
        return hits if isinstance(key, slice) else hits[0]


def run(regulations, query, *, history=False, today=None):
    """Search the versions of `regulations` (a scoped queryset of documents): the shown version of each
    (rules.shown_number), or every version with `history`. Returns Results, best first."""
    from .services import shown_version_pk

    terms = rules.query_terms(query)
    if not terms:
        return Results([], terms)
    versions = RegulationVersion.objects.filter(regulation__in=regulations.values("pk"))
    if not history:
        versions = versions.annotate(shown=shown_version_pk("regulation_id", today)).filter(pk=F("shown"))
    for term in terms:
        versions = versions.filter(term_q(term))
    rows = list(versions.values_list("pk", "published_at")[: MAX_HITS + 1])
    truncated = len(rows) > MAX_HITS
    rows = rows[:MAX_HITS]
    stats = {r["version_id"]: r for r in SearchToken.objects
             .filter(version_id__in=[pk for pk, _at in rows], token__in=rules.query_tokens(terms))
             .values("version_id").annotate(title=Count("pk", filter=Q(in_title=True)), freq=Sum("count"))}

    def key(row):
        pk, published_at = row
        s = stats.get(pk, {})
        return rules.rank_key(s.get("title") or 0, s.get("freq") or 0, published_at.timestamp(), pk)

    return Results([pk for pk, _at in sorted(rows, key=key)], terms, truncated)
