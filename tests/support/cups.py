"""A private CUPS scheduler for the printing tests: the real ``cupsd`` on 127.0.0.1.

``start_cups`` runs ``cupsd -f`` with its own configuration, spool, logs and state in a fresh
folder, listening on a free loopback port only. Clients (``lp``, ``lpstat``, ``lpadmin``) reach
it through ``CUPS_SERVER``. A queue is a ``file:`` device: CUPS writes what it would send to a
printer into a file the test reads back.

Debian's cups-daemon ships no filters (those come with cups-filters and Ghostscript), and CUPS
sends nothing to a ``file:`` device when no filter runs (a "raw" queue). So each queue gets a
tiny PPD whose one filter, written here, passes the PDF through unchanged: the bytes in the file
are the bytes ``lp`` was given, as with a printer that takes PDF directly.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# cupsd and the admin tools live in sbin, which a user's PATH may not hold.
_SEARCH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
BINARIES = ("cupsd", "lpadmin", "cupsdisable", "cupsenable", "cupsreject", "lp", "lpstat")

PASSTHROUGH = """#!/bin/sh
# A CUPS filter: job user title copies options [file]. The PDF goes to the device unchanged.
if [ -n "$6" ]; then exec cat "$6"; else exec cat; fi
"""

PPD = """*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "KIOSKPDF.PPD"
*Manufacturer: "Kiosk tests"
*Product: "(PDF pass-through)"
*ModelName: "Kiosk test PDF printer"
*ShortNickName: "Kiosk test PDF printer"
*NickName: "Kiosk test PDF printer"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: False
*DefaultColorSpace: Gray
*FileSystem: False
*Throughput: "1"
*cupsFilter2: "application/pdf application/vnd.cups-pdf 0 {filter}"
*OpenUI *PageSize/Media Size: PickOne
*DefaultPageSize: A4
*PageSize A4/A4: "<</PageSize[595 842]>>setpagedevice"
*CloseUI: *PageSize
*DefaultImageableArea: A4
*ImageableArea A4/A4: "0 0 595 842"
*DefaultPaperDimension: A4
*PaperDimension A4/A4: "595 842"
"""


def binary(name: str) -> str | None:
    return shutil.which(name, path=_SEARCH)


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if binary(name) is None]


# Skipped only on a developer's machine without CUPS; CI installs it (scripts/install.sh) and
# fails there if it is missing.
needs_cups = pytest.mark.skipif(
    bool(missing_binaries()) and not os.environ.get("CI"),
    reason=f"CUPS is not installed ({', '.join(missing_binaries())} missing)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Cups:
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    queues: dict[str, Path] = field(default_factory=dict)

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """What a client needs to talk to this scheduler and to no other."""
        env = dict(os.environ)
        env.update(CUPS_SERVER=self.server, HOME=str(self.root / "home"), LC_ALL="C")
        for name in ("LPDEST", "PRINTER"):
            env.pop(name, None)
        return env

    def admin(self, *argv: str) -> None:
        tool = binary(argv[0])
        assert tool is not None, f"{argv[0]} is not installed"
        done = subprocess.run(
            [tool, *argv[1:]], env=self.env(), capture_output=True, text=True, timeout=30
        )
        assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr.strip()}"

    def add_queue(self, name: str, *, default: bool = False) -> Path:
        """A printer queue whose "paper" is a file; returns that file's path."""
        out = self.root / "out" / f"{name}.pdf"
        self.admin(
            "lpadmin", "-p", name, "-E", "-v", f"file://{out}", "-P", str(self.root / "kiosk.ppd")
        )
        if default:
            self.admin("lpadmin", "-d", name)
        self.queues[name] = out
        return out

    def printed(self, name: str, timeout: float = 10.0) -> bytes:
        """What the queue's device received, once the job is complete."""
        out = self.queues[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if out.exists() and out.stat().st_size > 0 and self._idle(name):
                return out.read_bytes()
            time.sleep(0.1)
        raise AssertionError(f"nothing printed on {name}; log: {self.log_tail()}")

    def _idle(self, name: str) -> bool:
        lpstat = binary("lpstat")
        assert lpstat is not None
        done = subprocess.run(
            [lpstat, "-o", name], env=self.env(), capture_output=True, text=True, timeout=30
        )
        return done.stdout.strip() == ""  # no job left to do

    def log_tail(self, lines: int = 20) -> str:
        log = self.root / "log" / "error_log"
        if not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start_cups(timeout: float = 20.0) -> Cups:
    cupsd = binary("cupsd")
    assert cupsd is not None, "cupsd is not installed (Debian: cups-daemon)"
    # Not under pytest's tmp_path: a root-run cupsd runs its filter as the "lp" user, which
    # must be able to reach the folder (pytest's base folder is private to its owner).
    root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    root.chmod(0o755)
    for sub in ("spool", "spool/tmp", "cache", "state", "log", "ppd", "ssl", "home", "out"):
        (root / sub).mkdir(mode=0o755)
    # CUPS checks a filter's permissions: its owner's, not writable by others.
    passthrough = root / "passthrough"
    passthrough.write_text(PASSTHROUGH)
    passthrough.chmod(0o755)
    (root / "kiosk.ppd").write_text(PPD.replace("{filter}", str(passthrough)))
    port = free_port()
    (root / "cupsd.conf").write_text(
        f"Listen 127.0.0.1:{port}\n"
        "LogLevel info\n"
        "DefaultAuthType None\n"
        "Browsing No\n"
        "WebInterface No\n"
        "<Location />\n  Order allow,deny\n  Allow from 127.0.0.1\n</Location>\n"
        "<Location /admin>\n  Order allow,deny\n  Allow from 127.0.0.1\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    files = [
        "FileDevice Yes",
        f"ServerRoot {root}",
        f"RequestRoot {root / 'spool'}",
        f"TempDir {root / 'spool' / 'tmp'}",
        f"CacheDir {root / 'cache'}",
        f"StateDir {root / 'state'}",
        f"AccessLog {root / 'log' / 'access_log'}",
        f"ErrorLog {root / 'log' / 'error_log'}",
        f"PageLog {root / 'log' / 'page_log'}",
        f"Printcap {root / 'printcap'}",
        "ServerBin /usr/lib/cups",
        "DataDir /usr/share/cups",
    ]
    if os.geteuid() == 0:
        # As root, cupsd runs filters as an unprivileged user and refuses "User root".
        files += ["User lp", "Group lp", "SystemGroup root"]
    else:
        files.append(f"SystemGroup {grp.getgrgid(os.getgid()).gr_name}")
        files.append(f"User {pwd.getpwuid(os.getuid()).pw_name}")
    (root / "cups-files.conf").write_text("\n".join(files) + "\n")
    with (root / "log" / "cupsd.stderr").open("wb") as stderr_file:
        process = subprocess.Popen(
            [cupsd, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr_file,
        )
    cups = Cups(root, port, process)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            stderr = (root / "log" / "cupsd.stderr").read_text(errors="replace")
            log = cups.log_tail()
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"cupsd stopped at start: {stderr.strip()} {log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        if time.monotonic() > deadline:
            cups.stop()
            raise RuntimeError("cupsd did not start listening in time")
        time.sleep(0.05)
    return cups


class SilentServer:
    """A print server that takes the connection and never answers: for timeouts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port: int = self.sock.getsockname()[1]

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self.sock.close()
