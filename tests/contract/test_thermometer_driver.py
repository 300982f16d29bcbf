"""The SureTemp Plus driver against its simulator in memory, on a pty and over TCP.

A real module joins with ``--device-url thermometer=/dev/ttyUSB0``: it runs the tests that need
no scripted fault (the measurement then waits for someone to take the probe out).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from devices.errors import (
    DeviceNotConnected,
    DeviceNotReady,
    DeviceProtocolError,
    DeviceTimeout,
    MeasurementAborted,
    MeasurementFailed,
)
from devices.readings import BodyTemperature, Flag, Progress
from devices.simulators.suretemp import SCENARIOS, SureTempModel
from devices.thermometer import SureTempDriver
from devices.thermometer.protocol import Command
from tests.contract.conftest import device_url, served

FAMILY = "thermometer"
SPEED = 40.0  # a 9 s probe cycle in under a quarter of a second
WATCH_SPEED = 20.0  # slow enough for several polls while the module predicts
POLL = 0.1  # the driver polls faster than in the field so short cycles show every phase
REAL_DEVICE_TIMEOUT = 120.0  # a person has to take the probe out


class Recorder:
    """Collects the live progress a screen would show."""

    def __init__(self) -> None:
        self.seen: list[Progress] = []

    def __call__(self, progress: Progress) -> None:
        self.seen.append(progress)

    @property
    def phases(self) -> list[object]:
        return [p.extra["phase"] for p in self.seen if p.kind == "phase"]

    @property
    def probe_temperatures(self) -> list[float]:
        return [p.value for p in self.seen if p.kind == "probe_temperature" and p.value]


class TestSureTempDriver:
    @asynccontextmanager
    async def driver(
        self,
        backend: str,
        config: pytest.Config,
        scenario: str = "normal",
        *,
        speed: float = SPEED,
        models: list[SureTempModel] | None = None,
        model_options: dict[str, object] | None = None,
        **options: object,
    ) -> AsyncIterator[SureTempDriver]:
        """An open driver on ``backend``, its simulator playing ``scenario``."""
        kwargs: dict[str, object] = {"poll_interval": POLL, **options}
        self.measure_timeout = REAL_DEVICE_TIMEOUT if backend == "device" else 15.0
        if backend == "device":
            if scenario != "normal" or model_options:
                pytest.skip(f"scenario {scenario!r} needs the simulator")
            url = device_url(config, FAMILY)
            assert url is not None
            async with SureTempDriver(url, **kwargs) as driver:  # type: ignore[arg-type]
                assert isinstance(driver, SureTempDriver)
                yield driver
            return

        def factory() -> SureTempModel:
            model = SureTempModel(scenario, **(model_options or {}))  # type: ignore[arg-type]
            if models is not None:
                models.append(model)
            return model

        async with (
            served(backend, factory, speed=speed) as target,
            SureTempDriver(target, **kwargs) as driver,  # type: ignore[arg-type]
        ):
            assert isinstance(driver, SureTempDriver)
            yield driver

    async def measure(self, driver: SureTempDriver, recorder: Recorder) -> BodyTemperature:
        async with asyncio.timeout(self.measure_timeout):
            return await driver.measure(recorder)

    # --- identity, presence, self-test ------------------------------------------------------

    @pytest.mark.asyncio
    async def test_identify(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig) as driver:
            identity = await driver.identify()
        assert identity.family == "thermometer"
        assert identity.model == "Welch Allyn SureTemp Plus"
        assert identity.serial is None and identity.firmware is None
        assert identity.port

    @pytest.mark.asyncio
    async def test_ping_is_quick(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig) as driver:
            started = time.monotonic()
            await driver.ping()
            assert time.monotonic() - started < 1.0

    @pytest.mark.asyncio
    async def test_self_test_passes_and_leaves_the_probe_unlocked(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        models: list[SureTempModel] = []
        async with self.driver(backend, pytestconfig, models=models) as driver:
            result = await driver.self_test()
            assert result.ok, result.summary
            assert result.details["post_status"] == 0
            if models:
                assert "thermistor" in result.details["tests_performed"]  # type: ignore[operator]
                assert "heater" in result.summary
                assert result.details["probe_cycle"] == "passed"
                assert models[-1].locked is False
                # The probe is back in its well: the next patient's reading starts cleanly.
                reading = await self.measure(driver, Recorder())
                assert reading.celsius == 37.0

    @pytest.mark.asyncio
    async def test_self_test_reports_a_failed_power_on_test(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig, "post_fail") as driver:
            result = await driver.self_test()
        assert not result.ok
        assert result.details["device_code"] == 7
        assert "code 7" in result.summary

    @pytest.mark.asyncio
    async def test_self_test_without_locked_probe_support_still_passes(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        options = {"unsupported": {Command.LOCK_PROBE}}
        async with self.driver(backend, pytestconfig, model_options=options) as driver:
            result = await driver.self_test()
        assert result.ok
        assert result.details["probe_cycle"] == "not supported"
        assert "not supported" in result.summary

    @pytest.mark.asyncio
    async def test_self_test_when_the_probe_lock_gets_no_answer(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        options = {"ignored": {Command.LOCK_PROBE}}
        async with self.driver(
            backend, pytestconfig, model_options=options, reply_timeout=0.1, retries=1
        ) as driver:
            result = await driver.self_test()
        assert result.ok
        assert "did not answer the probe lock" in result.summary

    @pytest.mark.asyncio
    async def test_self_test_finds_a_missing_probe(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig, "no_probe") as driver:
            result = await driver.self_test()
        assert not result.ok
        assert "no probe" in result.summary

    # --- measurements ---------------------------------------------------------------------------

    @pytest.mark.asyncio
    async def test_normal_measurement_with_live_progress(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, speed=10.0) as driver:
            reading = await self.measure(driver, recorder)
        assert recorder.phases == ["waiting_for_probe", "predicting"]
        temperatures = recorder.probe_temperatures
        assert len(temperatures) >= 2
        assert all(t == round(t, 1) for t in temperatures)
        assert all(p.unit == "Cel" for p in recorder.seen if p.kind == "probe_temperature")
        if backend == "device":
            assert 30.0 <= reading.celsius <= 45.0 or Flag.IMPLAUSIBLE in reading.flags
            return
        assert temperatures == sorted(temperatures)  # the probe warms up
        assert 25.0 <= temperatures[0] < temperatures[-1] < 37.0
        assert reading.celsius == 37.0
        assert reading.site == "oral"
        assert reading.flags == frozenset()
        assert len(reading.raw) == 19
        assert reading.device.model == "Welch Allyn SureTemp Plus"

    @pytest.mark.asyncio
    async def test_fever_on_a_configured_site(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig, "fever", site="axillary") as driver:
            reading = await self.measure(driver, Recorder())
        assert (reading.celsius, reading.site, reading.flags) == (39.8, "axillary", frozenset())

    @pytest.mark.asyncio
    async def test_long_record(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "long_record") as driver:
            reading = await self.measure(driver, Recorder())
        assert reading.celsius == 37.0
        assert len(reading.raw) == 33

    @pytest.mark.asyncio
    async def test_implausible_value_is_flagged(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig, "implausible") as driver:
            reading = await self.measure(driver, Recorder())
        assert reading.celsius == 28.0
        assert reading.flags == frozenset({Flag.IMPLAUSIBLE})

    @pytest.mark.asyncio
    async def test_an_old_final_is_never_returned(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        short = {"predict_seconds": 4.0, "put_back_after": 2.0}
        async with self.driver(
            backend, pytestconfig, speed=WATCH_SPEED, model_options=short
        ) as driver:
            first = await self.measure(driver, Recorder())
            recorder = Recorder()
            # The module still shows the first final: the next reading waits for a new cycle.
            second = await self.measure(driver, recorder)
        assert first.celsius == second.celsius == 37.0
        assert recorder.phases == ["waiting_for_probe", "predicting"]
        assert recorder.probe_temperatures

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("scenario", "code", "flag"),
        [("over_range", 8, Flag.OVER_RANGE), ("under_range", 10, Flag.UNDER_RANGE)],
    )
    async def test_out_of_range_asks_for_a_retake(
        self, backend: str, pytestconfig: pytest.Config, scenario: str, code: int, flag: Flag
    ) -> None:
        async with self.driver(backend, pytestconfig, scenario) as driver:
            with pytest.raises(MeasurementFailed, match="out of the thermometer's range") as caught:
                await self.measure(driver, Recorder())
        error = caught.value
        assert (error.step, error.device) == ("measure", "thermometer")
        assert error.params == {"device_code": code, "advice": "retake", "flag": flag.value}

    @pytest.mark.asyncio
    async def test_repeated_error_calls_a_technician(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig, "error") as driver:
            with pytest.raises(MeasurementFailed) as first:
                await self.measure(driver, Recorder())
            with pytest.raises(MeasurementFailed) as second:
                await self.measure(driver, Recorder())
        assert first.value.params == {"device_code": 5, "advice": "retake"}
        assert second.value.params == {"device_code": 5, "advice": "technician"}
        assert "technician" in str(second.value)

    @pytest.mark.asyncio
    async def test_no_probe(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "no_probe") as driver:
            with pytest.raises(DeviceNotReady, match="no probe connected") as caught:
                await self.measure(driver, Recorder())
        assert caught.value.step == "measure"

    @pytest.mark.asyncio
    async def test_monitor_mode(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, model_options={"method": 1}) as driver:
            with pytest.raises(DeviceNotReady, match="monitor mode"):
                await self.measure(driver, Recorder())

    @pytest.mark.asyncio
    async def test_refused_polls_end_in_a_protocol_error(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        options = {"unsupported": {Command.SEND_TEMPERATURE}}
        async with self.driver(backend, pytestconfig, model_options=options) as driver:
            with pytest.raises(DeviceProtocolError, match="refused") as caught:
                await self.measure(driver, Recorder())
        assert caught.value.step == "measure"

    # --- line faults ----------------------------------------------------------------------------

    @pytest.mark.asyncio
    async def test_garbage_between_frames(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "garbage") as driver:
            await driver.identify()
            reading = await self.measure(driver, Recorder())
            assert (await driver.self_test()).ok
        assert reading.celsius == 37.0

    @pytest.mark.asyncio
    async def test_babble(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "babble") as driver:
            with pytest.raises(DeviceProtocolError, match="unreadable data") as caught:
                await driver.identify()
            assert caught.value.step == "identify"

    @pytest.mark.asyncio
    async def test_silence(self, backend: str, pytestconfig: pytest.Config) -> None:
        async with self.driver(backend, pytestconfig, "silence") as driver:
            started = time.monotonic()
            with pytest.raises(DeviceTimeout, match="thermometer not answering") as caught:
                await driver.identify()
            assert caught.value.step == "identify"
            assert 0.9 < time.monotonic() - started < 1.6  # 4 tries of 0.25 s
            driver.retries = 1  # the same path, quicker
            with pytest.raises(DeviceTimeout, match="the thermometer is not answering") as caught:
                await driver.measure()
            assert caught.value.step == "measure"

    @pytest.mark.asyncio
    async def test_unplugged_while_predicting(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        async with self.driver(backend, pytestconfig, "unplug", speed=WATCH_SPEED) as driver:
            with pytest.raises(DeviceNotConnected) as caught:
                await self.measure(driver, recorder)
        assert caught.value.step == "measure"
        assert "predicting" in recorder.phases

    @pytest.mark.asyncio
    async def test_slow_replies_still_give_the_reading(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        # Real time (speed 1): the replies are really 150 ms late, the cycle is short.
        short = {"probe_out_after": 0.1, "predict_seconds": 0.6, "put_back_after": 1.0}
        async with self.driver(
            backend, pytestconfig, "slow", speed=1.0, model_options=short
        ) as driver:
            await driver.identify()
            reading = await self.measure(driver, Recorder())
        assert reading.celsius == 37.0

    # --- stopping -------------------------------------------------------------------------------

    @pytest.mark.asyncio
    async def test_abort_ends_the_measurement(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        recorder = Recorder()
        waiting = asyncio.Event()

        def on_progress(progress: Progress) -> None:
            recorder(progress)
            waiting.set()

        # A long wait for the probe, as when the assistant has not taken it out yet.
        options = {"probe_out_after": 1000.0}
        async with self.driver(backend, pytestconfig, model_options=options) as driver:
            await driver.abort()  # harmless when nothing runs
            task = asyncio.create_task(driver.measure(on_progress))
            await asyncio.wait_for(waiting.wait(), 5.0)
            started = time.monotonic()
            await driver.abort()
            with pytest.raises(MeasurementAborted) as caught:
                await asyncio.wait_for(task, 5.0)
            assert time.monotonic() - started < 0.5
            assert caught.value.step == "measure"
            await driver.ping()  # still usable
        assert recorder.phases == ["waiting_for_probe"]

    @pytest.mark.asyncio
    async def test_cancelled_measurement_leaves_the_driver_usable(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with self.driver(backend, pytestconfig) as driver:
            task = asyncio.create_task(driver.measure())
            await asyncio.sleep(0.15)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await driver.identify()
            reading = await self.measure(driver, Recorder())
        assert reading.celsius == 37.0


def test_simulator_scenarios() -> None:
    assert {"normal", "garbage", "babble", "silence", "unplug", "slow"} <= set(SCENARIOS)
    with pytest.raises(ValueError, match="long_record"):
        SureTempModel("nonsense")
