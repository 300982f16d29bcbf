"""Tests of kiosk.records.pdf: the patient's A4 PDF, read back with pypdf."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from kiosk.records.pdf import patient_pdf
from kiosk.records.record import ConsultationRecord, Report, assemble_record
from tests.unit.test_record import (
    ADVICE,
    CABIN,
    CONCLUSION,
    DOCTOR,
    FORM,
    NIR,
    PRESCRIPTION,
    Kit,
    abandoned_session,
    completed_session,
    referred_session,
)

A4_POINTS = (595.28, 841.89)


def read(pdf: bytes) -> tuple[PdfReader, str]:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, " ".join(text.split())  # table cells and wrapped lines, as plain words


def test_a_completed_consultation(kit: Kit) -> None:
    record = assemble_record(kit.repo, completed_session(kit), CABIN)
    reader, text = read(patient_pdf(record, tz=dt.UTC))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 2), round(height, 2)) == A4_POINTS
    assert CONCLUSION in text
    assert " ".join(ADVICE.split()) in text
    for line in PRESCRIPTION:
        assert line in text
    assert DOCTOR in text and CABIN in text
    assert "2 mars 2026" in text
    assert "Odile Marie QUENNEVILLE, née le 12/03/1950" in text
    assert "Consultez votre médecin traitant." in text
    # The measurements: values, units, times, flags in words; the failed attempt was retaken.
    assert "185 / 95" in text and "mmHg" in text
    assert "38,4" in text and "°C" in text and "prise buccale" in text
    assert "tension très élevée" in text and "mouvement pendant la mesure" in text
    assert "09 h 0" in text
    assert "37,0" not in text  # the discarded value
    assert "mesure impossible" not in text and "l'appareil n'a pas répondu" not in text
    assert f"Page 1 sur {len(reader.pages)}" in text
    # What the patient does not need: the NIR, the assistant, the reason's free text.
    assert NIR not in text and "Alice" not in text and "depuis lundi" not in text
    assert reader.metadata is not None and FORM["family_name"] not in str(reader.metadata)


def test_a_referral_says_what_to_do(kit: Kit) -> None:
    record = assemble_record(kit.repo, referred_session(kit), CABIN)
    _, text = read(patient_pdf(record, emergency_number="15"))
    assert "Urgence : appelez le 15 ou le 112" in text
    assert "douleur ou oppression dans la poitrine" in text
    assert "Vos mesures" not in text


def test_an_abandoned_session_without_a_report(kit: Kit) -> None:
    record = assemble_record(kit.repo, abandoned_session(kit), CABIN)
    _, text = read(patient_pdf(record))
    assert "interrompue" in text and "pas de compte rendu" in text
    assert "Température" in text and "appareil non branché" in text  # never measured, and why


def test_long_advice_runs_over_pages_that_are_numbered(kit: Kit) -> None:
    record = assemble_record(kit.repo, completed_session(kit), CABIN)
    assert record.report is not None
    long = Report(
        **{
            **record.report.__dict__,
            "advice": "\n".join(f"Conseil numéro {n} : buvez de l'eau." for n in range(60)),
            "prescription": tuple(f"Ligne {n} <b>&</b>" for n in range(20)),
        }
    )
    longer = ConsultationRecord(**{**record.__dict__, "report": long})
    reader, text = read(patient_pdf(longer))
    pages = len(reader.pages)
    assert pages >= 3
    for number in range(1, pages + 1):
        assert f"Page {number} sur {pages}" in text
    assert "Conseil numéro 59" in text
    assert "Ligne 19 <b>&</b>" in text  # typed text is shown as typed, never as markup


def test_names_beyond_latin_1(kit: Kit) -> None:
    session_id = kit.begin({**FORM, "family_name": "Đặng", "given_names": "Łucja Σοφία"})
    record = assemble_record(kit.repo, session_id, "")
    _, text = read(patient_pdf(record))
    assert "Łucja Σοφία ĐẶNG" in text
    assert "Cabine" not in text  # no cabin name configured: none invented


def test_advice_written_in_english_gives_an_english_pdf(kit: Kit) -> None:
    record = assemble_record(kit.repo, completed_session(kit), CABIN)
    assert record.report is not None
    english = ConsultationRecord(
        **{**record.__dict__, "report": Report(**{**record.report.__dict__, "language": "en"})}
    )
    reader, text = read(patient_pdf(english, tz=dt.UTC))
    assert "Assisted teleconsultation report" in text and f"Cabin {CABIN}" in text
    assert "2 March 2026" in text
    assert "Odile Marie QUENNEVILLE, born 12/03/1950" in text
    assert "Your measurements" in text and "The doctor's report" in text
    assert "Blood pressure" in text and "38.4" in text and "taken by mouth" in text
    assert "very high blood pressure" in text and "movement during the measurement" in text
    assert "See your usual doctor." in text
    assert f"Page 1 of {len(reader.pages)}" in text
    # The doctor's own words stay as written; no French label is left.
    assert CONCLUSION in text
    for french in ("Vos mesures", "Compte rendu", "Page 1 sur", "Tension artérielle", "38,4"):
        assert french not in text
    assert reader.metadata is not None and reader.metadata.title == (
        "Assisted teleconsultation report"
    )
    # French stays the default, and an explicit language wins.
    _, french_text = read(patient_pdf(english, language="fr"))
    assert "Vos mesures" in french_text
