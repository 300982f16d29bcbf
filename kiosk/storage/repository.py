"""Reads and writes of the core, one method per domain operation.

Every write that changes a session goes through ``with self.atomic():`` together with its audit
row, so the audit log and the data never disagree. Audit details never hold patient identity.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from kiosk.clock import Clock
from kiosk.identity import PatientIdentity
from kiosk.storage.transaction import immediate_transaction


@dataclass(frozen=True)
class AssistantRow:
    id: int
    name: str
    pin_hash: str
    disabled: bool


@dataclass(frozen=True)
class SessionRow:
    id: str
    assistant_id: int
    state: str
    status: str  # open | parked | closed
    end_reason: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class ConsentRow:
    accepted: bool
    explained: tuple[str, ...]
    recorded_at: str


@dataclass(frozen=True)
class TriageRow:
    reason: str
    details: str
    red_flags: tuple[str, ...]


@dataclass(frozen=True)
class MeasurementRow:
    id: int
    session_id: str
    kind: str  # blood_pressure | body_temperature | oximetry
    status: str  # pending | accepted | discarded | failed
    reading: dict[str, Any]  # the values, as the device gave them
    flags: tuple[str, ...]
    error: dict[str, Any] | None  # {"code": ..., "params": {...}} for a failed attempt
    raw: str  # the device's bytes, hex
    device: dict[str, Any]
    taken_at: str
    taken_by: int | None


@dataclass(frozen=True)
class ReportRow:
    id: int
    session_id: str
    report_id: str
    call_id: str | None
    doctor: str
    observations: str
    conclusion: str
    advice: str
    prescription: tuple[str, ...]
    orientation: str
    language: str
    received_at: str


@dataclass(frozen=True)
class ImageRow:
    id: int
    session_id: str
    site: str  # left_ear | right_ear | other
    status: str  # kept | discarded
    thumbnail: bytes  # small JPEG for the screen
    width: int
    height: int
    sharpness: float
    device: dict[str, Any]
    taken_at: str


@dataclass(frozen=True)
class DeviceCheckRow:
    id: int
    family: str
    at: str
    ok: bool
    summary: str
    detail: dict[str, Any]
    device: dict[str, Any]


@dataclass(frozen=True)
class CalibrationRow:
    family: str
    due_date: str  # ISO date
    set_by: int | None
    set_at: str


@dataclass(frozen=True)
class DeviceEventRow:
    id: int
    family: str
    at: str
    kind: str  # lost | back | measurement_failed | self_test_failed ...
    code: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class HygieneRow:
    item: str
    done_at: str
    done_by: int | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    session_id: str | None
    detail: dict[str, Any]


def _row_id(pk: object) -> int:
    if not isinstance(pk, int):
        raise RuntimeError(f"the database gave no row id ({pk!r})")
    return pk


class Repository:
    def __init__(self, db: sqlite_utils.Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _now(self) -> str:
        return self.clock.now().isoformat()

    def atomic(self) -> AbstractContextManager[None]:
        """One transaction (kiosk.storage.transaction.immediate_transaction)."""
        return immediate_transaction(self.db)

    # -- audit log ---------------------------------------------------------------------------
    def audit(
        self,
        actor: str,
        action: str,
        session_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        self.db.table("events").insert(
            {
                "at": self._now(),
                "actor": actor,
                "action": action,
                "session_id": session_id,
                "detail": json.dumps(dict(detail or {}), sort_keys=True),
            }
        )

    def audit_log(self, session_id: str | None = None) -> list[AuditRow]:
        where, args = ("session_id = ?", [session_id]) if session_id else (None, [])
        return [
            AuditRow(
                r["id"], r["at"], r["actor"], r["action"], r["session_id"], json.loads(r["detail"])
            )
            for r in self.db.table("events").rows_where(where, args, order_by="id")
        ]

    # -- assistants --------------------------------------------------------------------------
    def add_assistant(self, name: str, pin_hash: str) -> int:
        with self.atomic():
            table = self.db.table("assistants")
            table.insert(
                {"name": name, "pin_hash": pin_hash, "disabled": 0, "created_at": self._now()}
            )
            assistant_id = int(table.last_pk or 0)
            self.audit("cli", "assistant_added", detail={"assistant_id": assistant_id})
        return assistant_id

    def _assistant(self, row: Mapping[str, Any]) -> AssistantRow:
        return AssistantRow(row["id"], row["name"], row["pin_hash"], bool(row["disabled"]))

    def assistant_by_name(self, name: str) -> AssistantRow | None:
        rows = list(self.db.table("assistants").rows_where("name = ? COLLATE NOCASE", [name]))
        return self._assistant(rows[0]) if rows else None

    def assistant(self, assistant_id: int) -> AssistantRow | None:
        rows = list(self.db.table("assistants").rows_where("id = ?", [assistant_id]))
        return self._assistant(rows[0]) if rows else None

    def assistants(self, include_disabled: bool = True) -> list[AssistantRow]:
        where = None if include_disabled else "disabled = 0"
        return [
            self._assistant(r)
            for r in self.db.table("assistants").rows_where(where, order_by="name")
        ]

    def set_assistant_pin(self, assistant_id: int, pin_hash: str) -> None:
        with self.atomic():
            self.db.table("assistants").update(assistant_id, {"pin_hash": pin_hash})
            self.audit("cli", "assistant_pin_changed", detail={"assistant_id": assistant_id})

    def set_assistant_disabled(self, assistant_id: int, disabled: bool) -> None:
        with self.atomic():
            self.db.table("assistants").update(assistant_id, {"disabled": int(disabled)})
            action = "assistant_disabled" if disabled else "assistant_enabled"
            self.audit("cli", action, detail={"assistant_id": assistant_id})

    # -- PIN attempts (the lockout is derived from them, so a restart cannot reset it) -------
    def record_pin_attempt(self, assistant_id: int | None, ok: bool) -> None:
        with self.atomic():
            self.db.table("pin_attempts").insert(
                {
                    "at": self._now(),
                    "at_epoch": self.clock.now().timestamp(),
                    "assistant_id": assistant_id,
                    "ok": int(ok),
                }
            )
            actor = f"assistant:{assistant_id}" if assistant_id is not None else "unknown"
            self.audit(actor, "sign_in" if ok else "sign_in_failed")

    def recent_pin_attempts(self, limit: int) -> list[tuple[float, bool]]:
        """The newest attempts first, as (wall-clock timestamp, ok)."""
        rows = self.db.execute(
            "SELECT at_epoch, ok FROM pin_attempts ORDER BY id DESC LIMIT ?", [limit]
        ).fetchall()
        return [(float(at), bool(ok)) for at, ok in rows]

    # -- sessions ----------------------------------------------------------------------------
    def _session(self, row: Mapping[str, Any]) -> SessionRow:
        return SessionRow(
            row["id"],
            row["assistant_id"],
            row["state"],
            row["status"],
            row["end_reason"],
            row["created_at"],
            row["updated_at"],
        )

    def create_session(self, assistant_id: int, state: str) -> str:
        session_id = uuid.uuid4().hex
        now = self._now()
        self.db.table("sessions").insert(
            {
                "id": session_id,
                "assistant_id": assistant_id,
                "state": state,
                "status": "open",
                "end_reason": None,
                "created_at": now,
                "updated_at": now,
                "closed_at": None,
            }
        )
        return session_id

    def session(self, session_id: str) -> SessionRow | None:
        rows = list(self.db.table("sessions").rows_where("id = ?", [session_id]))
        return self._session(rows[0]) if rows else None

    def unfinished_sessions(self) -> list[SessionRow]:
        """Open (crashed) or parked sessions, newest first: the ones a signed-in assistant may resume."""
        return [
            self._session(r)
            for r in self.db.table("sessions").rows_where(
                "status IN ('open', 'parked')", order_by="updated_at DESC"
            )
        ]

    def update_session(
        self, session_id: str, state: str, status: str, end_reason: str | None = None
    ) -> None:
        now = self._now()
        values: dict[str, Any] = {"state": state, "status": status, "updated_at": now}
        if end_reason is not None:
            values["end_reason"] = end_reason
        if status == "closed":
            values["closed_at"] = now
        self.db.table("sessions").update(session_id, values)

    # -- what was entered in a session --------------------------------------------------------
    def save_identity(self, session_id: str, identity: PatientIdentity) -> None:
        self.db.table("patients").upsert(
            {"session_id": session_id, **identity.to_dict(), "recorded_at": self._now()},
            pk="session_id",
        )

    def identity(self, session_id: str) -> PatientIdentity | None:
        rows = list(self.db.table("patients").rows_where("session_id = ?", [session_id]))
        if not rows:
            return None
        return PatientIdentity.from_dict(rows[0])

    def save_consent(
        self, session_id: str, accepted: bool, explained: tuple[str, ...], by: int
    ) -> None:
        self.db.table("consents").insert(
            {
                "session_id": session_id,
                "accepted": int(accepted),
                "explained": json.dumps(list(explained)),
                "recorded_by": by,
                "recorded_at": self._now(),
            }
        )

    def consent(self, session_id: str) -> ConsentRow | None:
        """The latest answer (going back and answering again appends a new row)."""
        rows = list(
            self.db.table("consents").rows_where(
                "session_id = ?", [session_id], order_by="id DESC", limit=1
            )
        )
        if not rows:
            return None
        row = rows[0]
        return ConsentRow(
            bool(row["accepted"]), tuple(json.loads(row["explained"])), row["recorded_at"]
        )

    def save_triage(
        self, session_id: str, reason: str, details: str, red_flags: tuple[str, ...]
    ) -> None:
        self.db.table("triage").upsert(
            {
                "session_id": session_id,
                "reason": reason,
                "details": details,
                "red_flags": json.dumps(list(red_flags)),
                "answered_at": self._now(),
            },
            pk="session_id",
        )

    def triage(self, session_id: str) -> TriageRow | None:
        rows = list(self.db.table("triage").rows_where("session_id = ?", [session_id]))
        if not rows:
            return None
        row = rows[0]
        return TriageRow(row["reason"], row["details"], tuple(json.loads(row["red_flags"])))

    def purge_patient_data(self, session_id: str) -> None:
        """Consent refused: keep the refusal, forget who the patient was and why they came."""
        self.db.execute("DELETE FROM patients WHERE session_id = ?", [session_id])
        self.db.execute("DELETE FROM triage WHERE session_id = ?", [session_id])
        self.db.execute("DELETE FROM measurements WHERE session_id = ?", [session_id])
        self.db.execute("DELETE FROM images WHERE session_id = ?", [session_id])
        self.db.execute("DELETE FROM reports WHERE session_id = ?", [session_id])

    # -- measurements and images ---------------------------------------------------------------
    def add_measurement(
        self,
        session_id: str,
        kind: str,
        status: str,
        reading: Mapping[str, Any],
        flags: tuple[str, ...],
        device: Mapping[str, Any],
        taken_at: str,
        taken_by: int | None,
        raw: bytes = b"",
        error: Mapping[str, Any] | None = None,
    ) -> int:
        table = self.db.table("measurements")
        table.insert(
            {
                "session_id": session_id,
                "kind": kind,
                "status": status,
                "reading": json.dumps(dict(reading), sort_keys=True),
                "flags": json.dumps(list(flags)),
                "error": None if error is None else json.dumps(dict(error), sort_keys=True),
                "raw": raw.hex(),
                "device": json.dumps(dict(device), sort_keys=True),
                "taken_at": taken_at,
                "taken_by": taken_by,
            }
        )
        return _row_id(table.last_pk)

    def set_measurement_status(self, measurement_id: int, status: str) -> None:
        self.db.table("measurements").update(
            measurement_id, {"status": status, "decided_at": self._now()}
        )

    @staticmethod
    def _measurement(row: Mapping[str, Any]) -> MeasurementRow:
        return MeasurementRow(
            id=row["id"],
            session_id=row["session_id"],
            kind=row["kind"],
            status=row["status"],
            reading=json.loads(row["reading"]),
            flags=tuple(json.loads(row["flags"])),
            error=None if row["error"] is None else json.loads(row["error"]),
            raw=row["raw"],
            device=json.loads(row["device"]),
            taken_at=row["taken_at"],
            taken_by=row["taken_by"],
        )

    def measurement(self, measurement_id: int) -> MeasurementRow | None:
        rows = list(self.db.table("measurements").rows_where("id = ?", [measurement_id]))
        return self._measurement(rows[0]) if rows else None

    def measurements(self, session_id: str, status: str | None = None) -> list[MeasurementRow]:
        where, args = "session_id = ?", [session_id]
        if status is not None:
            where, args = where + " AND status = ?", [session_id, status]
        return [
            self._measurement(r)
            for r in self.db.table("measurements").rows_where(where, args, order_by="id")
        ]

    def add_image(
        self,
        session_id: str,
        site: str,
        png: bytes,
        thumbnail: bytes,
        width: int,
        height: int,
        sharpness: float,
        device: Mapping[str, Any],
        taken_at: str,
        taken_by: int | None,
    ) -> int:
        table = self.db.table("images")
        table.insert(
            {
                "session_id": session_id,
                "site": site,
                "status": "kept",
                "png": png,
                "thumbnail": thumbnail,
                "width": width,
                "height": height,
                "sharpness": sharpness,
                "device": json.dumps(dict(device), sort_keys=True),
                "taken_at": taken_at,
                "taken_by": taken_by,
            }
        )
        return _row_id(table.last_pk)

    def discard_image(self, image_id: int) -> None:
        self.db.table("images").update(image_id, {"status": "discarded"})

    def images(self, session_id: str, status: str | None = "kept") -> list[ImageRow]:
        where, args = "session_id = ?", [session_id]
        if status is not None:
            where, args = where + " AND status = ?", [session_id, status]
        return [
            ImageRow(
                id=r["id"],
                session_id=r["session_id"],
                site=r["site"],
                status=r["status"],
                thumbnail=r["thumbnail"],
                width=r["width"],
                height=r["height"],
                sharpness=r["sharpness"],
                device=json.loads(r["device"]),
                taken_at=r["taken_at"],
            )
            for r in self.db.table("images").rows_where(
                where,
                args,
                order_by="id",
                select="id, session_id, site, status, thumbnail, width, height, sharpness, "
                "device, taken_at",
            )
        ]

    def image_png(self, image_id: int) -> bytes | None:
        row = self.db.execute("SELECT png FROM images WHERE id = ?", [image_id]).fetchone()
        return None if row is None else bytes(row[0])

    def add_report(
        self,
        session_id: str,
        report: Mapping[str, Any],
        doctor: str,
        call_id: str | None,
    ) -> bool:
        """Store a doctor's report; False when this report_id was already stored (a re-send)."""
        exists = self.db.execute(
            "SELECT 1 FROM reports WHERE report_id = ?", [str(report["report_id"])]
        ).fetchone()
        if exists:
            return False
        self.db.table("reports").insert(
            {
                "session_id": session_id,
                "report_id": str(report["report_id"]),
                "call_id": call_id,
                "doctor": doctor,
                "observations": str(report.get("observations", "")),
                "conclusion": str(report.get("conclusion", "")),
                "advice": str(report.get("advice", "")),
                "prescription": json.dumps([str(line) for line in report.get("prescription", [])]),
                "orientation": str(report.get("orientation", "none")),
                "language": str(report.get("language", "fr")),
                "received_at": self._now(),
            }
        )
        return True

    def report(self, session_id: str) -> ReportRow | None:
        """The session's report (the newest, should a session ever get two)."""
        rows = list(
            self.db.table("reports").rows_where(
                "session_id = ?", [session_id], order_by="id desc", limit=1
            )
        )
        if not rows:
            return None
        r = rows[0]
        return ReportRow(
            id=r["id"],
            session_id=r["session_id"],
            report_id=r["report_id"],
            call_id=r["call_id"],
            doctor=r["doctor"],
            observations=r["observations"],
            conclusion=r["conclusion"],
            advice=r["advice"],
            prescription=tuple(json.loads(r["prescription"])),
            orientation=r["orientation"],
            language=r["language"],
            received_at=r["received_at"],
        )

    def add_device_check(
        self,
        family: str,
        ok: bool,
        summary: str,
        detail: Mapping[str, Any],
        device: Mapping[str, Any],
    ) -> int:
        table = self.db.table("device_checks")
        table.insert(
            {
                "family": family,
                "at": self._now(),
                "ok": int(ok),
                "summary": summary,
                "detail": json.dumps(dict(detail), sort_keys=True, default=str),
                "device": json.dumps(dict(device), sort_keys=True),
            }
        )
        return _row_id(table.last_pk)

    def device_checks(self, family: str | None = None) -> list[DeviceCheckRow]:
        where, args = ("family = ?", [family]) if family else (None, [])
        return [
            DeviceCheckRow(
                r["id"],
                r["family"],
                r["at"],
                bool(r["ok"]),
                r["summary"],
                json.loads(r["detail"]),
                json.loads(r["device"]),
            )
            for r in self.db.table("device_checks").rows_where(where, args, order_by="id")
        ]

    # -- technicians -----------------------------------------------------------------------------
    def add_technician(self, name: str, pin_hash: str) -> int:
        with self.atomic():
            table = self.db.table("technicians")
            table.insert(
                {"name": name, "pin_hash": pin_hash, "disabled": 0, "created_at": self._now()}
            )
            technician_id = _row_id(table.last_pk)
            self.audit("cli", "technician_added", detail={"technician_id": technician_id})
        return technician_id

    def technicians(self, include_disabled: bool = True) -> list[AssistantRow]:
        where = None if include_disabled else "disabled = 0"
        return [
            AssistantRow(r["id"], r["name"], r["pin_hash"], bool(r["disabled"]))
            for r in self.db.table("technicians").rows_where(where, order_by="name")
        ]

    def technician(self, technician_id: int) -> AssistantRow | None:
        rows = list(self.db.table("technicians").rows_where("id = ?", [technician_id]))
        if not rows:
            return None
        r = rows[0]
        return AssistantRow(r["id"], r["name"], r["pin_hash"], bool(r["disabled"]))

    def technician_by_name(self, name: str) -> AssistantRow | None:
        rows = list(self.db.table("technicians").rows_where("name = ? COLLATE NOCASE", [name]))
        if not rows:
            return None
        r = rows[0]
        return AssistantRow(r["id"], r["name"], r["pin_hash"], bool(r["disabled"]))

    def set_technician_pin(self, technician_id: int, pin_hash: str) -> None:
        with self.atomic():
            self.db.table("technicians").update(technician_id, {"pin_hash": pin_hash})
            self.audit("cli", "technician_pin_changed", detail={"technician_id": technician_id})

    def set_technician_disabled(self, technician_id: int, disabled: bool) -> None:
        with self.atomic():
            self.db.table("technicians").update(technician_id, {"disabled": int(disabled)})
            self.audit(
                "cli",
                "technician_disabled" if disabled else "technician_enabled",
                detail={"technician_id": technician_id},
            )

    def record_technician_pin_attempt(self, technician_id: int | None, ok: bool) -> None:
        now = self.clock.now()
        with self.atomic():
            self.db.table("technician_pin_attempts").insert(
                {
                    "at": now.isoformat(),
                    "at_epoch": now.timestamp(),
                    "technician_id": technician_id,
                    "ok": int(ok),
                }
            )
            self.audit(
                f"technician:{technician_id}" if technician_id else "unknown",
                "technician_sign_in" if ok else "technician_sign_in_failed",
            )

    def recent_technician_pin_attempts(self, limit: int) -> list[tuple[float, bool]]:
        """(time, ok) of the latest attempts, newest first."""
        rows = self.db.execute(
            "SELECT at_epoch, ok FROM technician_pin_attempts ORDER BY id DESC LIMIT ?", [limit]
        ).fetchall()
        return [(float(at), bool(ok)) for at, ok in rows]

    # -- device calibration and history ----------------------------------------------------------
    def set_calibration_due(self, family: str, due_date: str, by: int | None) -> None:
        self.db.table("device_calibrations").upsert(
            {"family": family, "due_date": due_date, "set_by": by, "set_at": self._now()},
            pk="family",
        )

    def calibrations(self) -> dict[str, CalibrationRow]:
        return {
            r["family"]: CalibrationRow(r["family"], r["due_date"], r["set_by"], r["set_at"])
            for r in self.db.table("device_calibrations").rows
        }

    def add_device_event(
        self,
        family: str,
        kind: str,
        code: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> int:
        table = self.db.table("device_events")
        table.insert(
            {
                "family": family,
                "at": self._now(),
                "kind": kind,
                "code": code,
                "detail": json.dumps(dict(detail or {}), sort_keys=True, default=str),
            }
        )
        return _row_id(table.last_pk)

    def device_events(self, family: str | None = None, limit: int = 200) -> list[DeviceEventRow]:
        """Newest first."""
        where, args = ("family = ?", [family]) if family else (None, [])
        return [
            DeviceEventRow(
                r["id"], r["family"], r["at"], r["kind"], r["code"], json.loads(r["detail"])
            )
            for r in self.db.table("device_events").rows_where(
                where, args, order_by="id DESC", limit=limit
            )
        ]

    # -- hygiene between patients ----------------------------------------------------------------
    def check_hygiene_item(self, session_id: str, item: str, by: int | None) -> None:
        """Confirm one item of the cleaning checklist (confirming twice keeps the first time)."""
        self.db.execute(
            "INSERT OR IGNORE INTO hygiene_checks (session_id, item, done_at, done_by) "
            "VALUES (?, ?, ?, ?)",
            [session_id, item, self._now(), by],
        )

    def hygiene_checks(self, session_id: str) -> list[HygieneRow]:
        return [
            HygieneRow(r["item"], r["done_at"], r["done_by"])
            for r in self.db.table("hygiene_checks").rows_where(
                "session_id = ?", [session_id], order_by="id"
            )
        ]

    def hygiene_log(self, limit: int = 200) -> list[tuple[str, str, str, int | None]]:
        """(session, item, done_at, done_by), newest first: what the technician reviews."""
        rows = self.db.execute(
            "SELECT session_id, item, done_at, done_by FROM hygiene_checks ORDER BY id DESC "
            "LIMIT ?",
            [limit],
        ).fetchall()
        return [(str(a), str(b), str(c), d) for a, b, c, d in rows]

    # -- records outbox ----------------------------------------------------------------------------
    _OUTBOX_COLUMNS = (
        "id, record_id, session_id, created_at, created_at_epoch, state, attempts, "
        "next_attempt_at, next_attempt_at_epoch, last_error, last_error_code, sent_at, "
        "destination, purged_at"
    )

    def _outbox_rows(self, where: str, args: list[Any], tail: str = "") -> list[OutboxRow]:
        rows = self.db.execute(
            f"SELECT {self._OUTBOX_COLUMNS} FROM outbox WHERE {where} {tail}", args
        ).fetchall()
        return [OutboxRow(*row) for row in rows]

    def ended_sessions_without_record(self) -> list[str]:
        """Sessions whose consultation is over (cleaning reached, or closed) and not queued yet.

        HYGIENE is one-way: once there, nothing more is measured or reported.
        """
        rows = self.db.execute(
            "SELECT s.id FROM sessions s LEFT JOIN outbox o ON o.session_id = s.id "
            "WHERE o.id IS NULL AND (s.state = 'HYGIENE' OR s.status = 'closed') "
            "ORDER BY s.created_at, s.rowid"
        ).fetchall()
        return [str(r[0]) for r in rows]

    def queue_record(
        self, record_id: str, session_id: str, record_json: str, destination: str
    ) -> bool:
        """Queue a record once; False when this record_id is already queued (or was sent)."""
        now = self.clock.now()
        with self.atomic():
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO outbox (record_id, session_id, created_at, "
                "created_at_epoch, state, attempts, next_attempt_at, next_attempt_at_epoch, "
                "destination, record, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?, ?)",
                [
                    record_id,
                    session_id,
                    now.isoformat(),
                    now.timestamp(),
                    now.isoformat(),
                    now.timestamp(),
                    destination,
                    record_json,
                    now.isoformat(),
                ],
            )
            queued = cursor.rowcount == 1
            if queued:
                self.audit("system", "record_queued", session_id, {"record": record_id})
        return queued

    def outbox_item(self, key: str) -> OutboxRow | None:
        """A row by record id or session id."""
        rows = self._outbox_rows("record_id = ? OR session_id = ?", [key, key])
        return rows[0] if rows else None

    def outbox_items(self, limit: int = 1000) -> list[OutboxRow]:
        """Undelivered first (oldest first), then the delivered ones (newest first)."""
        return self._outbox_rows(
            "1",
            [],
            "ORDER BY state = 'sent', CASE WHEN state = 'sent' THEN -id ELSE id END LIMIT "
            + str(int(limit)),
        )

    def outbox_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

    def outbox_due(self, now_epoch: float) -> list[OutboxRow]:
        return self._outbox_rows(
            "state = 'pending' AND COALESCE(next_attempt_at_epoch, 0) <= ?",
            [now_epoch],
            "ORDER BY next_attempt_at_epoch, id",
        )

    def outbox_next_due_epoch(self) -> float | None:
        row = self.db.execute(
            "SELECT MIN(COALESCE(next_attempt_at_epoch, 0)) FROM outbox WHERE state = 'pending'"
        ).fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def outbox_record(self, outbox_id: int) -> str | None:
        """The queued record's JSON (None once its patient data was purged)."""
        row = self.db.execute("SELECT record FROM outbox WHERE id = ?", [outbox_id]).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def outbox_mark_sending(self, outbox_id: int, destination: str) -> None:
        self.db.execute(
            "UPDATE outbox SET state = 'sending', destination = ?, updated_at = ? "
            "WHERE id = ? AND state = 'pending'",
            [destination, self._now(), outbox_id],
        )

    def outbox_mark_sent(self, outbox_id: int, destination: str) -> None:
        now = self.clock.now()
        with self.atomic():
            self.db.execute(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, "
                "sent_at_epoch = ?, next_attempt_at = NULL, next_attempt_at_epoch = NULL, "
                "last_error = NULL, last_error_code = NULL, destination = ?, updated_at = ? "
                "WHERE id = ?",
                [now.isoformat(), now.timestamp(), destination, now.isoformat(), outbox_id],
            )
            row = self._outbox_rows("id = ?", [outbox_id])[0]
            self.audit(
                "system",
                "record_sent",
                row.session_id,
                {"record": row.record_id, "attempts": row.attempts},
            )

    def outbox_mark_retry(
        self, outbox_id: int, code: str, error: str, next_epoch: float, count: bool = True
    ) -> None:
        """Back to pending, with the error and the time of the next attempt."""
        now = self._now()
        when = _iso_from_epoch(next_epoch)
        self.db.execute(
            "UPDATE outbox SET state = 'pending', attempts = attempts + ?, last_error = ?, "
            "last_error_code = ?, next_attempt_at = ?, next_attempt_at_epoch = ?, "
            "updated_at = ? WHERE id = ? AND state IN ('pending', 'sending')",
            [int(count), error, code, when, next_epoch, now, outbox_id],
        )

    def outbox_mark_failed(self, outbox_id: int, code: str, error: str) -> None:
        """Not delivered and not retried by itself (the server refused it): a person decides."""
        with self.atomic():
            self.db.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ?, "
                "last_error_code = ?, next_attempt_at = NULL, next_attempt_at_epoch = NULL, "
                "updated_at = ? WHERE id = ? AND state IN ('pending', 'sending')",
                [error, code, self._now(), outbox_id],
            )
            row = self._outbox_rows("id = ?", [outbox_id])[0]
            self.audit(
                "system",
                "record_delivery_failed",
                row.session_id,
                {"record": row.record_id, "error": code},
            )

    def outbox_note_waiting(self, code: str, error: str) -> int:
        """Say why pending records wait without an attempt (no destination configured)."""
        cursor = self.db.execute(
            "UPDATE outbox SET last_error = ?, last_error_code = ?, updated_at = ? "
            "WHERE state = 'pending' AND COALESCE(last_error_code, '') <> ?",
            [error, code, self._now(), code],
        )
        return int(cursor.rowcount)

    def outbox_reset_interrupted(self) -> int:
        """Rows left 'sending' by a crash or a stop go back to pending (resent idempotently)."""
        now = self.clock.now()
        cursor = self.db.execute(
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?, "
            "next_attempt_at_epoch = ?, last_error = 'interrupted while sending', "
            "last_error_code = 'interrupted', updated_at = ? WHERE state = 'sending'",
            [now.isoformat(), now.timestamp(), now.isoformat()],
        )
        return int(cursor.rowcount)

    def outbox_retry(self, key: str, actor: str) -> OutboxRow | None:
        """Put a failed (or waiting) record back in the queue now; None when there is nothing to
        retry (unknown, or already sent: a sent record is never sent again)."""
        row = self.outbox_item(key)
        if row is None or row.state not in ("failed", "pending"):
            return None
        now = self.clock.now()
        with self.atomic():
            self.db.execute(
                "UPDATE outbox SET state = 'pending', next_attempt_at = ?, "
                "next_attempt_at_epoch = ?, updated_at = ? WHERE id = ? "
                "AND state IN ('failed', 'pending')",
                [now.isoformat(), now.timestamp(), now.isoformat(), row.id],
            )
            self.audit(actor, "record_retry", row.session_id, {"record": row.record_id})
        return self.outbox_item(row.record_id)

    # -- retention -----------------------------------------------------------------------------
    def records_to_purge(self, sent_before_epoch: float) -> list[OutboxRow]:
        """Delivered records whose patient data is still here and whose delay has passed."""
        return self._outbox_rows(
            "state = 'sent' AND purged_at IS NULL AND sent_at_epoch <= ?",
            [sent_before_epoch],
            "ORDER BY id",
        )

    def purge_record_data(self, outbox_id: int, reason: str) -> None:
        """Forget a delivered record's patient data: the identity, triage, measurements, stills
        and report, and the queued copy. The session row, the consent answer, the outbox row and
        the audit log stay (they hold no patient identity or values)."""
        row = self._outbox_rows("id = ?", [outbox_id])[0]
        if row.state != "sent":
            raise RuntimeError("only a delivered record's patient data may be purged")
        # Deleted content is overwritten, not left in free pages (see scrub_freed_pages).
        self.db.execute("PRAGMA secure_delete = ON")
        with self.atomic():
            self.purge_patient_data(row.session_id)
            self.db.execute(
                "UPDATE outbox SET record = NULL, purged_at = ?, updated_at = ? WHERE id = ?",
                [self._now(), self._now(), outbox_id],
            )
            self.audit(
                "system",
                "patient_data_purged",
                row.session_id,
                {"record": row.record_id, "reason": reason},
            )

    def scrub_freed_pages(self) -> None:
        """After a purge: copy the WAL into the database file and empty it, so the old page
        versions that still held the purged data are gone from the disk too."""
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def undelivered_before(self, created_before_epoch: float) -> int:
        """Undelivered records older than the retention delay: their data cannot be purged."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state <> 'sent' AND created_at_epoch <= ?",
            [created_before_epoch],
        ).fetchone()
        return int(row[0])

    def roll_audit_log(self, keep_from: str) -> int:
        """Delete the audit rows older than ``keep_from`` (ISO time); returns how many."""
        with self.atomic():
            current = self.db.execute("SELECT keep_from FROM audit_rolling WHERE id = 1").fetchone()
            if current is None or not current[0] or current[0] < keep_from:
                self.db.execute(
                    "INSERT INTO audit_rolling (id, keep_from) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET keep_from = excluded.keep_from",
                    [keep_from],
                )
            cursor = self.db.execute(
                "DELETE FROM events WHERE julianday(at) < julianday(?)", [keep_from]
            )
            deleted = int(cursor.rowcount)
            if deleted:
                self.audit("system", "audit_log_rolled", detail={"deleted": deleted})
        return deleted


@dataclass(frozen=True)
class OutboxRow:
    id: int
    record_id: str
    session_id: str
    created_at: str
    created_at_epoch: float
    state: str  # pending | sending | sent | failed
    attempts: int
    next_attempt_at: str | None
    next_attempt_at_epoch: float | None
    last_error: str | None  # for people: what went wrong, in plain words
    last_error_code: str | None  # short and fixed: no_destination, http_503, timeout...
    sent_at: str | None
    destination: str
    purged_at: str | None  # when the patient data was purged after delivery


def _iso_from_epoch(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat()
