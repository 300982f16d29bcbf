"""The error tree of the core.

Errors carry a *code* (a stable key, never prose) and parameters. The UI turns codes into words in
the patient's language; logs and the command line print the code with a short English text.
"""

from __future__ import annotations

from collections.abc import Mapping


class KioskError(Exception):
    """Base of every error the core raises on purpose."""

    code = "KIOSK_ERROR"

    def __init__(self, message: str, params: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.params: dict[str, object] = dict(params or {})


class ConfigError(KioskError):
    """The configuration file or environment is wrong (names the key)."""

    code = "CONFIG_INVALID"


class StorageError(KioskError):
    """The database cannot be opened, read or written."""

    code = "STORAGE_FAILED"


class FlowError(KioskError):
    """The session flow refused an event."""

    code = "FLOW_ERROR"


class InvalidTransition(FlowError):
    """An event that the current state does not accept (a bug or a stale screen)."""

    code = "INVALID_TRANSITION"


class GuardRefused(FlowError):
    """An event the state accepts, refused by a rule (e.g. no measurement before consent)."""

    code = "GUARD_REFUSED"


class AuthError(KioskError):
    """Sign-in or assistant management failed."""

    code = "AUTH_FAILED"


class AssistantExists(AuthError):
    code = "ASSISTANT_EXISTS"


class AssistantNotFound(AuthError):
    code = "ASSISTANT_NOT_FOUND"


class TechnicianExists(AuthError):
    code = "TECHNICIAN_EXISTS"


class TechnicianNotFound(AuthError):
    code = "TECHNICIAN_NOT_FOUND"


class InvalidPin(AuthError):
    code = "PIN_FORMAT"


class PrintError(KioskError):
    """The patient's report could not be printed (kiosk.records.printing)."""

    code = "PRINT_FAILED"


class PrintingNotInstalled(PrintError):
    """No CUPS client (``lp``) on this machine."""

    code = "PRINT_NO_LP"


class NoPrinter(PrintError):
    """No printer: the configured one does not exist, or there is no default destination."""

    code = "PRINT_NO_PRINTER"


class PrinterRefused(PrintError):
    """The printer is stopped, refuses jobs, or the print service cannot be reached."""

    code = "PRINT_REFUSED"


class PrintTimeout(PrintError):
    """The print service did not answer in time."""

    code = "PRINT_TIMEOUT"


# Codes that only travel to the screen (no exception behind them).
WRONG_PIN = "WRONG_PIN"
SCREEN_LOCKED = "SCREEN_LOCKED"
DATABASE_RECOVERED = "DATABASE_RECOVERED"
SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
STORAGE_FAILED = "STORAGE_FAILED"
STORAGE_FULL = "STORAGE_FULL"  # the disk (or the database's size limit) is full: nothing was saved
BUNDLE_FAILED = "BUNDLE_FAILED"  # the support bundle could not be written
