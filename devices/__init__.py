"""Device drivers for the cabin (blood pressure, thermometer, oximeter, cameras).

Written as if it were a separate library: no Qt, no import from ``kiosk``.
"""
