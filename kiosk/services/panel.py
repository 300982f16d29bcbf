"""The device panel: what the technician sees of each device, built from the stored history.

Pure reads of the repository (and of the running ``Devices`` when there are some): the technician
screen, the support bundle and the command line all build it the same way. Also decides which
devices are out of service (last self-test failed, calibration date passed) or due for
calibration soon.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from kiosk.config import Config
from kiosk.services.devices import (
    CAMERAS,
    FAMILIES,
    MICROPHONE,
    SERVICE_CALIBRATION_SOON,
    SERVICE_OK,
    SERVICE_OUT,
    Devices,
    ServiceState,
)
from kiosk.storage import Repository
from kiosk.storage.repository import DeviceEventRow

ALL_DEVICES = (*FAMILIES, *CAMERAS, MICROPHONE)
CALIBRATION_WARNING_DAYS = 30
RECENT_EVENTS = 5


@dataclass(frozen=True)
class CheckView:
    ok: bool
    summary: str
    at: str  # ISO time


@dataclass(frozen=True)
class ErrorCount:
    code: str  # an error code, with the device's own code when it gave one; or "lost"
    count: int
    last_at: str


@dataclass(frozen=True)
class EventView:
    at: str
    kind: str  # lost | back | measurement_failed | self_test_failed
    code: str | None


@dataclass(frozen=True)
class DevicePanel:
    name: str  # bp | thermometer | oximeter | otoscope | room_camera | microphone
    installed: bool
    status: str  # a DeviceStatus value, or "unknown" when the kiosk is not running
    model: str | None
    serial: str | None
    firmware: str | None
    port: str | None
    last_check: CheckView | None
    calibration_due: str | None  # ISO date
    service: str  # ok | calibration_soon | out_of_service
    service_reason: str | None  # self_test_failed | calibration_overdue | calibration_due
    errors: tuple[ErrorCount, ...]
    recent_events: tuple[EventView, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _installed(config: Config, name: str) -> bool:
    return config.devices.simulate or bool(_configured(config, name))


def _configured(config: Config, name: str) -> str:
    """Where the device is set up: a port or camera source, or the microphone's setting."""
    if name == MICROPHONE:
        return config.microphone
    return str(getattr(config.devices, name))


def service_states(repo: Repository, today: dt.date) -> dict[str, ServiceState]:
    """Out of service: the newest self-test failed, or the calibration date has passed.

    Calibration due within ``CALIBRATION_WARNING_DAYS``: usable, with a warning.
    """
    calibrations = repo.calibrations()
    last_checks: dict[str, bool] = {}
    for check in repo.device_checks():  # oldest first: the newest wins
        last_checks[check.family] = check.ok
    out: dict[str, ServiceState] = {}
    for name in ALL_DEVICES:
        due_row = calibrations.get(name)
        due = due_row.due_date if due_row is not None else None
        due_date = dt.date.fromisoformat(due) if due else None
        if last_checks.get(name) is False:
            out[name] = ServiceState(SERVICE_OUT, "self_test_failed", due)
        elif due_date is not None and due_date < today:
            out[name] = ServiceState(SERVICE_OUT, "calibration_overdue", due)
        elif due_date is not None and (due_date - today).days <= CALIBRATION_WARNING_DAYS:
            out[name] = ServiceState(SERVICE_CALIBRATION_SOON, "calibration_due", due)
        elif due is not None:
            out[name] = ServiceState(SERVICE_OK, None, due)
    return out


def _error_key(event: DeviceEventRow) -> str:
    code = event.code or event.kind
    device_code = event.detail.get("device_code")
    return f"{code} ({device_code})" if device_code is not None else code


def error_counts(events: list[DeviceEventRow]) -> tuple[ErrorCount, ...]:
    """Counts per error code, newest occurrence first (``events`` come newest first)."""
    counts: dict[str, int] = {}
    last: dict[str, str] = {}
    for event in events:
        if event.kind == "back":
            continue
        key = _error_key(event)
        counts[key] = counts.get(key, 0) + 1
        last.setdefault(key, event.at)
    ordered = sorted(counts, key=lambda k: last[k], reverse=True)
    return tuple(ErrorCount(k, counts[k], last[k]) for k in ordered)


def device_panel(
    repo: Repository, config: Config, today: dt.date, devices: Devices | None = None
) -> tuple[DevicePanel, ...]:
    services = service_states(repo, today)
    checks: dict[str, CheckView] = {}
    identities: dict[str, Mapping[str, Any]] = {}
    for check in repo.device_checks():
        checks[check.family] = CheckView(check.ok, check.summary, check.at)
        if check.device.get("model"):
            identities[check.family] = check.device
    panels = []
    for name in ALL_DEVICES:
        identity: Mapping[str, Any] = identities.get(name, {})
        status = "unknown"
        port = _configured(config, name) or None
        installed = _installed(config, name)
        if devices is not None:
            status = str(devices.state(name).status)
            installed = status != "not_installed"
            port = devices.port(name) or port
            live = devices.identity(name)
            if live is not None:
                identity = live.to_dict()
        events = repo.device_events(name, limit=500)
        service = services.get(name, ServiceState())
        panels.append(
            DevicePanel(
                name=name,
                installed=installed,
                status=status,
                model=identity.get("model"),
                serial=identity.get("serial"),
                firmware=identity.get("firmware"),
                port=port,
                last_check=checks.get(name),
                calibration_due=service.calibration_due,
                service=service.service,
                service_reason=service.reason,
                errors=error_counts(events),
                recent_events=tuple(
                    EventView(e.at, e.kind, e.code) for e in events[:RECENT_EVENTS]
                ),
            )
        )
    return tuple(panels)
