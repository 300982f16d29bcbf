"""The microphone's self-test: listen for a moment and judge the level.

The doctor must hear the patient: a microphone that is muted, unplugged, stuck or saturated is
found here, by the technician, before a call. The capture goes through the same path as the call's
(``kiosk.call.media.open_microphone``: ALSA, PulseAudio, or the demonstration tone); the verdict is
a pure function of the samples, tested on its own.
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

LISTEN_S = 1.5  # how long the self-test listens
SETTLE_S = 0.25  # the first moments are dropped: a device may click or ramp up when it opens
FIRST_SOUND_TIMEOUT_S = 3.0  # no sound data at all for this long: the device is not delivering
FULL_SCALE = 32768.0
SILENT_DBFS = -90.0  # below this (after removing any constant offset): no live signal at all
QUIET_DBFS = -75.0  # a working microphone in a quiet room stays above this (noise floor)
CLIPPED_FRACTION = 0.01  # more than 1 % of samples at full scale: the gain is too high


@dataclass(frozen=True)
class MicrophoneVerdict:
    ok: bool
    summary: str  # one plain sentence for the technician
    details: dict[str, object]


def dbfs(value: float) -> float:
    """A level relative to full scale, in dB; -inf for nothing at all."""
    return 20.0 * math.log10(value) if value > 0 else float("-inf")


def judge_level(samples: np.ndarray[Any, Any], rate: int, channels: int = 1) -> MicrophoneVerdict:
    """The verdict on what a microphone delivered (16-bit samples, channels interleaved)."""
    values = samples.astype(np.float64).reshape(-1) / FULL_SCALE
    seconds = round(values.size / channels / rate, 2) if rate and channels else 0.0
    if values.size == 0:
        return MicrophoneVerdict(
            False, "Microphone: no sound data arrived", {"error": "NO_AUDIO", "seconds": 0.0}
        )
    peak = float(np.max(np.abs(values)))
    live = values - float(np.mean(values))  # a stuck converter reads as a constant, not as sound
    rms = float(np.sqrt(np.mean(live**2)))
    clipped = float(np.mean(np.abs(values) >= 32767 / FULL_SCALE))
    details: dict[str, object] = {
        "level_dbfs": round(dbfs(rms), 1) if rms > 0 else None,
        "peak_dbfs": round(dbfs(peak), 1) if peak > 0 else None,
        "clipped_percent": round(100 * clipped, 2),
        "seconds": seconds,
    }
    if rms == 0 or dbfs(rms) < SILENT_DBFS:
        details["error"] = "SILENT"
        return MicrophoneVerdict(
            False,
            "Microphone: silent, no signal at all (muted, switched off or unplugged)",
            details,
        )
    if clipped > CLIPPED_FRACTION:
        details["error"] = "SATURATED"
        return MicrophoneVerdict(
            False,
            f"Microphone: saturated ({100 * clipped:.0f} % of the sound at full scale); "
            "lower the input gain",
            details,
        )
    level = f"level {dbfs(rms):.0f} dBFS, peak {dbfs(peak):.0f} dBFS"
    if dbfs(rms) < QUIET_DBFS:
        return MicrophoneVerdict(
            True, f"Microphone: works, very quiet ({level}); check the input gain", details
        )
    return MicrophoneVerdict(True, f"Microphone: works ({level})", details)


async def listen(setting: str, seconds: float = LISTEN_S) -> tuple[np.ndarray[Any, Any], int, int]:
    """Record ``seconds`` from the microphone ``setting`` (``call.microphone``'s syntax): the
    samples (16-bit, channels interleaved), the rate and the number of channels.

    Raises OSError or ValueError when it cannot be opened, TimeoutError when it delivers nothing.
    """
    import av  # PyAV and aiortc: loaded only when needed

    from kiosk.call.media import open_microphone

    track, player = open_microphone(setting)
    chunks: list[np.ndarray[Any, Any]] = []
    rate = 48_000
    channels = 1
    heard = 0.0
    try:
        while heard < SETTLE_S + seconds:
            frame = await asyncio.wait_for(track.recv(), FIRST_SOUND_TIMEOUT_S)
            if not isinstance(frame, av.AudioFrame):
                continue
            rate = frame.sample_rate or rate
            channels = len(frame.layout.channels) or 1
            heard += frame.samples / rate
            if heard > SETTLE_S:
                chunks.append(frame.to_ndarray())
    finally:
        # A player's track stopping ends its reading thread and closes the device (aiortc).
        track.stop()
        del player
    samples = np.concatenate([c.reshape(-1) for c in chunks]) if chunks else np.zeros(0, np.int16)
    return samples, rate, channels


async def check_microphone(setting: str, seconds: float = LISTEN_S) -> MicrophoneVerdict:
    """Open, listen, judge; every failure is a verdict, never an exception."""
    if not setting:
        return MicrophoneVerdict(False, "Microphone: not installed", {"error": "NOT_INSTALLED"})
    try:
        samples, rate, channels = await listen(setting, seconds)
    except TimeoutError:
        return MicrophoneVerdict(
            False,
            f"Microphone: no sound data within {FIRST_SOUND_TIMEOUT_S:g} s",
            {"error": "NO_AUDIO", "device": setting},
        )
    except (OSError, ValueError) as exc:
        logger.warning("microphone: %s cannot be opened: %s", setting, exc)
        return MicrophoneVerdict(
            False,
            f"Microphone: cannot be opened ({setting}); check that it is plugged in",
            {"error": "NOT_CONNECTED", "device": setting},
        )
    verdict = judge_level(samples, rate, channels)
    verdict.details["device"] = setting
    return verdict
