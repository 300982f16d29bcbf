"""The message envelope of docs/signaling.md, shared by the portal, the cabin and the tests.

Pure: no I/O. ``parse`` turns one received text into a checked dict or raises ``ProtocolError``
with the code the other side must get back; ``message`` builds one to send.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
MAX_ID_CHARS = 64

# Error codes (docs/signaling.md section 1).
MALFORMED = "malformed"
TOO_LARGE = "too_large"
BAD_VERSION = "bad_version"
UNKNOWN_TYPE = "unknown_type"
OUT_OF_ORDER = "out_of_order"
NOT_AUTHENTICATED = "not_authenticated"
AUTH_FAILED = "auth_failed"
CABIN_REVOKED = "cabin_revoked"
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"
ALREADY_TAKEN = "already_taken"
TOKEN_USED = "token_used"
TOKEN_EXPIRED = "token_expired"
RATE_LIMITED = "rate_limited"

_STR = (str,)
_INT = (int,)
_NUM = (int, float)
_OPT_STR = (str, type(None))
_OPT_INT = (int, type(None))
_LIST = (list,)
_OBJ = (dict,)
_BOOL = (bool,)

# Required fields of each message type, by channel and direction. Optional fields are checked by
# the code that reads them.
CABIN_TO_PORTAL: dict[str, dict[str, tuple[type, ...]]] = {
    "hello": {"cabin": _STR, "secret": _STR},
    "call.request": {
        "reason": _STR,
        "age": _OPT_INT,
        "treating_doctor": _OPT_STR,
        "resume": _OPT_STR,
    },
    "call.cancel": {"call_id": _STR},
    "sdp.offer": {"call_id": _STR, "generation": _INT, "sdp": _STR},
    "call.end": {"call_id": _STR, "reason": _STR},
}
DOCTOR_TO_PORTAL: dict[str, dict[str, tuple[type, ...]]] = {
    "call.pick": {"call_id": _STR},
    "call.join": {"call_id": _STR, "join_token": _STR},
    "sdp.answer": {"call_id": _STR, "generation": _INT, "sdp": _STR},
    "call.end": {"call_id": _STR},
}
PORTAL_TO_CABIN: dict[str, dict[str, tuple[type, ...]]] = {
    "welcome": {"cabin": _STR, "territory": _STR},
    "call.queued": {"call_id": _STR, "position": _INT, "estimated_wait_s": _NUM},
    "call.joined": {"call_id": _STR, "doctor": _OBJ},
    "sdp.answer": {"call_id": _STR, "generation": _INT, "sdp": _STR},
    "doctor.left": {"call_id": _STR, "reason": _STR},
    "call.resumed": {"call_id": _STR, "state": _STR},
    "error": {"code": _STR},
}
# The data channel (section 5).
CABIN_TO_DOCTOR: dict[str, dict[str, tuple[type, ...]]] = {
    "heartbeat": {"t_ms": _INT},
    "ack": {"seq": _INT},
    "session": {"seq": _INT, "patient": _OBJ},
    "measurement": {"seq": _INT, "measurement_id": _STR, "kind": _STR, "status": _STR},
    "progress": {"kind": _STR},
    "still.begin": {"seq": _INT, "still_id": _STR, "chunks": _INT},
    "still.chunk": {"still_id": _STR, "index": _INT, "data": _STR},
    "still.end": {"still_id": _STR},
    "request.status": {"seq": _INT, "request_id": _STR, "status": _STR},
    "report.received": {"report_id": _STR},
    "otoscope": {"active": _BOOL},
    "devices": {"unavailable": _OBJ},
}
DOCTOR_TO_CABIN: dict[str, dict[str, tuple[type, ...]]] = {
    "heartbeat": {"t_ms": _INT},
    "ack": {"seq": _INT},
    "request": {"seq": _INT, "request_id": _STR, "action": _STR},
    "report": {
        "seq": _INT,
        "report_id": _STR,
        "observations": _STR,
        "conclusion": _STR,
        "advice": _STR,
        "prescription": _LIST,
        "orientation": _STR,
    },
}

REQUEST_ACTIONS = ("take_bp", "take_temperature", "take_spo2", "show_otoscope")
ORIENTATIONS = ("none", "treating_physician", "specialist", "emergency")


class ProtocolError(Exception):
    """A message the receiver refuses; ``code`` goes back in an ``error`` message."""

    def __init__(self, code: str, message: str, re: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.re = re


def parse(
    text: str | bytes,
    accepted: Mapping[str, Mapping[str, tuple[type, ...]]],
) -> dict[str, Any]:
    """Check one received message against the envelope and the types ``accepted`` lists."""
    if isinstance(text, bytes):
        size = len(text)
    else:
        # The limit is on UTF-8 bytes; a str of N characters is at most 4N bytes.
        size = len(text) if len(text) * 4 <= MAX_MESSAGE_BYTES else len(text.encode("utf-8"))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(TOO_LARGE, f"message of {size} bytes, the limit is {MAX_MESSAGE_BYTES}")
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(MALFORMED, "not JSON") from exc
    if not isinstance(data, dict):
        raise ProtocolError(MALFORMED, "not a JSON object")
    ref = data.get("id")
    re = ref if isinstance(ref, str) and len(ref) <= MAX_ID_CHARS else None
    if ref is not None and re is None:
        raise ProtocolError(MALFORMED, "id must be a string of at most 64 characters")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(MALFORMED, "type is missing", re)
    version = data.get("v")
    if version != VERSION or isinstance(version, bool):
        raise ProtocolError(BAD_VERSION, f"protocol version {version!r}, expected {VERSION}", re)
    fields = accepted.get(kind)
    if fields is None:
        raise ProtocolError(UNKNOWN_TYPE, f"unknown message type {kind!r}", re)
    for name, types in fields.items():
        value = data.get(name)
        if name not in data and type(None) not in types:
            raise ProtocolError(MALFORMED, f"{kind}: field {name!r} is missing", re)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise ProtocolError(MALFORMED, f"{kind}: field {name!r} has the wrong type", re)
    return data


def message(msg_type: str, /, re: str | None = None, **fields: Any) -> str:
    """One message as JSON text, with the envelope's ``type`` and ``v``."""
    body: dict[str, Any] = {"type": msg_type, "v": VERSION}
    if re is not None:
        body["re"] = re
    body.update(fields)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def error(code: str, text: str, re: str | None = None) -> str:
    return message("error", re=re, code=code, message=text)


__all__ = [
    "CABIN_TO_DOCTOR",
    "CABIN_TO_PORTAL",
    "DOCTOR_TO_CABIN",
    "DOCTOR_TO_PORTAL",
    "MAX_MESSAGE_BYTES",
    "ORIENTATIONS",
    "PORTAL_TO_CABIN",
    "REQUEST_ACTIONS",
    "VERSION",
    "ProtocolError",
    "error",
    "message",
    "parse",
]
