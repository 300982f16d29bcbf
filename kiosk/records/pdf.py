"""The patient's copy of the consultation: a clean A4 PDF (reportlab, no Qt).

What the patient takes home and shows their own doctor: the cabin, the date, who they are (name
and birth date, nothing more: no NIR), the measurements in a table, the doctor's report with the
advice in large type, the prescription lines, where to go next in plain words, and the doctor's
name. Page numbers read "Page 1 sur 2": the document is built twice, the first time only to count
its pages. It speaks French, or English when the doctor wrote the advice in English
(``kiosk.records.words.labels``).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kiosk.records import words
from kiosk.records.record import REFERRED, ConsultationRecord, Measurement

logger = logging.getLogger(__name__)

PAGE_SIZE = A4
MARGIN = 2 * cm
BOTTOM_MARGIN = 1.9 * cm  # the footer sits below it
# DejaVu covers the names a patient may have (accents, Greek, Cyrillic...); the PDF core fonts
# only Latin-1. Debian's fonts-dejavu-core puts it here; without it the core fonts do.
FONT_CANDIDATES = (
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
)
INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#0b5394")
ALERT = colors.HexColor("#b00020")
RULE = colors.HexColor("#c9d3de")
TABLE_HEAD = colors.HexColor("#e8eef5")
MEASURED_KINDS = ("blood_pressure", "body_temperature", "oximetry")


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str


_fonts_cache: _Fonts | None = None


def _fonts() -> _Fonts:
    global _fonts_cache
    if _fonts_cache is None:
        _fonts_cache = _Fonts("Helvetica", "Helvetica-Bold")
        for regular, bold in FONT_CANDIDATES:
            if regular.exists() and bold.exists():
                pdfmetrics.registerFont(TTFont("KioskSans", str(regular)))
                pdfmetrics.registerFont(TTFont("KioskSans-Bold", str(bold)))
                # So that <b> in a paragraph picks the bold face of the same family.
                pdfmetrics.registerFontFamily(
                    "KioskSans",
                    normal="KioskSans",
                    bold="KioskSans-Bold",
                    italic="KioskSans",
                    boldItalic="KioskSans-Bold",
                )
                _fonts_cache = _Fonts("KioskSans", "KioskSans-Bold")
                break
        else:
            logger.info("records: DejaVu fonts not found; the PDF uses the core fonts")
    return _fonts_cache


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle
    conclusion: ParagraphStyle
    advice: ParagraphStyle
    emergency: ParagraphStyle


def _styles(fonts: _Fonts) -> _Styles:
    body = ParagraphStyle(
        "body", fontName=fonts.regular, fontSize=11, leading=15, textColor=INK, spaceAfter=4
    )
    return _Styles(
        title=ParagraphStyle(
            "title", parent=body, fontName=fonts.bold, fontSize=19, leading=24, spaceAfter=2
        ),
        subtitle=ParagraphStyle("subtitle", parent=body, textColor=MUTED, spaceAfter=10),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=fonts.bold,
            fontSize=13.5,
            leading=18,
            textColor=ACCENT,
            spaceBefore=12,
            spaceAfter=5,
            keepWithNext=1,  # a heading never ends a page alone
        ),
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=9, leading=12, textColor=MUTED),
        cell=ParagraphStyle("cell", parent=body, fontSize=10.5, leading=13, spaceAfter=0),
        cell_head=ParagraphStyle(
            "cell_head", parent=body, fontName=fonts.bold, fontSize=10, leading=13, spaceAfter=0
        ),
        conclusion=ParagraphStyle(
            "conclusion", parent=body, fontName=fonts.bold, fontSize=13, leading=18
        ),
        advice=ParagraphStyle("advice", parent=body, fontSize=15, leading=21, spaceAfter=6),
        emergency=ParagraphStyle(
            "emergency",
            parent=body,
            fontName=fonts.bold,
            fontSize=15,
            leading=21,
            textColor=ALERT,
        ),
    )


def _text(value: str) -> str:
    """Typed text made safe for reportlab's markup; line breaks kept."""
    return "<br/>".join(escape(line) for line in value.strip().splitlines())


def _boxed(content: Sequence[Flowable], border: Any, background: Any) -> Table:
    box = Table([[list(content)]], colWidths=[PAGE_SIZE[0] - 2 * MARGIN])
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, border),
                ("BACKGROUND", (0, 0), (-1, -1), background),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return box


# -- the measurements table --------------------------------------------------------------------
@dataclass(frozen=True)
class _Row:
    name: str
    value: str
    unit: str
    time: str
    remarks: str


def _measurement_rows(
    record: ConsultationRecord, tz: dt.tzinfo | None, say: words.Labels
) -> list[_Row]:
    rows: list[_Row] = []
    known = [m for m in record.measurements if m.kind in MEASURED_KINDS]
    shown = [m for m in known if m.status in ("accepted", "pending")]
    for m in shown:
        rows.extend(_rows_of(m, tz, say))
    # A kind never measured although it was tried: the patient is told it could not be taken.
    measured = {m.kind for m in shown}
    failed: dict[str, Measurement] = {}
    for m in known:
        if m.status == "failed" and m.kind not in measured:
            failed[m.kind] = m  # the last attempt says why
    for kind, m in failed.items():
        time = say.clock_time(words.local_time(m.taken_at, tz))
        rows.append(_Row(words.word(say.kinds, kind), "—", "", time, say.error(m.error_code)))
    return rows


def _rows_of(m: Measurement, tz: dt.tzinfo | None, say: words.Labels) -> list[_Row]:
    time = say.clock_time(words.local_time(m.taken_at, tz))
    notes = say.remarks(m.flags, m.alerts)
    if m.status == "pending":
        notes = ", ".join(filter(None, [notes, say.say("not_validated")]))
    values = m.values
    rows: list[_Row] = []
    if m.kind == "blood_pressure":
        value = f"{values.get('systolic', '—')} / {values.get('diastolic', '—')}"
        unit = str(values.get("unit") or "mmHg")
        rows.append(_Row(say.kinds["blood_pressure"], value, unit, time, notes))
        source = say.say("by_bp_monitor")
    elif m.kind == "body_temperature":
        celsius = values.get("celsius")
        value = "—" if celsius is None else say.decimal(float(celsius))
        site = say.temperature_sites.get(str(values.get("site", "")))
        notes = ", ".join(
            filter(None, [say.say("taken_at_site", site=site) if site else "", notes])
        )
        rows.append(_Row(say.kinds["body_temperature"], value, "°C", time, notes))
        source = ""
    else:
        spo2 = values.get("spo2")
        rows.append(
            _Row(say.kinds["oximetry"], "—" if spo2 is None else str(spo2), "%", time, notes)
        )
        source = say.say("by_oximeter")
    pulse = values.get("pulse")
    if source and pulse is not None:
        pulse_notes = say.say("unusual_pulse") if "pulse_out_of_range" in m.alerts else ""
        rows.append(
            _Row(
                f"{say.kinds['pulse']} ({source})",
                str(pulse),
                say.say("per_minute"),
                time,
                pulse_notes,
            )
        )
    return rows


def _measurements_table(rows: list[_Row], styles: _Styles, say: words.Labels) -> Table:
    head = [say.say(f"col_{c}") for c in ("measure", "value", "unit", "time", "remarks")]
    data: list[list[Any]] = [[Paragraph(h, styles.cell_head) for h in head]]
    for row in rows:
        data.append(
            [
                Paragraph(escape(row.name), styles.cell),
                Paragraph(f"<b>{escape(row.value)}</b>", styles.cell),
                Paragraph(escape(row.unit), styles.cell),
                Paragraph(escape(row.time), styles.cell),
                Paragraph(escape(row.remarks), styles.cell),
            ]
        )
    table = Table(
        data,
        colWidths=[4.2 * cm, 2.4 * cm, 2.6 * cm, 2.0 * cm, 5.8 * cm],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), TABLE_HEAD),
                ("LINEBELOW", (0, 0), (-1, -1), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


# -- the document ------------------------------------------------------------------------------
def _story(
    record: ConsultationRecord,
    styles: _Styles,
    emergency_number: str,
    tz: dt.tzinfo | None,
    say: words.Labels,
) -> list[Flowable]:
    story: list[Flowable] = []
    started = words.local_time(record.started_at, tz)
    story.append(Paragraph(escape(say.say("title")), styles.title))
    where = f"{escape(say.say('cabin', cabin=record.cabin))} — " if record.cabin else ""
    story.append(
        Paragraph(f"{where}{say.long_date(started)}, {say.clock_time(started)}", styles.subtitle)
    )

    report = record.report
    rows = _measurement_rows(record, tz, say)
    patient = record.patient
    if patient is not None:
        born = {"female": "born_female", "male": "born_male"}.get(patient.sex, "born")
        story.append(
            Paragraph(
                f"<b>{escape(say.say('patient'))}</b> {escape(patient.given_names)} "
                f"{escape(patient.family_name.upper())}, "
                f"{escape(say.say(born, date=words.short_date(patient.birth_date)))}",
                styles.body,
            )
        )
    if record.triage is not None and record.triage.reason:
        reason = words.word(say.reasons, record.triage.reason)
        story.append(Paragraph(f"<b>{escape(say.say('reason'))}</b> {escape(reason)}", styles.body))
    if record.doctor is not None:
        story.append(
            Paragraph(
                f"<b>{escape(say.say('doctor'))}</b> {escape(record.doctor.name)}", styles.body
            )
        )

    if record.outcome == REFERRED:
        flags = record.triage.red_flags if record.triage is not None else ()
        said = ", ".join(words.word(say.red_flags, f) for f in flags)
        content: list[Flowable] = [
            Paragraph(escape(say.orientation("emergency", emergency_number)), styles.emergency)
        ]
        if said:
            content.append(Paragraph(escape(say.say("red_flag_said", flags=said)), styles.body))
        content.append(Paragraph(escape(say.say("not_for_teleconsultation")), styles.body))
        story += [Spacer(1, 8), _boxed(content, ALERT, colors.HexColor("#fdecee"))]
    if record.outcome == REFERRED and not rows and report is None:
        # Nothing was measured and no doctor was seen: the box above says all there is.
        story += [Spacer(1, 10), _closing_note(styles, emergency_number, say)]
        return story

    story.append(Paragraph(escape(say.say("measurements")), styles.heading))
    if rows:
        story.append(_measurements_table(rows, styles, say))
    else:
        story.append(Paragraph(escape(say.say("no_measurement")), styles.body))

    story.append(Paragraph(escape(say.say("report")), styles.heading))
    if report is None:
        why = {
            "abandoned": "no_report_abandoned",
            "in_progress": "no_report_in_progress",
        }.get(record.outcome, "no_report")
        story.append(Paragraph(escape(say.say(why)), styles.body))
    else:
        if report.observations.strip():
            story.append(
                KeepTogether(
                    [
                        Paragraph(f"<b>{escape(say.say('observations'))}</b>", styles.body),
                        Paragraph(_text(report.observations), styles.body),
                    ]
                )
            )
        if report.conclusion.strip():
            story.append(
                KeepTogether(
                    [
                        Paragraph(f"<b>{escape(say.say('conclusion'))}</b>", styles.body),
                        Paragraph(_text(report.conclusion), styles.conclusion),
                    ]
                )
            )
        if report.advice.strip():
            story.append(
                KeepTogether(
                    [
                        Paragraph(f"<b>{escape(say.say('advice'))}</b>", styles.body),
                        Paragraph(_text(report.advice), styles.advice),
                    ]
                )
            )
        story.append(Paragraph(escape(say.say("prescription")), styles.heading))
        if report.prescription:
            for number, line in enumerate(report.prescription, 1):
                story.append(Paragraph(f"{number}. {_text(line)}", styles.advice))
        else:
            story.append(Paragraph(escape(say.say("no_prescription")), styles.body))

    if record.orientation is not None and record.outcome != REFERRED:
        story.append(Paragraph(escape(say.say("next")), styles.heading))
        text = escape(say.orientation(record.orientation.code, emergency_number))
        if record.orientation.code == "emergency":
            story.append(
                _boxed([Paragraph(text, styles.emergency)], ALERT, colors.HexColor("#fdecee"))
            )
        else:
            story.append(Paragraph(text, styles.advice))

    story += [Spacer(1, 10), _closing_note(styles, emergency_number, say)]
    return story


def _closing_note(styles: _Styles, emergency_number: str, say: words.Labels) -> Paragraph:
    return Paragraph(escape(say.say("closing", number=emergency_number)), styles.small)


def _author(record: ConsultationRecord, say: words.Labels) -> str:
    return say.say("cabin", cabin=record.cabin) if record.cabin else say.say("no_cabin")


def _footer(
    record: ConsultationRecord,
    fonts: _Fonts,
    total: int,
    tz: dt.tzinfo | None,
    say: words.Labels,
) -> Callable[[Canvas, Any], None]:
    started = words.local_time(record.started_at, tz)
    left = " · ".join(
        [
            _author(record, say),
            say.say("session_of", date=f"{started:%d/%m/%Y}"),
            say.say("reference", id=record.record_id[:8]),
        ]
    )

    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN, 1.45 * cm, PAGE_SIZE[0] - MARGIN, 1.45 * cm)
        canvas.setFont(fonts.regular, 8.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 1.0 * cm, left)
        page = canvas.getPageNumber()
        label = say.say("page_of", page=page, total=total) if total else say.say("page", page=page)
        canvas.drawRightString(PAGE_SIZE[0] - MARGIN, 1.0 * cm, label)
        canvas.restoreState()

    return draw


def _build(
    record: ConsultationRecord,
    emergency_number: str,
    tz: dt.tzinfo | None,
    total: int,
    say: words.Labels,
) -> tuple[bytes, int]:
    fonts = _fonts()
    styles = _styles(fonts)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=BOTTOM_MARGIN,
        title=say.say("title"),
        author=_author(record, say),
        subject=say.say("subject"),
        lang=say.pdf_lang,
    )
    footer = _footer(record, fonts, total, tz, say)
    story = _story(record, styles, emergency_number, tz, say)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue(), int(doc.page)


def pdf_language(record: ConsultationRecord) -> str:
    """The patient's language: the one the doctor wrote the advice in, else French."""
    language = record.report.language if record.report is not None else ""
    return language if language in words.LABELS else "fr"


def patient_pdf(
    record: ConsultationRecord,
    *,
    emergency_number: str = "15",
    tz: dt.tzinfo | None = None,
    language: str | None = None,
) -> bytes:
    """The patient's A4 PDF. Times are shown in ``tz`` (default: the cabin's local time); the
    words are in ``language`` ("fr" or "en"; default: the language of the doctor's advice)."""
    say = words.labels(language or pdf_language(record))
    _, pages = _build(record, emergency_number, tz, 0, say)
    pdf, _ = _build(record, emergency_number, tz, pages, say)
    logger.info(
        "records: patient PDF of %s built (%d pages, %s)", record.record_id, pages, say.language
    )
    return pdf


__all__ = ["PAGE_SIZE", "patient_pdf", "pdf_language"]
