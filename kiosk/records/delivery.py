"""Delivering one consultation record: to a FHIR server, or into a folder.

- A FHIR server: the document Bundle is POSTed to ``<base>/Bundle`` as ``application/fhir+json``
  with ``Authorization: Bearer <token>`` and a conditional create, ``If-None-Exist:
  identifier=<system>|urn:uuid:<record_id>`` (the Bundle's own identifier). A resend after an
  answer we never saw (a timeout, a cut connection) then finds the first copy and creates nothing.
  (POST to the bare base URL would ask for a transaction or batch, which a document Bundle is not,
  and a conditional create only exists on a resource type's endpoint.)
- A folder (a secure-messaging gateway's spool): ``<record_id>.json`` (the Bundle) and
  ``<record_id>.pdf``, each written under a hidden temporary name, flushed to disk and renamed,
  the PDF first: a gateway that picks up ``*.json`` always finds the PDF beside it.

Every attempt ends in an :class:`Outcome`: sent, retry later (the network, the server's own
trouble: 5xx, 408, 429), or failed (the server refused this record: another 4xx; retrying the same
bytes would get the same answer). Nothing here logs a response body: a server may echo patient
data in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import stat
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import aiohttp

from kiosk.records.record import ConsultationRecord

# The Bundle's identifier system (kiosk.records.fhir: a urn:uuid value is an RFC 3986 URI).
IDENTIFIER_SYSTEM = "urn:ietf:rfc:3986"
FHIR_JSON = "application/fhir+json"
REASON_MAX = 300  # characters of a server's explanation kept with the record
BODY_MAX = 65536  # bytes of an error answer read to find that explanation
# 4xx answers that say "not now" rather than "not this": retried like a 5xx.
TRANSIENT_4XX = frozenset({408, 425, 429})

Kind = Literal["sent", "retry", "failed"]


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    code: str  # short and fixed, safe for support bundles: http_201, timeout, refused...
    message: str  # for the assistant and the technician


@dataclass(frozen=True, repr=False)
class Payload:
    """What leaves the cabin for one record (patient data: never logged)."""

    record_id: str
    bundle: bytes  # the FHIR document Bundle, JSON
    pdf: bytes  # the patient's PDF (also inside the Bundle)

    def __repr__(self) -> str:
        return f"Payload(record_id={self.record_id!r})"


def build_payload(record: ConsultationRecord, emergency_number: str) -> Payload:
    """The Bundle and the PDF (CPU-bound: run it in an executor thread)."""
    # Loaded here: reportlab and the FHIR models take a moment, and only delivery needs them.
    from kiosk.records.fhir import bundle_json
    from kiosk.records.pdf import patient_pdf

    pdf = patient_pdf(record, emergency_number=emergency_number)
    bundle = bundle_json(record, pdf, emergency_number=emergency_number)
    return Payload(record.record_id, bundle.encode("utf-8"), pdf)


def if_none_exist(record_id: str) -> str:
    """The conditional-create search that finds this record's Bundle on the server."""
    return urllib.parse.urlencode({"identifier": f"{IDENTIFIER_SYSTEM}|urn:uuid:{record_id}"})


def bundle_url(base: str) -> str:
    return base.rstrip("/") + "/Bundle"


def folder_of(endpoint: str) -> Path | None:
    """The folder of a ``file://`` endpoint, else None."""
    url = urllib.parse.urlsplit(endpoint)
    if url.scheme != "file":
        return None
    return Path(urllib.parse.unquote(url.path))


class TokenError(Exception):
    """The bearer token cannot be used (missing, empty, or readable by others)."""


def read_token(path: Path) -> str:
    """The token from its file. The file must be readable by its owner only."""
    try:
        info = path.stat()
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise TokenError(
                f"the token file {path} must be readable by the kiosk only (chmod 600)"
            )
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise TokenError(f"the token file {path} does not exist") from None
    except PermissionError:
        raise TokenError(f"the token file {path} cannot be read by the kiosk") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenError(f"the token file {path} cannot be read ({exc})") from None
    if not token or any(ch.isspace() for ch in token):
        raise TokenError(f"the token file {path} must hold one token on one line")
    return token


def _outcome_issue_text(data: Any) -> str:
    """The explanation of a FHIR OperationOutcome, if the answer is one."""
    if not isinstance(data, dict) or data.get("resourceType") != "OperationOutcome":
        return ""
    parts: list[str] = []
    for issue in data.get("issue") or []:
        if not isinstance(issue, dict):
            continue
        details = issue.get("details")
        text = issue.get("diagnostics") or (
            details.get("text") if isinstance(details, dict) else None
        )
        code = issue.get("code")
        if text or code:
            parts.append(f"{code}: {text}" if code and text else str(text or code))
    return "; ".join(parts)


async def _reason(response: aiohttp.ClientResponse) -> str:
    """``HTTP 400 Bad Request: <the server's explanation>``, shortened."""
    head = f"HTTP {response.status} {response.reason or ''}".rstrip()
    explanation = ""
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
        body = await response.content.read(BODY_MAX)
        with contextlib.suppress(ValueError):
            explanation = _outcome_issue_text(json.loads(body.decode("utf-8", "replace")))
    explanation = " ".join(explanation.split())
    text = f"{head}: {explanation}" if explanation else head
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


async def post_bundle(
    http: aiohttp.ClientSession,
    base: str,
    payload: Payload,
    token: str | None,
    timeout_s: float,
) -> Outcome:
    """One attempt to create the record's Bundle on a FHIR server."""
    headers = {
        "Content-Type": f"{FHIR_JSON}; charset=utf-8",
        "Accept": FHIR_JSON,
        "If-None-Exist": if_none_exist(payload.record_id),
    }
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    try:
        async with http.post(
            bundle_url(base),
            data=payload.bundle,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            allow_redirects=False,
        ) as response:
            status = response.status
            if 200 <= status < 300:
                # 201: created; 200: the conditional create found the copy sent before.
                return Outcome("sent", f"http_{status}", f"HTTP {status} {response.reason or ''}")
            reason = await _reason(response)
            if status >= 500 or status in TRANSIENT_4XX:
                return Outcome("retry", f"http_{status}", reason)
            if 300 <= status < 400:
                return Outcome(
                    "failed",
                    f"http_{status}",
                    f"{reason} (the endpoint redirects: check records.endpoint)",
                )
            return Outcome("failed", f"http_{status}", reason)
    except TimeoutError:
        return Outcome("retry", "timeout", f"no answer within {timeout_s:g} s")
    except aiohttp.ClientConnectorError as exc:
        return Outcome("retry", "unreachable", f"cannot connect to the server ({exc.os_error})")
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError):
        return Outcome("retry", "connection_closed", "the connection closed during the upload")
    except aiohttp.ClientError as exc:
        return Outcome("retry", "network", f"network error ({type(exc).__name__})")


def _write_atomically(folder: Path, name: str, data: bytes) -> None:
    final = folder / name
    partial = folder / f".{name}.partial"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise


def write_to_folder(folder: Path, payload: Payload) -> Outcome:
    """Write the record into the gateway's folder (blocking: run it in an executor thread).

    Files are group-readable (0640): the gateway reads them through the folder's group. Writing
    the same record again replaces its files with the same content.
    """
    try:
        if not folder.is_dir():
            return Outcome("retry", "folder_missing", f"the folder {folder} does not exist")
        _write_atomically(folder, f"{payload.record_id}.pdf", payload.pdf)
        _write_atomically(folder, f"{payload.record_id}.json", payload.bundle)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the renames themselves reach the disk
        finally:
            os.close(dir_fd)
    except OSError as exc:
        return Outcome(
            "retry", "folder_error", f"cannot write into {folder} ({exc.strerror or exc})"
        )
    return Outcome("sent", "written", f"written into {folder}")


async def deliver(
    endpoint: str,
    payload: Payload,
    token_file: str,
    timeout_s: float,
    http: aiohttp.ClientSession | None,
) -> Outcome:
    """One attempt, to whichever kind of endpoint is configured."""
    folder = folder_of(endpoint)
    if folder is not None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, write_to_folder, folder, payload)
    token: str | None = None
    if token_file:
        try:
            token = read_token(Path(token_file))
        except TokenError as exc:
            return Outcome("retry", "token_unusable", str(exc))
    if http is None:
        raise RuntimeError("an HTTP endpoint needs a client session")
    return await post_bundle(http, endpoint, payload, token, timeout_s)


__all__ = [
    "IDENTIFIER_SYSTEM",
    "Outcome",
    "Payload",
    "TokenError",
    "build_payload",
    "bundle_url",
    "deliver",
    "folder_of",
    "if_none_exist",
    "post_bundle",
    "read_token",
    "write_to_folder",
]
