"""The consultation record: everything a session leaves behind, gathered from storage.

``assemble_record`` reads one session (ended or not) and returns an immutable
:class:`ConsultationRecord`. It is the single source of the FHIR bundle and of the patient's PDF,
and it is what an outbox will queue: its ``record_id`` is derived from the session id, so the same
session always gives the same id however many times it is assembled, and ``to_json`` /
``from_json`` give it a stable JSON form (``RECORD_FORMAT`` says which).

Otoscope stills stay in the database: the record lists them, and ``still_png`` fetches one's PNG
bytes only when an export needs them.

The record holds patient data: its ``repr`` hides it, and nothing here logs a value.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kiosk.flow.states import State
from kiosk.services.measurements import alerts_for
from kiosk.storage import Repository
from kiosk.storage.repository import AuditRow, MeasurementRow

logger = logging.getLogger(__name__)

RECORD_FORMAT = 1
# Fixed forever: record ids are uuid5(RECORD_NAMESPACE, session id), so they never change.
RECORD_NAMESPACE = uuid.UUID("6f1c2a8e-3b7d-5e4f-9a0b-2c6d8e1f4a37")

COMPLETED = "completed"
REFERRED = "referred"
ABANDONED = "abandoned"
IN_PROGRESS = "in_progress"  # not ended yet (open, parked, or interrupted by a crash)

# Audit actions that make up each timeline.
SESSION_ACTIONS = frozenset({"transition", "session_parked", "session_resumed"})
CALL_ACTIONS = frozenset(
    {
        "call_requested",
        "call_queued",
        "call_joined",
        "call_connection_lost",
        "call_reconnected",
        "call_ended",
        "report_received",
        "patient_data_shared",
        "doctor_request",
        "doctor_request_confirmed",
        "doctor_request_declined",
        "doctor_request_ended",
    }
)
# Device history kinds that count as incidents of a session when they happen during it.
_DEVICE_EVENT_INCIDENTS = {"lost": "device_lost", "back": "device_back"}


def initials(given_names: str, family_name: str) -> str:
    """ "O.Q." for Odile Quenneville: enough to tell sessions apart in a list, no more."""
    return f"{given_names[:1]}.{family_name[:1]}.".upper()


class RecordNotFound(LookupError):
    """No session has this id."""


def record_id_for(session_id: str) -> str:
    return str(uuid.uuid5(RECORD_NAMESPACE, session_id))


@dataclass(frozen=True, repr=False)
class Patient:
    family_name: str
    given_names: str
    birth_date: str  # ISO date
    sex: str  # female | male | other | unknown
    nir: str | None
    treating_physician: str | None

    def __repr__(self) -> str:
        return "Patient(<patient data hidden>)"

    @property
    def initials(self) -> str:
        return initials(self.given_names, self.family_name)


@dataclass(frozen=True)
class Assistant:
    id: int
    name: str


@dataclass(frozen=True)
class Doctor:
    name: str  # as the doctor signs (the portal's display name)
    account: str | None  # the doctor's sign-in name at the portal, when the call said it


@dataclass(frozen=True)
class Consent:
    accepted: bool
    explained: tuple[str, ...]  # consent points read to the patient (kiosk.flow.triage codes)
    recorded_at: str


@dataclass(frozen=True)
class Triage:
    reason: str  # kiosk.flow.triage.REASONS code, "" when a red flag cut the questions short
    details: str
    red_flags: tuple[str, ...]


@dataclass(frozen=True)
class Instrument:
    """A device's identity as the device gave it. A failed attempt may know only the family."""

    family: str
    model: str = ""
    serial: str | None = None
    firmware: str | None = None

    @property
    def identified(self) -> bool:
        return bool(self.model)


@dataclass(frozen=True)
class Measurement:
    id: int
    kind: str  # blood_pressure | body_temperature | oximetry
    status: str  # accepted | pending | discarded | failed
    values: Mapping[str, Any]
    flags: tuple[str, ...]  # quality flags from the device
    alerts: tuple[str, ...]  # values outside the usual range (kiosk.services.measurements)
    taken_at: str
    device: Instrument
    error_code: str | None = None
    error: Mapping[str, Any] | None = None  # the error's parameters (device, step, advice...)


@dataclass(frozen=True)
class Still:
    id: int
    site: str  # left_ear | right_ear | other
    width: int
    height: int
    sharpness: float
    taken_at: str
    device: Instrument


@dataclass(frozen=True)
class Report:
    report_id: str
    call_id: str | None
    doctor: str
    observations: str
    conclusion: str
    advice: str
    prescription: tuple[str, ...]
    orientation: str  # none | treating_physician | specialist | emergency
    language: str
    received_at: str


@dataclass(frozen=True)
class TimelineEvent:
    at: str
    event: str  # the audit action: transition, session_parked, call_joined...
    actor: str
    detail: Mapping[str, Any]  # the audit row's detail (never patient identity)


@dataclass(frozen=True)
class Incident:
    at: str
    kind: str  # measurement_failed | device_out_of_service | connection_lost | device_lost...
    code: str | None
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class Orientation:
    code: str  # none | treating_physician | specialist | emergency
    by: str  # doctor (the report) | red_flags (the triage sent the patient to emergency care)


PngSource = Callable[[int], bytes | None]


@dataclass(frozen=True, repr=False)
class ConsultationRecord:
    record_id: str
    session_id: str
    cabin: str
    assembled_at: str
    started_at: str
    ended_at: str | None  # when the session closed (None while it is not closed)
    state: str  # the session's last state
    status: str  # open | parked | closed
    outcome: str  # completed | referred | abandoned | in_progress
    patient: Patient | None  # None when consent was refused (the identity is then forgotten)
    assistant: Assistant | None
    doctor: Doctor | None
    consent: Consent | None
    triage: Triage | None
    measurements: tuple[Measurement, ...]
    stills: tuple[Still, ...]
    report: Report | None
    orientation: Orientation | None
    session_timeline: tuple[TimelineEvent, ...]
    call_timeline: tuple[TimelineEvent, ...]
    incidents: tuple[Incident, ...]
    format: int = RECORD_FORMAT
    png_source: PngSource | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return f"ConsultationRecord(record_id={self.record_id!r}, outcome={self.outcome!r})"

    # -- what exports need -------------------------------------------------------------------
    def still_png(self, still_id: int) -> bytes | None:
        """The still's lossless PNG, read now (None when it is no longer available)."""
        if self.png_source is None or all(s.id != still_id for s in self.stills):
            return None
        return self.png_source(still_id)

    def instruments(self) -> tuple[Instrument, ...]:
        """Each device used, once; a failed attempt's bare family only when nothing better is known."""
        seen: dict[tuple[str, str, str | None], Instrument] = {}
        for device in [m.device for m in self.measurements] + [s.device for s in self.stills]:
            seen.setdefault((device.family, device.model, device.serial), device)
        identified = {d.family for d in seen.values() if d.identified}
        return tuple(d for d in seen.values() if d.identified or d.family not in identified)

    # -- JSON form (what an outbox stores) -------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "record_id": self.record_id,
            "session_id": self.session_id,
            "cabin": self.cabin,
            "assembled_at": self.assembled_at,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "state": self.state,
            "status": self.status,
            "outcome": self.outcome,
            "patient": _plain(self.patient),
            "assistant": _plain(self.assistant),
            "doctor": _plain(self.doctor),
            "consent": _plain(self.consent),
            "triage": _plain(self.triage),
            "measurements": [_plain(m) for m in self.measurements],
            "stills": [_plain(s) for s in self.stills],
            "report": _plain(self.report),
            "orientation": _plain(self.orientation),
            "session_timeline": [_plain(e) for e in self.session_timeline],
            "call_timeline": [_plain(e) for e in self.call_timeline],
            "incidents": [_plain(i) for i in self.incidents],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], png_source: PngSource | None = None
    ) -> ConsultationRecord:
        """The inverse of :meth:`to_dict` (stills' PNG bytes come from ``png_source``, if any)."""
        fmt = int(data.get("format", 0))
        if fmt != RECORD_FORMAT:
            raise ValueError(f"unknown record format {fmt}")

        def opt(key: str, build: Callable[[Mapping[str, Any]], Any]) -> Any:
            value = data.get(key)
            return None if value is None else build(value)

        return cls(
            record_id=str(data["record_id"]),
            session_id=str(data["session_id"]),
            cabin=str(data["cabin"]),
            assembled_at=str(data["assembled_at"]),
            started_at=str(data["started_at"]),
            ended_at=data.get("ended_at"),
            state=str(data["state"]),
            status=str(data["status"]),
            outcome=str(data["outcome"]),
            patient=opt("patient", lambda d: Patient(**d)),
            assistant=opt("assistant", lambda d: Assistant(**d)),
            doctor=opt("doctor", lambda d: Doctor(**d)),
            consent=opt(
                "consent", lambda d: Consent(d["accepted"], tuple(d["explained"]), d["recorded_at"])
            ),
            triage=opt(
                "triage", lambda d: Triage(d["reason"], d["details"], tuple(d["red_flags"]))
            ),
            measurements=tuple(_measurement_from(m) for m in data["measurements"]),
            stills=tuple(
                Still(**{**s, "device": Instrument(**s["device"])}) for s in data["stills"]
            ),
            report=opt(
                "report", lambda d: Report(**{**d, "prescription": tuple(d["prescription"])})
            ),
            orientation=opt("orientation", lambda d: Orientation(**d)),
            session_timeline=tuple(TimelineEvent(**e) for e in data["session_timeline"]),
            call_timeline=tuple(TimelineEvent(**e) for e in data["call_timeline"]),
            incidents=tuple(Incident(**i) for i in data["incidents"]),
            png_source=png_source,
        )

    @classmethod
    def from_json(cls, text: str, png_source: PngSource | None = None) -> ConsultationRecord:
        return cls.from_dict(json.loads(text), png_source)


def _plain(value: object) -> Any:
    """A record part as JSON-ready dicts and lists (a dataclass's own fields, recursively)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is None:
        raise TypeError(f"{type(value).__name__} is not part of a record")
    return {name: _plain(getattr(value, name)) for name in fields}


def _measurement_from(data: Mapping[str, Any]) -> Measurement:
    return Measurement(
        id=int(data["id"]),
        kind=str(data["kind"]),
        status=str(data["status"]),
        values=dict(data["values"]),
        flags=tuple(data["flags"]),
        alerts=tuple(data["alerts"]),
        taken_at=str(data["taken_at"]),
        device=Instrument(**data["device"]),
        error_code=data.get("error_code"),
        error=None if data.get("error") is None else dict(data["error"]),
    )


# -- assembling ----------------------------------------------------------------------------------
def _instrument(device: Mapping[str, Any]) -> Instrument:
    def text(key: str) -> str | None:
        value = device.get(key)
        return None if value in (None, "") else str(value)

    return Instrument(
        family=str(device.get("family") or "unknown"),
        model=text("model") or "",
        serial=text("serial"),
        firmware=text("firmware"),
    )


def _measurement(row: MeasurementRow) -> Measurement:
    error = row.error or {}
    params = error.get("params")
    return Measurement(
        id=row.id,
        kind=row.kind,
        status=row.status,
        values=dict(row.reading),
        flags=row.flags,
        alerts=() if row.status == "failed" else alerts_for(row.kind, row.reading),
        taken_at=row.taken_at,
        device=_instrument(row.device),
        error_code=None if row.error is None else str(error.get("code") or "DEVICE_ERROR"),
        error=dict(params) if isinstance(params, Mapping) else None,
    )


def _event(row: AuditRow) -> TimelineEvent:
    return TimelineEvent(row.at, row.action, row.actor, dict(row.detail))


def outcome_of(timeline: Iterable[TimelineEvent], has_report: bool) -> str:
    """How the session ended, from the states it went through (the last ending wins)."""
    outcome = COMPLETED if has_report else IN_PROGRESS
    for event in timeline:
        if event.event != "transition":
            continue
        target = event.detail.get("to")
        if target == State.REFERRED:
            outcome = REFERRED
        elif target == State.ABANDONED:
            outcome = ABANDONED
        elif target == State.REPORT and outcome == IN_PROGRESS:
            outcome = COMPLETED  # the call took place, with or without a written report
    return outcome


def _closed_at(timeline: Sequence[TimelineEvent]) -> str | None:
    closed = [
        e.at for e in timeline if e.event == "transition" and e.detail.get("status") == "closed"
    ]
    return closed[-1] if closed else None


def _doctor(report: Report | None, call: Sequence[TimelineEvent]) -> Doctor | None:
    joined = [e for e in call if e.event == "call_joined" and e.detail.get("doctor")]
    account = str(joined[-1].detail["doctor"]) if joined else None
    if report is not None and report.doctor not in ("", "?"):
        return Doctor(report.doctor, account)
    if account is not None:
        return Doctor(account, account)
    return None


def _incidents(
    repo: Repository,
    measurements: Sequence[Measurement],
    audit: Sequence[AuditRow],
    window: tuple[str, str],
) -> tuple[Incident, ...]:
    found: list[Incident] = []
    for m in measurements:
        if m.status == "failed":
            error = m.error or {}
            detail = {"kind": m.kind, "device": m.device.family}
            detail.update({k: error[k] for k in ("step", "advice", "device_code") if k in error})
            found.append(Incident(m.taken_at, "measurement_failed", m.error_code, detail))
    for row in audit:
        if row.action == "measurement_refused":
            found.append(Incident(row.at, "device_out_of_service", None, dict(row.detail)))
        elif row.action == "call_connection_lost":
            found.append(Incident(row.at, "connection_lost", None, dict(row.detail)))
    start, end = window
    for event in repo.device_events():
        kind = _DEVICE_EVENT_INCIDENTS.get(event.kind)
        if kind is not None and start <= event.at <= end:
            found.append(Incident(event.at, kind, event.code, {"device": event.family}))
    return tuple(sorted(found, key=lambda i: i.at))


def assemble_record(repo: Repository, session_id: str, cabin_name: str) -> ConsultationRecord:
    """Gather one session's record from storage. Raises RecordNotFound for an unknown id.

    Works at any point of a session: without a report (abandoned), without a doctor, without
    measurements, and after a refused consent (then without patient identity or triage).
    """
    session = repo.session(session_id)
    if session is None:
        raise RecordNotFound(session_id)
    audit = repo.audit_log(session_id)
    events = [_event(row) for row in audit]
    session_timeline = tuple(e for e in events if e.event in SESSION_ACTIONS)
    call_timeline = tuple(e for e in events if e.event in CALL_ACTIONS)

    identity = repo.identity(session_id)
    patient = None
    if identity is not None:
        patient = Patient(
            family_name=identity.family_name,
            given_names=identity.given_names,
            birth_date=identity.birth_date.isoformat(),
            sex=identity.sex.value,
            nir=identity.nir,
            treating_physician=identity.treating_physician,
        )
    assistant_row = repo.assistant(session.assistant_id)
    assistant = None if assistant_row is None else Assistant(assistant_row.id, assistant_row.name)
    consent_row = repo.consent(session_id)
    consent = (
        None
        if consent_row is None
        else Consent(consent_row.accepted, consent_row.explained, consent_row.recorded_at)
    )
    triage_row = repo.triage(session_id)
    triage = (
        None
        if triage_row is None
        else Triage(triage_row.reason, triage_row.details, triage_row.red_flags)
    )
    measurements = tuple(_measurement(row) for row in repo.measurements(session_id))
    stills = tuple(
        Still(r.id, r.site, r.width, r.height, r.sharpness, r.taken_at, _instrument(r.device))
        for r in repo.images(session_id, status="kept")
    )
    report_row = repo.report(session_id)
    report = None
    if report_row is not None:
        report = Report(
            report_id=report_row.report_id,
            call_id=report_row.call_id,
            doctor=report_row.doctor,
            observations=report_row.observations,
            conclusion=report_row.conclusion,
            advice=report_row.advice,
            prescription=report_row.prescription,
            orientation=report_row.orientation,
            language=report_row.language,
            received_at=report_row.received_at,
        )
    outcome = outcome_of(session_timeline, report is not None)
    orientation = None
    if report is not None:
        orientation = Orientation(report.orientation, "doctor")
    elif outcome == REFERRED:
        orientation = Orientation("emergency", "red_flags")
    ended_at = _closed_at(session_timeline) if session.status == "closed" else None
    assembled_at = repo.clock.now().isoformat()
    # A session not closed yet may still be going on: its incidents run up to now.
    window = (session.created_at, ended_at or assembled_at)
    record = ConsultationRecord(
        record_id=record_id_for(session_id),
        session_id=session_id,
        cabin=cabin_name,
        assembled_at=assembled_at,
        started_at=session.created_at,
        ended_at=ended_at,
        state=session.state,
        status=session.status,
        outcome=outcome,
        patient=patient,
        assistant=assistant,
        doctor=_doctor(report, call_timeline),
        consent=consent,
        triage=triage,
        measurements=measurements,
        stills=stills,
        report=report,
        orientation=orientation,
        session_timeline=session_timeline,
        call_timeline=call_timeline,
        incidents=_incidents(repo, measurements, audit, window),
        png_source=repo.image_png,
    )
    logger.info("records: record %s assembled (%s)", record.record_id, outcome)
    return record


# -- the list of sessions --------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionSummary:
    """One line of ``kiosk sessions``: no patient data beyond initials."""

    id: str
    started_at: str
    state: str
    status: str
    outcome: str
    initials: str  # "" when the patient is not (or no longer) known
    has_report: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(_plain(self))


def session_summaries(repo: Repository) -> list[SessionSummary]:
    """Every session in the database, oldest first."""
    ids = [
        str(row[0])
        for row in repo.db.execute("SELECT id FROM sessions ORDER BY created_at, rowid").fetchall()
    ]
    out: list[SessionSummary] = []
    for session_id in ids:
        session = repo.session(session_id)
        assert session is not None
        timeline = [_event(r) for r in repo.audit_log(session_id) if r.action == "transition"]
        has_report = repo.report(session_id) is not None
        identity = repo.identity(session_id)
        out.append(
            SessionSummary(
                id=session.id,
                started_at=session.created_at,
                state=session.state,
                status=session.status,
                outcome=outcome_of(timeline, has_report),
                initials=""
                if identity is None
                else initials(identity.given_names, identity.family_name),
                has_report=has_report,
            )
        )
    return out
