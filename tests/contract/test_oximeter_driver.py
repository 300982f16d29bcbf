"""The Nonin driver against its simulator in memory, on a pty and over TCP.

A real oximeter joins with ``--device-url oximeter=/dev/ttyUSB0``: it runs the tests that need no
scripted fault (the measurements then need a finger in the sensor).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from devices.errors import (
    DeviceNotConnected,
    DeviceProtocolError,
    DeviceTimeout,
    MeasurementAborted,
    MeasurementFailed,
)
from devices.link import Link
from devices.oximeter import NoninDriver, Packet
from devices.readings import Flag, Oximetry, Progress
from devices.simulators.nonin import NoninModel
from tests.contract.conftest import device_url, served

FAMILY = "oximeter"
SPEED = 25.0  # 75 frames/s become ~1900: a 5-s stability wait takes a fifth of a second
STABLE_AFTER = 0.25  # wall seconds, i.e. 6 simulated seconds
SILENCE = 0.4  # how long silence or noise lasts before the driver gives up
GIVE_UP = 0.6  # 15 simulated seconds
MEASURE_TIMEOUT = 10.0
REAL_DEVICE_TIMEOUT = 120.0  # someone has to put a finger in the sensor


class Recorder:
    """Collects the live progress a screen would show."""

    def __init__(self) -> None:
        self.seen: list[Progress] = []

    def __call__(self, progress: Progress) -> None:
        self.seen.append(progress)

    def of(self, kind: str) -> list[Progress]:
        return [p for p in self.seen if p.kind == kind]

    @property
    def phases(self) -> list[object]:
        """Phases as the screen shows them (each change once)."""
        return [p.extra["phase"] for p in self.of("phase")]

    @property
    def flags(self) -> set[str]:
        seen: set[str] = set()
        for progress in self.of("oximetry"):
            seen |= set(progress.extra["flags"])  # type: ignore[call-overload]
        return seen


class TestNoninDriver:
    @asynccontextmanager
    async def driver(
        self,
        backend: str,
        config: pytest.Config,
        scenario: str = "normal",
        *,
        data_format: int = 7,
        model_format: int | None = None,
        model_options: dict[str, object] | None = None,
        speed: float = SPEED,
        **options: object,
    ) -> AsyncIterator[NoninDriver]:
        """An open driver on ``backend``, its simulator playing ``scenario``."""
        kwargs: dict[str, object] = {
            "data_format": data_format,
            "stable_after": STABLE_AFTER,
            **options,
        }
        if backend == "device":
            if scenario != "normal" or model_options or model_format is not None:
                pytest.skip(f"scenario {scenario!r} needs the simulator")
            url = device_url(config, FAMILY)
            assert url is not None
            kwargs["stable_after"] = 5.0
            async with NoninDriver(url, **kwargs) as driver:  # type: ignore[arg-type]
                assert isinstance(driver, NoninDriver)
                yield driver
            return

        def factory() -> NoninModel:
            fmt = data_format if model_format is None else model_format
            return NoninModel(fmt, scenario, **(model_options or {}))  # type: ignore[arg-type]

        async with (
            served(backend, factory, speed=speed) as target,
            NoninDriver(target, **kwargs) as driver,  # type: ignore[arg-type]
        ):
            assert isinstance(driver, NoninDriver)
            yield driver

    async def measure(
        self, driver: NoninDriver, recorder: Recorder, backend: str = "memory"
    ) -> Oximetry:
        limit = REAL_DEVICE_TIMEOUT if backend == "device" else MEASURE_TIMEOUT
        async with asyncio.timeout(limit):
            return await driver.measure(recorder)

    # --- identity, presence, self-test ------------------------------------------------------

    @pytest.mark.asyncio
    async def test_identify_and_ping(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig) as driver:
            started = time.monotonic()
            identity = await driver.identify()
            assert time.monotonic() - started < 3.0
            started = time.monotonic()
            await driver.ping()
            assert time.monotonic() - started < 1.6
        assert identity.family == "oximeter"
        assert identity.model == "Nonin oximeter (format 7)"
        assert identity.port
        if backend != "device":
            assert identity.firmware == "16"  # SREV

    @pytest.mark.asyncio
    async def test_a_refused_format_is_detected_from_the_data(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        only_format_2 = {"supported_formats": (2,)}
        async with self.driver(
            backend, pytestconfig, model_format=2, model_options=only_format_2
        ) as driver:
            identity = await driver.identify()
            result = await driver.self_test()
            reading = await self.measure(driver, Recorder())
        assert identity.model == "Nonin oximeter (format 2)"
        assert result.ok and result.details["format_reply"] == "nak"
        assert "refused" in result.summary
        assert reading.spo2 == 97

    @pytest.mark.asyncio
    async def test_ping_a_silent_oximeter(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "silence", silence_timeout=SILENCE) as driver:
            started = time.monotonic()
            with pytest.raises(DeviceTimeout) as caught:
                await driver.ping()
            assert time.monotonic() - started < SILENCE + 0.3
        assert caught.value.step == "ping"

    @pytest.mark.asyncio
    async def test_self_test_passes(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig) as driver:
            result = await driver.self_test()
        assert result.ok, result.summary
        assert result.details["packets"] == 2
        assert result.details["data_format"] == 7
        if backend != "device":
            assert result.details["format_reply"] == "ack"
            assert 0.0 <= result.details["format_reply_after_s"] < 5.0  # type: ignore[operator]
            assert "format 7 acknowledged" in result.summary
            assert "SpO2 97 %" in result.summary

    @pytest.mark.asyncio
    async def test_self_test_without_a_finger(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig, "late_finger", speed=5.0) as driver:
            result = await driver.self_test()
        assert result.ok
        assert "no finger" in result.summary

    @pytest.mark.asyncio
    async def test_normal_measurement_with_live_progress(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig) as driver:
            reading = await self.measure(driver, recorder, backend)
        assert reading.stable
        assert reading.device.model == "Nonin oximeter (format 7)"
        assert len(reading.raw) == 125  # the last packet, as received
        pleth = recorder.of("pleth")
        assert pleth and all(len(p.extra["samples"]) == 25 for p in pleth)  # type: ignore[arg-type]
        oximetry = recorder.of("oximetry")
        assert oximetry and all(p.unit == "%" for p in oximetry)
        assert oximetry[-1].extra["stable"] is True
        assert oximetry[-1].value == reading.spo2
        assert recorder.phases[-1] == "measuring"
        if backend == "device":
            assert reading.spo2 is not None and 50 <= reading.spo2 <= 100
            return
        assert recorder.phases == ["measuring"]
        assert reading.spo2 == 97
        assert reading.pulse == 72
        assert reading.perfusion == "high"
        assert reading.flags == frozenset()
        samples = [s for p in pleth for s in p.extra["samples"]]  # type: ignore[attr-defined]
        assert max(samples) - min(samples) > 20000  # a real waveform, not a flat line

    @pytest.mark.asyncio
    @pytest.mark.parametrize("data_format", [2, 8])
    async def test_measurement_in_the_other_formats(
        self, backend: str, pytestconfig: pytest.Config, data_format: int
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, data_format=data_format) as driver:
            identity = await driver.identify()
            reading = await self.measure(driver, recorder, backend)
        assert identity.model == f"Nonin oximeter (format {data_format})"
        assert reading.device == identity
        assert reading.stable and reading.spo2 is not None
        if data_format == 8:
            assert identity.firmware is None  # format 8 carries no revision
            assert recorder.of("pleth") == []  # nor a waveform
            assert len(reading.raw) == 4
        else:
            assert recorder.of("pleth")
        if backend != "device":
            assert reading.spo2 == 97

    @pytest.mark.asyncio
    @pytest.mark.parametrize("data_format", [7, 8])
    async def test_garbage_between_frames_still_gives_the_right_reading(
        self, backend: str, pytestconfig: pytest.Config, data_format: int
    ) -> None:
        async with self.driver(backend, pytestconfig, "garbage", data_format=data_format) as driver:
            reading = await self.measure(driver, Recorder())
        assert reading.spo2 == 97
        assert reading.pulse == 72

    @pytest.mark.asyncio
    @pytest.mark.parametrize("data_format", [7, 8])
    async def test_babble_is_unreadable_data(
        self, backend: str, pytestconfig: pytest.Config, data_format: int
    ) -> None:
        async with self.driver(
            backend, pytestconfig, "babble", data_format=data_format, silence_timeout=SILENCE
        ) as driver:
            started = time.monotonic()
            with pytest.raises(DeviceProtocolError) as caught:
                await self.measure(driver, Recorder())
            assert time.monotonic() - started < SILENCE + 0.5
        assert caught.value.step == "measure"
        assert "cannot read" in str(caught.value) and "data format" in str(caught.value)
        assert caught.value.params["advice"] == "technician"

    @pytest.mark.asyncio
    async def test_silence_is_a_timeout(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "silence", silence_timeout=SILENCE) as driver:
            with pytest.raises(DeviceTimeout) as caught:
                await driver.identify()
            with pytest.raises(DeviceTimeout):
                await self.measure(driver, Recorder())
        assert caught.value.step == "identify"
        assert "sends no data" in str(caught.value)
        assert caught.value.params["advice"] == "technician"

    @pytest.mark.asyncio
    async def test_unplugged_mid_measurement(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, "unplug", stable_after=30.0) as driver:
            with pytest.raises(DeviceNotConnected) as caught:
                await self.measure(driver, recorder)
        assert caught.value.step == "measure"
        assert recorder.of("pleth")  # it was measuring when it went away

    @pytest.mark.asyncio
    async def test_slow_stream_still_reads(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "slow", speed=10.0) as driver:
            identity = await driver.identify()
            reading = await self.measure(driver, Recorder())
            result = await driver.self_test()
        assert identity.model == "Nonin oximeter (format 7)"
        assert reading.spo2 == 97
        assert result.details["format_reply"] == "ack"  # it came late, but it came

    @pytest.mark.asyncio
    async def test_no_finger_asks_to_check_the_sensor(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(
            backend, pytestconfig, "finger_out", give_up_after=GIVE_UP
        ) as driver:
            with pytest.raises(MeasurementFailed) as caught:
                await self.measure(driver, recorder)
        assert caught.value.params["advice"] == "check_placement"
        assert caught.value.params["device_code"] == "finger_out"
        assert recorder.phases == ["waiting_for_finger"]
        assert Flag.FINGER_OUT in recorder.flags
        assert not any(p.extra["stable"] for p in recorder.of("oximetry"))

    @pytest.mark.asyncio
    async def test_late_finger_waits_then_measures(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, "late_finger", speed=15.0) as driver:
            reading = await self.measure(driver, recorder)
        assert recorder.phases == ["waiting_for_finger", "measuring"]
        assert reading.spo2 == 97
        assert Flag.FINGER_OUT not in reading.flags

    @pytest.mark.asyncio
    async def test_low_battery_is_a_flag(self, backend: str, pytestconfig: pytest.Config) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, "low_battery") as driver:
            result = await driver.self_test()
            reading = await self.measure(driver, recorder)
        assert result.ok and result.details["low_battery"] is True
        assert "battery low" in result.summary
        assert Flag.LOW_BATTERY in reading.flags
        assert Flag.LOW_BATTERY in recorder.flags
        assert reading.spo2 == 97

    @pytest.mark.asyncio
    async def test_motion_is_never_stable(self, backend: str, pytestconfig: pytest.Config) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, "motion", give_up_after=GIVE_UP) as driver:
            with pytest.raises(MeasurementFailed) as caught:
                await self.measure(driver, recorder)
        assert caught.value.params["advice"] == "stay_still"
        assert caught.value.params["device_code"] == "artifact"
        assert Flag.ARTIFACT in recorder.flags
        assert not any(p.extra["stable"] for p in recorder.of("oximetry"))

    @pytest.mark.asyncio
    async def test_low_perfusion_is_reported(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, "low_perfusion") as driver:
            reading = await self.measure(driver, recorder)
        assert reading.perfusion == "low"
        assert Flag.LOW_PERFUSION in reading.flags
        assert Flag.LOW_PERFUSION in recorder.flags

    @pytest.mark.asyncio
    async def test_hypoxia_reads_88(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "hypoxia") as driver:
            reading = await self.measure(driver, Recorder())
        assert reading.spo2 == 88

    # --- abort, cancel, stream ------------------------------------------------------------------

    @pytest.mark.asyncio
    async def test_abort_stops_the_measurement_promptly(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, stable_after=60.0) as driver:
            task = asyncio.create_task(driver.measure(recorder))
            async with asyncio.timeout(5.0):
                while not recorder.of("oximetry"):
                    await asyncio.sleep(0.02)
            started = time.monotonic()
            await driver.abort()
            with pytest.raises(MeasurementAborted) as caught:
                await task
            assert time.monotonic() - started < 0.5
            await driver.ping()  # still there, still readable
        assert caught.value.step == "measure"

    @pytest.mark.asyncio
    async def test_cancelling_leaves_the_driver_usable(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig, stable_after=60.0) as driver:
            task = asyncio.create_task(driver.measure(Recorder()))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await driver.ping()
            identity = await driver.identify()
        assert identity.family == "oximeter"

    @pytest.mark.asyncio
    async def test_stream_for_a_live_view(self, backend: str, pytestconfig: pytest.Config) -> None:
        packets: list[Packet] = []
        async with self.driver(backend, pytestconfig) as driver:
            async with asyncio.timeout(5.0):
                async for packet in driver.stream():
                    packets.append(packet)
                    if len(packets) == 4:
                        break
            reading = await self.measure(driver, Recorder(), backend)  # the stream let go
        assert all(len(p.pleth) == 25 and p.data_format == 7 for p in packets)
        assert reading.stable
        if backend != "device":
            assert {p.firmware for p in packets} == {"16"}
            assert {p.spo2_d for p in packets} == {97}


class CancelSwallowingLink(Link):
    """Streams format 7 and, on its third read, loses a cancellation the way ``asyncio.wait_for``
    does on Python 3.11 when data arrives at the same moment: the request stays counted, the
    CancelledError never comes."""

    name = "swallowing"

    def __init__(self) -> None:
        self.model = NoninModel(7)
        self.now = 0.0
        self.reads = 0

    async def write(self, data: bytes) -> None:
        self.model.receive(data, self.now)

    async def read(self, timeout: float) -> bytes:
        self.reads += 1
        self.now += 0.1
        if self.reads == 3:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0)
        else:
            await asyncio.sleep(0.01)
        return self.model.tick(self.now)

    async def close(self) -> None:
        pass


@pytest.mark.asyncio
async def test_a_cancellation_lost_under_the_link_still_stops_the_measurement() -> None:
    link = CancelSwallowingLink()
    async with NoninDriver(link, stable_after=60.0) as driver:
        task = asyncio.create_task(driver.measure())
        with pytest.raises(asyncio.CancelledError):
            async with asyncio.timeout(2.0):
                await task
        assert link.reads == 3
