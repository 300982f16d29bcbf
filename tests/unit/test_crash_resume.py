"""A power cut or a crash loses nothing the screen showed, and the session can be resumed.

Real processes, real files, real ``kill -9``: a worker (tests/support/crash_worker.py) walks
sessions through the real SessionService and acknowledges each persisted step on stdout; it is
killed with SIGKILL at a random moment; then the database must be intact, hold every acknowledged
transition, and a freshly started service must offer the interrupted session and bring it back.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.flow import State
from kiosk.identity import PatientIdentity, validate_identity
from kiosk.services.auth import hash_pin
from kiosk.services.session import SessionService
from kiosk.storage import Repository
from tests.support.crash_worker import identity_for
from tests.support.kiosk_db import connect_kiosk_db, open_kiosk_db

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KILLS = 24
PIN = "2468"
SEED = int(os.environ.get("CRASH_RESUME_SEED", "20260302"))
FIRST_ACK_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class Ack:
    session_id: str
    state: str
    transitions: int
    hygiene: int  # cleaning-checklist items confirmed


@dataclass(frozen=True)
class Stored:
    """What the (encrypted) database holds about one session, read behind the kiosk's back."""

    state: str
    status: str
    transitions: list[dict[str, str]]  # audit details of its 'transition' rows, oldest first
    identities_written: int
    hygiene: list[str]  # cleaning-checklist items confirmed, in order


def read_database(path: Path) -> dict[str, Stored]:
    conn = connect_kiosk_db(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        transitions: dict[str, list[dict[str, str]]] = {}
        written: dict[str, int] = {}
        for session_id, action, detail in conn.execute(
            "SELECT session_id, action, detail FROM events WHERE session_id IS NOT NULL ORDER BY id"
        ):
            if action == "transition":
                transitions.setdefault(session_id, []).append(json.loads(detail))
            elif action == "patient_written":
                written[session_id] = written.get(session_id, 0) + 1
        hygiene: dict[str, list[str]] = {}
        for session_id, item in conn.execute(
            "SELECT session_id, item FROM hygiene_checks ORDER BY id"
        ):
            hygiene.setdefault(session_id, []).append(item)
        return {
            session_id: Stored(
                state,
                status,
                transitions.get(session_id, []),
                written.get(session_id, 0),
                hygiene.get(session_id, []),
            )
            for session_id, state, status in conn.execute("SELECT id, state, status FROM sessions")
        }
    finally:
        conn.close()


def expected_identity(session_id: str, stored: Stored) -> PatientIdentity | None:
    """The identity the worker typed last for this session, unless consent refusal purged it."""
    if stored.identities_written == 0 or any(
        t["reason"] == "consent refused" for t in stored.transitions
    ):
        return None
    form = identity_for(session_id, stored.identities_written - 1)
    result = validate_identity(form, dt.datetime.now(dt.UTC).date())
    assert isinstance(result, PatientIdentity), result
    return result


class Worker:
    """One crash_worker process; its stdout is read without blocking the test forever."""

    def __init__(self, data_dir: Path, seed: int, assistant_id: int, stderr_path: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        self.stderr_path = stderr_path
        with stderr_path.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.support.crash_worker",
                    str(data_dir),
                    str(seed),
                    str(assistant_id),
                    PIN,
                ],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                bufsize=0,
            )
        assert self.proc.stdout is not None
        self.stdout = self.proc.stdout
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.stdout, selectors.EVENT_READ)
        self.buffer = b""
        self.eof = False

    def _read(self, timeout: float) -> None:
        if self.eof or not self.selector.select(max(0.0, timeout)):
            return
        chunk = os.read(self.stdout.fileno(), 65536)
        if chunk:
            self.buffer += chunk
        else:
            self.eof = True

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait_for_first_ack(self) -> None:
        deadline = time.monotonic() + FIRST_ACK_TIMEOUT_S
        while b"\nACK " not in b"\n" + self.buffer or not self.buffer.endswith(b"\n"):
            assert not self.eof, f"the worker stopped before its first step:\n{self.stderr()}"
            assert time.monotonic() < deadline, "the worker never acknowledged a step"
            self._read(deadline - time.monotonic())

    def drain_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert not self.eof, f"the worker stopped on its own:\n{self.stderr()}"
            self._read(deadline - time.monotonic())

    def kill(self) -> list[Ack]:
        """SIGKILL, reap, and return the acknowledgements it wrote in full before dying."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        while not self.eof:
            self._read(5.0)
        assert self.proc.returncode == -signal.SIGKILL, self.stderr()
        complete = self.buffer.rsplit(b"\n", 1)[0].decode()  # a torn last line is not an ACK
        acks = []
        for line in complete.splitlines():
            if line.startswith("ACK "):
                _, session_id, state, count, hygiene = line.split()
                acks.append(Ack(session_id, state, int(count), int(hygiene)))
        return acks

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.selector.close()
        self.stdout.close()


def check_acknowledged(acks: list[Ack], before: dict[str, Stored], after: dict[str, Stored]) -> str:
    """Everything acknowledged is on disk; return the session left open by the crash, or ''."""
    for ack in acks:
        assert ack.session_id in after, f"acknowledged session {ack.session_id} is missing"
        transitions = after[ack.session_id].transitions
        assert len(transitions) >= ack.transitions, f"{ack}: audit log lost transitions"
        assert transitions[ack.transitions - 1]["to"] == ack.state, ack
        assert len(after[ack.session_id].hygiene) >= ack.hygiene, f"{ack}: lost hygiene checks"
    for session_id, stored in after.items():
        # The session row and its audit log never disagree.
        assert stored.transitions, session_id
        assert stored.state == stored.transitions[-1]["to"], (session_id, stored)
    last_ack: dict[str, Ack] = {ack.session_id: ack for ack in acks}
    last = acks[-1]
    for session_id, ack in last_ack.items():
        done = len(after[session_id].transitions)
        if session_id == last.session_id:
            # At most one more step was committed but not acknowledged when the kill came.
            assert done in (ack.transitions, ack.transitions + 1), (ack, after[session_id])
        else:
            assert done == ack.transitions, (ack, after[session_id])
    unacknowledged = set(after) - set(before) - set(last_ack)
    assert len(unacknowledged) <= 1, unacknowledged
    for session_id in unacknowledged:  # started, killed before its ACK line
        assert [t["to"] for t in after[session_id].transitions] == [State.IDENTIFY]
    open_now = [sid for sid, stored in after.items() if stored.status == "open"]
    assert len(open_now) <= 1, open_now
    if not open_now:
        assert after[last.session_id].status == "closed", after[last.session_id]
        return ""
    assert open_now[0] in unacknowledged | {last.session_id}
    return open_now[0]


def resume_in_fresh_service(data_dir: Path, assistant_id: int, session_id: str) -> None:
    stored = read_database(data_dir / "kiosk.db")[session_id]
    clock = SystemClock()
    opened = open_kiosk_db(data_dir, clock)
    try:
        assert opened.set_aside is None and opened.encrypted
        service = SessionService(Repository(opened.db, clock), Config(data_dir=data_dir), clock)
        assert service.sign_in(assistant_id, PIN)
        offered = {view.id: view for view in service.last.resumable}
        assert session_id in offered, "the interrupted session is not offered for resuming"
        view = offered[session_id]
        assert view.state == State(stored.state)
        identity = expected_identity(session_id, stored)
        shown = f"{identity.family_name.upper()} {identity.given_names}" if identity else ""
        assert view.patient == shown
        service.resume_session(session_id)
        session = service.last.session
        assert session is not None and session.id == session_id
        assert session.state == State(stored.state)
        got = None if session.identity is None else session.identity.to_dict()
        assert got == (None if identity is None else identity.to_dict())
        # The cleaning checklist comes back as far as it went, each item with its time.
        assert [row.item for row in service.last.hygiene] == (
            stored.hygiene if session.state is State.HYGIENE else []
        )
        service.park_open_session("checked by the crash test")  # as a sign-out would
    finally:
        opened.close()


def zombie_children() -> list[int]:
    zombies = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            zombies.append(int(entry.name))
    return zombies


def test_kill_9_at_random_moments_loses_nothing_and_resumes(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    clock = SystemClock()
    opened = open_kiosk_db(tmp_path, clock)  # encrypted, as the workers open it
    assistant_id = Repository(opened.db, clock).add_assistant("Claire", hash_pin(PIN))
    opened.close()

    total_acks = 0
    resumed = 0
    states_at_kill: set[str] = set()
    for kill in range(KILLS):
        before = read_database(tmp_path / "kiosk.db")
        worker = Worker(tmp_path, SEED + kill, assistant_id, tmp_path / f"worker-{kill}.err")
        try:
            worker.wait_for_first_ack()
            worker.drain_for(rng.uniform(0.05, 0.6))
            acks = worker.kill()
        finally:
            worker.close()
        context = f"kill {kill} (CRASH_RESUME_SEED={SEED})"
        assert acks, context
        assert "Traceback" not in worker.stderr(), worker.stderr()
        total_acks += len(acks)
        states_at_kill.add(acks[-1].state)
        after = read_database(tmp_path / "kiosk.db")
        interrupted = check_acknowledged(acks, before, after)
        if interrupted:
            resume_in_fresh_service(tmp_path, assistant_id, interrupted)
            resumed += 1

    assert zombie_children() == []
    # All of it went through SQLCipher: the file is no plain SQLite database.
    assert not (tmp_path / "kiosk.db").read_bytes().startswith(b"SQLite format 3")
    assert total_acks > 3 * KILLS, "the workers hardly worked before being killed"
    assert resumed >= KILLS // 2, f"only {resumed} of {KILLS} kills left a session to resume"
    assert len(states_at_kill) >= 3, states_at_kill
