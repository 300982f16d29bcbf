"""Codes from the core turned into words, in the language of the screen.

Source texts are English; French comes from ``ui/i18n/kiosk_fr.ts`` (the default language).
Placeholders are ``{name}`` and are filled after translation.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication

from kiosk.flow import State

translate = QCoreApplication.translate


def field_error(code: str, params: Mapping[str, object]) -> str:
    texts = {
        "REQUIRED": translate("Messages", "Please fill in this field."),
        "TOO_LONG": translate("Messages", "Too long: {max} characters at most."),
        "INVALID_CHARACTERS": translate(
            "Messages", "Only letters, spaces, hyphens and apostrophes, please."
        ),
        "INVALID_CHOICE": translate("Messages", "Please choose one of the answers."),
        "DATE_FORMAT": translate("Messages", "Write the date as day/month/year, e.g. 24/06/1952."),
        "DATE_IMPOSSIBLE": translate(
            "Messages", "This date does not exist ({day}/{month}/{year}). Please check it."
        ),
        "DATE_IN_FUTURE": translate("Messages", "This date is in the future."),
        "DATE_TOO_OLD": translate(
            "Messages", "This date is too far in the past. Please check the year."
        ),
        "NIR_LENGTH": translate(
            "Messages",
            "A social security number has 15 characters (13 + 2-digit key); {length} found.",
        ),
        "NIR_CHARACTERS": translate(
            "Messages", "Only digits, please (2A or 2B for Corsica, in 6th and 7th place)."
        ),
        "NIR_SEX_DIGIT": translate("Messages", "The first digit must be 1 or 2."),
        "NIR_MONTH": translate("Messages", "Digits 4 and 5 (month of birth) are not valid."),
        "NIR_DEPARTMENT": translate(
            "Messages", "Digits 6 and 7 (department of birth) are not valid."
        ),
        "NIR_KEY": translate(
            "Messages", "The last two digits (the key) do not match the number: check each digit."
        ),
        "NIR_BIRTH_YEAR_MISMATCH": translate(
            "Messages",
            "The number says a birth year ending in {nir_year}, but the date of birth is {birth_year}.",
        ),
        "NIR_BIRTH_MONTH_MISMATCH": translate(
            "Messages", "The month in the number does not match the month of birth."
        ),
        "UNANSWERED": translate("Messages", "Please answer every question."),
    }
    text = texts.get(code, translate("Messages", "This answer is not valid."))
    return _fill(text, params)


def notice(code: str, params: Mapping[str, object]) -> str:
    texts = {
        "WRONG_PIN": translate("Messages", "Wrong PIN. Please try again."),
        "SCREEN_LOCKED": translate(
            "Messages", "Too many wrong PINs. The screen is locked for {seconds} seconds."
        ),
        "DATABASE_RECOVERED": translate(
            "Messages",
            "The data file could not be read. It was kept aside, untouched ({path}), and the kiosk "
            "started with a new one. Please tell your technician.",
        ),
        "SESSION_NOT_FOUND": translate("Messages", "This session can no longer be resumed."),
        "STORAGE_FAILED": translate(
            "Messages",
            "This step could not be saved, so the screen has not changed. Please try again; if it "
            "happens again, call your technician.",
        ),
        "INVALID_TRANSITION": translate("Messages", "This action is not possible at this step."),
        "GUARD_REFUSED": translate("Messages", "This step needs the previous ones first."),
    }
    text = texts.get(
        code, translate("Messages", "Something went wrong ({code}).").replace("{code}", code)
    )
    return _fill(text, params)


def state_name(state: State) -> str:
    names = {
        State.IDLE: translate("Messages", "Home"),
        State.IDENTIFY: translate("Messages", "Identity"),
        State.CONSENT: translate("Messages", "Consent"),
        State.TRIAGE: translate("Messages", "Reason for the visit"),
        State.MEASURE: translate("Messages", "Measurements"),
        State.WAITING_FOR_DOCTOR: translate("Messages", "Waiting for a doctor"),
        State.IN_CALL: translate("Messages", "With the doctor"),
        State.REPORT: translate("Messages", "Report"),
        State.HYGIENE: translate("Messages", "Cleaning"),
        State.REFERRED: translate("Messages", "Emergency referral"),
        State.ABANDONED: translate("Messages", "Ended"),
        State.OUT_OF_SERVICE: translate("Messages", "Out of service"),
    }
    return names[state]


def reason_label(code: str) -> str:
    labels = {
        "fever": translate("Messages", "Fever"),
        "cough_cold": translate("Messages", "Cough, cold"),
        "sore_throat": translate("Messages", "Sore throat"),
        "ear_pain": translate("Messages", "Ear pain"),
        "urinary": translate("Messages", "Urinary problem"),
        "skin": translate("Messages", "Skin problem"),
        "eye": translate("Messages", "Red or sore eye"),
        "digestive": translate("Messages", "Stomach, digestion"),
        "back_pain": translate("Messages", "Back pain"),
        "headache": translate("Messages", "Headache"),
        "prescription_renewal": translate("Messages", "Prescription renewal"),
        "other": translate("Messages", "Other reason"),
    }
    return labels.get(code, code)


def red_flag_question(code: str) -> str:
    questions = {
        "chest_pain": translate("Messages", "Pain or tightness in the chest?"),
        "breathing_difficulty": translate("Messages", "Great difficulty breathing?"),
        "stroke_signs": translate(
            "Messages", "Face drooping, arm weakness or trouble speaking, even briefly?"
        ),
        "heavy_bleeding": translate("Messages", "Heavy bleeding that does not stop?"),
        "loss_of_consciousness": translate("Messages", "Fainted or lost consciousness?"),
        "severe_allergic_reaction": translate(
            "Messages", "Swelling of the face or throat, or a severe allergic reaction?"
        ),
        "suicidal_thoughts": translate("Messages", "Thoughts of ending their life?"),
        "pregnancy_bleeding_or_pain": translate(
            "Messages", "Pregnant, with bleeding or belly pain?"
        ),
    }
    return questions.get(code, code)


def consent_point(code: str) -> str:
    points = {
        "what_is_teleconsultation": translate(
            "Messages",
            "A teleconsultation is a real medical consultation with a doctor, by video. The doctor "
            "sees and hears you, and sees the measurements taken here.",
        ),
        "who_sees_the_data": translate(
            "Messages",
            "Only the doctor, the assistant beside you and your own doctors see your data. They are "
            "protected by medical confidentiality.",
        ),
        "assistant_stays": translate(
            "Messages", "The assistant stays with you during the whole consultation to help you."
        ),
        "may_stop_anytime": translate(
            "Messages", "You may stop at any moment, without giving a reason."
        ),
    }
    return points.get(code, code)


def _fill(text: str, params: Mapping[str, object]) -> str:
    for key, value in params.items():
        text = text.replace("{" + key + "}", str(value))
    return text
