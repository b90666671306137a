"""Identifier validators: the vectors of domain-rules.md, computed values, and
hypothesis round trips with one-character mutations.

Where a test needs an oracle it uses the standards' own verification formula
(the weighted sum over all 18 characters, the ISO 7064 residue), not the
generator under test.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from yiwang.common.errors import ValidationFailed
from yiwang.common.validators import (
    PROVINCE_CODES,
    USCC_ALPHABET,
    check_id_number,
    check_license_id,
    check_project_code,
    check_uscc,
    id_check_char,
    license_check_char,
    make_id_number,
    make_license_id,
    make_project_code,
    make_uscc,
    org_code_check_char,
    uscc_check_char,
)

TODAY = date(2026, 11, 26)
DIGITS = "0123456789"
ALNUM36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LICENSE_VECTOR = "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"


def rule_of(exc_info: pytest.ExceptionInfo[ValidationFailed]) -> str:
    rule = exc_info.value.extra["rule"]
    assert isinstance(rule, str)
    return rule


# --- oracles straight from the standards' verification formulas -------------


def id_sum_ok(value: str) -> bool:
    """GB 11643-1999: sum(a_i * 2^(i-1)) over all 18 characters, i counted from the
    right and X = 10, is 1 mod 11."""
    total = sum((10 if c == "X" else int(c)) * pow(2, i, 11) for i, c in enumerate(value[::-1]))
    return total % 11 == 1


def uscc_sum_ok(value: str) -> bool:
    """GB 32100-2015: C18 = 31 - (sum C_i W_i mod 31), so the sum plus C18 is 0 mod 31."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(value[:17]))
    return (total + USCC_ALPHABET.index(value[17])) % 31 == 0


def iso7064_37_36_ok(value: str) -> bool:
    """ISO 7064 hybrid MOD 37,36: running over data + check leaves residue 1 mod 36."""
    p = 36
    for i, c in enumerate(value):
        s = (p + ALNUM36.index(c)) % 36 or 36
        if i == len(value) - 1:
            return s % 36 == 1
        p = s * 2 % 37
    return False


# --- resident ID number -----------------------------------------------------


@pytest.mark.parametrize(
    "value", ["11010519491231002X", "360426199101010071", "34052419800101001X"]
)
def test_id_vectors_valid(value: str) -> None:
    assert check_id_number(value) == value
    assert id_sum_ok(value)


def test_id_lowercase_x_is_normalised() -> None:
    assert check_id_number("11010519491231002x") == "11010519491231002X"


def test_id_check_char_vectors() -> None:
    assert id_check_char("11010519491231002") == "X"
    assert id_check_char("36042619910101007") == "1"
    assert id_check_char("34052419800101001") == "X"


def test_make_id_number_reproduces_vectors() -> None:
    assert make_id_number("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert make_id_number("360426", date(1991, 1, 1), 7) == "360426199101010071"


def test_make_id_number_pads_early_years() -> None:
    assert make_id_number("110105", date(999, 1, 2), 5)[6:14] == "09990102"


@pytest.mark.parametrize(
    ("value", "rule", "reason"),
    [
        ("110105194912310021", "check_char", "check character should be X, not 1"),
        ("110105194902300021", "birth_date", "birth date 19490230 is not a real date"),
        ("110105194913010021", "birth_date", "birth date 19491301 is not a real date"),
        ("110105190002290021", "birth_date", "birth date 19000229 is not a real date"),
        ("11010519491231002", "length", "wrong length: 17 characters, expected 18"),
        ("11010519491231002X1", "length", "wrong length: 19 characters, expected 18"),
        ("11010519491231002X\n", "length", "wrong length: 19 characters, expected 18"),
        ("", "empty", "empty value"),
        ("110105194912310O2X", "charset", "character 16 ('O') is not a digit"),
        ("11010519491231002Y", "charset", "character 18 ('Y') must be a digit or X"),
        ("X10105194912310021", "charset", "character 1 ('X') is not a digit"),
    ],
)
def test_id_rejections(value: str, rule: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number(value, today=TODAY)
    assert rule_of(exc_info) == rule
    assert exc_info.value.detail == reason
    assert exc_info.value.extra["field"] == "id_number"


@pytest.mark.parametrize(
    "value",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits: str.isdigit() says yes
        "²10105194912310021",  # superscript two: isdigit() yes, int() no
        "11010519491231002\u0445",  # Cyrillic kha, looks like x
    ],
)
def test_id_rejects_non_ascii_lookalikes(value: str) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number(value)
    assert rule_of(exc_info) == "charset"


def test_id_rejects_non_text() -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number(110105194912310021)  # type: ignore[arg-type]
    assert rule_of(exc_info) == "type"


@pytest.mark.parametrize(
    "province", ["00", "10", "16", "20", "30", "38", "47", "55", "60", "66", "72", "80", "84", "99"]
)
def test_id_rejects_unknown_province_even_with_correct_check(province: str) -> None:
    value = make_id_number(province + "0105", date(1980, 1, 1), 1)
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number(value)
    assert rule_of(exc_info) == "address"
    assert f"address code {province}0105" in exc_info.value.detail


@pytest.mark.parametrize(
    "province", ["11", "15", "23", "37", "46", "54", "65", "71", "81", "82", "83"]
)
def test_id_accepts_province_level_codes(province: str) -> None:
    value = make_id_number(province + "0000", date(1980, 1, 1), 1)
    assert check_id_number(value) == value


def test_province_codes_are_exactly_gb_t_2260_plus_83() -> None:
    expected = {
        *map(str, range(11, 16)),
        *map(str, range(21, 24)),
        *map(str, range(31, 38)),
        *map(str, range(41, 47)),
        *map(str, range(50, 55)),
        *map(str, range(61, 66)),
        "71",
        "81",
        "82",
        "83",
    }
    assert expected == PROVINCE_CODES


def test_id_birth_date_today_is_valid_tomorrow_is_future() -> None:
    born_today = make_id_number("110105", TODAY, 3)
    assert check_id_number(born_today, today=TODAY) == born_today
    born_tomorrow = make_id_number("110105", date(2026, 11, 27), 3)
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number(born_tomorrow, today=TODAY)
    assert rule_of(exc_info) == "birth_date"
    assert exc_info.value.detail == "birth date 20261127 is in the future"


def test_id_future_date_uses_the_clock_by_default() -> None:
    value = make_id_number("110105", date(9999, 12, 31), 3)
    with pytest.raises(ValidationFailed, match="in the future"):
        check_id_number(value)


def test_id_birth_year_floor() -> None:
    assert check_id_number(make_id_number("110105", date(1800, 1, 1), 1))
    with pytest.raises(ValidationFailed, match="before 1800"):
        check_id_number(make_id_number("110105", date(1799, 12, 31), 1))
    with pytest.raises(ValidationFailed, match="before 1800"):
        check_id_number(make_id_number("110105", date(990, 1, 1), 1))


@pytest.mark.parametrize(
    "bad", ["1101051949123100", "1101051949123100２", "1101051949123100²", "11010519491231002X"]
)
def test_id_check_char_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ValueError, match="17 digits"):
        id_check_char(bad)


def test_make_id_number_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="address"):
        make_id_number("11010", date(1980, 1, 1), 1)
    with pytest.raises(ValueError, match="sequence"):
        make_id_number("110105", date(1980, 1, 1), 1000)
    with pytest.raises(ValueError, match="sequence"):
        make_id_number("110105", date(1980, 1, 1), -1)


provinces = st.sampled_from(sorted(PROVINCE_CODES))
address_codes = st.builds(
    lambda p, rest: p + rest, provinces, st.text(DIGITS, min_size=4, max_size=4)
)
birth_dates = st.dates(min_value=date(1800, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)
id_numbers = st.builds(make_id_number, address_codes, birth_dates, sequences)


@given(address_codes, birth_dates, sequences)
def test_id_generated_values_are_valid(address: str, birth: date, seq: int) -> None:
    value = make_id_number(address, birth, seq)
    assert check_id_number(value, today=TODAY) == value
    assert id_sum_ok(value)
    assert value[:6] == address
    assert value[14:17] == f"{seq:03d}"


@given(id_numbers, st.integers(0, 17), st.data())
def test_id_any_single_substitution_is_rejected(value: str, pos: int, data: st.DataObject) -> None:
    # MOD 11-2: every weight is non-zero mod the prime 11, and two different
    # characters differ by 1..10, so the weighted sum always changes.
    allowed = DIGITS + "X" if pos == 17 else DIGITS
    new = data.draw(st.sampled_from([c for c in allowed if c != value[pos]]))
    mutated = value[:pos] + new + value[pos + 1 :]
    assert not id_sum_ok(mutated)
    with pytest.raises(ValidationFailed):
        check_id_number(mutated, today=TODAY)


@given(id_numbers, st.integers(0, 15))
def test_id_adjacent_transposition_in_first_17_is_rejected(value: str, pos: int) -> None:
    # Neighbouring weights differ by a factor 2, so their difference is non-zero mod 11.
    a, b = value[pos], value[pos + 1]
    assume(a != b)
    mutated = value[:pos] + b + a + value[pos + 2 :]
    with pytest.raises(ValidationFailed):
        check_id_number(mutated, today=TODAY)


# --- unified social credit code ---------------------------------------------

USCC_VECTOR = "91110000600037341L"


@pytest.mark.parametrize("value", [USCC_VECTOR, "11100000000013338W", "11430000006122244L"])
def test_uscc_valid_vectors(value: str) -> None:
    assert check_uscc(value) == value
    assert uscc_sum_ok(value)


def test_uscc_lowercase_is_normalised() -> None:
    assert check_uscc("91110000600037341l") == USCC_VECTOR


@pytest.mark.parametrize(
    ("first8", "check"), [("D2143569", "X"), ("MA1FL0LY", "9"), ("60003734", "1")]
)
def test_org_code_vectors(first8: str, check: str) -> None:
    assert org_code_check_char(first8) == check


def test_org_code_check_11_maps_to_zero() -> None:
    # 11 - (sum mod 11) == 11 exactly when the sum is 0 mod 11.
    assert org_code_check_char("00000000") == "0"
    assert org_code_check_char("00000001") == "9"  # 11 - 2


def test_org_code_misses_letter_substitutions_that_differ_by_11() -> None:
    # Why the USCC's own mod-31 check matters: GB 11714 alone cannot tell 0 from B (11).
    assert org_code_check_char("00000000") == org_code_check_char("B0000000")


def test_uscc_check_char_and_make_uscc_reproduce_vector() -> None:
    assert uscc_check_char("91110000600037341") == "L"
    assert make_uscc("9", "1", "110000", "60003734") == USCC_VECTOR
    assert make_uscc("1", "1", "430000", "00612224") == "11430000006122244L"


@pytest.mark.parametrize(
    ("dept", "category"), [("A", "1"), ("N", "2"), ("Y", "1"), ("5", "3"), ("9", "2")]
)
def test_uscc_department_may_be_a_letter(dept: str, category: str) -> None:
    value = make_uscc(dept, category, "330100", "MA1FL0LY")
    assert value[8:17] == "MA1FL0LY9"
    assert check_uscc(value) == value


def test_uscc_first_eight_need_not_be_digits() -> None:
    value = make_uscc("Y", "A", "330100", "D2143569")
    value = value.replace("330100", "33A1B0", 1)
    value = value[:17] + uscc_check_char(value[:17])
    assert check_uscc(value) == value


@pytest.mark.parametrize(
    ("value", "rule", "reason"),
    [
        ("91110000600037341K", "check_char", "check character should be L, not K"),
        ("91110000600037341", "length", "wrong length: 17 characters, expected 18"),
        ("", "empty", "empty value"),
    ],
)
def test_uscc_rejections(value: str, rule: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_uscc(value)
    assert rule_of(exc_info) == rule
    assert exc_info.value.detail == reason


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "i", "o", "z", "s", "v", "-", "９", "Ｌ"])
@pytest.mark.parametrize("pos", [0, 8, 17])
def test_uscc_rejects_characters_outside_the_alphabet(bad: str, pos: int) -> None:
    value = USCC_VECTOR[:pos] + bad + USCC_VECTOR[pos + 1 :]
    with pytest.raises(ValidationFailed) as exc_info:
        check_uscc(value)
    assert rule_of(exc_info) == "charset"
    assert exc_info.value.detail.startswith(f"character {pos + 1} ({bad!r}) is not allowed")


def test_uscc_rejects_wrong_org_code_check_even_with_right_uscc_check() -> None:
    first17 = "9111000060003734" + "2"  # org code check should be 1
    value = first17 + uscc_check_char(first17)
    assert uscc_sum_ok(value)
    with pytest.raises(ValidationFailed) as exc_info:
        check_uscc(value)
    assert rule_of(exc_info) == "org_code_check_char"
    assert exc_info.value.detail == (
        "organisation code 600037342: check character should be 1, not 2"
    )


def test_uscc_allow_list_admits_listed_pilot_codes_only() -> None:
    pilot = "91110000600037341K"  # fails the checksum
    with pytest.raises(ValidationFailed):
        check_uscc(pilot)
    assert check_uscc(pilot, allow_list={pilot}) == pilot
    assert check_uscc(pilot.lower(), allow_list=[pilot]) == pilot
    assert check_uscc(pilot, allow_list=[pilot.lower()]) == pilot
    with pytest.raises(ValidationFailed):
        check_uscc("91110000600037341J", allow_list=[pilot])
    # A valid code stays valid with an allow-list that does not name it.
    assert check_uscc(USCC_VECTOR, allow_list=[pilot]) == USCC_VECTOR


def test_uscc_generators_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="USCC alphabet"):
        uscc_check_char("9111000060003734I")
    with pytest.raises(ValueError, match="0-9A-Z"):
        org_code_check_char("6000373")
    with pytest.raises(ValueError, match="department"):
        make_uscc("I", "1", "110000", "60003734")
    with pytest.raises(ValueError, match="organisation code"):
        make_uscc("9", "1", "110000", "6000373O")
    with pytest.raises(ValueError, match="region"):
        make_uscc("9", "1", "11000A", "60003734")
    with pytest.raises(ValueError, match="region"):
        make_uscc("9", "1", "11000٠", "60003734")


uscc_chars = st.sampled_from(USCC_ALPHABET)
usccs = st.builds(
    make_uscc,
    uscc_chars,
    uscc_chars,
    st.text(DIGITS, min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=8, max_size=8),
)


@given(usccs)
def test_uscc_generated_values_are_valid(value: str) -> None:
    assert check_uscc(value) == value
    assert uscc_sum_ok(value)
    assert check_uscc(value.lower()) == value


@given(usccs, st.integers(0, 17), st.data())
def test_uscc_any_single_substitution_is_rejected(
    value: str, pos: int, data: st.DataObject
) -> None:
    # Mod 31 with weights 3^k, all non-zero mod the prime 31, over values 0..30:
    # any one changed character changes the sum.
    new = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != value[pos]]))
    mutated = value[:pos] + new + value[pos + 1 :]
    assert not uscc_sum_ok(mutated)
    with pytest.raises(ValidationFailed):
        check_uscc(mutated)


@given(st.text(DIGITS, min_size=8, max_size=8), st.integers(0, 7), st.data())
def test_org_code_single_digit_substitution_changes_check(
    first8: str, pos: int, data: st.DataObject
) -> None:
    # Weights 3 7 9 10 5 8 4 2 are non-zero mod 11 and digits differ by 1..9.
    new = data.draw(st.sampled_from([c for c in DIGITS if c != first8[pos]]))
    mutated = first8[:pos] + new + first8[pos + 1 :]
    assert org_code_check_char(mutated) != org_code_check_char(first8)


# --- e-license identifier ---------------------------------------------------


def test_license_vector_valid() -> None:
    assert check_license_id(LICENSE_VECTOR) == LICENSE_VECTOR
    assert iso7064_37_36_ok("11100000000013338W01111430000006122244L20230000403001U")


def test_license_generators_reproduce_vector() -> None:
    assert license_check_char("11100000000013338W01111430000006122244L20230000403001") == "U"
    assert (
        make_license_id("11100000000013338W011", "11430000006122244L", "20230000403")
        == LICENSE_VECTOR
    )
    assert (
        make_license_id("11100000000013338W011", "11430000006122244L", "20230000403", 1)
        == LICENSE_VECTOR
    )


def _relicense(type_code: str, issuer: str, serial: str, version: str) -> str:
    """Build an identifier with a correct check char around arbitrary parts."""
    check = license_check_char(type_code + issuer + serial + version)
    return f"1.2.156.3005.2.{type_code}.{issuer}.{serial}.{version}.{check}"


@pytest.mark.parametrize(
    ("value", "rule", "reason"),
    [
        (LICENSE_VECTOR[:-1] + "V", "check_char", "check character should be U, not V"),
        (LICENSE_VECTOR.replace("1.2.156.3005.2.", "1.2.156.3005.3.", 1), "prefix", None),
        (LICENSE_VECTOR[len("1.2.156.3005.2.") :], "prefix", None),
        ("", "empty", "empty value"),
        (LICENSE_VECTOR + ".1", "structure", None),
        (LICENSE_VECTOR.replace(".001.", "..", 1), "structure", "version is empty"),
        (LICENSE_VECTOR.replace("20230000403", "2023.0000403"), "structure", None),
        (LICENSE_VECTOR.replace("11430000006122244L", "11430000006122244l"), "charset", None),
        (LICENSE_VECTOR.replace("20230000403", "2023-0000403"), "charset", None),
        (LICENSE_VECTOR[:-1] + "u", "charset", None),
        (LICENSE_VECTOR[:-1] + "UU", "structure", "check must be one character"),
        (_relicense("11100000000013338W01", "11430000006122244L", "1", "001"), "type", None),
        (
            _relicense("11100000000013338W011", "11430000006122244K", "1", "001"),
            "issuer",
            "issuer USCC: check character should be L, not K",
        ),
        (_relicense("11100000000013338W011", "1143000000612224L", "1", "001"), "issuer", None),
        (_relicense("11100000000013338W011", "11430000006122244L", "1", "000"), "version", None),
        (_relicense("11100000000013338W011", "11430000006122244L", "1", "01"), "version", None),
        (_relicense("11100000000013338W011", "11430000006122244L", "1", "00A"), "version", None),
    ],
)
def test_license_rejections(value: str, rule: str, reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_license_id(value)
    assert rule_of(exc_info) == rule
    if reason is not None:
        assert exc_info.value.detail == reason


def test_license_accepts_other_versions() -> None:
    value = _relicense("11100000000013338W011", "11430000006122244L", "ABC123", "012")
    assert check_license_id(value) == value
    assert make_license_id("11100000000013338W011", "11430000006122244L", "ABC123", 12) == value


def test_license_generators_reject_bad_arguments() -> None:
    with pytest.raises(ValueError, match="0-9A-Z"):
        license_check_char("abc")
    with pytest.raises(ValueError, match="0-9A-Z"):
        license_check_char("")
    with pytest.raises(ValueError, match="type code"):
        make_license_id("1", "11430000006122244L", "1")
    with pytest.raises(ValueError, match="issuer"):
        make_license_id("11100000000013338W011", "1143", "1")
    with pytest.raises(ValueError, match="serial"):
        make_license_id("11100000000013338W011", "11430000006122244L", "")
    with pytest.raises(ValueError, match="version"):
        make_license_id("11100000000013338W011", "11430000006122244L", "1", 0)
    with pytest.raises(ValueError, match="0-9A-Z"):
        make_license_id("11100000000013338W011", "11430000006122244L", "A.B")


license_ids = st.builds(
    make_license_id,
    st.text(ALNUM36, min_size=21, max_size=21),
    usccs,
    st.text(ALNUM36, min_size=1, max_size=40),
    st.integers(1, 999),
)


@given(license_ids)
def test_license_generated_values_are_valid(value: str) -> None:
    assert check_license_id(value) == value
    assert iso7064_37_36_ok(value[len("1.2.156.3005.2.") :].replace(".", ""))


@given(license_ids, st.data())
def test_license_any_single_substitution_is_rejected(value: str, data: st.DataObject) -> None:
    # Outside the fixed prefix, ISO 7064 MOD 37,36 catches every single
    # substitution (each step maps the running state one-to-one, so one changed
    # character changes the final state); inside it, the prefix no longer matches. Dots are left
    # alone: replacing one changes the structure, not a character's value.
    pos = data.draw(st.sampled_from([i for i, c in enumerate(value) if c != "."]))
    new = data.draw(st.sampled_from([c for c in ALNUM36 if c != value[pos]]))
    mutated = value[:pos] + new + value[pos + 1 :]
    with pytest.raises(ValidationFailed):
        check_license_id(mutated)


# --- investment project code ------------------------------------------------


@pytest.mark.parametrize(
    "value", ["2023-330100-01-02-000001", "2015-110000-52-01-123456", "2000-000000-00-00-000000"]
)
def test_project_code_valid(value: str) -> None:
    assert check_project_code(value, today=TODAY) == value


def test_make_project_code() -> None:
    assert make_project_code(2023, "330100", 1, 2, 1) == "2023-330100-01-02-000001"
    assert make_project_code(2015, "110000", 52, 1, 123456) == "2015-110000-52-01-123456"


@pytest.mark.parametrize(
    "value",
    [
        "2023-330100-01-02-00001",
        "2023-330100-01-02-0000001",
        "2023330100-01-02-000001",
        "2023-330100-01-02-000001\n",
        " 2023-330100-01-02-000001",
        "2023-33010A-01-02-000001",
        "2023-330100-01-02-000001-1",
        "２０２３-330100-01-02-000001",
        "٢٠٢٣-330100-01-02-000001",
        "2023_330100_01_02_000001",
        "",
    ],
)
def test_project_code_format_rejections(value: str) -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_project_code(value, today=TODAY)
    assert rule_of(exc_info) in {"format", "empty"}


def test_project_code_year_range() -> None:
    assert check_project_code("2000-330100-01-02-000001", today=TODAY)
    assert check_project_code("2027-330100-01-02-000001", today=TODAY)
    for year in (1999, 2028, 9999, 0):
        with pytest.raises(ValidationFailed) as exc_info:
            check_project_code(f"{year:04d}-330100-01-02-000001", today=TODAY)
        assert rule_of(exc_info) == "year"
        assert exc_info.value.detail == f"year {year} is outside 2000..2027"


def test_make_project_code_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="year"):
        make_project_code(999, "330100", 1, 2, 1)
    with pytest.raises(ValueError, match="region"):
        make_project_code(2023, "33010", 1, 2, 1)
    with pytest.raises(ValueError, match="region"):
        make_project_code(2023, "33010０", 1, 2, 1)
    with pytest.raises(ValueError, match="industry"):
        make_project_code(2023, "330100", 100, 2, 1)
    with pytest.raises(ValueError, match="industry"):
        make_project_code(2023, "330100", 1, -1, 1)
    with pytest.raises(ValueError, match="serial"):
        make_project_code(2023, "330100", 1, 2, 1_000_000)


project_codes = st.builds(
    make_project_code,
    st.integers(2000, TODAY.year + 1),
    st.text(DIGITS, min_size=6, max_size=6),
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 999_999),
)


@given(project_codes)
def test_project_code_generated_values_are_valid(value: str) -> None:
    assert check_project_code(value, today=TODAY) == value


@given(project_codes, st.data())
def test_project_code_structural_mutations_are_rejected(value: str, data: st.DataObject) -> None:
    # The old format has no check character, so a digit swapped for another
    # digit cannot be caught; a digit or dash replaced by anything else can.
    pos = data.draw(st.integers(0, len(value) - 1))
    wrong = "0123456789" if value[pos] == "-" else "-A x٣"
    mutated = value[:pos] + data.draw(st.sampled_from(wrong)) + value[pos + 1 :]
    with pytest.raises(ValidationFailed):
        check_project_code(mutated, today=TODAY)


@given(project_codes, st.integers(5, 23), st.data())
def test_project_code_digit_substitution_outside_the_year_is_not_detectable(
    value: str, pos: int, data: st.DataObject
) -> None:
    # Documents the limit: no check character, so such a typo stays "valid".
    assume(value[pos] != "-")
    new = data.draw(st.sampled_from([c for c in DIGITS if c != value[pos]]))
    mutated = value[:pos] + new + value[pos + 1 :]
    assert check_project_code(mutated, today=TODAY) == mutated


def test_validation_failed_is_the_domain_error() -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_uscc("x")
    assert exc_info.value.code == "validation_failed"
    assert exc_info.value.status == 422


@given(
    st.sampled_from([check_id_number, check_uscc, check_license_id, check_project_code]),
    st.one_of(
        st.text(),
        st.text(ALNUM36 + ".-xX", max_size=80),
        id_numbers.map(lambda v: v[:-1] + "\u0445"),
        license_ids.map(lambda v: v.replace(".", "", 1)),
    ),
)
def test_any_text_is_either_valid_or_validation_failed(
    check: Callable[[str], str], value: str
) -> None:
    # The command line promises "invalid: ..." and never a traceback: no other
    # exception may escape a validator.
    outcome: str | ValidationFailed
    try:
        outcome = check(value)
    except ValidationFailed as exc:
        outcome = exc
    if isinstance(outcome, ValidationFailed):
        assert outcome.detail
    else:
        assert isinstance(outcome, str)


# --- printed forms: spaces and hyphens are dropped before the check ---------------------


@pytest.mark.parametrize(
    "printed",
    [
        "91110000 600037341L",  # as on the business licence: region, organisation code, check
        "9111 0000 6000 3734 1L",
        "91110000-600037341-L",
        "91110000\u3000600037341\u3000L",  # full-width spaces from a Chinese input method
        " 91110000\u00a0600037341l ",  # a no-break space from a web page, lower-case l
        "91110000\u2013600037341\uff0dL",  # an en dash and a full-width hyphen
    ],
)
def test_uscc_printed_with_spaces_or_hyphens_is_compacted(printed: str) -> None:
    assert check_uscc(printed) == USCC_VECTOR


def test_uscc_compacted_is_still_checked() -> None:
    with pytest.raises(ValidationFailed) as exc_info:
        check_uscc("91110000 600037341K")
    assert rule_of(exc_info) == "check_char"
    assert exc_info.value.detail == "check character should be L, not K"


def test_uscc_allow_list_is_compared_compacted() -> None:
    pilot = "91110000600037341K"
    assert check_uscc("91110000 600037341K", allow_list=[pilot]) == pilot


ID_1990 = make_id_number("110101", date(1990, 3, 7), 123)


@pytest.mark.parametrize(
    "printed",
    [
        f"{ID_1990[:6]}-{ID_1990[6:14]}-{ID_1990[14:]}",  # 110101-19900307-123X
        f"{ID_1990[:6]} {ID_1990[6:14]} {ID_1990[14:]}",
        f"{ID_1990[:6]} {ID_1990[6:10]} {ID_1990[10:14]} {ID_1990[14:]}",
        f"{ID_1990[:6]}\u3000{ID_1990[6:14]}\u3000{ID_1990[14:]}",
    ],
)
def test_id_printed_with_spaces_or_hyphens_is_compacted(printed: str) -> None:
    assert check_id_number(printed, today=TODAY) == ID_1990


def test_id_compacted_lower_x_and_wrong_check_still_refused() -> None:
    number = "11010519491231002X"
    assert check_id_number("110105 19491231 002x", today=TODAY) == number
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number("110105-19491231-0021", today=TODAY)
    assert rule_of(exc_info) == "check_char"


def test_a_separator_typed_instead_of_a_character_is_named_as_typed() -> None:
    # Compacting "1101051949123100-X" would leave 17 characters: the reason names the
    # hyphen where it was typed rather than a length the user did not type.
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number("1101051949123100-X", today=TODAY)
    assert rule_of(exc_info) == "charset"
    assert exc_info.value.detail == "character 17 ('-') is not a digit"
    with pytest.raises(ValidationFailed) as exc_info:
        check_id_number("110105 1949123100X", today=TODAY)
    assert rule_of(exc_info) == "charset"
