"""The first half of a session, walked by taps on a real window over a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.flow import State
from tests.gui.conftest import MakeKiosk
from tests.gui.helpers import (
    VALID,
    add_assistant,
    answer_all_flags,
    assert_language_button,
    assert_touch_targets,
    button,
    clean_the_cabin,
    db_rows,
    fill_identity,
    go_to_consent,
    sign_in,
    tap,
    type_pin,
    type_text,
    wait_for_screen,
)


def test_whole_slice_in_french(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    assert kiosk.window.signin.title.text() == "Connexion de l'assistant"
    wait_for_screen(qtbot, kiosk, kiosk.window.signin)
    assert_touch_targets(kiosk)
    go_to_consent(qtbot, kiosk)
    consent = kiosk.window.by_state[State.CONSENT]
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)
    assert "téléconsultation" in consent.points["what_is_teleconsultation"].text()
    tap(qtbot, button(consent, "consent_yes"))
    triage = kiosk.window.by_state[State.TRIAGE]
    wait_for_screen(qtbot, kiosk, triage)
    assert not triage.flags_next.isEnabled(), "every emergency question must be answered first"
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)
    answer_all_flags(qtbot, kiosk)
    tap(qtbot, triage.flags_next)
    assert_touch_targets(kiosk)
    tap(qtbot, triage.reasons.buttons["ear_pain"])
    type_text(triage.details.edit, "Douleur oreille droite depuis 2 jours")
    tap(qtbot, triage.submit)
    measure = kiosk.window.by_state[State.MEASURE]
    wait_for_screen(qtbot, kiosk, measure)
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)
    summary = measure.summary.text()
    assert "MARTIN Jeanne Marie" in summary
    assert "Douleur à l'oreille" in summary
    assert "•" in summary and "2420675112233" not in summary, "the NIR is masked on the summary"
    assert db_rows(tmp_path, "SELECT state, status FROM sessions") == [("MEASURE", "open")]


def test_field_errors_keep_what_was_typed(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    sign_in(qtbot, kiosk)
    tap(qtbot, kiosk.window.home.start)
    screen = kiosk.window.by_state[State.IDENTIFY]
    wait_for_screen(qtbot, kiosk, screen)
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)
    fill_identity(
        qtbot,
        kiosk,
        family_name="Martin",
        given_names="Jeanne",
        birth_date="31/02/1950",
        sex="female",
        nir=VALID["nir"].replace("233", "234") + "00",
    )
    tap(qtbot, button(screen, "next"))
    qtbot.waitUntil(lambda: screen.fields["birth_date"].error.isVisible())
    assert "n'existe pas" in screen.fields["birth_date"].error.text()
    assert screen.fields["nir"].error.isVisible()
    assert not screen.fields["family_name"].error.isVisible()
    assert screen.fields["family_name"].value() == "Martin", "other fields keep their text"
    assert screen.sex.value() == "female"
    assert kiosk.window.stack.currentWidget() is screen
    assert db_rows(tmp_path, "SELECT COUNT(*) FROM patients") == [(0,)]


def test_consent_refused_keeps_only_the_refusal(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    go_to_consent(qtbot, kiosk)
    tap(qtbot, button(kiosk.window.by_state[State.CONSENT], "consent_no"))
    ending = kiosk.window.by_state[State.ABANDONED]
    wait_for_screen(qtbot, kiosk, ending)
    assert "refus" in ending.body.text()
    assert db_rows(tmp_path, "SELECT COUNT(*) FROM patients") == [(0,)]
    assert db_rows(tmp_path, "SELECT accepted FROM consents") == [(0,)]
    tap(qtbot, button(ending, "close"))
    clean_the_cabin(qtbot, kiosk)  # the patient sat in the cabin
    assert db_rows(tmp_path, "SELECT state, status FROM sessions") == [("IDLE", "closed")]


def test_red_flag_shows_emergency_number(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    go_to_consent(qtbot, kiosk)
    tap(qtbot, button(kiosk.window.by_state[State.CONSENT], "consent_yes"))
    triage = kiosk.window.by_state[State.TRIAGE]
    wait_for_screen(qtbot, kiosk, triage)
    answer_all_flags(qtbot, kiosk, yes=("chest_pain",))
    tap(qtbot, triage.flags_next)
    referred = kiosk.window.by_state[State.REFERRED]
    wait_for_screen(qtbot, kiosk, referred)
    assert_touch_targets(kiosk)
    assert_language_button(kiosk)
    assert "15" in referred.number.text() and "112" in referred.number.text()
    assert "poitrine" in referred.why.text()
    assert db_rows(tmp_path, "SELECT state FROM sessions") == [("REFERRED",)]
    assert db_rows(tmp_path, "SELECT red_flags FROM triage") == [('["chest_pain"]',)]


def test_back_and_cancel(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    go_to_consent(qtbot, kiosk)
    tap(qtbot, button(kiosk.window.by_state[State.CONSENT], "back"))
    identify = kiosk.window.by_state[State.IDENTIFY]
    wait_for_screen(qtbot, kiosk, identify)
    assert identify.fields["family_name"].value() == "Martin", "going back shows what was entered"
    tap(qtbot, button(identify, "cancel"))
    tap(qtbot, identify.confirm.yes)  # ending asks first
    wait_for_screen(qtbot, kiosk, kiosk.window.by_state[State.ABANDONED])


def test_wrong_pins_lock_the_screen(qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    signin = kiosk.window.signin
    wait_for_screen(qtbot, kiosk, signin)
    qtbot.waitUntil(lambda: signin.names is not None and bool(signin.names.value()))
    for attempt in range(1, 6):
        type_pin(qtbot, kiosk, "0000")
        qtbot.waitUntil(
            lambda a=attempt: db_rows(tmp_path, "SELECT COUNT(*) FROM pin_attempts") == [(a,)]
        )
    qtbot.waitUntil(lambda: not signin.pad.isEnabled())
    assert "verrouillé" in signin.message.text()
    assert kiosk.window.stack.currentWidget() is signin
    assert db_rows(tmp_path, "SELECT COUNT(*) FROM events WHERE action = 'sign_in_failed'") == [
        (5,)
    ]


def test_language_button_switches_to_english(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    add_assistant(tmp_path)
    kiosk = make_kiosk()
    go_to_consent(qtbot, kiosk)
    consent = kiosk.window.by_state[State.CONSENT]
    assert kiosk.window.language.text() == "English"
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: button(consent, "consent_yes").text() == "Yes, the patient agrees")
    assert "teleconsultation" in consent.points["what_is_teleconsultation"].text()
    assert kiosk.window.language.text() == "Français"
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: button(consent, "consent_yes").text() == "Oui, le patient accepte")
    # The next patient starts in the cabin's language, whatever the last one chose.
    tap(qtbot, kiosk.window.language)
    qtbot.waitUntil(lambda: kiosk.window.language.text() == "Français")
    tap(qtbot, button(consent, "consent_no"))
    ending = kiosk.window.by_state[State.ABANDONED]
    wait_for_screen(qtbot, kiosk, ending)
    tap(qtbot, button(ending, "close"))
    # The assistant's cleaning checklist comes back in the cabin's language too.
    hygiene = kiosk.window.by_state[State.HYGIENE]
    wait_for_screen(qtbot, kiosk, hygiene)
    qtbot.waitUntil(lambda: hygiene.title.text() == "Nettoyer la cabine")
    clean_the_cabin(qtbot, kiosk)
    qtbot.waitUntil(lambda: kiosk.window.home.start.text() == "Commencer une téléconsultation")


@pytest.mark.allow_log_warnings  # the kiosk logs the unreadable file as an error, on purpose
def test_unreadable_database_is_kept_aside(
    qtbot: QtBot, make_kiosk: MakeKiosk, tmp_path: Path
) -> None:
    garbage = b"this is not a database, but it may be the only copy of something" * 64
    (tmp_path / "kiosk.db").write_bytes(garbage)
    kiosk = make_kiosk()
    signin = kiosk.window.signin
    wait_for_screen(qtbot, kiosk, signin)
    qtbot.waitUntil(lambda: signin.message.isVisible() and bool(signin.message.text()))
    kept = list(tmp_path.glob("kiosk.db.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == garbage
    assert kept[0].name in signin.message.text()
    assert db_rows(tmp_path, "PRAGMA integrity_check") == [("ok",)]
