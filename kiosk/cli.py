"""The ``kiosk`` command: ``run``, ``assistant``, ``technician``, ``simulate``, ``measure``,
``selftest``, ``devices``, ``support-bundle``, ``sessions``, ``export``, ``outbox``, ``portal``,
``doctor``, ``cabin``, ``--version``.

Errors are one plain line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

from kiosk import __version__
from kiosk.clock import SystemClock
from kiosk.config import Config, load_config
from kiosk.errors import (
    AssistantExists,
    AssistantNotFound,
    AuthError,
    KioskError,
    TechnicianExists,
    TechnicianNotFound,
)
from kiosk.logs import install_file_log
from kiosk.services.auth import check_pin_format, hash_pin
from kiosk.storage import Repository, open_database
from kiosk.storage.database import DATABASE_ERRORS, load_key
from kiosk.storage.repository import AssistantRow

logger = logging.getLogger(__name__)

DEMO_ASSISTANT = "Démo"
DEMO_PIN = "1234"
FRONTEND_GROUP = "kiosk.frontends"

# Exit statuses
EXIT_ERROR = 1
EXIT_USAGE = 2


class Frontend(Protocol):
    def __call__(self, config: Config) -> int: ...


class CliError(Exception):
    """A plain-words failure of a command."""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Assisted-teleconsultation cabin kiosk.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("--config", type=Path, help="TOML settings file (default: $KIOSK_CONFIG)")
    parser.add_argument("--data-dir", type=Path, help="folder of the database (default: ./data)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="start the touchscreen kiosk")
    run.add_argument("--fullscreen", action="store_true", help="fill the screen (cabin mode)")
    run.add_argument("--language", choices=["fr", "en"], help="language of the screens")
    run.add_argument(
        "--demo",
        action="store_true",
        help=f"create the assistant '{DEMO_ASSISTANT}' (PIN {DEMO_PIN}) if there is none: for trying it out",
    )
    run.add_argument(
        "--simulate",
        action="store_true",
        help="simulated devices (simulators on pseudo-terminals, drawn camera pictures)",
    )

    simulate = commands.add_parser(
        "simulate", help="run device simulators on pseudo-terminals (or TCP) until interrupted"
    )
    simulate.add_argument(
        "device", nargs="?", default="all", choices=["bp", "thermometer", "oximeter", "all"]
    )
    simulate.add_argument(
        "--scenario", default="normal", help="normal, motion, loose_cuff, fever, finger_out, ..."
    )
    simulate.add_argument("--tcp", action="store_true", help="serve on 127.0.0.1 (socket:// URLs)")
    simulate.add_argument(
        "--format", type=int, default=7, choices=[2, 7, 8], help="oximeter format"
    )
    simulate.add_argument("--speed", type=float, default=1.0, help="time compression (tests)")

    measure = commands.add_parser("measure", help="take one reading with a real driver")
    measure.add_argument("kind", choices=["bp", "temperature", "spo2"])
    measure.add_argument("--port", required=True, help="tty path, socket://host:port, spy://...")
    measure.add_argument("--format", type=int, default=7, choices=[2, 7, 8], help="oximeter format")
    measure.add_argument("--json", action="store_true", help="print one JSON object")
    measure.add_argument("--timeout", type=float, default=150.0, help="seconds (default 150)")

    selftest = commands.add_parser(
        "selftest", help="identify and self-test every configured device (exit 1 if one fails)"
    )
    selftest.add_argument("--json", action="store_true", help="one JSON object per device")
    selftest.add_argument("--simulate", action="store_true", help="test the simulated devices")
    selftest.add_argument(
        "devices",
        nargs="*",
        metavar="DEVICE",
        help="only these: bp, thermometer, oximeter, otoscope, room_camera, microphone (default: all)",
    )

    commands.add_parser("devices", help="list serial ports and cameras on this machine")

    assistant = commands.add_parser("assistant", help="manage tele-assistants")
    actions = assistant.add_subparsers(dest="action", metavar="ACTION")
    add = actions.add_parser("add", help="add an assistant (asks for the PIN twice)")
    add.add_argument("name")
    actions.add_parser("list", help="list assistants")
    disable = actions.add_parser("disable", help="stop an assistant from signing in")
    disable.add_argument("name")
    enable = actions.add_parser("enable", help="let a disabled assistant sign in again")
    enable.add_argument("name")
    set_pin = actions.add_parser("set-pin", help="give an assistant a new PIN (asked twice)")
    set_pin.add_argument("name")

    technician = commands.add_parser("technician", help="manage technicians (device panel PIN)")
    tech_actions = technician.add_subparsers(dest="action", metavar="ACTION")
    tech_add = tech_actions.add_parser("add", help="add a technician (asks for the PIN twice)")
    tech_add.add_argument("name")
    tech_actions.add_parser("list", help="list technicians")
    tech_disable = tech_actions.add_parser("disable", help="stop a technician from signing in")
    tech_disable.add_argument("name")
    tech_enable = tech_actions.add_parser("enable", help="let a disabled technician sign in again")
    tech_enable.add_argument("name")
    tech_pin = tech_actions.add_parser("set-pin", help="give a technician a new PIN (asked twice)")
    tech_pin.add_argument("name")

    bundle = commands.add_parser(
        "support-bundle",
        help="write a zip for support: versions, settings without secrets, logs, device history",
    )
    bundle.add_argument("file", type=Path, help="the zip to write")

    sessions = commands.add_parser(
        "sessions", help="list the sessions kept on this cabin (patients by initials only)"
    )
    sessions.add_argument("--json", action="store_true", help="print one JSON array")

    export = commands.add_parser(
        "export", help="write a session's record: FHIR R4 bundle and/or the patient's PDF"
    )
    export.add_argument("session_id", metavar="SESSION_ID", help="as 'kiosk sessions' lists it")
    export.add_argument("--fhir", type=Path, metavar="FILE", help="the FHIR document (JSON)")
    export.add_argument("--pdf", type=Path, metavar="FILE", help="the patient's PDF")

    outbox = commands.add_parser(
        "outbox", help="the consultation records: waiting, sent, refused; retry a refused one"
    )
    outbox.add_argument("--json", action="store_true", help="print one JSON object")
    retry = outbox.add_mutually_exclusive_group()
    retry.add_argument(
        "--retry",
        metavar="ID",
        help="send this record again soon (record or session id); a sent record never is",
    )
    retry.add_argument(
        "--retry-failed", action="store_true", help="send every refused record again soon"
    )

    portal = commands.add_parser(
        "portal", help="run the doctor portal (signaling server and console) until interrupted"
    )
    portal.add_argument("--host", help="address to listen on (default: portal.host, 127.0.0.1)")
    portal.add_argument("--port", type=int, help="port (default: portal.port, 8765; 0: any free)")
    portal.add_argument("--tls-cert", metavar="FILE", help="PEM certificate: serve https and wss")
    portal.add_argument("--tls-key", metavar="FILE", help="PEM private key of the certificate")

    doctor = commands.add_parser("doctor", help="manage the doctors who sign in to the portal")
    doctor_actions = doctor.add_subparsers(dest="action", metavar="ACTION")
    doctor_add = doctor_actions.add_parser("add", help="add a doctor (asks for the password twice)")
    doctor_add.add_argument("name", help="sign-in name: letters, digits, '.', '-', '_'")
    doctor_add.add_argument("--display-name", metavar="TEXT", help="as cabins show it: Dr Martin")
    doctor_add.add_argument(
        "--territory",
        metavar="CODE",
        nargs="+",
        action="extend",
        default=[],
        help="territories whose cabins the doctor sees (département codes: 29 56 ...)",
    )
    doctor_add.add_argument(
        "--all-territories", action="store_true", help="sees every cabin (--territory: first)"
    )
    doctor_add.add_argument("--rpps", metavar="NUMBER", help="the doctor's 11-digit RPPS number")
    doctor_add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from one line of standard input (scripts)",
    )
    doctor_actions.add_parser("list", help="list doctors")
    doctor_disable = doctor_actions.add_parser(
        "disable", help="stop a doctor from signing in (ends their sessions)"
    )
    doctor_disable.add_argument("name")

    cabin = commands.add_parser("cabin", help="manage the cabins that call the portal")
    cabin_actions = cabin.add_subparsers(dest="action", metavar="ACTION")
    cabin_add = cabin_actions.add_parser("add", help="add a cabin and print its secret once")
    cabin_add.add_argument("name", help="letters, digits, '.', '-', '_'")
    cabin_add.add_argument("--territory", metavar="CODE", required=True, help="e.g. 29")
    cabin_actions.add_parser("list", help="list cabins")
    cabin_revoke = cabin_actions.add_parser("revoke", help="refuse the cabin's secret from now on")
    cabin_revoke.add_argument("name")
    return parser


def _config(args: argparse.Namespace) -> Config:
    overrides: dict[str, Any] = {}
    if args.data_dir is not None:
        overrides["data_dir"] = str(args.data_dir)
    if getattr(args, "fullscreen", False):
        overrides.setdefault("ui", {})["fullscreen"] = True
    if getattr(args, "language", None):
        overrides.setdefault("ui", {})["language"] = args.language
    if getattr(args, "simulate", False) and args.command in ("run", "selftest"):
        overrides.setdefault("devices", {})["simulate"] = True
    return load_config(args.config, overrides=overrides)


def _repository(config: Config) -> tuple[Repository, Any]:
    clock = SystemClock()
    opened = open_database(config.database_path, clock, key=load_key(config))
    if opened.set_aside is not None:
        print(
            f"kiosk: the database could not be read; it was kept aside as {opened.set_aside} "
            "and a new, empty one was started",
            file=sys.stderr,
        )
    return Repository(opened.db, clock), opened


def _read_pin_twice() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("PIN (4 to 8 digits): ")
        second = getpass.getpass("PIN again: ")
    else:  # scripted: two lines on standard input
        first = sys.stdin.readline().strip()
        second = sys.stdin.readline().strip()
    if first != second:
        raise CliError("the two PINs differ; nothing was saved")
    check_pin_format(first)
    return first


def _valid_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 60 or not all(ch.isalpha() or ch in " -'’." for ch in name):
        raise CliError("a name is 1 to 60 letters (spaces, hyphens and apostrophes allowed)")
    return name


def ensure_demo_assistant(repo: Repository) -> None:
    if repo.assistant_by_name(DEMO_ASSISTANT) is None:
        repo.add_assistant(DEMO_ASSISTANT, hash_pin(DEMO_PIN))


@dataclass(frozen=True)
class _Role:
    """Who ``kiosk assistant ...`` and ``kiosk technician ...`` manage: same PIN rules, own table."""

    word: str  # "assistant", "technician"
    article: str  # "an", "a"
    exists: type[AuthError]
    not_found: type[AuthError]
    by_name: Callable[[Repository, str], AssistantRow | None]
    add: Callable[[Repository, str, str], int]
    rows: Callable[[Repository], list[AssistantRow]]
    set_disabled: Callable[[Repository, int, bool], None]
    set_pin: Callable[[Repository, int, str], None]


_ROLES = {
    "assistant": _Role(
        "assistant",
        "an",
        AssistantExists,
        AssistantNotFound,
        Repository.assistant_by_name,
        Repository.add_assistant,
        Repository.assistants,
        Repository.set_assistant_disabled,
        Repository.set_assistant_pin,
    ),
    "technician": _Role(
        "technician",
        "a",
        TechnicianExists,
        TechnicianNotFound,
        Repository.technician_by_name,
        Repository.add_technician,
        Repository.technicians,
        Repository.set_technician_disabled,
        Repository.set_technician_pin,
    ),
}


def _people_command(args: argparse.Namespace, config: Config, role: _Role) -> int:
    if args.action is None:
        raise CliError(f"say what to do: kiosk {role.word} add|list|disable|enable|set-pin")
    repo, opened = _repository(config)
    try:
        if args.action == "add":
            name = _valid_name(args.name)
            if role.by_name(repo, name) is not None:
                raise role.exists(f"{role.article} {role.word} named '{name}' already exists")
            pin = _read_pin_twice()
            role.add(repo, name, hash_pin(pin))
            print(f"{role.word} '{name}' added")
        elif args.action == "list":
            for row in role.rows(repo):
                print(f"{row.name}\t{'disabled' if row.disabled else 'active'}")
        else:
            found = role.by_name(repo, args.name)
            if found is None:
                raise role.not_found(f"no {role.word} named '{args.name}'")
            if args.action == "set-pin":
                role.set_pin(repo, found.id, hash_pin(_read_pin_twice()))
                print(f"{role.word} '{found.name}': new PIN set")
            else:
                role.set_disabled(repo, found.id, args.action == "disable")
                print(f"{role.word} '{found.name}' {args.action}d")
    finally:
        opened.close()
    return 0


def _support_bundle_command(args: argparse.Namespace, config: Config) -> int:
    from kiosk.services.support import write_support_bundle

    repo, opened = _repository(config)
    try:
        path = write_support_bundle(args.file, config, repo)
        repo.audit("cli", "support_bundle_written", detail={"path": str(path)})
    finally:
        opened.close()
    print(f"support bundle written: {path}")
    return 0


def _sessions_command(args: argparse.Namespace, config: Config) -> int:
    from kiosk.records.record import session_summaries

    repo, opened = _repository(config)
    try:
        summaries = session_summaries(repo)
    finally:
        opened.close()
    if args.json:
        print(json.dumps([s.to_dict() for s in summaries], ensure_ascii=False))
        return 0
    for s in summaries:
        report = "report" if s.has_report else "no report"
        print(
            f"{s.id}\t{s.started_at}\t{s.state}\t{s.status}\t{s.outcome}\t{s.initials or '-'}"
            f"\t{report}"
        )
    return 0


def _outbox_command(args: argparse.Namespace, config: Config) -> int:
    from kiosk.records.outbox import outbox_view

    repo, opened = _repository(config)
    try:
        retried: list[str] = []
        if args.retry is not None:
            row = repo.outbox_retry(args.retry, "cli")
            if row is None:
                found = repo.outbox_item(args.retry)
                if found is None:
                    raise CliError(f"no record '{args.retry}' in the outbox")
                raise CliError(f"the record {found.record_id} is {found.state}: nothing to retry")
            retried.append(row.record_id)
        elif args.retry_failed:
            for waiting in repo.outbox_items(limit=100_000):
                if waiting.state == "failed" and repo.outbox_retry(waiting.record_id, "cli"):
                    retried.append(waiting.record_id)
        view = outbox_view(repo, config, repo.clock.now(), limit=100_000)
    finally:
        opened.close()
    if args.json:
        print(json.dumps({**view.to_dict(), "retried": retried}, ensure_ascii=False))
        return 0
    for record_id in retried:
        print(f"record {record_id} queued again: the kiosk sends it at its next pass")
    print(
        f"pending {view.pending}, sending {view.sending}, sent {view.sent}, failed {view.failed}"
        f"; destination: {view.destination or 'none configured (records.endpoint)'}"
    )
    if view.retention_blocked:
        print(
            f"warning: {view.retention_blocked} undelivered record(s) older than "
            f"{config.records.retention_days:g} days: their patient data stays on the cabin"
        )
    for item in view.items:
        when = item.sent_at if item.state == "sent" else item.next_attempt_at
        print(
            f"{item.record_id}\t{item.session_id}\t{item.state}\t{item.attempts}\t{when or '-'}"
            f"\t{item.last_error or '-'}"
        )
    return 0


def _write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner reads (it holds patient data), whole or not at all."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _export_command(args: argparse.Namespace, config: Config) -> int:
    if args.fhir is None and args.pdf is None:
        raise CliError("say what to write: --fhir FILE, --pdf FILE, or both")
    if args.fhir is not None and args.pdf is not None and args.fhir.resolve() == args.pdf.resolve():
        raise CliError("the FHIR file and the PDF must be two different files")
    # Loaded only here: pydantic (FHIR models) and reportlab take a moment to import.
    from kiosk.records.pdf import patient_pdf
    from kiosk.records.record import RecordNotFound, assemble_record

    repo, opened = _repository(config)
    try:
        try:
            record = assemble_record(repo, args.session_id, config.call.cabin)
        except RecordNotFound:
            raise CliError(
                f"no session '{args.session_id}' on this cabin ('kiosk sessions' lists them)"
            ) from None
        emergency = config.session.emergency_number
        pdf = patient_pdf(record, emergency_number=emergency)
        if args.fhir is not None:
            from kiosk.records.fhir import bundle_json

            document = bundle_json(record, pdf, emergency_number=emergency)
            _write_private(args.fhir, document.encode("utf-8"))
            print(f"FHIR document written: {args.fhir}")
        if args.pdf is not None:
            _write_private(args.pdf, pdf)
            print(f"patient PDF written: {args.pdf}")
        repo.audit(
            "cli",
            "record_exported",
            args.session_id,
            {
                "record": record.record_id,
                "fhir": args.fhir is not None,
                "pdf": args.pdf is not None,
            },
        )
    finally:
        opened.close()
    return 0


def _run_command(args: argparse.Namespace, config: Config) -> int:
    install_file_log(config.data_dir)  # read back by the support bundle
    portal = None
    if args.demo:
        repo, opened = _repository(config)
        try:
            ensure_demo_assistant(repo)
        finally:
            opened.close()
        if not config.call.portal_url:
            portal, config = _start_demo_portal(config)
    frontend = _load_frontend()
    try:
        return frontend(config)
    finally:
        if portal is not None:
            portal.stop()


def _start_demo_portal(config: Config) -> tuple[Any, Config]:
    """A doctor portal beside the demonstration kiosk, on 127.0.0.1, with a demo doctor and cabin.

    Media then stays on this machine: a browser opened here plays the doctor.
    """
    import dataclasses

    from kiosk.portal.background import PortalThread
    from kiosk.portal.store import PortalStore
    from kiosk.portal_commands import ensure_demo_accounts

    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = PortalStore(config.portal_database_path, SystemClock())
    try:
        doctor, password, cabin, secret = ensure_demo_accounts(store)
    finally:
        store.close()
    portal = PortalThread(config)  # opens the portal's database itself, and closes it
    try:
        portal.start()
    except OSError as exc:
        raise CliError(
            f"the demonstration's doctor portal cannot listen on {config.portal.host}:"
            f"{config.portal.port} ({exc.strerror or exc}); free the port or set "
            "KIOSK_PORTAL__PORT"
        ) from exc
    call = dataclasses.replace(
        config.call, portal_url=portal.url, cabin=cabin, cabin_secret=secret, loopback_only=True
    )
    print(f"Doctor console: {portal.url}/  (sign in as {doctor!r}, password {password!r})")
    return portal, dataclasses.replace(config, call=call)


def _load_frontend() -> Frontend:
    # The touchscreen is found through an entry point: the core never imports the UI (ui -> kiosk).
    for entry in metadata.entry_points(group=FRONTEND_GROUP):
        if entry.name == "qt":
            try:
                loaded: Frontend = entry.load()
            except ImportError as exc:
                raise CliError(
                    f"the touchscreen cannot start: {exc.name or 'PySide6'} is not installed "
                    "(install cabin-kiosk[gui])"
                ) from exc
            return loaded
    raise CliError("the touchscreen is not installed (install cabin-kiosk[gui])")


def main(argv: Sequence[str] | None = None) -> int:
    # OpenCV prints a warning per failed camera probe unless told otherwise (before cv2 loads).
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.command in ("run", "portal") else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        config = _config(args)
        if args.command == "assistant":
            return _people_command(args, config, _ROLES["assistant"])
        if args.command == "technician":
            return _people_command(args, config, _ROLES["technician"])
        if args.command == "support-bundle":
            return _support_bundle_command(args, config)
        if args.command == "sessions":
            return _sessions_command(args, config)
        if args.command == "export":
            return _export_command(args, config)
        if args.command == "outbox":
            return _outbox_command(args, config)
        if args.command in ("simulate", "measure", "selftest", "devices"):
            from kiosk import device_commands  # the drivers load only when a device command runs

            return device_commands.COMMANDS[args.command](args, config)
        if args.command in ("portal", "doctor", "cabin"):
            from kiosk import portal_commands  # aiohttp loads only when the portal runs

            return portal_commands.COMMANDS[args.command](args, config)
        return _run_command(args, config)
    except (KioskError, CliError) as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (KeyboardInterrupt, EOFError):  # Ctrl-C, or Ctrl-D at a PIN prompt
        print("kiosk: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"kiosk: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except DATABASE_ERRORS as exc:  # e.g. locked by another writer, disk full, read-only
        print(f"kiosk: the database failed: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
