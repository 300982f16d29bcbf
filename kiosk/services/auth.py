"""Assistant PINs: slow hashing (scrypt, standard library) and the lockout rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from kiosk.errors import InvalidPin

PIN_MIN = 4
PIN_MAX = 8
# About 50 ms and 16 MiB per check on the cabin PC: slow for a thief with a copied database,
# unnoticeable for a pharmacist.
_N, _R, _P = 2**14, 8, 1


def check_pin_format(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise InvalidPin(
            f"a PIN is {PIN_MIN} to {PIN_MAX} digits", {"min": PIN_MIN, "max": PIN_MAX}
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_pin(pin: str) -> str:
    check_pin_format(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            pin.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def lockout_remaining(
    attempts: list[tuple[float, bool]], now: float, max_attempts: int, lockout_s: float
) -> float:
    """Seconds the screen stays locked, given the newest attempts first as (timestamp, ok).

    Locked when the last ``max_attempts`` attempts all failed and the newest is recent.
    """
    recent = attempts[:max_attempts]
    if len(recent) < max_attempts or any(ok for _, ok in recent):
        return 0.0
    return max(0.0, recent[0][0] + lockout_s - now)


def failures_before_lock(attempts: list[tuple[float, bool]], max_attempts: int) -> int:
    """How many more wrong PINs lock the screen."""
    streak = 0
    for _, ok in attempts:
        if ok:
            break
        streak += 1
    return max(1, max_attempts - streak)
