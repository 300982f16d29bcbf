"""Tests of kiosk.services.auth: PIN hashing (scrypt) and the lockout rule."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from kiosk.errors import InvalidPin
from kiosk.services.auth import (
    PIN_MAX,
    PIN_MIN,
    check_pin_format,
    failures_before_lock,
    hash_pin,
    lockout_remaining,
    verify_pin,
)

PIN = "2468"


@pytest.fixture(scope="module")
def hashes() -> tuple[str, str]:
    """Two hashes of the same PIN, computed once (scrypt is slow on purpose)."""
    return hash_pin(PIN), hash_pin(PIN)


def test_hash_is_scrypt_with_its_parameters(hashes: tuple[str, str]) -> None:
    scheme, n, r, p, salt, digest = hashes[0].split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert len(base64.b64decode(digest)) == 32
    assert PIN not in hashes[0]


def test_hash_is_salted(hashes: tuple[str, str]) -> None:
    first, second = hashes
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]  # different salts
    assert verify_pin(PIN, first) and verify_pin(PIN, second)


@pytest.mark.parametrize("attempt", ["2469", "1357", "24680", "0246", "246"])
def test_wrong_pin_does_not_verify(hashes: tuple[str, str], attempt: str) -> None:
    assert verify_pin(attempt, hashes[0]) is False


def test_right_pin_verifies(hashes: tuple[str, str]) -> None:
    assert verify_pin(PIN, hashes[0]) is True


def _replace(stored: str, index: int, value: str) -> str:
    parts = stored.split("$")
    parts[index] = value
    return "$".join(parts)


@pytest.mark.parametrize(
    "damage",
    [
        lambda h: "",
        lambda h: "garbage",
        lambda h: "scrypt$$$$$",
        lambda h: h + "$extra",
        lambda h: h.rsplit("$", 1)[0],
        lambda h: _replace(h, 0, "md5"),
        lambda h: _replace(h, 1, "lots"),
        lambda h: _replace(h, 1, "3"),  # n must be a power of two
        lambda h: _replace(h, 1, "-16384"),
        lambda h: _replace(h, 1, str(2**40)),  # more memory than allowed
        lambda h: _replace(h, 2, "99999999999999999999999"),
        lambda h: _replace(h, 3, "0"),
        lambda h: _replace(h, 4, "!!not base64!!"),
        lambda h: _replace(h, 4, "é"),
        lambda h: _replace(h, 5, ""),
        lambda h: _replace(h, 5, "AAAA"),  # well formed, wrong digest
    ],
)
def test_garbage_stored_hash_is_false_without_exception(
    hashes: tuple[str, str], damage: Callable[[str], str]
) -> None:
    assert verify_pin(PIN, damage(hashes[0])) is False


@pytest.mark.parametrize("pin", ["1234", "0000", "12345678", "00000001"])
def test_pin_format_accepted(pin: str) -> None:
    check_pin_format(pin)  # does not raise


@pytest.mark.parametrize(
    "pin",
    [
        "",
        "123",  # too short
        "123456789",  # too long
        "12a4",
        "abcd",
        "12 34",
        " 1234",
        "1234\n",
        "-123",
        "١٢٣٤",  # Arabic-Indic digits: str.isdigit() says yes
        "１２３４",  # full-width digits
        "12²4",  # superscript two is a "digit" too
    ],
)
def test_pin_format_refused(pin: str) -> None:
    with pytest.raises(InvalidPin) as info:
        check_pin_format(pin)
    assert info.value.code == "PIN_FORMAT"
    assert info.value.params == {"min": PIN_MIN, "max": PIN_MAX}


def test_hash_pin_refuses_a_bad_pin() -> None:
    with pytest.raises(InvalidPin):
        hash_pin("١٢٣٤")


# -- lockout: attempts are (timestamp, ok), newest first ---------------------------------------

NOW = 10_000.0


def fails(count: int, newest: float = NOW, step: float = 1.0) -> list[tuple[float, bool]]:
    return [(newest - i * step, False) for i in range(count)]


@pytest.mark.parametrize(
    ("attempts", "now", "expected"),
    [
        ([], NOW, 0.0),
        (fails(4), NOW, 0.0),  # one short of the limit
        (fails(5), NOW, 60.0),  # the fifth failure locks for the whole period
        (fails(5), NOW + 20, 40.0),
        (fails(5), NOW + 59.5, 0.5),
        (fails(5), NOW + 60, 0.0),  # and not a moment longer
        (fails(5), NOW + 3600, 0.0),
        (fails(9), NOW, 60.0),
        # A success among the last five unlocks.
        ([(NOW, True), *fails(5, NOW - 1)], NOW, 0.0),
        ([*fails(4), (NOW - 4, True), *fails(5, NOW - 5)], NOW, 0.0),
        # Five failures after a success lock again.
        ([*fails(5), (NOW - 5, True)], NOW, 60.0),
    ],
)
def test_lockout_remaining(attempts: list[tuple[float, bool]], now: float, expected: float) -> None:
    assert lockout_remaining(attempts, now, max_attempts=5, lockout_s=60.0) == pytest.approx(
        expected
    )


def test_lockout_counts_from_the_newest_failure() -> None:
    # Failures spread over ten minutes still lock, for 60 s after the last one.
    attempts = fails(5, newest=NOW, step=150.0)
    assert lockout_remaining(attempts, NOW + 10, 5, 60.0) == pytest.approx(50.0)


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        ([], 5),
        (fails(1), 4),
        (fails(4), 1),
        (fails(5), 1),  # locked: never shows zero
        ([(NOW, True), *fails(4, NOW - 1)], 5),  # a success resets the count
        ([*fails(2), (NOW - 2, True), *fails(3, NOW - 3)], 3),
    ],
)
def test_failures_before_lock(attempts: list[tuple[float, bool]], expected: int) -> None:
    assert failures_before_lock(attempts, max_attempts=5) == expected


def test_sequence_of_attempts_locks_then_unlocks() -> None:
    """Replay the rule the way the sign-in screen uses it."""
    attempts: list[tuple[float, bool]] = []
    t = NOW
    for left in (5, 4, 3, 2, 1):
        assert failures_before_lock(attempts, 5) == left
        assert lockout_remaining(attempts, t, 5, 60.0) == 0.0
        attempts.insert(0, (t, False))
        t += 2
    assert lockout_remaining(attempts, t, 5, 60.0) == pytest.approx(58.0)
    t += 60
    assert lockout_remaining(attempts, t, 5, 60.0) == 0.0
    attempts.insert(0, (t, True))
    assert failures_before_lock(attempts, 5) == 5
    assert lockout_remaining(attempts, t, 5, 60.0) == 0.0
