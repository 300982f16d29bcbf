"""What the benchmarks share: a fictional patient, and a data folder with one assistant."""

from __future__ import annotations

from pathlib import Path

from kiosk.clock import SystemClock
from kiosk.services.auth import hash_pin
from kiosk.storage import Repository, open_database

PIN = "1234"
IDENTITY = {
    "family_name": "Martin",
    "given_names": "Jeanne",
    "birth_date": "24/06/1942",
    "sex": "female",
}


def add_bench_assistant(data_dir: Path) -> int:
    """Create the database in ``data_dir`` with the assistant "Bench" (PIN 1234); its id."""
    opened = open_database(data_dir / "kiosk.db", SystemClock())
    try:
        return Repository(opened.db, SystemClock()).add_assistant("Bench", hash_pin(PIN))
    finally:
        opened.close()
