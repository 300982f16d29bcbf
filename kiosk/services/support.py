"""The support bundle: one zip a technician sends to the maintainers when something goes wrong.

It holds versions, the settings with every secret removed, the recent log lines, the device panel,
the self-test history, the device events, the hygiene log and the state of the records outbox.
Never patient data: no names, numbers, measurements or pictures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import platform
import sys
import zipfile
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlcipher3

from kiosk import __version__
from kiosk.config import Config
from kiosk.logs import recent_lines
from kiosk.services.panel import device_panel
from kiosk.storage import Repository

if TYPE_CHECKING:
    from kiosk.services.devices import Devices

LOG_LINES = 2000
SECRET_WORDS = ("secret", "key", "token", "password", "pin")
REDACTED = "(removed)"
DISTRIBUTIONS = {
    "kiosk": "cabin-kiosk",
    "PySide6": "pyside6-essentials",
    "OpenCV": "opencv-python-headless",
    "pyserial": "pyserial",
    "sqlite-utils": "sqlite-utils",
    "aiortc": "aiortc",
}


def _sqlcipher_version() -> str | None:
    connection = sqlcipher3.connect(":memory:")
    try:
        row = connection.execute("PRAGMA cipher_version").fetchone()
    finally:
        connection.close()
    return str(row[0]) if row else None


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {
        "kiosk": __version__,
        "python": sys.version.split()[0],
        # The kiosk's database runs on SQLCipher's own SQLite (sqlcipher3), not the system's.
        "sqlite": sqlcipher3.sqlite_version,
        "sqlcipher": _sqlcipher_version(),
        "platform": platform.platform(),
    }
    for name, distribution in DISTRIBUTIONS.items():
        if name == "kiosk":
            continue
        try:
            out[name] = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            out[name] = None  # not installed on this machine
    return out


def redact(value: Any) -> Any:
    """The settings as plain data, with any key naming a secret replaced."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if any(word in str(key).lower() for word in SECRET_WORDS)
            else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def _outbox_state(repo: Repository, config: Config) -> dict[str, Any]:
    """Sessions by status, and the records outbox: counts and rows (ids, states, times, error
    codes). Never an error's text: a server's explanation may quote patient data."""
    from kiosk.records.outbox import outbox_view

    db = repo.db
    view = outbox_view(repo, config, repo.clock.now())
    return {
        "sessions": {
            str(status): count
            for status, count in db.execute(
                "SELECT status, COUNT(*) FROM sessions GROUP BY status"
            ).fetchall()
        },
        "outbox": {
            "destination_kind": config.records.endpoint.partition(":")[0] or None,
            "pending": view.pending,
            "sending": view.sending,
            "sent": view.sent,
            "failed": view.failed,
            "retention_blocked": view.retention_blocked,
            "items": [
                {
                    "record_id": item.record_id,
                    "session_id": item.session_id,
                    "state": item.state,
                    "attempts": item.attempts,
                    "error": item.last_error_code,
                    "next_attempt_at": item.next_attempt_at,
                    "created_at": item.created_at,
                    "sent_at": item.sent_at,
                    "purged": item.purged,
                }
                for item in view.items
            ],
        },
    }


def write_support_bundle(
    path: Path,
    config: Config,
    repo: Repository,
    devices: Devices | None = None,
    today: dt.date | None = None,
) -> Path:
    """Write the zip at ``path`` (its folder is created); returns the path."""
    today = today or repo.clock.now().astimezone().date()
    panel = [p.to_json() for p in device_panel(repo, config, today, devices)]
    checks = [dataclasses.asdict(c) for c in repo.device_checks()][-500:]
    events = [dataclasses.asdict(e) for e in repo.device_events(limit=1000)]
    hygiene = [
        {"session": s, "item": item, "done_at": at, "done_by": by}
        for s, item, at, by in repo.hygiene_log(1000)
    ]
    files = {
        "manifest.json": _json(
            {"written_at": repo.clock.now().isoformat(), "kiosk": __version__, "format": 1}
        ),
        "versions.json": _json(versions()),
        "config.json": _json(redact(dataclasses.asdict(config))),
        "logs/kiosk.log": "\n".join(recent_lines(config.data_dir, LOG_LINES)) + "\n",
        "device_panel.json": _json(panel),
        "self_tests.json": _json(checks),
        "device_events.json": _json(events),
        "hygiene_log.json": _json(hygiene),
        "outbox.json": _json(_outbox_state(repo, config)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
    partial.replace(path)  # a half-written bundle never looks like a whole one
    return path
