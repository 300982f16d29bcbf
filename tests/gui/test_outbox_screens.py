"""The records outbox on screen, with the real core and a real outbox: what the assistant sees on
the home and the cleaning screens, and the technician's records list with "Retry".

Destinations are real: a gateway's folder (``file://``), a FHIR server on 127.0.0.1 (aiohttp, in
its own thread) that refuses with a 400 and then accepts, and none at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from PySide6.QtWidgets import QLabel, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.clock import FakeClock
from kiosk.config import Config, RecordsConfig
from kiosk.flow import HYGIENE_ITEMS, State
from kiosk.flow.triage import RED_FLAGS
from kiosk.records.outbox import Outbox
from kiosk.services.auth import hash_pin
from kiosk.services.session import SessionService
from kiosk.storage import Repository
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    PIN,
    add_assistant,
    assert_touch_targets,
    clean_the_cabin,
    db_rows,
    tap,
    wait_for_screen,
)
from tests.gui.test_hygiene import refer_and_close
from tests.gui.test_technician import add_technician, technician_signs_in
from tests.support.kiosk_db import open_kiosk_db
from ui.app import KioskApp
from ui.screens.technician import TechnicianScreen

MakeRecordsKiosk = Callable[[str], KioskApp]
PATIENT_WORDS = ("Martin", "MARTIN", "Jeanne", "1942", "2420675112233")
REFUSAL = "Bundle.entry[3]: unknown code system"


@pytest.fixture
def make_records_kiosk(make_kiosk: MakeKiosk) -> MakeRecordsKiosk:
    """A kiosk whose outbox delivers to ``endpoint`` ("" = none configured)."""
    return lambda endpoint: make_kiosk(records=RecordsConfig(endpoint=endpoint, timeout_s=5.0))


class FhirServer:
    """A FHIR server's Bundle endpoint on 127.0.0.1, on its own loop and thread: it answers
    ``status`` (400 with an OperationOutcome, or 201)."""

    def __init__(self) -> None:
        self.status = 400
        self.received = 0
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fhir-server")
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.received += 1
        if self.status == 400:
            outcome = {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "invalid", "diagnostics": REFUSAL}],
            }
            return web.json_response(outcome, status=400, content_type="application/fhir+json")
        return web.Response(status=201, headers={"Location": f"Bundle/{self.received}"})

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/fhir/Bundle", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/fhir"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._start())
        self._ready.set()
        self._loop.run_forever()
        if self._runner is not None:
            self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10), "the FHIR server did not start"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture
def fhir_server() -> Iterator[FhirServer]:
    server = FhirServer()
    server.start()
    yield server
    server.stop()


def assistant_sees_no_patient(kiosk: KioskApp, *lines: QLabel) -> None:
    for line in lines:
        for word in PATIENT_WORDS:
            assert word not in line.text(), f"{word!r} in {line.objectName()}: {line.text()}"


def end_a_session(qtbot: QtBot, kiosk: KioskApp) -> None:
    """A session to its end: identified, referred at triage, closed; the cleaning screen."""
    refer_and_close(qtbot, kiosk)


def sign_out_to_technician(qtbot: QtBot, kiosk: KioskApp) -> TechnicianScreen:
    tap(qtbot, kiosk.window.home.sign_out)
    technician_signs_in(qtbot, kiosk)
    panel = kiosk.window.technician
    wait_for_screen(qtbot, kiosk, panel)
    return panel


def record_texts(panel: TechnicianScreen) -> list[str]:
    return [row.text.text() for row in panel.records.rows]


def test_a_record_delivered_to_a_folder_is_said_sent(
    qtbot: QtBot, make_records_kiosk: MakeRecordsKiosk, tmp_path: Path
) -> None:
    folder = tmp_path / "gateway"
    folder.mkdir()
    add_assistant(tmp_path)
    add_technician(tmp_path)
    kiosk = make_records_kiosk(folder.as_uri())
    end_a_session(qtbot, kiosk)
    hygiene = kiosk.window.by_state[State.HYGIENE]
    record = hygiene.findChild(QLabel, "record_state")
    assert record is not None
    qtbot.waitUntil(lambda: record.text() == "Dossier de consultation : envoyé.", timeout=10000)
    assert record.isVisible()
    assistant_sees_no_patient(kiosk, record)
    # The gateway has it: the Bundle and the patient's PDF.
    assert sorted(p.suffix for p in folder.iterdir()) == [".json", ".pdf"]

    clean_the_cabin(qtbot, kiosk)
    home = kiosk.window.home
    qtbot.waitUntil(home.records.isVisible)
    assert home.records.text() == "Tous les dossiers de consultation ont été envoyés."
    assistant_sees_no_patient(kiosk, home.records)

    panel = sign_out_to_technician(qtbot, kiosk)
    qtbot.waitUntil(lambda: len(panel.records.rows) == 1)
    assert panel.records.counts.text() == (
        "En attente : 0  ·  En cours d'envoi : 0  ·  Envoyés : 1  ·  Refusés : 0"
    )
    assert folder.as_uri() in panel.records.destination.text()
    row = panel.records.rows[0]
    record_id = str(db_rows(tmp_path, "SELECT record_id FROM outbox")[0][0])
    assert record_id[:8] in row.text.text()
    assert "envoyé le" in row.text.text() and "Tentatives : 1" in row.text.text()
    assert not row.retry.isVisibleTo(panel), "a sent record is never sent again"
    assert not panel.retention.isVisible()
    for word in PATIENT_WORDS:
        assert word not in row.text.text()


@pytest.mark.allow_log_warnings  # the outbox logs the refusal (a warning for the technician)
def test_a_refused_record_shows_why_and_the_technician_retries_it(
    qtbot: QtBot,
    make_records_kiosk: MakeRecordsKiosk,
    fhir_server: FhirServer,
    tmp_path: Path,
) -> None:
    add_assistant(tmp_path)
    add_technician(tmp_path)
    kiosk = make_records_kiosk(fhir_server.url)
    end_a_session(qtbot, kiosk)
    record = kiosk.window.by_state[State.HYGIENE].findChild(QLabel, "record_state")
    assert record is not None
    qtbot.waitUntil(lambda: "refusé" in record.text(), timeout=10000)
    assert record.text() == (
        "Dossier de consultation : refusé par le destinataire. Appelez le technicien."
    )
    assert fhir_server.received == 1

    clean_the_cabin(qtbot, kiosk)
    home = kiosk.window.home
    qtbot.waitUntil(home.records.isVisible)
    assert home.records.text() == (
        "1 dossier(s) de consultation refusé(s) par le destinataire : appelez le technicien."
    )
    assert "#b00020" in home.records.styleSheet(), "said in red: someone must act"
    assistant_sees_no_patient(kiosk, home.records)

    # The technician sees the record, the server's reason, and retries it once the server is
    # fixed: it is delivered, and the assistant's line says so.
    panel = sign_out_to_technician(qtbot, kiosk)
    qtbot.waitUntil(lambda: len(panel.records.rows) == 1)
    row = panel.records.rows[0]
    text = row.text.text()
    assert "refusé par le destinataire" in text
    assert REFUSAL in text and "400" in text
    assert "Tentatives : 1" in text
    assert "Refusés : 1" in panel.records.counts.text()
    panel.scroll.ensureWidgetVisible(row.retry)
    qtbot.waitUntil(row.retry.isVisible)
    assert_touch_targets(kiosk)
    fhir_server.status = 201
    tap(qtbot, row.retry)
    qtbot.waitUntil(
        lambda: bool(panel.records.rows) and "envoyé le" in panel.records.rows[0].text.text(),
        timeout=10000,
    )
    assert fhir_server.received == 2
    assert "Envoyés : 1  ·  Refusés : 0" in panel.records.counts.text()
    assert not panel.records.rows[0].retry.isVisibleTo(panel)
    assert "Tentatives : 2" in panel.records.rows[0].text.text()
    technician_id = db_rows(tmp_path, "SELECT id FROM technicians")[0][0]
    actors = [
        row[0]
        for row in db_rows(tmp_path, "SELECT actor FROM events WHERE action = 'record_retry'")
    ]
    assert actors == [f"technician:{technician_id}"]


def test_without_a_destination_the_records_wait_and_it_is_said_plainly(
    qtbot: QtBot, make_records_kiosk: MakeRecordsKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    add_technician(tmp_path)
    kiosk = make_records_kiosk("")
    end_a_session(qtbot, kiosk)
    record = kiosk.window.by_state[State.HYGIENE].findChild(QLabel, "record_state")
    assert record is not None
    qtbot.waitUntil(lambda: bool(record.text()), timeout=10000)
    assert record.text() == (
        "Dossier de consultation : en attente d'envoi, aucune destination n'est configurée. "
        "Prévenez le technicien."
    )
    clean_the_cabin(qtbot, kiosk)
    home = kiosk.window.home
    qtbot.waitUntil(home.records.isVisible)
    assert home.records.text() == (
        "1 dossier(s) de consultation en attente d'envoi : aucune destination n'est configurée. "
        "Prévenez le technicien."
    )
    assistant_sees_no_patient(kiosk, home.records)

    panel = sign_out_to_technician(qtbot, kiosk)
    qtbot.waitUntil(lambda: len(panel.records.rows) == 1)
    text = panel.records.rows[0].text.text()
    assert "en attente d'envoi" in text
    assert "aucune destination configurée (records.endpoint)" in text
    assert panel.records.destination.text().startswith("Aucune destination configurée")
    assert "En attente : 1" in panel.records.counts.text()
    # Not refused: waiting records have no "Retry" (they leave once a destination is set).
    assert not panel.records.rows[0].retry.isVisibleTo(panel)
    assert not panel.retention.isVisible(), "not older than the retention delay"


@pytest.mark.allow_log_warnings  # retention warns about the undelivered record at start
def test_an_undelivered_record_past_the_retention_delay_warns_the_technician(
    qtbot: QtBot, make_records_kiosk: MakeRecordsKiosk, tmp_path: Path
) -> None:
    # Ten days ago, a session ended and its record was queued, with nowhere to send it.
    clock = FakeClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=10))
    opened = open_kiosk_db(tmp_path, clock)
    try:
        repo = Repository(opened.db, clock)
        assistant = repo.add_assistant("Claire", hash_pin(PIN))
        config = Config(data_dir=tmp_path)
        service = SessionService(repo, config, clock)
        assert service.sign_in(assistant, PIN)
        service.start_session()
        service.submit_identity(
            {
                "family_name": "Martin",
                "given_names": "Jeanne",
                "birth_date": "24/06/1942",
                "sex": "female",
                "nir": "",
                "treating_physician": "",
            }
        )
        service.record_consent(True)
        service.submit_triage("", "", {**dict.fromkeys(RED_FLAGS, False), "chest_pain": True})
        service.close_session(State.REFERRED)
        for item in HYGIENE_ITEMS:
            service.check_hygiene(item)
        service.finish_hygiene()
        assert len(Outbox(repo, config, clock).queue_ended()) == 1
    finally:
        opened.close()
    add_technician(tmp_path)
    kiosk = make_records_kiosk("")
    technician_signs_in(qtbot, kiosk)
    panel = kiosk.window.technician
    wait_for_screen(qtbot, kiosk, panel)
    qtbot.waitUntil(panel.retention.isVisible)
    assert panel.retention.text() == (
        "1 dossier(s) non envoyé(s) depuis plus de 7 jours : leurs données ne peuvent pas être "
        "effacées. Vérifiez la destination (kiosk outbox)."
    )
    assert panel.scroll.isVisible() and panel.retention.y() < panel.scroll.y(), "above the list"
    qtbot.waitUntil(lambda: len(panel.records.rows) == 1)
    assert "en attente d'envoi" in record_texts(panel)[0]
    buttons = [b for b in panel.findChildren(QPushButton) if b.objectName().startswith("retry")]
    assert len(buttons) == 1
