"""What encryption at rest costs: the session workload on a plain and on an encrypted database
(goal: encrypted under 1.5x plain).

Three databases, all in WAL with synchronous=FULL and the same migrations:
- "plain": ``open_database`` without a key, the standard sqlite3 module: the kiosk before;
- "no key": SQLCipher's own SQLite (sqlcipher3) without a key: the same engine as "encrypted",
  without the cipher, to tell the cipher's cost from the engine's (versions and cache differ);
- "encrypted": ``open_database`` with a key, as the kiosk opens its database now (AES-256,
  HMAC-SHA512, a raw 256-bit key: no passphrase derivation).
Sessions rotate between them so that the disk, the cache and the CPU clock treat them alike.

One session is what the services write and read for a whole teleconsultation: the flow's
transitions through the real SessionService (identity with a NIR, consent, triage, call, report,
cleaning checklist: each one transaction with its audit row and a snapshot for the screen), three
measurements stored then accepted as the measurement service does (two transactions each), one
otoscope still (PNG and thumbnail, about the size a real still has), the doctor's report, the
screens' reads, and the consultation record assembled from the database at the end (what the
outbox reads). Also timed: opening each database once it holds every session (integrity check
included), and encrypting the plain one the way an older kiosk's database is encrypted on first
start.

Run: .venv/bin/python -m bench.encryption [--sessions 40] [--dir FOLDER]
(--dir: use the disk the cabin uses, not a tmpfs, or fsync costs nothing and the ratio is the
worst case.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlcipher3
import sqlite_utils

from bench.transition import filesystem_of, percentile
from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.flow import HYGIENE_ITEMS, CallDoctor, CallEnded, DoctorJoined, ReportDelivered, State
from kiosk.flow.triage import RED_FLAGS
from kiosk.records.record import assemble_record
from kiosk.services.auth import hash_pin
from kiosk.services.measurements import encode_still
from kiosk.services.session import SessionService
from kiosk.storage import OpenedDatabase, Repository, open_database
from kiosk.storage.database import DatabaseKey
from kiosk.storage.migrations import migrate

PIN = "1234"
IDENTITY = {
    "family_name": "Martin",
    "given_names": "Jeanne Marie",
    "birth_date": "24/06/1942",
    "sex": "female",
    "nir": "242067505612327",
    "treating_physician": "Dr Lefèvre",
}
NO_RED_FLAG = dict.fromkeys(RED_FLAGS, False)
READINGS = (
    (
        "blood_pressure",
        {"systolic": 132, "diastolic": 84, "mean": 100, "pulse": 71, "unit": "mmHg"},
        {"family": "bp", "model": "SunTech Advantage", "serial": "SN-4471", "firmware": "2.1"},
    ),
    (
        "body_temperature",
        {"celsius": 37.2, "site": "oral"},
        {"family": "thermometer", "model": "SureTemp Plus 692", "serial": "T-88"},
    ),
    (
        "oximetry",
        {"spo2": 97, "pulse": 72, "perfusion": "high", "stable": True},
        {"family": "oximeter", "model": "Nonin 3231", "serial": "OX-12", "firmware": "1.4"},
    ),
)
CAMERA = {"family": "camera", "model": "otoscope", "port": "/dev/kiosk/otoscope"}
REPORT = {
    "report_id": "r-1",
    "observations": "Tympan droit bombé et rouge.",
    "conclusion": "Otite moyenne aiguë droite, sans signe de gravité.",
    "advice": "Paracétamol si douleur. Reconsultez si la fièvre dure plus de 3 jours.",
    "prescription": ["Paracétamol 1 g, 3 fois par jour pendant 3 jours"],
    "orientation": "treating_physician",
    "language": "fr",
}
PHASES = ("flow", "measurements", "still", "call and report", "reads", "record")


def otoscope_still() -> tuple[bytes, bytes]:
    """A 1280x960 picture with texture, encoded as the kiosk encodes its stills."""
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:960, 0:1280]
    base = np.stack([(xx // 5) % 256, (yy // 4) % 256, ((xx + yy) // 7) % 256], axis=-1)
    noise = rng.integers(0, 24, size=base.shape)
    return encode_still((base + noise).astype(np.uint8))


@dataclass
class Cabin:
    """One database, its session service, and the time each phase took."""

    name: str
    opened: OpenedDatabase
    repo: Repository
    service: SessionService
    assistant: int
    sessions: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        yield
        self.phases.setdefault(name, []).append(time.perf_counter() - t0)


def unkeyed_sqlcipher(path: Path) -> OpenedDatabase:
    """SQLCipher's engine without a key, with the kiosk's pragmas and schema."""
    path.parent.mkdir(parents=True)
    conn = sqlcipher3.connect(str(path), timeout=5.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    migrate(conn, SystemClock().now().isoformat())
    return OpenedDatabase(sqlite_utils.Database(conn, execute_plugins=False), path, None)


def make_cabin(name: str, data_dir: Path, key: DatabaseKey | None, pin_hash: str) -> Cabin:
    clock = SystemClock()
    if name == "no key":
        opened = unkeyed_sqlcipher(data_dir / "kiosk.db")
    else:
        opened = open_database(data_dir / "kiosk.db", clock, key=key)
    repo = Repository(opened.db, clock)
    assistant = repo.add_assistant("Bench", pin_hash)
    service = SessionService(repo, Config(data_dir=data_dir), clock)
    assert service.sign_in(assistant, PIN)  # once: scrypt is slow on purpose
    return Cabin(name, opened, repo, service, assistant)


def start_to_measure(cabin: Cabin) -> str:
    """Sign-in done: identity, consent, triage; the session's id, at MEASURE."""
    service = cabin.service
    service.start_session()
    service.submit_identity(IDENTITY)
    service.record_consent(True)
    service.submit_triage("ear_pain", "depuis lundi", NO_RED_FLAG)
    assert service.last.session is not None and service.last.session.state is State.MEASURE
    return service.last.session.id


def store_readings(cabin: Cabin, session_id: str) -> None:
    """Each reading stored, then accepted, as the measurement service does."""
    service, repo = cabin.service, cabin.repo
    actor = service.actor()
    for kind, values, device in READINGS:
        with repo.atomic():
            measurement = repo.add_measurement(
                session_id,
                kind,
                "pending",
                values,
                (),
                device,
                SystemClock().now().isoformat(),
                cabin.assistant,
                raw=os.urandom(64),  # the device's frames, kept for the record
            )
            repo.audit(actor, "measurement_stored", session_id, {"measurement": measurement})
        with repo.atomic():
            repo.set_measurement_status(measurement, "accepted")
            repo.audit(actor, "measurement_accepted", session_id, {"measurement": measurement})
        service.publish()


def store_still(
    cabin: Cabin, session_id: str, site: str, still: tuple[bytes, bytes], size: tuple[int, int]
) -> None:
    repo = cabin.repo
    png, thumbnail = still
    with repo.atomic():
        image = repo.add_image(
            session_id,
            site,
            png,
            thumbnail,
            size[0],
            size[1],
            321.5,
            CAMERA,
            SystemClock().now().isoformat(),
            cabin.assistant,
        )
        repo.audit(
            cabin.service.actor(), "image_stored", session_id, {"image": image, "site": site}
        )


def call_and_report(cabin: Cabin, session_id: str) -> None:
    """A doctor joins, sends the report, hangs up; the report is handed over (REPORT -> HYGIENE)."""
    service, repo = cabin.service, cabin.repo
    service.apply(CallDoctor(), State.MEASURE)
    repo.audit(service.actor(), "call_queued", session_id, {"call": "c-1"})
    service.apply(DoctorJoined("Dr Martin"), State.WAITING_FOR_DOCTOR)
    with repo.atomic():
        report = {**REPORT, "report_id": f"r-{session_id}"}
        assert repo.add_report(session_id, report, "Dr Martin", "c-1")
        repo.audit("doctor", "report_received", session_id, {"call": "c-1"})
    service.apply(CallEnded(), State.IN_CALL)
    service.apply(ReportDelivered(), State.REPORT)


def one_session(cabin: Cabin, still: tuple[bytes, bytes]) -> None:
    service, repo = cabin.service, cabin.repo
    t0 = time.perf_counter()
    with cabin.phase("flow"):
        session_id = start_to_measure(cabin)
    with cabin.phase("measurements"):
        store_readings(cabin, session_id)
    with cabin.phase("still"):
        store_still(cabin, session_id, "right_ear", still, (1280, 960))
    with cabin.phase("reads"):  # what the measurement screen and the call read back
        for _ in range(3):
            service.snapshot()
        repo.measurements(session_id)
        for row in repo.images(session_id):
            repo.image_png(row.id)
    with cabin.phase("call and report"):
        call_and_report(cabin, session_id)
    with cabin.phase("flow"):
        for item in HYGIENE_ITEMS:
            service.check_hygiene(item)
        service.finish_hygiene()
        assert service.last.session is None, service.last.notice
    with cabin.phase("record"):
        record = assemble_record(repo, session_id, "Bench-cabin")
        assert record.record_id
    cabin.sessions.append(time.perf_counter() - t0)


def timed(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median of ``repeat`` runs, in ms."""
    values = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        values.append((time.perf_counter() - t0) * 1000)
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=40, help="sessions per database")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the databases")
    args = parser.parse_args()
    sqlite3_version = sqlite3.sqlite_version
    key = DatabaseKey(os.urandom(32), "the benchmark")
    still = otoscope_still()
    pin_hash = hash_pin(PIN)
    clock = SystemClock()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-", dir=args.dir) as folder:
        root = Path(folder)
        plain = make_cabin("plain", root / "plain", None, pin_hash)
        unkeyed = make_cabin("no key", root / "unkeyed", None, pin_hash)
        encrypted = make_cabin("encrypted", root / "encrypted", key, pin_hash)
        cabins = (plain, unkeyed, encrypted)
        conn = encrypted.opened.db.conn
        cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
        for cabin in cabins:  # warm-up (imports, caches), not counted
            one_session(cabin, still)
            cabin.sessions.clear()
            cabin.phases.clear()
        for i in range(args.sessions):
            for j in range(len(cabins)):
                one_session(cabins[(i + j) % len(cabins)], still)
        sizes = {c.name: c.opened.path.stat().st_size for c in cabins}
        for cabin in cabins:
            cabin.opened.close()

        def reopen(path: Path, with_key: DatabaseKey | None) -> None:
            open_database(path, clock, key=with_key).close()

        open_plain = timed(lambda: reopen(root / "plain" / "kiosk.db", None))
        open_encrypted = timed(lambda: reopen(root / "encrypted" / "kiosk.db", key))

        def migrate_copy() -> None:
            target = root / "migrating"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            shutil.copy2(root / "plain" / "kiosk.db", target / "kiosk.db")
            reopen(target / "kiosk.db", key)

        migration = timed(migrate_copy, repeat=3)
        fstype = filesystem_of(root)

    print(
        f"database: {fstype} files, journal_mode={journal}, synchronous={synchronous} (2 = FULL); "
        f"plain: sqlite3 {sqlite3_version}, SQLCipher {cipher} on SQLite {sqlcipher3.sqlite_version}"
        f"; {args.sessions} sessions on each database, in turn"
    )
    p50 = {c.name: statistics.median(c.sessions) * 1000 for c in cabins}
    total = {c.name: sum(c.sessions) * 1000 for c in cabins}
    for c in cabins:
        ms = sorted(t * 1000 for t in c.sessions)
        print(
            f"  {c.name:<9} one session: p50 {p50[c.name]:7.2f} ms, p95 "
            f"{percentile(ms, 0.95):7.2f} ms, total {total[c.name]:8.1f} ms; file "
            f"{sizes[c.name] / 1e6:.1f} MB"
        )
    ratio = p50["encrypted"] / p50["plain"]
    print(
        f"encrypted / plain: {ratio:.2f}x per session (p50), "
        f"{total['encrypted'] / total['plain']:.2f}x in total  (goal: < 1.5x: "
        f"{'met' if ratio < 1.5 else 'NOT MET'})"
    )
    print(f"encrypted / no key (the cipher alone): {p50['encrypted'] / p50['no key']:.2f}x (p50)")
    print("  by phase (p50 ms: plain, no key, encrypted; encrypted / plain):")
    for name in PHASES:
        a, n, b = (statistics.median(c.phases[name]) * 1000 for c in cabins)
        print(f"    {name:<16} {a:7.2f} {n:7.2f} {b:7.2f}  ({b / a:.2f}x)")
    print(
        f"opening the database with {args.sessions + 1} sessions (integrity check included): "
        f"plain {open_plain:.1f} ms, encrypted {open_encrypted:.1f} ms"
    )
    print(f"encrypting that plain database on first start: {migration:.1f} ms")


if __name__ == "__main__":
    main()
