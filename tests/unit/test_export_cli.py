"""``kiosk sessions`` and ``kiosk export`` as a technician types them: the installed console script
in a subprocess, over a database the session service filled."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from kiosk.clock import FakeClock
from kiosk.records.record import record_id_for
from kiosk.services.auth import hash_pin
from kiosk.storage import Repository
from tests.support.kiosk_db import open_kiosk_db
from tests.unit.test_cli import assert_one_line_error, kiosk
from tests.unit.test_record import (
    CABIN,
    CONCLUSION,
    FAMILY_NAME,
    NIR,
    PIN,
    abandoned_session,
    completed_session,
    make_kit,
    referred_session,
)


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN)


@pytest.fixture
def data_dir(tmp_path: Path, pin_hash: str) -> Path:
    """A cabin's data folder with three finished sessions (closed before the command runs)."""
    kit, opened = make_kit(tmp_path, pin_hash)
    try:
        completed_session(kit)
        referred_session(kit)
        abandoned_session(kit)
    finally:
        opened.close()
    (tmp_path / "kiosk.toml").write_text(f'[call]\ncabin = "{CABIN}"\n', encoding="utf-8")
    return tmp_path


def session_ids(data_dir: Path) -> list[str]:
    result = kiosk(data_dir, "sessions", "--json")
    assert result.returncode == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


def test_sessions_lists_without_patient_data(data_dir: Path) -> None:
    result = kiosk(data_dir, "sessions")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(row[2], row[3], row[4], row[5], row[6]) for row in lines] == [
        ("IDLE", "closed", "completed", "O.Q.", "report"),
        ("IDLE", "closed", "referred", "O.Q.", "no report"),
        ("IDLE", "closed", "abandoned", "O.Q.", "no report"),
    ]
    assert FAMILY_NAME not in result.stdout and "Odile" not in result.stdout

    as_json = json.loads(kiosk(data_dir, "sessions", "--json").stdout)
    assert [row["id"] for row in as_json] == [row[0] for row in lines]
    assert as_json[0] == {
        "id": lines[0][0],
        "started_at": lines[0][1],
        "state": "IDLE",
        "status": "closed",
        "outcome": "completed",
        "initials": "O.Q.",
        "has_report": True,
    }


def test_sessions_on_an_empty_cabin(tmp_path: Path) -> None:
    result = kiosk(tmp_path, "sessions")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert json.loads(kiosk(tmp_path, "sessions", "--json").stdout) == []


def test_export_writes_a_valid_fhir_document_and_the_pdf(data_dir: Path) -> None:
    completed = session_ids(data_dir)[0]
    fhir, pdf = data_dir / "out" / "record.json", data_dir / "out" / "record.pdf"
    fhir.parent.mkdir()
    result = kiosk(
        data_dir,
        "export",
        completed,
        "--fhir",
        str(fhir),
        "--pdf",
        str(pdf),
        config=data_dir / "kiosk.toml",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert str(fhir) in result.stdout and str(pdf) in result.stdout
    # Patient data: readable by the owner only; no half-written file left behind.
    for path in (fhir, pdf):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in fhir.parent.iterdir()) == ["record.json", "record.pdf"]

    bundle = Bundle.model_validate_json(fhir.read_text(encoding="utf-8"))
    assert bundle.type == "document"
    assert bundle.identifier is not None
    assert bundle.identifier.value == f"urn:uuid:{record_id_for(completed)}"
    assert NIR in fhir.read_text(encoding="utf-8")  # the FHIR document is the full record

    text = " ".join(PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text().split())
    assert CONCLUSION in text and CABIN in text

    # The export is in the audit log (what was written, never where the patient is named).
    opened = open_kiosk_db(data_dir, FakeClock())  # the command encrypted it
    try:
        rows = Repository(opened.db, FakeClock()).audit_log(completed)
    finally:
        opened.close()
    exported = [r for r in rows if r.action == "record_exported"]
    assert len(exported) == 1
    assert exported[0].detail == {
        "record": record_id_for(completed),
        "fhir": True,
        "pdf": True,
    }


@pytest.mark.parametrize("which", ["--fhir", "--pdf"])
def test_export_one_of_the_two(data_dir: Path, which: str) -> None:
    abandoned = session_ids(data_dir)[2]
    out = data_dir / "only"
    result = kiosk(data_dir, "export", abandoned, which, str(out))
    assert result.returncode == 0, result.stderr
    if which == "--pdf":
        assert out.read_bytes().startswith(b"%PDF-")
    else:
        Bundle.model_validate_json(out.read_text(encoding="utf-8"))
    assert [p.name for p in data_dir.iterdir() if p.name.startswith(("only", ".only"))] == ["only"]


def test_an_unknown_session_is_a_plain_error(data_dir: Path) -> None:
    line = assert_one_line_error(
        kiosk(data_dir, "export", "nope", "--pdf", str(data_dir / "x.pdf"))
    )
    assert "no session 'nope'" in line
    assert not (data_dir / "x.pdf").exists()


def test_export_needs_something_to_write(data_dir: Path) -> None:
    completed = session_ids(data_dir)[0]
    line = assert_one_line_error(kiosk(data_dir, "export", completed))
    assert "--fhir" in line and "--pdf" in line
    same = str(data_dir / "same")
    line = assert_one_line_error(
        kiosk(data_dir, "export", completed, "--fhir", same, "--pdf", same)
    )
    assert "different" in line


def test_an_unwritable_destination_is_a_plain_error(data_dir: Path) -> None:
    completed = session_ids(data_dir)[0]
    target = data_dir / "missing-folder" / "record.pdf"
    line = assert_one_line_error(kiosk(data_dir, "export", completed, "--pdf", str(target)))
    assert str(target) in line
