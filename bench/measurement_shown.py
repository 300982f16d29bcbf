"""From the device's final frame to the value on screen (goal: p95 under 100 ms).

The kiosk runs as in the cabin (offscreen window, core thread, drivers on real ptys) with its
simulators; the time is taken when the simulated device hands its final frame to the pty (the
cuff's 24-byte result, the thermometer's first record in a final state) and when the result
screen has been rendered with that value. Time is compressed (--speed) so cycles are short; the
path measured (pty, driver, storage with fsync, snapshot, queued signal, render) is not.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.measurement_shown [--n 20] [--speed 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from bench.common import IDENTITY, PIN, add_bench_assistant
from devices.simulators import suntech, suretemp
from devices.thermometer import protocol as suretemp_protocol
from kiosk.config import Config, DevicesConfig
from kiosk.flow.triage import RED_FLAGS
from kiosk.services.session import Snapshot
from ui.app import KioskApp

final_sent: list[float] = []  # perf_counter() when the device's final frame left it


def _watch_models() -> None:
    """Note when each simulated device hands over its final frame (wraps the sans-IO models)."""

    def wrap_bp(original):  # type: ignore[no-untyped-def]
        def wrapped(self, *args):  # type: ignore[no-untyped-def]
            out = original(self, *args)
            if b"\x3e\x18" in out:  # the 24-byte result frame (replies may leave from tick)
                final_sent.append(time.perf_counter())
            return out

        return wrapped

    suntech.SuntechModel.receive = wrap_bp(suntech.SuntechModel.receive)  # type: ignore[method-assign]
    suntech.SuntechModel.tick = wrap_bp(suntech.SuntechModel.tick)  # type: ignore[method-assign]
    decoder_by_model: dict[int, suretemp_protocol.PacketDecoder] = {}

    def wrap(original):  # type: ignore[no-untyped-def]
        def wrapped(self, *args):  # type: ignore[no-untyped-def]
            out = original(self, *args)
            decoder = decoder_by_model.setdefault(id(self), suretemp_protocol.PacketDecoder())
            for packet in decoder.feed(out):
                if packet.command == 0x941C and packet.is_good:
                    record = suretemp_protocol.decode_temperature_record(packet.data)
                    if record.state in (6, 7) and not getattr(self, "_bench_final", False):
                        self._bench_final = True
                        final_sent.append(time.perf_counter())
                    elif record.state not in (6, 7):
                        self._bench_final = False
            return out

        return wrapped

    suretemp.SureTempModel.receive = wrap(suretemp.SureTempModel.receive)  # type: ignore[method-assign]
    suretemp.SureTempModel.tick = wrap(suretemp.SureTempModel.tick)  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20, help="readings per device")
    parser.add_argument("--speed", type=float, default=40.0)
    args = parser.parse_args()
    _watch_models()
    app = QApplication(sys.argv[:1])
    results: dict[str, list[float]] = {"blood_pressure": [], "temperature": []}
    with tempfile.TemporaryDirectory() as data:
        assistant = add_bench_assistant(Path(data))
        devices = DevicesConfig(
            simulate=True, simulation_speed=args.speed, otoscope="", room_camera=""
        )
        kiosk = KioskApp(Config(data_dir=Path(data), devices=devices), app)
        kiosk.window.show()
        order = ["blood_pressure"] * args.n + ["temperature"] * args.n
        current: dict[str, str] = {}

        def ready(snap: Snapshot, kind: str) -> bool:
            family = {"blood_pressure": "bp", "temperature": "thermometer"}[kind]
            return bool(
                snap.measure
                and any(d.family == family and d.status == "ready" for d in snap.measure.devices)
            )

        def next_reading() -> None:
            if not order:
                app.quit()
                return
            current["kind"] = order.pop(0)
            final_sent.clear()
            kind = current["kind"]
            kiosk.bridge.measure(lambda m: m.start(kind))

        def on_snapshot(snap: Snapshot) -> None:
            # Connected after the window: runs once the screen has rendered this snapshot.
            if snap.measure is None or "kind" not in current:
                if (
                    snap.measure is not None
                    and ready(snap, "blood_pressure")
                    and ready(snap, "temperature")
                ) and "started" not in current:
                    current["started"] = "yes"
                    next_reading()
                return
            run = snap.measure.run
            if run is None or run.phase == "running":
                return
            if run.phase == "result" and final_sent:
                shown = kiosk.window.by_state[snap.session.state] if snap.session else None
                assert shown is not None and shown.isVisible()
                results[current["kind"]].append(time.perf_counter() - final_sent[-1])
                final_sent.clear()
                kiosk.bridge.measure(lambda m: m.accept())
                next_reading()
            elif run.phase == "failed":
                print(f"a reading failed: {run.error}", file=sys.stderr)
                kiosk.bridge.measure(lambda m: m.retake())

        kiosk.bridge.snapshot.connect(on_snapshot)
        kiosk.bridge.command(lambda s: s.sign_in(assistant, PIN))
        kiosk.bridge.command(lambda s: s.start_session())
        kiosk.bridge.command(lambda s: s.submit_identity(IDENTITY))
        kiosk.bridge.command(lambda s: s.record_consent(True))
        kiosk.bridge.command(
            lambda s: s.submit_triage("fever", "", dict.fromkeys(RED_FLAGS, False))
        )
        app.exec()
        kiosk.close()
    for kind, timings in results.items():
        ms = sorted(t * 1000 for t in timings)
        if not ms:
            print(f"{kind}: no reading")
            continue
        p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
        print(
            f"{kind}: final frame -> value on screen, n={len(ms)}: p50 "
            f"{statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
            "(goal: p95 < 100 ms)"
        )


if __name__ == "__main__":
    main()
