"""What the people figures count — the one definition shared by the live statistics query and the per-organisation
summary rows (people.figures, people.models.OrgFigures).

Two kinds of column:
- `ps_<status>_roll` / `ps_<status>_off`: everyone (members, applicants, 群众 …) by political status, on the roll
  (normal, flowing, lost contact) or not — the counts of the member list and of the organisation page;
- `m_*`, `occ_*`, `edu_*`, `age_*`: on-roll Party members (full and probationary) by category, gender, ethnicity,
  education, occupation and age band — the statistics of the national member-information form.
Age bands are computed at 31 December of the statistical year (domain.md §7.3), so they depend on the year only.
"""

from datetime import date

from django.db.models import Q

from .codes import (
    AGE_BANDS,
    COLLEGE_OR_ABOVE,
    HAN,
    MEMBER_STATUSES,
    OCCUPATION_OF_POST,
    ON_ROLL,
    Education,
    MemberStatus,
    Occupation,
    PoliticalStatus,
)

ON_ROLL_Q = Q(status__in=ON_ROLL)
MEMBER_Q = Q(political_status__in=MEMBER_STATUSES) & ON_ROLL_Q

OCCUPATION_POSTS = {occ: [p for p, o in OCCUPATION_OF_POST.items() if o == occ] for occ in Occupation.values}


def birth_range_for_band(label, year):
    """Birth dates whose age at 31 December of `year` falls in the band (an index-friendly range), or None."""
    for band, low, high in AGE_BANDS:
        if band == label:
            ref = date(year, 12, 31)
            q = Q()
            if low is not None:  # age >= low  <=> born on or before ref - low years
                q &= Q(birth_date__lte=ref.replace(year=year - low))
            if high is not None:  # age <= high <=> born after ref - (high + 1) years
                q &= Q(birth_date__gt=ref.replace(year=year - high - 1))
            return q
    return None


def status_column(code, on_roll):
    return f"ps_{code}_{'roll' if on_roll else 'off'}"


def member_conditions(year):
    """{column: condition} of the member statistics, each to be combined with MEMBER_Q."""
    cols = {
        "m_total": Q(),
        "m_full": Q(political_status=PoliticalStatus.FULL),
        "m_probationary": Q(political_status=PoliticalStatus.PROBATIONARY),
        "m_male": Q(gender="1"),
        "m_female": Q(gender="2"),
        "m_minority": ~Q(ethnicity=HAN),
        "m_college": Q(education__in=COLLEGE_OR_ABOVE),
        "m_flowing": Q(status=MemberStatus.FLOWING),
    }
    for occ, posts in OCCUPATION_POSTS.items():
        cols[f"occ_{occ}"] = Q(work_post__in=posts)
    for code in Education.values:
        cols[f"edu_{code}"] = Q(education=code)
    cols["edu_none"] = Q(education="")
    for i, (label, _low, _high) in enumerate(AGE_BANDS):
        cols[f"age_{i}"] = birth_range_for_band(label, year)
    return cols


def status_conditions():
    """{column: condition} of the counts by political status, on the roll or not."""
    cols = {}
    for code in PoliticalStatus.values:
        cols[status_column(code, True)] = Q(political_status=code) & ON_ROLL_Q
        cols[status_column(code, False)] = Q(political_status=code) & ~ON_ROLL_Q
    return cols


def column_conditions(year):
    """Every summary column with its full condition over Person."""
    return {**status_conditions(), **{name: MEMBER_Q & cond for name, cond in member_conditions(year).items()}}


STATUS_COLUMNS = tuple(status_conditions())
MEMBER_COLUMNS = tuple(member_conditions(2000))
COLUMN_NAMES = STATUS_COLUMNS + MEMBER_COLUMNS


def shape_statistics(row, year):
    """The statistics dict the pages and charts use, from a row of member-column sums."""
    return {
        "year": year,
        "total": row["m_total"], "full": row["m_full"], "probationary": row["m_probationary"],
        "gender": {"1": row["m_male"], "2": row["m_female"]},
        "minority": row["m_minority"], "college": row["m_college"], "flowing": row["m_flowing"],
        "occupation": {occ: row[f"occ_{occ}"] for occ in Occupation.values},
        "education": {**{code: row[f"edu_{code}"] for code in Education.values}, "": row["edu_none"]},
        "age_band": {label: row[f"age_{i}"] for i, (label, _l, _h) in enumerate(AGE_BANDS)},
    }
