"""A kiosk core that walks sessions forever, to be killed with SIGKILL at a random moment.

Run: python -m tests.support.crash_worker DATA_DIR SEED ASSISTANT_ID PIN

It opens the real storage and the real SessionService, signs in, then drives sessions through the
real commands (start or resume, identify, consent, triage, back, cancel, call, close, the cleaning
checklist item by item, then finish) with random choices seeded from SEED. After every command that
wrote to the database, once the service call has returned (so after its commit), it prints
``ACK <session_id> <state> <transition_count> <hygiene_count>`` and flushes. ``transition_count`` is
the number of 'transition' rows of that session in the audit log, ``hygiene_count`` the number of
its cleaning-checklist items confirmed.

Any surprise (a command that changed nothing, a field error, an exception) ends the process with a
message on stderr and status 3, so the test can tell a crash it caused from a bug.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from kiosk.clock import SystemClock
from kiosk.config import Config
from kiosk.flow import (
    HYGIENE_ITEMS,
    CallCancelled,
    CallDoctor,
    CallEnded,
    DoctorJoined,
    ReportDelivered,
    State,
)
from kiosk.flow.triage import REASONS, RED_FLAGS
from kiosk.services.session import SessionService
from kiosk.storage import Repository, open_database
from kiosk.storage.database import load_key


def _nir(first13: str) -> str:
    return f"{first13}{97 - int(first13) % 97:02d}"


# Valid identity forms, as typed on the screen (accents, spaces, optional NIR and physician).
IDENTITIES: tuple[Mapping[str, str], ...] = (
    {
        "family_name": "Martin",
        "given_names": "Jeanne Marie",
        "birth_date": "24/06/1942",
        "sex": "female",
        "nir": _nir("2420675056123"),
        "treating_physician": "Dr Lefèvre",
    },
    {
        "family_name": "N'Diaye",
        "given_names": "Amadou",
        "birth_date": "01/01/1990",
        "sex": "male",
        "nir": "",
        "treating_physician": "",
    },
    {
        "family_name": "  Lefèvre-Dubois ",
        "given_names": "Élodie",
        "birth_date": "29/02/2000",
        "sex": "other",
        "nir": "",
        "treating_physician": "Docteur O’Brien",
    },
    {
        "family_name": "Nguyễn",
        "given_names": "Thị Lan",
        "birth_date": "15.03.1978",
        "sex": "unknown",
        "nir": _nir("2780369123045"),
        "treating_physician": "",
    },
    {
        "family_name": "Zoé",
        "given_names": "Anne-Sophie",
        "birth_date": "31121935",
        "sex": "female",
        "nir": "",
        "treating_physician": "Dr Martin",
    },
    {
        "family_name": "Oğuz",
        "given_names": "Ali",
        "birth_date": "07/11/2019",
        "sex": "male",
        "nir": _nir("1191113055789"),
        "treating_physician": "",
    },
)


def identity_for(session_id: str, written_before: int) -> Mapping[str, str]:
    """The form typed for a session's next identity submission.

    It depends only on the session and on how many identities were saved for it before (the
    'patient_written' audit rows), so a test can tell which identity the database must hold.
    """
    return IDENTITIES[(int(session_id[:8], 16) + written_before) % len(IDENTITIES)]


class Walker:
    def __init__(self, service: SessionService, rng: random.Random) -> None:
        self.service = service
        self.repo = service.repo
        self.rng = rng

    def count(self, session_id: str, action: str) -> int:
        row = self.repo.db.execute(
            "SELECT COUNT(*) FROM events WHERE session_id = ? AND action = ?",
            [session_id, action],
        ).fetchone()
        return int(row[0])

    def ack(self, session_id: str) -> int:
        row = self.repo.session(session_id)
        if row is None:
            fail(f"session {session_id} vanished")
        transitions = self.count(session_id, "transition")
        hygiene = len(self.repo.hygiene_checks(session_id))
        print(f"ACK {session_id} {row.state} {transitions} {hygiene}", flush=True)
        return transitions

    def step(self, first: bool) -> None:
        """One command; its effect is acknowledged after the call returned."""
        service, rng = self.service, self.rng
        session = service.last.session
        if session is None:
            resumable = service.last.resumable
            due = service.last.cleaning_due
            if due is not None or (first and resumable and rng.random() < 0.7):
                # A cabin left uncleaned by the crash is cleaned before the next patient.
                chosen = due.id if due is not None else resumable[0].id
                before = self.count(chosen, "session_resumed")
                service.resume_session(chosen)
                if self.count(chosen, "session_resumed") != before + 1:
                    fail("resume_session wrote nothing")
                self.ack(chosen)
                return
            service.start_session()
            if service.last.session is None:
                fail(f"start_session did not start a session: {service.last.notice}")
            self.ack(service.last.session.id)
            return
        session_id, state = session.id, session.state
        done = {row.item for row in service.last.hygiene}
        if state is State.HYGIENE and len(done) < len(HYGIENE_ITEMS):
            # One touch per item: a write that is not a transition, acknowledged all the same.
            item = rng.choice([item for item in HYGIENE_ITEMS if item not in done])
            service.check_hygiene(item)
            if len(service.last.hygiene) != len(done) + 1:
                fail(f"the hygiene check {item} was not kept")
            self.ack(session_id)
            return
        before = self.count(session_id, "transition")
        self.command(session_id, state)
        if service.last.field_errors or service.last.notice is not None:
            fail(f"{state}: {service.last.field_errors} {service.last.notice}")
        if self.ack(session_id) != before + 1:
            fail(f"a command in {state} did not make one transition")

    def command(self, session_id: str, state: State) -> None:
        service, pick = self.service, self.rng.random()
        if state is State.IDENTIFY:
            if pick < 0.85:
                written = self.count(session_id, "patient_written")
                service.submit_identity(identity_for(session_id, written))
            else:
                service.cancel(state, "patient_left")
        elif state is State.CONSENT:
            if pick < 0.6:
                service.record_consent(True)
            elif pick < 0.7:
                service.record_consent(False)
            elif pick < 0.9:
                service.go_back(state)
            else:
                service.cancel(state)
        elif state is State.TRIAGE:
            answers = dict.fromkeys(RED_FLAGS, False)
            if pick < 0.6:
                reason = self.rng.choice(REASONS)
                details = "depuis deux jours" if reason == "other" or pick < 0.3 else ""
                service.submit_triage(reason, details, answers)
            elif pick < 0.7:
                answers[self.rng.choice(RED_FLAGS)] = True
                service.submit_triage("", "", answers)
            elif pick < 0.9:
                service.go_back(state)
            else:
                service.cancel(state)
        elif state is State.MEASURE:
            if pick < 0.4:
                service.go_back(state)
            elif pick < 0.55:
                service.cancel(state)
            else:
                service.apply(CallDoctor(), state)
        elif state is State.WAITING_FOR_DOCTOR:
            if pick < 0.3:
                service.apply(CallCancelled(), state)
            elif pick < 0.9:
                service.apply(DoctorJoined("Dr Bernard"), state)
            else:
                service.cancel(state, "patient_left")
        elif state is State.IN_CALL:
            if pick < 0.9:
                service.apply(CallEnded(), state)
            else:
                service.cancel(state)
        elif state is State.REPORT:
            service.apply(ReportDelivered(), state)
        elif state is State.HYGIENE:
            service.finish_hygiene()
        elif state in (State.REFERRED, State.ABANDONED):
            service.close_session(state)
        else:
            fail(f"unexpected state {state}")


def fail(message: str) -> NoReturn:
    print(f"crash_worker: {message}", file=sys.stderr, flush=True)
    sys.exit(3)


def main(argv: list[str]) -> int:
    data_dir, seed, assistant_id, pin = Path(argv[0]), int(argv[1]), int(argv[2]), argv[3]
    clock = SystemClock()
    config = Config(data_dir=data_dir)
    opened = open_database(config.database_path, clock, key=load_key(config))  # as the core
    if opened.set_aside is not None:
        fail(f"the database was set aside as {opened.set_aside}")
    service = SessionService(Repository(opened.db, clock), config, clock)
    if not service.sign_in(assistant_id, pin):
        fail(f"sign-in refused: {service.last.notice}")
    print("READY", flush=True)
    walker = Walker(service, random.Random(seed))
    first = True
    while True:  # until SIGKILL
        walker.step(first)
        first = False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
