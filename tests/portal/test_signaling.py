"""The signaling sockets of docs/signaling.md sections 3 and 4, end to end over real sockets:
cabins authenticate, wait, get picked and joined; offers and answers are relayed; every bad
message gets its error code and the portal keeps serving; dropped sockets come back."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
import pytest_asyncio

from kiosk.clock import FakeClock
from kiosk.portal.server import CABIN_GRACE_S, PortalHandle
from kiosk.portal.store import PortalStore
from tests.portal.conftest import (
    Accounts,
    cabin_link,
    client_session,
    closed_with,
    doctor_page,
    expect,
    nothing_more,
    queue_ids,
    receive,
    send,
    sign_in,
)

pytestmark = pytest.mark.asyncio

OFFER = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
ANSWER = "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\ns=-\r\n"


@dataclass
class Browsers:
    """One signed-in browser per doctor, and one client for the cabins."""

    martin: aiohttp.ClientSession
    leroy: aiohttp.ClientSession
    any: aiohttp.ClientSession
    cabins: aiohttp.ClientSession


@pytest_asyncio.fixture
async def browsers(portal: PortalHandle) -> AsyncIterator[Browsers]:
    sessions = [client_session() for _ in range(4)]
    try:
        for session, name in zip(sessions, ("dr.martin", "dr.leroy", "dr.any"), strict=False):
            assert (await sign_in(session, portal, name)).status == 303
        yield Browsers(*sessions)
    finally:
        for session in sessions:
            await session.close()


async def request_call(
    ws: aiohttp.ClientWebSocketResponse, treating: str | None = None, resume: str | None = None
) -> dict[str, object]:
    await send(
        ws,
        "call.request",
        id="r",
        reason="fever",
        age=67,
        treating_doctor=treating,
        resume=resume,
    )
    reply = await receive(ws)
    assert reply["re"] == "r", reply
    return reply


async def pick_and_join(page: aiohttp.ClientWebSocketResponse, call_id: str) -> dict[str, object]:
    await send(page, "call.pick", id="p", call_id=call_id)
    picked = await expect(page, "call.picked")
    assert picked["re"] == "p"
    await send(page, "call.join", id="j", call_id=call_id, join_token=picked["join_token"])
    joined = await expect(page, "call.joined")
    assert joined == {"type": "call.joined", "v": 1, "re": "j", "call_id": call_id}
    return picked


# -- the whole exchange ------------------------------------------------------------------------
async def test_the_full_relay(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts, store: PortalStore
) -> None:
    page = await doctor_page(browsers.martin, portal)
    assert await queue_ids(page) == []
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    queued = await request_call(cabin)
    assert queued["type"] == "call.queued"
    call_id = str(queued["call_id"])
    assert (queued["position"], queued["doctors_online"]) == (1, 1)
    assert queued["estimated_wait_s"] == 0.0  # the doctor online is free: no wait
    entry = (await expect(page, "queue", skip=()))["entries"]
    assert entry == [
        {
            "call_id": call_id,
            "reason": "fever",
            "age": 67,
            "territory": "29",
            "waiting_s": 0.0,
            "treating": False,
        }
    ]
    picked = await pick_and_join(page, call_id)
    assert picked["cabin"] == {"name": "brest", "territory": "29"}
    assert picked["expires_in_s"] == 60.0
    joined = await expect(cabin, "call.joined", skip=())
    assert joined["doctor"] == {"name": "dr.martin", "display_name": "Dr Martin"}
    await send(cabin, "sdp.offer", call_id=call_id, generation=1, sdp=OFFER)
    offer = await expect(page, "sdp.offer")
    assert (offer["call_id"], offer["generation"], offer["sdp"]) == (call_id, 1, OFFER)
    await send(page, "sdp.answer", call_id=call_id, generation=1, sdp=ANSWER)
    answer = await expect(cabin, "sdp.answer", skip=())
    assert (answer["generation"], answer["sdp"]) == (1, ANSWER)
    # A new peer connection: generation 2 goes through the same way.
    await send(cabin, "sdp.offer", call_id=call_id, generation=2, sdp=OFFER)
    assert (await expect(page, "sdp.offer"))["generation"] == 2
    await send(cabin, "call.end", call_id=call_id, reason="report_received")
    ended = await expect(page, "call.ended")
    assert ended["reason"] == "report_received"
    # Audit: who picked and joined which call of which cabin.
    rows = {r.action: r for r in store.audit_log()}
    assert rows["pick"].detail == {"doctor": "dr.martin", "call_id": call_id, "cabin": "brest"}
    assert rows["join"].detail == {"doctor": "dr.martin", "call_id": call_id, "cabin": "brest"}
    assert "dr.martin" in [r.actor for r in store.audit_log("login_ok")]
    assert rows["cabin_hello"].detail["cabin"] == "brest"
    for ws in (page, cabin):
        await ws.close()


async def test_the_doctor_ends_the_call(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.martin, portal)
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    await pick_and_join(page, call_id)
    await expect(cabin, "call.joined", skip=())
    await send(page, "call.end", id="e", call_id=call_id)
    ended = await expect(page, "call.ended")
    assert (ended["re"], ended["reason"]) == ("e", "doctor_ended")
    left = await expect(cabin, "doctor.left", skip=())
    assert left["reason"] == "ended"
    await send(page, "call.join", id="x", call_id=call_id, join_token="whatever")
    assert (await expect(page, "error"))["code"] == "not_found"
    for ws in (page, cabin):
        await ws.close()


async def test_a_request_without_a_triage_reason_is_accepted(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    await send(cabin, "call.request", reason="", age=None, treating_doctor=None, resume=None)
    assert (await receive(cabin))["type"] == "call.queued"
    await cabin.close()


async def test_the_cabin_cancels_while_waiting(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.martin, portal)
    assert await queue_ids(page) == []
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    assert await queue_ids(page) == [call_id]
    await send(cabin, "call.cancel", call_id=call_id)
    assert await queue_ids(page) == []
    await send(page, "call.pick", id="p", call_id=call_id)
    assert (await expect(page, "error"))["code"] == "not_found"
    await send(cabin, "call.cancel", id="c", call_id=call_id)
    assert (await receive(cabin))["code"] == "not_found"
    for ws in (page, cabin):
        await ws.close()


# -- cabin authentication ----------------------------------------------------------------------
@pytest.mark.allow_log_warnings  # refused cabins are logged as warnings
async def test_wrong_secret_or_unknown_cabin_is_refused_and_closed(
    portal: PortalHandle, http: aiohttp.ClientSession, accounts: Accounts, store: PortalStore
) -> None:
    for name, secret in (("brest", "not-the-secret"), ("nowhere", accounts.secrets["brest"])):
        ws = await http.ws_connect(f"{portal.url}/ws/cabin")
        await send(ws, "hello", id="h", cabin=name, secret=secret)
        refusal = await receive(ws)
        assert (refusal["type"], refusal["code"], refusal["re"]) == ("error", "auth_failed", "h")
        assert await closed_with(ws) == 4001
    refused = [r.detail["reason"] for r in store.audit_log("cabin_hello_refused")]
    assert refused == ["auth_failed", "auth_failed"]


@pytest.mark.allow_log_warnings
async def test_a_revoked_cabin_is_told_so(
    portal: PortalHandle, http: aiohttp.ClientSession, accounts: Accounts, store: PortalStore
) -> None:
    store.revoke_cabin("vannes")
    ws = await http.ws_connect(f"{portal.url}/ws/cabin")
    await send(ws, "hello", cabin="vannes", secret=accounts.secrets["vannes"])
    assert (await receive(ws))["code"] == "cabin_revoked"
    assert await closed_with(ws) == 4003
    # With a wrong secret, a revoked cabin is no different from an unknown one.
    ws = await http.ws_connect(f"{portal.url}/ws/cabin")
    await send(ws, "hello", cabin="vannes", secret="guess")
    assert (await receive(ws))["code"] == "auth_failed"
    assert await closed_with(ws) == 4001


@pytest.mark.allow_log_warnings
async def test_a_cabin_revoked_while_connected_is_closed(
    portal: PortalHandle, http: aiohttp.ClientSession, accounts: Accounts, store: PortalStore
) -> None:
    ws = await cabin_link(http, portal, "vannes", accounts.secrets["vannes"])
    store.revoke_cabin("vannes")
    await portal.portal.housekeeping()
    assert (await receive(ws))["code"] == "cabin_revoked"
    assert await closed_with(ws) == 4003


@pytest.mark.parametrize(
    "first",
    [
        {"type": "call.request", "v": 1, "reason": "fever", "age": 3, "treating_doctor": None},
        {"type": "call.cancel", "v": 1, "call_id": "c-1"},
    ],
)
async def test_first_message_not_hello_is_not_authenticated(
    portal: PortalHandle, http: aiohttp.ClientSession, first: dict[str, object]
) -> None:
    ws = await http.ws_connect(f"{portal.url}/ws/cabin")
    await ws.send_str(json.dumps(first))
    assert (await receive(ws))["code"] == "not_authenticated"
    assert await closed_with(ws) == 4001


async def test_garbage_before_hello_closes_the_socket(
    portal: PortalHandle, http: aiohttp.ClientSession
) -> None:
    ws = await http.ws_connect(f"{portal.url}/ws/cabin")
    await ws.send_str("{not json")
    assert (await receive(ws))["code"] == "malformed"
    assert await closed_with(ws) == 4001


async def test_a_second_hello_is_out_of_order(
    portal: PortalHandle, http: aiohttp.ClientSession, accounts: Accounts
) -> None:
    ws = await cabin_link(http, portal, "brest", accounts.secrets["brest"])
    await send(ws, "hello", id="2", cabin="brest", secret=accounts.secrets["brest"])
    assert (await receive(ws))["code"] == "out_of_order"
    await ws.close()


# -- who sees what, who gets it ----------------------------------------------------------------
async def test_a_doctor_does_not_see_other_territories_and_cannot_pick_them(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    leroy = await doctor_page(browsers.leroy, portal)
    assert await queue_ids(leroy) == []
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    await nothing_more(leroy)  # no queue update: nothing Leroy may see changed
    await send(leroy, "call.pick", id="p", call_id=call_id)
    refusal = await receive(leroy)
    assert (refusal["code"], refusal["re"]) == ("forbidden", "p")
    await send(leroy, "call.pick", id="q", call_id="c-0000000000000000")
    assert (await receive(leroy))["code"] == "not_found"
    for ws in (leroy, cabin):
        await ws.close()


async def test_the_treating_physician_sees_their_patient_first_from_anywhere(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    leroy = await doctor_page(browsers.leroy, portal)  # territory 56, RPPS ...02
    assert await queue_ids(leroy) == []
    vannes = await cabin_link(browsers.cabins, portal, "vannes", accounts.secrets["vannes"])
    first = str((await request_call(vannes))["call_id"])
    assert await queue_ids(leroy) == [first]
    paris = await cabin_link(browsers.cabins, portal, "paris", accounts.secrets["paris"])
    second = str((await request_call(paris, treating="10000000002"))["call_id"])
    entries = (await expect(leroy, "queue", skip=()))["entries"]
    assert [(e["call_id"], e["treating"]) for e in entries] == [(second, True), (first, False)]
    for ws in (leroy, vannes, paris):
        await ws.close()


async def test_two_doctors_pick_one_wins(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    martin = await doctor_page(browsers.martin, portal)
    anyone = await doctor_page(browsers.any, portal)
    assert await queue_ids(martin) == [] and await queue_ids(anyone) == []
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    assert await queue_ids(martin) == [call_id]
    assert await queue_ids(anyone) == [call_id]
    # Both click at once.
    await send(martin, "call.pick", id="m", call_id=call_id)
    await send(anyone, "call.pick", id="a", call_id=call_id)
    martin_got = await expect(martin, "call.picked", skip=("queue", "error"))
    assert martin_got["re"] == "m"
    seen = []
    while True:
        data = await receive(anyone)
        seen.append(data)
        if data["type"] == "error":
            break
    assert seen[-1]["code"] == "already_taken" and seen[-1]["re"] == "a"
    # The call left the other doctor's queue (the update may come before or after the refusal).
    queues = [d["entries"] for d in seen if d["type"] == "queue"]
    if not queues:
        queues = [(await expect(anyone, "queue", skip=()))["entries"]]
    assert queues[-1] == []
    for ws in (martin, anyone, cabin):
        await ws.close()


# -- join tokens -------------------------------------------------------------------------------
async def test_join_token_replay_and_expiry(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts, clock: FakeClock
) -> None:
    page = await doctor_page(browsers.martin, portal)
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    picked = await pick_and_join(page, call_id)
    await send(page, "call.join", id="again", call_id=call_id, join_token=picked["join_token"])
    replay = await expect(page, "error")
    assert (replay["code"], replay["re"]) == ("token_used", "again")
    # A fresh token (a second pick of one's own call), presented too late.
    await send(page, "call.pick", id="p2", call_id=call_id)
    fresh = await expect(page, "call.picked")
    clock.advance(61)
    await send(page, "call.join", id="late", call_id=call_id, join_token=fresh["join_token"])
    assert (await expect(page, "error"))["code"] == "token_expired"
    await send(page, "call.join", id="made-up", call_id=call_id, join_token="x" * 32)
    assert (await expect(page, "error"))["code"] == "forbidden"
    for ws in (page, cabin):
        await ws.close()


async def test_another_doctors_call_is_forbidden(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    martin = await doctor_page(browsers.martin, portal)
    anyone = await doctor_page(browsers.any, portal)
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    picked = await pick_and_join(martin, call_id)
    for kind, fields in (
        ("call.join", {"join_token": picked["join_token"]}),
        ("sdp.answer", {"generation": 1, "sdp": ANSWER}),
        ("call.end", {}),
    ):
        await send(anyone, kind, id=kind, call_id=call_id, **fields)
        refusal = await expect(anyone, "error")
        assert (refusal["code"], refusal["re"]) == ("forbidden", kind)
    for ws in (martin, anyone, cabin):
        await ws.close()


# -- bad messages ------------------------------------------------------------------------------
async def test_every_bad_message_gets_its_code_and_the_portal_keeps_serving(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.martin, portal)
    assert await queue_ids(page) == []
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    bad: list[tuple[str, str]] = [
        ("{not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('"hello"', "malformed"),
        ('{"type": "call.request", "v": 1, "id": "1"}', "malformed"),  # reason missing
        ('{"type": "call.request", "v": 1, "id": "2", "reason": 5}', "malformed"),
        ('{"type": "call.request", "v": 1, "reason": "fever", "age": true}', "malformed"),
        ('{"type": "call.request", "v": 1, "reason": "fever", "age": -4}', "malformed"),
        (
            '{"type": "call.request", "v": 1, "reason": "fever", "treating_doctor": "12"}',
            "malformed",
        ),
        ('{"type": "call.request", "v": 2, "id": "3", "reason": "fever"}', "bad_version"),
        ('{"type": "call.request", "reason": "fever"}', "bad_version"),
        ('{"type": "call.teleport", "v": 1, "id": "4"}', "unknown_type"),
        (
            '{"type": "sdp.answer", "v": 1, "call_id": "c", "generation": 1, "sdp": ""}',
            "unknown_type",
        ),
        (
            '{"type": "sdp.offer", "v": 1, "call_id": "c-x", "generation": 1, "sdp": ""}',
            "not_found",
        ),
        ('{"type": "call.end", "v": 1, "call_id": "c-x", "reason": "bored"}', "malformed"),
        ('{"v": 1}', "malformed"),
    ]
    for text, code in bad:
        await cabin.send_str(text)
        reply = await receive(cabin)
        assert (reply["type"], reply["code"]) == ("error", code), text
        if '"id": "' in text:
            assert reply["re"] == json.loads(text)["id"]
    await cabin.send_bytes(b"\x00\x01")
    assert (await receive(cabin))["code"] == "malformed"
    # Out of order: an offer before any doctor joined.
    call_id = str((await request_call(cabin))["call_id"])
    await send(cabin, "sdp.offer", id="o", call_id=call_id, generation=1, sdp=OFFER)
    early = await receive(cabin)
    assert (early["code"], early["re"]) == ("out_of_order", "o")
    # The doctor's side: unknown types, missing fields, an answer before joining.
    await page.send_str('{"type": "call.request", "v": 1, "reason": "fever"}')
    assert (await expect(page, "error"))["code"] == "unknown_type"
    await page.send_str('{"type": "call.pick", "v": 1}')
    assert (await expect(page, "error"))["code"] == "malformed"
    await send(page, "call.pick", id="p", call_id=call_id)
    await expect(page, "call.picked")
    await send(page, "sdp.answer", id="a", call_id=call_id, generation=1, sdp=ANSWER)
    assert (await expect(page, "error"))["code"] == "out_of_order"
    # Still serving both.
    await send(cabin, "call.cancel", call_id=call_id)
    assert (await expect(page, "call.ended"))["reason"] == "cancelled"
    again = str((await request_call(cabin))["call_id"])
    assert again != call_id and await queue_ids(page) == [again]
    for ws in (page, cabin):
        await ws.close()


@pytest.mark.parametrize("size", [64 * 1024 + 1, 200 * 1024])
async def test_an_oversized_message_is_too_large_and_closes_1009(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts, size: int
) -> None:
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    padding = "x" * size
    await cabin.send_str(json.dumps({"type": "call.request", "v": 1, "reason": padding}))
    codes = []
    while True:
        msg = await cabin.receive(timeout=5)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            break
        codes.append(json.loads(msg.data)["code"])
    assert cabin.close_code == 1009
    if size < 80 * 1024:  # under aiohttp's own limit the portal explains itself
        assert codes == ["too_large"]
    # The portal still serves.
    again = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    assert (await request_call(again))["type"] == "call.queued"
    await again.close()


async def test_a_doctors_oversized_message_too(portal: PortalHandle, browsers: Browsers) -> None:
    page = await doctor_page(browsers.martin, portal)
    await send(page, "sdp.answer", call_id="c", generation=1, sdp="x" * (65 * 1024))
    assert (await expect(page, "error"))["code"] == "too_large"
    assert await closed_with(page) == 1009


async def test_more_than_50_messages_a_second_is_rate_limited(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts, clock: FakeClock
) -> None:
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    for _ in range(50):
        await cabin.send_str('{"type": "nothing", "v": 1}')
        assert (await receive(cabin))["code"] == "unknown_type"
    clock.advance(1.0)  # a new second: 50 more are fine
    for _ in range(50):
        await cabin.send_str('{"type": "nothing", "v": 1}')
    for _ in range(50):
        assert (await receive(cabin))["code"] == "unknown_type"
    await cabin.send_str('{"type": "nothing", "v": 1}')
    assert (await receive(cabin))["code"] == "rate_limited"
    assert await closed_with(cabin) == 1008


# -- sockets that drop and come back -------------------------------------------------------------
async def test_the_doctors_page_drops_and_comes_back(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.martin, portal)
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    first = await pick_and_join(page, call_id)
    await expect(cabin, "call.joined", skip=())
    await page.close()
    left = await expect(cabin, "doctor.left", skip=("call.queued",))
    assert (left["call_id"], left["reason"]) == (call_id, "disconnected")
    # The page reloads: the call is still the doctor's, with a fresh token.
    page = await doctor_page(browsers.martin, portal)
    active = await receive(page)
    assert active["type"] == "call.active" and active["call_id"] == call_id
    assert active["join_token"] != first["join_token"]
    assert active["cabin"] == {"name": "brest", "territory": "29"}
    assert await queue_ids(page) == []  # the call is not back in the waiting room
    await send(page, "call.join", id="j2", call_id=call_id, join_token=active["join_token"])
    assert (await expect(page, "call.joined"))["re"] == "j2"
    rejoined = await expect(cabin, "call.joined", skip=())
    assert rejoined["doctor"]["name"] == "dr.martin"
    await send(cabin, "sdp.offer", call_id=call_id, generation=2, sdp=OFFER)
    assert (await expect(page, "sdp.offer"))["generation"] == 2
    for ws in (page, cabin):
        await ws.close()


async def test_the_cabin_drops_and_resumes(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.martin, portal)
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    await pick_and_join(page, call_id)
    await expect(cabin, "call.joined", skip=())
    await cabin.close()
    assert (await expect(page, "cabin.left"))["call_id"] == call_id
    await send(page, "sdp.answer", id="a", call_id=call_id, generation=1, sdp=ANSWER)
    assert (await expect(page, "error"))["code"] == "out_of_order"
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    resumed = await request_call(cabin, resume=call_id)
    assert resumed == {
        "type": "call.resumed",
        "v": 1,
        "re": "r",
        "call_id": call_id,
        "state": "in_call",
    }
    # The doctor's page is there: the cabin is told who, so it can offer again (a cabin that
    # restarted knows nothing of the doctor).
    joined = await expect(cabin, "call.joined", skip=())
    assert joined["doctor"]["name"] == "dr.martin"
    await send(cabin, "sdp.offer", call_id=call_id, generation=2, sdp=OFFER)
    assert (await expect(page, "sdp.offer"))["generation"] == 2
    await send(page, "sdp.answer", call_id=call_id, generation=2, sdp=ANSWER)
    assert (await expect(cabin, "sdp.answer", skip=()))["generation"] == 2
    for ws in (page, cabin):
        await ws.close()


async def test_a_waiting_cabin_resumes_in_its_place(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.any, portal)
    assert await queue_ids(page) == []
    brest = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    first = str((await request_call(brest))["call_id"])
    assert await queue_ids(page) == [first]
    vannes = await cabin_link(browsers.cabins, portal, "vannes", accounts.secrets["vannes"])
    second = str((await request_call(vannes))["call_id"])
    assert await queue_ids(page) == [first, second]
    await brest.close()
    assert await queue_ids(page) == [second]  # away: out of the queue, place kept
    brest = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    resumed = await request_call(brest, resume=first)
    assert (resumed["type"], resumed["state"]) == ("call.resumed", "waiting")
    place = await expect(brest, "call.queued", skip=())
    assert place["position"] == 1
    assert await queue_ids(page) == [first, second]
    # An unknown resume is a new request.
    paris = await cabin_link(browsers.cabins, portal, "paris", accounts.secrets["paris"])
    fresh = await request_call(paris, resume=first)  # not paris's call
    assert fresh["type"] == "call.queued" and fresh["call_id"] not in (first, second)
    for ws in (page, brest, vannes, paris):
        await ws.close()


async def test_the_doctor_joins_while_the_cabin_is_away(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.martin, portal)
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    await send(page, "call.pick", id="p", call_id=call_id)
    picked = await expect(page, "call.picked")
    await cabin.close()
    await expect(page, "cabin.left")
    await send(page, "call.join", id="j", call_id=call_id, join_token=picked["join_token"])
    await expect(page, "call.joined")
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    resumed = await request_call(cabin, resume=call_id)
    assert resumed["state"] == "in_call"
    # It missed the join: it is told now, so it sends its offer.
    assert (await expect(cabin, "call.joined", skip=()))["call_id"] == call_id
    for ws in (page, cabin):
        await ws.close()


async def test_a_cabin_that_never_comes_back_ends_its_call(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts, clock: FakeClock
) -> None:
    page = await doctor_page(browsers.martin, portal)
    cabin = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    call_id = str((await request_call(cabin))["call_id"])
    await pick_and_join(page, call_id)
    await cabin.close()
    await expect(page, "cabin.left")
    clock.advance(CABIN_GRACE_S + 1)
    await portal.portal.housekeeping()
    ended = await expect(page, "call.ended")
    assert (ended["call_id"], ended["reason"]) == (call_id, "cabin_lost")
    await page.close()


async def test_the_cabins_place_is_updated_when_a_call_ahead_is_taken(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    page = await doctor_page(browsers.any, portal)
    brest = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    first = str((await request_call(brest))["call_id"])
    paris = await cabin_link(browsers.cabins, portal, "paris", accounts.secrets["paris"])
    second = await request_call(paris)
    assert (second["position"], second["doctors_online"]) == (2, 1)
    await send(page, "call.pick", call_id=first)
    await expect(page, "call.picked")
    moved = await expect(paris, "call.queued", skip=())
    assert (moved["call_id"], moved["position"]) == (second["call_id"], 1)
    assert "re" not in moved
    # A second doctor comes online: the estimate halves.
    martin = await doctor_page(browsers.martin, portal)
    await nothing_more(paris)  # Martin (29) cannot take a Paris call: nothing changes for it
    await martin.close()
    for ws in (page, brest, paris):
        await ws.close()


async def test_a_new_connection_of_the_same_cabin_replaces_the_old_one(
    portal: PortalHandle, browsers: Browsers, accounts: Accounts
) -> None:
    old = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    new = await cabin_link(browsers.cabins, portal, "brest", accounts.secrets["brest"])
    assert await closed_with(old) == 1000
    assert (await request_call(new))["type"] == "call.queued"
    await new.close()
