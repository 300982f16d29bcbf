"""Typed, frozen settings: defaults < TOML file < ``KIOSK_*`` environment < command line.

The file comes from ``--config``, else ``KIOSK_CONFIG``, else ``/etc/kiosk/kiosk.toml`` when it
exists. No file at all is fine: every setting has a default. Unknown keys and wrong types are errors
that name the key, so a typo in a cabin's config never goes unnoticed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import tomllib
import typing
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError

SYSTEM_CONFIG = Path("/etc/kiosk/kiosk.toml")


@dataclasses.dataclass(frozen=True)
class UiConfig:
    width: int = 1280
    height: int = 800
    fullscreen: bool = False
    language: str = "fr"  # "fr" or "en": the language screens open in
    physical_keyboard: bool = False  # true (development only): a plugged-in keyboard types anywhere


@dataclasses.dataclass(frozen=True)
class SessionConfig:
    idle_timeout_s: float = 180.0  # idle time on a patient screen before the warning
    idle_warning_s: float = 30.0  # countdown shown before the session is parked
    emergency_number: str = "15"  # SAMU; 112 is always shown beside it


@dataclasses.dataclass(frozen=True)
class SecurityConfig:
    pin_max_attempts: int = 5
    pin_lockout_s: float = 60.0


@dataclasses.dataclass(frozen=True)
class DevicesConfig:
    """Where each device is. An empty value means "not installed in this cabin".

    Serial devices take a URL (a tty path, ``socket://127.0.0.1:7001``, ``spy://...``); the
    defaults are the stable names the packaged udev rules create. Cameras take a source: a device
    path, or ``synthetic:otoscope`` / ``synthetic:room`` for a drawn picture.
    """

    bp: str = "/dev/kiosk/bp"
    thermometer: str = "/dev/kiosk/thermometer"
    oximeter: str = "/dev/kiosk/oximeter"
    oximeter_format: int = 7  # Nonin serial data format: 7, 2 or 8
    otoscope: str = "/dev/kiosk/otoscope"
    room_camera: str = "/dev/kiosk/room-camera"
    # Demonstrations and tests: every serial device is a simulator on a pseudo-terminal and the
    # cameras are synthetic. Scenarios look like "bp=motion thermometer=fever".
    simulate: bool = False
    simulation_speed: float = 1.0
    simulation_scenarios: str = ""


@dataclasses.dataclass(frozen=True)
class CallConfig:
    """How the cabin reaches the doctor portal (docs/signaling.md).

    The secret is printed once by ``kiosk cabin add``; keep this file readable by the kiosk only.
    """

    portal_url: str = ""  # http(s)://host:port of the portal; empty: no doctor can be called
    cabin: str = ""  # the cabin's name at the portal
    cabin_secret: str = ""
    # Space-separated stun:, turn: or turns: URLs (turns:turn.example.fr:443?transport=tcp).
    # None on loopback tests (../shared/traps.md).
    ice_servers: str = ""
    turn_username: str = ""  # static TURN credentials...
    turn_password: str = ""
    turn_secret: str = ""  # ...or coturn's use-auth-secret, for time-limited credentials
    turn_ttl_s: float = 3600.0
    # "synthetic" (a tone, for demonstrations and tests), "alsa:DEVICE" or "pulse:DEVICE";
    # empty: synthetic when the devices are simulated, else alsa:default.
    microphone: str = ""
    # Where the doctor's voice is played: "alsa:DEVICE" ("alsa:null" discards it); empty: nowhere
    # when the devices are simulated (the level is only measured), else alsa:default.
    speaker: str = ""
    heartbeat_s: float = 1.0
    lost_after_s: float = 5.0  # no heartbeat for this long: the connection is lost
    otoscope_bitrate: int = 2_500_000  # bit/s; fine detail needs 2 Mbit/s or more
    # Media only on 127.0.0.1 (a demonstration with the portal and the browser on this machine,
    # and the tests): ICE otherwise leaves the loopback interface out.
    loopback_only: bool = False


@dataclasses.dataclass(frozen=True)
class PortalConfig:
    """The doctor portal (``kiosk portal``). Binds the loopback interface unless told otherwise."""

    host: str = "127.0.0.1"
    port: int = 8765
    tls_cert: str = ""  # PEM files; with both set the portal serves https and wss only
    tls_key: str = ""
    login_max_attempts: int = 5
    login_lockout_s: float = 300.0
    web_session_ttl_s: float = 12 * 3600.0
    join_token_ttl_s: float = 60.0
    average_consultation_s: float = 600.0  # for the wait the assistant is shown


@dataclasses.dataclass(frozen=True)
class RecordsConfig:
    """Where consultation records go (kiosk.records.outbox), and how long patient data stays.

    ``endpoint``: "" (records stay queued, "no destination configured"), a FHIR server's base URL
    (``https://fhir.example.fr/fhir``: each record is POSTed to ``<base>/Bundle``), or a folder
    for a secure-messaging gateway (``file:///var/spool/kiosk-outbox``). Plain ``http://`` is
    accepted on the loopback interface only. The bearer token lives in ``token_file`` (a file only
    the kiosk reads, mode 600), never here.
    """

    endpoint: str = ""
    token_file: str = ""  # empty: no Authorization header
    timeout_s: float = 30.0  # one delivery attempt, connection to answer
    retry_backoff_s: float = 30.0  # first wait after a failed attempt, doubled each time...
    retry_backoff_max_s: float = 3600.0  # ...up to this
    retention_days: float = 7.0  # patient data stays this long after its record was delivered
    audit_keep_days: float = 183.0  # the audit log keeps six months, rolling
    printer: str = ""  # the CUPS queue of the patient's report; "" = the system's default


@dataclasses.dataclass(frozen=True)
class StorageConfig:
    """Where the key of the kiosk database comes from (SQLCipher; never from this file).

    The database is always encrypted. The key (32 random bytes as 64 hexadecimal characters) is
    read from the systemd credential ``db-key`` when the service has one
    (``LoadCredential=db-key:/etc/kiosk/db.key``), else from ``key_file``, which must be readable
    by its owner only. With neither, ``data_dir_key`` decides: true (demonstrations, development,
    tests) uses ``DATA_DIR/db.key``, created on first start; false (a cabin) refuses to start.
    """

    key_file: Path = Path("/etc/kiosk/db.key")
    data_dir_key: bool = True


@dataclasses.dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data")
    ui: UiConfig = UiConfig()
    session: SessionConfig = SessionConfig()
    security: SecurityConfig = SecurityConfig()
    devices: DevicesConfig = DevicesConfig()
    call: CallConfig = CallConfig()
    portal: PortalConfig = PortalConfig()
    storage: StorageConfig = StorageConfig()
    records: RecordsConfig = RecordsConfig()

    @property
    def database_path(self) -> Path:
        return self.data_dir / "kiosk.db"

    @property
    def portal_database_path(self) -> Path:
        return self.data_dir / "portal.db"

    @property
    def microphone(self) -> str:
        """The microphone in use: ``call.microphone``, else a tone when simulated, else ALSA's."""
        if self.call.microphone:
            return self.call.microphone
        return "synthetic" if self.devices.simulate else "alsa:default"

    @property
    def speaker(self) -> str:
        """Where the doctor's voice plays: ``call.speaker``, else nowhere when simulated."""
        if self.call.speaker:
            return self.call.speaker
        return "" if self.devices.simulate else "alsa:default"


def _check_value(key: str, value: object, annotation: Any) -> object:
    """Return ``value`` converted to the field's type, or raise ConfigError naming ``key``."""
    if annotation is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {
            "1",
            "true",
            "yes",
            "on",
            "0",
            "false",
            "no",
            "off",
        }:
            return value.lower() in {"1", "true", "yes", "on"}
        raise ConfigError(f"{key}: expected true or false, got {value!r}", {"key": key})
    if annotation is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
        raise ConfigError(f"{key}: expected a whole number, got {value!r}", {"key": key})
    if annotation is float:
        number: float | None = None
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                number = float(value)
        # nan and inf parse as floats but are no setting: an idle timeout of nan never fires.
        if number is not None and math.isfinite(number):
            return number
        raise ConfigError(f"{key}: expected a number, got {value!r}", {"key": key})
    if annotation is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{key}: expected text, got {value!r}", {"key": key})
    if annotation is Path:
        if isinstance(value, str | Path):
            return Path(value)
        raise ConfigError(f"{key}: expected a path, got {value!r}", {"key": key})
    raise ConfigError(f"{key}: unsupported setting type", {"key": key})  # pragma: no cover


def _build(cls: type[Any], data: Mapping[str, object], prefix: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            raise ConfigError(f"unknown setting '{prefix}{key}'", {"key": f"{prefix}{key}"})
    values: dict[str, object] = {}
    for key, value in data.items():
        annotation = hints[key]
        full = f"{prefix}{key}"
        if dataclasses.is_dataclass(annotation):
            if not isinstance(value, Mapping):
                raise ConfigError(f"{full}: expected a [{full}] table", {"key": full})
            values[key] = _build(typing.cast(type[Any], annotation), value, f"{full}.")
        else:
            values[key] = _check_value(full, value, annotation)
    config = cls(**values)
    _validate(config, prefix)
    return config


def _validate(config: object, prefix: str) -> None:
    if isinstance(config, UiConfig) and config.language not in {"fr", "en"}:
        raise ConfigError(f"{prefix}language: expected 'fr' or 'en'", {"key": f"{prefix}language"})
    if isinstance(config, SessionConfig) and (
        config.idle_timeout_s <= 0 or config.idle_warning_s < 0
    ):
        raise ConfigError(
            f"{prefix}idle_timeout_s: must be positive", {"key": f"{prefix}idle_timeout_s"}
        )
    if isinstance(config, DevicesConfig):
        if config.oximeter_format not in (2, 7, 8):
            raise ConfigError(
                f"{prefix}oximeter_format: expected 7, 2 or 8", {"key": f"{prefix}oximeter_format"}
            )
        if config.simulation_speed <= 0:
            raise ConfigError(
                f"{prefix}simulation_speed: must be positive", {"key": f"{prefix}simulation_speed"}
            )
        for item in config.simulation_scenarios.split():
            family, sep, scenario = item.partition("=")
            if not sep or family not in ("bp", "thermometer", "oximeter") or not scenario:
                raise ConfigError(
                    f"{prefix}simulation_scenarios: expected 'bp=NAME thermometer=NAME "
                    f"oximeter=NAME', got {item!r}",
                    {"key": f"{prefix}simulation_scenarios"},
                )
    if isinstance(config, RecordsConfig):
        _validate_records(config, prefix)
    if isinstance(config, SecurityConfig) and config.pin_lockout_s < 0:
        raise ConfigError(
            f"{prefix}pin_lockout_s: must not be negative", {"key": f"{prefix}pin_lockout_s"}
        )
    if isinstance(config, SecurityConfig) and config.pin_max_attempts < 1:
        raise ConfigError(
            f"{prefix}pin_max_attempts: must be at least 1", {"key": f"{prefix}pin_max_attempts"}
        )


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _validate_records(config: RecordsConfig, prefix: str) -> None:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{prefix}{key}: {message}", {"key": f"{prefix}{key}"})

    if config.endpoint:
        url = urllib.parse.urlsplit(config.endpoint)
        if url.scheme == "file":
            if url.netloc not in ("", "localhost") or not url.path.startswith("/"):
                raise fail("endpoint", "a folder is written as file:///absolute/path")
        elif url.scheme in ("https", "http"):
            if not url.hostname:
                raise fail("endpoint", f"no host in {config.endpoint!r}")
            if url.username or url.password:
                raise fail("endpoint", "no credentials in the URL: put the token in token_file")
            if url.query or url.fragment:
                raise fail("endpoint", "expected the FHIR server's base URL, without ? or #")
            if url.scheme == "http" and url.hostname not in _LOOPBACK_HOSTS:
                raise fail("endpoint", "patient records go over https only")
        else:
            raise fail("endpoint", "expected https://..., file:///... or nothing")
    for key in ("timeout_s", "retry_backoff_s", "audit_keep_days"):
        if getattr(config, key) <= 0:
            raise fail(key, "must be positive")
    if config.retry_backoff_max_s < config.retry_backoff_s:
        raise fail("retry_backoff_max_s", "must not be less than retry_backoff_s")
    if config.retention_days < 0:
        raise fail("retention_days", "must not be negative")


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """``KIOSK_DATA_DIR``, ``KIOSK_UI__FULLSCREEN``, ``KIOSK_SESSION__IDLE_TIMEOUT_S``..."""
    out: dict[str, Any] = {}
    for name, value in environ.items():
        if not name.startswith("KIOSK_") or name == "KIOSK_CONFIG":
            continue
        path = name[len("KIOSK_") :].lower().split("__")
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(
                    f"{name}: '{part}' is a table of settings, not a value", {"key": name}
                )
        if isinstance(node.get(path[-1]), dict):
            raise ConfigError(
                f"{name}: '{path[-1]}' is a table of settings, not a value", {"key": name}
            )
        node[path[-1]] = value
    return out


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}", {"path": str(path)}) from exc
    except PermissionError as exc:
        raise ConfigError(f"config file not readable: {path}", {"path": str(path)}) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not valid TOML: {exc}", {"path": str(path)}
        ) from exc


def load_config(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the settings. ``overrides`` holds command-line values, as nested tables."""
    env = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is None and env.get("KIOSK_CONFIG"):
        path = Path(env["KIOSK_CONFIG"])
    if path is None and SYSTEM_CONFIG.is_file():
        path = SYSTEM_CONFIG
    if path is not None:
        data = _read_file(path)
    data = _merge(data, _env_overrides(env))
    if overrides:
        data = _merge(data, overrides)
    return typing.cast(Config, _build(Config, data, ""))


__all__ = [
    "CallConfig",
    "Config",
    "DevicesConfig",
    "PortalConfig",
    "RecordsConfig",
    "SecurityConfig",
    "SessionConfig",
    "StorageConfig",
    "UiConfig",
    "load_config",
]
