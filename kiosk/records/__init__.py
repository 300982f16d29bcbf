"""The consultation record and its exports.

- ``kiosk.records.record``: ``assemble_record(repo, session_id, cabin_name)`` gathers a session
  into an immutable ``ConsultationRecord`` with a stable id and a JSON form.
- ``kiosk.records.fhir``: ``bundle_json(record, pdf_bytes)``, a FHIR R4 document Bundle.
- ``kiosk.records.pdf``: ``patient_pdf(record)``, the patient's A4 PDF in French.
- ``kiosk.records.outbox``: ``Outbox``, each ended session's record queued once, delivered with
  retries, and the retention of patient data and of the audit log.
- ``kiosk.records.delivery``: one delivery, to a FHIR server (conditional create) or a folder.
- ``kiosk sessions``, ``kiosk export`` and ``kiosk outbox`` are in ``kiosk.cli``.

The exports are imported from their own modules, so reading a record loads neither pydantic
(fhir.resources) nor reportlab.
"""

from kiosk.records.record import (
    ConsultationRecord,
    RecordNotFound,
    SessionSummary,
    assemble_record,
    session_summaries,
)

__all__ = [
    "ConsultationRecord",
    "RecordNotFound",
    "SessionSummary",
    "assemble_record",
    "session_summaries",
]
