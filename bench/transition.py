"""One session transition, persisted: from the command to the call returning (goal: p95 < 50 ms).

The real SessionService on a real database file (WAL, synchronous=FULL: every transition reaches
the disk before the call returns), no screen. Each timed call runs the whole path: validation, the
flow's decision, one transaction (data + audit row, fsync), and the new snapshot for the screen.
The session cycles IDENTIFY -> CONSENT -> TRIAGE -> MEASURE and back with go_back.

Run: .venv/bin/python -m bench.transition [--n 300] [--dir FOLDER]
(--dir: where the database goes; use the disk the cabin uses, not a tmpfs, or fsync costs nothing.)
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.flow import State
from kiosk.flow.triage import RED_FLAGS
from kiosk.services.auth import hash_pin
from kiosk.services.session import SessionService
from kiosk.storage import Repository, open_database

IDENTITY = {
    "family_name": "Martin",
    "given_names": "Jeanne Marie",
    "birth_date": "24/06/1942",
    "sex": "female",
    "nir": "",
    "treating_physician": "Dr Lefèvre",
}
NO_RED_FLAG = dict.fromkeys(RED_FLAGS, False)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    return sorted_values[max(0, math.ceil(fraction * len(sorted_values)) - 1)]


def filesystem_of(path: Path) -> str:
    best, fstype = "", "?"
    resolved = str(path.resolve())
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return fstype
    for line in mounts:
        parts = line.split()
        mount_point = parts[1]
        inside = resolved == mount_point or resolved.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > len(best):
            best, fstype = mount_point, parts[2]
    return fstype


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="transitions timed")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the database")
    args = parser.parse_args()
    clock = SystemClock()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-", dir=args.dir) as folder:
        data_dir = Path(folder)
        opened = open_database(data_dir / "kiosk.db", clock)
        conn = opened.db.conn
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[
            conn.execute("PRAGMA synchronous").fetchone()[0]
        ]
        repo = Repository(opened.db, clock)
        assistant = repo.add_assistant("Bench", hash_pin("1234"))
        service = SessionService(repo, Config(data_dir=data_dir), clock)
        assert service.sign_in(assistant, "1234")
        service.start_session()
        assert service.last.session is not None
        session_id = service.last.session.id

        def transitions() -> int:
            row = conn.execute(
                "SELECT COUNT(*) FROM events WHERE session_id = ? AND action = 'transition'",
                [session_id],
            ).fetchone()
            return int(row[0])

        start_count = transitions()
        timings: list[float] = []
        by_command: dict[str, list[float]] = {}
        # Forward IDENTIFY -> CONSENT -> TRIAGE -> MEASURE, then back MEASURE -> ... -> IDENTIFY.
        forward = True
        while len(timings) < args.n:
            state = service.last.session.state if service.last.session else None
            if state is State.IDENTIFY:
                forward = True
            elif state is State.MEASURE:
                forward = False
            if forward:
                name, command = next_forward(service)
            else:
                name, command = f"go_back from {state}", make_back(service, state)
            t0 = time.perf_counter()
            command()
            elapsed = time.perf_counter() - t0
            timings.append(elapsed)
            by_command.setdefault(name, []).append(elapsed)
            assert not service.last.field_errors and service.last.notice is None, service.last
        assert transitions() - start_count == args.n, "every timed command made one transition"
        opened.close()
        fstype = filesystem_of(data_dir)

    ms = sorted(t * 1000 for t in timings)
    p95 = percentile(ms, 0.95)
    print(
        f"database: {fstype} file, journal_mode={journal}, synchronous={synchronous}; "
        f"{args.n} transitions timed"
    )
    print(
        f"transition persisted, n={len(ms)}: p50 {statistics.median(ms):.2f} ms, "
        f"p95 {p95:.2f} ms, max {ms[-1]:.2f} ms  (goal: p95 < 50 ms: "
        f"{'met' if p95 < 50 else 'NOT MET'})"
    )
    for name, values in sorted(by_command.items()):
        values_ms = sorted(v * 1000 for v in values)
        print(
            f"  {name:<22} n={len(values_ms):>3}  p50 {statistics.median(values_ms):6.2f} ms  "
            f"p95 {percentile(values_ms, 0.95):6.2f} ms  max {values_ms[-1]:6.2f} ms"
        )


def next_forward(service: SessionService) -> tuple[str, Callable[[], None]]:
    session = service.last.session
    assert session is not None
    if session.state is State.IDENTIFY:
        return "submit_identity", lambda: service.submit_identity(IDENTITY)
    if session.state is State.CONSENT:
        return "record_consent", lambda: service.record_consent(True)
    if session.state is State.TRIAGE:
        return "submit_triage", lambda: service.submit_triage("fever", "", NO_RED_FLAG)
    raise AssertionError(f"unexpected state {session.state}")


def make_back(service: SessionService, state: State | None) -> Callable[[], None]:
    assert state is not None
    return lambda: service.go_back(state)


if __name__ == "__main__":
    main()
