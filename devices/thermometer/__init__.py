"""Thermometer family: the Welch Allyn SureTemp Plus OEM module."""

from devices.thermometer.suretemp import SureTempDriver

__all__ = ["SureTempDriver"]
