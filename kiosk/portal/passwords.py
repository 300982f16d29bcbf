"""Doctors' passwords: scrypt (standard library), stored with its parameters.

Hashing costs about 50 ms and 16 MiB: the server runs it in an executor so a login never blocks the
event loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
DIGEST_BYTES = 32
MIN_LENGTH = 10
MAX_LENGTH = 1024  # a longer "password" is an attack on the server's time, not a password
# Parameters accepted from a stored hash: a doctored database must not make a login eat the
# machine's memory.
_MAX_N, _MAX_R, _MAX_P = 2**17, 16, 4


def check_password_format(password: str) -> None:
    """Raise ValueError (plain words) when ``password`` is not acceptable as a new password."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password has at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValueError(f"a password has at most {MAX_LENGTH} characters")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$digest`` (salt and digest in base64)."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=N, r=R, p=P, dklen=DIGEST_BYTES)
    return f"{SCHEME}${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches ``stored``; the comparison takes constant time."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        scheme, n_text, r_text, p_text, salt_text, digest_text = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        if scheme != SCHEME or not (1 < n <= _MAX_N and 0 < r <= _MAX_R and 0 < p <= _MAX_P):
            return False
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(digest_text, validate=True)
        if not expected:
            return False
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=128 * r * (n + p + 2) + 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@cache
def dummy_hash() -> str:
    """A hash of nothing anyone knows. Checked when the name is unknown, so that a wrong name costs
    the same time as a wrong password and the answer's timing does not tell who has an account."""
    return hash_password(secrets.token_urlsafe(16))


__all__ = [
    "MIN_LENGTH",
    "check_password_format",
    "dummy_hash",
    "hash_password",
    "verify_password",
]
