"""Values the assistant must look at twice are highlighted (never a diagnosis)."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.services.measurements import alerts_for


@pytest.mark.parametrize(
    ("kind", "values", "expected"),
    [
        ("blood_pressure", {"systolic": 120, "diastolic": 80, "pulse": 72}, ()),
        ("blood_pressure", {"systolic": 180, "diastolic": 90, "pulse": 72}, ("bp_high",)),
        ("blood_pressure", {"systolic": 150, "diastolic": 110, "pulse": 72}, ("bp_high",)),
        ("blood_pressure", {"systolic": 179, "diastolic": 109, "pulse": 72}, ()),
        ("blood_pressure", {"systolic": 85, "diastolic": 50, "pulse": 72}, ("bp_low",)),
        (
            "blood_pressure",
            {"systolic": 120, "diastolic": 80, "pulse": 150},
            ("pulse_out_of_range",),
        ),
        ("body_temperature", {"celsius": 39.5}, ("temperature_high",)),
        ("body_temperature", {"celsius": 39.4}, ()),
        ("body_temperature", {"celsius": 34.9}, ("temperature_low",)),
        ("oximetry", {"spo2": 91, "pulse": 80}, ("spo2_low",)),
        ("oximetry", {"spo2": 92, "pulse": 80}, ()),
        ("oximetry", {"spo2": None, "pulse": None}, ()),  # missing values are no alert
    ],
)
def test_alerts(kind: str, values: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert alerts_for(kind, values) == expected
