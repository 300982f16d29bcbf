"""Tests of kiosk.records.record: a session's record, assembled from a real database.

The sessions are filled the way the kiosk fills them: the session service walks the flow (sign-in,
identity, consent, triage, call, report, cleaning), and what the measurement and call services
store goes through the same repository methods with the same audit rows. The builders here are
shared by the FHIR, PDF and command-line tests.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.flow import (
    HYGIENE_ITEMS,
    CallDoctor,
    CallEnded,
    DoctorJoined,
    ReportDelivered,
    State,
)
from kiosk.flow.triage import CONSENT_POINTS, RED_FLAGS
from kiosk.records.record import (
    ABANDONED,
    COMPLETED,
    IN_PROGRESS,
    REFERRED,
    ConsultationRecord,
    RecordNotFound,
    assemble_record,
    record_id_for,
    session_summaries,
)
from kiosk.services.measurements import encode_still
from kiosk.services.session import SessionService
from kiosk.storage import OpenedDatabase, Repository, open_database

PIN = "2468"
CABIN = "Pharmacie-du-Port"
FAMILY_NAME = "Quenneville"
NIR = "250037510000138"  # woman, born 03/1950 in Paris (75), key 38
FORM = {
    "family_name": FAMILY_NAME,
    "given_names": "Odile Marie",
    "birth_date": "12/03/1950",
    "sex": "female",
    "nir": NIR,
    "treating_physician": "Dr Le Goff",
}
NO_FLAGS = dict.fromkeys(RED_FLAGS, False)
BP_DEVICE = {
    "family": "bp",
    "model": "SunTech Advantage",
    "serial": "SN-4471",
    "firmware": "2.1",
    "port": "/dev/kiosk/bp",
}
THERMOMETER = {"family": "thermometer", "model": "SureTemp Plus 692", "serial": "T-88"}
OXIMETER = {"family": "oximeter", "model": "Nonin 3231", "serial": "OX-12", "firmware": "1.4"}
CAMERA = {"family": "camera", "model": "synthetic otoscope", "port": "synthetic:otoscope"}
CONCLUSION = "Otite moyenne aiguë droite, sans signe de gravité."
ADVICE = "Paracétamol si douleur. Reconsultez si la fièvre dure plus de 3 jours."
PRESCRIPTION = (
    "Paracétamol 1 g, 3 fois par jour pendant 3 jours",
    "Amoxicilline 1 g matin et soir",
)
DOCTOR = "Dr Martin"


@dataclass
class Kit:
    """A cabin's core without screens: the session service over a real temp database."""

    repo: Repository
    service: SessionService
    clock: FakeClock
    assistant_id: int

    def tick(self, seconds: float = 30.0) -> None:
        self.clock.advance(seconds)

    @property
    def session_id(self) -> str:
        session = self.service.last.session
        assert session is not None
        return session.id

    def state(self) -> State | None:
        session = self.service.last.session
        return None if session is None else session.state

    def actor(self) -> str:
        return self.service.actor()

    # -- the flow, as the screens drive it -----------------------------------------------------
    def begin(self, form: dict[str, str] | None = None) -> str:
        assert self.service.sign_in(self.assistant_id, PIN)
        self.service.start_session()
        self.tick()
        self.service.submit_identity(form or FORM)
        self.tick()
        self.service.record_consent(True)
        self.tick()
        return self.session_id

    def clean_and_close(self) -> None:
        assert self.state() is State.HYGIENE
        for item in HYGIENE_ITEMS:
            self.service.check_hygiene(item)
        self.service.finish_hygiene()
        assert self.service.last.session is None

    # -- what the measurement service stores ----------------------------------------------------
    def reading(
        self,
        kind: str,
        values: dict[str, object],
        device: dict[str, object],
        flags: tuple[str, ...] = (),
        status: str = "accepted",
    ) -> int:
        session_id = self.session_id
        with self.repo.atomic():
            measurement_id = self.repo.add_measurement(
                session_id,
                kind,
                "pending",
                values,
                flags,
                device,
                self.clock.now().isoformat(),
                self.assistant_id,
                raw=b"\x02\x03",
            )
            self.repo.audit(
                self.actor(), "measurement_stored", session_id, {"measurement": measurement_id}
            )
        if status != "pending":
            with self.repo.atomic():
                self.repo.set_measurement_status(measurement_id, status)
                action = "measurement_accepted" if status == "accepted" else "measurement_discarded"
                self.repo.audit(self.actor(), action, session_id, {"measurement": measurement_id})
        self.tick()
        return measurement_id

    def failure(self, kind: str, family: str, code: str, step: str = "measure") -> int:
        session_id = self.session_id
        with self.repo.atomic():
            measurement_id = self.repo.add_measurement(
                session_id,
                kind,
                "failed",
                {},
                (),
                {"family": family},
                self.clock.now().isoformat(),
                self.assistant_id,
                error={
                    "code": code,
                    "params": {"device": family, "step": step, "message": "no answer"},
                },
            )
            self.repo.audit(
                self.actor(),
                "measurement_failed",
                session_id,
                {"measurement": measurement_id, "error": code},
            )
            self.repo.add_device_event(family, "measurement_failed", code, {"step": step})
        self.tick()
        return measurement_id

    def still(self, site: str) -> int:
        image = np.zeros((120, 160, 3), dtype=np.uint8)
        image[40:80, 60:100] = (40, 80, 200)
        png, thumbnail = encode_still(image)
        with self.repo.atomic():
            image_id = self.repo.add_image(
                self.session_id,
                site,
                png,
                thumbnail,
                160,
                120,
                321.5,
                CAMERA,
                self.clock.now().isoformat(),
                self.assistant_id,
            )
            self.repo.audit(self.actor(), "image_stored", self.session_id, {"image": image_id})
        self.tick()
        return image_id

    # -- what the call service stores -----------------------------------------------------------
    def call(self, *, report: bool = True, lost: bool = True) -> None:
        session_id = self.session_id
        self.service.apply(CallDoctor(), State.MEASURE)
        assert self.state() is State.WAITING_FOR_DOCTOR
        self.repo.audit(self.actor(), "call_requested", session_id)
        self.repo.audit(self.actor(), "call_queued", session_id, {"call": "c-1"})
        self.tick(120)
        self.repo.audit(
            self.actor(), "call_joined", session_id, {"call": "c-1", "doctor": "martin"}
        )
        self.service.apply(DoctorJoined(DOCTOR), State.WAITING_FOR_DOCTOR)
        assert self.state() is State.IN_CALL
        self.tick(60)
        if lost:
            self.repo.audit(
                self.actor(),
                "call_connection_lost",
                session_id,
                {"call": "c-1", "why": "peer connection failed"},
            )
            self.tick(8)
            self.repo.audit(
                self.actor(), "call_reconnected", session_id, {"call": "c-1", "generation": 1}
            )
            self.tick(120)
        if report:
            message = {
                "report_id": "r-1",
                "observations": "Tympan droit bombé et rouge.",
                "conclusion": CONCLUSION,
                "advice": ADVICE,
                "prescription": list(PRESCRIPTION),
                "orientation": "treating_physician",
                "language": "fr",
            }
            with self.repo.atomic():
                assert self.repo.add_report(session_id, message, DOCTOR, "c-1")
                self.repo.audit(
                    "doctor", "report_received", session_id, {"call": "c-1", "report": "r-1"}
                )
        self.service.apply(CallEnded(), State.IN_CALL)
        assert self.state() is State.REPORT
        self.repo.audit(
            self.actor(), "call_ended", session_id, {"call": "c-1", "reason": "session_left_call"}
        )
        self.tick()


def make_kit(
    path: Path, pin_hash: str, clock: FakeClock | None = None
) -> tuple[Kit, OpenedDatabase]:
    clock = clock or FakeClock()
    opened = open_database(path / "kiosk.db", clock)
    repo = Repository(opened.db, clock)
    assistant_id = repo.add_assistant("Alice Durand", pin_hash)
    service = SessionService(repo, Config(data_dir=path), clock)
    return Kit(repo, service, clock, assistant_id), opened


def completed_session(kit: Kit) -> str:
    """A whole teleconsultation: measurements (one failure, one retake), a still, a call."""
    session_id = kit.begin()
    kit.service.submit_triage("ear_pain", "depuis lundi", NO_FLAGS)
    assert kit.state() is State.MEASURE
    kit.tick()
    kit.failure("blood_pressure", "bp", "DEVICE_TIMEOUT")
    kit.reading(
        "blood_pressure",
        {"systolic": 185, "diastolic": 95, "mean": 125, "pulse": 88, "unit": "mmHg"},
        BP_DEVICE,
        flags=("artifact",),
    )
    kit.reading(
        "body_temperature", {"celsius": 37.0, "site": "oral"}, THERMOMETER, status="discarded"
    )
    kit.reading("body_temperature", {"celsius": 38.4, "site": "oral"}, THERMOMETER)
    kit.reading(
        "oximetry",
        {"spo2": 97, "pulse": 86, "perfusion": "high", "stable": True},
        OXIMETER,
    )
    kit.still("right_ear")
    kit.call()
    kit.service.apply(ReportDelivered(), State.REPORT)
    kit.clean_and_close()
    return session_id


def referred_session(kit: Kit) -> str:
    """A red flag at triage: the emergency number, nothing measured, no call."""
    session_id = kit.begin()
    kit.service.submit_triage("", "", {**NO_FLAGS, "chest_pain": True})
    assert kit.state() is State.REFERRED
    kit.tick()
    kit.service.close_session(State.REFERRED)
    kit.clean_and_close()
    return session_id


def abandoned_session(kit: Kit) -> str:
    """The patient leaves after a failed measurement, before any doctor: no report, no doctor."""
    session_id = kit.begin()
    kit.service.submit_triage("fever", "", NO_FLAGS)
    kit.tick()
    kit.failure("body_temperature", "thermometer", "DEVICE_NOT_CONNECTED", step="open")
    kit.service.cancel(State.MEASURE, "patient_left")
    assert kit.state() is State.ABANDONED
    kit.tick()
    kit.service.close_session(State.ABANDONED)
    kit.clean_and_close()
    return session_id


def test_a_completed_session(kit: Kit) -> None:
    session_id = completed_session(kit)
    record = assemble_record(kit.repo, session_id, CABIN)

    assert record.outcome == COMPLETED
    assert (record.state, record.status) == ("IDLE", "closed")
    assert record.record_id == record_id_for(session_id)
    assert record.cabin == CABIN
    assert record.ended_at is not None and record.started_at < record.ended_at

    patient = record.patient
    assert patient is not None
    assert (patient.family_name, patient.given_names, patient.birth_date) == (
        FAMILY_NAME,
        "Odile Marie",
        "1950-03-12",
    )
    assert (patient.sex, patient.nir, patient.treating_physician) == ("female", NIR, "Dr Le Goff")
    assert patient.initials == "O.Q."
    assert record.assistant is not None and record.assistant.name == "Alice Durand"
    assert record.doctor is not None
    assert (record.doctor.name, record.doctor.account) == (DOCTOR, "martin")

    assert record.consent is not None
    assert record.consent.accepted and record.consent.explained == CONSENT_POINTS
    assert record.triage is not None
    assert (record.triage.reason, record.triage.details, record.triage.red_flags) == (
        "ear_pain",
        "depuis lundi",
        (),
    )

    # Every measurement, with its status: the failure and the retake's discarded value too.
    assert [(m.kind, m.status) for m in record.measurements] == [
        ("blood_pressure", "failed"),
        ("blood_pressure", "accepted"),
        ("body_temperature", "discarded"),
        ("body_temperature", "accepted"),
        ("oximetry", "accepted"),
    ]
    failed, bp = record.measurements[0], record.measurements[1]
    assert failed.error_code == "DEVICE_TIMEOUT" and failed.error is not None
    assert failed.error["step"] == "measure" and failed.device.family == "bp"
    assert not failed.device.identified
    assert bp.values["systolic"] == 185 and bp.flags == ("artifact",)
    assert bp.alerts == ("bp_high",)
    assert (bp.device.model, bp.device.serial, bp.device.firmware) == (
        "SunTech Advantage",
        "SN-4471",
        "2.1",
    )
    assert record.measurements[3].alerts == ()  # 38.4 °C is not above the alert threshold

    (still,) = record.stills
    assert (still.site, still.width, still.height) == ("right_ear", 160, 120)
    png = record.still_png(still.id)
    assert png is not None and png.startswith(b"\x89PNG")
    assert record.still_png(still.id + 100) is None  # not one of this record's stills

    assert record.report is not None
    assert record.report.conclusion == CONCLUSION
    assert record.report.prescription == PRESCRIPTION
    assert record.orientation is not None
    assert (record.orientation.code, record.orientation.by) == ("treating_physician", "doctor")

    # The session's timeline is its state changes, in order.
    steps = [e.detail["to"] for e in record.session_timeline if e.event == "transition"]
    assert steps == [
        "IDENTIFY",
        "CONSENT",
        "TRIAGE",
        "MEASURE",
        "WAITING_FOR_DOCTOR",
        "IN_CALL",
        "REPORT",
        "HYGIENE",
        "IDLE",
    ]
    assert [e.event for e in record.call_timeline] == [
        "call_requested",
        "call_queued",
        "call_joined",
        "call_connection_lost",
        "call_reconnected",
        "report_received",
        "call_ended",
    ]
    assert [(i.kind, i.code) for i in record.incidents] == [
        ("measurement_failed", "DEVICE_TIMEOUT"),
        ("connection_lost", None),
    ]
    # The instruments, each once; the failed attempt's bare "bp" merges with the identified one.
    assert sorted((d.family, d.model) for d in record.instruments()) == [
        ("bp", "SunTech Advantage"),
        ("camera", "synthetic otoscope"),
        ("oximeter", "Nonin 3231"),
        ("thermometer", "SureTemp Plus 692"),
    ]


def test_a_referred_session(kit: Kit) -> None:
    session_id = referred_session(kit)
    record = assemble_record(kit.repo, session_id, CABIN)
    assert record.outcome == REFERRED
    assert record.triage is not None and record.triage.red_flags == ("chest_pain",)
    assert record.measurements == () and record.stills == ()
    assert record.report is None and record.doctor is None
    assert record.call_timeline == ()
    assert record.orientation is not None
    assert (record.orientation.code, record.orientation.by) == ("emergency", "red_flags")
    assert record.patient is not None  # the patient is sent on, not forgotten


def test_an_abandoned_session(kit: Kit) -> None:
    session_id = abandoned_session(kit)
    record = assemble_record(kit.repo, session_id, CABIN)
    assert record.outcome == ABANDONED
    assert record.report is None and record.doctor is None and record.orientation is None
    assert [(m.kind, m.status, m.error_code) for m in record.measurements] == [
        ("body_temperature", "failed", "DEVICE_NOT_CONNECTED")
    ]
    assert [i.kind for i in record.incidents] == ["measurement_failed"]
    assert record.ended_at is not None


def test_a_refused_consent_leaves_no_patient(kit: Kit) -> None:
    assert kit.service.sign_in(kit.assistant_id, PIN)
    kit.service.start_session()
    kit.service.submit_identity(FORM)
    session_id = kit.session_id
    kit.service.record_consent(False)
    record = assemble_record(kit.repo, session_id, CABIN)
    assert record.outcome == ABANDONED
    assert record.patient is None and record.triage is None
    assert record.consent is not None and record.consent.accepted is False


def test_a_session_under_way_and_one_without_a_report(kit: Kit) -> None:
    session_id = kit.begin()
    kit.service.submit_triage("fever", "", NO_FLAGS)
    record = assemble_record(kit.repo, session_id, CABIN)
    assert (record.outcome, record.status, record.ended_at) == (IN_PROGRESS, "open", None)

    # The doctor hangs up without writing: the consultation took place, with no report.
    kit.call(report=False, lost=False)
    record = assemble_record(kit.repo, session_id, CABIN)
    assert record.outcome == COMPLETED
    assert record.report is None and record.orientation is None
    assert record.doctor is not None and record.doctor.name == "martin"  # from call_joined


def test_a_device_lost_during_the_session_is_an_incident(kit: Kit) -> None:
    kit.repo.add_device_event("oximeter", "lost", None, {})  # before: not this session's
    kit.tick()
    session_id = kit.begin()
    kit.repo.add_device_event("oximeter", "lost", None, {})
    kit.tick()
    kit.repo.add_device_event("oximeter", "back", None, {})
    record = assemble_record(kit.repo, session_id, CABIN)
    assert [(i.kind, i.detail["device"]) for i in record.incidents] == [
        ("device_lost", "oximeter"),
        ("device_back", "oximeter"),
    ]


def test_the_record_id_is_stable_and_the_json_form_round_trips(kit: Kit) -> None:
    session_id = completed_session(kit)
    first = assemble_record(kit.repo, session_id, CABIN)
    kit.tick(3600)
    again = assemble_record(kit.repo, session_id, CABIN)
    assert again.record_id == first.record_id
    assert again.assembled_at != first.assembled_at

    text = first.to_json()
    data = json.loads(text)
    assert data["format"] == 1 and data["record_id"] == first.record_id
    assert "png_source" not in data  # the stills' bytes stay in the database
    back = ConsultationRecord.from_json(text)
    assert back == first
    assert back.to_json() == text
    assert back.still_png(first.stills[0].id) is None  # no database behind it
    with pytest.raises(ValueError, match="format"):
        ConsultationRecord.from_dict({**data, "format": 99})


def test_the_repr_hides_the_patient(kit: Kit) -> None:
    record = assemble_record(kit.repo, completed_session(kit), CABIN)
    for text in (repr(record), repr(record.patient), str(record)):
        assert FAMILY_NAME not in text and NIR not in text


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_nothing_about_the_patient_is_logged(kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    record = assemble_record(kit.repo, completed_session(kit), CABIN)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert record.record_id in logged
    # Random identifiers are logged on purpose; a birth year may turn up inside one by chance.
    logged = UUID.sub("<id>", logged)
    for secret in (FAMILY_NAME, "Odile", NIR, CONCLUSION):
        assert secret not in logged
    for number in ("1950", "185"):  # the birth year, the systolic pressure
        assert not re.search(rf"(?<!\d){number}(?!\d)", logged), number


def test_an_unknown_session(kit: Kit) -> None:
    with pytest.raises(RecordNotFound):
        assemble_record(kit.repo, "no-such-session", CABIN)


def test_session_summaries(kit: Kit) -> None:
    completed = completed_session(kit)
    referred = referred_session(kit)
    abandoned = abandoned_session(kit)
    summaries = session_summaries(kit.repo)
    assert [(s.id, s.outcome, s.initials, s.has_report) for s in summaries] == [
        (completed, COMPLETED, "O.Q.", True),
        (referred, REFERRED, "O.Q.", False),
        (abandoned, ABANDONED, "O.Q.", False),
    ]
    assert all(s.status == "closed" and s.state == "IDLE" for s in summaries)
    assert datetime.datetime.fromisoformat(summaries[0].started_at).tzinfo is not None
    assert FAMILY_NAME not in json.dumps([s.to_dict() for s in summaries])
