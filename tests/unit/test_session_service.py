"""Tests of kiosk.services.session: the flow driven through storage, as the screen drives it."""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import errors
from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.flow import HYGIENE_ITEMS, State
from kiosk.flow.triage import CONSENT_POINTS, RED_FLAGS
from kiosk.identity import DATE_IMPOSSIBLE, REQUIRED, PatientIdentity, Sex
from kiosk.services.auth import hash_pin
from kiosk.services.session import UNANSWERED, SessionService, Snapshot
from kiosk.storage import OpenedDatabase, Repository, open_database

PIN = "2468"
WRONG_PIN = "1357"
FAMILY_NAME = "Quenneville"  # distinctive: searched for in the audit log
VALID_FORM = {
    "family_name": FAMILY_NAME,
    "given_names": "Odile",
    "birth_date": "12/03/1950",
    "sex": "female",
    "nir": "",
    "treating_physician": "",
}
IDENTITY = PatientIdentity(
    family_name=FAMILY_NAME,
    given_names="Odile",
    birth_date=datetime.date(1950, 3, 12),
    sex=Sex.FEMALE,
    nir=None,
    treating_physician=None,
)
NO_FLAGS = dict.fromkeys(RED_FLAGS, False)


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN)  # scrypt is slow on purpose: once per module


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def opened(tmp_path: Path, clock: FakeClock) -> Iterator[OpenedDatabase]:
    opened = open_database(tmp_path / "kiosk.db", clock)
    yield opened
    opened.close()


@pytest.fixture
def repo(opened: OpenedDatabase, clock: FakeClock) -> Repository:
    return Repository(opened.db, clock)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(data_dir=tmp_path)


@pytest.fixture
def assistant_id(repo: Repository, pin_hash: str) -> int:
    return repo.add_assistant("Alice", pin_hash)


@pytest.fixture
def service(
    repo: Repository, config: Config, clock: FakeClock, assistant_id: int
) -> SessionService:
    return SessionService(repo, config, clock)


@pytest.fixture
def snapshots(service: SessionService) -> list[Snapshot]:
    seen: list[Snapshot] = []
    service.subscribe(seen.append)
    return seen


def count(repo: Repository, table: str) -> int:
    return int(repo.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def transitions(repo: Repository) -> list[tuple[str, str]]:
    return [
        (row.detail["from"], row.detail["to"])
        for row in repo.audit_log()
        if row.action == "transition"
    ]


def state_of(service: SessionService) -> State | None:
    session = service.last.session
    return None if session is None else session.state


def clean_the_cabin(service: SessionService) -> None:
    assert state_of(service) is State.HYGIENE
    for item in HYGIENE_ITEMS:
        service.check_hygiene(item)
    service.finish_hygiene()
    assert service.last.session is None


def to_triage(service: SessionService, assistant_id: int) -> None:
    assert service.sign_in(assistant_id, PIN)
    service.start_session()
    service.submit_identity(VALID_FORM)
    service.record_consent(True)
    assert state_of(service) is State.TRIAGE


# -- a whole slice ---------------------------------------------------------------------------


def test_whole_slice_to_measure(
    service: SessionService, repo: Repository, assistant_id: int, snapshots: list[Snapshot]
) -> None:
    assert service.sign_in(assistant_id, PIN) is True
    assert service.last.assistant is not None and service.last.assistant.name == "Alice"
    assert service.last.notice is None
    assert service.last.session is None

    service.start_session()
    assert state_of(service) is State.IDENTIFY

    # A form with mistakes: every error comes back with its code, nothing is stored.
    service.submit_identity({**VALID_FORM, "birth_date": "31/02/1950", "sex": ""})
    assert {(e.field, e.code) for e in service.last.field_errors} == {
        ("birth_date", DATE_IMPOSSIBLE),
        ("sex", REQUIRED),
    }
    assert state_of(service) is State.IDENTIFY
    assert count(repo, "patients") == 0
    session = service.last.session
    assert session is not None and session.identity is None
    # The errors stay on screen until the form is right.
    service.touch()
    assert len(service.last.field_errors) == 2

    service.submit_identity(VALID_FORM)
    assert service.last.field_errors == ()
    assert state_of(service) is State.CONSENT
    session = service.last.session
    assert session is not None and session.identity == IDENTITY

    service.record_consent(True)
    session = service.last.session
    assert session is not None
    assert session.state is State.TRIAGE
    assert session.consent_given is True
    consent = repo.consent(session.id)
    assert consent is not None and consent.explained == CONSENT_POINTS

    service.submit_triage("fever", "  since   Monday ", NO_FLAGS)
    session = service.last.session
    assert session is not None
    assert session.state is State.MEASURE
    assert session.triage is not None
    assert (session.triage.reason, session.triage.details, session.triage.red_flags) == (
        "fever",
        "since Monday",
        (),
    )
    assert session.end_reason is None
    assert transitions(repo) == [
        ("IDLE", "IDENTIFY"),
        ("IDENTIFY", "CONSENT"),
        ("CONSENT", "TRIAGE"),
        ("TRIAGE", "MEASURE"),
    ]
    row = repo.session(session.id)
    assert row is not None and (row.state, row.status) == ("MEASURE", "open")


def test_triage_with_unanswered_questions_is_not_stored(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    to_triage(service, assistant_id)
    answers = dict(NO_FLAGS)
    del answers["stroke_signs"]
    service.submit_triage("other", "", answers)
    assert {(e.field, e.code) for e in service.last.field_errors} == {
        ("red_flags", UNANSWERED),
        ("details", REQUIRED),
    }
    assert state_of(service) is State.TRIAGE
    assert count(repo, "triage") == 0


# -- consent refused -------------------------------------------------------------------------


def test_consent_refused_forgets_the_patient(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    assert service.sign_in(assistant_id, PIN)
    service.start_session()
    service.submit_identity(VALID_FORM)
    session = service.last.session
    assert session is not None
    session_id = session.id

    service.record_consent(False)
    session = service.last.session
    assert session is not None
    assert session.state is State.ABANDONED
    assert session.identity is None
    assert session.consent_given is False
    assert session.end_reason == "consent refused"
    assert count(repo, "patients") == 0
    assert count(repo, "triage") == 0
    consent = repo.consent(session_id)
    assert consent is not None
    assert consent.accepted is False
    assert consent.explained == CONSENT_POINTS

    service.close_session(State.ABANDONED)
    assert state_of(service) is State.HYGIENE  # the patient sat in the cabin: clean it
    clean_the_cabin(service)
    assert service.last.session is None
    row = repo.session(session_id)
    assert row is not None
    assert row.status == "closed"
    assert row.end_reason == "consent refused"
    assert transitions(repo)[-3:] == [
        ("CONSENT", "ABANDONED"),
        ("ABANDONED", "HYGIENE"),
        ("HYGIENE", "IDLE"),
    ]
    assert count(repo, "patients") == 0


# -- red flag --------------------------------------------------------------------------------


def test_red_flag_refers_and_the_audit_log_says_why(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    to_triage(service, assistant_id)
    # A red flag wins even when the rest of the form is incomplete.
    service.submit_triage("", "", {"chest_pain": True})
    session = service.last.session
    assert session is not None
    assert session.state is State.REFERRED
    assert session.end_reason == "red flag"  # which one is in the triage record only
    assert session.triage is not None and session.triage.red_flags == ("chest_pain",)
    assert service.last.emergency_number == "15"
    last = repo.audit_log(session.id)[-1]
    assert last.action == "transition"
    assert last.detail == {
        "from": "TRIAGE",
        "to": "REFERRED",
        "reason": "red flag",
        "status": "open",
    }


# -- PIN and lockout -------------------------------------------------------------------------


def test_five_wrong_pins_lock_the_screen(
    service: SessionService, repo: Repository, assistant_id: int, clock: FakeClock
) -> None:
    for left in (4, 3, 2, 1, 1):
        assert service.sign_in(assistant_id, WRONG_PIN) is False
        assert service.last.notice is not None
        assert service.last.notice.code == errors.WRONG_PIN
        assert service.last.attempts_left == left
        assert service.last.assistant is None
    assert service.last.locked_for_s == pytest.approx(60.0)

    # Even the right PIN is refused while locked, and the refusal is audited.
    assert service.sign_in(assistant_id, PIN) is False
    assert service.last.assistant is None
    assert service.last.notice is not None
    assert service.last.notice.code == errors.SCREEN_LOCKED
    assert service.last.notice.params == {"seconds": 60}
    assert repo.audit_log()[-1].action == "sign_in_refused_locked"
    assert repo.audit_log()[-1].detail == {"assistant_id": assistant_id}

    clock.advance(30)
    assert service.sign_in(assistant_id, PIN) is False
    assert service.last.notice is not None
    assert service.last.notice.params == {"seconds": 30}

    clock.advance(31)
    assert service.snapshot().locked_for_s == 0.0
    assert service.sign_in(assistant_id, PIN) is True
    assert service.last.assistant is not None and service.last.assistant.id == assistant_id
    assert service.last.notice is None
    assert service.last.attempts_left == 5

    actions = [r.action for r in repo.audit_log() if r.action.startswith("sign_in")]
    assert actions == ["sign_in_failed"] * 5 + ["sign_in_refused_locked"] * 2 + ["sign_in"]
    assert count(repo, "pin_attempts") == 6


def test_unknown_or_disabled_assistant_cannot_sign_in(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    assert service.sign_in(assistant_id + 100, PIN) is False
    assert service.last.notice is not None and service.last.notice.code == errors.WRONG_PIN
    repo.set_assistant_disabled(assistant_id, True)
    assert service.sign_in(assistant_id, PIN) is False
    assert service.last.assistant is None
    failed = [(r.actor, r.action) for r in repo.audit_log() if r.action.startswith("sign_in")]
    assert failed == [
        ("unknown", "sign_in_failed"),
        (f"assistant:{assistant_id}", "sign_in_failed"),
    ]


def test_lockout_survives_a_restart(
    service: SessionService, repo: Repository, config: Config, clock: FakeClock, assistant_id: int
) -> None:
    for _ in range(5):
        service.sign_in(assistant_id, WRONG_PIN)
    restarted = SessionService(repo, config, clock)
    assert restarted.sign_in(assistant_id, PIN) is False
    assert restarted.last.notice is not None
    assert restarted.last.notice.code == errors.SCREEN_LOCKED


# -- idle timeout, parking and resuming ------------------------------------------------------


def test_idle_warning_park_and_resume(
    service: SessionService, repo: Repository, assistant_id: int, clock: FakeClock
) -> None:
    to_triage(service, assistant_id)
    session = service.last.session
    assert session is not None
    session_id = session.id

    clock.advance(179)
    service.check_idle()
    assert service.last.idle_warning_s is None

    clock.advance(2)  # 181 s idle: 29 s of countdown left
    service.check_idle()
    assert service.last.idle_warning_s == 29
    clock.advance(0.5)
    service.check_idle()
    assert service.last.idle_warning_s == 29  # rounded up: no new number yet
    clock.advance(10)
    service.check_idle()
    assert service.last.idle_warning_s == 19

    service.touch()  # someone is still there
    assert service.last.idle_warning_s is None
    assert state_of(service) is State.TRIAGE

    clock.advance(211)  # past timeout + warning since the touch
    service.check_idle()
    snapshot = service.last
    assert snapshot.session is None
    assert snapshot.assistant is None
    assert snapshot.idle_warning_s is None
    assert snapshot.resumable == ()  # nothing about the patient on the sign-in screen
    assert FAMILY_NAME not in repr(snapshot)
    row = repo.session(session_id)
    assert row is not None and (row.state, row.status) == ("TRIAGE", "parked")
    assert repo.audit_log(session_id)[-1].detail == {
        "from": "TRIAGE",
        "to": "TRIAGE",
        "reason": "idle timeout: session parked",
        "status": "parked",
    }
    service.check_idle()  # nothing more to do with no session
    assert repo.audit_log(session_id)[-1].detail["status"] == "parked"

    assert service.sign_in(assistant_id, PIN)
    [resumable] = service.last.resumable
    assert resumable.id == session_id
    assert resumable.state is State.TRIAGE
    assert resumable.parked is True
    assert resumable.patient == f"{FAMILY_NAME.upper()} Odile"

    service.resume_session(session_id)
    session = service.last.session
    assert session is not None
    assert session.id == session_id
    assert session.state is State.TRIAGE
    assert session.identity == IDENTITY
    assert session.consent_given is True
    row = repo.session(session_id)
    assert row is not None and row.status == "open"
    assert [r.action for r in repo.audit_log(session_id)][-2:] == [
        "session_resumed",
        "patient_read",
    ]
    # And the session goes on where it stopped.
    service.submit_triage("cough_cold", "", NO_FLAGS)
    assert state_of(service) is State.MEASURE


def test_idle_on_an_ending_screen_parks_the_cleaning(
    service: SessionService, repo: Repository, assistant_id: int, clock: FakeClock
) -> None:
    to_triage(service, assistant_id)
    service.submit_triage("fever", "", {**NO_FLAGS, "breathing_difficulty": True})
    session = service.last.session
    assert session is not None and session.state is State.REFERRED
    clock.advance(211)
    service.check_idle()
    assert service.last.session is None  # the emergency screen is gone
    assert service.last.assistant is None
    row = repo.session(session.id)
    assert row is not None
    assert (row.state, row.status, row.end_reason) == (
        "HYGIENE",
        "parked",
        "red flag",
    )
    assert service.sign_in(assistant_id, PIN)
    due = service.last.cleaning_due
    assert due is not None and (due.id, due.state) == (session.id, State.HYGIENE)
    service.resume_session(session.id)
    assert state_of(service) is State.HYGIENE
    clean_the_cabin(service)
    row = repo.session(session.id)
    assert row is not None and row.status == "closed"
    assert service.last.resumable == ()
    assert service.last.cleaning_due is None


def test_unattended_home_signs_the_assistant_out(
    service: SessionService, repo: Repository, assistant_id: int, clock: FakeClock
) -> None:
    """The home lists interrupted sessions by patient name: it must not stay open unattended."""
    to_triage(service, assistant_id)
    service.sign_out()
    assert service.sign_in(assistant_id, PIN)
    assert service.last.resumable, "the home shows the parked session"
    clock.advance(181)
    service.check_idle()
    assert service.last.idle_warning_s == 29
    assert service.last.assistant is not None
    clock.advance(30)
    service.check_idle()
    assert service.last.assistant is None
    assert service.last.resumable == ()
    assert repo.audit_log()[-1].action == "sign_out"


def test_no_idle_timeout_on_the_sign_in_screen(
    service: SessionService, clock: FakeClock, snapshots: list[Snapshot]
) -> None:
    published = len(snapshots)
    clock.advance(1000)
    service.check_idle()
    assert len(snapshots) == published


def test_sign_out_parks_and_clears_the_screen(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    assert service.sign_in(assistant_id, PIN)
    service.start_session()
    service.submit_identity({**VALID_FORM, "birth_date": "31/02/1950"})
    assert service.last.field_errors
    session = service.last.session
    assert session is not None
    service.sign_out()
    snapshot = service.last
    assert (snapshot.assistant, snapshot.session, snapshot.resumable) == (None, None, ())
    # Field errors may carry what was typed (a birth date): they leave with the session.
    assert snapshot.field_errors == ()
    row = repo.session(session.id)
    assert row is not None and (row.state, row.status) == ("IDENTIFY", "parked")
    assert [r.action for r in repo.audit_log()][-2:] == ["session_parked", "sign_out"]


@pytest.mark.asyncio
async def test_watchdog_shows_the_countdown(
    service: SessionService, assistant_id: int, clock: FakeClock
) -> None:
    await service.start()
    try:
        to_triage(service, assistant_id)
        clock.advance(185)
        for _ in range(50):
            if service.last.idle_warning_s is not None:
                break
            await asyncio.sleep(0.05)
        assert service.last.idle_warning_s == 25
    finally:
        await service.stop()


# -- commands from a stale screen ------------------------------------------------------------


def test_stale_command_does_nothing(
    service: SessionService, repo: Repository, assistant_id: int, snapshots: list[Snapshot]
) -> None:
    assert service.sign_in(assistant_id, PIN)
    service.start_session()
    service.submit_identity(VALID_FORM)
    assert state_of(service) is State.CONSENT
    published = len(snapshots)
    events = count(repo, "events")

    service.go_back(State.TRIAGE)  # the screen still showed triage
    service.cancel(State.MEASURE)
    service.close_session(State.REFERRED)
    service.start_session()  # a double tap on "start"

    assert state_of(service) is State.CONSENT
    assert count(repo, "sessions") == 1
    assert count(repo, "events") == events
    assert len(snapshots) == published
    assert service.last.notice is None

    service.record_consent(True)
    service.record_consent(True)  # a double tap on "yes"
    assert state_of(service) is State.TRIAGE
    assert count(repo, "consents") == 1


def test_go_back_and_cancel(service: SessionService, repo: Repository, assistant_id: int) -> None:
    to_triage(service, assistant_id)
    service.go_back(State.TRIAGE)
    assert state_of(service) is State.CONSENT
    service.go_back(State.CONSENT)
    assert state_of(service) is State.IDENTIFY
    service.cancel(State.IDENTIFY, "patient_left")
    session = service.last.session
    assert session is not None
    assert session.state is State.ABANDONED
    assert session.end_reason == "cancelled (patient_left)"


@pytest.mark.allow_log_warnings
def test_refused_event_shows_its_code(service: SessionService, repo: Repository) -> None:
    service.start_session()  # nobody signed in
    assert service.last.notice is not None
    assert service.last.notice.code == "GUARD_REFUSED"
    assert service.last.notice.params == {"guard": "signed_in"}
    assert count(repo, "sessions") == 0


# -- audit -----------------------------------------------------------------------------------


def test_every_state_change_is_audited_in_its_transaction(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    to_triage(service, assistant_id)
    service.submit_triage("fever", "", NO_FLAGS)
    session = service.last.session
    assert session is not None
    assert len(transitions(repo)) == 4
    assert transitions(repo)[-1] == ("TRIAGE", "MEASURE")
    service.go_back(State.MEASURE)
    assert len(transitions(repo)) == 5

    # If the audit row cannot be written, the state change does not happen either.
    real_audit = repo.audit

    def failing_audit(actor: str, action: str, *args: object, **kwargs: object) -> None:
        if action == "transition":
            raise OSError("disk full")
        real_audit(actor, action, *args, **kwargs)  # type: ignore[arg-type]

    repo.audit = failing_audit  # type: ignore[method-assign]
    with pytest.raises(OSError, match="disk full"):
        service.submit_triage("cough_cold", "", {**NO_FLAGS, "chest_pain": True})
    repo.audit = real_audit  # type: ignore[method-assign]
    row = repo.session(session.id)
    assert row is not None and row.state == "TRIAGE"
    triage = repo.triage(session.id)
    assert triage is not None and triage.reason == "fever"  # the new answers were rolled back
    assert len(transitions(repo)) == 5


def test_listener_gets_snapshots_in_order(
    service: SessionService, assistant_id: int, snapshots: list[Snapshot]
) -> None:
    to_triage(service, assistant_id)
    seqs = [s.seq for s in snapshots]
    assert len(seqs) >= 4
    assert seqs == sorted(set(seqs))  # strictly increasing
    assert snapshots[-1] is service.last
    states = [s.session.state for s in snapshots if s.session is not None]
    assert states[0] is State.IDENTIFY and states[-1] is State.TRIAGE


def test_audit_never_holds_the_patient_name(
    service: SessionService, repo: Repository, assistant_id: int, clock: FakeClock
) -> None:
    to_triage(service, assistant_id)
    service.go_back(State.TRIAGE)
    service.go_back(State.CONSENT)
    service.submit_identity(VALID_FORM)
    service.record_consent(True)
    service.submit_triage("other", f"{FAMILY_NAME} says it hurts", NO_FLAGS)
    clock.advance(211)
    service.check_idle()
    assert service.sign_in(assistant_id, PIN)
    session_id = service.last.resumable[0].id
    service.resume_session(session_id)
    service.cancel(State.MEASURE, "patient_left")
    service.close_session(State.ABANDONED)
    service.sign_out()

    rows = repo.db.execute("SELECT at, actor, action, session_id, detail FROM events").fetchall()
    assert len(rows) > 10
    for row in rows:
        text = json.dumps(row).lower()
        assert FAMILY_NAME.lower() not in text
        assert "odile" not in text
        assert "1950" not in text


# -- hygiene between patients ----------------------------------------------------------------


def to_hygiene_after_a_referral(service: SessionService, assistant_id: int) -> str:
    to_triage(service, assistant_id)
    service.submit_triage("", "", {"stroke_signs": True})
    service.close_session(State.REFERRED)
    session = service.last.session
    assert session is not None and session.state is State.HYGIENE
    return session.id


@pytest.mark.allow_log_warnings  # the refused finish is logged as a guard refusal
def test_checklist_is_kept_with_times_and_finish_needs_every_item(
    service: SessionService, repo: Repository, assistant_id: int, clock: FakeClock
) -> None:
    session_id = to_hygiene_after_a_referral(service, assistant_id)
    assert service.last.hygiene == ()
    first = clock.now()
    service.check_hygiene("cuff")
    clock.advance(42)
    service.check_hygiene("seat")
    service.check_hygiene("cuff")  # a double tap keeps the first time
    done = {row.item: row for row in service.last.hygiene}
    assert set(done) == {"cuff", "seat"}
    assert done["cuff"].done_at == first.isoformat()
    assert done["seat"].done_at == (first + datetime.timedelta(seconds=42)).isoformat()
    assert done["cuff"].done_by == assistant_id

    service.finish_hygiene()  # four items are missing
    assert state_of(service) is State.HYGIENE
    assert service.last.notice is not None
    assert (service.last.notice.code, service.last.notice.params) == (
        "GUARD_REFUSED",
        {"guard": "checklist_done"},
    )
    service.check_hygiene("made_up_item")  # never stored
    for item in HYGIENE_ITEMS:
        service.check_hygiene(item)
    service.finish_hygiene()
    assert service.last.session is None
    row = repo.session(session_id)
    assert row is not None and (row.status, row.state) == ("closed", "IDLE")
    checked = [r for r in repo.audit_log(session_id) if r.action == "hygiene_checked"]
    assert [r.detail["item"] for r in checked] == ["cuff", "seat", *HYGIENE_ITEMS[1:5]]
    assert [(s, i) for s, i, _, _ in repo.hygiene_log()][::-1] == [
        (session_id, item) for item in ("cuff", "seat", *HYGIENE_ITEMS[1:5])
    ]
    service.start_session()
    assert state_of(service) is State.IDENTIFY


@pytest.mark.allow_log_warnings  # the refused start is logged as a guard refusal
def test_no_new_session_while_a_parked_cleaning_waits(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    session_id = to_hygiene_after_a_referral(service, assistant_id)
    service.check_hygiene("screen")
    service.sign_out()  # parks the cleaning
    assert service.sign_in(assistant_id, PIN)
    due = service.last.cleaning_due
    assert due is not None and (due.id, due.state, due.parked) == (session_id, State.HYGIENE, True)

    service.start_session()
    assert service.last.session is None
    assert service.last.notice is not None
    assert service.last.notice.params == {"guard": "cabin_clean"}
    assert count(repo, "sessions") == 1

    service.resume_session(session_id)
    assert [row.item for row in service.last.hygiene] == ["screen"]  # kept across the park
    clean_the_cabin(service)
    service.start_session()
    assert state_of(service) is State.IDENTIFY
    assert count(repo, "sessions") == 2


@pytest.mark.allow_log_warnings
def test_a_session_ended_but_not_closed_also_blocks_the_next_one(
    service: SessionService, repo: Repository, assistant_id: int, config: Config, clock: FakeClock
) -> None:
    """A crash on the "thank you" screen: the cleaning is still owed after the restart."""
    to_triage(service, assistant_id)
    service.cancel(State.TRIAGE, "patient_left")
    session = service.last.session
    assert session is not None and session.state is State.ABANDONED

    restarted = SessionService(repo, config, clock)  # the old one is gone without a word
    assert restarted.sign_in(assistant_id, PIN)
    due = restarted.last.cleaning_due
    assert due is not None and (due.id, due.state, due.parked) == (
        session.id,
        State.ABANDONED,
        False,
    )
    restarted.start_session()
    assert restarted.last.notice is not None
    assert restarted.last.notice.params == {"guard": "cabin_clean"}
    restarted.resume_session(session.id)
    restarted.close_session(State.ABANDONED)
    clean_the_cabin(restarted)
    restarted.start_session()
    assert state_of(restarted) is State.IDENTIFY


def test_idle_on_the_cleaning_screen_parks_it(
    service: SessionService, repo: Repository, assistant_id: int, clock: FakeClock
) -> None:
    session_id = to_hygiene_after_a_referral(service, assistant_id)
    service.check_hygiene("cuff")
    clock.advance(211)
    service.check_idle()
    assert service.last.session is None
    assert service.last.assistant is None
    row = repo.session(session_id)
    assert row is not None and (row.state, row.status) == ("HYGIENE", "parked")
    assert service.sign_in(assistant_id, PIN)
    service.resume_session(session_id)
    assert state_of(service) is State.HYGIENE
    assert [row.item for row in service.last.hygiene] == ["cuff"]


def test_hygiene_commands_from_a_stale_screen_do_nothing(
    service: SessionService, repo: Repository, assistant_id: int
) -> None:
    to_triage(service, assistant_id)
    events = count(repo, "events")
    service.check_hygiene("cuff")
    service.finish_hygiene()
    assert state_of(service) is State.TRIAGE
    assert count(repo, "hygiene_checks") == 0
    assert count(repo, "events") == events
