"""The error tree of the drivers.

Every error names the device family (``bp``, ``thermometer``, ``oximeter``, ``camera``) and the
lifecycle step that failed (``open``, ``identify``, ``self_test``, ``measure``, ``abort``,
``close``), and carries a stable ``code`` that the application turns into plain words.
"""

from __future__ import annotations

from collections.abc import Mapping


class CodecError(ValueError):
    """A pure codec met bytes or values it cannot encode or decode (no I/O involved)."""


class DeviceError(Exception):
    """Base of every error a driver raises."""

    code = "DEVICE_ERROR"

    def __init__(
        self,
        message: str,
        *,
        device: str,
        step: str,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.device = device
        self.step = step
        self.params: dict[str, object] = dict(params or {})

    def __str__(self) -> str:
        return f"{self.device} ({self.step}): {self.args[0]}"


class DeviceNotConnected(DeviceError):
    """The port cannot be opened, or the device went away (unplugged, simulator closed)."""

    code = "DEVICE_NOT_CONNECTED"


class DeviceTimeout(DeviceError):
    """The device stopped answering (silence)."""

    code = "DEVICE_TIMEOUT"


class DeviceProtocolError(DeviceError):
    """The device answers, but not in its protocol (garbage, wrong speed, wrong device)."""

    code = "DEVICE_PROTOCOL"


class DeviceNotReady(DeviceError):
    """A measurement cannot start now (cuff not deflated, probe in its holder...)."""

    code = "DEVICE_NOT_READY"


class DeviceBusy(DeviceError):
    """The device refused the command because it is busy, after the retries."""

    code = "DEVICE_BUSY"


class MeasurementFailed(DeviceError):
    """The device ran the measurement and reported a failure (motion, loose cuff...).

    ``params`` holds ``device_code`` (the protocol's own code) and ``advice``: one of
    ``retake``, ``stay_still``, ``check_placement``, ``tighten_cuff``, ``pause_then_retake``,
    ``technician``, ``out_of_service``.
    """

    code = "MEASUREMENT_FAILED"


class MeasurementAborted(DeviceError):
    """The measurement was stopped on request."""

    code = "MEASUREMENT_ABORTED"
