"""Words for the record's codes: the patient's PDF and the FHIR narratives share them.

The core has no Qt, so these are not Qt Linguist strings; they say the same things as the
touchscreen (ui/messages.py), in words a patient understands. The module's tables are French (the
FHIR narratives); ``labels(language)`` gives the patient's PDF its words in French or English. An
unknown code is shown as itself rather than hidden.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
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
    "doctor_request_ended": "demande du médecin terminée sans résultat",
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


# -- the patient's PDF in the patient's language -------------------------------------------------
# The PDF speaks the language the doctor wrote the advice in: French (the default) or English.
# The FHIR narratives above stay French (they go to French doctors).

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

REASONS_EN = {
    "fever": "Fever",
    "cough_cold": "Cough, cold",
    "sore_throat": "Sore throat",
    "ear_pain": "Earache",
    "urinary": "Urinary problem",
    "skin": "Skin problem",
    "eye": "Red or painful eye",
    "digestive": "Stomach, digestion",
    "back_pain": "Back pain",
    "headache": "Headache",
    "prescription_renewal": "Prescription renewal",
    "other": "Other reason",
}

RED_FLAGS_EN = {
    "chest_pain": "pain or tightness in the chest",
    "breathing_difficulty": "great difficulty breathing",
    "stroke_signs": "signs of a stroke (face, arm, speech)",
    "heavy_bleeding": "heavy bleeding that does not stop",
    "loss_of_consciousness": "fainting with loss of consciousness",
    "severe_allergic_reaction": "severe allergic reaction",
    "suicidal_thoughts": "suicidal thoughts",
    "pregnancy_bleeding_or_pain": "pregnancy with bleeding or belly pain",
}

KINDS_EN = {
    "blood_pressure": "Blood pressure",
    "body_temperature": "Temperature",
    "oximetry": "Oxygen saturation (SpO2)",
    "pulse": "Pulse",
}

QUALITY_FLAGS_EN = {
    "artifact": "movement during the measurement",
    "out_of_track": "signal lost for a moment",
    "finger_out": "finger out of the clip",
    "low_perfusion": "weak pulse signal",
    "marginal_perfusion": "faint pulse signal",
    "low_battery": "device battery low",
    "over_range": "above what the device measures",
    "under_range": "below what the device measures",
    "implausible": "unlikely value",
    "not_stable": "value not stable yet",
}

ALERTS_EN = {
    "bp_high": "very high blood pressure",
    "bp_low": "low blood pressure",
    "temperature_high": "high temperature",
    "temperature_low": "low temperature",
    "spo2_low": "low oxygen saturation",
    "pulse_out_of_range": "unusual pulse",
}

ERRORS_EN = {
    "DEVICE_NOT_CONNECTED": "device not plugged in",
    "DEVICE_TIMEOUT": "the device did not answer",
    "DEVICE_PROTOCOL": "unreadable answer from the device",
    "DEVICE_NOT_READY": "device not ready",
    "DEVICE_BUSY": "device busy",
    "MEASUREMENT_FAILED": "measurement not possible",
}

TEMPERATURE_SITES_EN = {"oral": "by mouth", "axillary": "under the arm", "rectal": "rectal"}

ORIENTATIONS_EN = {
    "none": "No particular follow-up.",
    "treating_physician": "See your usual doctor.",
    "specialist": "See a specialist doctor.",
    "emergency": "Emergency: call {number} or 112 now, or go to the emergency department.",
}

# The PDF's own sentences. Placeholders are {name}.
PHRASES = {
    "title": "Compte rendu de téléconsultation assistée",
    "cabin": "Cabine {cabin}",
    "no_cabin": "Téléconsultation assistée",
    "subject": "Document remis au patient",
    "patient": "Patient :",
    "born_female": "née le {date}",
    "born_male": "né le {date}",
    "born": "né(e) le {date}",
    "reason": "Motif :",
    "doctor": "Médecin téléconsultant :",
    "red_flag_said": "Signe d'alerte signalé : {flags}.",
    "not_for_teleconsultation": "Une téléconsultation ne convient pas dans cette situation : il "
    "faut un avis médical urgent.",
    "measurements": "Vos mesures",
    "no_measurement": "Aucune mesure n'a été prise.",
    "report": "Compte rendu du médecin",
    "no_report_abandoned": "La séance a été interrompue avant la fin : pas de compte rendu du "
    "médecin.",
    "no_report_in_progress": "La séance n'est pas terminée : pas encore de compte rendu du "
    "médecin.",
    "no_report": "Le médecin n'a pas rédigé de compte rendu.",
    "observations": "Ce que le médecin a constaté",
    "conclusion": "Conclusion",
    "advice": "Conseils du médecin",
    "prescription": "Prescription",
    "no_prescription": "Aucune prescription.",
    "next": "Et maintenant ?",
    "closing": "Gardez ce document et montrez-le à votre médecin traitant. En cas d'aggravation, "
    "appelez le {number} ou le 112.",
    "session_of": "séance du {date}",
    "reference": "réf. {id}",
    "page_of": "Page {page} sur {total}",
    "page": "Page {page}",
    "col_measure": "Mesure",
    "col_value": "Valeur",
    "col_unit": "Unité",
    "col_time": "Heure",
    "col_remarks": "Remarques",
    "not_validated": "non validée par l'assistant(e)",
    "by_bp_monitor": "tensiomètre",
    "by_oximeter": "oxymètre",
    "taken_at_site": "prise {site}",
    "per_minute": "par minute",
    "unusual_pulse": "pouls inhabituel",
}

PHRASES_EN = {
    "title": "Assisted teleconsultation report",
    "cabin": "Cabin {cabin}",
    "no_cabin": "Assisted teleconsultation",
    "subject": "Document handed to the patient",
    "patient": "Patient:",
    "born_female": "born {date}",
    "born_male": "born {date}",
    "born": "born {date}",
    "reason": "Reason:",
    "doctor": "Teleconsultation doctor:",
    "red_flag_said": "Warning sign reported: {flags}.",
    "not_for_teleconsultation": "A teleconsultation is not suitable in this situation: urgent "
    "medical advice is needed.",
    "measurements": "Your measurements",
    "no_measurement": "No measurement was taken.",
    "report": "The doctor's report",
    "no_report_abandoned": "The session was interrupted before the end: no report from the doctor.",
    "no_report_in_progress": "The session is not over: no report from the doctor yet.",
    "no_report": "The doctor did not write a report.",
    "observations": "What the doctor found",
    "conclusion": "Conclusion",
    "advice": "The doctor's advice",
    "prescription": "Prescription",
    "no_prescription": "No prescription.",
    "next": "What next?",
    "closing": "Keep this document and show it to your usual doctor. If you get worse, call "
    "{number} or 112.",
    "session_of": "session of {date}",
    "reference": "ref. {id}",
    "page_of": "Page {page} of {total}",
    "page": "Page {page}",
    "col_measure": "Measurement",
    "col_value": "Value",
    "col_unit": "Unit",
    "col_time": "Time",
    "col_remarks": "Remarks",
    "not_validated": "not confirmed by the assistant",
    "by_bp_monitor": "blood pressure monitor",
    "by_oximeter": "oximeter",
    "taken_at_site": "taken {site}",
    "per_minute": "per minute",
    "unusual_pulse": "unusual pulse",
}


@dataclass(frozen=True)
class Labels:
    """Every word of the patient's PDF in one language."""

    language: str  # "fr" or "en"
    pdf_lang: str  # the PDF's Lang entry
    months: tuple[str, ...]
    reasons: Mapping[str, str]
    red_flags: Mapping[str, str]
    kinds: Mapping[str, str]
    quality_flags: Mapping[str, str]
    alerts: Mapping[str, str]
    errors: Mapping[str, str]
    temperature_sites: Mapping[str, str]
    orientations: Mapping[str, str]
    phrases: Mapping[str, str]
    decimal_mark: str
    no_error: str  # a failed measurement without a known error code

    def say(self, key: str, **params: object) -> str:
        text = self.phrases[key]
        for name, value in params.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def decimal(self, value: float, digits: int = 1) -> str:
        return f"{value:.{digits}f}".replace(".", self.decimal_mark)

    def long_date(self, moment: dt.datetime) -> str:
        """ "2 mars 2026" / "2 March 2026"."""
        day = "1er" if moment.day == 1 and self.language == "fr" else str(moment.day)
        return f"{day} {self.months[moment.month - 1]} {moment.year}"

    def clock_time(self, moment: dt.datetime) -> str:
        """ "09 h 05" / "09:05"."""
        if self.language == "fr":
            return clock_time(moment)
        return f"{moment.hour:02d}:{moment.minute:02d}"

    def orientation(self, code: str, emergency_number: str = "15") -> str:
        return word(self.orientations, code).replace("{number}", emergency_number)

    def error(self, code: str | None) -> str:
        return self.errors.get(code or "", self.no_error)

    def remarks(self, flags: tuple[str, ...], alerts: tuple[str, ...]) -> str:
        parts = [word(self.alerts, a) for a in alerts] + [
            word(self.quality_flags, f) for f in flags
        ]
        return ", ".join(parts)


FRENCH = Labels(
    language="fr",
    pdf_lang="fr-FR",
    months=MONTHS,
    reasons=REASONS,
    red_flags=RED_FLAGS,
    kinds=KINDS,
    quality_flags=QUALITY_FLAGS,
    alerts=ALERTS,
    errors=ERRORS,
    temperature_sites=TEMPERATURE_SITES,
    orientations=ORIENTATIONS,
    phrases=PHRASES,
    decimal_mark=",",
    no_error="mesure impossible",
)

ENGLISH = Labels(
    language="en",
    pdf_lang="en-GB",
    months=MONTHS_EN,
    reasons=REASONS_EN,
    red_flags=RED_FLAGS_EN,
    kinds=KINDS_EN,
    quality_flags=QUALITY_FLAGS_EN,
    alerts=ALERTS_EN,
    errors=ERRORS_EN,
    temperature_sites=TEMPERATURE_SITES_EN,
    orientations=ORIENTATIONS_EN,
    phrases=PHRASES_EN,
    decimal_mark=".",
    no_error="measurement not possible",
)

LABELS = {"fr": FRENCH, "en": ENGLISH}


def labels(language: str | None) -> Labels:
    """The labels of ``language``; French for anything else."""
    return LABELS.get(language or "fr", FRENCH)
