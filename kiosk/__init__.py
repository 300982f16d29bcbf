"""Assisted-teleconsultation cabin kiosk: the application core (Qt-free, asyncio)."""

__version__ = "0.1.0"
