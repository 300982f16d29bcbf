"""The blood-pressure driver's contract, against the SunTech simulator in memory, on a pty and
over TCP, and against a real module given with ``--device-url bp=URL``.

Time is compressed (a 30-second cuff cycle runs in about a second), and the scenarios of one
theme run side by side, each on its own simulated module. What is asserted is what a user notices:
the numbers, the live cuff pressure, the error type and its advice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from devices.bp import SuntechDriver
from devices.bp import protocol as p
from devices.errors import (
    DeviceNotConnected,
    DeviceNotReady,
    DeviceProtocolError,
    DeviceTimeout,
    MeasurementAborted,
    MeasurementFailed,
)
from devices.readings import BloodPressure, Progress
from devices.simulators.suntech import SuntechModel
from tests.contract.conftest import device_url, served

SPEED = 40.0  # a 27-second simulated cycle takes about 0.7 s
POLL_S = 0.1  # the fastest poll the protocol's 100 ms command spacing allows: more progress seen
QUICK_REPLY_TIMEOUT = 0.15  # for scenarios that wait on silence

FAMILY = "bp"  # the real device for --device-url bp=URL


@dataclass
class Bench:
    """One driver opened on a backend, and the simulated modules behind it (none for hardware)."""

    driver: SuntechDriver
    models: list[SuntechModel] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)

    @property
    def model(self) -> SuntechModel:
        assert self.models, "no simulated module (real device?)"
        return self.models[-1]

    def pressures(self) -> list[float]:
        return [q.value for q in self.progress if q.kind == "cuff_pressure" and q.value is not None]

    def phases(self) -> list[object]:
        return [q.extra["phase"] for q in self.progress if q.kind == "phase"]

    async def measure(self) -> BloodPressure:
        return await self.driver.measure(self.progress.append)


@contextlib.asynccontextmanager
async def bench(
    backend: str,
    config: pytest.Config,
    scenario: str = "normal",
    *,
    speed: float = SPEED,
    reply_timeout: float = 0.5,
    cycle_timeout: float = 150.0,
) -> AsyncIterator[Bench]:
    options = {
        "reply_timeout": reply_timeout,
        "poll_interval": POLL_S,
        "cycle_timeout": cycle_timeout,
    }
    if backend == "device":
        if scenario != "normal":
            pytest.skip(f"a real module cannot play the {scenario!r} scenario")
        url = device_url(config, "bp")
        assert url is not None
        async with SuntechDriver(url, **options) as driver:
            yield Bench(driver)
        return
    models: list[SuntechModel] = []

    def factory() -> SuntechModel:
        models.append(SuntechModel(scenario))
        return models[-1]

    async with served(backend, factory, speed=speed) as target:
        driver = SuntechDriver(target, **options)
        async with driver:
            yield Bench(driver, models)


async def wait_for_pressure(run: Bench, mmhg: float, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(v >= mmhg for v in run.pressures()):
        assert time.monotonic() < deadline, f"the cuff never reached {mmhg} mmHg"
        await asyncio.sleep(0.02)


Check = Callable[[Bench], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """One check on its own module: ``scenario`` on the simulator, with ``bench`` options."""

    scenario: str
    check: Check
    options: dict[str, float] = field(default_factory=dict)


async def run_cases(backend: str, config: pytest.Config, *cases: Case) -> None:
    """Run each case on its own simulated module, all at the same time.

    The modules are independent (one simulator and one driver each), so running them together
    only saves wall-clock time; a failure names its case. A real module plays only the
    ``normal`` cases, one after the other.
    """

    async def run(case: Case) -> None:
        try:
            async with bench(backend, config, case.scenario, **case.options) as one:
                await case.check(one)
        except Exception as exc:
            exc.add_note(f"case {case.check.__name__!r}, scenario {case.scenario!r} on {backend}")
            raise

    if backend == "device":
        playable = [case for case in cases if case.scenario == "normal"]
        if not playable:
            pytest.skip("a real module cannot play these scenarios")
        for case in playable:
            await run(case)
        return
    async with asyncio.TaskGroup() as group:
        for case in cases:
            group.create_task(run(case))


def expect_reading(systolic: int, diastolic: int, pulse: int) -> Check:
    async def reading_is_right(run: Bench) -> None:
        reading = await run.measure()
        assert (reading.systolic, reading.diastolic, reading.pulse) == (systolic, diastolic, pulse)
        assert run.pressures(), "the cuff pressure was shown while it measured"

    return reading_is_right


def expect_failure(code: int, advice: str) -> Check:
    async def failure_is_explained(run: Bench) -> None:
        with pytest.raises(MeasurementFailed) as failed:
            await run.measure()
        assert failed.value.step == "measure"
        assert failed.value.params == {"device_code": code, "advice": advice}
        assert "not measured" in str(failed.value)
        assert run.pressures(), "the cuff pressure was shown while it tried"

    return failure_is_explained


# -- checks of one behaviour each, on one module ----------------------------------------------------


async def slow_in_real_time(run: Bench) -> None:
    # Speed 1: every reply really comes 150 ms late.
    assert (await run.driver.identify()).firmware is not None
    await run.driver.ping()


async def busy_then_started(run: Bench) -> None:
    await expect_reading(120, 80, 72)(run)
    assert run.model.commands.count(p.START_BP_ADULT) == 2


async def measure_once_the_cuff_is_empty(run: Bench, patience: float) -> BloodPressure:
    """What the assistant is told to do on DeviceNotReady: wait, then retry."""
    deadline = time.monotonic() + patience
    while True:
        try:
            return await run.measure()
        except DeviceNotReady:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def refused_until_the_cuff_empties(run: Bench) -> None:
    with pytest.raises(DeviceNotReady) as refused:
        await run.measure()
    assert refused.value.args[0] == "the cuff is not deflated (40 mmHg): wait for it to empty"
    assert p.START_BP_ADULT not in run.model.commands
    # The simulated cuff empties 20-22 s after the first command.
    reading = await measure_once_the_cuff_is_empty(run, patience=3.0)
    assert reading.systolic == 120


async def loose_cuff_never_builds_up(run: Bench) -> None:
    await expect_failure(87, "tighten_cuff")(run)
    assert max(run.pressures()) < 20


async def babble_is_a_protocol_error(run: Bench) -> None:
    with pytest.raises(DeviceProtocolError) as failed:
        await run.measure()
    assert "unreadable data" in str(failed.value)
    with pytest.raises(DeviceProtocolError):
        await run.driver.ping()
    result = await run.driver.self_test()
    assert not result.ok
    assert "unreadable data" in result.summary


async def silence_is_a_timeout(run: Bench) -> None:
    with pytest.raises(DeviceTimeout) as failed:
        await run.measure()
    assert "did not answer" in str(failed.value)
    started = time.monotonic()
    with pytest.raises(DeviceTimeout) as pinged:
        await run.driver.ping()
    assert pinged.value.step == "ping"
    assert time.monotonic() - started < 1.5
    result = await run.driver.self_test()  # a verdict, not an exception
    assert not result.ok
    assert "did not answer" in result.summary


async def unplugged_mid_measurement(run: Bench) -> None:
    with pytest.raises(DeviceNotConnected) as failed:
        await run.measure()
    assert failed.value.step == "measure"
    assert run.pressures(), "the cuff pressure was shown before the module went away"


async def stopped_answering_mid_measurement(run: Bench) -> None:
    with pytest.raises(DeviceNotConnected) as failed:
        await run.measure()
    assert "stopped answering" in str(failed.value)
    assert failed.value.params["missed_replies"] == 5
    if run.models:
        assert run.model.commands[-1] == p.ABORT_BP  # tried to deflate the cuff anyway


async def abort_deflates_the_cuff(run: Bench) -> None:
    await run.driver.abort()  # harmless when nothing runs
    task = asyncio.create_task(run.measure())
    await wait_for_pressure(run, 50)
    await run.driver.abort()
    with pytest.raises(MeasurementAborted):
        await task
    if run.models:
        assert run.model.commands.count(p.ABORT_BP) == 2
        assert not run.model.measuring
    # The cuff empties: the driver accepts to start again (a real cuff takes a few seconds).
    run.progress.clear()
    reading = await measure_once_the_cuff_is_empty(run, patience=15.0)
    assert reading.systolic > reading.diastolic


async def cancelling_aborts(run: Bench) -> None:
    task = asyncio.create_task(run.measure())
    await wait_for_pressure(run, 50)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    if run.models:
        assert run.model.commands[-1] == p.ABORT_BP
        assert not run.model.measuring
    await run.driver.ping()  # the link is still usable


async def endless_cycle_is_aborted(run: Bench) -> None:
    with pytest.raises(DeviceTimeout) as failed:
        await run.measure()
    assert "did not end within" in str(failed.value)
    if run.models:
        assert run.model.commands[-1] == p.ABORT_BP
        assert not run.model.measuring


QUICK = {"reply_timeout": QUICK_REPLY_TIMEOUT}


class TestSuntechDriver:
    @pytest.mark.asyncio
    async def test_an_idle_module_identifies_answers_and_passes_its_self_test(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with bench(backend, pytestconfig) as run:
            identity = await run.driver.identify()
            started = time.monotonic()
            await run.driver.ping()
            assert time.monotonic() - started < 1.5
            result = await run.driver.self_test()
        assert identity.family == "bp"
        assert identity.model.startswith("SunTech Advantage")
        assert result.ok, result.summary
        assert result.summary.startswith("blood-pressure module OK")
        if run.models:
            assert identity.model == "SunTech Advantage"  # its version string starts with LX
            assert identity.firmware is not None and identity.firmware.startswith("LX")
            assert result.details["idle_pressure_mmhg"] == 0
            sent = run.model.commands
            assert p.STATUS_SELF_TEST_ADVANTAGE in sent
            assert p.CONTROL_PNEUMATICS_ALL_CLOSED in sent
            assert sent[-1] == p.ABORT_BP  # leaves the valves as a measurement expects them

    @pytest.mark.asyncio
    async def test_normal_measurement_shows_the_cuff_and_gives_the_reading(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        async with bench(backend, pytestconfig) as run:
            reading = await run.measure()
        assert run.phases()[:3] == ["starting", "inflating", "deflating"]
        pressures = run.pressures()
        peak = max(pressures)
        assert peak >= 100
        assert pressures[0] < peak and pressures[-1] < peak  # it rose, then it fell
        assert reading.taken_at.utcoffset() is not None
        assert reading.device.model.startswith("SunTech Advantage")
        assert len(reading.raw) == 0x18
        if run.models:
            assert (reading.systolic, reading.diastolic, reading.mean, reading.pulse) == (
                120,
                80,
                93,
                72,
            )
            assert run.model.commands[-1] == p.GET_BP_DATA
        else:
            assert reading.systolic > reading.diastolic > 0

    @pytest.mark.asyncio
    async def test_scenarios_that_end_in_the_right_reading(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        normal = expect_reading(120, 80, 72)
        await run_cases(
            backend,
            pytestconfig,
            Case("hypertension", expect_reading(185, 115, 90), {"speed": 50.0}),
            Case("garbage", normal),
            Case("slow", normal),
            Case("slow", slow_in_real_time, {"speed": 1.0}),
            Case("busy", busy_then_started),
            Case("no_pressure_value", normal),
            Case("not_deflated", refused_until_the_cuff_empties),
        )

    @pytest.mark.asyncio
    async def test_failed_measurements_say_what_to_do(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        await run_cases(
            backend,
            pytestconfig,
            Case("motion", expect_failure(2, "stay_still")),
            Case("weak_signal", expect_failure(1, "check_placement")),
            Case("loose_cuff", loose_cuff_never_builds_up),
            Case("over_pressure", expect_failure(89, "technician")),
            # Over 120 simulated seconds: compressed harder, or it alone would take 3 s.
            Case("safety_timeout", expect_failure(88, "pause_then_retake"), {"speed": 100.0}),
        )

    @pytest.mark.asyncio
    async def test_line_faults_end_in_clear_errors(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        await run_cases(
            backend,
            pytestconfig,
            Case("babble", babble_is_a_protocol_error, QUICK),
            Case("silence", silence_is_a_timeout, QUICK),
            Case("unplug", unplugged_mid_measurement),
            Case("stops_answering", stopped_answering_mid_measurement, QUICK),
        )

    @pytest.mark.asyncio
    async def test_a_stopped_measurement_leaves_the_cuff_empty(
        self, backend: str, pytestconfig: pytest.Config
    ) -> None:
        await run_cases(
            backend,
            pytestconfig,
            Case("normal", abort_deflates_the_cuff),
            Case("normal", cancelling_aborts),
            Case("normal", endless_cycle_is_aborted, {"cycle_timeout": 0.3}),
        )
