"""Printing the patient's report through CUPS, with the ``lp`` client, and the service behind the
REPORT screen's "Print" and "Show on the screen".

``print_pdf`` hands a PDF to a CUPS queue: the configured one (``[records] printer``) or the
system's default destination. The PDF goes to ``lp`` on its standard input, so no copy of the
patient's report is left in a temporary file. A queue that is stopped is refused before anything
is sent: a job waiting there would come out later, in front of whoever stands at the printer.
Failures are error codes (kiosk.errors): no ``lp``, no printer, printer refusing or unreachable,
timeout. ``lp``'s own words go to the log, never to the screen.

The job's title shows in CUPS queues and logs: it names the session by a short id, never the
patient. Nothing here logs patient data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kiosk import errors
from kiosk.records.pdf import patient_pdf
from kiosk.records.record import assemble_record
from kiosk.storage.database import DATABASE_ERRORS

if TYPE_CHECKING:
    from kiosk.config import Config
    from kiosk.services.session import SessionService

logger = logging.getLogger(__name__)

PRINT_TIMEOUT_S = 30.0  # the whole exchange with the print service
_REQUEST_ID = re.compile(r"request id is (\S+)")
_DEFAULT_DESTINATION = re.compile(r"system default destination:\s*(\S+)")
# lp's messages, read in the C locale (the environment below asks for it).
_NO_PRINTER_MESSAGES = ("no default destination", "does not exist", "invalid destination")

# The states of PrintView.status.
IDLE = "idle"
PRINTING = "printing"
PRINTED = "printed"
FAILED = "failed"


@dataclass(frozen=True)
class PrintJob:
    printer: str  # the CUPS queue that took the job
    job_id: str  # CUPS's request id: "QUEUE-N"


def job_title(session_id: str) -> str:
    """The title CUPS shows for the job: a short session id, never the patient's name."""
    return f"Compte-rendu {session_id[:8]}"


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    # lp's messages in English whatever the machine's locale: they are matched below.
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    env.pop("LANGUAGE", None)
    return env


async def _run(
    argv: list[str], deadline: float, stdin: bytes | None = None
) -> tuple[int, str, str]:
    """Run a CUPS client command; returns (exit status, stdout, stderr). Kills it at the deadline."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_environment(),
    )
    try:
        out, err = await asyncio.wait_for(
            process.communicate(stdin), timeout=max(0.0, deadline - time.monotonic())
        )
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        logger.warning("printing: %s did not answer in time", os.path.basename(argv[0]))
        raise errors.PrintTimeout("the print service did not answer in time") from None
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


async def _default_destination(lpstat: str, deadline: float) -> str | None:
    status, out, err = await _run([lpstat, "-d"], deadline)
    found = _DEFAULT_DESTINATION.search(out)
    if found is not None:
        return found.group(1)
    if status != 0:
        logger.warning("printing: lpstat -d failed (%d): %s", status, _one_line(err))
        raise errors.PrinterRefused("the print service cannot be reached", {"status": status})
    return None


async def _check_queue(lpstat: str, printer: str, deadline: float) -> None:
    """Refuse a queue that does not exist or is stopped, before anything is sent to it."""
    status, out, err = await _run([lpstat, "-p", printer], deadline)
    words = (out + " " + err).lower()
    if status != 0:
        if any(m in words for m in _NO_PRINTER_MESSAGES):
            logger.info("printing: no queue %s: %s", printer, _one_line(err))
            raise errors.NoPrinter("no such printer", {"printer": printer})
        logger.warning("printing: lpstat -p failed (%d): %s", status, _one_line(err))
        raise errors.PrinterRefused("the print service cannot be reached", {"printer": printer})
    if f"printer {printer.lower()} disabled" in words:
        logger.warning("printing: the queue %s is stopped: %s", printer, _one_line(out))
        raise errors.PrinterRefused("the printer is stopped", {"printer": printer})


async def print_pdf(
    pdf: bytes, title: str, printer: str = "", timeout_s: float = PRINT_TIMEOUT_S
) -> PrintJob:
    """Print ``pdf`` on ``printer`` ("" = the default destination); returns CUPS's job.

    Raises a kiosk.errors.PrintError: PrintingNotInstalled, NoPrinter, PrinterRefused or
    PrintTimeout.
    """
    deadline = time.monotonic() + timeout_s
    lp = shutil.which("lp")
    if lp is None:
        logger.info("printing: lp is not installed (package cups-client)")
        raise errors.PrintingNotInstalled("lp is not installed")
    lpstat = shutil.which("lpstat")  # same package; without it, lp alone decides
    if lpstat is not None:
        if not printer:
            default = await _default_destination(lpstat, deadline)
            if default is None:
                logger.info("printing: no printer configured and no default destination")
                raise errors.NoPrinter("no default destination")
            printer = default
        await _check_queue(lpstat, printer, deadline)
    argv = [lp, "-t", title, "-"]
    if printer:
        argv[1:1] = ["-d", printer]
    status, out, err = await _run(argv, deadline, stdin=pdf)
    if status != 0:
        words = err.lower()
        if any(m in words for m in _NO_PRINTER_MESSAGES):
            logger.info("printing: no printer: %s", _one_line(err))
            raise errors.NoPrinter("no printer", {"printer": printer})
        logger.warning("printing: lp refused the job (%d): %s", status, _one_line(err))
        raise errors.PrinterRefused("the printer refused the job", {"printer": printer})
    found = _REQUEST_ID.search(out)
    if found is None:
        logger.warning("printing: lp gave no request id: %s", _one_line(out + err))
        raise errors.PrinterRefused("no request id", {"printer": printer})
    job_id = found.group(1)
    queue = printer or job_id.rpartition("-")[0]
    logger.info("printing: job %s queued on %s (%d bytes)", job_id, queue, len(pdf))
    return PrintJob(queue, job_id)


# -- the service behind the REPORT screen -----------------------------------------------------------
@dataclass(frozen=True)
class PrintView:
    """What the REPORT screen shows of printing, for the session it belongs to."""

    session_id: str
    status: str = IDLE  # idle | printing | printed | failed
    printer: str = ""
    job_id: str = ""
    error: str | None = None  # a kiosk.errors code when status is failed
    pdf: bytes | None = None  # the report's PDF, while it is shown on the screen
    pdf_error: str | None = None  # why the PDF could not be made for the screen

    def __repr__(self) -> str:
        size = "none" if self.pdf is None else f"{len(self.pdf)} bytes"
        return f"PrintView(status={self.status!r}, job_id={self.job_id!r}, pdf={size})"


class ReportPrinting:
    """Prints the current session's report and makes its PDF for the screen.

    Attached to the session service (``session.printing``) by the core; its view shows in each
    snapshot (``Snapshot.printing``) and each print is audited without patient data.
    """

    def __init__(self, session: SessionService, config: Config) -> None:
        self.session = session
        self.config = config
        self._view: PrintView | None = None

    def view(self, session_id: str | None) -> PrintView | None:
        if session_id is None or self._view is None or self._view.session_id != session_id:
            return None
        return self._view

    def _set(self, view: PrintView) -> None:
        self._view = view
        self.session.publish()

    def _current(self, session_id: str) -> PrintView:
        view = self.view(session_id)
        return view if view is not None else PrintView(session_id)

    async def _build_pdf(self, session_id: str) -> bytes:
        # The record is read on the core loop (the database's thread); the PDF is drawn aside.
        record = assemble_record(self.session.repo, session_id, self.config.call.cabin)
        emergency = self.config.session.emergency_number
        return await asyncio.to_thread(patient_pdf, record, emergency_number=emergency)

    async def print_report(self) -> None:
        """The "Print" button: one job at a time; a second touch while printing does nothing."""
        session_id = self.session.current_session_id
        if session_id is None:
            return
        if self._current(session_id).status == PRINTING:
            logger.info("printing: already printing; the touch is ignored")
            return
        self.session.touch()
        self._set(_replace(self._current(session_id), status=PRINTING, error=None))
        actor = self.session.actor()
        try:
            pdf = await self._build_pdf(session_id)
            job = await print_pdf(pdf, job_title(session_id), self.config.records.printer)
        except errors.PrintError as exc:
            self._audit(actor, "report_print_failed", session_id, {"code": exc.code})
            self._set(_replace(self._current(session_id), status=FAILED, error=exc.code))
            return
        except DATABASE_ERRORS as exc:
            logger.error("printing: the record could not be read: %s", exc)
            self._set(_replace(self._current(session_id), status=FAILED, error="STORAGE_FAILED"))
            return
        except Exception:
            # Whatever it was, the screen must not say "printing..." forever.
            logger.exception("printing: the report could not be printed")
            self._audit(actor, "report_print_failed", session_id, {"code": "PRINT_FAILED"})
            self._set(_replace(self._current(session_id), status=FAILED, error="PRINT_FAILED"))
            return
        self._audit(
            actor,
            "report_printed",
            session_id,
            {"job": job.job_id, "printer": job.printer},
        )
        self._set(
            _replace(
                self._current(session_id),
                status=PRINTED,
                printer=job.printer,
                job_id=job.job_id,
                error=None,
            )
        )

    async def show_pdf(self) -> None:
        """ "Show on the screen": the report's PDF goes into the snapshot for the viewer."""
        session_id = self.session.current_session_id
        if session_id is None:
            return
        self.session.touch()
        try:
            pdf = await self._build_pdf(session_id)
        except DATABASE_ERRORS as exc:
            logger.error("printing: the record could not be read: %s", exc)
            self._set(_replace(self._current(session_id), pdf=None, pdf_error="STORAGE_FAILED"))
            return
        if self.session.current_session_id != session_id:
            return  # the session ended meanwhile: its report is not shown to anyone
        self._audit(self.session.actor(), "report_shown", session_id, {})
        self._set(_replace(self._current(session_id), pdf=pdf, pdf_error=None))

    def close_pdf(self) -> None:
        session_id = self.session.current_session_id
        view = self._view
        if view is None or view.pdf is None:
            return
        self.session.touch()
        if session_id is None or view.session_id != session_id:
            self._view = None
            return
        self._set(_replace(view, pdf=None))

    def _audit(self, actor: str, action: str, session_id: str, detail: dict[str, object]) -> None:
        try:
            self.session.repo.audit(actor, action, session_id, detail)
        except DATABASE_ERRORS as exc:
            logger.error("storage: could not audit %s: %s", action, exc)


def _replace(view: PrintView, **changes: object) -> PrintView:
    return replace(view, **changes)  # type: ignore[arg-type]


__all__ = [
    "PRINT_TIMEOUT_S",
    "PrintJob",
    "PrintView",
    "ReportPrinting",
    "job_title",
    "print_pdf",
]
