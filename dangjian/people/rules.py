"""Pure rules about people: the citizen ID number (GB 11643-1999), phone numbers, ages and bands."""

import re
import unicodedata
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from .codes import AGE_BANDS

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
# ASCII digits only (re.ASCII): full-width digits are normalised first (NFKC), other scripts' digits refused.
ID_RE = re.compile(r"^\d{17}[\dX]$", re.ASCII)
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$", re.ASCII)


def _ascii(value):
    """Full-width digits, letters and dashes (typed with a Chinese input method) as ASCII."""
    return unicodedata.normalize("NFKC", value or "")


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_birth_date(number: str):
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_gender(number: str) -> str:
    """GB/T 2261.1 code from the 17th digit: odd = "1" (male), even = "2" (female)."""
    return "1" if int(number[16]) % 2 else "2"


def validate_id_number(value: str, birth_date: date | None = None, today: date | None = None):
    """The normalised ID number, or raises ValueError with a Chinese-ready message."""
    number = _ascii(value).strip().upper()
    if not ID_RE.match(number):
        raise ValueError(_("An ID number has 18 characters: 17 digits and a final digit or X."))
    born = id_birth_date(number)
    today = today or timezone.localdate()
    if born is None or born > today or born.year < 1890:
        raise ValueError(_("The ID number contains an impossible birth date."))
    if id_check_char(number[:17]) != number[17]:
        raise ValueError(_("The ID number's check digit is wrong; please check it."))
    if birth_date is not None and birth_date != born:
        raise ValueError(_("The birth date %(birth)s does not match the ID number (%(id_birth)s).")
                         % {"birth": birth_date.isoformat(), "id_birth": born.isoformat()})
    return number


def make_id_number(region: str, born: date, sequence: int) -> str:
    """A valid ID number (for demo and synthetic data): 6-digit region, birth date, 3-digit sequence."""
    first17 = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)


def validate_phone(value: str) -> str:
    phone = re.sub(r"[\s()]", "", _ascii(value))
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return phone
    raise ValueError(_("Enter an 11-digit mobile number or a landline such as 010-12345678."))


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_band(born: date, year: int) -> str:
    """The statistics age band, computed at 31 December of `year` (domain.md §7.3)."""
    age = age_on(born, date(year, 12, 31))
    for label, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return label
    return AGE_BANDS[-1][0]
