"""Tests of kiosk.records.fhir: the record as a FHIR R4 document Bundle.

Every code and unit is checked against what the issue asks for, and every bundle is parsed back
with ``Bundle.model_validate_json``, which validates each resource through its R4B model.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from kiosk.records.fhir import NIR_SYSTEM, bundle_json
from kiosk.records.record import ConsultationRecord, assemble_record
from tests.unit.test_record import (
    CABIN,
    CONCLUSION,
    FORM,
    NIR,
    NO_FLAGS,
    PIN,
    PRESCRIPTION,
    Kit,
    abandoned_session,
    completed_session,
    referred_session,
)

PDF = b"%PDF-1.4 a stand-in for the patient's PDF\n%%EOF\n"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def export(record: ConsultationRecord) -> tuple[str, Bundle, dict[str, Any]]:
    """The JSON text, the Bundle parsed back through the models, and the plain data."""
    text = bundle_json(record, PDF)
    return text, Bundle.model_validate_json(text), json.loads(text)


def resources(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == kind]


def codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def by_code(data: dict[str, Any], code: str) -> list[dict[str, Any]]:
    return [o for o in resources(data, "Observation") if (LOINC, code) in codes(o["code"])]


def section(data: dict[str, Any], title: str) -> dict[str, Any]:
    (composition,) = resources(data, "Composition")
    (found,) = [s for s in composition["section"] if s["title"] == title]
    return found


def quantity(q: dict[str, Any]) -> tuple[Any, str, str]:
    return q["value"], q["system"], q["code"]


@pytest.fixture
def completed(kit: Kit) -> dict[str, Any]:
    _, bundle, data = export(assemble_record(kit.repo, completed_session(kit), CABIN))
    assert bundle.type == "document"
    return data


def test_the_bundle_is_a_document_that_parses_back(kit: Kit) -> None:
    record = assemble_record(kit.repo, completed_session(kit), CABIN)
    text, bundle, data = export(record)
    assert bundle.type == "document"
    assert (
        bundle.identifier is not None and bundle.identifier.value == f"urn:uuid:{record.record_id}"
    )
    assert bundle.timestamp is not None
    assert bundle.entry is not None
    first = bundle.entry[0].resource
    assert first is not None and first.get_resource_type() == "Composition"
    # Every resource went through its own model: the parsed bundle dumps to the same document.
    assert json.loads(Bundle.model_validate_json(text).model_dump_json()) == data
    # Every reference points at an entry of the bundle.
    urls = {e["fullUrl"] for e in data["entry"]}
    refs = [m for m in _references(data) if m.startswith("urn:uuid:")]
    assert refs and set(refs) <= urls
    # Exporting again gives the same ids (a receiver recognises a re-send).
    assert [e["fullUrl"] for e in json.loads(bundle_json(record, PDF))["entry"]] == [
        e["fullUrl"] for e in data["entry"]
    ]


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def test_blood_pressure_panel_with_its_components(completed: dict[str, Any]) -> None:
    panels = by_code(completed, "85354-9")
    accepted = [p for p in panels if p["status"] == "final"]
    assert len(accepted) == 1
    panel = accepted[0]
    assert "valueQuantity" not in panel
    components = {
        next(iter(codes(c["code"])))[1]: quantity(c["valueQuantity"]) for c in panel["component"]
    }
    assert components == {
        "8480-6": (185, UCUM, "mm[Hg]"),
        "8462-4": (95, UCUM, "mm[Hg]"),
        "8478-0": (125, UCUM, "mm[Hg]"),
    }
    assert codes(panel["category"][0]) == {
        ("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")
    }
    assert panel["interpretation"][0]["coding"][0]["code"] == "H"  # 185 mmHg: bp_high
    assert "mouvement" in panel["note"][0]["text"]  # the artifact flag, in words


def test_heart_rate_body_temperature_and_spo2(completed: dict[str, Any]) -> None:
    rates = sorted(quantity(o["valueQuantity"]) for o in by_code(completed, "8867-4"))
    assert rates == [(86, UCUM, "/min"), (88, UCUM, "/min")]  # oximeter, then the cuff

    (temperature,) = [o for o in by_code(completed, "8310-5") if o["status"] == "final"]
    assert quantity(temperature["valueQuantity"]) == (38.4, UCUM, "Cel")

    (spo2,) = by_code(completed, "59408-5")
    assert quantity(spo2["valueQuantity"]) == (97, UCUM, "%")
    assert (LOINC, "2708-6") in codes(spo2["code"])


def test_the_discarded_retake_is_not_exported(completed: dict[str, Any]) -> None:
    temperatures = by_code(completed, "8310-5")
    assert [o["valueQuantity"]["value"] for o in temperatures] == [38.4]


def test_a_failed_measurement_is_cancelled_with_a_data_absent_reason(
    completed: dict[str, Any],
) -> None:
    (failed,) = [o for o in by_code(completed, "85354-9") if o["status"] == "cancelled"]
    assert "component" not in failed and "valueQuantity" not in failed
    reason = failed["dataAbsentReason"]
    assert codes(reason) == {("http://terminology.hl7.org/CodeSystem/data-absent-reason", "error")}
    assert "DEVICE_TIMEOUT" in reason["text"]


def test_people_encounter_consent_and_devices(completed: dict[str, Any]) -> None:
    (patient,) = resources(completed, "Patient")
    assert patient["name"][0]["family"] == FORM["family_name"]
    assert patient["name"][0]["given"] == ["Odile", "Marie"]
    assert (patient["gender"], patient["birthDate"]) == ("female", "1950-03-12")
    assert patient["identifier"] == [
        {"use": "official", "type": {"text": "NIR"}, "system": NIR_SYSTEM, "value": NIR}
    ]
    assert NIR_SYSTEM == "urn:oid:1.2.250.1.213.1.4.8"

    names = sorted(p["name"][0]["text"] for p in resources(completed, "Practitioner"))
    assert names == ["Alice Durand", "Dr Le Goff", "Dr Martin"]  # assistant, treating, doctor

    (encounter,) = resources(completed, "Encounter")
    assert encounter["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "VR",
        "display": "virtual",
    }
    assert encounter["status"] == "finished"
    assert len(encounter["participant"]) == 2

    (consent,) = resources(completed, "Consent")
    assert consent["status"] == "active" and consent["provision"]["type"] == "permit"
    assert (LOINC, "59284-0") in codes(consent["category"][0])

    devices = {
        (d["deviceName"][0]["name"], d.get("serialNumber")) for d in resources(completed, "Device")
    }
    assert devices == {
        ("SunTech Advantage", "SN-4471"),
        ("SureTemp Plus 692", "T-88"),
        ("Nonin 3231", "OX-12"),
        ("synthetic otoscope", None),
    }
    # Each observation names its instrument; the failed cuff reading, the identified cuff.
    device_urls = {
        e["fullUrl"]: e["resource"]
        for e in completed["entry"]
        if e["resource"]["resourceType"] == "Device"
    }
    for obs in resources(completed, "Observation"):
        assert obs["device"]["reference"] in device_urls


def test_stills_and_the_pdf_are_inside(kit: Kit) -> None:
    record = assemble_record(kit.repo, completed_session(kit), CABIN)
    _, _, data = export(record)
    (media,) = resources(data, "Media")
    assert media["content"]["contentType"] == "image/png"
    png = base64.b64decode(media["content"]["data"])
    assert png == record.still_png(record.stills[0].id)
    assert (media["width"], media["height"]) == (160, 120)
    assert codes(media["bodySite"]) == {("http://snomed.info/sct", "25577004")}  # right ear

    (document,) = resources(data, "DocumentReference")
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]) == PDF
    assert section(data, "Document remis au patient")["entry"][0]["reference"].endswith(
        document["id"]
    )


def test_the_composition_sections(completed: dict[str, Any]) -> None:
    (composition,) = resources(completed, "Composition")
    assert codes(composition["type"]) == {(LOINC, "11488-4")}
    assert composition["status"] == "final"
    measurements = section(completed, "Mesures")
    assert codes(measurements["code"]) == {(LOINC, "8716-3")}
    assert len(measurements["entry"]) == len(resources(completed, "Observation"))
    assert CONCLUSION in section(completed, "Compte rendu du médecin")["text"]["div"]
    prescription = section(completed, "Prescription")["text"]["div"]
    assert all(line in prescription for line in PRESCRIPTION)
    assert "médecin traitant" in section(completed, "Orientation")["text"]["div"]
    for title in ("Compte rendu du médecin", "Prescription", "Orientation"):
        assert "emptyReason" not in section(completed, title)
    incidents = section(completed, "Déroulement et incidents techniques")["text"]["div"]
    assert "connexion perdue" in incidents and "DEVICE_TIMEOUT" in incidents


@pytest.mark.parametrize("build", [abandoned_session, referred_session])
def test_without_a_report_the_composition_says_so(kit: Kit, build: Any) -> None:
    record = assemble_record(kit.repo, build(kit), CABIN)
    _, _, data = export(record)
    assert resources(data, "Composition")[0]["status"] == "final"
    report = section(data, "Compte rendu du médecin")
    assert "Pas de compte rendu" in report["text"]["div"]
    assert codes(report["emptyReason"]) == {
        ("http://terminology.hl7.org/CodeSystem/list-empty-reason", "unavailable")
    }
    assert "entry" not in report
    assert resources(data, "Practitioner")  # the assistant at least
    assert all(p["name"][0]["text"] != "Dr Martin" for p in resources(data, "Practitioner"))
    if build is referred_session:
        assert resources(data, "Observation") == []
        assert "emptyReason" in section(data, "Mesures")
        assert "Urgence" in section(data, "Orientation")["text"]["div"]


def test_a_refused_consent_exports_no_patient(kit: Kit) -> None:
    assert kit.service.sign_in(kit.assistant_id, PIN)
    kit.service.start_session()
    kit.service.submit_identity(FORM)
    session_id = kit.session_id
    kit.service.record_consent(False)
    _, _, data = export(assemble_record(kit.repo, session_id, CABIN))
    assert resources(data, "Patient") == []
    (consent,) = resources(data, "Consent")
    assert (consent["status"], consent["provision"]["type"]) == ("rejected", "deny")
    assert resources(data, "Encounter")[0]["status"] == "cancelled"
    assert FORM["family_name"] not in json.dumps(data)


def test_no_nir_no_identifier(kit: Kit) -> None:
    session_id = kit.begin({**FORM, "nir": "", "treating_physician": ""})
    kit.service.submit_triage("fever", "", NO_FLAGS)
    _, _, data = export(assemble_record(kit.repo, session_id, CABIN))
    (patient,) = resources(data, "Patient")
    assert "identifier" not in patient and "generalPractitioner" not in patient
    (composition,) = resources(data, "Composition")
    assert composition["status"] == "preliminary"  # the session is still going on
