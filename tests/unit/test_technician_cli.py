"""``kiosk technician`` and ``kiosk support-bundle`` as a technician types them (real processes)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from tests.support.kiosk_db import connect_kiosk_db
from tests.unit.test_cli import assert_one_line_error, kiosk


def test_technician_add_list_disable_enable(tmp_path: Path) -> None:
    added = kiosk(tmp_path, "technician", "add", "Marc Petit", stdin="8642\n8642\n")
    assert added.returncode == 0, added.stderr
    assert "technician 'Marc Petit' added" in added.stdout
    assert kiosk(tmp_path, "technician", "list").stdout == "Marc Petit\tactive\n"
    # Technicians are not assistants.
    assert kiosk(tmp_path, "assistant", "list").stdout == ""
    again = kiosk(tmp_path, "technician", "add", "marc petit", stdin="1111\n1111\n")
    assert "already exists" in assert_one_line_error(again)
    assert kiosk(tmp_path, "technician", "disable", "Marc Petit").returncode == 0
    assert kiosk(tmp_path, "technician", "list").stdout == "Marc Petit\tdisabled\n"
    assert kiosk(tmp_path, "technician", "enable", "marc petit").returncode == 0
    assert kiosk(tmp_path, "technician", "list").stdout == "Marc Petit\tactive\n"
    missing = kiosk(tmp_path, "technician", "disable", "Nobody")
    assert "no technician named 'Nobody'" in assert_one_line_error(missing)
    conn = connect_kiosk_db(tmp_path / "kiosk.db")
    try:
        (pin_hash,) = conn.execute("SELECT pin_hash FROM technicians").fetchone()
        actions = [a for (a,) in conn.execute("SELECT action FROM events ORDER BY id")]
    finally:
        conn.close()
    assert "8642" not in pin_hash and pin_hash.startswith("scrypt$")
    assert actions.count("technician_added") == 1
    assert "technician_disabled" in actions and "technician_enabled" in actions


def test_technician_pins_must_match_and_be_digits(tmp_path: Path) -> None:
    differ = kiosk(tmp_path, "technician", "add", "Marc", stdin="8642\n8643\n")
    assert "differ" in assert_one_line_error(differ)
    letters = kiosk(tmp_path, "technician", "add", "Marc", stdin="abcd\nabcd\n")
    assert_one_line_error(letters)
    assert kiosk(tmp_path, "technician", "list").stdout == ""


def test_support_bundle_command(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[devices]\nbp = "socket://127.0.0.1:9"\n[security]\npin_lockout_s = 30\n')
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "kiosk.log").write_text(
        "".join(f"line {i}\n" for i in range(3000)), encoding="utf-8"
    )
    target = tmp_path / "out" / "bundle.zip"
    done = kiosk(tmp_path, "support-bundle", str(target), config=config)
    assert done.returncode == 0, done.stderr
    assert str(target) in done.stdout
    with zipfile.ZipFile(target) as bundle:
        settings = json.loads(bundle.read("config.json"))
        log = bundle.read("logs/kiosk.log").decode().splitlines()
        panel = json.loads(bundle.read("device_panel.json"))
        versions = json.loads(bundle.read("versions.json"))
    assert settings["devices"]["bp"] == "socket://127.0.0.1:9"
    assert settings["security"]["pin_lockout_s"] == "(removed)"  # any key naming a PIN
    assert log[-1] == "line 2999" and len(log) == 2000  # the recent lines only
    assert [p["name"] for p in panel] == [
        "bp",
        "thermometer",
        "oximeter",
        "otoscope",
        "room_camera",
        "microphone",
    ]
    assert panel[0]["port"] == "socket://127.0.0.1:9" and panel[0]["status"] == "unknown"
    assert versions["kiosk"] and versions["python"]
    assert versions["sqlcipher"] and "community" in versions["sqlcipher"]  # the database engine


def test_support_bundle_to_an_unwritable_place_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    failed = kiosk(tmp_path, "support-bundle", str(blocker / "bundle.zip"))
    assert_one_line_error(failed)


def test_selftest_verdicts_are_stored_and_shown_in_the_bundle(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[devices]\nbp = "/dev/does-not-exist"\nthermometer = ""\noximeter = ""\n'
        'otoscope = ""\nroom_camera = ""\n[call]\nmicrophone = "synthetic"\n'
    )
    done = kiosk(tmp_path, "selftest", config=config)
    assert done.returncode == 1 and "FAIL" in done.stdout
    target = tmp_path / "bundle.zip"
    assert kiosk(tmp_path, "support-bundle", str(target), config=config).returncode == 0
    with zipfile.ZipFile(target) as bundle:
        panel = {p["name"]: p for p in json.loads(bundle.read("device_panel.json"))}
        checks = json.loads(bundle.read("self_tests.json"))
        events = json.loads(bundle.read("device_events.json"))
    assert panel["bp"]["service"] == "out_of_service"
    assert panel["bp"]["service_reason"] == "self_test_failed"
    assert panel["bp"]["last_check"]["ok"] is False
    assert panel["thermometer"]["installed"] is False
    assert [(c["family"], c["ok"]) for c in checks] == [("bp", False), ("microphone", True)]
    assert panel["microphone"]["service"] == "ok"
    assert [e["kind"] for e in events] == ["self_test_failed"]
