"""The microphone's self-test: the verdict on a level, and real captures through ALSA.

The ALSA captures are real: PyAV's ALSA input reads PCM devices defined in a private ALSA
configuration, each fed from a file (silence, a quiet voice-like tone, a saturated signal), in a
``kiosk selftest`` process, exactly as on a cabin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kiosk.services.microphone import check_microphone, judge_level

KIOSK = [sys.executable, "-m", "kiosk.cli"]
RATE = 48_000


def tone(level: float, seconds: float = 1.0, frequency: float = 300.0) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return np.clip(level * np.sin(2 * np.pi * frequency * t) * 32768, -32768, 32767).astype(
        np.int16
    )


def test_digital_silence_fails_in_plain_words() -> None:
    verdict = judge_level(np.zeros(RATE, np.int16), RATE)
    assert not verdict.ok
    assert "silent" in verdict.summary and "muted" in verdict.summary
    assert verdict.details["error"] == "SILENT"


def test_a_stuck_converter_is_silence_too() -> None:
    verdict = judge_level(np.full(RATE, -1200, np.int16), RATE)
    assert not verdict.ok and verdict.details["error"] == "SILENT"


def test_a_voice_level_passes_and_reports_the_level() -> None:
    verdict = judge_level(tone(0.1), RATE)
    assert verdict.ok, verdict.summary
    assert verdict.details["level_dbfs"] == pytest.approx(-23.0, abs=0.5)  # 0.1 / sqrt(2)
    assert verdict.details["peak_dbfs"] == pytest.approx(-20.0, abs=0.5)
    assert "works" in verdict.summary and "-23 dBFS" in verdict.summary


def test_a_quiet_room_passes_with_a_hint_about_the_gain() -> None:
    rng = np.random.default_rng(7)
    hiss = (rng.normal(0, 4, RATE)).astype(np.int16)  # about -78 dBFS: a muted-low gain
    verdict = judge_level(hiss, RATE)
    assert verdict.ok
    assert "very quiet" in verdict.summary and "gain" in verdict.summary


def test_saturation_fails_and_says_to_lower_the_gain() -> None:
    verdict = judge_level(tone(3.0), RATE)  # a sine three times over full scale, clipped
    assert not verdict.ok
    assert verdict.details["error"] == "SATURATED"
    assert "lower the input gain" in verdict.summary


def test_nothing_recorded_is_a_failure() -> None:
    verdict = judge_level(np.zeros(0, np.int16), RATE)
    assert not verdict.ok and verdict.details["error"] == "NO_AUDIO"


def test_stereo_duration_counts_frames_not_samples() -> None:
    stereo = np.repeat(tone(0.1, seconds=1.0), 2)
    assert judge_level(stereo, RATE, channels=2).details["seconds"] == 1.0


@pytest.mark.asyncio
async def test_the_demonstration_tone_passes() -> None:
    verdict = await check_microphone("synthetic")
    assert verdict.ok, verdict.summary
    # A 0.2 sine half of the time: RMS 0.1, -20 dBFS.
    assert verdict.details["level_dbfs"] == pytest.approx(-20.0, abs=1.5)


@pytest.mark.asyncio
async def test_no_microphone_configured_is_not_installed() -> None:
    verdict = await check_microphone("")
    assert not verdict.ok and verdict.details["error"] == "NOT_INSTALLED"


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_a_wrong_setting_is_a_verdict_not_an_exception() -> None:
    verdict = await check_microphone("bluetooth:headset")
    assert not verdict.ok and verdict.details["error"] == "NOT_CONNECTED"


# -- real ALSA captures in a kiosk process ---------------------------------------------------
@pytest.fixture
def alsa_home(tmp_path: Path) -> Path:
    """A home whose ~/.asoundrc defines capture devices fed from files (stereo, 16-bit, 48 kHz)."""
    voice = np.repeat(tone(0.05, seconds=10.0), 2)  # -29 dBFS: someone talking a metre away
    voice.astype("<i2").tofile(tmp_path / "voice.raw")
    loud = np.repeat(tone(4.0, seconds=10.0), 2)
    loud.astype("<i2").tofile(tmp_path / "loud.raw")
    devices = {"silent_mic": "/dev/zero", "voice_mic": tmp_path / "voice.raw"}
    devices["loud_mic"] = tmp_path / "loud.raw"
    (tmp_path / ".asoundrc").write_text(
        "".join(
            f'pcm.{name} {{\n  type file\n  slave.pcm "null"\n  file "/dev/null"\n'
            f'  infile "{source}"\n  format "raw"\n}}\n'
            for name, source in devices.items()
        )
    )
    return tmp_path


def selftest_microphone(home: Path, setting: str) -> tuple[int, dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "ALSA_"))}
    env.update(HOME=str(home), KIOSK_CALL__MICROPHONE=setting)
    done = subprocess.run(
        [*KIOSK, "selftest", "--simulate", "--json", "microphone"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=home,
        env=env,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    (line,) = done.stdout.splitlines()
    return done.returncode, json.loads(line)


@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/usr/share/alsa/alsa.conf").is_file(),
    reason="Debian's ALSA configuration (libasound2-data, installed by scripts/install.sh)",
)
def test_real_alsa_captures_get_their_verdicts(alsa_home: Path) -> None:
    code, voice = selftest_microphone(alsa_home, "alsa:voice_mic")
    assert code == 0 and voice["ok"], voice
    details = voice["details"]
    assert isinstance(details, dict)
    assert details["level_dbfs"] == pytest.approx(-29.0, abs=1.0)

    code, silent = selftest_microphone(alsa_home, "alsa:silent_mic")
    assert code == 1 and not silent["ok"]
    assert "silent" in str(silent["summary"])

    code, loud = selftest_microphone(alsa_home, "alsa:loud_mic")
    assert code == 1 and not loud["ok"]
    assert "saturated" in str(loud["summary"])

    code, missing = selftest_microphone(alsa_home, "alsa:no_such_card")
    assert code == 1 and not missing["ok"]
    assert "cannot be opened (alsa:no_such_card)" in str(missing["summary"])
