"""Logs never hold patient identity or measurements: a whole simulated session, logged at DEBUG.

The real core runs with simulated devices on pseudo-terminals (their normal serial transport,
with distinctive patient values), the synthetic otoscope, the real portal on 127.0.0.1 and a
doctor written in Python (a real aiortc peer). Every logger, ours and the libraries' (aiortc,
aioice, aiohttp...), logs at DEBUG. The patient is identified, measured, seen by the doctor, gets
a report; the session ends, the outbox delivers the record to a folder, and the record is exported
with ``kiosk export``. Then every log record (formatted with its arguments) and the kiosk's own
log file are searched for the patient's name, NIR, birth date, the measured values with their
units, and the doctor's words.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from devices.simulators.nonin import NoninModel
from devices.simulators.runner import Served, serve_pty
from devices.simulators.suntech import SuntechModel
from devices.simulators.suretemp import SureTempModel
from kiosk import cli
from kiosk.call.state import CallPhase
from kiosk.config import CallConfig, Config, DevicesConfig, RecordsConfig
from kiosk.core import Core
from kiosk.flow import HYGIENE_ITEMS, CallDoctor, ReportDelivered, State
from kiosk.flow.triage import RED_FLAGS
from kiosk.logs import LOG_NAME, install_file_log, log_dir
from kiosk.services.auth import hash_pin
from kiosk.services.devices import DeviceStatus
from tests.call.test_call_service import PIN, accept_when_done, wait_until
from tests.support.doctor import PythonDoctor

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

FAMILY_NAME = "Quéméneur-Lagadec"
GIVEN_NAMES = "Maëlys Gwenola"
TREATING = "Dr Tanguy Le Bihan"
BIRTH = ("17", "08", "1947")
NIR = "247082923205812"  # woman, born 08/1947 in Finistère (29), key 12
FORM = {
    "family_name": FAMILY_NAME,
    "given_names": GIVEN_NAMES,
    "birth_date": "/".join(BIRTH),
    "sex": "female",
    "nir": NIR,
    "treating_physician": TREATING,
}
# The patient's true values in the simulators: unusual enough not to turn up by chance.
SYSTOLIC, DIASTOLIC, BP_PULSE = 143, 87, 79
CELSIUS = 38.3
SPO2, OXI_PULSE = 93, 66
TRIAGE_DETAILS = "depuis trois jours, surtout la nuit"
OBSERVATIONS = "Tympan gauche opalescent, conduit auditif propre."
CONCLUSION = "Otite séreuse gauche débutante."
ADVICE = "Infusion de thym citronné trois fois par jour, et revoyez le médecin traitant."
PRESCRIPTION = "Lavage nasal au sérum physiologique, matin et soir, cinq jours"


def plain(text: str) -> str:
    """Case and accents folded: "Quéméneur" and "QUEMENEUR" are the same name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def name_words() -> list[str]:
    words = re.split(r"[\s\-']+", f"{FAMILY_NAME} {GIVEN_NAMES} {TREATING}")
    return [plain(w) for w in words if len(w) >= 5]  # "Quemeneur", "Lagadec", "Maelys"...


def nir_patterns() -> list[re.Pattern[str]]:
    """The NIR whole (also written in groups), and any run of 6 digits or more of it."""
    spaced = r"[\s.\-]?".join(NIR)
    out = [re.compile(spaced)]
    for length in range(6, len(NIR) + 1):
        for start in range(len(NIR) - length + 1):
            out.append(re.compile(rf"(?<!\d){NIR[start : start + length]}(?!\d)"))
    return out


def birth_patterns() -> list[re.Pattern[str]]:
    day, month, year = BIRTH
    texts = [
        f"{day}/{month}/{year}",
        f"{day}.{month}.{year}",
        f"{day}-{month}-{year}",
        f"{year}-{month}-{day}",
        f"{year}/{month}/{day}",
        f"{month}/{day}/{year}",
        f"{day}{month}{year}",
        f"{year}{month}{day}",
        f"{int(day)} août {year}",
        f"{int(day)} aout {year}",
        f"August {int(day)}, {year}",
        f"{int(day)} August {year}",
        f"{day}/{month}/{year[2:]}",
    ]
    return [re.compile(rf"(?<!\d){re.escape(t)}(?!\d)", re.IGNORECASE) for t in texts]


def age_pattern() -> re.Pattern[str]:
    """The age the portal and the doctor see, derived from the birth date."""
    day, month, year = (int(part) for part in BIRTH)
    today = datetime.date.today()
    age = today.year - year - ((today.month, today.day) < (month, day))
    return re.compile(rf"\bage\W{{0,4}}{age}(?!\d)", re.IGNORECASE)


def value_patterns(systolic: int, diastolic: int, celsius: float, spo2: int) -> list[str]:
    """The measured values as devices and screens write them, next to their names or units."""
    temp = f"{celsius:.1f}"
    temp_comma = temp.replace(".", ",")
    return [
        rf"(?<!\d){systolic}\s*/\s*{diastolic}(?!\d)",
        rf"(?<!\d)({systolic}|{diastolic})\s*mm\s*Hg",
        rf"systolic\W{{0,4}}{systolic}(?!\d)",
        rf"diastolic\W{{0,4}}{diastolic}(?!\d)",
        rf"(?<![\d.]){re.escape(temp)}\d?\s*°?\s*C\b",
        rf"(?<![\d,]){temp_comma}\d?\s*°?\s*C\b",
        rf"(celsius|temperature|temp)\W{{0,4}}{re.escape(temp)}",
        rf"spo2\W{{0,4}}{spo2}(?!\d)",
        rf"(?<![\d.]){spo2}\s*%",
        rf"(pulse|heart_rate|hr)\W{{0,4}}({BP_PULSE}|{OXI_PULSE})(?!\d)",
        rf"(?<!\d)({BP_PULSE}|{OXI_PULSE})\s*(bpm|/min)",
        # The SunTech result frame as a traffic dump would show it (16-bit little-endian words).
        rf"\b{systolic:02x} 00 {diastolic:02x} 00\b",
    ]


class Capture(logging.Handler):
    """Every record, formatted with its arguments, as the kiosk's log file would print it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_everything(caplog: pytest.LogCaptureFixture) -> Iterator[Capture]:
    """Root and every logger already created at DEBUG; restored afterwards."""
    caplog.set_level(logging.DEBUG)
    saved: dict[str, int] = {}
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            saved[name] = logger.level
            logger.setLevel(logging.DEBUG)
    for name in ("kiosk", "devices", "aiortc", "aioice", "aiohttp", "asyncio"):
        saved.setdefault(name, logging.getLogger(name).level)
        logging.getLogger(name).setLevel(logging.DEBUG)
    capture = Capture()
    logging.getLogger().addHandler(capture)
    yield capture
    logging.getLogger().removeHandler(capture)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


@pytest_asyncio.fixture
async def simulators() -> AsyncIterator[dict[str, str]]:
    served: list[Served] = []
    try:
        served.append(
            await serve_pty(
                SuntechModel(systolic=SYSTOLIC, diastolic=DIASTOLIC, pulse=BP_PULSE), speed=25.0
            )
        )
        served.append(await serve_pty(SureTempModel(final_celsius=CELSIUS), speed=25.0))
        served.append(await serve_pty(NoninModel(spo2=SPO2, pulse=OXI_PULSE), speed=25.0))
        yield {"bp": served[0].url, "thermometer": served[1].url, "oximeter": served[2].url}
    finally:
        for one in served:
            await one.stop()


async def take(core: Core, kind: str, family: str) -> None:
    assert core.measurements is not None and core.devices is not None
    await core.devices.serial[family].wait_for(DeviceStatus.READY, 10.0)
    core.measurements.start(kind)
    await accept_when_done(core)


async def run_session(core: Core, doctor: PythonDoctor, outbox_folder: Path) -> str:
    """The whole session, as an assistant, a patient and a doctor live it; returns its id."""
    await core.start()
    session = core.session
    assistant = core.repo.add_assistant("Nadia", hash_pin(PIN))
    assert session.sign_in(assistant, PIN)
    session.start_session()
    session.submit_identity(FORM)
    session.record_consent(True)
    session.submit_triage("ear_pain", TRIAGE_DETAILS, dict.fromkeys(RED_FLAGS, False))
    assert session.current_state() is State.MEASURE
    session_id = session.current_session_id
    assert session_id is not None
    await take(core, "blood_pressure", "bp")
    await take(core, "spo2", "oximeter")
    # An otoscope still of the left ear.
    measurements = core.measurements
    assert measurements is not None
    measurements.start("otoscope")
    await wait_until(
        lambda: (
            (view := session.snapshot().measure) is not None
            and view.run is not None
            and view.run.step == "preview"
        ),
        10,
        "the otoscope preview",
    )
    await measurements.capture("left_ear")
    assert len(core.repo.images(session_id)) == 1
    await measurements.close()
    # The doctor.
    assert (await doctor.login()).status == 303
    await doctor.connect()
    session.apply(CallDoctor(), State.MEASURE)
    entries = await doctor.queue()
    await doctor.pick(entries[0]["call_id"])
    await wait_until(lambda: session.current_state() is State.IN_CALL, 15, "the doctor joined")

    def phase() -> CallPhase | None:
        call = session.snapshot().call
        return None if call is None else call.phase

    await wait_until(lambda: phase() is CallPhase.IN_CALL, 15, "media flowing")
    await doctor.wait_for(lambda: doctor.received("session"))
    await doctor.wait_for(lambda: len(doctor.video_counters) >= 10, 20)
    # The doctor asks for the temperature: measured during the call, sent over the data channel.
    doctor.send_reliable("request", request_id="r-1", action="take_temperature")
    call = core.call
    assert call is not None
    await wait_until(lambda: (c := session.snapshot().call) and c.requests, 10, "the request")
    assert core.devices is not None
    await core.devices.serial["thermometer"].wait_for(DeviceStatus.READY, 10.0)
    call.confirm_request("r-1")
    await accept_when_done(core)
    await doctor.wait_for(
        lambda: [m for m in doctor.received("measurement") if m["kind"] == "temperature"]
    )
    doctor.send_reliable(
        "report",
        report_id="rep-1",
        observations=OBSERVATIONS,
        conclusion=CONCLUSION,
        advice=ADVICE,
        prescription=[PRESCRIPTION],
        orientation="treating_physician",
        language="fr",
    )
    await wait_until(lambda: session.current_state() is State.REPORT, 15, "the REPORT step")
    await doctor.wait_for(lambda: doctor.received("report.received"))
    # The report is handed over, the cabin cleaned: the session ends.
    session.apply(ReportDelivered(), State.REPORT)
    assert session.current_state() is State.HYGIENE
    for item in HYGIENE_ITEMS:
        session.check_hygiene(item)
    session.finish_hygiene()
    assert session.current_state() is State.IDLE
    outbox = core.outbox
    assert outbox is not None
    await wait_until(lambda: outbox.view().sent == 1, 30, "the record delivered")
    assert sorted(p.suffix for p in outbox_folder.iterdir()) == [".json", ".pdf"]
    return session_id


async def test_a_whole_session_logged_at_debug_holds_no_patient_data(
    tmp_path: Path,
    portal: tuple[str, tuple[str, str, str, str]],
    simulators: dict[str, str],
    debug_everything: Capture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, (doctor_name, doctor_password, cabin_name, secret) = portal
    data_dir = tmp_path / "kiosk"
    outbox_folder = tmp_path / "gateway"
    outbox_folder.mkdir()
    config = Config(
        data_dir=data_dir,
        devices=DevicesConfig(
            bp=simulators["bp"],
            thermometer=simulators["thermometer"],
            oximeter=simulators["oximeter"],
            otoscope="synthetic:otoscope",
            room_camera="synthetic:room",
        ),
        call=CallConfig(
            portal_url=url,
            cabin=cabin_name,
            cabin_secret=secret,
            loopback_only=True,
            heartbeat_s=0.5,
            microphone="synthetic",
            speaker="alsa:null",
        ),
        records=RecordsConfig(endpoint=outbox_folder.as_uri()),
    )
    file_log = install_file_log(data_dir, logging.DEBUG)
    core = Core(config)
    doctor = PythonDoctor(url, doctor_name, doctor_password)
    try:
        session_id = await run_session(core, doctor, outbox_folder)
        measured = {m.kind: m.reading for m in core.repo.measurements(session_id)}
        # The audit log outlives the patient's data (6 months): it must hold none either.
        audit = "\n".join(
            f"{row.actor} {row.action} {json.dumps(row.detail, ensure_ascii=False)}"
            for row in core.repo.audit_log()
        )
    finally:
        await doctor.close()
        await core.stop()
        await asyncio.get_running_loop().shutdown_default_executor()
    try:
        # The technician lists the sessions and exports the record (in this process: its logs
        # are captured at DEBUG too).
        argv = ["--data-dir", str(data_dir)]
        assert cli.main([*argv, "sessions"]) == 0
        fhir, pdf = tmp_path / "record.json", tmp_path / "record.pdf"
        assert cli.main([*argv, "export", session_id, "--fhir", str(fhir), "--pdf", str(pdf)]) == 0
    finally:
        logging.getLogger().removeHandler(file_log)
        file_log.close()
    printed = capsys.readouterr()

    # The values really are the patient's: what the scan looks for is what was measured.
    assert (measured["blood_pressure"]["systolic"], measured["blood_pressure"]["diastolic"]) == (
        SYSTOLIC,
        DIASTOLIC,
    )
    assert measured["body_temperature"]["celsius"] == pytest.approx(CELSIUS, abs=0.05)
    assert measured["oximetry"]["spo2"] == SPO2
    assert FAMILY_NAME in fhir.read_text(encoding="utf-8")  # the export does hold them

    log_file = (log_dir(data_dir) / LOG_NAME).read_text(encoding="utf-8")
    lines = debug_everything.lines
    assert len(lines) > 300, "the session was not logged at DEBUG"
    assert any(line.startswith("DEBUG aiortc") for line in lines)
    assert "flow: " in log_file
    assert "transition" in audit and "report_received" in audit  # the audit log was read
    texts = {
        "log records": "\n".join(lines),
        "kiosk.log": log_file,
        "command output": printed.out + printed.err,
        "audit log": audit,
    }
    patterns: list[tuple[str, re.Pattern[str]]] = []
    patterns += [("NIR", p) for p in nir_patterns()]
    patterns += [("birth date", p) for p in birth_patterns()]
    patterns += [("age", age_pattern())]
    values = value_patterns(SYSTOLIC, DIASTOLIC, CELSIUS, SPO2)
    patterns += [("measurement", re.compile(p, re.IGNORECASE)) for p in values]
    words = [
        *name_words(),
        *(plain(t) for t in (TRIAGE_DETAILS, OBSERVATIONS, CONCLUSION, ADVICE, PRESCRIPTION)),
    ]
    found: list[str] = []
    for where, text in texts.items():
        for line in text.splitlines():
            folded = plain(line)
            found += [f"{where}: name or report ({w}): {line[:300]}" for w in words if w in folded]
            found += [
                f"{where}: {what} ({p.pattern[:40]}): {line[:300]}"
                for what, p in patterns
                if p.search(line)
            ]
    assert not found, f"{len(found)} log line(s) with patient data:\n" + "\n".join(found[:20])
