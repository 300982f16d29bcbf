"""The record as a FHIR R4 document Bundle (``fhir.resources.R4B``: French profiles are on R4).

The Bundle (type ``document``) starts with a Composition, the consultation note, whose sections
point at the other resources: Patient, Practitioner (the doctor and the tele-assistant),
Encounter (class VR, virtual), Location (the cabin), Consent, vital-sign Observations coded in
LOINC with UCUM units, Device (each instrument), Media (each otoscope still, PNG inside) and a
DocumentReference holding the patient's PDF.

Every resource is built as plain data, then validated by its fhir.resources model before it goes
into the Bundle. Resource ids are derived from the record id, so exporting a record twice gives
the same ids (a receiver can recognise a re-send). Narratives are in French, as the document's
language says: they are read by the patient's doctors.
"""

from __future__ import annotations

import base64
import html
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.media import Media
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.resource import Resource

from kiosk.records import words
from kiosk.records.record import (
    ABANDONED,
    IN_PROGRESS,
    REFERRED,
    ConsultationRecord,
    Instrument,
    Measurement,
    TimelineEvent,
)
from kiosk.services.measurements import PULSE_RANGE

logger = logging.getLogger(__name__)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"  # INS-NIR, the French national health identifier
URI = "urn:ietf:rfc:3986"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
MEDIA_TYPE = "http://terminology.hl7.org/CodeSystem/media-type"
DEVICE_NAME_TYPE = "model-name"
XHTML = "http://www.w3.org/1999/xhtml"

# (system, code, display, UCUM unit code, unit as written)
BP_PANEL = (LOINC, "85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = (LOINC, "8480-6", "Systolic blood pressure")
DIASTOLIC = (LOINC, "8462-4", "Diastolic blood pressure")
MEAN_BP = (LOINC, "8478-0", "Mean blood pressure")
HEART_RATE = (LOINC, "8867-4", "Heart rate")
BODY_TEMPERATURE = (LOINC, "8310-5", "Body temperature")
SPO2 = (LOINC, "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")
SPO2_GENERAL = (LOINC, "2708-6", "Oxygen saturation in Arterial blood")
VITAL_SIGNS_SECTION = (LOINC, "8716-3", "Vital signs")
CONSULT_NOTE = (LOINC, "11488-4", "Consult note")
PATIENT_CONSENT = (LOINC, "59284-0", "Patient Consent")
MM_HG = "mm[Hg]"
PER_MIN = "/min"
CELSIUS = "Cel"
PERCENT = "%"
EMPTY_REASONS: dict[str, Code] = {
    "notasked": (EMPTY_REASON, "notasked", "Not Asked"),
    "nilknown": (EMPTY_REASON, "nilknown", "Nil Known"),
    "unavailable": (EMPTY_REASON, "unavailable", "Unavailable"),
}
EAR_SITES = {
    "left_ear": (SNOMED, "89644007", "Left ear structure"),
    "right_ear": (SNOMED, "25577004", "Right ear structure"),
}
# The vital sign each kind records: what a failed attempt of that kind was meant to give.
KIND_CODES = {
    "blood_pressure": (BP_PANEL,),
    "body_temperature": (BODY_TEMPERATURE,),
    "oximetry": (SPO2, SPO2_GENERAL),
}

R = TypeVar("R", bound=Resource)
Code = tuple[str, str, str]


def _coding(code: Code) -> dict[str, str]:
    system, value, display = code
    return {"system": system, "code": value, "display": display}


def _concept(*codes: Code, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [_coding(c) for c in codes]}
    if text:
        concept["text"] = text
    return concept


def _quantity(value: float | int, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def _ref(entry: _Entry | None) -> dict[str, str] | None:
    return None if entry is None else {"reference": entry.full_url}


def _div(*paragraphs: str) -> dict[str, str]:
    """A generated narrative; each argument is already-escaped XHTML content."""
    body = "".join(paragraphs) or "<p>—</p>"
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _p(text: str) -> str:
    return f"<p>{html.escape(text, quote=False)}</p>"


def _ul(items: Iterable[str]) -> str:
    lines = "".join(f"<li>{html.escape(item, quote=False)}</li>" for item in items)
    return f"<ul>{lines}</ul>" if lines else ""


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty values: FHIR forbids empty elements."""
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


@dataclass
class _Entry:
    resource: Resource
    full_url: str


@dataclass
class _Builder:
    record: ConsultationRecord
    pdf: bytes
    entries: list[_Entry] = field(default_factory=list)

    def rid(self, name: str) -> str:
        return str(uuid.uuid5(uuid.UUID(self.record.record_id), name))

    def add(self, model: type[R], name: str, data: dict[str, Any]) -> _Entry:
        resource_id = self.rid(name)
        resource = model.model_validate({"id": resource_id, **_clean(data)})
        entry = _Entry(resource, f"urn:uuid:{resource_id}")
        self.entries.append(entry)
        return entry


# -- the people and the place --------------------------------------------------------------------
def _patient(b: _Builder) -> _Entry | None:
    patient = b.record.patient
    if patient is None:
        return None
    gp = None
    if patient.treating_physician:
        gp = b.add(
            Practitioner,
            "treating-physician",
            {"name": [{"text": patient.treating_physician}]},
        )
    identifiers = []
    if patient.nir:
        identifiers.append(
            {"use": "official", "system": NIR_SYSTEM, "value": patient.nir, "type": {"text": "NIR"}}
        )
    return b.add(
        Patient,
        "patient",
        {
            "identifier": identifiers,
            "name": [
                {
                    "use": "official",
                    "family": patient.family_name,
                    "given": patient.given_names.split(),
                }
            ],
            "gender": patient.sex,
            "birthDate": patient.birth_date,
            "generalPractitioner": [_ref(gp)] if gp else [],
        },
    )


def _practitioners(b: _Builder) -> tuple[_Entry | None, _Entry | None]:
    record = b.record
    doctor = None
    if record.doctor is not None:
        doctor = b.add(
            Practitioner,
            "doctor",
            {
                "name": [{"text": record.doctor.name}],
                "qualification": [{"code": {"text": "Médecin téléconsultant"}}],
            },
        )
    assistant = None
    if record.assistant is not None:
        assistant = b.add(
            Practitioner,
            "assistant",
            {
                "name": [{"text": record.assistant.name}],
                "qualification": [{"code": {"text": "Télé-assistant(e) de la cabine"}}],
            },
        )
    return doctor, assistant


def _location(b: _Builder) -> _Entry:
    name = f"Cabine {b.record.cabin}" if b.record.cabin else "Cabine de téléconsultation"
    return b.add(
        Location,
        "cabin",
        {
            "status": "active",
            "mode": "instance",
            "name": name,
            "description": "Cabine de téléconsultation assistée",
        },
    )


def _encounter_status(record: ConsultationRecord) -> str:
    if record.outcome == IN_PROGRESS:
        return "in-progress"
    nothing_done = not record.measurements and not record.call_timeline
    if record.outcome == ABANDONED and nothing_done:
        return "cancelled"
    return "finished"


def _encounter(
    b: _Builder,
    patient: _Entry | None,
    doctor: _Entry | None,
    assistant: _Entry | None,
    location: _Entry,
) -> _Entry:
    record = b.record
    participants = []
    if doctor is not None:
        participants.append(
            {
                "type": [_concept((PARTICIPATION, "PPRF", "primary performer"))],
                "individual": _ref(doctor),
            }
        )
    if assistant is not None:
        participants.append(
            {
                "type": [_concept((PARTICIPATION, "PART", "Participation"))],
                "individual": _ref(assistant),
            }
        )
    reason = []
    if record.triage is not None and record.triage.reason:
        reason.append({"text": words.word(words.REASONS, record.triage.reason)})
    return b.add(
        Encounter,
        "encounter",
        {
            "status": _encounter_status(record),
            "class": {"system": ACT_CODE, "code": "VR", "display": "virtual"},
            "type": [{"text": "Téléconsultation assistée"}],
            "subject": _ref(patient),
            "participant": participants,
            "period": _clean({"start": record.started_at, "end": record.ended_at}),
            "reasonCode": reason,
            "location": [{"location": _ref(location)}],
        },
    )


def _consent(b: _Builder, patient: _Entry | None) -> _Entry | None:
    consent = b.record.consent
    if consent is None:
        return None
    answer = "a accepté" if consent.accepted else "a refusé"
    return b.add(
        Consent,
        "consent",
        {
            "text": _div(
                _p(f"Le patient {answer} la téléconsultation après explication de :"),
                _ul(words.word(words.CONSENT_POINTS, p) for p in consent.explained),
            ),
            "status": "active" if consent.accepted else "rejected",
            "scope": _concept((CONSENT_SCOPE, "treatment", "Treatment")),
            "category": [_concept(PATIENT_CONSENT)],
            "patient": _ref(patient),
            "dateTime": consent.recorded_at,
            "policyRule": {
                "text": "Code de la santé publique, articles R6316-1 et suivants (téléconsultation)"
            },
            "provision": {"type": "permit" if consent.accepted else "deny"},
        },
    )


# -- devices and measurements --------------------------------------------------------------------
def _devices(b: _Builder) -> dict[str, _Entry]:
    """One Device per instrument, keyed by family (a failed attempt knows only that)."""
    out: dict[str, _Entry] = {}
    for number, device in enumerate(b.record.instruments()):
        entry = b.add(Device, f"device-{number}", _device(device))
        out.setdefault(device.family, entry)
    return out


def _device(device: Instrument) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": "active",
        "type": {"text": words.word(words.INSTRUMENTS, device.family)},
        "serialNumber": device.serial,
    }
    if device.model:
        data["deviceName"] = [{"name": device.model, "type": DEVICE_NAME_TYPE}]
    if device.firmware:
        data["version"] = [{"type": {"text": "firmware"}, "value": device.firmware}]
    return data


def _interpretation(high: bool, low: bool) -> list[dict[str, Any]]:
    if high:
        return [_concept((INTERPRETATION, "H", "High"))]
    if low:
        return [_concept((INTERPRETATION, "L", "Low"))]
    return []


def _notes(m: Measurement) -> list[dict[str, str]]:
    parts = [words.word(words.QUALITY_FLAGS, f) for f in m.flags]
    if m.status == "pending":
        parts.append("non validée par l'assistant(e)")
    return [{"text": "Qualité : " + ", ".join(parts)}] if parts else []


@dataclass(frozen=True)
class _Context:
    patient: _Entry | None
    encounter: _Entry
    assistant: _Entry | None
    devices: dict[str, _Entry]


def _common(m: Measurement, ctx: _Context) -> dict[str, Any]:
    status = {"accepted": "final", "pending": "preliminary", "failed": "cancelled"}[m.status]
    return {
        "status": status,
        "category": [_concept((OBSERVATION_CATEGORY, "vital-signs", "Vital Signs"))],
        "subject": _ref(ctx.patient),
        "encounter": _ref(ctx.encounter),
        "effectiveDateTime": m.taken_at,
        "performer": [_ref(ctx.assistant)] if ctx.assistant else [],
        "device": _ref(ctx.devices.get(m.device.family)),
        "note": _notes(m),
    }


def _heart_rate(b: _Builder, m: Measurement, ctx: _Context, pulse: int) -> _Entry:
    low, high = PULSE_RANGE
    return b.add(
        Observation,
        f"observation-{m.id}-heart-rate",
        {
            **_common(m, ctx),
            "code": _concept(HEART_RATE, text="Pouls"),
            "valueQuantity": _quantity(pulse, "/min", PER_MIN),
            "interpretation": _interpretation(pulse > high, pulse < low),
        },
    )


def _observations(b: _Builder, m: Measurement, ctx: _Context) -> list[_Entry]:
    name = f"observation-{m.id}"
    if m.status == "failed":
        what = words.error(m.error_code)
        return [
            b.add(
                Observation,
                name,
                {
                    **_common(m, ctx),
                    "code": _concept(*KIND_CODES[m.kind], text=words.word(words.KINDS, m.kind)),
                    "dataAbsentReason": {
                        "coding": [{"system": DATA_ABSENT, "code": "error", "display": "Error"}],
                        "text": f"{what} ({m.error_code})",
                    },
                    "note": [{"text": f"Échec de la mesure : {what}"}],
                },
            )
        ]
    values = m.values
    out: list[_Entry] = []
    if m.kind == "blood_pressure":
        components = [
            {
                "code": _concept(SYSTOLIC),
                "valueQuantity": _quantity(values["systolic"], "mmHg", MM_HG),
            },
            {
                "code": _concept(DIASTOLIC),
                "valueQuantity": _quantity(values["diastolic"], "mmHg", MM_HG),
            },
        ]
        if values.get("mean") is not None:
            components.append(
                {
                    "code": _concept(MEAN_BP),
                    "valueQuantity": _quantity(values["mean"], "mmHg", MM_HG),
                }
            )
        out.append(
            b.add(
                Observation,
                name,
                {
                    **_common(m, ctx),
                    "code": _concept(BP_PANEL, text="Tension artérielle"),
                    "component": components,
                    "interpretation": _interpretation("bp_high" in m.alerts, "bp_low" in m.alerts),
                },
            )
        )
    elif m.kind == "body_temperature":
        site = words.TEMPERATURE_SITES.get(str(values.get("site", "")))
        out.append(
            b.add(
                Observation,
                name,
                {
                    **_common(m, ctx),
                    "code": _concept(BODY_TEMPERATURE, text="Température"),
                    "valueQuantity": _quantity(float(values["celsius"]), "°C", CELSIUS),
                    "bodySite": {"text": f"prise {site}"} if site else None,
                    "interpretation": _interpretation(
                        "temperature_high" in m.alerts, "temperature_low" in m.alerts
                    ),
                },
            )
        )
    elif m.kind == "oximetry":
        spo2 = values.get("spo2")
        data: dict[str, Any] = {
            **_common(m, ctx),
            "code": _concept(SPO2, SPO2_GENERAL, text="Saturation en oxygène"),
            "interpretation": _interpretation(False, "spo2_low" in m.alerts),
        }
        if spo2 is None:
            data["dataAbsentReason"] = {
                "coding": [{"system": DATA_ABSENT, "code": "unknown", "display": "Unknown"}],
                "text": "valeur manquante (signal insuffisant)",
            }
        else:
            data["valueQuantity"] = _quantity(int(spo2), "%", PERCENT)
        out.append(b.add(Observation, name, data))
    pulse = values.get("pulse")
    if pulse is not None and m.kind in ("blood_pressure", "oximetry"):
        out.append(_heart_rate(b, m, ctx, int(pulse)))
    return out


def _media(b: _Builder, ctx: _Context) -> list[_Entry]:
    out = []
    for still in b.record.stills:
        png = b.record.still_png(still.id)
        attachment: dict[str, Any] = {
            "contentType": "image/png",
            "title": f"Otoscopie, {words.word(words.EAR_SITES, still.site)}",
            "creation": still.taken_at,
        }
        if png is not None:
            attachment["data"] = base64.b64encode(png).decode("ascii")
            attachment["size"] = len(png)
        site = EAR_SITES.get(still.site)
        out.append(
            b.add(
                Media,
                f"media-{still.id}",
                {
                    "status": "completed",
                    "type": _concept((MEDIA_TYPE, "image", "Image")),
                    "subject": _ref(ctx.patient),
                    "encounter": _ref(ctx.encounter),
                    "createdDateTime": still.taken_at,
                    "operator": _ref(ctx.assistant),
                    "bodySite": _concept(site) if site else {"text": "autre"},
                    "device": _ref(ctx.devices.get(still.device.family)),
                    "width": still.width,
                    "height": still.height,
                    "content": attachment,
                },
            )
        )
    return out


def _pdf_document(b: _Builder, ctx: _Context, author: _Entry | None, date: str) -> _Entry:
    return b.add(
        DocumentReference,
        "patient-pdf",
        {
            "status": "current",
            "docStatus": "final",
            "type": _concept(CONSULT_NOTE, text="Compte rendu remis au patient"),
            "subject": _ref(ctx.patient),
            "date": date,
            "author": [_ref(author)] if author else [],
            "description": "Compte rendu de téléconsultation remis au patient (PDF)",
            "content": [
                {
                    "attachment": {
                        "contentType": "application/pdf",
                        "language": "fr-FR",
                        "data": base64.b64encode(b.pdf).decode("ascii"),
                        "size": len(b.pdf),
                        "title": "Compte rendu de téléconsultation",
                        "creation": date,
                    }
                }
            ],
            "context": {
                "encounter": [_ref(ctx.encounter)],
                "period": _clean({"start": b.record.started_at, "end": b.record.ended_at}),
            },
        },
    )


# -- the composition -----------------------------------------------------------------------------
def _section(
    title: str,
    text: dict[str, str],
    entries: Sequence[_Entry] = (),
    code: Code | None = None,
    empty: str | None = None,
) -> dict[str, Any]:
    """A Composition section; ``empty`` (a list-empty-reason code) says why it has nothing."""
    section: dict[str, Any] = {"title": title, "text": text}
    if code is not None:
        section["code"] = _concept(code)
    if entries:
        section["entry"] = [_ref(e) for e in entries]
    elif empty is not None:
        section["emptyReason"] = _concept(EMPTY_REASONS[empty])
    return section


def _measurement_line(m: Measurement) -> str:
    v = m.values
    if m.status == "failed":
        value = words.error(m.error_code)
    elif m.kind == "blood_pressure":
        value = f"{v.get('systolic')}/{v.get('diastolic')} mmHg"
        if v.get("pulse") is not None:
            value += f", pouls {v['pulse']}/min"
    elif m.kind == "body_temperature":
        value = f"{words.decimal(float(v.get('celsius', 0)))} °C"
    else:
        value = f"SpO2 {v.get('spo2', '—')} %"
        if v.get("pulse") is not None:
            value += f", pouls {v['pulse']}/min"
    notes = words.remarks(m.flags, m.alerts)
    return f"{words.word(words.KINDS, m.kind)} : {value}" + (f" ({notes})" if notes else "")


def _timeline_line(event: TimelineEvent) -> str:
    return f"{event.at} : {words.event_words(event.event, event.detail)}"


def _composition_sections(
    record: ConsultationRecord,
    observations: Sequence[_Entry],
    media: Sequence[_Entry],
    consent: _Entry | None,
    pdf: _Entry,
    emergency_number: str,
) -> list[dict[str, Any]]:
    shown = [m for m in record.measurements if m.status != "discarded"]
    sections = [
        _section(
            "Mesures",
            _div(_ul(_measurement_line(m) for m in shown))
            if shown
            else _div(_p("Aucune mesure prise.")),
            observations,
            code=VITAL_SIGNS_SECTION,
            empty=None if observations else "notasked",
        )
    ]
    report = record.report
    if report is None:
        why = {
            ABANDONED: "séance interrompue",
            REFERRED: "patient orienté vers les urgences avant tout appel",
            IN_PROGRESS: "séance non terminée",
        }.get(record.outcome, "le médecin n'a pas transmis de compte rendu")
        sections.append(
            _section(
                "Compte rendu du médecin",
                _div(_p(f"Pas de compte rendu du médecin ({why}).")),
                empty="unavailable",
            )
        )
        sections.append(
            _section("Prescription", _div(_p("Pas de prescription.")), empty="unavailable")
        )
    else:
        sections.append(
            _section(
                "Compte rendu du médecin",
                _div(
                    _p(f"Médecin : {report.doctor}"),
                    _p(f"Constatations : {report.observations}") if report.observations else "",
                    _p(f"Conclusion : {report.conclusion}") if report.conclusion else "",
                    _p(f"Conseils : {report.advice}") if report.advice else "",
                ),
            )
        )
        sections.append(
            _section(
                "Prescription",
                _div(_ul(report.prescription))
                if report.prescription
                else _div(_p("Aucune prescription.")),
                empty=None if report.prescription else "nilknown",
            )
        )
    if record.orientation is not None:
        orientation = words.orientation(record.orientation.code, emergency_number)
        if record.orientation.by == "red_flags" and record.triage is not None:
            flags = ", ".join(words.word(words.RED_FLAGS, f) for f in record.triage.red_flags)
            orientation += f" (signe d'alerte au tri : {flags})"
        sections.append(_section("Orientation", _div(_p(orientation))))
    else:
        sections.append(
            _section("Orientation", _div(_p("Pas d'orientation donnée.")), empty="unavailable")
        )
    if record.triage is not None:
        lines = []
        if record.triage.reason:
            lines.append(_p("Motif : " + words.word(words.REASONS, record.triage.reason)))
        if record.triage.details:
            lines.append(_p("Précisions : " + record.triage.details))
        if record.triage.red_flags:
            lines.append(
                _p(
                    "Signes d'alerte : "
                    + ", ".join(words.word(words.RED_FLAGS, f) for f in record.triage.red_flags)
                )
            )
        sections.append(
            _section("Motif de consultation", _div(*lines), empty=None if lines else "unavailable")
        )
    if media:
        sections.append(
            _section(
                "Images d'otoscopie",
                _div(_p(f"{len(media)} image(s) de l'otoscope.")),
                media,
            )
        )
    if consent is not None:
        sections.append(
            _section(
                "Consentement",
                _div(_p("Consentement recueilli par l'assistant(e).")),
                [consent],
            )
        )
    incidents = [
        f"{i.at} : {words.word(words.INCIDENTS, i.kind)}" + (f" ({i.code})" if i.code else "")
        for i in record.incidents
    ]
    sections.append(
        _section(
            "Déroulement et incidents techniques",
            _div(
                _p("Séance : " + words.word(words.OUTCOMES, record.outcome)),
                _ul(
                    _timeline_line(e)
                    for e in sorted(
                        record.session_timeline + record.call_timeline, key=lambda e: e.at
                    )
                ),
                _p("Incidents :") if incidents else _p("Aucun incident technique."),
                _ul(incidents),
            ),
        )
    )
    sections.append(
        _section("Document remis au patient", _div(_p("Compte rendu au format PDF.")), [pdf])
    )
    return sections


def bundle(record: ConsultationRecord, pdf_bytes: bytes, *, emergency_number: str = "15") -> Bundle:
    """The record as a validated FHIR R4 document Bundle (the patient's PDF inside)."""
    b = _Builder(record, pdf_bytes)
    composition_id = b.rid("composition")
    patient = _patient(b)
    doctor, assistant = _practitioners(b)
    location = _location(b)
    encounter = _encounter(b, patient, doctor, assistant, location)
    consent = _consent(b, patient)
    devices = _devices(b)
    ctx = _Context(patient, encounter, assistant, devices)
    observations = [
        entry
        for m in record.measurements
        if m.status != "discarded" and m.kind in KIND_CODES
        for entry in _observations(b, m, ctx)
    ]
    media = _media(b, ctx)
    author = doctor or assistant
    pdf = _pdf_document(b, ctx, author, record.assembled_at)
    composition = Composition.model_validate(
        _clean(
            {
                "id": composition_id,
                "language": "fr-FR",
                "identifier": {"system": URI, "value": f"urn:uuid:{record.record_id}"},
                "status": "preliminary" if record.outcome == IN_PROGRESS else "final",
                "type": _concept(CONSULT_NOTE, text="Compte rendu de téléconsultation"),
                "subject": _ref(patient),
                "encounter": _ref(encounter),
                "date": record.assembled_at,
                "author": [_ref(author)] if author else [{"display": "Cabine de téléconsultation"}],
                "title": "Compte rendu de téléconsultation assistée",
                "event": [
                    _clean(
                        {
                            "code": [_concept((ACT_CODE, "VR", "virtual"))],
                            "period": _clean({"start": record.started_at, "end": record.ended_at}),
                        }
                    )
                ],
                "section": _composition_sections(
                    record, observations, media, consent, pdf, emergency_number
                ),
            }
        )
    )
    entries = [_Entry(composition, f"urn:uuid:{composition_id}"), *b.entries]
    result = Bundle.model_validate(
        {
            "id": record.record_id,
            "language": "fr-FR",
            "identifier": {"system": URI, "value": f"urn:uuid:{record.record_id}"},
            "type": "document",
            "timestamp": record.assembled_at,
            "entry": [{"fullUrl": e.full_url, "resource": e.resource} for e in entries],
        }
    )
    logger.info("records: FHIR bundle of %s built (%d resources)", record.record_id, len(entries))
    return result


def bundle_json(
    record: ConsultationRecord, pdf_bytes: bytes, *, emergency_number: str = "15"
) -> str:
    """The document Bundle as JSON text (what ``kiosk export --fhir`` writes)."""
    return bundle(record, pdf_bytes, emergency_number=emergency_number).model_dump_json()


__all__ = ["bundle", "bundle_json"]
