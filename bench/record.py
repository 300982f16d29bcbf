"""What a session's end costs: assemble, encrypt and store a full record with 4 stills (goal: under
300 ms), and the size of what leaves the cabin (the FHIR bundle, the PDF).

Each run is a completed session, built untimed through the real SessionService on a database
opened as the kiosk opens it (SQLCipher with a raw 256-bit key; then the same on a plain
database, for comparison): identity with a NIR, consent, triage, blood pressure, temperature,
SpO2, 4 otoscope stills at the capture size (1280x960 PNG from the synthetic otoscope, encoded as
the kiosk encodes them), a call and the doctor's report, the cleaning. Then, timed, what happens
because it ended:
- "queue": ``Outbox.queue_session``: the record assembled from the database, as JSON, written
  into the outbox (one transaction on the encrypted database);
- "payload": what the outbox builds before a delivery: the queued record read back, its stills
  read from the database, the FHIR document Bundle (with the PDF inside) and the patient's PDF.
The end to end figure is the sum (the kiosk does the second part later, in a thread). Also shown:
the time to store the 4 stills themselves (PNG and thumbnail, each one transaction), which the
kiosk does while the session runs, as each still is captured.

Run: .venv/bin/python -m bench.record [--runs 20] [--dir FOLDER]
(--dir: the disk the cabin uses; a tmpfs makes fsync free.)
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.encryption import (
    Cabin,
    call_and_report,
    make_cabin,
    start_to_measure,
    store_readings,
    store_still,
)
from bench.transition import filesystem_of, percentile
from devices.camera.synthetic import make_source
from kiosk.clock import SystemClock
from kiosk.config import CallConfig, Config
from kiosk.flow import HYGIENE_ITEMS
from kiosk.records.delivery import build_payload
from kiosk.records.outbox import Outbox
from kiosk.records.record import ConsultationRecord
from kiosk.services.auth import hash_pin
from kiosk.services.measurements import encode_still
from kiosk.storage.database import DatabaseKey

PIN = "1234"
STILLS = 4
WIDTH, HEIGHT = 1280, 960
GOAL_MS = 300.0
SITES = ("left_ear", "right_ear", "left_ear", "right_ear")


@dataclass
class Figures:
    queue: list[float] = field(default_factory=list)  # ms
    payload: list[float] = field(default_factory=list)
    total: list[float] = field(default_factory=list)
    stills: list[float] = field(default_factory=list)  # the 4 stills stored, during the session
    bundle: int = 0
    bundle_gzip: int = 0
    pdf: int = 0
    record_json: int = 0
    stills_png: int = 0


def synthetic_stills() -> list[tuple[bytes, bytes]]:
    """4 different otoscope frames at the capture size: PNG and thumbnail, as the kiosk stores."""
    source = make_source("otoscope", WIDTH, HEIGHT, seed=3)
    return [encode_still(source.render(counter * 37)) for counter in range(STILLS)]


def completed_session(
    cabin: Cabin, stills: list[tuple[bytes, bytes]], figures: Figures | None = None
) -> str:
    session_id = start_to_measure(cabin)
    store_readings(cabin, session_id)
    t0 = time.perf_counter()
    for site, still in zip(SITES, stills, strict=True):
        store_still(cabin, session_id, site, still, (WIDTH, HEIGHT))
    if figures is not None:
        figures.stills.append((time.perf_counter() - t0) * 1000)
    call_and_report(cabin, session_id)
    service = cabin.service
    for item in HYGIENE_ITEMS:
        service.check_hygiene(item)
    service.finish_hygiene()
    assert service.last.session is None, service.last.notice
    return session_id


def session_end(cabin: Cabin, outbox: Outbox, session_id: str, figures: Figures) -> None:
    t0 = time.perf_counter()
    record_id = outbox.queue_session(session_id)
    assert record_id is not None
    t1 = time.perf_counter()
    row = outbox.repo.outbox_item(record_id)
    assert row is not None
    text = outbox.repo.outbox_record(row.id)
    assert text is not None
    record = ConsultationRecord.from_json(text)
    pngs = {still.id: outbox.repo.image_png(still.id) for still in record.stills}
    record = dataclasses.replace(record, png_source=pngs.get)
    payload = build_payload(record, "15")
    t2 = time.perf_counter()
    assert len(record.stills) == STILLS
    figures.queue.append((t1 - t0) * 1000)
    figures.payload.append((t2 - t1) * 1000)
    figures.total.append((t2 - t0) * 1000)
    figures.bundle = len(payload.bundle)
    figures.bundle_gzip = len(gzip.compress(payload.bundle, 6))
    figures.pdf = len(payload.pdf)
    figures.record_json = len(text.encode("utf-8"))
    figures.stills_png = sum(len(p or b"") for p in pngs.values())


def run_cabin(
    name: str,
    folder: Path,
    key: DatabaseKey | None,
    pin_hash: str,
    runs: int,
    stills: list[tuple[bytes, bytes]],
) -> Figures:
    cabin = make_cabin(name, folder, key, pin_hash)
    config = Config(data_dir=folder, call=CallConfig(cabin="Bench-cabin"))
    outbox = Outbox(cabin.repo, config, SystemClock())
    figures = Figures()
    try:
        # Warm-up: imports (reportlab, the FHIR models), fonts, caches; not counted.
        session_end(cabin, outbox, completed_session(cabin, stills), Figures())
        for _ in range(runs):
            session_end(cabin, outbox, completed_session(cabin, stills, figures), figures)
    finally:
        cabin.opened.close()
    return figures


def line(label: str, values: list[float]) -> str:
    ms = sorted(values)
    return (
        f"    {label:<8} p50 {statistics.median(ms):7.1f} ms, p95 {percentile(ms, 0.95):7.1f} ms, "
        f"max {ms[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="sessions ended on each database")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the databases")
    args = parser.parse_args()
    key = DatabaseKey(os.urandom(32), "the benchmark")
    stills = synthetic_stills()
    pin_hash = hash_pin(PIN)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-", dir=args.dir) as folder:
        root = Path(folder)
        fstype = filesystem_of(root)
        encrypted = run_cabin("encrypted", root / "encrypted", key, pin_hash, args.runs, stills)
        plain = run_cabin("plain", root / "plain", None, pin_hash, args.runs, stills)
    print(
        f"a completed session with 3 readings, a report and {STILLS} stills of {WIDTH}x{HEIGHT} "
        f"(PNG {encrypted.stills_png / 1e6:.2f} MB in all); {args.runs} runs per database on "
        f"{fstype}"
    )
    for name, figures in (("encrypted", encrypted), ("plain", plain)):
        print(f"  {name}:")
        print(line("queue", figures.queue) + "  (assemble + JSON + outbox row)")
        print(line("payload", figures.payload) + "  (read back + stills + FHIR Bundle + PDF)")
        print(line("total", figures.total))
        print(line("stills", figures.stills) + f"  ({STILLS} stills stored as they are captured)")
    p50 = statistics.median(encrypted.total)
    verdict = "met" if p50 < GOAL_MS else "NOT MET"
    print(
        f"end to end, encrypted: p50 {p50:.0f} ms (goal: < {GOAL_MS:.0f} ms: {verdict}); "
        f"encrypted / plain: {p50 / statistics.median(plain.total):.2f}x (p50)"
    )
    print(
        f"FHIR bundle: {encrypted.bundle / 1e6:.2f} MB ({encrypted.bundle_gzip / 1e6:.2f} MB "
        f"gzipped); patient PDF: {encrypted.pdf / 1e3:.0f} kB; queued record (JSON, no images): "
        f"{encrypted.record_json / 1e3:.1f} kB"
    )


if __name__ == "__main__":
    main()
