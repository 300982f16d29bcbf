"""Typed readings with units and quality flags, as the drivers return them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Flag(StrEnum):
    """Quality flags a reading may carry (the protocols' own conditions, in plain names)."""

    ARTIFACT = "artifact"  # motion or signal artifact during the reading
    OUT_OF_TRACK = "out_of_track"  # sustained artifact (oximeter)
    FINGER_OUT = "finger_out"  # sensor alarm: no finger in the clip
    LOW_PERFUSION = "low_perfusion"
    MARGINAL_PERFUSION = "marginal_perfusion"
    LOW_BATTERY = "low_battery"
    OVER_RANGE = "over_range"
    UNDER_RANGE = "under_range"
    IMPLAUSIBLE = "implausible"  # e.g. a body temperature outside 30-45 °C
    NOT_STABLE = "not_stable"


@dataclass(frozen=True)
class DeviceIdentity:
    family: str  # "bp", "thermometer", "oximeter", "camera"
    model: str
    serial: str | None = None
    firmware: str | None = None
    port: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "family": self.family,
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
            "port": self.port,
        }


@dataclass(frozen=True)
class BloodPressure:
    systolic: int  # mmHg
    diastolic: int
    mean: int
    pulse: int | None  # beats per minute
    taken_at: dt.datetime
    device: DeviceIdentity
    flags: frozenset[Flag] = frozenset()
    raw: bytes = b""  # the result frame as received
    unit: str = "mmHg"


@dataclass(frozen=True)
class BodyTemperature:
    celsius: float  # one decimal
    site: str  # "oral", "axillary", "rectal"
    taken_at: dt.datetime
    device: DeviceIdentity
    flags: frozenset[Flag] = frozenset()
    raw: bytes = b""


@dataclass(frozen=True)
class Oximetry:
    spo2: int | None  # %, None when the device says "missing" (127)
    pulse: int | None  # bpm, None when missing (511)
    perfusion: str | None  # "high", "marginal", "low" or None
    taken_at: dt.datetime
    device: DeviceIdentity
    flags: frozenset[Flag] = frozenset()
    stable: bool = False
    raw: bytes = b""


Reading = BloodPressure | BodyTemperature | Oximetry


@dataclass(frozen=True)
class Progress:
    """Live progress while a measurement runs.

    Kinds, and what they carry (every driver uses these and only these):
    - ``phase``: ``extra["phase"]`` is one of ``starting``, ``inflating``, ``deflating`` (bp),
      ``waiting_for_probe``, ``predicting`` (thermometer), ``waiting_for_finger``,
      ``measuring`` (oximeter); value None.
    - ``cuff_pressure``: value in mmHg (unit "mmHg").
    - ``probe_temperature``: value in °C, one decimal (unit "Cel").
    - ``oximetry``: value = SpO2-D or None; ``extra``: ``pulse`` (int | None), ``perfusion``
      (str | None), ``flags`` (sorted list of Flag values), ``stable`` (bool). About once a second.
    - ``pleth``: value None; ``extra["samples"]``: list of ints (one packet, 25 samples at
      75 Hz for formats 2 and 7; format 8 has no pleth).
    """

    kind: str
    value: float | None
    unit: str
    extra: dict[str, object] = field(default_factory=dict)
