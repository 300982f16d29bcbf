"""``kiosk run`` as systemd would run it: starts, and a SIGTERM ends it cleanly, parking the
session on screen so that the next start offers it again."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.errors import StorageError
from kiosk.storage.database import DATABASE_ERRORS
from tests.support.kiosk_db import connect_kiosk_db

KIOSK = Path(sys.executable).with_name("kiosk")
ROOT = Path(__file__).resolve().parents[2]


def events(db: Path) -> list[str]:
    if not db.exists():
        return []
    try:
        conn = connect_kiosk_db(db)  # encrypted with the data folder's key
    except (FileNotFoundError, StorageError, *DATABASE_ERRORS):  # the kiosk is starting
        return []
    try:
        return [row[0] for row in conn.execute("SELECT action FROM events ORDER BY id")]
    except DATABASE_ERRORS:  # the schema is being created
        return []
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("mode", [[], ["--fullscreen"]], ids=["window", "kiosk-mode"])
def test_run_then_sigterm_stops_cleanly(tmp_path: Path, mode: list[str]) -> None:
    """In kiosk mode too: since Qt 6, QApplication.quit() asks every window to close first, and
    the kiosk window refuses; SIGTERM must still end the kiosk with status 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    process = subprocess.Popen(
        [str(KIOSK), "--data-dir", str(tmp_path), "run", "--demo", *mode],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while "kiosk_started" not in events(tmp_path / "kiosk.db"):
            assert process.poll() is None, process.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "the kiosk did not start"
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    actions = events(tmp_path / "kiosk.db")
    assert actions[-1] == "kiosk_stopped"
    assert "assistant_added" in actions  # --demo created the demo assistant


def sessions(db: Path) -> list[tuple[str, str, str]]:
    conn = connect_kiosk_db(db)
    try:
        return conn.execute("SELECT id, state, status FROM sessions").fetchall()
    finally:
        conn.close()


class ScriptedKiosk:
    """``kiosk run`` with a scripted assistant at the screen (tests/support/scripted_run.py)."""

    def __init__(self, script: str, data_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
        env["QT_QPA_PLATFORM"] = "offscreen"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.scripted_run",
                script,
                *("--data-dir", str(data_dir), "run", "--demo"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        self.stdout = self.process.stdout
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.stdout, selectors.EVENT_READ)
        self.buffer = b""

    def lines_until(self, prefix: str, timeout: float = 30.0) -> list[str]:
        """Every line printed until one starts with ``prefix`` (that one included)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.buffer.decode().split("\n")[:-1]
            if any(line.startswith(prefix) for line in lines):
                return lines
            assert self.process.poll() is None, self.stop()[-2000:]
            assert time.monotonic() < deadline, f"no {prefix!r} line: {lines}"
            if self.selector.select(0.2):
                self.buffer += os.read(self.stdout.fileno(), 65536)

    def stop(self) -> str:
        """SIGTERM, as systemd sends it; the exit status must be 0. Returns stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            _, stderr = self.process.communicate(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.communicate()
            self.selector.close()
        return stderr.decode(errors="replace")


@pytest.mark.slow
def test_sigterm_during_a_session_parks_it_and_the_next_start_resumes_it(tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    first = ScriptedKiosk("walk", tmp_path)
    try:
        at = first.lines_until("AT ")[-1].split()
    finally:
        stderr = first.stop()
    assert first.process.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    assert at[:2] == ["AT", "MEASURE"]
    session_id = at[2]
    assert sessions(db) == [(session_id, "MEASURE", "parked")]
    actions = events(db)
    assert actions[-2:] == ["session_parked", "kiosk_stopped"]

    second = ScriptedKiosk("resume", tmp_path)
    try:
        lines = second.lines_until("AT ")
    finally:
        stderr = second.stop()
    assert second.process.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    offered = [line.split(" ", 2) for line in lines if line.startswith("OFFERED ")]
    # The home offered the session by name and step, in the cabin's language; one touch resumed it.
    assert offered == [["OFFERED", session_id, "Reprendre : MARTIN Jeanne (étape : Mesures)"]]
    assert lines[-1] == f"AT MEASURE {session_id}"
    assert sessions(db) == [(session_id, "MEASURE", "parked")]  # parked again by this SIGTERM
    assert events(db).count("session_resumed") == 1
