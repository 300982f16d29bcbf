"""``kiosk portal | doctor | cabin``: the doctor portal and its accounts from the command line.

The accounts live in the portal's own database (``data_dir/portal.db``), which the running portal
reads at each sign-in and each cabin ``hello``: adding, disabling or revoking works while it runs.
Errors are one plain line on stderr (``kiosk.cli.main`` prints them), never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import signal
import sys
from typing import Any

from kiosk.cli import CliError
from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.portal.passwords import check_password_format, hash_password
from kiosk.portal.store import ALL_TERRITORIES, AccountExists, PortalStore

DEMO_DOCTOR = "demo"
DEMO_DOCTOR_DISPLAY = "Dr Démo"
DEMO_DOCTOR_PASSWORD = "demo-password"
DEMO_CABIN = "cabine-demo"
DEMO_CABIN_TERRITORY = "75"


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _store(config: Config) -> PortalStore:
    return PortalStore(config.portal_database_path, SystemClock())


# -- kiosk portal --------------------------------------------------------------------------------
def portal(args: argparse.Namespace, config: Config) -> int:
    from kiosk.portal.server import tls_context  # aiohttp loads only for this command

    changes: dict[str, Any] = {}
    if args.host:
        changes["host"] = args.host
    if args.port is not None:
        if not 0 <= args.port <= 65535:
            raise CliError("a port is between 0 and 65535")
        changes["port"] = args.port
    if args.tls_cert:
        changes["tls_cert"] = args.tls_cert
    if args.tls_key:
        changes["tls_key"] = args.tls_key
    config = dataclasses.replace(config, portal=dataclasses.replace(config.portal, **changes))
    tls_context(config.portal)  # a wrong certificate is one line now, not a failure later
    return asyncio.run(_serve(config))


async def _serve(config: Config) -> int:
    from kiosk.portal.server import start_portal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    handle = await start_portal(config)
    try:
        _say(handle.url)
        await stop.wait()
    finally:
        await handle.close()
    return 0


# -- kiosk doctor --------------------------------------------------------------------------------
def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise CliError("no terminal to ask for the password: use --password-stdin")
        password = getpass.getpass("Password (at least 10 characters): ")
        again = getpass.getpass("Password again: ")
        if password != again:
            raise CliError("the two passwords differ; nothing was saved")
    try:
        check_password_format(password)
    except ValueError as exc:
        raise CliError(f"{exc}; nothing was saved") from exc
    return password


def doctor(args: argparse.Namespace, config: Config) -> int:
    if args.action is None:
        raise CliError("say what to do: kiosk doctor add|list|disable")
    store = _store(config)
    try:
        if args.action == "add":
            if args.all_territories:
                territories = [ALL_TERRITORIES, *args.territory]
            elif args.territory:
                territories = list(args.territory)
            else:
                raise CliError(
                    "say which cabins the doctor sees: --territory CODE or --all-territories"
                )
            if store.doctor(args.name) is not None:  # before the password is typed for nothing
                raise AccountExists(f"a doctor named '{args.name}' already exists")
            password = _read_password(args.password_stdin)
            row = store.add_doctor(
                args.name,
                args.display_name or args.name,
                hash_password(password),
                territories,
                args.rpps,
            )
            _say(f"doctor '{row.name}' added ({_territories(row.territories)})")
        elif args.action == "list":
            for row in store.doctors():
                if row.disabled:
                    status = "disabled"
                elif store.lock_remaining(row) > 0:
                    status = "locked"
                else:
                    status = "active"
                _say(
                    f"{row.name}\t{row.display_name}\t{_territories(row.territories)}\t"
                    f"{row.rpps or '-'}\t{status}"
                )
        elif args.action == "disable":
            row = store.set_doctor_disabled(args.name, True)
            _say(f"doctor '{row.name}' disabled")
    finally:
        store.close()
    return 0


def _territories(codes: tuple[str, ...]) -> str:
    if codes == (ALL_TERRITORIES,):
        return "all territories"
    if ALL_TERRITORIES in codes:
        return "all territories, " + ",".join(c for c in codes if c != ALL_TERRITORIES) + " first"
    return ",".join(codes)


# -- kiosk cabin ---------------------------------------------------------------------------------
def cabin(args: argparse.Namespace, config: Config) -> int:
    if args.action is None:
        raise CliError("say what to do: kiosk cabin add|list|revoke")
    store = _store(config)
    try:
        if args.action == "add":
            row, secret = store.add_cabin(args.name, args.territory)
            _say(f"cabin '{row.name}' added (territory {row.territory})")
            _say(f'cabin_secret = "{secret}"')
            _say(
                "Put this line into the cabin's /etc/kiosk/kiosk.toml, in the [call] table "
                f'(with cabin = "{row.name}"). The secret is not shown again.'
            )
        elif args.action == "list":
            for row in store.cabins():
                _say(f"{row.name}\t{row.territory}\t{'revoked' if row.revoked else 'active'}")
        elif args.action == "revoke":
            row = store.revoke_cabin(args.name)
            _say(f"cabin '{row.name}' revoked")
    finally:
        store.close()
    return 0


# -- demo mode -----------------------------------------------------------------------------------
def ensure_demo_accounts(store: PortalStore) -> tuple[str, str, str, str]:
    """The demonstration's doctor and cabin, created if absent.

    Returns (doctor name, doctor password, cabin name, cabin secret). The cabin's secret is new
    at each call (the stored hash is replaced), so the demo kiosk always has one that works.
    """
    if store.doctor(DEMO_DOCTOR) is None:
        store.add_doctor(
            DEMO_DOCTOR,
            DEMO_DOCTOR_DISPLAY,
            hash_password(DEMO_DOCTOR_PASSWORD),
            [ALL_TERRITORIES],
            actor="demo",
        )
    if store.cabin(DEMO_CABIN) is None:
        _, secret = store.add_cabin(DEMO_CABIN, DEMO_CABIN_TERRITORY, actor="demo")
    else:
        secret = store.rotate_cabin_secret(DEMO_CABIN, actor="demo")
    return DEMO_DOCTOR, DEMO_DOCTOR_PASSWORD, DEMO_CABIN, secret


COMMANDS = {"portal": portal, "doctor": doctor, "cabin": cabin}

__all__ = ["COMMANDS", "ensure_demo_accounts"]
