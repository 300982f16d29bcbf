"""``kiosk run`` as systemd would run it: starts, and a SIGTERM ends it cleanly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

KIOSK = Path(sys.executable).with_name("kiosk")


def events(db: Path) -> list[str]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("SELECT action FROM events ORDER BY id")]
    except sqlite3.OperationalError:  # the schema is being created
        return []
    finally:
        conn.close()


@pytest.mark.slow
def test_run_then_sigterm_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    process = subprocess.Popen(
        [str(KIOSK), "--data-dir", str(tmp_path), "run", "--demo"],
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
