"""Pulse oximeter: Nonin serial data formats 7 (default), 2 and 8."""

from devices.oximeter.nonin import NoninDriver
from devices.oximeter.protocol import Packet

__all__ = ["NoninDriver", "Packet"]
