"""The waiting room's rules, without sockets: who sees what, in which order, who wins a pick, what
a join token allows, and what the cabin is told about its place."""

from __future__ import annotations

import itertools

import pytest

from kiosk.portal.waiting_room import (
    Cabin,
    CallState,
    Doctor,
    WaitingRoom,
    is_treating,
    may_see,
)
from kiosk.signaling import (
    ALREADY_TAKEN,
    FORBIDDEN,
    NOT_FOUND,
    TOKEN_EXPIRED,
    TOKEN_USED,
    ProtocolError,
)

BREST = Cabin("pharmacie-du-port", "29")
QUIMPER = Cabin("quimper", "29")
VANNES = Cabin("vannes", "56")
PARIS = Cabin("paris", "75")

MARTIN = Doctor("dr.martin", "Dr Martin", ("29",), rpps="10000000001")
LEROY = Doctor("dr.leroy", "Dr Leroy", ("56",), rpps="10000000002")
ANY = Doctor("dr.any", "Dr Partout", ("*",))


def room(**kwargs: float) -> WaitingRoom:
    ids = (f"c-{n}" for n in itertools.count(1))
    tokens = (f"t-{n}" for n in itertools.count(1))
    return WaitingRoom(
        join_token_ttl_s=kwargs.get("ttl", 60.0),
        average_consultation_s=kwargs.get("average", 600.0),
        new_call_id=lambda: next(ids),
        new_token=lambda: next(tokens),
    )


def ask(r: WaitingRoom, cabin: Cabin, now: float, treating: str | None = None) -> str:
    call, previous = r.request(cabin, "fever", 67, treating, now)
    assert previous is None
    return call.call_id


def code_of(excinfo: pytest.ExceptionInfo[ProtocolError]) -> str:
    return excinfo.value.code


# -- visibility --------------------------------------------------------------------------------
def test_a_doctor_sees_their_territories_only() -> None:
    r = room()
    brest, vannes = ask(r, BREST, 0), ask(r, VANNES, 1)
    assert [e.call_id for e in r.queue(MARTIN, 10)] == [brest]
    assert [e.call_id for e in r.queue(LEROY, 10)] == [vannes]
    assert [e.call_id for e in r.queue(ANY, 10)] == [brest, vannes]


def test_the_treating_physician_sees_their_patient_anywhere() -> None:
    r = room()
    paris = ask(r, PARIS, 0, treating=LEROY.rpps)
    call = r.call(paris)
    assert call is not None
    assert may_see(LEROY, call) and is_treating(LEROY, call)
    assert not may_see(MARTIN, call)
    entries = r.queue(LEROY, 5)
    assert [(e.call_id, e.treating) for e in entries] == [(paris, True)]


def test_no_rpps_is_never_a_treating_match() -> None:
    r = room()
    call, _ = r.request(PARIS, "fever", None, None, 0)
    assert not is_treating(ANY, call)  # None == None must not count


def test_queue_order_treating_then_territory_then_others_longest_wait_first() -> None:
    r = room()
    paris_old = ask(r, PARIS, 0)
    vannes = ask(r, VANNES, 1)
    brest = ask(r, BREST, 2)
    quimper = ask(r, QUIMPER, 3)
    paris_treated = ask(r, Cabin("paris-2", "75"), 4, treating="10000000009")
    home = Doctor("dr.home", "Dr Maison", ("*", "29"), rpps="10000000009")
    order = [e.call_id for e in r.queue(home, 10)]
    assert order == [paris_treated, brest, quimper, paris_old, vannes]
    # A "*" doctor without home territories: one group, oldest first.
    assert [e.call_id for e in r.queue(ANY, 10)] == [
        paris_old,
        vannes,
        brest,
        quimper,
        paris_treated,
    ]


def test_queue_entries_carry_what_the_doctor_may_know_before_the_pick() -> None:
    r = room()
    ask(r, BREST, 100.0)
    (entry,) = r.queue(MARTIN, 104.25)
    assert entry.as_json() == {
        "call_id": "c-1",
        "reason": "fever",
        "age": 67,
        "territory": "29",
        "waiting_s": 4.2,
        "treating": False,
    }


def test_equal_times_keep_arrival_order() -> None:
    r = room()
    first, second = ask(r, BREST, 5), ask(r, QUIMPER, 5)
    assert [e.call_id for e in r.queue(MARTIN, 5)] == [first, second]


# -- pick -----------------------------------------------------------------------------------------
def test_first_pick_wins_and_the_call_leaves_every_queue() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    grant = r.pick(MARTIN, call_id, 1)
    assert grant.cabin == BREST and grant.expires_in_s == 60.0 and grant.join_token
    with pytest.raises(ProtocolError) as excinfo:
        r.pick(ANY, call_id, 1)
    assert code_of(excinfo) == ALREADY_TAKEN
    assert r.queue(MARTIN, 2) == [] and r.queue(ANY, 2) == []
    call = r.call(call_id)
    assert call is not None and call.owner == MARTIN and call.state is CallState.PICKED
    assert r.owned_by("dr.martin") == [call]


def test_pick_refusals() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    with pytest.raises(ProtocolError) as excinfo:
        r.pick(LEROY, call_id, 1)
    assert code_of(excinfo) == FORBIDDEN
    with pytest.raises(ProtocolError) as excinfo:
        r.pick(MARTIN, "c-404", 1)
    assert code_of(excinfo) == NOT_FOUND
    r.pick(MARTIN, call_id, 1)
    # A doctor who could not see it is not told it was taken: still forbidden.
    with pytest.raises(ProtocolError) as excinfo:
        r.pick(LEROY, call_id, 1)
    assert code_of(excinfo) == FORBIDDEN


def test_picking_ones_own_call_again_gives_a_fresh_token() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    first = r.pick(MARTIN, call_id, 1)
    second = r.pick(MARTIN, call_id, 2)
    assert first.join_token != second.join_token
    r.join(MARTIN, call_id, first.join_token, 3)
    r.join(MARTIN, call_id, second.join_token, 3)


def test_a_call_whose_cabin_is_away_cannot_be_picked() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    r.cabin_disconnected(BREST.name, 1)
    assert r.queue(MARTIN, 2) == []
    with pytest.raises(ProtocolError) as excinfo:
        r.pick(MARTIN, call_id, 2)
    assert code_of(excinfo) == NOT_FOUND


# -- join tokens ------------------------------------------------------------------------------------
def test_a_join_token_works_once() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    grant = r.pick(MARTIN, call_id, 0)
    call = r.join(MARTIN, call_id, grant.join_token, 10)
    assert call.state is CallState.IN_CALL
    with pytest.raises(ProtocolError) as excinfo:
        r.join(MARTIN, call_id, grant.join_token, 11)
    assert code_of(excinfo) == TOKEN_USED


def test_a_join_token_expires() -> None:
    r = room(ttl=60.0)
    call_id = ask(r, BREST, 0)
    grant = r.pick(MARTIN, call_id, 100)
    with pytest.raises(ProtocolError) as excinfo:
        r.join(MARTIN, call_id, grant.join_token, 160.5)
    assert code_of(excinfo) == TOKEN_EXPIRED
    # Just in time still works with a fresh one.
    fresh = r.issue_token(MARTIN, call_id, 200)
    r.join(MARTIN, call_id, fresh.join_token, 260)


def test_a_join_token_is_the_owners_and_this_calls() -> None:
    r = room()
    brest, quimper = ask(r, BREST, 0), ask(r, QUIMPER, 0)
    grant = r.pick(MARTIN, brest, 0)
    r.pick(ANY, quimper, 0)
    with pytest.raises(ProtocolError) as excinfo:  # someone else's call
        r.join(MARTIN, quimper, grant.join_token, 1)
    assert code_of(excinfo) == FORBIDDEN
    with pytest.raises(ProtocolError) as excinfo:  # not the owner
        r.join(ANY, brest, grant.join_token, 1)
    assert code_of(excinfo) == FORBIDDEN
    with pytest.raises(ProtocolError) as excinfo:  # a made-up token
        r.join(MARTIN, brest, "guess", 1)
    assert code_of(excinfo) == FORBIDDEN
    with pytest.raises(ProtocolError) as excinfo:
        r.join(MARTIN, "c-404", grant.join_token, 1)
    assert code_of(excinfo) == NOT_FOUND


def test_issue_token_only_for_the_owner() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    with pytest.raises(ProtocolError) as excinfo:
        r.issue_token(MARTIN, call_id, 0)  # not picked yet
    assert code_of(excinfo) == FORBIDDEN
    r.pick(MARTIN, call_id, 0)
    assert r.issue_token(MARTIN, call_id, 0).call_id == call_id


# -- cabin side ---------------------------------------------------------------------------------------
def test_cancel_and_end() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    with pytest.raises(ProtocolError) as excinfo:  # another cabin cannot cancel it
        r.cancel(VANNES.name, call_id)
    assert code_of(excinfo) == NOT_FOUND
    assert r.cancel(BREST.name, call_id).call_id == call_id
    assert r.call(call_id) is None and r.queue(MARTIN, 1) == []
    with pytest.raises(ProtocolError) as excinfo:
        r.cancel(BREST.name, call_id)
    assert code_of(excinfo) == NOT_FOUND
    other = ask(r, BREST, 2)
    r.pick(MARTIN, other, 2)
    ended = r.end(other)
    assert ended.owner == MARTIN
    with pytest.raises(ProtocolError) as excinfo:
        r.end(other)
    assert code_of(excinfo) == NOT_FOUND
    assert r.owned_by(MARTIN.name) == []


def test_a_new_request_replaces_the_cabins_previous_call() -> None:
    r = room()
    old = ask(r, BREST, 0)
    r.pick(MARTIN, old, 1)
    new, previous = r.request(BREST, "cough", None, None, 5)
    assert previous is not None and previous.call_id == old and previous.owner == MARTIN
    assert r.call(old) is None and r.call_of_cabin(BREST.name) is new


def test_resume_only_for_the_same_cabin() -> None:
    r = room()
    call_id = ask(r, BREST, 0)
    r.cabin_disconnected(BREST.name, 3)
    assert r.resume(VANNES.name, call_id) is None
    assert r.resume(BREST.name, "c-404") is None
    call = r.resume(BREST.name, call_id)
    assert call is not None and call.cabin_connected and call.requested_at == 0
    assert [e.call_id for e in r.queue(MARTIN, 4)] == [call_id]  # back in its place


def test_lost_cabins_expire_after_the_grace_period() -> None:
    r = room()
    kept, lost = ask(r, BREST, 0), ask(r, VANNES, 0)
    r.cabin_disconnected(VANNES.name, 10)
    assert r.expire_lost_cabins(100, grace_s=120) == []
    expired = r.expire_lost_cabins(131, grace_s=120)
    assert [c.call_id for c in expired] == [lost]
    assert r.call(lost) is None and r.call(kept) is not None


# -- doctors online, position and estimate ------------------------------------------------------
def test_doctors_online_are_counted_per_page() -> None:
    r = room()
    r.doctor_connected(MARTIN)
    r.doctor_connected(MARTIN)  # two tabs
    r.doctor_disconnected(MARTIN.name)
    assert r.is_online(MARTIN.name)
    r.doctor_disconnected(MARTIN.name)
    assert not r.is_online(MARTIN.name)
    r.doctor_disconnected(MARTIN.name)  # harmless
    assert r.online_doctors() == []


def test_position_counts_older_calls_competing_for_the_same_doctors() -> None:
    r = room(average=600.0)
    r.doctor_connected(MARTIN)  # 29 only
    r.doctor_connected(LEROY)  # 56 only
    brest = ask(r, BREST, 0)
    vannes = ask(r, VANNES, 1)
    quimper = ask(r, QUIMPER, 2)
    assert r.status(brest).position == 1
    assert r.status(vannes).position == 1  # nobody who takes Vannes has Brest to take first
    status = r.status(quimper)
    assert (status.position, status.doctors_online) == (2, 1)
    # Martin is free and takes Brest at once; Quimper waits for one consultation.
    assert status.estimated_wait_s == 600.0
    # A doctor for every territory joins: every call now competes with every older one.
    r.doctor_connected(ANY)
    status = r.status(quimper)
    assert (status.position, status.doctors_online) == (3, 2)
    assert status.estimated_wait_s == 300.0  # two free doctors, one patient more: half a visit
    assert r.status(brest).estimated_wait_s == 0.0  # a free doctor can take Brest now
    # Once Brest is picked, Quimper moves up; Martin is busy with Brest, Any is still free.
    r.pick(MARTIN, brest, 3)
    status = r.status(quimper)
    assert status.position == 2
    assert status.estimated_wait_s == 300.0


def test_position_without_any_doctor_online_counts_the_same_territory() -> None:
    r = room(average=300.0)
    ask(r, BREST, 0)
    ask(r, VANNES, 1)
    quimper = ask(r, QUIMPER, 2)
    status = r.status(quimper)
    assert (status.position, status.doctors_online, status.estimated_wait_s) == (2, 0, 600.0)


def test_away_cabins_do_not_count_ahead() -> None:
    r = room()
    r.doctor_connected(MARTIN)
    brest = ask(r, BREST, 0)
    quimper = ask(r, QUIMPER, 1)
    r.cabin_disconnected(BREST.name, 2)
    assert r.status(quimper).position == 1
    r.resume(BREST.name, brest)
    assert r.status(quimper).position == 2


def test_status_of_an_unknown_call() -> None:
    with pytest.raises(ProtocolError) as excinfo:
        room().status("c-404")
    assert code_of(excinfo) == NOT_FOUND


def test_default_ids_and_tokens_are_unguessable() -> None:
    r = WaitingRoom()
    call, _ = r.request(BREST, "fever", None, None, 0)
    assert call.call_id.startswith("c-") and len(call.call_id) == 18
    token = r.pick(MARTIN, call.call_id, 0).join_token
    assert len(token) >= 32  # token_urlsafe(24)
