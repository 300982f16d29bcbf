"""``kiosk portal | doctor | cabin`` as an administrator types them: the installed console script
in a subprocess. Failures are one plain line on stderr, never a traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from kiosk.clock import FakeClock
from kiosk.portal.server import PortalHandle
from kiosk.portal.store import PortalStore
from kiosk.portal_commands import ensure_demo_accounts
from tests.portal.conftest import (
    cabin_link,
    closed_with,
    doctor_page,
    receive,
    send,
    sign_in,
)

_SCRIPT = Path(sys.executable).with_name("kiosk")
GOOD = "a long enough password"


def _command() -> list[str]:
    if _SCRIPT.exists():
        return [str(_SCRIPT)]
    return [sys.executable, "-m", "kiosk.cli"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["PYTHONWARNINGS"] = "error"
    return env


def kiosk(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_command(), "--data-dir", str(data_dir), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(),
        cwd=data_dir,
        timeout=60,
        check=False,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("kiosk: ")
    return lines[0]


def add_doctor(data_dir: Path, name: str, *args: str, password: str = GOOD) -> None:
    result = kiosk(
        data_dir, "doctor", "add", name, *args, "--password-stdin", stdin=password + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_doctor_add_list_disable(tmp_path: Path) -> None:
    add_doctor(
        tmp_path,
        "dr.martin",
        "--display-name",
        "Dr Martin",
        "--territory",
        "29",
        "56",
        "--rpps",
        "10000000001",
    )
    add_doctor(tmp_path, "dr.any", "--all-territories")
    add_doctor(tmp_path, "dr.home", "--all-territories", "--territory", "2a")
    listed = kiosk(tmp_path, "doctor", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "dr.any\tdr.any\tall territories\t-\tactive",
        "dr.home\tdr.home\tall territories, 2A first\t-\tactive",
        "dr.martin\tDr Martin\t29,56\t10000000001\tactive",
    ]
    assert GOOD not in dump(tmp_path / "portal.db")
    disabled = kiosk(tmp_path, "doctor", "disable", "dr.martin")
    assert disabled.returncode == 0 and "disabled" in disabled.stdout
    assert (
        "dr.martin\tDr Martin\t29,56\t10000000001\tdisabled"
        in kiosk(tmp_path, "doctor", "list").stdout.splitlines()
    )


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["dr.x", "--territory", "29"], "short\n", "at least 10 characters"),
        (["dr.x", "--territory", "29"], "\n", "at least 10 characters"),
        (["dr.x"], GOOD + "\n", "--territory CODE or --all-territories"),
        (["dr.x", "--territory", "29", "--rpps", "123"], GOOD + "\n", "11 digits"),
        (["dr x", "--territory", "29"], GOOD + "\n", "name is 1 to 64"),
        (["dr.x", "--territory", "2/9"], GOOD + "\n", "territory"),
    ],
)
def test_doctor_add_refusals(tmp_path: Path, args: list[str], stdin: str, words: str) -> None:
    line = one_line_error(kiosk(tmp_path, "doctor", "add", *args, "--password-stdin", stdin=stdin))
    assert words in line
    assert kiosk(tmp_path, "doctor", "list").stdout == ""


def test_doctor_add_without_a_terminal_asks_for_password_stdin(tmp_path: Path) -> None:
    line = one_line_error(kiosk(tmp_path, "doctor", "add", "dr.x", "--territory", "29"))
    assert "--password-stdin" in line


def test_duplicates_and_unknown_names(tmp_path: Path) -> None:
    add_doctor(tmp_path, "dr.martin", "--territory", "29")
    assert "already exists" in one_line_error(
        kiosk(
            tmp_path,
            "doctor",
            "add",
            "DR.MARTIN",
            "--territory",
            "29",
            "--password-stdin",
            stdin=GOOD + "\n",
        )
    )
    assert "no doctor named" in one_line_error(kiosk(tmp_path, "doctor", "disable", "dr.nobody"))
    assert kiosk(tmp_path, "cabin", "add", "brest", "--territory", "29").returncode == 0
    assert "already exists" in one_line_error(
        kiosk(tmp_path, "cabin", "add", "brest", "--territory", "29")
    )
    assert "no cabin named" in one_line_error(kiosk(tmp_path, "cabin", "revoke", "nowhere"))
    assert "say what to do" in one_line_error(kiosk(tmp_path, "cabin"))


def dump(path: Path) -> str:
    """Everything the database holds, as SQL text."""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def _secret_of(stdout: str) -> str:
    (line,) = [line for line in stdout.splitlines() if line.startswith("cabin_secret = ")]
    return line.split('"')[1]


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings  # the revoked cabin's refusal is a warning
async def test_cabin_add_prints_a_secret_that_authenticates(
    tmp_path: Path, portal: PortalHandle, store: PortalStore
) -> None:
    # The portal runs on tmp_path/portal.db; the command adds the cabin while it runs.
    added = kiosk(tmp_path, "cabin", "add", "lorient", "--territory", "56")
    assert added.returncode == 0, added.stderr
    secret = _secret_of(added.stdout)
    assert added.stdout.count(secret) == 1  # shown once
    assert "/etc/kiosk/kiosk.toml" in added.stdout and "[call]" in added.stdout
    # (Never read the file itself here: closing a second descriptor on it would drop the store's
    # SQLite locks, a POSIX rule.)
    assert secret not in "\n".join(store.db.conn.iterdump())
    assert "lorient\t56\tactive" in kiosk(tmp_path, "cabin", "list").stdout.splitlines()
    async with aiohttp.ClientSession() as session:
        ws = await cabin_link(session, portal, "lorient", secret)
        await ws.close()
        assert kiosk(tmp_path, "cabin", "revoke", "lorient").returncode == 0
        assert "lorient\t56\trevoked" in kiosk(tmp_path, "cabin", "list").stdout.splitlines()
        ws = await session.ws_connect(f"{portal.url}/ws/cabin")
        await send(ws, "hello", cabin="lorient", secret=secret)
        assert (await receive(ws))["code"] == "cabin_revoked"
        assert await closed_with(ws) == 4003
    await asyncio.get_running_loop().shutdown_default_executor()


@pytest.mark.asyncio
async def test_a_doctor_added_by_the_command_signs_in(
    tmp_path: Path, portal: PortalHandle, http: aiohttp.ClientSession
) -> None:
    add_doctor(tmp_path, "dr.new", "--territory", "29")
    assert (await sign_in(http, portal, "dr.new", GOOD)).status == 303
    ws = await doctor_page(http, portal)
    await ws.close()


@pytest.mark.asyncio
async def test_demo_accounts(
    portal: PortalHandle, store: PortalStore, http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    doctor, password, cabin, secret = ensure_demo_accounts(store)
    assert (doctor, password, cabin) == ("demo", "demo-password", "cabine-demo")
    row = store.doctor("demo")
    assert row is not None and row.display_name == "Dr Démo" and row.territories == ("*",)
    cabin_row = store.cabin("cabine-demo")
    assert cabin_row is not None and cabin_row.territory == "75"
    # A second call keeps the accounts and rotates the secret: the old one stops working.
    again = ensure_demo_accounts(store)
    assert again[:3] == (doctor, password, cabin) and again[3] != secret
    assert len(store.doctors()) == 4  # the three of the fixture, and the demo doctor
    assert (await sign_in(http, portal, doctor, password)).status == 303
    ws = await cabin_link(http, portal, cabin, again[3])
    await ws.close()
    assert store.authenticate_cabin(cabin, secret)[0] == "failed"


def test_kiosk_portal_runs_until_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*_command(), "--data-dir", str(tmp_path), "portal", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=tmp_path,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        health = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read())",
                f"{url}/healthz",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert health.stdout.strip() == "b'ok'", health.stderr
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert (tmp_path / "portal.db").exists()


def test_kiosk_portal_with_half_the_tls_settings_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(kiosk(tmp_path, "portal", "--port", "0", "--tls-cert", "x.pem"))
    assert "tls_cert and portal.tls_key go together" in line
    missing = one_line_error(
        kiosk(tmp_path, "portal", "--port", "0", "--tls-cert", "x.pem", "--tls-key", "y.key")
    )
    assert "certificate" in missing
