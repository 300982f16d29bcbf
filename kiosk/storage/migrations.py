"""Versioned schema migrations. Append only: never edit a migration that has shipped.

Each migration is a list of statements applied in one transaction together with its row in
``schema_migrations``, so a crash leaves the schema at a known version.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "assistants, sessions, patients, consents, triage, audit log",
        (
            """CREATE TABLE assistants (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                pin_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE pin_attempts (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                at_epoch REAL NOT NULL,
                assistant_id INTEGER REFERENCES assistants(id),
                ok INTEGER NOT NULL
            )""",
            """CREATE TABLE sessions (
                id TEXT PRIMARY KEY,
                assistant_id INTEGER NOT NULL REFERENCES assistants(id),
                state TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'parked', 'closed')),
                end_reason TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                closed_at TEXT
            )""",
            "CREATE INDEX sessions_status ON sessions(status)",
            """CREATE TABLE patients (
                session_id TEXT PRIMARY KEY REFERENCES sessions(id),
                family_name TEXT NOT NULL,
                given_names TEXT NOT NULL,
                birth_date TEXT NOT NULL,
                sex TEXT NOT NULL,
                nir TEXT,
                treating_physician TEXT,
                recorded_at TEXT NOT NULL
            )""",
            """CREATE TABLE consents (
                id INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES sessions(id),
                accepted INTEGER NOT NULL,
                explained TEXT NOT NULL,
                recorded_by INTEGER NOT NULL REFERENCES assistants(id),
                recorded_at TEXT NOT NULL
            )""",
            """CREATE TABLE triage (
                session_id TEXT PRIMARY KEY REFERENCES sessions(id),
                reason TEXT NOT NULL,
                details TEXT NOT NULL,
                red_flags TEXT NOT NULL,
                answered_at TEXT NOT NULL
            )""",
            """CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                session_id TEXT,
                detail TEXT NOT NULL DEFAULT '{}'
            )""",
            "CREATE INDEX events_session ON events(session_id)",
            # The audit log is append-only: the database itself refuses edits and deletions.
            """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
            """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        ),
    ),
    Migration(
        2,
        "measurements, otoscope images, device checks",
        (
            # A reading is stored the moment the device gives it (status 'pending'), so a crash
            # before the assistant accepts it loses nothing; accept/retake only change the status.
            # Failed attempts are kept too (status 'failed', with the error): they are incidents.
            """CREATE TABLE measurements (
                id INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES sessions(id),
                kind TEXT NOT NULL,
                status TEXT NOT NULL
                    CHECK (status IN ('pending', 'accepted', 'discarded', 'failed')),
                reading TEXT NOT NULL DEFAULT '{}',
                flags TEXT NOT NULL DEFAULT '[]',
                error TEXT,
                raw TEXT NOT NULL DEFAULT '',
                device TEXT NOT NULL DEFAULT '{}',
                taken_at TEXT NOT NULL,
                taken_by INTEGER REFERENCES assistants(id),
                decided_at TEXT
            )""",
            "CREATE INDEX measurements_session ON measurements(session_id)",
            """CREATE TABLE images (
                id INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES sessions(id),
                site TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('kept', 'discarded')),
                png BLOB NOT NULL,
                thumbnail BLOB NOT NULL,
                width INTEGER NOT NULL,
                height INTEGER NOT NULL,
                sharpness REAL NOT NULL,
                device TEXT NOT NULL DEFAULT '{}',
                taken_at TEXT NOT NULL,
                taken_by INTEGER REFERENCES assistants(id)
            )""",
            "CREATE INDEX images_session ON images(session_id)",
            """CREATE TABLE device_checks (
                id INTEGER PRIMARY KEY,
                family TEXT NOT NULL,
                at TEXT NOT NULL,
                ok INTEGER NOT NULL,
                summary TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT '{}',
                device TEXT NOT NULL DEFAULT '{}'
            )""",
        ),
    ),
    Migration(
        3,
        "technicians, device calibration dates and events, hygiene checklist",
        (
            # Technicians are a separate role from assistants, with their own PIN attempts (the
            # same lockout rules, counted apart so an assistant's mistakes never lock them out).
            """CREATE TABLE technicians (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                pin_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE technician_pin_attempts (
                id INTEGER PRIMARY KEY,
                at TEXT NOT NULL,
                at_epoch REAL NOT NULL,
                technician_id INTEGER REFERENCES technicians(id),
                ok INTEGER NOT NULL
            )""",
            """CREATE TABLE device_calibrations (
                family TEXT PRIMARY KEY,
                due_date TEXT NOT NULL,
                set_by INTEGER REFERENCES technicians(id),
                set_at TEXT NOT NULL
            )""",
            # What happened to each device: lost, back, a failed measurement (with its code).
            """CREATE TABLE device_events (
                id INTEGER PRIMARY KEY,
                family TEXT NOT NULL,
                at TEXT NOT NULL,
                kind TEXT NOT NULL,
                code TEXT,
                detail TEXT NOT NULL DEFAULT '{}'
            )""",
            "CREATE INDEX device_events_family ON device_events(family)",
            """CREATE TABLE hygiene_checks (
                id INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES sessions(id),
                item TEXT NOT NULL,
                done_at TEXT NOT NULL,
                done_by INTEGER REFERENCES assistants(id),
                UNIQUE (session_id, item)
            )""",
        ),
    ),
    Migration(
        4,
        "doctors' reports",
        (
            # One report per session: a doctor's report that arrives twice (a re-sent message after
            # a reconnection) is the same row, by its report_id.
            """CREATE TABLE reports (
                id INTEGER PRIMARY KEY,
                session_id TEXT NOT NULL REFERENCES sessions(id),
                report_id TEXT NOT NULL UNIQUE,
                call_id TEXT,
                doctor TEXT NOT NULL,
                observations TEXT NOT NULL,
                conclusion TEXT NOT NULL,
                advice TEXT NOT NULL,
                prescription TEXT NOT NULL,
                orientation TEXT NOT NULL,
                language TEXT NOT NULL,
                received_at TEXT NOT NULL
            )""",
            "CREATE INDEX reports_session ON reports (session_id)",
        ),
    ),
    Migration(
        5,
        "records outbox, retention of patient data, rolling audit log",
        (
            # One row per consultation record, queued once (record_id is derived from the
            # session id). ``record`` holds the record as assembled (JSON, patient data): it is
            # cleared when the session's patient data is purged, after delivery.
            """CREATE TABLE outbox (
                id INTEGER PRIMARY KEY,
                record_id TEXT NOT NULL UNIQUE,
                session_id TEXT NOT NULL REFERENCES sessions(id),
                created_at TEXT NOT NULL,
                created_at_epoch REAL NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT,
                next_attempt_at_epoch REAL,
                last_error TEXT,
                last_error_code TEXT,
                sent_at TEXT,
                sent_at_epoch REAL,
                destination TEXT NOT NULL DEFAULT '',
                record TEXT,
                purged_at TEXT,
                updated_at TEXT NOT NULL
            )""",
            "CREATE INDEX outbox_due ON outbox (state, next_attempt_at_epoch)",
            "CREATE INDEX outbox_session ON outbox (session_id)",
            # Delivered is final: nothing can put a sent record back in the queue.
            """CREATE TRIGGER outbox_sent_is_final BEFORE UPDATE OF state ON outbox
               WHEN old.state = 'sent' AND new.state <> 'sent'
               BEGIN SELECT RAISE(ABORT, 'a sent record is never sent again'); END""",
            # The audit log rolls: rows older than ``keep_from`` may be deleted, no others.
            # ``keep_from`` only moves forward.
            """CREATE TABLE audit_rolling (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                keep_from TEXT NOT NULL
            )""",
            "INSERT INTO audit_rolling (id, keep_from) VALUES (1, '')",
            """CREATE TRIGGER audit_rolling_forward BEFORE UPDATE ON audit_rolling
               WHEN julianday(new.keep_from) IS NULL
                   OR julianday(new.keep_from) < COALESCE(julianday(old.keep_from), 0)
               BEGIN SELECT RAISE(ABORT, 'the audit log cutoff only moves forward'); END""",
            "DROP TRIGGER events_no_delete",
            # Any time that cannot be read as older than the cutoff keeps its row.
            """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
               WHEN NOT COALESCE(
                   julianday(old.at)
                       < (SELECT julianday(keep_from) FROM audit_rolling WHERE id = 1),
                   0)
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        ),
    ),
)


def current_version(conn: sqlite3.Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def migrate(
    conn: sqlite3.Connection, applied_at: str, migrations: tuple[Migration, ...] = MIGRATIONS
) -> int:
    """Bring the schema to the newest version; return it. Each step is all-or-nothing."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    conn.commit()
    version = current_version(conn)
    newest = max((m.version for m in migrations), default=0)
    if version > newest:
        raise RuntimeError(f"database schema version {version} is newer than this kiosk ({newest})")
    for migration in migrations:
        if migration.version <= version:
            continue
        conn.execute("BEGIN")
        try:
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, applied_at),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.rollback()
            raise
        logger.info(
            "storage: migrated to schema version %d (%s)", migration.version, migration.name
        )
        version = migration.version
    return version
