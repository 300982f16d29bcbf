"""The French catalogue covers every text of the screens, and keeps every placeholder."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "ui" / "i18n" / "kiosk_fr.ts"
TOOLS = Path(PySide6.__file__).resolve().parent
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def sources() -> list[str]:
    return sorted(str(p) for p in (ROOT / "ui").rglob("*.py"))


def test_every_text_of_the_screens_is_translated(tmp_path: Path) -> None:
    fresh = tmp_path / "kiosk_fr.ts"
    shutil.copy(CATALOGUE, fresh)
    subprocess.run(
        [str(TOOLS / "lupdate"), "-silent", *sources(), "-ts", str(fresh)],
        check=True,
        capture_output=True,
    )
    problems = []
    for message in ET.parse(fresh).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        kind = translation.get("type") if translation is not None else "missing"
        if kind in {"unfinished", "vanished", "obsolete", "missing"} or not (
            translation is not None and translation.text
        ):
            problems.append(f"{kind or 'empty'}: {source}")
    assert not problems, "update ui/i18n/kiosk_fr.ts (lupdate, then translate):\n" + "\n".join(
        problems
    )


def test_translations_keep_their_placeholders() -> None:
    for message in ET.parse(CATALOGUE).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.findtext("translation") or ""
        assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(translation)), source


def test_compiled_catalogue_translates(qapp: QApplication, tmp_path: Path) -> None:
    qm = tmp_path / "kiosk_fr.qm"
    subprocess.run(
        [str(TOOLS / "lrelease"), "-silent", str(CATALOGUE), "-qm", str(qm)],
        check=True,
        capture_output=True,
    )
    translator = QTranslator()
    assert translator.load(str(qm))
    qapp.installTranslator(translator)
    try:
        text = QCoreApplication.translate("SignInScreen", "Assistant sign-in")
    finally:
        qapp.removeTranslator(translator)
    assert text == "Connexion de l'assistant"
