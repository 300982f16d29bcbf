"""Tests of kiosk.identity: what the pharmacist types to identify a patient."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import identity
from kiosk.identity import (
    DATE_FORMAT,
    DATE_IMPOSSIBLE,
    DATE_IN_FUTURE,
    DATE_TOO_OLD,
    INVALID_CHARACTERS,
    INVALID_CHOICE,
    NIR_BIRTH_MONTH_MISMATCH,
    NIR_BIRTH_YEAR_MISMATCH,
    NIR_CHARACTERS,
    NIR_DEPARTMENT,
    NIR_KEY,
    NIR_LENGTH,
    NIR_MONTH,
    NIR_SEX_DIGIT,
    REQUIRED,
    TOO_LONG,
    FieldError,
    PatientIdentity,
    Sex,
    mask_nir,
    parse_birth_date,
    validate_identity,
    validate_nir,
)

TODAY = datetime.date(2025, 6, 15)

FIELD_NAMES = frozenset(
    {"family_name", "given_names", "birth_date", "sex", "nir", "treating_physician"}
)
ERROR_CODES = frozenset(
    {
        "REQUIRED",
        "TOO_LONG",
        "INVALID_CHARACTERS",
        "INVALID_CHOICE",
        "DATE_FORMAT",
        "DATE_IMPOSSIBLE",
        "DATE_IN_FUTURE",
        "DATE_TOO_OLD",
        "NIR_LENGTH",
        "NIR_CHARACTERS",
        "NIR_SEX_DIGIT",
        "NIR_MONTH",
        "NIR_DEPARTMENT",
        "NIR_KEY",
        "NIR_BIRTH_YEAR_MISMATCH",
        "NIR_BIRTH_MONTH_MISMATCH",
    }
)


def with_key(number: str) -> str:
    """Append the control key, computed independently of the module.

    Uses the INSEE formulation for Corsica: read 2A/2B as 20, then subtract 1,000,000 (2A) or
    2,000,000 (2B).
    """
    assert len(number) == 13
    department = number[5:7]
    value = int(number[:5] + ("20" if department in ("2A", "2B") else department) + number[7:])
    value -= {"2A": 1_000_000, "2B": 2_000_000}.get(department, 0)
    return f"{number}{97 - value % 97:02d}"


def number(sex: str, year: str, month: str, department: str, commune: str, order: str) -> str:
    """The 13 characters of a NIR, from its parts."""
    return sex + year + month + department + commune + order


MAN_1985_05 = with_key(number("1", "85", "05", "78", "006", "084"))
WOMAN_1990_11 = with_key(number("2", "90", "11", "75", "123", "456"))
CORSICA_2A = with_key(number("1", "72", "02", "2A", "004", "012"))
CORSICA_2B = with_key(number("2", "65", "11", "2B", "033", "101"))
UNKNOWN_MONTH = with_key(number("1", "60", "30", "99", "350", "001"))
GOLDEN_NIRS = [MAN_1985_05, WOMAN_1990_11, CORSICA_2A, CORSICA_2B, UNKNOWN_MONTH]


def code_of(result: object) -> str:
    assert isinstance(result, FieldError), result
    return result.code


def valid_form(**overrides: str) -> dict[str, str]:
    form = {
        "family_name": "Dupont",
        "given_names": "Marie Claire",
        "birth_date": "12/05/1985",
        "sex": "female",
        "nir": MAN_1985_05,
        "treating_physician": "Dr. Martin",
    }
    form.update(overrides)
    return form


# --- Constants -----------------------------------------------------------------------------------


def test_error_constants_equal_their_names() -> None:
    for code in ERROR_CODES:
        assert getattr(identity, code) == code


def test_sex_values() -> None:
    assert [sex.value for sex in Sex] == ["female", "male", "other", "unknown"]


# --- NIR -----------------------------------------------------------------------------------------


def test_helper_agrees_with_a_published_example() -> None:
    # The example NIR of the French Wikipedia article "Numéro de sécurité sociale en France".
    assert with_key("2550814168025") == "255081416802538"


@pytest.mark.parametrize("nir", GOLDEN_NIRS)
def test_golden_nirs_are_valid(nir: str) -> None:
    assert validate_nir(nir) == nir


def test_corsica_key_is_not_the_key_of_department_20() -> None:
    as_20 = with_key(CORSICA_2A[:5] + "20" + CORSICA_2A[7:13])
    assert as_20[13:] != CORSICA_2A[13:]
    assert code_of(validate_nir(CORSICA_2A[:13] + as_20[13:])) == NIR_KEY


def test_lowercase_corsica_is_uppercased() -> None:
    assert validate_nir(CORSICA_2B.lower()) == CORSICA_2B


@pytest.mark.parametrize(
    "typed",
    [
        "1 85 05 78 006 084 {key}",
        "1.85.05.78.006.084.{key}",
        "1-85-05-78-006-084-{key}",
        "  185 05 78006084 {key}  ",
    ],
)
def test_separators_are_accepted(typed: str) -> None:
    assert validate_nir(typed.format(key=MAN_1985_05[13:])) == MAN_1985_05


@pytest.mark.parametrize("nir", GOLDEN_NIRS)
def test_every_single_digit_change_is_detected(nir: str) -> None:
    for position, char in enumerate(nir):
        if not char.isdigit():
            continue
        for digit in "0123456789":
            if digit == char:
                continue
            changed = nir[:position] + digit + nir[position + 1 :]
            result = validate_nir(changed)
            assert isinstance(result, FieldError), (position, digit)
            if position in (1, 2) or position >= 7:  # year, commune, order, key
                assert result.code == NIR_KEY, (position, digit)
            else:
                assert result.code in {NIR_KEY, NIR_SEX_DIGIT, NIR_MONTH, NIR_DEPARTMENT}


def _nir_months() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(1, 12), st.integers(20, 42), st.integers(50, 99))


@st.composite
def valid_nirs(draw: st.DrawFn) -> str:
    sex = draw(st.sampled_from("123478"))
    year = draw(st.integers(0, 99))
    month = draw(_nir_months())
    department = draw(
        st.one_of(st.sampled_from(["2A", "2B"]), st.integers(0, 99).map(lambda n: f"{n:02d}"))
    )
    commune = draw(st.integers(0, 999))
    order = draw(st.integers(0, 999))
    return with_key(f"{sex}{year:02d}{month:02d}{department}{commune:03d}{order:03d}")


@given(nir=valid_nirs(), data=st.data())
def test_property_single_digit_change_is_detected(nir: str, data: st.DataObject) -> None:
    assert validate_nir(nir) == nir
    positions = [i for i, char in enumerate(nir) if char.isdigit()]
    position = data.draw(st.sampled_from(positions))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != nir[position]]))
    changed = nir[:position] + digit + nir[position + 1 :]
    result = validate_nir(changed)
    assert isinstance(result, FieldError)
    if position in (1, 2) or position >= 7:
        assert result.code == NIR_KEY
    else:
        assert result.code in {NIR_KEY, NIR_SEX_DIGIT, NIR_MONTH, NIR_DEPARTMENT}


def test_wrong_key() -> None:
    wrong = MAN_1985_05[:13] + f"{(int(MAN_1985_05[13:]) % 97) + 1:02d}"
    assert code_of(validate_nir(wrong)) == NIR_KEY
    assert code_of(validate_nir(MAN_1985_05[:13] + "00")) == NIR_KEY


def test_too_short_and_too_long() -> None:
    short = validate_nir(MAN_1985_05[:13])
    assert short == FieldError("nir", NIR_LENGTH, {"length": 13})
    long = validate_nir(MAN_1985_05 + "1")
    assert long == FieldError("nir", NIR_LENGTH, {"length": 16})
    spaced = validate_nir("1 85 05 78 006")
    assert spaced == FieldError("nir", NIR_LENGTH, {"length": 10})


def test_empty_nir_is_required_when_validated_alone() -> None:
    assert code_of(validate_nir("")) == REQUIRED
    assert code_of(validate_nir(" . - ")) == REQUIRED


@pytest.mark.parametrize("position", [0, 2, 4, 7, 9, 12, 13, 14])
def test_letters_in_the_wrong_place(position: int) -> None:
    changed = MAN_1985_05[:position] + "A" + MAN_1985_05[position + 1 :]
    assert code_of(validate_nir(changed)) == NIR_CHARACTERS


@pytest.mark.parametrize("char", ["/", "é", "١", "１", "*"])
def test_other_characters(char: str) -> None:
    changed = MAN_1985_05[:8] + char + MAN_1985_05[9:]
    assert code_of(validate_nir(changed)) == NIR_CHARACTERS


@pytest.mark.parametrize("sex_digit", ["0", "5", "6", "9"])
def test_bad_sex_digit(sex_digit: str) -> None:
    assert code_of(validate_nir(with_key(sex_digit + MAN_1985_05[1:13]))) == NIR_SEX_DIGIT


@pytest.mark.parametrize("sex_digit", ["3", "4", "7", "8"])
def test_temporary_and_foreign_sex_digits_are_accepted(sex_digit: str) -> None:
    nir = with_key(sex_digit + MAN_1985_05[1:13])
    assert validate_nir(nir) == nir


@pytest.mark.parametrize("month", ["00", "13", "19", "43", "49"])
def test_bad_month(month: str) -> None:
    nir = with_key(MAN_1985_05[:3] + month + MAN_1985_05[5:13])
    assert code_of(validate_nir(nir)) == NIR_MONTH


@pytest.mark.parametrize("department", ["2C", "A2", "AB", "3A"])
def test_bad_corsica_department(department: str) -> None:
    nir = MAN_1985_05[:5] + department + MAN_1985_05[7:]
    assert code_of(validate_nir(nir)) == NIR_DEPARTMENT


def test_year_mismatch() -> None:
    result = validate_nir(MAN_1985_05, datetime.date(1990, 5, 12))
    assert result == FieldError(
        "nir", NIR_BIRTH_YEAR_MISMATCH, {"nir_year": "85", "birth_year": 1990}
    )


def test_month_mismatch() -> None:
    result = validate_nir(MAN_1985_05, datetime.date(1985, 6, 12))
    assert code_of(result) == NIR_BIRTH_MONTH_MISMATCH
    assert isinstance(result, FieldError)
    assert result.params == {"nir_month": "05", "birth_month": 6}


def test_matching_birth_date() -> None:
    assert validate_nir(MAN_1985_05, datetime.date(1985, 5, 12)) == MAN_1985_05
    assert validate_nir(CORSICA_2A, datetime.date(1972, 2, 29)) == CORSICA_2A


@pytest.mark.parametrize("month", ["20", "30", "42", "50", "99"])
def test_unknown_month_code_is_accepted_without_month_check(month: str) -> None:
    nir = with_key(number("1", "60", month, "99", "350", "001"))
    assert validate_nir(nir, datetime.date(1960, 7, 1)) == nir
    assert code_of(validate_nir(nir, datetime.date(1961, 7, 1))) == NIR_BIRTH_YEAR_MISMATCH


def test_key_check_comes_before_the_birth_date_check() -> None:
    wrong_key = MAN_1985_05[:13] + ("01" if MAN_1985_05[13:] != "01" else "02")
    assert code_of(validate_nir(wrong_key, datetime.date(1990, 1, 1))) == NIR_KEY


# --- mask_nir ------------------------------------------------------------------------------------


def test_mask_nir_shows_only_the_last_two_characters() -> None:
    masked = mask_nir(MAN_1985_05)
    assert masked == "•" * 13 + MAN_1985_05[-2:]
    assert len(masked) == 15
    assert MAN_1985_05[:13] not in masked


def test_mask_nir_short_text_is_hidden_entirely() -> None:
    assert mask_nir("") == ""
    assert mask_nir("42") == "••"


# --- Dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12/05/1985", datetime.date(1985, 5, 12)),
        ("12-05-1985", datetime.date(1985, 5, 12)),
        ("12.05.1985", datetime.date(1985, 5, 12)),
        ("12 05 1985", datetime.date(1985, 5, 12)),
        ("12051985", datetime.date(1985, 5, 12)),
        ("1/2/1950", datetime.date(1950, 2, 1)),
        ("  01 / 02 / 1950 ", datetime.date(1950, 2, 1)),
        ("29/02/2024", datetime.date(2024, 2, 29)),
        ("15/06/2025", TODAY),
        ("01/01/1900", datetime.date(1900, 1, 1)),
    ],
)
def test_dates_accepted(typed: str, expected: datetime.date) -> None:
    assert parse_birth_date(typed, TODAY) == expected


def test_impossible_dates() -> None:
    assert parse_birth_date("31/02/2000", TODAY) == FieldError(
        "birth_date", DATE_IMPOSSIBLE, {"day": 31, "month": 2, "year": 2000}
    )
    assert code_of(parse_birth_date("29/02/2023", TODAY)) == DATE_IMPOSSIBLE
    assert code_of(parse_birth_date("01/13/2000", TODAY)) == DATE_IMPOSSIBLE
    assert code_of(parse_birth_date("00/01/2000", TODAY)) == DATE_IMPOSSIBLE
    assert code_of(parse_birth_date("31022000", TODAY)) == DATE_IMPOSSIBLE


def test_future_date() -> None:
    assert code_of(parse_birth_date("16/06/2025", TODAY)) == DATE_IN_FUTURE


def test_too_old() -> None:
    assert code_of(parse_birth_date("31/12/1899", TODAY)) == DATE_TOO_OLD
    later = datetime.date(2045, 6, 15)
    assert code_of(parse_birth_date("14/06/1915", later)) == DATE_TOO_OLD
    assert parse_birth_date("15/06/1915", later) == datetime.date(1915, 6, 15)


@pytest.mark.parametrize(
    "typed",
    [
        "12/05/85",
        "120585",
        "12/05/985",
        "1985-05-12",
        "12/05",
        "May 12 1985",
        "12/05/1985x",
        "١٢/٠٥/١٩٨٥",
    ],
)
def test_date_format(typed: str) -> None:
    assert code_of(parse_birth_date(typed, TODAY)) == DATE_FORMAT


@pytest.mark.parametrize("typed", ["", "   "])
def test_empty_date_is_required(typed: str) -> None:
    assert parse_birth_date(typed, TODAY) == FieldError("birth_date", REQUIRED)


# --- Names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Le Guen-D’Arvor", "Le Guen-D’Arvor"),
        ("Ørsted", "Ørsted"),
        ("José María", "José María"),
        ("N'Diaye", "N'Diaye"),
        ("  Le   Guen \u00a0 Dupont  ", "Le Guen Dupont"),
        ("Jose\u0301", "José"),  # decomposed accent, composed by NFC
        ("Zoë", "Zoë"),
        ("François", "François"),
        ("Ш. Иванов", "Ш. Иванов"),
        ("राजेश", "राजेश"),  # vowel signs are combining marks
        ("x" * 100, "x" * 100),
    ],
)
def test_names_accepted(typed: str, expected: str) -> None:
    result = validate_identity(valid_form(family_name=typed, given_names=typed), TODAY)
    assert isinstance(result, PatientIdentity), result
    assert result.family_name == expected
    assert result.given_names == expected


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", REQUIRED),
        ("   \t ", REQUIRED),
        ("x" * 101, TOO_LONG),
        ("Dupont2", INVALID_CHARACTERS),
        ("<script>", INVALID_CHARACTERS),
        ("Dupont 😀", INVALID_CHARACTERS),
        ("Du\x00pont", INVALID_CHARACTERS),
        ("Du\x1fpont", INVALID_CHARACTERS),
        ("Dupont;", INVALID_CHARACTERS),
        ("- . '", INVALID_CHARACTERS),
        ("a\ufe0f", INVALID_CHARACTERS),
    ],
)
def test_names_rejected(typed: str, code: str) -> None:
    for field_name in ("family_name", "given_names"):
        result = validate_identity(valid_form(**{field_name: typed}), TODAY)
        assert isinstance(result, list)
        assert [(e.field, e.code) for e in result] == [(field_name, code)]


def test_too_long_carries_the_maximum() -> None:
    result = validate_identity(valid_form(family_name="x" * 101), TODAY)
    assert result == [FieldError("family_name", TOO_LONG, {"max": 100})]


def test_length_is_counted_after_collapsing_whitespace() -> None:
    result = validate_identity(valid_form(family_name="a" + " " * 200 + "b"), TODAY)
    assert isinstance(result, PatientIdentity)
    assert result.family_name == "a b"


def test_treating_physician() -> None:
    result = validate_identity(valid_form(treating_physician="  Dr.  Le  Gall "), TODAY)
    assert isinstance(result, PatientIdentity)
    assert result.treating_physician == "Dr. Le Gall"
    result = validate_identity(valid_form(treating_physician=" "), TODAY)
    assert isinstance(result, PatientIdentity)
    assert result.treating_physician is None
    result = validate_identity(valid_form(treating_physician="Dr House 2"), TODAY)
    assert result == [FieldError("treating_physician", INVALID_CHARACTERS)]
    result = validate_identity(valid_form(treating_physician="y" * 101), TODAY)
    assert result == [FieldError("treating_physician", TOO_LONG, {"max": 100})]


# --- Sex -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("female", Sex.FEMALE), ("MALE", Sex.MALE), (" Other ", Sex.OTHER), ("unknown", Sex.UNKNOWN)],
)
def test_sex_accepted(typed: str, expected: Sex) -> None:
    result = validate_identity(valid_form(sex=typed), TODAY)
    assert isinstance(result, PatientIdentity)
    assert result.sex is expected


@pytest.mark.parametrize(
    ("typed", "code"), [("", REQUIRED), (" ", REQUIRED), ("F", INVALID_CHOICE)]
)
def test_sex_rejected(typed: str, code: str) -> None:
    assert validate_identity(valid_form(sex=typed), TODAY) == [FieldError("sex", code)]


# --- The whole form ------------------------------------------------------------------------------


def test_valid_form() -> None:
    result = validate_identity(valid_form(nir="1 85 05 78 006 084 " + MAN_1985_05[13:]), TODAY)
    assert result == PatientIdentity(
        family_name="Dupont",
        given_names="Marie Claire",
        birth_date=datetime.date(1985, 5, 12),
        sex=Sex.FEMALE,
        nir=MAN_1985_05,
        treating_physician="Dr. Martin",
    )


def test_optional_fields_may_be_missing() -> None:
    form = valid_form()
    del form["nir"]
    form["treating_physician"] = ""
    result = validate_identity(form, TODAY)
    assert isinstance(result, PatientIdentity)
    assert result.nir is None
    assert result.treating_physician is None
    result = validate_identity(valid_form(nir=" . - "), TODAY)
    assert isinstance(result, PatientIdentity)
    assert result.nir is None


def test_all_errors_are_reported_at_once() -> None:
    raw = {
        "family_name": "",
        "given_names": "J0hn",
        "birth_date": "31/02/2000",
        "sex": "alien",
        "nir": "12345",
        "treating_physician": "<b>",
    }
    result = validate_identity(raw, TODAY)
    assert isinstance(result, list)
    assert [(e.field, e.code) for e in result] == [
        ("family_name", REQUIRED),
        ("given_names", INVALID_CHARACTERS),
        ("birth_date", DATE_IMPOSSIBLE),
        ("sex", INVALID_CHOICE),
        ("nir", NIR_LENGTH),
        ("treating_physician", INVALID_CHARACTERS),
    ]


def test_missing_keys_are_empty() -> None:
    result = validate_identity({}, TODAY)
    assert isinstance(result, list)
    assert [(e.field, e.code) for e in result] == [
        ("family_name", REQUIRED),
        ("given_names", REQUIRED),
        ("birth_date", REQUIRED),
        ("sex", REQUIRED),
    ]


def test_nir_cross_check_uses_a_valid_birth_date() -> None:
    result = validate_identity(valid_form(birth_date="12/05/1990"), TODAY)
    assert result == [
        FieldError("nir", NIR_BIRTH_YEAR_MISMATCH, {"nir_year": "85", "birth_year": 1990})
    ]
    result = validate_identity(valid_form(birth_date="12/06/1985"), TODAY)
    assert isinstance(result, list)
    assert [(e.field, e.code) for e in result] == [("nir", NIR_BIRTH_MONTH_MISMATCH)]


def test_nir_cross_check_skipped_when_birth_date_invalid() -> None:
    result = validate_identity(valid_form(birth_date="31/02/1990"), TODAY)
    assert isinstance(result, list)
    assert [(e.field, e.code) for e in result] == [("birth_date", DATE_IMPOSSIBLE)]


def test_round_trip() -> None:
    result = validate_identity(valid_form(nir=CORSICA_2A, birth_date="01/02/1972"), TODAY)
    assert isinstance(result, PatientIdentity)
    data = result.to_dict()
    assert data == {
        "family_name": "Dupont",
        "given_names": "Marie Claire",
        "birth_date": "1972-02-01",
        "sex": "female",
        "nir": CORSICA_2A,
        "treating_physician": "Dr. Martin",
    }
    assert PatientIdentity.from_dict(data) == result
    no_options = PatientIdentity(
        "Ng", "Lan", datetime.date(2001, 1, 2), Sex.UNKNOWN, nir=None, treating_physician=None
    )
    assert PatientIdentity.from_dict(no_options.to_dict()) == no_options


def test_from_dict_rejects_bad_data_without_echoing_it() -> None:
    good = valid_form()
    good.update(birth_date="1985-05-12", nir=MAN_1985_05)
    with pytest.raises(ValueError, match="birth_date") as excinfo:
        PatientIdentity.from_dict({**good, "birth_date": "12/05/1985"})
    assert "12/05/1985" not in str(excinfo.value)
    with pytest.raises(ValueError, match="sex"):
        PatientIdentity.from_dict({**good, "sex": "Secret"})
    with pytest.raises(TypeError, match="family_name"):
        PatientIdentity.from_dict({k: v for k, v in good.items() if k != "family_name"})
    with pytest.raises(TypeError, match="nir"):
        PatientIdentity.from_dict({**good, "nir": 42})


def test_repr_hides_patient_data() -> None:
    result = validate_identity(valid_form(), TODAY)
    assert isinstance(result, PatientIdentity)
    assert "Dupont" not in repr(result)
    assert MAN_1985_05 not in repr(result)


def test_huge_input_does_not_raise() -> None:
    huge = "é" * 1_000_000
    raw = dict.fromkeys(FIELD_NAMES, huge)
    result = validate_identity(raw, TODAY)
    assert isinstance(result, list)
    assert {e.field for e in result} == FIELD_NAMES


# --- Properties ----------------------------------------------------------------------------------

form_values = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.sampled_from(["None", "null", "\x00", "😀", "2A", "29/02/2024", "female", " "]),
    valid_nirs(),
)


@given(
    raw=st.fixed_dictionaries({}, optional=dict.fromkeys(FIELD_NAMES, form_values)),
    today=st.dates(datetime.date(1950, 1, 1), datetime.date(2200, 12, 31)),
)
def test_property_never_raises(raw: dict[str, str], today: datetime.date) -> None:
    result = validate_identity(raw, today)
    if isinstance(result, PatientIdentity):
        assert PatientIdentity.from_dict(result.to_dict()) == result
        return
    assert isinstance(result, list)
    assert result
    assert all(isinstance(error, FieldError) for error in result)
    assert {error.field for error in result} <= FIELD_NAMES
    assert {error.code for error in result} <= ERROR_CODES
    assert len({error.field for error in result}) == len(result)  # one error per field at most


name_texts = st.text(
    alphabet=st.characters(categories=["Lu", "Ll"]) | st.sampled_from(list(" -'’.")),
    min_size=1,
    max_size=100,
).filter(lambda s: any(c.isalpha() for c in s))


@given(
    family_name=name_texts,
    given_names=name_texts,
    birth_date=st.dates(datetime.date(1900, 1, 1), TODAY),
    sex=st.sampled_from(Sex),
    separator=st.sampled_from(["/", "-", ".", " ", ""]),
)
def test_property_valid_forms_are_accepted(
    family_name: str, given_names: str, birth_date: datetime.date, sex: Sex, separator: str
) -> None:
    raw = {
        "family_name": family_name,
        "given_names": given_names,
        "birth_date": birth_date.strftime(f"%d{separator}%m{separator}") + f"{birth_date.year:04d}",
        "sex": sex.value.upper(),
        "nir": with_key(
            f"{1 + (sex is Sex.FEMALE)}{birth_date.year % 100:02d}{birth_date.month:02d}75056001"
        ),
    }
    result = validate_identity(raw, TODAY)
    assert isinstance(result, PatientIdentity), result
    assert result.birth_date == birth_date
    assert result.sex is sex
    assert result.to_dict()["nir"] == raw["nir"]
    assert PatientIdentity.from_dict(result.to_dict()) == result
