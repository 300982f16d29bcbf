"""Validation of the patient identity typed by the pharmacist on the touchscreen.

Every problem is reported as a :class:`FieldError`: a field name, a stable *code* (never prose) and
parameters. The UI turns codes into words in the pharmacist's language.

Nothing here logs or puts a typed value into an exception message: the values are patient data.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from collections.abc import Mapping
from enum import StrEnum

__all__ = [
    "DATE_FORMAT",
    "DATE_IMPOSSIBLE",
    "DATE_IN_FUTURE",
    "DATE_TOO_OLD",
    "INVALID_CHARACTERS",
    "INVALID_CHOICE",
    "NIR_BIRTH_MONTH_MISMATCH",
    "NIR_BIRTH_YEAR_MISMATCH",
    "NIR_CHARACTERS",
    "NIR_DEPARTMENT",
    "NIR_KEY",
    "NIR_LENGTH",
    "NIR_MONTH",
    "NIR_SEX_DIGIT",
    "REQUIRED",
    "TOO_LONG",
    "FieldError",
    "PatientIdentity",
    "Sex",
    "mask_nir",
    "parse_birth_date",
    "validate_identity",
    "validate_nir",
]

# Error codes: stable keys, each equal to its own name.
REQUIRED = "REQUIRED"
TOO_LONG = "TOO_LONG"
INVALID_CHARACTERS = "INVALID_CHARACTERS"
INVALID_CHOICE = "INVALID_CHOICE"
DATE_FORMAT = "DATE_FORMAT"
DATE_IMPOSSIBLE = "DATE_IMPOSSIBLE"
DATE_IN_FUTURE = "DATE_IN_FUTURE"
DATE_TOO_OLD = "DATE_TOO_OLD"
NIR_LENGTH = "NIR_LENGTH"
NIR_CHARACTERS = "NIR_CHARACTERS"
NIR_SEX_DIGIT = "NIR_SEX_DIGIT"
NIR_MONTH = "NIR_MONTH"
NIR_DEPARTMENT = "NIR_DEPARTMENT"
NIR_KEY = "NIR_KEY"
NIR_BIRTH_YEAR_MISMATCH = "NIR_BIRTH_YEAR_MISMATCH"
NIR_BIRTH_MONTH_MISMATCH = "NIR_BIRTH_MONTH_MISMATCH"

# Field names (keys of the raw form and of PatientIdentity.to_dict()).
_FAMILY_NAME = "family_name"
_GIVEN_NAMES = "given_names"
_BIRTH_DATE = "birth_date"
_SEX = "sex"
_NIR = "nir"
_TREATING_PHYSICIAN = "treating_physician"

_NAME_MAX_LENGTH = 100
_OLDEST_BIRTH_DATE = datetime.date(1900, 1, 1)
_MAX_AGE_YEARS = 130

# Whitespace collapsed inside text fields: what str.isspace() accepts, minus the C0 "information
# separators" U+001C-U+001F, which are control characters and therefore rejected.
_WHITESPACE_RUN = re.compile(
    "[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+"
)
_NAME_PUNCTUATION = frozenset(" -'’.")
_COMBINING_MARKS = frozenset({"Mn", "Mc"})

# A date is short: anything much longer is not a date (and is not worth a regular expression).
_DATE_MAX_INPUT = 40
_DATE_SEPARATOR = r"(?:\s*[/.\-]\s*|\s+)"
_DATE_SEPARATED = re.compile(
    rf"([0-9]{{1,2}}){_DATE_SEPARATOR}([0-9]{{1,2}}){_DATE_SEPARATOR}([0-9]{{4}})"
)
_DATE_COMPACT = re.compile(r"([0-9]{2})([0-9]{2})([0-9]{4})")

_NIR_SEPARATORS = re.compile(r"[\s.\-]+")
_NIR_LENGTH = 15
_ASCII_DIGITS = frozenset("0123456789")
_ASCII_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ASCII_TO_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_NIR_SEX_DIGITS = frozenset("123478")
_CORSICA = {"2A": "19", "2B": "18"}
_MASK_CHAR = "•"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class FieldError:
    """One problem with one field: a code for the UI, never prose."""

    field: str
    code: str
    params: dict[str, str | int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, repr=False)
class PatientIdentity:
    """A cleaned, valid identity. Its repr hides the values: they are patient data."""

    family_name: str
    given_names: str
    birth_date: datetime.date
    sex: Sex
    nir: str | None
    treating_physician: str | None

    def __repr__(self) -> str:
        return "PatientIdentity(<patient data hidden>)"

    def to_dict(self) -> dict[str, str | None]:
        """A JSON-friendly dict: the birth date as ISO "YYYY-MM-DD", the sex as its value."""
        return {
            _FAMILY_NAME: self.family_name,
            _GIVEN_NAMES: self.given_names,
            _BIRTH_DATE: self.birth_date.isoformat(),
            _SEX: self.sex.value,
            _NIR: self.nir,
            _TREATING_PHYSICIAN: self.treating_physician,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PatientIdentity:
        """The inverse of :meth:`to_dict`.

        Checks the shape (keys, types, ISO date, sex value), not the business rules: use
        :func:`validate_identity` on what a person typed. Raises ``TypeError`` (missing key, wrong
        type) or ``ValueError`` (bad date or sex value); messages name the key, never the value.
        """
        birth_text = _required_str(data, _BIRTH_DATE)
        try:
            birth_date = datetime.date.fromisoformat(birth_text)
        except ValueError:
            raise ValueError("birth_date is not an ISO date") from None
        try:
            sex = Sex(_required_str(data, _SEX))
        except ValueError:
            raise ValueError("sex is not a known value") from None
        return cls(
            family_name=_required_str(data, _FAMILY_NAME),
            given_names=_required_str(data, _GIVEN_NAMES),
            birth_date=birth_date,
            sex=sex,
            nir=_optional_str(data, _NIR),
            treating_physician=_optional_str(data, _TREATING_PHYSICIAN),
        )


def _required_str(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


def _optional_str(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string or null")
    return value


# --- Names ---------------------------------------------------------------------------------------


def _clean_text(text: str) -> str:
    """NFC-normalise, collapse whitespace runs to one space, trim."""
    return _WHITESPACE_RUN.sub(" ", unicodedata.normalize("NFC", text)).strip(" ")


def _name_characters_ok(text: str) -> bool:
    """Letters, space, hyphen, apostrophes and dots only, with at least one letter.

    A combining mark (Unicode categories Mn/Mc) is accepted right after a letter or another mark:
    several scripts write vowels and diacritics that way, and NFC does not always compose them.
    Variation selectors (emoji presentation) are not accepted.
    """
    has_letter = False
    previous_is_letter = False
    for char in text:
        if char.isalpha():
            has_letter = previous_is_letter = True
        elif (
            previous_is_letter
            and unicodedata.category(char) in _COMBINING_MARKS
            and not _is_variation_selector(char)
        ):
            continue
        elif char in _NAME_PUNCTUATION:
            previous_is_letter = False
        else:
            return False
    return has_letter


def _is_variation_selector(char: str) -> bool:
    return "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef"


def _validate_name(field_name: str, text: str) -> str | FieldError:
    cleaned = _clean_text(text)
    if not cleaned:
        return FieldError(field_name, REQUIRED)
    if len(cleaned) > _NAME_MAX_LENGTH:
        return FieldError(field_name, TOO_LONG, {"max": _NAME_MAX_LENGTH})
    if not _name_characters_ok(cleaned):
        return FieldError(field_name, INVALID_CHARACTERS)
    return cleaned


def _validate_optional_name(field_name: str, text: str) -> str | FieldError | None:
    result = _validate_name(field_name, text)
    if isinstance(result, FieldError) and result.code == REQUIRED:
        return None
    return result


# --- Birth date ----------------------------------------------------------------------------------


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    if day.year - years < datetime.MINYEAR:
        return datetime.date.min
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def parse_birth_date(text: str, today: datetime.date) -> datetime.date | FieldError:
    """Parse a birth date typed as DD/MM/YYYY (or with "-", ".", spaces, or as DDMMYYYY).

    Errors (field "birth_date"): REQUIRED, DATE_FORMAT (including two-digit years),
    DATE_IMPOSSIBLE (params day, month, year), DATE_IN_FUTURE (after ``today``), DATE_TOO_OLD
    (before 1900-01-01 or more than 130 years before ``today``).
    """
    stripped = text.strip()
    if not stripped:
        return FieldError(_BIRTH_DATE, REQUIRED)
    if len(stripped) > _DATE_MAX_INPUT:
        return FieldError(_BIRTH_DATE, DATE_FORMAT)
    match = _DATE_SEPARATED.fullmatch(stripped) or _DATE_COMPACT.fullmatch(stripped)
    if match is None:
        return FieldError(_BIRTH_DATE, DATE_FORMAT)
    day, month, year = (int(group) for group in match.groups())
    try:
        birth_date = datetime.date(year, month, day)
    except ValueError:
        return FieldError(_BIRTH_DATE, DATE_IMPOSSIBLE, {"day": day, "month": month, "year": year})
    if birth_date > today:
        return FieldError(_BIRTH_DATE, DATE_IN_FUTURE)
    if birth_date < max(_OLDEST_BIRTH_DATE, _years_before(today, _MAX_AGE_YEARS)):
        return FieldError(_BIRTH_DATE, DATE_TOO_OLD)
    return birth_date


# --- Sex -----------------------------------------------------------------------------------------


def _validate_sex(text: str) -> Sex | FieldError:
    value = text.strip().lower()
    if not value:
        return FieldError(_SEX, REQUIRED)
    try:
        return Sex(value)
    except ValueError:
        return FieldError(_SEX, INVALID_CHOICE)


# --- NIR -----------------------------------------------------------------------------------------


def _nir_month_ok(month: int) -> bool:
    # 01-12, or the codes used when the birth month is unknown (20-42, 50-99).
    return 1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99


def _nir_key(number: str) -> int:
    """The control key of the 13-character number (Corsica 2A/2B read as 19/18)."""
    department = _CORSICA.get(number[5:7], number[5:7])
    return 97 - int(number[:5] + department + number[7:]) % 97


def validate_nir(text: str, birth_date: datetime.date | None = None) -> str | FieldError:
    """Check a French social-security number (NIR) and return it normalised (15 characters).

    Spaces, dots and hyphens are ignored; letters are upper-cased. Checks, in this order: length,
    characters, sex digit, month, department, key, then (if ``birth_date`` is given) the birth year
    and, for months 01-12, the birth month. Errors use the field "nir"; an empty text is REQUIRED.
    """
    compact = _NIR_SEPARATORS.sub("", text)
    if not compact:
        return FieldError(_NIR, REQUIRED)
    if len(compact) != _NIR_LENGTH:
        return FieldError(_NIR, NIR_LENGTH, {"length": len(compact)})
    nir = compact.translate(_ASCII_TO_UPPER)  # ASCII only: str.upper() may change the length
    for position, char in enumerate(nir):
        allowed_letter = position in (5, 6) and char in _ASCII_UPPER
        if char not in _ASCII_DIGITS and not allowed_letter:
            return FieldError(_NIR, NIR_CHARACTERS)
    if nir[0] not in _NIR_SEX_DIGITS:
        return FieldError(_NIR, NIR_SEX_DIGIT)
    nir_month = int(nir[3:5])
    if not _nir_month_ok(nir_month):
        return FieldError(_NIR, NIR_MONTH)
    department = nir[5:7]
    if not (set(department) <= _ASCII_DIGITS or department in _CORSICA):
        return FieldError(_NIR, NIR_DEPARTMENT)
    if _nir_key(nir[:13]) != int(nir[13:]):
        return FieldError(_NIR, NIR_KEY)
    if birth_date is not None:
        if int(nir[1:3]) != birth_date.year % 100:
            return FieldError(
                _NIR, NIR_BIRTH_YEAR_MISMATCH, {"nir_year": nir[1:3], "birth_year": birth_date.year}
            )
        if 1 <= nir_month <= 12 and nir_month != birth_date.month:
            return FieldError(
                _NIR,
                NIR_BIRTH_MONTH_MISMATCH,
                {"nir_month": nir[3:5], "birth_month": birth_date.month},
            )
    return nir


def mask_nir(nir: str) -> str:
    """Hide all but the last two characters (the key), e.g. "•••••••••••••42".

    A text of two characters or fewer is hidden entirely.
    """
    if len(nir) <= 2:
        return _MASK_CHAR * len(nir)
    return _MASK_CHAR * (len(nir) - 2) + nir[-2:]


# --- The whole form ------------------------------------------------------------------------------


def validate_identity(
    raw: Mapping[str, str], today: datetime.date
) -> PatientIdentity | list[FieldError]:
    """Validate the whole form; return the clean identity or every field's error at once.

    A missing key counts as an empty string (so does ``None``); unknown keys are ignored. At most
    one error per field. The NIR is cross-checked against the birth date only when that date is
    valid.
    """

    def text_of(key: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else ""

    family_name = _validate_name(_FAMILY_NAME, text_of(_FAMILY_NAME))
    given_names = _validate_name(_GIVEN_NAMES, text_of(_GIVEN_NAMES))
    birth_date = parse_birth_date(text_of(_BIRTH_DATE), today)
    sex = _validate_sex(text_of(_SEX))
    nir: str | FieldError | None = None
    if _NIR_SEPARATORS.sub("", text_of(_NIR)):
        known_birth_date = birth_date if isinstance(birth_date, datetime.date) else None
        nir = validate_nir(text_of(_NIR), known_birth_date)
    physician = _validate_optional_name(_TREATING_PHYSICIAN, text_of(_TREATING_PHYSICIAN))

    if (
        isinstance(family_name, str)
        and isinstance(given_names, str)
        and isinstance(birth_date, datetime.date)
        and isinstance(sex, Sex)
        and not isinstance(nir, FieldError)
        and not isinstance(physician, FieldError)
    ):
        return PatientIdentity(
            family_name=family_name,
            given_names=given_names,
            birth_date=birth_date,
            sex=sex,
            nir=nir,
            treating_physician=physician,
        )
    results = (family_name, given_names, birth_date, sex, nir, physician)
    return [result for result in results if isinstance(result, FieldError)]
