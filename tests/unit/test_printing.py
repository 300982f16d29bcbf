"""Printing the patient's report through a real CUPS scheduler (tests/support/cups.py).

A private ``cupsd`` listens on 127.0.0.1; the real ``lp`` and ``lpstat`` reach it through
``CUPS_SERVER``; each queue's device is a file, so the test reads back what the printer got.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from kiosk import errors
from kiosk.config import Config, RecordsConfig
from kiosk.flow import State
from kiosk.records.printing import (
    FAILED,
    PRINTED,
    ReportPrinting,
    job_title,
    print_pdf,
)
from tests.support.cups import Cups, SilentServer, needs_cups
from tests.unit.test_record import FORM, NO_FLAGS, Kit

pytestmark = needs_cups

PDF = b"%PDF-1.4\n% a stand-in report\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@pytest.fixture
def client(cups: Cups, monkeypatch: pytest.MonkeyPatch) -> Cups:
    """The kiosk's CUPS clients talk to the private scheduler, with no default set elsewhere."""
    for name, value in cups.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("LPDEST", raising=False)
    monkeypatch.delenv("PRINTER", raising=False)
    return cups


@pytest_asyncio.fixture(autouse=True)
async def executor_closed() -> AsyncIterator[None]:
    """The PDF is drawn in the loop's executor: its thread ends with the test."""
    yield
    await asyncio.get_running_loop().shutdown_default_executor()


def job_titles(cups: Cups) -> str:
    page_log = cups.root / "log" / "page_log"
    access = cups.root / "log" / "access_log"
    return " ".join(p.read_text(errors="replace") for p in (page_log, access) if p.exists())


@pytest.mark.asyncio
async def test_a_pdf_reaches_the_named_printer(client: Cups) -> None:
    out = client.add_queue("cabin")
    job = await print_pdf(PDF, job_title("0f3a9c2e-5b1d-4e8f"), "cabin")
    assert job.printer == "cabin"
    assert job.job_id.startswith("cabin-") and job.job_id.rpartition("-")[2].isdigit()
    assert await asyncio.to_thread(client.printed, "cabin") == PDF
    assert out.read_bytes() == PDF


@pytest.mark.asyncio
async def test_the_default_destination_is_used_when_none_is_configured(client: Cups) -> None:
    client.add_queue("hall", default=True)
    try:
        job = await print_pdf(PDF, "Compte-rendu 12345678")
        assert job.printer == "hall" and job.job_id.startswith("hall-")
        assert await asyncio.to_thread(client.printed, "hall") == PDF
    finally:
        client.admin("lpadmin", "-x", "hall")


@pytest.mark.asyncio
async def test_no_default_destination_means_no_printer(client: Cups) -> None:
    client.add_queue("cabin")  # a queue exists, but nothing says it is the default
    with pytest.raises(errors.NoPrinter) as caught:
        await print_pdf(PDF, "Compte-rendu 12345678")
    assert caught.value.code == "PRINT_NO_PRINTER"


@pytest.mark.asyncio
async def test_a_configured_printer_that_does_not_exist(client: Cups) -> None:
    with pytest.raises(errors.NoPrinter):
        await print_pdf(PDF, "Compte-rendu 12345678", "not-there")


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_a_stopped_queue_is_refused_and_nothing_waits_in_it(client: Cups) -> None:
    out = client.add_queue("stopped")
    client.admin("cupsdisable", "stopped")
    with pytest.raises(errors.PrinterRefused) as caught:
        await print_pdf(PDF, "Compte-rendu 12345678", "stopped")
    assert caught.value.code == "PRINT_REFUSED"
    # Nothing was queued: it would come out later, in front of whoever is there.
    assert client._idle("stopped") and not out.exists()


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_a_queue_refusing_jobs(client: Cups, caplog: pytest.LogCaptureFixture) -> None:
    client.add_queue("full")
    client.admin("cupsreject", "full")
    with pytest.raises(errors.PrinterRefused):
        await print_pdf(PDF, "Compte-rendu 12345678", "full")
    # lp's own words are kept for the technician, in the log.
    assert "not accepting jobs" in caplog.text


@pytest.mark.asyncio
async def test_without_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH where no CUPS client is
    with pytest.raises(errors.PrintingNotInstalled) as caught:
        await print_pdf(PDF, "Compte-rendu 12345678", "cabin")
    assert caught.value.code == "PRINT_NO_LP"


@pytest.mark.asyncio
@pytest.mark.allow_log_warnings
async def test_a_print_service_that_never_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    silent = SilentServer()
    monkeypatch.setenv("CUPS_SERVER", silent.server)
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(errors.PrintTimeout) as caught:
            await print_pdf(PDF, "Compte-rendu 12345678", "cabin", timeout_s=1.0)
        assert caught.value.code == "PRINT_TIMEOUT"
        assert asyncio.get_running_loop().time() - started < 5
    finally:
        silent.close()


# -- the REPORT screen's service ---------------------------------------------------------------------
def report_step(kit: Kit, language: str = "fr") -> str:
    session_id = kit.begin(FORM)
    kit.service.submit_triage("ear_pain", "", NO_FLAGS)
    kit.call()
    assert kit.state() is State.REPORT
    if language != "fr":
        kit.repo.db.execute("UPDATE reports SET language = ?", [language])
    return session_id


def printing_for(kit: Kit, tmp_path: Path, printer: str) -> ReportPrinting:
    config = Config(data_dir=tmp_path, records=RecordsConfig(printer=printer))
    printing = ReportPrinting(kit.service, config)
    kit.service.printing = printing
    return printing


@pytest.mark.asyncio
async def test_the_report_is_printed_and_audited_without_patient_data(
    kit: Kit, client: Cups, tmp_path: Path
) -> None:
    client.add_queue("cabin")
    session_id = report_step(kit)
    printing = printing_for(kit, tmp_path, "cabin")
    await printing.print_report()
    view = kit.service.last.printing
    assert view is not None and view.status == PRINTED
    assert view.printer == "cabin" and view.job_id.startswith("cabin-")
    printed = await asyncio.to_thread(client.printed, "cabin")
    assert printed.startswith(b"%PDF-") and len(printed) > 2000
    rows = kit.repo.audit_log(session_id)
    audit = [r for r in rows if r.action == "report_printed"]
    assert len(audit) == 1 and audit[0].actor == f"assistant:{kit.assistant_id}"
    assert audit[0].detail == {"job": view.job_id, "printer": "cabin"}
    # CUPS's queues and logs name the session, never the patient.
    titles = job_titles(client)
    assert FORM["family_name"] not in titles and FORM["family_name"].upper() not in titles


@pytest.mark.asyncio
async def test_no_printer_is_said_and_the_pdf_can_be_shown(
    kit: Kit, client: Cups, tmp_path: Path
) -> None:
    session_id = report_step(kit, language="en")
    printing = printing_for(kit, tmp_path, "")
    await printing.print_report()
    view = kit.service.last.printing
    assert view is not None and view.status == FAILED and view.error == "PRINT_NO_PRINTER"
    failed = [r for r in kit.repo.audit_log(session_id) if r.action == "report_print_failed"]
    assert [r.detail for r in failed] == [{"code": "PRINT_NO_PRINTER"}]

    await printing.show_pdf()
    view = kit.service.last.printing
    assert view is not None and view.pdf is not None and view.pdf.startswith(b"%PDF-")
    assert view.status == FAILED, "showing the PDF does not hide why printing failed"
    printing.close_pdf()
    view = kit.service.last.printing
    assert view is not None and view.pdf is None
