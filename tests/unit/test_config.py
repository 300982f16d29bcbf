"""Tests of kiosk.config: defaults < TOML file < KIOSK_* environment < command line."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import kiosk.config
from kiosk.config import Config, SecurityConfig, SessionConfig, UiConfig, load_config
from kiosk.errors import ConfigError


@pytest.fixture(autouse=True)
def no_system_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine running the tests may have an /etc/kiosk/kiosk.toml: never read it."""
    monkeypatch.setattr(kiosk.config, "SYSTEM_CONFIG", tmp_path / "etc" / "missing.toml")


def write(tmp_path: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_error(**kwargs: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == "CONFIG_INVALID"
    return info.value


def test_defaults_need_no_file() -> None:
    config = load_config(environ={})
    assert config == Config()
    assert config.data_dir == Path("data")
    assert config.database_path == Path("data") / "kiosk.db"
    assert config.ui == UiConfig(width=1280, height=800, fullscreen=False, language="fr")
    assert config.session == SessionConfig(
        idle_timeout_s=180.0, idle_warning_s=30.0, emergency_number="15"
    )
    assert config.security == SecurityConfig(pin_max_attempts=5, pin_lockout_s=60.0)


def test_file_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        data_dir = "/var/lib/kiosk"

        [ui]
        width = 1920
        fullscreen = true
        language = "en"

        [session]
        idle_timeout_s = 120
        emergency_number = "112"

        [security]
        pin_lockout_s = 300.5
        """,
    )
    config = load_config(path, environ={})
    assert config.data_dir == Path("/var/lib/kiosk")
    assert config.database_path == Path("/var/lib/kiosk/kiosk.db")
    assert config.ui == UiConfig(width=1920, height=800, fullscreen=True, language="en")
    # A TOML integer is accepted where a number of seconds is expected, as a float.
    assert config.session.idle_timeout_s == 120.0
    assert isinstance(config.session.idle_timeout_s, float)
    assert config.session.idle_warning_s == 30.0  # not in the file: the default
    assert config.session.emergency_number == "112"
    assert config.security == SecurityConfig(pin_max_attempts=5, pin_lockout_s=300.5)


def test_system_file_is_read_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = write(tmp_path, "[ui]\nlanguage = 'en'\n", "system.toml")
    monkeypatch.setattr(kiosk.config, "SYSTEM_CONFIG", system)
    assert load_config(environ={}).ui.language == "en"


def test_kiosk_config_env_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\nheight = 600\n")
    assert load_config(environ={"KIOSK_CONFIG": str(path)}).ui.height == 600


def test_env_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[session]\nidle_timeout_s = 120\nidle_warning_s = 10\n")
    config = load_config(
        path,
        environ={
            "KIOSK_SESSION__IDLE_TIMEOUT_S": "45.5",
            "KIOSK_UI__FULLSCREEN": "yes",
            "KIOSK_DATA_DIR": "/srv/kiosk",
            "PATH": "/usr/bin",  # not ours: ignored
        },
    )
    assert config.session.idle_timeout_s == 45.5
    assert config.session.idle_warning_s == 10.0  # the file's other value in the table stays
    assert config.ui.fullscreen is True
    assert config.data_dir == Path("/srv/kiosk")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", True), ("true", True), ("ON", True), ("0", False), ("false", False), ("No", False)],
)
def test_env_booleans(text: str, expected: bool) -> None:
    assert load_config(environ={"KIOSK_UI__FULLSCREEN": text}).ui.fullscreen is expected


def test_overrides_win_over_env_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[session]\nidle_timeout_s = 120\n")
    config = load_config(
        path,
        environ={"KIOSK_SESSION__IDLE_TIMEOUT_S": "45", "KIOSK_UI__WIDTH": "1024"},
        overrides={"session": {"idle_timeout_s": 15}, "data_dir": "/tmp/cli"},
    )
    assert config.session.idle_timeout_s == 15.0
    assert config.ui.width == 1024  # the env value not overridden stays
    assert config.data_dir == Path("/tmp/cli")


def test_unknown_key_in_a_table_is_named(tmp_path: Path) -> None:
    error = config_error(path=write(tmp_path, "[ui]\ncolour = 'blue'\n"), environ={})
    assert error.params["key"] == "ui.colour"
    assert "ui.colour" in str(error)


def test_unknown_top_level_key_is_named(tmp_path: Path) -> None:
    error = config_error(path=write(tmp_path, "datadir = 'x'\n"), environ={})
    assert error.params["key"] == "datadir"


def test_unknown_env_key_is_named() -> None:
    error = config_error(environ={"KIOSK_SESSION__IDLE_TIMEOUT": "5"})
    assert error.params["key"] == "session.idle_timeout"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[ui]\nwidth = 'wide'\n", "ui.width"),
        ("[ui]\nwidth = 12.5\n", "ui.width"),
        ("[ui]\nwidth = true\n", "ui.width"),
        ("[ui]\nfullscreen = 1\n", "ui.fullscreen"),
        ("[session]\nidle_timeout_s = 'soon'\n", "session.idle_timeout_s"),
        ("[session]\nidle_timeout_s = true\n", "session.idle_timeout_s"),
        ("[session]\nemergency_number = 15\n", "session.emergency_number"),
        ("data_dir = 3\n", "data_dir"),
        ("ui = 3\n", "ui"),
    ],
)
def test_wrong_type_names_the_key(tmp_path: Path, toml: str, key: str) -> None:
    error = config_error(path=write(tmp_path, toml), environ={})
    assert error.params["key"] == key
    assert key in str(error)


def test_wrong_type_from_env_names_the_key() -> None:
    error = config_error(environ={"KIOSK_SECURITY__PIN_MAX_ATTEMPTS": "five"})
    assert error.params["key"] == "security.pin_max_attempts"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[ui]\nlanguage = 'de'\n", "ui.language"),
        ("[session]\nidle_timeout_s = 0\n", "session.idle_timeout_s"),
        ("[security]\npin_max_attempts = 0\n", "security.pin_max_attempts"),
        # Not a number of seconds: the idle timeout would never fire and patient data would
        # stay on screen.
        ("[session]\nidle_timeout_s = nan\n", "session.idle_timeout_s"),
        ("[session]\nidle_timeout_s = inf\n", "session.idle_timeout_s"),
    ],
)
def test_out_of_range_values_name_the_key(tmp_path: Path, toml: str, key: str) -> None:
    error = config_error(path=write(tmp_path, toml), environ={})
    assert error.params["key"] == key


def test_nan_from_env_is_refused() -> None:
    error = config_error(environ={"KIOSK_SESSION__IDLE_WARNING_S": "nan"})
    assert error.params["key"] == "session.idle_warning_s"


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui\nwidth = \n")
    error = config_error(path=path, environ={})
    assert error.params["path"] == str(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    error = config_error(path=path, environ={})
    assert error.params["path"] == str(path)


def test_missing_file_named_by_env_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    error = config_error(environ={"KIOSK_CONFIG": str(path)})
    assert error.params["path"] == str(path)


def test_config_is_frozen() -> None:
    config = load_config(environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.data_dir = Path("/elsewhere")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.session.idle_timeout_s = 1.0  # type: ignore[misc]
