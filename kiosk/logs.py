"""The kiosk's own log file: ``data_dir/logs/kiosk.log``, rotated, read by the support bundle.

Logs never hold patient data (names, NIR, birth dates): modules log ids, states and device facts.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_NAME = "kiosk.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 4
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_dir(data_dir: Path) -> Path:
    return data_dir / "logs"


def install_file_log(data_dir: Path, level: int = logging.INFO) -> logging.Handler:
    """Add a rotating log file to the root logger; returns the handler (remove it to stop)."""
    folder = log_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        folder / LOG_NAME, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    return handler


def recent_lines(data_dir: Path, count: int) -> list[str]:
    """The last ``count`` lines of the log, across the newest rotated file when needed."""
    folder = log_dir(data_dir)
    files = [folder / f"{LOG_NAME}.1", folder / LOG_NAME]
    lines: list[str] = []
    for path in files:
        try:
            lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            continue
    return lines[-count:]
