"""The records outbox against real endpoints: a FHIR server on 127.0.0.1 (aiohttp, with the
conditional create a real server does) and a gateway's folder.

The server answers as each test scripts it: created, 500, 400 with an OperationOutcome, too slow
(it keeps the Bundle, but answers after the kiosk gave up), or it closes the connection in the
middle of the upload. Whatever happens, the record ends sent exactly once, or visibly not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import stat
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from fhir.resources.R4B.bundle import Bundle

from kiosk.clock import FakeClock
from kiosk.config import CallConfig, Config, RecordsConfig
from kiosk.records import delivery
from kiosk.records.delivery import IDENTIFIER_SYSTEM
from kiosk.records.outbox import Outbox
from kiosk.records.record import record_id_for
from kiosk.storage import Repository, open_database
from kiosk.storage.repository import OutboxRow
from tests.unit.test_record import (
    CABIN,
    FAMILY_NAME,
    NIR,
    PIN,
    Kit,
    completed_session,
    make_kit,
    referred_session,
)

TOKEN = "s3cret-token-0123"


@dataclass
class Seen:
    path: str
    if_none_exist: str | None
    authorization: str | None
    content_type: str
    identifier: str | None  # system|value of the Bundle received (None: body not read)


@dataclass
class FhirServer:
    """A FHIR server's Bundle endpoint with conditional create (If-None-Exist)."""

    url: str = ""
    script: list[str] = field(default_factory=list)  # created | error | bad | slow | close
    slow_s: float = 1.5
    seen: list[Seen] = field(default_factory=list)
    stored: dict[str, bytes] = field(default_factory=dict)  # identifier -> Bundle

    async def handle(self, request: web.Request) -> web.StreamResponse:
        behaviour = self.script.pop(0) if self.script else "created"
        headers = request.headers
        if behaviour == "close":
            await request.content.read(1024)  # a part of the upload, then the line drops
            self.seen.append(
                Seen(
                    request.path,
                    headers.get("If-None-Exist"),
                    headers.get("Authorization"),
                    headers.get("Content-Type", ""),
                    None,
                )
            )
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        body = await request.read()
        data = json.loads(body)
        identifier = f"{data['identifier']['system']}|{data['identifier']['value']}"
        self.seen.append(
            Seen(
                request.path,
                headers.get("If-None-Exist"),
                headers.get("Authorization"),
                headers.get("Content-Type", ""),
                identifier,
            )
        )
        if behaviour == "error":
            return web.Response(status=500, text="database unavailable")
        if behaviour == "bad":
            outcome = {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "error",
                        "code": "invalid",
                        "diagnostics": "Bundle.entry[3]: unknown code system",
                    }
                ],
            }
            return web.json_response(outcome, status=400, content_type="application/fhir+json")
        condition = headers.get("If-None-Exist")
        if condition:
            wanted = urllib.parse.parse_qs(condition)["identifier"][0]
            if wanted in self.stored:
                return web.Response(status=200)  # conditional create: found, nothing created
        self.stored[identifier] = body
        if behaviour == "slow":
            await asyncio.sleep(self.slow_s)
        return web.Response(status=201, headers={"Location": f"Bundle/{len(self.stored)}"})


@contextlib.asynccontextmanager
async def serve_fhir() -> AsyncIterator[FhirServer]:
    """A FhirServer listening on 127.0.0.1 (a free port) for as long as the block runs."""
    fhir = FhirServer()
    app = web.Application()
    app.router.add_post("/fhir/Bundle", fhir.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fhir.url = f"http://127.0.0.1:{runner.addresses[0][1]}/fhir"
    try:
        yield fhir
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(autouse=True)
async def builder_threads() -> AsyncIterator[None]:
    yield
    await asyncio.get_running_loop().shutdown_default_executor()  # the Bundle and PDF builds


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FhirServer]:
    async with serve_fhir() as fhir:
        yield fhir


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "records-token"
    path.write_text(TOKEN + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def config_for(
    tmp_path: Path, endpoint: str, token_file: Path | None = None, **records: Any
) -> Config:
    return Config(
        data_dir=tmp_path,
        call=CallConfig(cabin=CABIN),
        records=RecordsConfig(endpoint=endpoint, token_file=str(token_file or ""), **records),
    )


def row_of(repo: Repository, session_id: str) -> OutboxRow:
    row = repo.outbox_item(session_id)
    assert row is not None
    return row


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def identifier_of(session_id: str) -> str:
    return f"{IDENTIFIER_SYSTEM}|urn:uuid:{record_id_for(session_id)}"


async def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "not reached in time"
        await asyncio.sleep(0.02)


pytestmark = pytest.mark.asyncio


# -- a FHIR server ---------------------------------------------------------------------------------
async def test_created_is_sent_once(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    session_id = completed_session(kit)
    outbox = Outbox(kit.repo, config_for(tmp_path, server.url, token_file), kit.clock)
    assert outbox.queue_ended() == [record_id_for(session_id)]
    assert await outbox.deliver_due() == 1
    row = row_of(kit.repo, session_id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, None)
    assert row.sent_at == kit.clock.now().isoformat() and row.destination == server.url
    [seen] = server.seen
    assert seen.path == "/fhir/Bundle"
    assert seen.authorization == f"Bearer {TOKEN}"
    assert seen.content_type.startswith("application/fhir+json")
    assert seen.identifier == identifier_of(session_id)
    assert urllib.parse.parse_qs(seen.if_none_exist or "") == {
        "identifier": [identifier_of(session_id)]
    }
    bundle = Bundle.model_validate_json(server.stored[identifier_of(session_id)])
    assert bundle.type == "document" and bundle.id == record_id_for(session_id)
    # Sent is final: later passes find nothing to do, and the view says so.
    kit.tick(7200)
    assert await outbox.deliver_due() == 0
    assert len(server.seen) == 1
    outbox.refresh()
    assert (outbox.view().sent, outbox.view().pending) == (1, 0)
    actions = [r.action for r in kit.repo.audit_log(session_id)]
    assert actions[-2:] == ["record_queued", "record_sent"]
    # The log says what happened, by record id only.
    text = caplog.text
    assert record_id_for(session_id) in text
    for secret in (FAMILY_NAME, NIR, TOKEN):
        assert secret not in text


async def test_server_error_then_created_is_retried_and_sent_once(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path
) -> None:
    session_id = completed_session(kit)
    outbox = Outbox(kit.repo, config_for(tmp_path, server.url, token_file), kit.clock)
    outbox.queue_ended()
    server.script = ["error"]
    assert await outbox.deliver_due() == 1
    row = row_of(kit.repo, session_id)
    assert (row.state, row.attempts, row.last_error_code) == ("pending", 1, "http_500")
    assert row.last_error is not None and row.last_error.startswith("HTTP 500")
    assert row.next_attempt_at_epoch == kit.clock.now().timestamp() + 30
    assert await outbox.deliver_due() == 0  # not before its time
    kit.tick(30)
    assert await outbox.deliver_due() == 1
    row = row_of(kit.repo, session_id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
    assert len(server.seen) == 2 and len(server.stored) == 1


@pytest.mark.allow_log_warnings
async def test_bad_request_fails_with_the_reason_and_is_not_retried(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path
) -> None:
    session_id = completed_session(kit)
    outbox = Outbox(kit.repo, config_for(tmp_path, server.url, token_file), kit.clock)
    outbox.queue_ended()
    server.script = ["bad"]
    await outbox.deliver_due()
    row = row_of(kit.repo, session_id)
    assert (row.state, row.attempts, row.last_error_code) == ("failed", 1, "http_400")
    assert row.last_error == "HTTP 400 Bad Request: invalid: Bundle.entry[3]: unknown code system"
    assert row.next_attempt_at is None
    for _ in range(5):  # hours pass: nothing hammers the server
        kit.tick(3600)
        assert await outbox.deliver_due() == 0
    assert len(server.seen) == 1 and not server.stored
    outbox.refresh()
    view = outbox.view()
    assert view.failed == 1 and view.items[0].last_error == row.last_error
    # A person decides to try again (kiosk outbox --retry): it goes, once.
    assert outbox.retry(record_id_for(session_id), "technician:1") is not None
    await outbox.deliver_due()
    assert row_of(kit.repo, session_id).state == "sent"
    assert len(server.stored) == 1
    assert "record_delivery_failed" in [r.action for r in kit.repo.audit_log(session_id)]


async def test_too_slow_is_retried_and_the_resend_creates_no_duplicate(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path
) -> None:
    session_id = completed_session(kit)
    config = config_for(tmp_path, server.url, token_file, timeout_s=0.4)
    outbox = Outbox(kit.repo, config, kit.clock)
    outbox.queue_ended()
    server.script = ["slow"]  # the server keeps the Bundle, but answers after we gave up
    await outbox.deliver_due()
    row = row_of(kit.repo, session_id)
    assert (row.state, row.last_error_code) == ("pending", "timeout")
    assert row.last_error == "no answer within 0.4 s"
    assert len(server.stored) == 1
    kit.tick(30)
    await outbox.deliver_due()
    assert row_of(kit.repo, session_id).state == "sent"
    first, second = server.seen
    assert first.identifier == second.identifier == identifier_of(session_id)
    assert first.if_none_exist == second.if_none_exist is not None
    assert len(server.stored) == 1  # the conditional create found the first copy
    await asyncio.sleep(server.slow_s)  # let the slow answer finish before the server stops


async def test_connection_closed_mid_upload_is_retried(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path
) -> None:
    session_id = completed_session(kit)
    outbox = Outbox(kit.repo, config_for(tmp_path, server.url, token_file), kit.clock)
    outbox.queue_ended()
    server.script = ["close"]
    await outbox.deliver_due()
    row = row_of(kit.repo, session_id)
    assert (row.state, row.attempts, row.last_error_code) == ("pending", 1, "connection_closed")
    assert server.seen[0].identifier is None  # the body never arrived whole
    kit.tick(30)
    await outbox.deliver_due()
    assert row_of(kit.repo, session_id).state == "sent"
    assert len(server.stored) == 1


async def test_endpoint_down_stays_pending_with_the_error_and_backs_off(
    kit: Kit, tmp_path: Path, token_file: Path
) -> None:
    session_id = completed_session(kit)
    url = f"http://127.0.0.1:{free_port()}/fhir"
    config = config_for(tmp_path, url, token_file, retry_backoff_s=30, retry_backoff_max_s=100)
    outbox = Outbox(kit.repo, config, kit.clock)
    outbox.queue_ended()
    waits = []
    for _ in range(4):
        before = kit.clock.now().timestamp()
        assert await outbox.deliver_due() == 1
        row = row_of(kit.repo, session_id)
        assert (row.state, row.last_error_code) == ("pending", "unreachable")
        assert row.last_error is not None and row.last_error.startswith("cannot connect")
        assert row.next_attempt_at_epoch is not None
        waits.append(row.next_attempt_at_epoch - before)
        kit.tick(waits[-1])
    assert waits == [30, 60, 100, 100]
    assert row_of(kit.repo, session_id).attempts == 4
    outbox.refresh()
    assert outbox.view().pending == 1 and outbox.view().items[0].last_error_code == "unreachable"


async def test_a_failing_server_gets_one_probe_per_pass_not_one_request_per_record(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path
) -> None:
    sessions = [completed_session(kit), referred_session(kit), referred_session(kit)]
    outbox = Outbox(kit.repo, config_for(tmp_path, server.url, token_file), kit.clock)
    assert len(outbox.queue_ended()) == 3
    server.script = ["error"]
    assert await outbox.deliver_due() == 1  # the oldest one found the server failing...
    assert [row_of(kit.repo, s).attempts for s in sessions] == [1, 0, 0]
    kit.tick(10)
    assert await outbox.deliver_due() == 0  # ...the others wait behind its next attempt
    kit.tick(20)
    assert await outbox.deliver_due() == 3  # the server is back: everything goes, once each
    assert [row_of(kit.repo, s).state for s in sessions] == ["sent"] * 3
    assert len(server.seen) == 4 and len(server.stored) == 3


async def test_an_unsafe_token_file_is_not_used(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path
) -> None:
    session_id = completed_session(kit)
    token_file.chmod(0o644)
    outbox = Outbox(kit.repo, config_for(tmp_path, server.url, token_file), kit.clock)
    outbox.queue_ended()
    await outbox.deliver_due()
    row = row_of(kit.repo, session_id)
    assert (row.state, row.last_error_code) == ("pending", "token_unusable")
    assert "chmod 600" in (row.last_error or "")
    assert not server.seen  # nothing left the cabin
    token_file.chmod(0o600)
    kit.tick(30)
    await outbox.deliver_due()
    assert row_of(kit.repo, session_id).state == "sent"


# -- a gateway's folder ----------------------------------------------------------------------------
async def test_folder_endpoint_writes_both_files_atomically(kit: Kit, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    session_id = completed_session(kit)
    outbox = Outbox(kit.repo, config_for(tmp_path, spool.as_uri()), kit.clock)
    outbox.queue_ended()
    await outbox.deliver_due()
    record_id = record_id_for(session_id)
    assert sorted(p.name for p in spool.iterdir()) == [f"{record_id}.json", f"{record_id}.pdf"]
    bundle = Bundle.model_validate_json((spool / f"{record_id}.json").read_bytes())
    assert bundle.id == record_id
    assert (spool / f"{record_id}.pdf").read_bytes().startswith(b"%PDF")
    for path in spool.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    row = row_of(kit.repo, session_id)
    assert (row.state, row.last_error_code, row.destination) == ("sent", None, spool.as_uri())


async def test_folder_write_that_fails_leaves_no_file_and_retries(
    kit: Kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = tmp_path / "spool"
    session_id = referred_session(kit)
    outbox = Outbox(kit.repo, config_for(tmp_path, spool.as_uri()), kit.clock)
    outbox.queue_ended()
    await outbox.deliver_due()  # the folder does not exist yet
    row = row_of(kit.repo, session_id)
    assert (row.state, row.last_error_code) == ("pending", "folder_missing")
    spool.mkdir()
    real_replace = os.replace

    def disk_full_on_json(src: Any, dst: Any) -> None:
        if str(dst).endswith(".json"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(delivery.os, "replace", disk_full_on_json)
    kit.tick(30)
    await outbox.deliver_due()
    row = row_of(kit.repo, session_id)
    assert (row.state, row.last_error_code) == ("pending", "folder_error")
    assert "No space left on device" in (row.last_error or "")
    names = sorted(p.name for p in spool.iterdir())
    assert names == [f"{record_id_for(session_id)}.pdf"]  # no JSON, no half-written file
    monkeypatch.setattr(delivery.os, "replace", real_replace)
    kit.tick(60)
    await outbox.deliver_due()
    assert row_of(kit.repo, session_id).state == "sent"
    assert len(list(spool.iterdir())) == 2


# -- crashes and stops -------------------------------------------------------------------------------
async def test_a_crash_between_queueing_and_sending_loses_nothing(
    tmp_path: Path, pin_hash: str, server: FhirServer, token_file: Path
) -> None:
    clock = FakeClock()
    kit, opened = make_kit(tmp_path, pin_hash, clock)
    config = config_for(tmp_path, server.url, token_file)
    try:
        session_id = completed_session(kit)
        assert Outbox(kit.repo, config, clock).queue_ended()  # assembled and queued...
    finally:
        opened.close()  # ...and the kiosk dies before any attempt
    assert not server.seen
    reopened = open_database(tmp_path / "kiosk.db", clock)
    try:
        repo = Repository(reopened.db, clock)
        outbox = Outbox(repo, config, clock)
        await outbox.start()
        try:
            await wait_until(lambda: row_of(repo, session_id).state == "sent")
        finally:
            await outbox.stop()
        assert len(server.seen) == 1 and len(server.stored) == 1
    finally:
        reopened.close()


async def test_sending_left_by_a_crash_is_resent_without_duplicate(
    tmp_path: Path, pin_hash: str, server: FhirServer, token_file: Path
) -> None:
    """The server got the Bundle, the kiosk died before it knew: the resend creates nothing."""
    clock = FakeClock()
    kit, opened = make_kit(tmp_path, pin_hash, clock)
    config = config_for(tmp_path, server.url, token_file)
    try:
        session_id = completed_session(kit)
        outbox = Outbox(kit.repo, config, clock)
        outbox.queue_ended()
        row = row_of(kit.repo, session_id)
        kit.repo.outbox_mark_sending(row.id, server.url)  # the attempt began...
        server.stored[identifier_of(session_id)] = b"{}"  # ...and reached the server
    finally:
        opened.close()
    reopened = open_database(tmp_path / "kiosk.db", clock)
    try:
        repo = Repository(reopened.db, clock)
        assert row_of(repo, session_id).state == "sending"
        outbox = Outbox(repo, config, clock)
        await outbox.start()
        try:
            await wait_until(lambda: row_of(repo, session_id).state == "sent")
        finally:
            await outbox.stop()
        [seen] = server.seen
        assert seen.if_none_exist is not None and len(server.stored) == 1
    finally:
        reopened.close()


async def test_stopping_mid_upload_puts_the_record_back_in_the_queue(
    kit: Kit, tmp_path: Path, server: FhirServer, token_file: Path
) -> None:
    session_id = completed_session(kit)
    server.script = ["slow"]
    server.slow_s = 0.5
    outbox = Outbox(kit.repo, config_for(tmp_path, server.url, token_file), kit.clock)
    await outbox.start()
    try:
        await wait_until(lambda: bool(server.seen))
        assert row_of(kit.repo, session_id).state == "sending"
    finally:
        await outbox.stop()
    row = row_of(kit.repo, session_id)
    assert (row.state, row.attempts, row.last_error_code) == ("pending", 0, "interrupted")
    await asyncio.sleep(server.slow_s)  # the server's late answer goes nowhere


# -- in the core -----------------------------------------------------------------------------------
@pytest.mark.allow_log_warnings  # the retention warning, once the record is a week old
async def test_the_core_queues_delivers_and_shows_the_outbox(tmp_path: Path, pin_hash: str) -> None:
    from kiosk.config import DevicesConfig
    from kiosk.core import Core
    from kiosk.flow import State
    from kiosk.flow.triage import RED_FLAGS
    from tests.unit.test_record import FORM

    clock = FakeClock()
    spool = tmp_path / "spool"
    config = Config(
        data_dir=tmp_path / "kiosk",
        devices=DevicesConfig(bp="", thermometer="", oximeter="", otoscope="", room_camera=""),
        call=CallConfig(cabin=CABIN),
        records=RecordsConfig(endpoint=spool.as_uri()),
    )
    core = Core(config, clock)
    await core.start()
    try:
        session = core.session
        assert session.last.outbox is not None and session.last.outbox.pending == 0
        assert core.technician is not None
        assert core.technician.snapshot().retention_blocked == 0
        assistant = core.repo.add_assistant("Nadia", pin_hash)
        assert session.sign_in(assistant, PIN)
        session.start_session()
        session.submit_identity(FORM)
        session.record_consent(True)
        session.submit_triage("", "", {**dict.fromkeys(RED_FLAGS, False), "chest_pain": True})
        assert session.current_state() is State.REFERRED
        session.close_session(State.REFERRED)
        assert session.current_state() is State.HYGIENE
        session_id = session.current_session_id
        assert session_id is not None
        # The spool folder is missing: the record waits, and the assistant's screen says so.
        await wait_until(
            lambda: (
                session.last.outbox is not None
                and session.last.outbox.items[:1] != ()
                and session.last.outbox.items[0].last_error_code == "folder_missing"
            )
        )
        outbox, technician = core.outbox, core.technician
        assert outbox is not None
        clock.advance(8 * 86400)  # a week without delivery: the technician is warned
        outbox.wake()
        await wait_until(lambda: technician.snapshot().retention_blocked == 1)

        def attempted_twice() -> bool:
            row = core.repo.outbox_item(session_id)
            return row is not None and (row.state, row.attempts) == ("pending", 2)

        await wait_until(attempted_twice)
        spool.mkdir()  # fixed: the next attempt (backing off) delivers it
        clock.advance(3600)
        outbox.wake()
        await wait_until(lambda: session.last.outbox is not None and session.last.outbox.sent == 1)
        assert (spool / f"{record_id_for(session_id)}.json").exists()
        assert technician.snapshot().retention_blocked == 0
    finally:
        await core.stop()
