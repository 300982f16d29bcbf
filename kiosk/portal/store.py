"""The portal's own database: doctors, cabins, doctors' web sessions and the audit log.

A separate SQLite file from any cabin's (``Config.portal_database_path``), opened like the kiosk's:
WAL, ``synchronous=FULL``, append-only migrations. The portal server and the ``kiosk doctor`` /
``kiosk cabin`` commands use it at the same time; WAL and the busy timeout make that safe.

Secrets are never stored: passwords as scrypt hashes (``kiosk.portal.passwords``), cabin secrets
and web-session tokens as SHA-256 (they are 32 random bytes, so a slow hash would add nothing).
Every time comes from the injected clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sqlite3
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from kiosk.clock import Clock, SystemClock
from kiosk.errors import KioskError, StorageError
from kiosk.storage.migrations import Migration, migrate
from kiosk.storage.transaction import immediate_transaction

logger = logging.getLogger(__name__)

ALL_TERRITORIES = "*"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TERRITORY = re.compile(r"[0-9A-Za-z]{1,8}")
_RPPS = re.compile(r"[0-9]{11}")
SECRET_BYTES = 32
TOKEN_BYTES = 32


class PortalError(KioskError):
    """A portal account operation refused (plain words; the command line prints them)."""

    code = "PORTAL_ERROR"


class AccountExists(PortalError):
    code = "PORTAL_ACCOUNT_EXISTS"


class AccountNotFound(PortalError):
    code = "PORTAL_ACCOUNT_NOT_FOUND"


class InvalidAccountValue(PortalError):
    code = "PORTAL_INVALID_VALUE"


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "doctors, cabins, web sessions, audit log",
        (
            """CREATE TABLE doctors (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                display_name TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                territories TEXT NOT NULL DEFAULT '[]',
                rpps TEXT,
                disabled INTEGER NOT NULL DEFAULT 0,
                failed_logins INTEGER NOT NULL DEFAULT 0,
                locked_until TEXT,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE cabins (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                territory TEXT NOT NULL,
                secret_hash TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            )""",
            """CREATE TABLE web_sessions (
                token_hash TEXT PRIMARY KEY,
                doctor_id INTEGER NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                expires_at TEXT NOT NULL
            )""",
            "CREATE INDEX web_sessions_expires ON web_sessions(expires_at)",
            """CREATE TABLE audit (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '{}'
            )""",
            # Append-only: the database itself refuses edits and deletions.
            """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
            """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        ),
    ),
)


@dataclass(frozen=True)
class DoctorRow:
    id: int
    name: str
    display_name: str
    password_hash: str
    territories: tuple[str, ...]  # ("*",) for every territory
    rpps: str | None
    disabled: bool
    failed_logins: int
    locked_until: dt.datetime | None

    @property
    def all_territories(self) -> bool:
        return ALL_TERRITORIES in self.territories


@dataclass(frozen=True)
class CabinRow:
    id: int
    name: str
    territory: str
    revoked: bool


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class LoginFailure:
    """What one more wrong password did: the account may now be locked until ``locked_until``."""

    failed_logins: int
    locked_until: dt.datetime | None


def stamp(moment: dt.datetime) -> str:
    """A UTC time as fixed-width text (``2026-03-02T09:00:00.000Z``): sorts like the times do."""
    utc = moment.astimezone(dt.UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def _parse_stamp(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_name(name: str, what: str) -> str:
    """An account name: 1 to 64 letters, digits, dots, hyphens, underscores; no spaces."""
    if not _NAME.fullmatch(name):
        raise InvalidAccountValue(
            f"a {what} name is 1 to 64 letters, digits, '.', '-' or '_', starting with a letter "
            "or a digit"
        )
    return name


def valid_territory(code: str) -> str:
    """A territory code such as a French département (``29``, ``2A``, ``971``)."""
    code = code.strip()
    if not _TERRITORY.fullmatch(code):
        raise InvalidAccountValue(
            f"a territory is a code of 1 to 8 letters or digits, not {code!r}"
        )
    return code.upper()


def valid_rpps(rpps: str) -> str:
    rpps = rpps.strip()
    if not _RPPS.fullmatch(rpps):
        raise InvalidAccountValue("an RPPS number is 11 digits")
    return rpps


def _connect(path: Path) -> sqlite3.Connection:
    # The store may be opened in one thread and then used by the portal's loop in another
    # (``kiosk.portal.background``); it is only ever used by one thread at a time.
    conn = sqlite3.connect(str(path), timeout=5.0, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a login lock or a revocation survives a power cut
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class PortalStore:
    """Accounts, web sessions and the audit log of the portal, in one SQLite file.

    Used by one thread at a time (the portal's event loop, or a command); other processes may use
    the same file meanwhile.
    """

    def __init__(self, path: Path, clock: Clock | None = None) -> None:
        self.path = path
        self.clock: Clock = clock or SystemClock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(
                f"cannot create the data folder {path.parent} ({exc.strerror})"
            ) from exc
        conn = _connect(path)
        try:
            migrate(conn, self._now(), MIGRATIONS)
        except RuntimeError as exc:  # a schema from a newer portal: leave the file alone
            conn.close()
            raise StorageError(str(exc), {"path": str(path)}) from exc
        except BaseException:
            conn.close()
            raise
        try:
            os.chmod(path, 0o600)
        except OSError:
            logger.warning("portal: could not restrict the permissions of %s", path)
        self.db = sqlite_utils.Database(conn, execute_plugins=False)

    def close(self) -> None:
        self.db.conn.close()

    def _now(self) -> str:
        return stamp(self.clock.now())

    def atomic(self) -> AbstractContextManager[None]:
        """One transaction (kiosk.storage.transaction.immediate_transaction)."""
        return immediate_transaction(self.db)

    # -- audit log -------------------------------------------------------------------------------
    def audit(self, actor: str, action: str, detail: Mapping[str, Any] | None = None) -> None:
        self.db.table("audit").insert(
            {
                "at": self._now(),
                "actor": actor,
                "action": action,
                "detail": json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False),
            }
        )

    def audit_log(self, action: str | None = None) -> list[AuditRow]:
        where, args = ("action = ?", [action]) if action else (None, [])
        return [
            AuditRow(r["id"], r["at"], r["actor"], r["action"], json.loads(r["detail"]))
            for r in self.db.table("audit").rows_where(where, args, order_by="id")
        ]

    # -- doctors ---------------------------------------------------------------------------------
    @staticmethod
    def _doctor(row: Mapping[str, Any]) -> DoctorRow:
        return DoctorRow(
            id=row["id"],
            name=row["name"],
            display_name=row["display_name"],
            password_hash=row["password_hash"],
            territories=tuple(json.loads(row["territories"])),
            rpps=row["rpps"],
            disabled=bool(row["disabled"]),
            failed_logins=row["failed_logins"],
            locked_until=_parse_stamp(row["locked_until"]),
        )

    def add_doctor(
        self,
        name: str,
        display_name: str,
        password_hash: str,
        territories: Sequence[str],
        rpps: str | None = None,
        *,
        actor: str = "cli",
    ) -> DoctorRow:
        """``territories``: codes, or ``["*"]`` for every territory (``["*", "29"]``: every
        territory, the 29 first in the queue)."""
        name = valid_name(name, "doctor")
        display_name = " ".join(display_name.split())
        if not display_name or len(display_name) > 80 or not display_name.isprintable():
            raise InvalidAccountValue("a display name is 1 to 80 printable characters")
        codes = sorted({valid_territory(code) for code in territories if code != ALL_TERRITORIES})
        if ALL_TERRITORIES in territories:
            codes.insert(0, ALL_TERRITORIES)
        if not codes:
            raise InvalidAccountValue("a doctor needs at least one territory (or all of them)")
        checked_rpps = None if rpps is None else valid_rpps(rpps)
        with self.atomic():
            if self.doctor(name) is not None:
                raise AccountExists(f"a doctor named '{name}' already exists")
            if (
                checked_rpps is not None
                and self.db.execute(
                    "SELECT 1 FROM doctors WHERE rpps = ?", [checked_rpps]
                ).fetchone()
            ):
                raise AccountExists(f"a doctor with the RPPS number {checked_rpps} already exists")
            self.db.table("doctors").insert(
                {
                    "name": name,
                    "display_name": display_name,
                    "password_hash": password_hash,
                    "territories": json.dumps(codes),
                    "rpps": checked_rpps,
                    "disabled": 0,
                    "failed_logins": 0,
                    "locked_until": None,
                    "created_at": self._now(),
                }
            )
            self.audit(actor, "doctor_added", {"doctor": name, "territories": codes})
        found = self.doctor(name)
        assert found is not None
        return found

    def doctor(self, name: str) -> DoctorRow | None:
        rows = list(self.db.table("doctors").rows_where("name = ?", [name], limit=1))
        return self._doctor(rows[0]) if rows else None

    def doctor_by_id(self, doctor_id: int) -> DoctorRow | None:
        rows = list(self.db.table("doctors").rows_where("id = ?", [doctor_id], limit=1))
        return self._doctor(rows[0]) if rows else None

    def doctors(self) -> list[DoctorRow]:
        return [self._doctor(r) for r in self.db.table("doctors").rows_where(order_by="name")]

    def set_doctor_disabled(self, name: str, disabled: bool, *, actor: str = "cli") -> DoctorRow:
        """Disabling also ends the doctor's web sessions (the server then closes their sockets)."""
        with self.atomic():
            found = self.doctor(name)
            if found is None:
                raise AccountNotFound(f"no doctor named '{name}'")
            self.db.execute(
                "UPDATE doctors SET disabled = ? WHERE id = ?", [int(disabled), found.id]
            )
            if disabled:
                self.db.execute("DELETE FROM web_sessions WHERE doctor_id = ?", [found.id])
            self.audit(
                actor, "doctor_disabled" if disabled else "doctor_enabled", {"doctor": found.name}
            )
        updated = self.doctor_by_id(found.id)
        assert updated is not None
        return updated

    def set_doctor_password(self, name: str, password_hash: str) -> None:
        with self.atomic():
            found = self.doctor(name)
            if found is None:
                raise AccountNotFound(f"no doctor named '{name}'")
            self.db.execute(
                "UPDATE doctors SET password_hash = ?, failed_logins = 0, locked_until = NULL "
                "WHERE id = ?",
                [password_hash, found.id],
            )
            self.db.execute("DELETE FROM web_sessions WHERE doctor_id = ?", [found.id])

    def lock_remaining(self, doctor: DoctorRow) -> float:
        """Seconds the account stays locked (0 when it is not)."""
        if doctor.locked_until is None:
            return 0.0
        return max(0.0, (doctor.locked_until - self.clock.now()).total_seconds())

    def record_login_failure(
        self, doctor_id: int, max_attempts: int, lockout_s: float
    ) -> LoginFailure:
        """Count one wrong password; the ``max_attempts``-th in a row locks the account."""
        with self.atomic():
            self.db.execute(
                "UPDATE doctors SET failed_logins = failed_logins + 1 WHERE id = ?", [doctor_id]
            )
            row = self.db.execute(
                "SELECT failed_logins FROM doctors WHERE id = ?", [doctor_id]
            ).fetchone()
            failed = int(row[0]) if row else 0
            if failed < max_attempts:
                return LoginFailure(failed, None)
            until = self.clock.now() + dt.timedelta(seconds=lockout_s)
            # The count starts again: after the lockout, another run of wrong passwords locks again.
            self.db.execute(
                "UPDATE doctors SET failed_logins = 0, locked_until = ? WHERE id = ?",
                [stamp(until), doctor_id],
            )
            return LoginFailure(failed, until)

    def record_login_success(self, doctor_id: int) -> None:
        self.db.execute(
            "UPDATE doctors SET failed_logins = 0, locked_until = NULL WHERE id = ?", [doctor_id]
        )
        self.db.conn.commit()

    # -- web sessions ----------------------------------------------------------------------------
    def create_web_session(self, doctor_id: int, ttl_s: float) -> str:
        """A new session token for the cookie; only its hash is stored."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.clock.now()
        self.db.table("web_sessions").insert(
            {
                "token_hash": token_hash(token),
                "doctor_id": doctor_id,
                "created_at": stamp(now),
                "expires_at": stamp(now + dt.timedelta(seconds=ttl_s)),
            }
        )
        return token

    def web_session_doctor(self, token: str) -> tuple[str, DoctorRow] | None:
        """(the token's hash, the doctor) for a live session of an enabled doctor, else None."""
        if not token or len(token) > 256:
            return None
        hashed = token_hash(token)
        doctor = self.doctor_of_session_hash(hashed)
        return None if doctor is None else (hashed, doctor)

    def doctor_of_session_hash(self, hashed: str) -> DoctorRow | None:
        row = self.db.execute(
            "SELECT doctor_id FROM web_sessions WHERE token_hash = ? AND expires_at > ?",
            [hashed, self._now()],
        ).fetchone()
        if row is None:
            return None
        doctor = self.doctor_by_id(int(row[0]))
        if doctor is None or doctor.disabled:
            return None
        return doctor

    def end_web_session(self, token: str) -> None:
        self.db.execute("DELETE FROM web_sessions WHERE token_hash = ?", [token_hash(token)])
        self.db.conn.commit()

    def purge_expired_sessions(self) -> int:
        cursor = self.db.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [self._now()])
        self.db.conn.commit()
        return int(cursor.rowcount or 0)

    # -- cabins ----------------------------------------------------------------------------------
    @staticmethod
    def _cabin(row: Mapping[str, Any]) -> CabinRow:
        return CabinRow(row["id"], row["name"], row["territory"], bool(row["revoked"]))

    def add_cabin(self, name: str, territory: str, *, actor: str = "cli") -> tuple[CabinRow, str]:
        """A new cabin and its secret: returned once, never stored (only its hash)."""
        name = valid_name(name, "cabin")
        code = valid_territory(territory)
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self.atomic():
            if self.cabin(name) is not None:
                raise AccountExists(f"a cabin named '{name}' already exists")
            self.db.table("cabins").insert(
                {
                    "name": name,
                    "territory": code,
                    "secret_hash": token_hash(secret),
                    "revoked": 0,
                    "created_at": self._now(),
                    "revoked_at": None,
                }
            )
            self.audit(actor, "cabin_added", {"cabin": name, "territory": code})
        found = self.cabin(name)
        assert found is not None
        return found, secret

    def rotate_cabin_secret(self, name: str, *, actor: str = "cli") -> str:
        """A new secret for a cabin (the old one stops working); also lifts a revocation."""
        secret = secrets.token_urlsafe(SECRET_BYTES)
        with self.atomic():
            found = self.cabin(name)
            if found is None:
                raise AccountNotFound(f"no cabin named '{name}'")
            self.db.execute(
                "UPDATE cabins SET secret_hash = ?, revoked = 0, revoked_at = NULL WHERE id = ?",
                [token_hash(secret), found.id],
            )
            self.audit(actor, "cabin_secret_rotated", {"cabin": found.name})
        return secret

    def revoke_cabin(self, name: str, *, actor: str = "cli") -> CabinRow:
        with self.atomic():
            found = self.cabin(name)
            if found is None:
                raise AccountNotFound(f"no cabin named '{name}'")
            self.db.execute(
                "UPDATE cabins SET revoked = 1, revoked_at = ? WHERE id = ?",
                [self._now(), found.id],
            )
            self.audit(actor, "cabin_revoked", {"cabin": found.name})
        updated = self.cabin(name)
        assert updated is not None
        return updated

    def cabin(self, name: str) -> CabinRow | None:
        rows = list(self.db.table("cabins").rows_where("name = ?", [name], limit=1))
        return self._cabin(rows[0]) if rows else None

    def cabins(self) -> list[CabinRow]:
        return [self._cabin(r) for r in self.db.table("cabins").rows_where(order_by="name")]

    def authenticate_cabin(self, name: str, secret: str) -> tuple[str, CabinRow | None]:
        """("ok", cabin), ("revoked", cabin) or ("failed", None).

        Revocation is only told to a caller who holds the right secret; anyone else learns
        nothing, not even whether the name exists.
        """
        rows = list(self.db.table("cabins").rows_where("name = ?", [name], limit=1))
        stored = rows[0]["secret_hash"] if rows else token_hash(secrets.token_urlsafe(8))
        matches = hmac.compare_digest(token_hash(secret), stored)
        if not rows or not matches:
            return "failed", None
        cabin = self._cabin(rows[0])
        return ("revoked", cabin) if cabin.revoked else ("ok", cabin)


__all__ = [
    "ALL_TERRITORIES",
    "AccountExists",
    "AccountNotFound",
    "AuditRow",
    "CabinRow",
    "DoctorRow",
    "InvalidAccountValue",
    "LoginFailure",
    "PortalError",
    "PortalStore",
    "stamp",
    "token_hash",
    "valid_name",
    "valid_rpps",
    "valid_territory",
]
