"""Measurements in a session: start one, follow it live, store it at once, accept or retake.

A reading is written to the database the moment the device gives it (status ``pending``), so
nothing is lost if the kiosk stops before the assistant decides; *accept* and *retake* only change
its status. A failed attempt is stored too (status ``failed``, with its error): it is an incident
of the session. Live values (cuff pressure, probe temperature, pleth, otoscope preview) go to
their own listeners, not through the session snapshot, so they cost no database reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from devices.errors import DeviceError, MeasurementAborted
from devices.readings import Progress, Reading
from kiosk import errors
from kiosk.services.devices import (
    SERVICE_OUT,
    CameraDevice,
    Devices,
    DeviceState,
    DeviceStatus,
    describe_error,
    error_params,
    reading_kind,
    reading_values,
)
from kiosk.storage.database import DATABASE_ERRORS
from kiosk.storage.repository import ImageRow, MeasurementRow

if TYPE_CHECKING:
    from kiosk.services.session import SessionService

logger = logging.getLogger(__name__)

# What the assistant measures -> the device that does it.
KIND_DEVICE = {
    "blood_pressure": "bp",
    "temperature": "thermometer",
    "spo2": "oximeter",
    "otoscope": "otoscope",
}
STORED_KIND = {
    "blood_pressure": "blood_pressure",
    "temperature": "body_temperature",
    "spo2": "oximetry",
}
EAR_SITES = ("left_ear", "right_ear")
PREVIEW_FPS = 20.0
THUMBNAIL_WIDTH = 240

# Values the assistant should look at twice (highlighted, no diagnosis).
BP_HIGH = (180, 110)
BP_LOW_SYSTOLIC = 90
SPO2_LOW = 92
FEVER_HIGH = 39.5
TEMPERATURE_LOW = 35.0
PULSE_RANGE = (40, 130)


def alerts_for(kind: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """Names of the values outside the usual range (the screen highlights them)."""
    out: list[str] = []
    if kind == "blood_pressure":
        if values.get("systolic", 0) >= BP_HIGH[0] or values.get("diastolic", 0) >= BP_HIGH[1]:
            out.append("bp_high")
        if 0 < values.get("systolic", 0) < BP_LOW_SYSTOLIC:
            out.append("bp_low")
    if kind == "body_temperature":
        celsius = float(values.get("celsius", 37.0))
        if celsius >= FEVER_HIGH:
            out.append("temperature_high")
        if celsius < TEMPERATURE_LOW:
            out.append("temperature_low")
    if kind == "oximetry" and values.get("spo2") is not None and int(values["spo2"]) < SPO2_LOW:
        out.append("spo2_low")
    pulse = values.get("pulse")
    if pulse is not None and not PULSE_RANGE[0] <= int(pulse) <= PULSE_RANGE[1]:
        out.append("pulse_out_of_range")
    return tuple(out)


@dataclass(frozen=True)
class ReadingView:
    id: int
    kind: str  # blood_pressure | body_temperature | oximetry
    status: str  # pending | accepted
    values: Mapping[str, Any]
    flags: tuple[str, ...]
    alerts: tuple[str, ...]
    taken_at: str
    device_model: str


@dataclass(frozen=True)
class StillView:
    id: int
    site: str
    thumbnail: bytes  # JPEG
    width: int
    height: int
    taken_at: str


@dataclass(frozen=True)
class RunView:
    """The measurement on screen: running (live), a result to accept, or a failure to explain."""

    kind: str  # blood_pressure | temperature | spo2 | otoscope
    phase: str  # running | result | failed
    step: str = "starting"  # the device's phase: inflating, predicting, waiting_for_finger...
    result: ReadingView | None = None
    error_code: str | None = None
    error: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class MeasureView:
    devices: tuple[DeviceState, ...] = ()
    run: RunView | None = None
    readings: tuple[ReadingView, ...] = ()  # accepted, newest last
    stills: tuple[StillView, ...] = ()


@dataclass(frozen=True)
class LiveUpdate:
    """A live value for the screen: ``kind`` is a Progress kind or ``preview`` (a BGR frame)."""

    kind: str
    value: float | None = None
    extra: Mapping[str, object] = field(default_factory=dict)


LiveListener = Callable[[LiveUpdate], None]
# Told ("measurement", id) when a reading is accepted or an attempt failed, ("image", id) when a
# still is stored: the call forwards them to the doctor.
RecordListener = Callable[[str, int], None]


SQLITE_FULL = 13  # "database or disk is full": the disk, or the database's size limit


def storage_error_code(exc: Exception) -> str:
    """STORAGE_FULL when the disk is full (nothing was written), else STORAGE_FAILED."""
    full = getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL
    return errors.STORAGE_FULL if full or "disk is full" in str(exc) else errors.STORAGE_FAILED


def _log_storage_error(what: str, exc: Exception) -> str:
    code = storage_error_code(exc)
    if code == errors.STORAGE_FULL:
        logger.error("measure: %s not saved: the disk is full (%s); free some space", what, exc)
    else:
        logger.error("measure: %s not saved: the database failed (%s)", what, exc)
    return code


def _reading_view(row: MeasurementRow) -> ReadingView:
    return ReadingView(
        id=row.id,
        kind=row.kind,
        status=row.status,
        values=row.reading,
        flags=row.flags,
        alerts=alerts_for(row.kind, row.reading),
        taken_at=row.taken_at,
        device_model=str(row.device.get("model") or ""),
    )


def _still_view(row: ImageRow) -> StillView:
    return StillView(row.id, row.site, row.thumbnail, row.width, row.height, row.taken_at)


def encode_still(image: np.ndarray[Any, Any]) -> tuple[bytes, bytes]:
    """A lossless PNG of the still and a small JPEG thumbnail for the screen."""
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("the image cannot be encoded")
    height, width = image.shape[:2]
    scale = THUMBNAIL_WIDTH / width
    small = cv2.resize(image, (THUMBNAIL_WIDTH, max(1, int(height * scale))))
    ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("the thumbnail cannot be encoded")
    return png.tobytes(), jpeg.tobytes()


class MeasurementService:
    """Runs the measurements of the open session (one at a time) and keeps what they give."""

    ALLOWED_STATES = ("MEASURE", "IN_CALL")

    def __init__(self, devices: Devices, session: SessionService) -> None:
        self.devices = devices
        self.session = session
        self._run: RunView | None = None
        self._run_session: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending_id: int | None = None
        self._preview: asyncio.Task[None] | None = None
        self._live: list[LiveListener] = []
        self._records: list[RecordListener] = []
        self._capturing = False
        self._closing: asyncio.Task[None] | None = None
        devices.subscribe(self._device_changed)

    # -- listeners -------------------------------------------------------------------------
    def subscribe_live(self, listener: LiveListener) -> None:
        self._live.append(listener)

    def _emit(self, update: LiveUpdate) -> None:
        for listener in self._live:
            listener(update)

    def subscribe_records(self, listener: RecordListener) -> None:
        self._records.append(listener)

    def _recorded(self, what: str, row_id: int) -> None:
        for listener in self._records:
            try:
                listener(what, row_id)
            except Exception:  # a listener's bug must not lose the measurement on screen
                logger.exception("measure: a record listener failed")

    def _device_changed(self, state: DeviceState) -> None:
        self.session.publish()

    # -- what the screen sees --------------------------------------------------------------
    def view(self, session_id: str | None) -> MeasureView:
        repo = self.session.repo
        readings: tuple[ReadingView, ...] = ()
        stills: tuple[StillView, ...] = ()
        if session_id is not None:
            # Accepted readings, and any left pending by an interruption (shown as such).
            readings = tuple(
                _reading_view(r)
                for r in repo.measurements(session_id)
                if r.status == "accepted" or (r.status == "pending" and r.id != self._pending_id)
            )
            stills = tuple(_still_view(r) for r in repo.images(session_id))
        run = self._run if self._run_session == session_id else None
        return MeasureView(self.devices.states(), run, readings, stills)

    # -- commands --------------------------------------------------------------------------
    def _allowed(self) -> str | None:
        session_id = self.session.current_session_id
        if session_id is None or str(self.session.current_state()) not in self.ALLOWED_STATES:
            logger.info("measure: refused outside a measurement step")
            return None
        return session_id

    def busy(self) -> bool:
        """A measurement runs, or a result waits on screen to be accepted or retaken."""
        running = self._task is not None and not self._task.done()
        return running or self._pending_id is not None or self._run is not None

    def can_start(self, kind: str) -> bool:
        """Whether ``start(kind)`` would start now, without throwing a result away."""
        if self._allowed() is None or kind not in KIND_DEVICE or self.busy():
            return False
        return self.devices.service(KIND_DEVICE[kind]).service != SERVICE_OUT

    def start(self, kind: str) -> None:
        """Start a measurement of ``kind`` (the assistant touched its tile, or retake)."""
        session_id = self._allowed()
        if session_id is None or kind not in KIND_DEVICE:
            return
        if self._task is not None and not self._task.done():
            logger.info("measure: %s refused: a measurement is running", kind)
            return
        if self.devices.service(KIND_DEVICE[kind]).service == SERVICE_OUT:
            # The menu says so; the session goes on without this device.
            logger.info("measure: %s refused: its device is out of service", kind)
            self.session.repo.audit(
                self.session.actor(),
                "measurement_refused",
                session_id,
                {"kind": kind, "reason": "out_of_service"},
            )
            return
        self.session.touch()
        self._discard_pending()
        self._run = RunView(kind, "running")
        self._run_session = session_id
        if kind == "otoscope":
            self._task = asyncio.create_task(self._open_otoscope(), name="otoscope")
        else:
            self._task = asyncio.create_task(
                self._measure(kind, session_id), name=f"measure-{kind}"
            )
        self.session.repo.audit(
            self.session.actor(), "measurement_started", session_id, {"kind": kind}
        )
        self.session.publish()

    def accept(self) -> None:
        """Keep the result on screen: it joins the session summary."""
        if self._pending_id is None or self._run is None:
            return
        session_id = self._run_session
        with self.session.repo.atomic():
            self.session.repo.set_measurement_status(self._pending_id, "accepted")
            self.session.repo.audit(
                self.session.actor(),
                "measurement_accepted",
                session_id,
                {"measurement": self._pending_id, "kind": self._run.kind},
            )
        accepted, self._pending_id = self._pending_id, None
        self._run = None
        self.session.touch()
        self.session.publish()
        self._recorded("measurement", accepted)

    def retake(self) -> None:
        if self._run is None:
            return
        self.start(self._run.kind)

    async def close(self) -> None:
        """Leave the measurement screen: stop what runs, keep what was stored.

        A result the assistant has not accepted yet stays stored as pending (it is listed as
        such): leaving a screen never throws a reading away; only "retake" does.
        """
        await self._stop_task()
        await self._stop_preview()
        self._pending_id = None
        self._run = None
        self.session.publish()

    def close_soon(self) -> None:
        """Close from a synchronous caller (a transition, a park) when anything is open."""
        busy = self._task is not None or self._preview is not None or self._run is not None
        if busy:
            self._closing = asyncio.get_running_loop().create_task(
                self.close(), name="measure-close"
            )

    async def shutdown(self) -> None:
        if self._closing is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._closing
        await self._stop_task()
        await self._stop_preview()
        self._run = None

    def _discard_pending(self) -> None:
        if self._pending_id is None:
            return
        with self.session.repo.atomic():
            self.session.repo.set_measurement_status(self._pending_id, "discarded")
            self.session.repo.audit(
                self.session.actor(),
                "measurement_discarded",
                self._run_session,
                {"measurement": self._pending_id},
            )
        self._pending_id = None

    async def _stop_task(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- serial measurements ---------------------------------------------------------------
    def _progress(self, progress: Progress) -> None:
        if progress.kind == "phase" and self._run is not None:
            step = str(progress.extra.get("phase", self._run.step))
            if step != self._run.step:
                self._run = RunView(self._run.kind, "running", step)
                self.session.publish()
        self._emit(LiveUpdate(progress.kind, progress.value, dict(progress.extra)))

    async def _measure(self, kind: str, session_id: str) -> None:
        family = KIND_DEVICE[kind]
        device = self.devices.serial.get(family)
        try:
            if device is None:
                raise DeviceError("not installed in this cabin", device=family, step="measure")
            async with device.use() as driver:
                reading = await driver.measure(on_progress=self._progress)
        except MeasurementAborted:
            self._run = None
            self.session.publish()
            return
        except DeviceError as exc:
            try:
                self._failed(kind, session_id, exc)
            except DATABASE_ERRORS as db_exc:
                self._not_saved(kind, _log_storage_error(f"the failed {kind}", db_exc))
            return
        try:
            self._store(kind, session_id, reading)
        except DATABASE_ERRORS as exc:
            self._not_saved(kind, _log_storage_error(f"the {kind} reading", exc))

    def _not_saved(self, kind: str, code: str) -> None:
        """Nothing was stored (the transaction was rolled back): say so; a retake may work."""
        params = {"device": KIND_DEVICE[kind]}
        self._run = RunView(kind, "failed", "failed", error_code=code, error=params)
        self.session.publish()

    def _store(self, kind: str, session_id: str, reading: Reading) -> None:
        repo = self.session.repo
        values = reading_values(reading)
        flags = tuple(sorted(str(f) for f in reading.flags))
        stored_kind = reading_kind(reading)
        with repo.atomic():
            measurement_id = repo.add_measurement(
                session_id,
                stored_kind,
                "pending",
                values,
                flags,
                reading.device.to_dict(),
                reading.taken_at.isoformat(),
                self.session.assistant_id,
                raw=reading.raw,
            )
            repo.audit(
                self.session.actor(),
                "measurement_stored",
                session_id,
                {"measurement": measurement_id, "kind": stored_kind},
            )
        self._pending_id = measurement_id
        row = repo.measurement(measurement_id)
        assert row is not None
        self._run = RunView(kind, "result", "done", result=_reading_view(row))
        logger.info("measure: %s stored (id %d)", stored_kind, measurement_id)
        self.session.touch()
        self.session.publish()

    def _failed(self, kind: str, session_id: str, exc: DeviceError) -> None:
        params = error_params(exc)
        logger.info("measure: %s failed: %s", kind, describe_error(exc))
        if kind in STORED_KIND:
            with self.session.repo.atomic():
                measurement_id = self.session.repo.add_measurement(
                    session_id,
                    STORED_KIND[kind],
                    "failed",
                    {},
                    (),
                    {"family": exc.device},
                    self.session.clock.now().isoformat(),
                    self.session.assistant_id,
                    error={"code": exc.code, "params": params},
                )
                self.session.repo.audit(
                    self.session.actor(),
                    "measurement_failed",
                    session_id,
                    {"measurement": measurement_id, "kind": kind, "error": exc.code},
                )
                # The device's error history (technician panel), without any patient data.
                self.session.repo.add_device_event(
                    exc.device or KIND_DEVICE[kind],
                    "measurement_failed",
                    exc.code,
                    {k: v for k, v in params.items() if k in ("step", "advice", "device_code")},
                )
        self._run = RunView(kind, "failed", "failed", error_code=exc.code, error=params)
        self.session.publish()
        if kind in STORED_KIND:
            self._recorded("measurement", measurement_id)

    # -- otoscope --------------------------------------------------------------------------
    def _otoscope(self) -> CameraDevice | None:
        return self.devices.cameras.get("otoscope")

    async def _open_otoscope(self) -> None:
        device = self._otoscope()
        if device is None:
            self._run = RunView(
                "otoscope",
                "failed",
                "failed",
                error_code="DEVICE_NOT_CONNECTED",
                error={"device": "otoscope", "step": "open", "message": "not installed"},
            )
            self.session.publish()
            return
        camera = await device.open()
        if not camera.connected:
            self._run = RunView(
                "otoscope",
                "failed",
                "failed",
                error_code="DEVICE_NOT_CONNECTED",
                error={"device": "otoscope", "step": "open", "message": camera.status()},
            )
            await device.close()
            self.session.publish()
            return
        self._run = RunView("otoscope", "running", "preview")
        self.session.publish()
        if self._preview is None or self._preview.done():
            self._preview = asyncio.create_task(self._stream_preview(device), name="preview")

    async def _stream_preview(self, device: CameraDevice) -> None:
        last = -1
        period = 1.0 / PREVIEW_FPS
        while device.camera is not None:
            frame = device.camera.latest()
            if frame is not None and frame.counter != last:
                last = frame.counter
                self._emit(LiveUpdate("preview", float(frame.counter), {"image": frame.image}))
            await asyncio.sleep(period)

    async def _stop_preview(self) -> None:
        task, self._preview = self._preview, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        device = self._otoscope()
        if device is not None and device.camera is not None:
            await device.close()

    async def capture(self, site: str) -> None:
        """Keep the sharpest of the next few frames as a still of ``site`` (left or right ear)."""
        session_id = self._allowed()
        device = self._otoscope()
        if session_id is None or device is None or device.camera is None or self._capturing:
            return
        if site not in EAR_SITES:
            site = "other"
        self.session.touch()
        self._capturing = True
        camera = device.camera
        loop = asyncio.get_running_loop()
        try:
            still = await loop.run_in_executor(None, camera.snapshot)
            png, thumbnail = await loop.run_in_executor(None, encode_still, still.image)
        except DeviceError as exc:
            self._capturing = False
            logger.info("measure: the otoscope still failed: %s", describe_error(exc))
            self._run = RunView(
                "otoscope", "failed", "failed", error_code=exc.code, error=error_params(exc)
            )
            self.session.publish()
            return
        except (ValueError, OSError) as exc:
            self._capturing = False
            logger.error("measure: the otoscope still could not be saved: %s", exc)
            self.session.notify("STILL_NOT_SAVED")
            return
        height, width = still.image.shape[:2]
        repo = self.session.repo
        try:
            with repo.atomic():  # the row, its image and its audit line: all or nothing
                image_id = repo.add_image(
                    session_id,
                    site,
                    png,
                    thumbnail,
                    width,
                    height,
                    float(still.sharpness),
                    still.device.to_dict(),
                    still.captured_at.isoformat(),
                    self.session.assistant_id,
                )
                repo.audit(
                    self.session.actor(),
                    "image_stored",
                    session_id,
                    {"image": image_id, "site": site},
                )
        except DATABASE_ERRORS as exc:
            # The preview stays open: once space is freed, the assistant captures again.
            self._capturing = False
            self.session.notify(_log_storage_error("the otoscope still", exc))
            return
        self._capturing = False
        logger.info("measure: otoscope still %d stored (%dx%d)", image_id, width, height)
        self.session.publish()
        self._recorded("image", image_id)

    def discard_still(self, image_id: int) -> None:
        session_id = self._allowed()
        if session_id is None:
            return
        repo = self.session.repo
        if not any(row.id == image_id for row in repo.images(session_id)):
            return
        with repo.atomic():
            repo.discard_image(image_id)
            repo.audit(self.session.actor(), "image_discarded", session_id, {"image": image_id})
        self.session.touch()
        self.session.publish()


__all__ = [
    "DeviceStatus",
    "LiveUpdate",
    "MeasureView",
    "MeasurementService",
    "ReadingView",
    "RunView",
    "StillView",
    "alerts_for",
]
