"""The ``kiosk`` command as a technician types it: the installed console script in a subprocess.

Every failure must be one plain line on stderr with a non-zero exit status, never a traceback, and
must leave the database as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.services.auth import verify_pin
from tests.support.kiosk_db import connect_kiosk_db

_SCRIPT = Path(sys.executable).with_name("kiosk")


def _command() -> list[str]:
    """The console script installed next to this interpreter (``pip install -e .``)."""
    if _SCRIPT.exists():
        return [str(_SCRIPT)]
    return [sys.executable, "-m", "kiosk.cli"]  # same entry point, package not installed


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["PYTHONWARNINGS"] = "error"  # a DeprecationWarning in the CLI is a bug too
    return env


def kiosk(
    data_dir: Path, *args: str, stdin: str = "", config: Path | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [*_command(), "--data-dir", str(data_dir)]
    if config is not None:
        argv += ["--config", str(config)]
    return subprocess.run(
        [*argv, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_clean_env(),
        cwd=data_dir,
        timeout=60,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """A failure: non-zero status, exactly one line on stderr, no traceback. Returns the line."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {result.stderr!r}"
    assert lines[0].startswith("kiosk: ")
    return lines[0]


def listed(data_dir: Path) -> list[str]:
    result = kiosk(data_dir, "assistant", "list")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.splitlines()


def add(data_dir: Path, name: str, pin: str = "1234") -> subprocess.CompletedProcess[str]:
    return kiosk(data_dir, "assistant", "add", name, stdin=f"{pin}\n{pin}\n")


def test_version(tmp_path: Path) -> None:
    result = kiosk(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kiosk {__version__}"


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = kiosk(tmp_path, "--help")
    assert result.returncode == 0
    assert "run" in result.stdout
    assert "assistant" in result.stdout
    assert result.stderr == ""


def test_add_then_list(tmp_path: Path) -> None:
    # Eight digits: a four-digit PIN turns up by chance in the microseconds of stored times.
    result = add(tmp_path, "Alice", "48159263")
    assert result.returncode == 0, result.stderr
    assert "Alice" in result.stdout
    assert result.stderr == ""
    assert listed(tmp_path) == ["Alice\tactive"]
    # The PIN is not stored in clear text anywhere in the database file.
    assert b"48159263" not in (tmp_path / "kiosk.db").read_bytes()


def stored_pin_hash(data_dir: Path, table: str, name: str) -> str:
    with connect_kiosk_db(data_dir / "kiosk.db") as conn:
        (found,) = conn.execute(f"SELECT pin_hash FROM {table} WHERE name = ?", (name,)).fetchone()
    return str(found)


@pytest.mark.parametrize("role,table", [("assistant", "assistants"), ("technician", "technicians")])
def test_set_pin_replaces_a_forgotten_pin(tmp_path: Path, role: str, table: str) -> None:
    assert kiosk(tmp_path, role, "add", "Alice", stdin="2580\n2580\n").returncode == 0
    # Two different PINs typed: nothing changes, and it says why in one line.
    assert "differ" in assert_one_line_error(
        kiosk(tmp_path, role, "set-pin", "Alice", stdin="7410\n7411\n")
    )
    assert verify_pin("2580", stored_pin_hash(tmp_path, table, "Alice"))
    done = kiosk(tmp_path, role, "set-pin", "alice", stdin="7410\n7410\n")  # any case
    assert done.returncode == 0, done.stderr
    assert "new PIN set" in done.stdout
    stored = stored_pin_hash(tmp_path, table, "Alice")
    assert verify_pin("7410", stored) and not verify_pin("2580", stored)
    missing = kiosk(tmp_path, role, "set-pin", "Bob", stdin="7410\n7410\n")
    assert "no " + role in assert_one_line_error(missing)


def test_mismatched_pins_save_nothing(tmp_path: Path) -> None:
    result = kiosk(tmp_path, "assistant", "add", "Alice", stdin="1234\n1243\n")
    line = assert_one_line_error(result)
    assert "differ" in line
    assert listed(tmp_path) == []


@pytest.mark.parametrize("pin", ["12", "123456789", "12a4", "", "١٢٣٤"])
def test_bad_pin_format(tmp_path: Path, pin: str) -> None:
    result = kiosk(tmp_path, "assistant", "add", "Alice", stdin=f"{pin}\n{pin}\n")
    line = assert_one_line_error(result)
    assert "4 to 8 digits" in line
    assert listed(tmp_path) == []


def test_duplicate_name(tmp_path: Path) -> None:
    assert add(tmp_path, "Alice").returncode == 0
    result = add(tmp_path, "alice", "5678")  # names do not differ by case alone
    line = assert_one_line_error(result)
    assert "already exists" in line
    assert listed(tmp_path) == ["Alice\tactive"]


def test_disable_then_enable(tmp_path: Path) -> None:
    assert add(tmp_path, "Alice").returncode == 0
    assert add(tmp_path, "Bob").returncode == 0
    result = kiosk(tmp_path, "assistant", "disable", "Alice")
    assert result.returncode == 0, result.stderr
    assert listed(tmp_path) == ["Alice\tdisabled", "Bob\tactive"]
    assert kiosk(tmp_path, "assistant", "enable", "Alice").returncode == 0
    assert listed(tmp_path) == ["Alice\tactive", "Bob\tactive"]


def test_disable_unknown(tmp_path: Path) -> None:
    assert add(tmp_path, "Alice").returncode == 0
    line = assert_one_line_error(kiosk(tmp_path, "assistant", "disable", "Zoe"))
    assert "Zoe" in line
    assert listed(tmp_path) == ["Alice\tactive"]


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[ui]\nfullscreen = true\nlanguag = 'en'\n", encoding="utf-8")
    line = assert_one_line_error(kiosk(tmp_path, "assistant", "list", config=config))
    assert "ui.languag" in line
    assert not (tmp_path / "kiosk.db").exists()


def test_missing_config_file(tmp_path: Path) -> None:
    line = assert_one_line_error(
        kiosk(tmp_path, "assistant", "list", config=tmp_path / "nowhere.toml")
    )
    assert "nowhere.toml" in line


def test_corrupt_database_is_kept_aside(tmp_path: Path) -> None:
    original = b"SQLite format 3\x00" + bytes(range(256)) * 16  # a header, then garbage
    (tmp_path / "kiosk.db").write_bytes(original)
    result = add(tmp_path, "Alice")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    notice = [line for line in result.stderr.splitlines() if "kept aside" in line]
    assert len(notice) == 1, result.stderr
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("kiosk.db.unreadable")]
    assert len(aside) == 1
    assert str(aside[0]) in notice[0]  # the technician is told where the old file went
    assert aside[0].read_bytes() == original
    # The new database works and holds what the command did.
    assert listed(tmp_path) == ["Alice\tactive"]
    with connect_kiosk_db(tmp_path / "kiosk.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


def test_database_busy_is_one_line_and_nothing_is_lost(tmp_path: Path) -> None:
    assert add(tmp_path, "Alice").returncode == 0
    holder = connect_kiosk_db(tmp_path / "kiosk.db")
    holder.isolation_level = None
    try:
        holder.execute("BEGIN IMMEDIATE")  # the running kiosk (or any program) is writing
        line = assert_one_line_error(add(tmp_path, "Bob"))
        assert "locked" in line
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert listed(tmp_path) == ["Alice\tactive"]
    assert sorted(p.name for p in tmp_path.iterdir() if "unreadable" in p.name) == []


def test_run_without_pyside6_says_so_in_one_line(tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("PySide6") is not None:
        pytest.skip("PySide6 is installed here: tests/gui/test_run_command.py runs the kiosk")
    result = kiosk(tmp_path, "run")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "PySide6" in result.stderr and "Traceback" not in result.stderr
