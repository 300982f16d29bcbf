"""CPU of the kiosk while the oximeter streams (goal: under 10 % of one core).

The oximeter simulator runs in its own process (``kiosk simulate oximeter``) at real speed, so
only the kiosk is measured: its window (offscreen), its core thread, the driver reading the pty,
the live SpO2 screen with the pleth waveform. The scenario keeps the reading from ever being
stable (``motion``) so the stream runs for the whole measurement window.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.oximeter_cpu [--seconds 20] [--format 7]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from bench.common import IDENTITY, PIN, add_bench_assistant
from kiosk.config import Config, DevicesConfig
from kiosk.flow.triage import RED_FLAGS
from kiosk.services.measurements import LiveUpdate
from ui.app import KioskApp


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--format", type=int, default=7, choices=[2, 7, 8])
    parser.add_argument("--scenario", default="motion")
    args = parser.parse_args()
    simulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "simulate",
            "oximeter",
            "--format",
            str(args.format),
            "--scenario",
            args.scenario,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert simulator.stdout is not None
    port = json.loads(simulator.stdout.readline())["port"]
    app = QApplication(sys.argv[:1])
    counts = {"pleth": 0, "oximetry": 0}
    window: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as data:
            assistant = add_bench_assistant(Path(data))
            devices = DevicesConfig(
                bp="",
                thermometer="",
                oximeter=port,
                oximeter_format=args.format,
                otoscope="",
                room_camera="",
            )
            kiosk = KioskApp(Config(data_dir=Path(data), devices=devices), app)
            kiosk.window.show()

            def on_live(update: LiveUpdate) -> None:
                if update.kind in counts:
                    counts[update.kind] += 1
                if update.kind in ("pleth", "oximetry") and "start" not in window:
                    # Streaming has begun: measure from here.
                    window["start"] = time.monotonic()
                    window["cpu"] = cpu_seconds()
                    QTimer.singleShot(int(args.seconds * 1000), app.quit)

            kiosk.bridge.live.connect(on_live)
            for command in (
                lambda s: s.sign_in(assistant, PIN),
                lambda s: s.start_session(),
                lambda s: s.submit_identity(IDENTITY),
                lambda s: s.record_consent(True),
                lambda s: s.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False)),
            ):
                kiosk.bridge.command(command)

            def start_when_ready() -> None:
                snap = kiosk.bridge.last
                if (
                    snap
                    and snap.measure
                    and any(
                        d.family == "oximeter" and d.status == "ready" for d in snap.measure.devices
                    )
                ):
                    kiosk.bridge.measure(lambda m: m.start("spo2"))
                else:
                    QTimer.singleShot(100, start_when_ready)

            start_when_ready()
            QTimer.singleShot(int((args.seconds + 30) * 1000), app.quit)  # never hang
            app.exec()
            elapsed = time.monotonic() - window.get("start", time.monotonic())
            used = cpu_seconds() - window.get("cpu", cpu_seconds())
            screen = (
                kiosk.window.stack.currentWidget().objectName()
                or type(kiosk.window.stack.currentWidget()).__name__
            )
            kiosk.close()
    finally:
        simulator.send_signal(signal.SIGINT)
        simulator.wait(timeout=10)
    if elapsed <= 0:
        print("the oximeter never streamed", file=sys.stderr)
        sys.exit(1)
    print(
        f"oximeter format {args.format} streaming for {elapsed:.1f} s on {screen}: kiosk CPU "
        f"{100 * used / elapsed:.1f} % of one core; {counts['pleth'] / elapsed:.1f} pleth "
        f"packets/s, {counts['oximetry'] / elapsed:.1f} value updates/s (goal: < 10 %)"
    )


if __name__ == "__main__":
    main()
