"""``kiosk simulate | measure | selftest | devices``: the devices from the command line
(technicians, scripts, tests). Output is one JSON object per line where a program reads it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Callable

from devices.errors import DeviceError
from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.services.devices import (
    CAMERAS,
    DEVICE_NAMES,
    FAMILIES,
    MEASUREMENTS,
    MICROPHONE,
    CheckOutcome,
    describe_error,
    list_cameras,
    list_serial_ports,
    reading_to_json,
    run_self_tests,
    start_simulator,
    take_measurement,
)
from kiosk.storage import Repository, open_database
from kiosk.storage.database import load_key


def simulate(args: argparse.Namespace, config: Config) -> int:
    families = FAMILIES if args.device == "all" else (args.device,)
    try:
        return asyncio.run(_simulate(families, args.scenario, args.tcp, args.format, args.speed))
    except ValueError as exc:  # an unknown scenario names the valid ones
        print(f"kiosk: {exc}", file=sys.stderr)
        return 2


async def _simulate(
    families: tuple[str, ...], scenario: str, tcp: bool, data_format: int, speed: float
) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    served = []
    try:
        for family in families:
            simulator = await start_simulator(family, scenario, tcp, data_format, speed)
            served.append(simulator)
            print(json.dumps({"device": family, "port": simulator.url}), flush=True)
        await stop.wait()
    finally:
        for simulator in served:
            with contextlib.suppress(Exception):
                await simulator.stop()
    return 0


def measure(args: argparse.Namespace, config: Config) -> int:
    family = MEASUREMENTS[args.kind]
    try:
        reading = asyncio.run(take_measurement(family, args.port, args.format, args.timeout))
    except DeviceError as exc:
        print(f"kiosk: {describe_error(exc)}", file=sys.stderr)
        return 1
    data = reading_to_json(reading)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        shown = {k: v for k, v in data.items() if k not in ("device", "kind", "taken_at")}
        print(" ".join(f"{k}={v}" for k, v in shown.items()))
    return 0


def selftest(args: argparse.Namespace, config: Config) -> int:
    unknown = [name for name in args.devices if name not in (*FAMILIES, *CAMERAS, MICROPHONE)]
    if unknown:
        print(
            f"kiosk: unknown device {unknown[0]!r} (bp, thermometer, oximeter, otoscope, "
            "room_camera, microphone)",
            file=sys.stderr,
        )
        return 2

    def started(name: str) -> None:
        if not args.json:
            print(f"{DEVICE_NAMES.get(name, name)}: testing...", flush=True)

    outcomes = asyncio.run(
        run_self_tests(config.devices, started, args.devices or None, config.microphone)
    )
    if not config.devices.simulate:  # simulated verdicts say nothing of the cabin's devices
        _store_outcomes(config, outcomes)
    for outcome in outcomes:
        if args.json:
            print(json.dumps(outcome.to_json(), ensure_ascii=False, default=str), flush=True)
        else:
            verdict = "PASS" if outcome.ok else "FAIL"
            model = f" [{outcome.identity.model}]" if outcome.identity else ""
            print(
                f"{DEVICE_NAMES.get(outcome.family, outcome.family)}{model}: {verdict}: "
                f"{outcome.summary}",
                flush=True,
            )
    if not outcomes:
        print("kiosk: no device is configured", file=sys.stderr)
        return 1
    return 0 if all(outcome.ok for outcome in outcomes) else 1


def _store_outcomes(config: Config, outcomes: list[CheckOutcome]) -> None:
    """Keep the verdicts: the technician's panel shows them, and a failure marks the device out
    of service until it passes again."""
    from kiosk.services.technician import record_outcome

    clock = SystemClock()
    opened = open_database(config.database_path, clock, key=load_key(config))
    try:
        repo = Repository(opened.db, clock)
        for outcome in outcomes:
            record_outcome(repo, outcome, "cli")
    finally:
        opened.close()


def devices(args: argparse.Namespace, config: Config) -> int:
    ports = list_serial_ports()
    cameras = list_cameras()
    print("Serial ports:")
    for port in ports:
        print(
            f"  {port['port']}  usb={port['usb'] or '-'}  serial={port['serial_number'] or '-'}"
            f"  {port['description'] or ''}  {port['by_id'] or ''}".rstrip()
        )
    if not ports:
        print("  (none)")
    print("Cameras:")
    for camera in cameras:
        print(f"  {camera['device']}  {camera['by_id'] or ''}".rstrip())
    if not cameras:
        print("  (none)")
    print("Configured:")
    for name in (*FAMILIES, "otoscope", "room_camera"):
        value = getattr(config.devices, name)
        print(f"  {name}: {value or '(not installed)'}")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Config], int]] = {
    "simulate": simulate,
    "measure": measure,
    "selftest": selftest,
    "devices": devices,
}
