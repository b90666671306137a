"""Check characters and structure of the identifiers the network handles.

Pure functions, no Django: each `check_*` returns the value in its canonical
form or raises `ValidationFailed` with a short English reason (the API shows it
as `detail`; `extra["rule"]` names the failed rule for integrators). Each
`make_*` / `*_check_char` builds values with correct check characters — for
seeds, tests and benchmarks. The generators compute check characters only;
they do not enforce the semantic rules (province, birth date, year range), so
tests can also build checksum-correct values that must be rejected.

Programming errors in generator arguments raise `ValueError`, not
`ValidationFailed`: they are bugs, not user input.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime, timedelta, timezone

from yiwang.common.errors import ValidationFailed

__all__ = [
    "check_id_number",
    "check_license_id",
    "check_project_code",
    "check_uscc",
    "id_check_char",
    "license_check_char",
    "make_id_number",
    "make_license_id",
    "make_project_code",
    "make_uscc",
    "org_code_check_char",
    "uscc_check_char",
]

_DIGITS = frozenset("0123456789")
# China Standard Time, without DST since 1991: a birth date or a project year is
# judged by the calendar in China, not by the server's clock zone.
_CHINA = timezone(timedelta(hours=8))


def _today_in_china() -> date:
    return datetime.now(_CHINA).date()


def _fail(reason: str, *, field: str, rule: str) -> ValidationFailed:
    return ValidationFailed(reason, field=field, rule=rule, code="validation_failed")


def _is_digits(value: str) -> bool:
    # ASCII only: str.isdigit() also accepts "²" and "١", which int() or the
    # checksum tables then choke on.
    return all(c in _DIGITS for c in value)


def _require_str(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"expected text, got {type(value).__name__}", field=field, rule="type")
    if not value:
        raise _fail("empty value", field=field, rule="empty")
    return value


#: What people type between the groups of a printed number: spaces (also the full-width
#: and the no-break one) and hyphens (ASCII, Unicode's hyphens and dashes, the full-width
#: one) — python-stdnum's `compact` drops spaces and hyphens too. Not line ends or tabs:
#: those come from pasting a field with its neighbour, not from the printed form.
_SEPARATORS = frozenset(" \u00a0\u3000-\u2010\u2011\u2012\u2013\u2014\u2212\uff0d")


def _compact(value: str, expected: int) -> str:
    """`value` without the spaces and hyphens of its printed form ("91110000 600037341 2",
    "110101-19900307-7XXX") when what remains has the `expected` length; otherwise
    `value` itself, so that the reasons given name the characters as they were typed
    (a hyphen typed *instead of* a character is "not allowed", not a short number)."""
    compact = "".join(c for c in value if c not in _SEPARATORS)
    return compact if len(compact) == expected else value


def _require_length(value: str, expected: int, field: str) -> None:
    if len(value) != expected:
        raise _fail(
            f"wrong length: {len(value)} characters, expected {expected}",
            field=field,
            rule="length",
        )


# --------------------------------------------------------------------------
# Resident ID number — GB 11643-1999 (公民身份号码), check per ISO 7064 MOD 11-2
# --------------------------------------------------------------------------

# Position p (1..17, from the left) weighs 2^(18-p) mod 11: the check character
# is position 1 counted from the right, weight 2^0.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# Province-level codes of GB/T 2260 (first two digits of the address code):
# 11-15 North, 21-23 North-east, 31-37 East, 41-46 Central-South, 50-54
# South-west, 61-65 North-west, 71 Taiwan, 81 Hong Kong, 82 Macao.
# 83 is not in GB/T 2260 but is what 港澳台居民居住证申领发放办法 (2018) gives
# Taiwan residents' residence-permit numbers (810000/820000/830000), which are
# otherwise GB 11643 numbers and must be accepted by the same forms.
PROVINCE_CODES = frozenset(
    {
        *("11", "12", "13", "14", "15"),
        *("21", "22", "23"),
        *("31", "32", "33", "34", "35", "36", "37"),
        *("41", "42", "43", "44", "45", "46"),
        *("50", "51", "52", "53", "54"),
        *("61", "62", "63", "64", "65"),
        *("71", "81", "82", "83"),
    }
)

# A floor for birth years: no GB 11643 number belongs to someone born before
# 1800, and the floor catches typos such as 0990 for 1990 that are real dates.
_ID_MIN_BIRTH_YEAR = 1800


def id_check_char(first17: str) -> str:
    """Check character of a resident ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not _is_digits(first17):
        raise ValueError(f"expected 17 digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def make_id_number(address6: str, birth: date, seq: int) -> str:
    """A resident ID number (GB 11643-1999) with a correct check character.

    `seq` is the 3-digit sequence (odd = male, even = female). The address code
    and birth date are taken as given, so invalid-but-checksummed values can be
    built for tests.
    """
    if len(address6) != 6 or not _is_digits(address6):
        raise ValueError(f"address code must be 6 digits, got {address6!r}")
    if not 0 <= seq <= 999:
        raise ValueError(f"sequence must be 0..999, got {seq}")
    # Not strftime: "%Y" does not zero-pad years before 1000 on glibc.
    first17 = f"{address6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:03d}"
    return first17 + id_check_char(first17)


def check_id_number(value: str, *, today: date | None = None) -> str:
    """Validate an 18-character resident ID number (GB 11643-1999).

    Rules: 17 digits + check character (ISO 7064 MOD 11-2, `X` for 10); the
    first two digits a province-level code of GB/T 2260; the birth date
    (positions 7-14) a real date, not in the future (China time, or `today`).
    A lowercase `x` is accepted and returned as `X`, since citizens type it so.
    Spaces and hyphens, as the number is grouped on cards and forms, are dropped
    first. The old 15-digit numbers are not accepted.

    Returns the normalised number.
    """
    field = "id_number"
    value = _compact(_require_str(value, field), 18)
    _require_length(value, 18, field)
    for pos, ch in enumerate(value[:17], start=1):
        if ch not in _DIGITS:
            raise _fail(f"character {pos} ({ch!r}) is not a digit", field=field, rule="charset")
    last = value[17]
    if last not in _DIGITS and last not in "Xx":
        raise _fail(f"character 18 ({last!r}) must be a digit or X", field=field, rule="charset")
    value = value[:17] + last.upper()

    if value[:2] not in PROVINCE_CODES:
        raise _fail(
            f"address code {value[:6]} is not in a known province (code {value[:2]})",
            field=field,
            rule="address",
        )

    raw_birth = value[6:14]
    try:
        birth = date(int(raw_birth[:4]), int(raw_birth[4:6]), int(raw_birth[6:]))
    except ValueError:
        raise _fail(
            f"birth date {raw_birth} is not a real date", field=field, rule="birth_date"
        ) from None
    if birth.year < _ID_MIN_BIRTH_YEAR:
        raise _fail(
            f"birth date {raw_birth} is before {_ID_MIN_BIRTH_YEAR}", field=field, rule="birth_date"
        )
    if birth > (today or _today_in_china()):
        raise _fail(f"birth date {raw_birth} is in the future", field=field, rule="birth_date")

    expected = id_check_char(value[:17])
    if value[17] != expected:
        raise _fail(
            f"check character should be {expected}, not {value[17]}",
            field=field,
            rule="check_char",
        )
    return value


# --------------------------------------------------------------------------
# Unified social credit code — GB 32100-2015, embedded organisation code GB 11714
# --------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 ...
_USCC_INPUT = frozenset(USCC_ALPHABET + USCC_ALPHABET.lower())

# GB 11714: digits are their value, letters A=10 .. Z=35.
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_VALUE = {c: i for i, c in enumerate(_ORG_ALPHABET)}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """Check character of a unified social credit code (GB 32100-2015, mod 31)."""
    if len(first17) != 17 or any(c not in _USCC_VALUE for c in first17):
        raise ValueError(f"expected 17 characters of the USCC alphabet, got {first17!r}")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """Check character of an organisation code (GB 11714, mod 11; 10 -> X, 11 -> 0)."""
    if len(first8) != 8 or any(c not in _ORG_VALUE for c in first8):
        raise ValueError(f"expected 8 characters of 0-9A-Z, got {first8!r}")
    total = sum(_ORG_VALUE[c] * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(dept_char: str, category_char: str, region6: str, org8: str) -> str:
    """A unified social credit code (GB 32100-2015) with both check characters.

    The organisation code's check character (position 17, GB 11714) and the
    code's own (position 18) are computed.
    """
    for name, part, size in (
        ("department char", dept_char, 1),
        ("category char", category_char, 1),
        ("organisation code", org8, 8),
    ):
        if len(part) != size or any(c not in _USCC_VALUE for c in part):
            raise ValueError(f"{name} must be {size} USCC character(s), got {part!r}")
    if len(region6) != 6 or not _is_digits(region6):
        raise ValueError(f"region code must be 6 digits, got {region6!r}")
    first17 = f"{dept_char}{category_char}{region6}{org8}{org_code_check_char(org8)}"
    return first17 + uscc_check_char(first17)


def check_uscc(value: str, *, allow_list: Collection[str] = ()) -> str:
    """Validate a unified social credit code (GB 32100-2015).

    Rules: 18 characters of the 31-character alphabet (no I, O, Z, S, V); the
    check character (mod 31, weights 3^(i-1)); the check character of the
    embedded organisation code, positions 9-17 (GB 11714). The department,
    category and region positions are not constrained further: departments use
    letters (`A`, `N`, `Y`) as well as digits.

    `allow_list` holds real early pilot codes that fail the checksums; a value
    in it passes as it is. Registry imports may pass one, citizen-facing input
    never does. Lowercase letters are accepted and returned uppercase; spaces and
    hyphens, as the code is grouped on licences, are dropped first.

    Returns the normalised code.
    """
    field = "uscc"
    value = _compact(_require_str(value, field), 18)
    if allow_list and value.upper() in {entry.upper() for entry in allow_list}:
        return value.upper()
    _require_length(value, 18, field)
    for pos, ch in enumerate(value, start=1):
        if ch not in _USCC_INPUT:
            raise _fail(
                f"character {pos} ({ch!r}) is not allowed (0-9 and A-Z without I, O, Z, S, V)",
                field=field,
                rule="charset",
            )
    value = value.upper()

    expected = uscc_check_char(value[:17])
    if value[17] != expected:
        raise _fail(
            f"check character should be {expected}, not {value[17]}",
            field=field,
            rule="check_char",
        )
    org_expected = org_code_check_char(value[8:16])
    if value[16] != org_expected:
        raise _fail(
            f"organisation code {value[8:17]}: check character should be {org_expected}, "
            f"not {value[16]}",
            field=field,
            rule="org_code_check_char",
        )
    return value


# --------------------------------------------------------------------------
# E-license identifier — GB/T 36904 practice, check per ISO 7064 MOD 37,36
# --------------------------------------------------------------------------

LICENSE_ID_PREFIX = "1.2.156.3005.2."
_LICENSE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LICENSE_VALUE = {c: i for i, c in enumerate(_LICENSE_ALPHABET)}


def license_check_char(s: str) -> str:
    """ISO 7064 hybrid MOD 37,36 check character over `0-9A-Z`.

    For an e-license identifier `s` is type + issuer + serial + version joined
    without dots (GB/T 36904 practice).
    """
    if not s or any(c not in _LICENSE_VALUE for c in s):
        raise ValueError(f"expected characters of 0-9A-Z, got {s!r}")
    p = 36
    for c in s:
        p = ((p + _LICENSE_VALUE[c]) % 36 or 36) * 2 % 37
    return _LICENSE_ALPHABET[(37 - p) % 36]


def make_license_id(type21: str, issuer_uscc: str, serial: str, version: int = 1) -> str:
    """An e-license identifier (GB/T 36904 practice) with its check character."""
    if len(type21) != 21:
        raise ValueError(f"type code must be 21 characters, got {type21!r}")
    if len(issuer_uscc) != 18:
        raise ValueError(f"issuer must be an 18-character USCC, got {issuer_uscc!r}")
    if not serial:
        raise ValueError("serial must not be empty")
    if not 1 <= version <= 999:
        raise ValueError(f"version must be 1..999, got {version}")
    body = (type21, issuer_uscc, serial, f"{version:03d}")
    return LICENSE_ID_PREFIX + ".".join(body) + "." + license_check_char("".join(body))


def check_license_id(value: str) -> str:
    """Validate an e-license identifier (证照标识, GB/T 36904 practice).

    `1.2.156.3005.2.<type 21>.<issuer USCC 18>.<serial>.<version 3>.<check>`:
    segments of `0-9A-Z` only (the check alphabet; no normalisation, the
    identifier is matched exactly elsewhere), version `001`..`999`, the issuer
    a valid USCC (GB 32100-2015), and the check character ISO 7064 MOD 37,36
    over type + issuer + serial + version.

    Returns the value unchanged.
    """
    field = "license_id"
    value = _require_str(value, field)
    if not value.startswith(LICENSE_ID_PREFIX):
        raise _fail(f"must start with {LICENSE_ID_PREFIX}", field=field, rule="prefix")
    parts = value[len(LICENSE_ID_PREFIX) :].split(".")
    if len(parts) != 5:
        raise _fail(
            f"expected 5 dot-separated parts after the prefix "
            f"(type.issuer.serial.version.check), got {len(parts)}",
            field=field,
            rule="structure",
        )
    type_code, issuer, serial, version, check = parts
    for name, part in (
        ("type code", type_code),
        ("issuer", issuer),
        ("serial", serial),
        ("version", version),
        ("check character", check),
    ):
        if not part:
            raise _fail(f"{name} is empty", field=field, rule="structure")
        bad = next((c for c in part if c not in _LICENSE_VALUE), None)
        if bad is not None:
            raise _fail(
                f"{name} contains {bad!r}; only 0-9 and A-Z are allowed",
                field=field,
                rule="charset",
            )
    if len(type_code) != 21:
        raise _fail(
            f"type code has {len(type_code)} characters, expected 21", field=field, rule="type"
        )
    try:
        check_uscc(issuer)
    except ValidationFailed as exc:
        raise _fail(f"issuer USCC: {exc.detail}", field=field, rule="issuer") from None
    if len(version) != 3 or not _is_digits(version) or version == "000":
        raise _fail(f"version {version!r} must be 3 digits from 001", field=field, rule="version")
    if len(check) != 1:
        raise _fail("check must be one character", field=field, rule="structure")
    expected = license_check_char(type_code + issuer + serial + version)
    if check != expected:
        raise _fail(
            f"check character should be {expected}, not {check}", field=field, rule="check_char"
        )
    return value


# --------------------------------------------------------------------------
# Investment project code (投资项目统一代码), old format
# --------------------------------------------------------------------------

# `[0-9]` not `\d`: `\d` matches any Unicode digit. fullmatch: `$` would let a
# trailing newline through.
_PROJECT_CODE = re.compile(r"[0-9]{4}-[0-9]{6}-[0-9]{2}-[0-9]{2}-[0-9]{6}")
# Codes were assigned from 2015-2017 (online approval platform), but projects
# begun earlier were registered with earlier years when brought onto the
# platform, so the floor is deliberately loose. Next year is accepted because
# codes are assigned ahead at the turn of the year and platform clocks differ.
_PROJECT_MIN_YEAR = 2000


def make_project_code(year: int, region6: str, industry: int, ptype: int, serial: int) -> str:
    """An investment project code in the old format `YYYY-RRRRRR-II-TT-NNNNNN`.

    The one place that builds project codes: the 24-character format of
    GB/T 40058-2021 (in use since 2020-11) goes here once its layout is verified.
    """
    if not 1000 <= year <= 9999:
        raise ValueError(f"year must have 4 digits, got {year}")
    if len(region6) != 6 or not _is_digits(region6):
        raise ValueError(f"region code must be 6 digits, got {region6!r}")
    if not 0 <= industry <= 99 or not 0 <= ptype <= 99:
        raise ValueError(f"industry and project type must be 0..99, got {industry}, {ptype}")
    if not 0 <= serial <= 999_999:
        raise ValueError(f"serial must be 0..999999, got {serial}")
    return f"{year:04d}-{region6}-{industry:02d}-{ptype:02d}-{serial:06d}"


def check_project_code(value: str, *, today: date | None = None) -> str:
    """Validate an investment project code (投资项目统一代码), old format.

    `YYYY-RRRRRR-II-TT-NNNNNN`: year, 6-digit region/department code, 2-digit
    industry, 2-digit project type, 6-digit serial; the year from 2000 to next
    year (China time, or `today`). The format has no check character. The
    24-character format of GB/T 40058-2021 is not accepted yet.

    Returns the value unchanged.
    """
    field = "project_code"
    value = _require_str(value, field)
    if not _PROJECT_CODE.fullmatch(value):
        raise _fail(
            "does not match YYYY-RRRRRR-II-TT-NNNNNN (digits only)", field=field, rule="format"
        )
    year = int(value[:4])
    latest = (today or _today_in_china()).year + 1
    if not _PROJECT_MIN_YEAR <= year <= latest:
        raise _fail(
            f"year {year} is outside {_PROJECT_MIN_YEAR}..{latest}", field=field, rule="year"
        )
    return value
