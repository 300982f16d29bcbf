"""The cleaning checklist between two patients: what the assistant confirms, in the order shown."""

from __future__ import annotations

from kiosk.flow.states import State

# Codes of what is cleaned after every patient, each confirmed by one touch.
HYGIENE_ITEMS: tuple[str, ...] = (
    "cuff",
    "probe_cover",
    "oximeter_clip",
    "speculum",
    "screen",
    "seat",
)

# A session left in one of these states still owes the cabin a cleaning: the patient has been in
# the cabin and the session ends through HYGIENE. No new session starts while one exists.
CLEANING_DUE_STATES = frozenset({State.REFERRED, State.ABANDONED, State.HYGIENE})
