"""The pertinence check: common reasons for a visit and the red flags that rule a
teleconsultation out (the patient needs emergency care instead)."""

from __future__ import annotations

# Reasons offered as large buttons, in the order shown. "other" needs free text.
REASONS: tuple[str, ...] = (
    "fever",
    "cough_cold",
    "sore_throat",
    "ear_pain",
    "urinary",
    "skin",
    "eye",
    "digestive",
    "back_pain",
    "headache",
    "prescription_renewal",
    "other",
)

# Questions asked every time; any "yes" ends the teleconsultation path (REFERRED).
RED_FLAGS: tuple[str, ...] = (
    "chest_pain",
    "breathing_difficulty",
    "stroke_signs",
    "heavy_bleeding",
    "loss_of_consciousness",
    "severe_allergic_reaction",
    "suicidal_thoughts",
    "pregnancy_bleeding_or_pain",
)

# What the consent screen explains; all are recorded with the answer.
CONSENT_POINTS: tuple[str, ...] = (
    "what_is_teleconsultation",
    "who_sees_the_data",
    "assistant_stays",
    "may_stop_anytime",
)

DETAILS_MAX = 500
