"""French words for the record's codes: the patient's PDF and the FHIR narratives share them.

The core has no Qt, so these are not Qt Linguist strings; they say the same things as the
touchscreen's French (ui/messages.py), in words a patient understands. An unknown code is shown as
itself rather than hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

REASONS = {
    "fever": "Fièvre",
    "cough_cold": "Toux, rhume",
    "sore_throat": "Mal de gorge",
    "ear_pain": "Douleur d'oreille",
    "urinary": "Problème urinaire",
    "skin": "Problème de peau",
    "eye": "Œil rouge ou douloureux",
    "digestive": "Ventre, digestion",
    "back_pain": "Mal de dos",
    "headache": "Mal de tête",
    "prescription_renewal": "Renouvellement d'ordonnance",
    "other": "Autre motif",
}

RED_FLAGS = {
    "chest_pain": "douleur ou oppression dans la poitrine",
    "breathing_difficulty": "grande difficulté à respirer",
    "stroke_signs": "signes d'accident vasculaire cérébral (visage, bras, parole)",
    "heavy_bleeding": "saignement abondant qui ne s'arrête pas",
    "loss_of_consciousness": "malaise avec perte de connaissance",
    "severe_allergic_reaction": "réaction allergique grave",
    "suicidal_thoughts": "idées suicidaires",
    "pregnancy_bleeding_or_pain": "grossesse avec saignement ou douleur au ventre",
}

CONSENT_POINTS = {
    "what_is_teleconsultation": "ce qu'est une téléconsultation",
    "who_sees_the_data": "qui voit les données et le secret médical",
    "assistant_stays": "la présence de l'assistant(e) pendant toute la consultation",
    "may_stop_anytime": "la possibilité d'arrêter à tout moment",
}

KINDS = {
    "blood_pressure": "Tension artérielle",
    "body_temperature": "Température",
    "oximetry": "Saturation en oxygène (SpO2)",
    "pulse": "Pouls",
}

QUALITY_FLAGS = {
    "artifact": "mouvement pendant la mesure",
    "out_of_track": "signal perdu un moment",
    "finger_out": "doigt sorti de la pince",
    "low_perfusion": "signal du pouls faible",
    "marginal_perfusion": "signal du pouls léger",
    "low_battery": "pile de l'appareil faible",
    "over_range": "au-dessus de ce que l'appareil mesure",
    "under_range": "en dessous de ce que l'appareil mesure",
    "implausible": "valeur peu vraisemblable",
    "not_stable": "valeur pas encore stable",
}

ALERTS = {
    "bp_high": "tension très élevée",
    "bp_low": "tension basse",
    "temperature_high": "température élevée",
    "temperature_low": "température basse",
    "spo2_low": "saturation en oxygène basse",
    "pulse_out_of_range": "pouls inhabituel",
}

ERRORS = {
    "DEVICE_NOT_CONNECTED": "appareil non branché",
    "DEVICE_TIMEOUT": "l'appareil n'a pas répondu",
    "DEVICE_PROTOCOL": "réponse illisible de l'appareil",
    "DEVICE_NOT_READY": "appareil pas prêt",
    "DEVICE_BUSY": "appareil occupé",
    "MEASUREMENT_FAILED": "mesure impossible",
}

TEMPERATURE_SITES = {"oral": "buccale", "axillary": "axillaire", "rectal": "rectale"}

ORIENTATIONS = {
    "none": "Pas d'orientation particulière.",
    "treating_physician": "Consultez votre médecin traitant.",
    "specialist": "Consultez un médecin spécialiste.",
    "emergency": "Urgence : appelez le {number} ou le 112 maintenant, ou rendez-vous aux urgences.",
}

OUTCOMES = {
    "completed": "téléconsultation terminée",
    "referred": "orientée vers les urgences (signe d'alerte)",
    "abandoned": "interrompue",
    "in_progress": "en cours",
}

INSTRUMENTS = {
    "bp": "Tensiomètre",
    "thermometer": "Thermomètre",
    "oximeter": "Oxymètre de pouls",
    "camera": "Otoscope vidéo",
    "otoscope": "Otoscope vidéo",
}

EAR_SITES = {"left_ear": "oreille gauche", "right_ear": "oreille droite", "other": "autre"}

STATES = {
    "IDLE": "fin de séance",
    "IDENTIFY": "identification",
    "CONSENT": "consentement",
    "TRIAGE": "motif et signes d'alerte",
    "MEASURE": "mesures",
    "WAITING_FOR_DOCTOR": "attente du médecin",
    "IN_CALL": "consultation avec le médecin",
    "REPORT": "compte rendu",
    "HYGIENE": "nettoyage de la cabine",
    "REFERRED": "orientation vers les urgences",
    "ABANDONED": "séance interrompue",
    "OUT_OF_SERVICE": "hors service",
}

EVENTS = {
    "session_parked": "séance mise en attente",
    "session_resumed": "séance reprise",
    "call_requested": "appel du médecin demandé",
    "call_queued": "en salle d'attente",
    "call_joined": "le médecin a rejoint l'appel",
    "call_connection_lost": "connexion perdue",
    "call_reconnected": "connexion rétablie",
    "call_ended": "appel terminé",
    "report_received": "compte rendu reçu",
    "patient_data_shared": "dossier transmis au médecin",
    "doctor_request": "demande du médecin",
    "doctor_request_confirmed": "demande du médecin acceptée",
    "doctor_request_declined": "demande du médecin refusée",
}

INCIDENTS = {
    "measurement_failed": "mesure impossible",
    "device_out_of_service": "appareil hors service",
    "connection_lost": "connexion avec le médecin perdue",
    "device_lost": "appareil débranché ou muet",
    "device_back": "appareil de nouveau disponible",
}


def word(table: Mapping[str, str], code: str) -> str:
    return table.get(code, code)


def decimal(value: float, digits: int = 1) -> str:
    """39,8: the French decimal comma."""
    return f"{value:.{digits}f}".replace(".", ",")


def local_time(iso: str, tz: dt.tzinfo | None = None) -> dt.datetime:
    """A stored UTC time in the cabin's time zone (the machine's, unless ``tz`` is given)."""
    moment = dt.datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(tz)


def long_date(moment: dt.datetime) -> str:
    """ "2 mars 2026"."""
    day = "1er" if moment.day == 1 else str(moment.day)
    return f"{day} {MONTHS[moment.month - 1]} {moment.year}"


def clock_time(moment: dt.datetime) -> str:
    """ "09 h 05"."""
    return f"{moment.hour:02d} h {moment.minute:02d}"


def short_date(iso_date: str) -> str:
    """ "12/03/1950" from an ISO date."""
    day = dt.date.fromisoformat(iso_date)
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def orientation(code: str, emergency_number: str = "15") -> str:
    return word(ORIENTATIONS, code).replace("{number}", emergency_number)


def error(code: str | None) -> str:
    return ERRORS.get(code or "", "mesure impossible")


def remarks(flags: tuple[str, ...], alerts: tuple[str, ...]) -> str:
    """Quality flags and out-of-range values in words, alerts first ("" when none)."""
    parts = [word(ALERTS, a) for a in alerts] + [word(QUALITY_FLAGS, f) for f in flags]
    return ", ".join(parts)


def event_words(event: str, detail: Mapping[str, Any]) -> str:
    """A timeline line: a state change, or a call event."""
    if event == "transition":
        return "→ " + word(STATES, str(detail.get("to", "")))
    return word(EVENTS, event)
