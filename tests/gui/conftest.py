"""Fixtures for the touchscreen tests: a real KioskApp on a real database file, driven by taps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.config import (
    CallConfig,
    Config,
    DevicesConfig,
    RecordsConfig,
    SessionConfig,
    UiConfig,
)
from ui.app import KioskApp


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/gui" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # The offscreen platform's own notice when a window is shown; not ours to fix.
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


MakeKiosk = Callable[..., KioskApp]


@pytest.fixture
def make_kiosk(qapp: QApplication, tmp_path: Path) -> Iterator[MakeKiosk]:
    apps: list[KioskApp] = []

    def make(
        idle_timeout_s: float = 600.0,
        idle_warning_s: float = 30.0,
        language: str = "fr",
        devices: DevicesConfig | None = None,
        microphone: str = "",
        records: RecordsConfig | None = None,
    ) -> KioskApp:
        # No device is installed unless a test asks for (simulated) ones.
        none = DevicesConfig(bp="", thermometer="", oximeter="", otoscope="", room_camera="")
        config = Config(
            data_dir=tmp_path,
            session=SessionConfig(idle_timeout_s=idle_timeout_s, idle_warning_s=idle_warning_s),
            ui=UiConfig(language=language),
            devices=devices or none,
            call=CallConfig(microphone=microphone),
            records=records or RecordsConfig(),
        )
        kiosk = KioskApp(config, qapp)
        kiosk.window.show()
        apps.append(kiosk)
        return kiosk

    yield make
    for kiosk in apps:
        kiosk.close()
    QApplication.processEvents()
