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
        "STILL_NOT_SAVED": translate(
            "Messages",
            "The picture could not be saved. Please capture it again; if it happens again, call "
            "your technician.",
        ),
        "STORAGE_FULL": translate(
            "Messages",
            "The cabin's memory is full: this was not saved. What was saved before is kept. Call "
            "your technician to free some space, then try again.",
        ),
        "BUNDLE_FAILED": translate(
            "Messages", "The support bundle could not be written ({path}). Is the disk full?"
        ),
    }
    guards = {
        "cabin_clean": translate(
            "Messages",
            "The cabin has not been cleaned since the last patient: finish the cleaning first.",
        ),
        "checklist_done": translate(
            "Messages", "Confirm every item of the cleaning checklist first."
        ),
    }
    if code == "GUARD_REFUSED" and str(params.get("guard")) in guards:
        return guards[str(params["guard"])]
    text = texts.get(
        code, translate("Messages", "Something went wrong ({code}).").replace("{code}", code)
    )
    return _fill(text, params)


def hygiene_item(code: str) -> str:
    """What is cleaned between two patients (kiosk.flow.HYGIENE_ITEMS)."""
    names = {
        "cuff": translate("Messages", "Blood pressure cuff"),
        "probe_cover": translate("Messages", "Thermometer probe cover"),
        "oximeter_clip": translate("Messages", "Oximeter clip"),
        "speculum": translate("Messages", "Otoscope speculum"),
        "screen": translate("Messages", "Screen"),
        "seat": translate("Messages", "Seat"),
    }
    return names.get(code, code)


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


# -- measurements --------------------------------------------------------------------------------
def measurement_name(kind: str) -> str:
    """What is measured: a tile's title, a guided panel's title, a line of the summary."""
    names = {
        "blood_pressure": translate("Messages", "Blood pressure"),
        "temperature": translate("Messages", "Temperature"),
        "body_temperature": translate("Messages", "Temperature"),
        "spo2": translate("Messages", "Oxygen (SpO2) and pulse"),
        "oximetry": translate("Messages", "Oxygen (SpO2) and pulse"),
        "otoscope": translate("Messages", "Otoscope"),
    }
    return names.get(kind, kind)


def device_name(family: str) -> str:
    """A device, as the first word of a sentence ("Thermometer: not connected...")."""
    names = {
        "bp": translate("Messages", "Blood pressure monitor"),
        "thermometer": translate("Messages", "Thermometer"),
        "oximeter": translate("Messages", "Pulse oximeter"),
        "otoscope": translate("Messages", "Otoscope"),
        "camera": translate("Messages", "Camera"),
        "room_camera": translate("Messages", "Room camera"),
        "microphone": translate("Messages", "Microphone"),
    }
    return names.get(family, family)


def device_status(status: str) -> str:
    words = {
        "ready": translate("Messages", "ready"),
        "connecting": translate("Messages", "connecting..."),
        "in_use": translate("Messages", "in use"),
        "not_connected": translate("Messages", "not connected"),
        "not_installed": translate("Messages", "not installed in this cabin"),
    }
    return words.get(status, status)


def advice(code: str) -> str:
    """What the assistant should do after a failed measurement."""
    texts = {
        "retake": translate("Messages", "Please take the measurement again."),
        "stay_still": translate(
            "Messages", "Ask the patient to stay still and not to talk, then take it again."
        ),
        "check_placement": translate(
            "Messages", "Check how the sensor is placed on the patient, then take it again."
        ),
        "tighten_cuff": translate(
            "Messages",
            "The cuff seems loose: tighten it on the bare arm (one finger should just slip "
            "under it), then take it again.",
        ),
        "pause_then_retake": translate(
            "Messages", "Let the patient rest for a minute, then take it again."
        ),
        "technician": translate(
            "Messages", "Stop: do not use this device again, and call a technician."
        ),
        "out_of_service": translate(
            "Messages", "This device is out of service: do not use it, and call a technician."
        ),
    }
    return texts.get(code, texts["retake"])


# Advice after which the same device must not be used again at once.
STOP_ADVICE = frozenset({"technician", "out_of_service"})


def device_error(code: str, params: Mapping[str, object]) -> str:
    """A device problem in plain words: what happened, then what to do."""
    device = device_name(str(params.get("device") or ""))
    texts = {
        "MEASUREMENT_FAILED": translate("Messages", "{device}: the measurement did not succeed."),
        "DEVICE_NOT_CONNECTED": translate(
            "Messages",
            "{device}: not connected. Check that its cable is plugged in at both ends, then try "
            "again.",
        ),
        "DEVICE_TIMEOUT": translate(
            "Messages",
            "{device}: the device is not answering. Check that it is switched on and plugged in, "
            "then try again.",
        ),
        "DEVICE_NOT_READY": translate(
            "Messages",
            "{device}: the device is not ready to measure (probe still in its holder, cuff not "
            "yet deflated...). Wait a moment, then try again.",
        ),
        "DEVICE_PROTOCOL": translate(
            "Messages",
            "{device}: the device answers in a way the cabin does not understand. Unplug it and "
            "plug it in again; if it happens again, call a technician.",
        ),
        "DEVICE_BUSY": translate(
            "Messages", "{device}: the device is busy. Wait a few seconds, then try again."
        ),
        "STORAGE_FULL": translate(
            "Messages",
            "{device}: the cabin's memory is full, so this measurement was not saved. What was "
            "saved before is kept. Call your technician to free some space, then measure again.",
        ),
        "STORAGE_FAILED": translate(
            "Messages",
            "{device}: this measurement could not be saved. Please measure again; if it happens "
            "again, call your technician.",
        ),
    }
    # Where the device says more than "not ready", say what to look at on that device.
    by_device = {
        ("DEVICE_NOT_READY", "bp"): translate(
            "Messages",
            "{device}: the cuff is not empty yet. Wait for it to deflate completely, then try "
            "again.",
        ),
        ("DEVICE_NOT_READY", "thermometer"): translate(
            "Messages",
            "{device}: the probe is not ready (not plugged into the thermometer, or the "
            "thermometer is in another mode). Check the probe, then try again.",
        ),
    }
    text = by_device.get((code, str(params.get("device") or ""))) or texts.get(
        code, translate("Messages", "{device}: the device reported a problem ({code}).")
    )
    text = text.replace("{device}", device).replace("{code}", code)
    if code == "MEASUREMENT_FAILED":
        text += " " + advice(str(params.get("advice") or "retake"))
        if str(params.get("device_code", "")).isdigit():  # a protocol's number, not a word
            text += " " + translate("Messages", "(device code {code})").replace(
                "{code}", str(params["device_code"])
            )
    return text


def alert_label(name: str) -> str:
    """A value outside the usual range, named for the assistant (no diagnosis)."""
    labels = {
        "bp_high": translate("Messages", "Very high blood pressure"),
        "bp_low": translate("Messages", "Low blood pressure"),
        "temperature_high": translate("Messages", "High temperature"),
        "temperature_low": translate("Messages", "Low temperature"),
        "spo2_low": translate("Messages", "Low oxygen saturation"),
        "pulse_out_of_range": translate("Messages", "Unusual pulse rate"),
    }
    return labels.get(name, name)


def quality_flag(flag: str) -> str:
    """A reading's quality flag, in words."""
    labels = {
        "artifact": translate("Messages", "movement during the measurement"),
        "out_of_track": translate("Messages", "signal lost for a while"),
        "finger_out": translate("Messages", "finger out of the clip"),
        "low_perfusion": translate("Messages", "weak pulse signal"),
        "marginal_perfusion": translate("Messages", "faint pulse signal"),
        "low_battery": translate("Messages", "device battery low"),
        "over_range": translate("Messages", "above what the device can measure"),
        "under_range": translate("Messages", "below what the device can measure"),
        "implausible": translate("Messages", "unlikely value: check it"),
        "not_stable": translate("Messages", "value not yet stable"),
    }
    return labels.get(flag, flag)


def decimal(value: float, digits: int = 1) -> str:
    """A number with the decimal separator of the screen's language (39.8 / 39,8)."""
    separator = translate("Messages", ".", "decimal separator")
    return f"{value:.{digits}f}".replace(".", separator)


def reading_value(kind: str, values: Mapping[str, object]) -> str:
    """The main value of a reading, as shown in large type."""
    if kind == "blood_pressure":
        return (
            translate("Messages", "{systolic}/{diastolic} mmHg")
            .replace("{systolic}", str(values.get("systolic")))
            .replace("{diastolic}", str(values.get("diastolic")))
        )
    if kind == "body_temperature":
        celsius = values.get("celsius")
        return (decimal(float(celsius)) if isinstance(celsius, int | float) else "--") + " °C"
    if kind == "oximetry":
        spo2 = values.get("spo2")
        return translate("Messages", "SpO2 {spo2} %").replace(
            "{spo2}", "--" if spo2 is None else str(spo2)
        )
    return ""


def reading_details(kind: str, values: Mapping[str, object]) -> str:
    """The other numbers of a reading (pulse, mean pressure, site), on one line."""
    parts: list[str] = []
    if values.get("pulse") is not None:
        parts.append(pulse_rate(values["pulse"]))
    if kind == "blood_pressure" and values.get("mean") is not None:
        parts.append(
            translate("Messages", "mean {mean} mmHg").replace("{mean}", str(values["mean"]))
        )
    if kind == "body_temperature":
        sites = {
            "oral": translate("Messages", "under the tongue"),
            "axillary": translate("Messages", "under the arm"),
            "rectal": translate("Messages", "rectal"),
        }
        site = str(values.get("site") or "")
        if site:
            parts.append(sites.get(site, site))
    return "  ·  ".join(parts)


def pulse_rate(pulse: object) -> str:
    """``pulse 72/min``; dashes while the device has no value yet."""
    return translate("Messages", "pulse {pulse}/min").replace(
        "{pulse}", "--" if pulse is None else str(pulse)
    )


def ear_site(site: str) -> str:
    sites = {
        "left_ear": translate("Messages", "Left ear"),
        "right_ear": translate("Messages", "Right ear"),
    }
    return sites.get(site, translate("Messages", "Other"))


def measure_step(kind: str, step: str) -> str:
    """The short instruction shown while a measurement runs, for the device's current phase."""
    texts = {
        ("blood_pressure", "starting"): translate(
            "Messages",
            "Patient seated, back supported, feet flat, arm resting at heart level. Cuff on the "
            "bare upper arm, 2 cm above the elbow. No talking, no moving.",
        ),
        ("blood_pressure", "inflating"): translate(
            "Messages", "The cuff is inflating. The patient stays still and silent."
        ),
        ("blood_pressure", "deflating"): translate(
            "Messages", "The cuff is deflating: almost done. The patient stays still."
        ),
        ("temperature", "starting"): translate(
            "Messages", "Take the probe out of its holder and put a new cover on it."
        ),
        ("temperature", "waiting_for_probe"): translate(
            "Messages", "Take the probe out of its holder and put a new cover on it."
        ),
        ("temperature", "predicting"): translate(
            "Messages",
            "Probe under the tongue, far back to one side. The patient keeps the mouth closed "
            "until the beep.",
        ),
        ("spo2", "starting"): translate(
            "Messages",
            "Put the index or middle finger fully into the clip, nail up. The hand rests, warm "
            "and still.",
        ),
        ("spo2", "waiting_for_finger"): translate(
            "Messages",
            "Put the index or middle finger fully into the clip, nail up. The hand rests, warm "
            "and still.",
        ),
        ("spo2", "measuring"): translate(
            "Messages", "Measuring: the hand stays still until the values settle."
        ),
        ("otoscope", "starting"): translate("Messages", "The otoscope is starting..."),
        ("otoscope", "preview"): translate(
            "Messages",
            "Gently pull the ear up and back, insert the tip, then capture each ear when the "
            "eardrum is sharp.",
        ),
    }
    return texts.get((kind, step)) or texts.get((kind, "starting"), "")


# -- technician mode and device service ----------------------------------------------------------
def short_date(iso: str) -> str:
    """``DD/MM`` from an ISO date."""
    return f"{iso[8:10]}/{iso[5:7]}" if len(iso) >= 10 else iso


def long_date(iso: str) -> str:
    """``DD/MM/YYYY`` from an ISO date (or time)."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}" if len(iso) >= 10 else iso


def device_service(service: str, reason: str | None, due: str | None) -> str:
    """What the assistant's menu says of a device's service state ('' when it is usable)."""
    if service == "out_of_service":
        if reason == "calibration_overdue":
            return translate(
                "Messages", "out of service: calibration overdue since {date}. Call a technician."
            ).replace("{date}", short_date(due or ""))
        return translate("Messages", "out of service: its self-test failed. Call a technician.")
    if service == "calibration_soon":
        return translate("Messages", "calibration due on {date}").replace(
            "{date}", short_date(due or "")
        )
    return ""


def self_test_verdict(ok: bool) -> str:
    return translate("Messages", "PASSED") if ok else translate("Messages", "FAILED")


def self_test_step(step: str) -> str:
    words = {
        "waiting": translate("Messages", "waiting for its test..."),
        "running": translate("Messages", "testing..."),
    }
    return words.get(step, step)


def device_event(kind: str) -> str:
    words = {
        "lost": translate("Messages", "disconnected"),
        "back": translate("Messages", "reconnected"),
        "measurement_failed": translate("Messages", "measurement failed"),
        "self_test_failed": translate("Messages", "self-test failed"),
    }
    return words.get(kind, kind)


# -- the call with the doctor --------------------------------------------------------------------
def call_error(code: str) -> str:
    """Why no doctor can be reached (kiosk.call.state CALL_*), and what to do about it."""
    texts = {
        "CALL_NOT_CONFIGURED": translate(
            "Messages",
            "This cabin is not set up to call a doctor: no teleconsultation service is configured. "
            "Call your technician. Meanwhile, cancel the call to go back to the measurements.",
        ),
        "CALL_PORTAL_UNREACHABLE": translate(
            "Messages",
            "The teleconsultation service cannot be reached (network or service down). A new "
            "attempt is made automatically. Check the cabin's network; if it lasts, call your "
            "technician.",
        ),
        "CALL_AUTH_FAILED": translate(
            "Messages",
            "The teleconsultation service did not recognise this cabin (wrong name or secret). "
            "Call your technician to check the cabin's settings.",
        ),
        "CALL_CABIN_REVOKED": translate(
            "Messages",
            "This cabin's access to the teleconsultation service has been withdrawn. Call your "
            "technician.",
        ),
        "CALL_REFUSED": translate(
            "Messages",
            "The teleconsultation service refused the call. Try again; if it happens again, call "
            "your technician.",
        ),
    }
    return texts.get(
        code,
        translate("Messages", "The call could not be made ({code}). Call your technician.").replace(
            "{code}", code
        ),
    )


def doctor_request(action: str) -> str:
    """What the doctor asks the cabin to do (a request's action), as the rest of a sentence."""
    texts = {
        "take_bp": translate("Messages", "take the blood pressure"),
        "take_temperature": translate("Messages", "take the temperature"),
        "take_spo2": translate("Messages", "measure the oxygen saturation and the pulse"),
        "show_otoscope": translate("Messages", "show the ears with the otoscope"),
    }
    return texts.get(action, action)


def orientation(code: str, emergency_number: str) -> str:
    """Where the doctor's report sends the patient next, in plain words."""
    texts = {
        "none": translate("Messages", "No particular referral."),
        "treating_physician": translate("Messages", "See your treating physician."),
        "specialist": translate("Messages", "See a specialist doctor."),
        "emergency": translate(
            "Messages", "Emergency: call {number} or 112 now, or go to the emergency department."
        ).replace("{number}", emergency_number),
    }
    return texts.get(code, texts["none"])


# Printing errors after which printing again cannot help: the report is shown on the screen.
NO_PRINTER_ERRORS = frozenset({"PRINT_NO_PRINTER", "PRINT_NO_LP"})


def print_error(code: str) -> str:
    """Why the report did not print (kiosk.records.printing), in plain words."""
    no_printer = translate("Messages", "No printer is installed: show the report on the screen.")
    texts = {
        "PRINT_NO_PRINTER": no_printer,
        "PRINT_NO_LP": no_printer,
        "PRINT_REFUSED": translate(
            "Messages",
            "The printer did not take the report. Check that it is on and has paper, then try "
            "again, or show the report on the screen.",
        ),
        "PRINT_TIMEOUT": translate(
            "Messages", "The printer did not answer. Try again, or show the report on the screen."
        ),
    }
    return texts.get(
        code,
        translate(
            "Messages",
            "The report could not be prepared for printing. Try again; if it happens again, call "
            "your technician.",
        ),
    )


def language_name(code: str) -> str:
    names = {
        "fr": translate("Messages", "French"),
        "en": translate("Messages", "English"),
    }
    return names.get(code, code)


def _fill(text: str, params: Mapping[str, object]) -> str:
    for key, value in params.items():
        text = text.replace("{" + key + "}", str(value))
    return text
