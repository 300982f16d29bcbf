"""Languages of the screens: French (default) and English, from Qt Linguist ``.ts`` sources.

The sources are compiled with ``lrelease`` (shipped in the PySide6 wheel) at start, into a cache
folder, and only when a source is newer than its compiled file.
"""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path

import PySide6
from PySide6.QtCore import QCoreApplication, QTranslator

logger = logging.getLogger(__name__)

SOURCES = Path(__file__).resolve().parent
LANGUAGES = ("fr", "en")  # French first
SOURCE_LANGUAGE = "en"  # the texts in the code are English


def lrelease_path() -> Path:
    return Path(PySide6.__file__).resolve().parent / "lrelease"


def compile_translation(language: str, cache: Path) -> Path | None:
    """Return the ``.qm`` file for ``language``, compiling it if needed; None if impossible."""
    source = SOURCES / f"kiosk_{language}.ts"
    if not source.is_file():
        return None
    target = cache / f"kiosk_{language}.qm"
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    cache.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(
            [str(lrelease_path()), "-silent", str(source), "-qm", str(target)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        logger.error("i18n: cannot compile %s: %s", source.name, exc)
        return None
    return target


class Translations:
    """Holds the installed translator; ``switch`` changes the language of every screen at once."""

    def __init__(self, app: QCoreApplication, cache: Path, language: str) -> None:
        self.app = app
        self.cache = cache
        self.language = SOURCE_LANGUAGE
        self._translator: QTranslator | None = None
        self._closed = False
        self.switch(language)

    def switch(self, language: str) -> None:
        if language == self.language or self._closed:
            return
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        if language != SOURCE_LANGUAGE:
            qm = compile_translation(language, self.cache)
            translator = QTranslator(self.app)
            if qm is not None and translator.load(str(qm)):
                self.app.installTranslator(translator)
                self._translator = translator
            else:
                logger.error("i18n: no %s translation; the screens stay in English", language)
                language = SOURCE_LANGUAGE
        self.language = language

    def close(self) -> None:
        """Remove the translator from the application (it outlives this window)."""
        if self._translator is not None:
            self.app.removeTranslator(self._translator)
            self._translator = None
        self.language = SOURCE_LANGUAGE
        self._closed = True  # a snapshot still queued for a closed window must not re-install it
