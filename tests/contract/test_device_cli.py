"""``kiosk simulate``, ``kiosk measure``, ``kiosk selftest`` and ``kiosk devices`` as a
technician or a script runs them: real processes, real ptys and TCP on 127.0.0.1."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

KIOSK = [sys.executable, "-m", "kiosk.cli"]


def kiosk(
    *args: str, timeout: float = 60.0, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KIOSK, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False
    )


@contextmanager
def simulators(*args: str) -> Iterator[dict[str, str]]:
    """Start ``kiosk simulate ARGS``; yield {device: port} from its JSON lines."""
    process = subprocess.Popen(
        [*KIOSK, "simulate", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        ports: dict[str, str] = {}
        expected = 3 if not args or args[0] in ("all",) or args[0].startswith("-") else 1
        while len(ports) < expected:
            line = process.stdout.readline()
            assert line, f"the simulator stopped: {process.stderr.read() if process.stderr else ''}"
            item = json.loads(line)
            ports[item["device"]] = item["port"]
        yield ports
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_measure_blood_pressure_prints_one_json_object(transport: str) -> None:
    extra = ["--tcp"] if transport == "tcp" else []
    with simulators("bp", "--speed", "25", *extra) as ports:
        url = ports["bp"]
        assert (
            url.startswith("socket://127.0.0.1:")
            if transport == "tcp"
            else url.startswith("/dev/pts/")
        )
        done = kiosk("measure", "bp", "--port", url, "--json", "--timeout", "30")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    data = json.loads(line)
    assert data["kind"] == "blood_pressure"
    assert (data["systolic"], data["diastolic"], data["mean"], data["pulse"]) == (120, 80, 93, 72)
    assert data["unit"] == "mmHg" and data["device"]["family"] == "bp"
    assert isinstance(data["flags"], list)


@pytest.mark.slow
def test_measure_temperature_and_spo2() -> None:
    with simulators("--speed", "25") as ports:
        temperature = kiosk("measure", "temperature", "--port", ports["thermometer"], "--json")
        spo2 = kiosk("measure", "spo2", "--port", ports["oximeter"], "--json", "--format", "7")
    assert temperature.returncode == 0, temperature.stderr
    data = json.loads(temperature.stdout)
    assert data["kind"] == "body_temperature" and data["celsius"] == 37.0
    assert data["site"] == "oral"
    assert spo2.returncode == 0, spo2.stderr
    data = json.loads(spo2.stdout)
    assert data["kind"] == "oximetry" and (data["spo2"], data["pulse"]) == (97, 72)
    assert data["perfusion"] == "high"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "words"),
    [
        ("motion", "(error 2)"),
        ("loose_cuff", "(error 87)"),
        ("over_pressure", "(error 89)"),
    ],
)
def test_a_failed_reading_is_one_plain_sentence(scenario: str, words: str) -> None:
    with simulators("bp", "--speed", "25", "--scenario", scenario) as ports:
        done = kiosk("measure", "bp", "--port", ports["bp"], "--json", "--timeout", "30")
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("kiosk: blood-pressure cuff: ") and words in line
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_measure_on_a_port_that_does_not_exist() -> None:
    done = kiosk("measure", "spo2", "--port", "/dev/does-not-exist", "--timeout", "5")
    assert done.returncode == 1
    assert done.stderr.startswith("kiosk: pulse oximeter: ")
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_measure_on_a_silent_device_times_out_in_plain_words() -> None:
    with simulators("thermometer", "--scenario", "silence") as ports:
        done = kiosk("measure", "temperature", "--port", ports["thermometer"], "--timeout", "10")
    assert done.returncode == 1
    assert done.stderr.startswith("kiosk: thermometer: ") and "Traceback" not in done.stderr


def test_unknown_scenario_names_the_valid_ones() -> None:
    done = kiosk("simulate", "bp", "--scenario", "nonsense", timeout=20)
    assert done.returncode == 2
    assert "nonsense" in done.stderr and "normal" in done.stderr


@pytest.mark.slow
def test_selftest_of_simulated_devices(tmp_path: Path) -> None:
    done = kiosk("selftest", "--simulate", "--json", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    results = {item["device"]: item for item in map(json.loads, done.stdout.splitlines())}
    assert set(results) == {
        "bp",
        "thermometer",
        "oximeter",
        "otoscope",
        "room_camera",
        "microphone",
    }
    assert all(item["ok"] for item in results.values()), results
    assert "works (level" in results["microphone"]["summary"]  # the demonstration tone
    assert results["bp"]["identity"]["model"].startswith("SunTech")


@pytest.mark.slow
def test_selftest_fails_when_a_device_is_missing(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[devices]\nbp = "/dev/does-not-exist"\nthermometer = ""\noximeter = ""\n'
        'otoscope = ""\nroom_camera = ""\n'
    )
    done = kiosk("--config", str(config), "selftest", cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert "blood-pressure cuff: FAIL" in done.stdout
    assert "Traceback" not in done.stderr


def test_devices_lists_ports_cameras_and_what_is_configured(tmp_path: Path) -> None:
    done = kiosk("devices", cwd=tmp_path, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Serial ports:" in done.stdout and "Cameras:" in done.stdout
    assert "bp: /dev/kiosk/bp" in done.stdout
