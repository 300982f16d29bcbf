"""The cabin's devices as the application sees them.

- ``make_driver`` builds a driver per family from a URL in config;
- ``SerialDevice`` keeps one serial device open, watches that it is still there (a cheap ping
  every second when nobody measures) and reopens it by itself when it comes back;
- ``CameraDevice`` does the same for a camera source, started only while it is used;
- ``Devices`` owns all of them, and the simulators when the cabin runs simulated;
- ``run_self_tests`` is the engine behind ``kiosk selftest``;
- ``describe_error`` / ``reading_to_json``: device errors in one plain sentence, readings as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from devices.base import Driver, ProgressCallback, SelfTestResult
from devices.bp import SuntechDriver
from devices.camera import Camera
from devices.errors import (
    DeviceError,
    DeviceNotConnected,
    DeviceTimeout,
    MeasurementFailed,
)
from devices.oximeter import NoninDriver
from devices.readings import BloodPressure, BodyTemperature, DeviceIdentity, Oximetry, Reading
from devices.simulators.nonin import NoninModel
from devices.simulators.runner import DeviceModel, Served, serve_pty, serve_tcp
from devices.simulators.suntech import SuntechModel
from devices.simulators.suretemp import SureTempModel
from devices.thermometer import SureTempDriver
from kiosk.config import DevicesConfig
from kiosk.errors import ConfigError

logger = logging.getLogger(__name__)

# What a measurement is called on the command line -> the device family.
MEASUREMENTS = {"bp": "bp", "temperature": "thermometer", "spo2": "oximeter"}
FAMILIES = ("bp", "thermometer", "oximeter")
CAMERAS = ("otoscope", "room_camera")
MICROPHONE = "microphone"  # tested and shown to the technician like a device
DEVICE_NAMES = {
    "bp": "blood-pressure cuff",
    "thermometer": "thermometer",
    "oximeter": "pulse oximeter",
    "camera": "camera",
    "otoscope": "otoscope",
    "room_camera": "room camera",
    "microphone": "microphone",
}
ADVICE = {
    "retake": "please retake the measurement",
    "stay_still": "ask the patient to stay still and retake",
    "check_placement": "check the sensor placement and retake",
    "tighten_cuff": "tighten the cuff and retake",
    "pause_then_retake": "wait a minute, then retake",
    "technician": "stop and call a technician",
    "out_of_service": "the device is out of service: call a technician",
}

PING_INTERVAL_S = 1.0  # a lost device is seen within about two pings
RETRY_INTERVAL_S = 1.0  # a returning device is reopened within about a second


def make_driver(family: str, url: str, data_format: int = 7) -> Driver:
    if family == "bp":
        return SuntechDriver(url)
    if family == "thermometer":
        return SureTempDriver(url)
    if family == "oximeter":
        return NoninDriver(url, data_format=data_format)
    raise ValueError(f"unknown device family {family!r}")


async def take_measurement(
    family: str,
    url: str,
    data_format: int = 7,
    timeout: float = 150.0,
    on_progress: ProgressCallback | None = None,
) -> Reading:
    """Open the device, take one reading, close it (whatever happens)."""
    driver = make_driver(family, url, data_format)
    async with driver:
        try:
            async with asyncio.timeout(timeout):
                reading = await driver.measure(on_progress=on_progress)
        except TimeoutError as exc:
            with contextlib.suppress(DeviceError):
                await driver.abort()
            raise DeviceTimeout(
                f"no reading within {timeout:g} s", device=family, step="measure"
            ) from exc
    return reading


def reading_kind(reading: Reading) -> str:
    if isinstance(reading, BloodPressure):
        return "blood_pressure"
    if isinstance(reading, BodyTemperature):
        return "body_temperature"
    return "oximetry"


def reading_values(reading: Reading) -> dict[str, Any]:
    """The numbers of a reading, as stored and sent (no device, no time)."""
    if isinstance(reading, BloodPressure):
        return {
            "systolic": reading.systolic,
            "diastolic": reading.diastolic,
            "mean": reading.mean,
            "pulse": reading.pulse,
            "unit": reading.unit,
        }
    if isinstance(reading, BodyTemperature):
        return {"celsius": reading.celsius, "site": reading.site}
    assert isinstance(reading, Oximetry)
    return {
        "spo2": reading.spo2,
        "pulse": reading.pulse,
        "perfusion": reading.perfusion,
        "stable": reading.stable,
    }


def reading_to_json(reading: Reading) -> dict[str, Any]:
    return {
        "kind": reading_kind(reading),
        **reading_values(reading),
        "taken_at": reading.taken_at.isoformat(),
        "device": reading.device.to_dict(),
        "flags": sorted(str(flag) for flag in reading.flags),
    }


def describe_error(exc: DeviceError) -> str:
    """One plain sentence naming the device and the problem."""
    name = DEVICE_NAMES.get(exc.device, exc.device)
    text = str(exc.args[0]) if exc.args else exc.code
    if isinstance(exc, MeasurementFailed):
        code = exc.params.get("device_code")
        advice = ADVICE.get(str(exc.params.get("advice", "")), "")
        suffix = f" (error {code})" if code is not None else ""
        return f"{name}: {text}{suffix}" + (f"; {advice}" if advice else "")
    return f"{name}: {text}"


def error_params(exc: DeviceError) -> dict[str, object]:
    """What the screen needs to say it in words: the device, the step, the advice, the code."""
    params: dict[str, object] = {
        "device": exc.device,
        "step": exc.step,
        "message": str(exc.args[0]),
    }
    for key in ("advice", "device_code"):
        if key in exc.params:
            params[key] = exc.params[key]
    return params


# -- simulators -------------------------------------------------------------------------------
MODEL_FACTORIES: dict[str, Callable[[str, int], DeviceModel]] = {
    "bp": lambda scenario, fmt: SuntechModel(scenario=scenario),
    "thermometer": lambda scenario, fmt: SureTempModel(scenario=scenario),
    "oximeter": lambda scenario, fmt: NoninModel(data_format=fmt, scenario=scenario),
}


async def start_simulator(
    family: str,
    scenario: str = "normal",
    tcp: bool = False,
    data_format: int = 7,
    speed: float = 1.0,
) -> Served:
    factory = MODEL_FACTORIES[family]
    factory(scenario, data_format)  # an unknown scenario fails here, before anything is served
    if tcp:
        return await serve_tcp(lambda: factory(scenario, data_format), speed=speed)
    return await serve_pty(factory(scenario, data_format), speed=speed)


def parse_scenarios(text: str) -> dict[str, str]:
    """``"bp=motion thermometer=fever"`` -> ``{"bp": "motion", "thermometer": "fever"}``."""
    out: dict[str, str] = {}
    for item in text.split():
        family, _, scenario = item.partition("=")
        out[family] = scenario
    return out


@dataclass
class Placement:
    """Where each device is for this run: serial URLs, camera sources, simulators to stop."""

    urls: dict[str, str]
    sources: dict[str, str]
    simulators: list[Served]

    async def stop(self) -> None:
        for served in self.simulators:
            with contextlib.suppress(Exception):
                await served.stop()
        self.simulators.clear()


async def place_devices(config: DevicesConfig) -> Placement:
    """The configured URLs, or simulators on ptys and synthetic cameras when simulated.

    An unknown simulator scenario is a ConfigError naming it (nothing is left running).
    """
    placement = Placement(
        {f: str(getattr(config, f)) for f in FAMILIES},
        {c: str(getattr(config, c)) for c in CAMERAS},
        [],
    )
    if not config.simulate:
        return placement
    scenarios = parse_scenarios(config.simulation_scenarios)
    for family in FAMILIES:
        try:
            served = await start_simulator(
                family,
                scenarios.get(family, "normal"),
                data_format=config.oximeter_format,
                speed=config.simulation_speed,
            )
        except ValueError as exc:  # an unknown scenario: say which, and the valid ones
            await placement.stop()
            raise ConfigError(
                f"devices.simulation_scenarios: {exc}", {"key": "devices.simulation_scenarios"}
            ) from exc
        placement.simulators.append(served)
        placement.urls[family] = served.url
    placement.sources = {"otoscope": "synthetic:otoscope", "room_camera": "synthetic:room"}
    return placement


# -- one device, watched -----------------------------------------------------------------------
class DeviceStatus(StrEnum):
    NOT_INSTALLED = "not_installed"  # nothing configured for it in this cabin
    CONNECTING = "connecting"
    READY = "ready"
    IN_USE = "in_use"
    NOT_CONNECTED = "not_connected"


@dataclass(frozen=True)
class DeviceState:
    family: str  # bp | thermometer | oximeter | otoscope | room_camera | microphone
    status: DeviceStatus
    model: str | None = None
    problem: str | None = None  # why it is not connected, in plain English (technician, logs)
    # Set by the technician service from the stored self-tests and calibration dates.
    service: str = "ok"  # ok | calibration_soon | out_of_service
    service_reason: str | None = None  # self_test_failed | calibration_overdue | calibration_due
    calibration_due: str | None = None  # ISO date


# What makes a device usable, apart from its connection (see ``Devices.set_service``).
SERVICE_OK = "ok"
SERVICE_CALIBRATION_SOON = "calibration_soon"
SERVICE_OUT = "out_of_service"


@dataclass(frozen=True)
class ServiceState:
    service: str = SERVICE_OK
    reason: str | None = None
    calibration_due: str | None = None


StateListener = Callable[[DeviceState], None]
# (device, "lost" | "back", detail): a device that was connected went away, or came back.
EventListener = Callable[[str, str, dict[str, object]], None]


class SerialDevice:
    """One serial device kept open and watched; measurements borrow its driver with ``use``."""

    def __init__(
        self,
        family: str,
        url: str,
        factory: Callable[[], Driver],
        on_change: StateListener,
        ping_interval: float = PING_INTERVAL_S,
        retry_interval: float = RETRY_INTERVAL_S,
    ) -> None:
        self.family = family
        self.url = url
        self._factory = factory
        self._on_change = on_change
        self._ping_interval = ping_interval
        self._retry_interval = retry_interval
        self._lock = asyncio.Lock()
        self._driver: Driver | None = None
        self.identity: DeviceIdentity | None = None
        self.state = DeviceState(family, DeviceStatus.CONNECTING)
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    def _set(self, status: DeviceStatus, problem: str | None = None) -> None:
        model = self.identity.model if self.identity is not None else None
        new = DeviceState(self.family, status, model, problem)
        if new != self.state:
            if status is DeviceStatus.NOT_CONNECTED and self.state.status is not status:
                logger.info("devices: %s not connected (%s)", self.family, problem)
            elif status is DeviceStatus.READY and self.state.status is not DeviceStatus.IN_USE:
                logger.info("devices: %s ready (%s)", self.family, model)
            self.state = new
            self._changed.set()
            self._on_change(new)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name=f"device-{self.family}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        async with self._lock:
            await self._drop()

    async def _drop(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            with contextlib.suppress(Exception):
                await driver.close()

    async def _connect(self) -> None:
        driver = self._factory()
        try:
            await driver.open()
            self.identity = await driver.identify()
        except DeviceError as exc:
            with contextlib.suppress(Exception):
                await driver.close()
            self._set(DeviceStatus.NOT_CONNECTED, describe_error(exc))
            return
        self._driver = driver
        self._set(DeviceStatus.READY)

    async def _watch(self) -> None:
        while True:
            if self._driver is None:
                async with self._lock:
                    await self._connect()
                if self._driver is None:
                    await asyncio.sleep(self._retry_interval)
                continue
            await asyncio.sleep(self._ping_interval)
            if self._lock.locked():
                continue  # a measurement uses the device: it reports trouble itself
            async with self._lock:
                if self._driver is None:
                    continue
                try:
                    await self._driver.ping()
                except DeviceError as exc:
                    await self._drop()
                    self._set(DeviceStatus.NOT_CONNECTED, describe_error(exc))

    async def wait_for(self, status: DeviceStatus, timeout: float) -> bool:
        """Wait until the device reaches ``status`` (tests, start-up)."""
        async with asyncio.timeout(timeout):
            while self.state.status is not status:
                self._changed.clear()
                await self._changed.wait()
        return True

    @asynccontextmanager
    async def use(self) -> AsyncIterator[Driver]:
        """Borrow the open driver for a measurement; a lost device is dropped and reopened later."""
        async with self._lock:
            driver = self._driver
            if driver is None:
                raise DeviceNotConnected(
                    "the device is not connected", device=self.family, step="measure"
                )
            self._set(DeviceStatus.IN_USE)
            try:
                yield driver
            except (DeviceNotConnected, DeviceTimeout) as exc:
                await self._drop()
                self._set(DeviceStatus.NOT_CONNECTED, describe_error(exc))
                raise
            except BaseException:
                self._set(DeviceStatus.READY)
                raise
            self._set(DeviceStatus.READY)

    async def self_test(self) -> tuple[SelfTestResult, DeviceIdentity | None]:
        async with self.use() as driver:
            return await driver.self_test(), self.identity


def _is_path(source: str) -> bool:
    return source.startswith("/")


class CameraDevice:
    """A camera source: started while a screen needs it, watched for presence otherwise."""

    def __init__(self, family: str, source: str, on_change: StateListener, role: str) -> None:
        self.family = family
        self.source = source
        self.role = role
        self._on_change = on_change
        self.camera: Camera | None = None
        self.state = DeviceState(family, DeviceStatus.CONNECTING)
        self._task: asyncio.Task[None] | None = None

    def _set(self, status: DeviceStatus, problem: str | None = None) -> None:
        new = DeviceState(self.family, status, self.source, problem)
        if new != self.state:
            self.state = new
            self._on_change(new)

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name=f"device-{self.family}")

    async def _watch(self) -> None:
        while True:
            if self.camera is not None:
                ok = self.camera.connected
                status = DeviceStatus.IN_USE
            else:
                ok = not _is_path(self.source) or os.path.exists(self.source)
                status = DeviceStatus.READY
            if ok:
                self._set(status)
            else:
                self._set(DeviceStatus.NOT_CONNECTED, f"{self.family}: not connected")
            await asyncio.sleep(PING_INTERVAL_S)

    async def open(self, width: int = 640, height: int = 480, fps: float = 30.0) -> Camera:
        if self.camera is None:
            camera = Camera(self.source, role=self.role, width=width, height=height, fps=fps)
            await asyncio.get_running_loop().run_in_executor(None, camera.start)
            self.camera = camera
        self._set(DeviceStatus.IN_USE if self.camera.connected else DeviceStatus.NOT_CONNECTED)
        return self.camera

    async def close(self) -> None:
        camera, self.camera = self.camera, None
        if camera is not None:
            await asyncio.get_running_loop().run_in_executor(None, camera.stop)
        self._set(DeviceStatus.READY)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.close()


class Devices:
    """Every device of the cabin, from config (and their simulators when simulated)."""

    def __init__(self, config: DevicesConfig, microphone: str = "") -> None:
        self.config = config
        # The cabin's microphone (``Config.microphone``): opened by the call, tested here.
        self.microphone = microphone
        self.serial: dict[str, SerialDevice] = {}
        self.cameras: dict[str, CameraDevice] = {}
        self._placement: Placement | None = None  # the simulators to stop, when simulated
        self._listeners: list[StateListener] = []
        self._event_listeners: list[EventListener] = []
        self._service: dict[str, ServiceState] = {}
        self._connected: dict[str, bool] = {}  # was the device seen connected (lost / back)

    def subscribe(self, listener: StateListener) -> None:
        self._listeners.append(listener)

    def subscribe_events(self, listener: EventListener) -> None:
        """Be told when a device that was connected is lost, and when it comes back."""
        self._event_listeners.append(listener)

    def _changed(self, state: DeviceState) -> None:
        connected = state.status in (DeviceStatus.READY, DeviceStatus.IN_USE)
        was = self._connected.get(state.family)
        if state.status is not DeviceStatus.CONNECTING:
            self._connected[state.family] = connected
        kind = None
        if was is True and state.status is DeviceStatus.NOT_CONNECTED:
            kind = "lost"
        elif was is False and connected:
            kind = "back"
        if kind is not None:
            detail: dict[str, object] = {"problem": state.problem} if state.problem else {}
            for on_event in self._event_listeners:
                on_event(state.family, kind, detail)
        state = self._with_service(state)
        for listener in self._listeners:
            listener(state)

    def _with_service(self, state: DeviceState) -> DeviceState:
        service = self._service.get(state.family)
        if service is None:
            return state
        return replace(
            state,
            service=service.service,
            service_reason=service.reason,
            calibration_due=service.calibration_due,
        )

    def set_service(self, services: dict[str, ServiceState]) -> bool:
        """Mark devices usable, due for calibration or out of service; True when it changed."""
        if services == self._service:
            return False
        self._service = dict(services)
        return True

    def service(self, family: str) -> ServiceState:
        return self._service.get(family, ServiceState())

    async def start(self) -> None:
        placement = await place_devices(self.config)
        self._placement = placement
        urls, sources = placement.urls, placement.sources
        for family in FAMILIES:
            if not urls[family]:
                continue
            device = SerialDevice(
                family,
                urls[family],
                self._factory(family, urls[family]),
                self._changed,
            )
            self.serial[family] = device
            device.start()
        for name in CAMERAS:
            if not sources[name]:
                continue
            role = "otoscope" if name == "otoscope" else "room"
            camera = CameraDevice(name, sources[name], self._changed, role)
            self.cameras[name] = camera
            camera.start()

    def _factory(self, family: str, url: str) -> Callable[[], Driver]:
        return lambda: make_driver(family, url, self.config.oximeter_format)

    async def stop(self) -> None:
        for device in list(self.serial.values()):
            await device.stop()
        for camera in list(self.cameras.values()):
            await camera.stop()
        if self._placement is not None:
            await self._placement.stop()

    def states(self) -> tuple[DeviceState, ...]:
        out: list[DeviceState] = []
        for family in FAMILIES:
            device = self.serial.get(family)
            out.append(device.state if device else DeviceState(family, DeviceStatus.NOT_INSTALLED))
        for name in CAMERAS:
            camera = self.cameras.get(name)
            out.append(camera.state if camera else DeviceState(name, DeviceStatus.NOT_INSTALLED))
        # The call opens the microphone; between calls it is only known as set up or not, and
        # out of service once its self-test failed (the assistant is warned before a call).
        status = DeviceStatus.READY if self.microphone else DeviceStatus.NOT_INSTALLED
        out.append(DeviceState(MICROPHONE, status))
        return tuple(self._with_service(state) for state in out)

    def state(self, name: str) -> DeviceState:
        for state in self.states():
            if state.family == name:
                return state
        raise KeyError(name)

    def identity(self, name: str) -> DeviceIdentity | None:
        """The identity of a device as last read from it (serial) or its open camera."""
        if name in self.serial:
            identity = self.serial[name].identity
            if identity is not None:
                return replace(identity, port=identity.port or self.serial[name].url)
            return None
        camera = self.cameras.get(name)
        if camera is not None and camera.camera is not None:
            return camera.camera.identity()
        return None

    def port(self, name: str) -> str | None:
        if name == MICROPHONE:
            return self.microphone or None
        if name in self.serial:
            return self.serial[name].url
        if name in self.cameras:
            return self.cameras[name].source
        return None

    async def self_test(self, name: str) -> CheckOutcome:
        """Self-test one device the kiosk holds, through its open driver (never opened twice)."""
        if name == MICROPHONE:
            return await self_test_microphone(self.microphone)
        device = self.serial.get(name)
        if device is not None:
            try:
                result, identity = await device.self_test()
            except DeviceError as exc:
                return CheckOutcome(
                    name, False, describe_error(exc), device.identity, {"error": exc.code}
                )
            return CheckOutcome(name, result.ok, result.summary, identity, dict(result.details))
        camera = self.cameras.get(name)
        if camera is None:
            return CheckOutcome(name, False, f"{DEVICE_NAMES[name]}: not installed", None, {})
        if camera.camera is not None:  # open for a screen: test the running capture
            loop = asyncio.get_running_loop()
            running = camera.camera
            result = await loop.run_in_executor(None, running.self_test)
            return CheckOutcome(name, result.ok, result.summary, running.identity(), result.details)
        return await self_test_camera(name, camera.source)


# -- self-tests (kiosk selftest; the technician's screen later) --------------------------------
@dataclass(frozen=True)
class CheckOutcome:
    family: str
    ok: bool
    summary: str
    identity: DeviceIdentity | None
    details: dict[str, object]

    def to_json(self) -> dict[str, object]:
        return {
            "device": self.family,
            "ok": self.ok,
            "summary": self.summary,
            "identity": self.identity.to_dict() if self.identity else None,
            "details": self.details,
        }


async def self_test_serial(family: str, url: str, data_format: int = 7) -> CheckOutcome:
    driver = make_driver(family, url, data_format)
    identity: DeviceIdentity | None = None
    try:
        async with driver:
            identity = await driver.identify()
            result = await driver.self_test()
    except DeviceError as exc:
        return CheckOutcome(family, False, describe_error(exc), identity, {"error": exc.code})
    return CheckOutcome(family, result.ok, result.summary, identity, dict(result.details))


async def self_test_camera(name: str, source: str) -> CheckOutcome:
    role = "otoscope" if name == "otoscope" else "room"
    camera = Camera(source, role=role)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, camera.start)
    try:
        if not camera.connected:
            return CheckOutcome(name, False, f"{DEVICE_NAMES[name]}: not connected", None, {})
        result = await loop.run_in_executor(None, camera.self_test)
        return CheckOutcome(name, result.ok, result.summary, camera.identity(), result.details)
    finally:
        await loop.run_in_executor(None, camera.stop)


async def self_test_microphone(setting: str) -> CheckOutcome:
    from kiosk.services.microphone import check_microphone

    verdict = await check_microphone(setting)
    return CheckOutcome(MICROPHONE, verdict.ok, verdict.summary, None, verdict.details)


async def run_self_tests(
    config: DevicesConfig,
    on_start: Callable[[str], None] | None = None,
    only: Sequence[str] | None = None,
    microphone: str = "",
) -> list[CheckOutcome]:
    """Identify and self-test every configured device, one after the other (the microphone
    last: ``microphone`` is ``Config.microphone``, empty when there is none)."""
    placement = await place_devices(config)
    urls, sources = placement.urls, placement.sources
    try:
        outcomes: list[CheckOutcome] = []
        for family in FAMILIES:
            if not urls[family] or (only and family not in only):
                continue
            if on_start:
                on_start(family)
            outcomes.append(await self_test_serial(family, urls[family], config.oximeter_format))
        for name in CAMERAS:
            if not sources[name] or (only and name not in only):
                continue
            if on_start:
                on_start(name)
            outcomes.append(await self_test_camera(name, sources[name]))
        if microphone and (not only or MICROPHONE in only):
            if on_start:
                on_start(MICROPHONE)
            outcomes.append(await self_test_microphone(microphone))
        return outcomes
    finally:
        await placement.stop()


def list_serial_ports() -> list[dict[str, str | None]]:
    """Serial ports with USB identity, and their stable by-id paths (``kiosk devices``)."""
    from serial.tools import list_ports

    by_id: dict[str, str] = {}
    folder = Path("/dev/serial/by-id")
    if folder.is_dir():
        for link in folder.iterdir():
            with contextlib.suppress(OSError):
                by_id[str(link.resolve())] = str(link)
    ports = []
    for port in sorted(list_ports.comports(), key=lambda p: p.device):
        usb = None
        if port.vid is not None and port.pid is not None:
            usb = f"{port.vid:04x}:{port.pid:04x}"
        ports.append(
            {
                "port": port.device,
                "usb": usb,
                "serial_number": port.serial_number,
                "description": port.description,
                "by_id": by_id.get(str(Path(port.device).resolve())),
            }
        )
    return ports


def list_cameras() -> list[dict[str, str | None]]:
    cameras: list[dict[str, str | None]] = []
    folder = Path("/dev/v4l/by-id")
    seen: set[str] = set()
    if folder.is_dir():
        for link in sorted(folder.iterdir()):
            target = str(link.resolve())
            seen.add(target)
            cameras.append({"device": target, "by_id": str(link)})
    for node in sorted(Path("/dev").glob("video*")):
        if str(node) not in seen:
            cameras.append({"device": str(node), "by_id": None})
    return cameras
