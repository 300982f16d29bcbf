"""Nonin pulse-oximeter serial data formats 2, 7 and 8: a sans-IO codec.

Wire format (``/work/shared/protocols/nonin.md``):

- Formats 2 and 7 stream 5-byte frames, 75 per second, grouped in packets of 25 frames. Format 2
  frames are ``01 STATUS PLETH FLOAT CHK``; format 7 frames are ``STATUS PLETH-MSB PLETH-LSB FLOAT
  CHK``. STATUS always has bit 7 set, and its bit 0 (SYNC) marks frame 1 of a packet. The FLOAT
  byte of frame N carries item N of a fixed schedule (heart rate, SpO2, display values...).
- Format 8 sends one 4-byte record per second with no checksum: byte 1 has bit 7 set, bytes 2-4
  have it clear.
- Control bytes may be interleaved with the data between frames: ``06`` ACK, ``15`` NAK and
  ``02 OP LEN DATA... 03`` replies.

Decoders are incremental (feed bytes, get packets and replies), resynchronise one byte at a time
and never trust a frame that failed a check. Nothing here does I/O or reads a clock: times, where
needed, are passed in.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from typing import Final, Literal

from devices.errors import CodecError
from devices.readings import Flag

logger = logging.getLogger(__name__)

DATA_FORMATS: Final = (7, 2, 8)  # 7 is the cabin's default
FRAME_SIZE: Final = 5
RECORD_SIZE: Final = 4  # format 8
FRAMES_PER_PACKET: Final = 25
FRAMES_PER_SECOND: Final = 75
RECORDS_PER_SECOND: Final = 1  # format 8

STX: Final = 0x02
ETX: Final = 0x03
ACK: Final = 0x06
NAK: Final = 0x15
FORMAT2_START: Final = 0x01
MAX_CONTROL_DATA: Final = 16  # longest control reply we accept (get-time carries 6 bytes)

# STATUS byte of formats 2 and 7
STATUS_ALWAYS: Final = 0x80
STATUS_ARTF: Final = 0x20  # artifact
STATUS_OOT: Final = 0x10  # out of track (sustained artifact)
STATUS_SNSA: Final = 0x08  # sensor alarm: finger out
STATUS_RPRF: Final = 0x04  # red perfusion
STATUS_GPRF: Final = 0x02  # green perfusion
STATUS_SYNC: Final = 0x01  # frame 1 of a packet

# STAT2 (FLOAT of frame 8)
STAT2_SPA: Final = 0x20
STAT2_LOW_BATTERY: Final = 0x01

# Format 8, byte 1 and byte 4
F8_OOT: Final = 0x20
F8_LPRF: Final = 0x10
F8_MPRF: Final = 0x08
F8_ARTF: Final = 0x04
F8_SPA: Final = 0x20
F8_SNSA: Final = 0x08
F8_LOW_BATTERY: Final = 0x01

MISSING_HR: Final = 511
MISSING_SPO2: Final = 127
# Ranges a Nonin oximeter can display; used only to tell format-8 records from noise (format 8
# has no checksum) and by self-tests.
HR_RANGE: Final = (18, 321)
SPO2_RANGE: Final = (0, 100)

Perfusion = Literal["high", "marginal", "low"]


class Slot(IntEnum):
    """Where each item sits in the FLOAT schedule (0-based frame index in the packet)."""

    HR_MSB = 0
    HR_LSB = 1
    SPO2 = 2
    SREV = 3
    TMR_MSB = 5
    TMR_LSB = 6
    STAT2 = 7
    SPO2_D = 8
    SPO2_FAST = 9
    SPO2_BEAT = 10
    E_HR_MSB = 13
    E_HR_LSB = 14
    E_SPO2 = 15
    E_SPO2_D = 16
    HR_D_MSB = 19
    HR_D_LSB = 20
    E_HR_D_MSB = 21
    E_HR_D_LSB = 22


class _Need(Enum):
    MORE = 0


_MORE: Final = _Need.MORE


# -- values ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FloatValues:
    """The FLOAT schedule of one packet, decoded. None means "missing" (HR 511, SpO2 127)."""

    hr: int | None = None  # 4-beat average, every 1/3 s
    spo2: int | None = None
    firmware_revision: int | None = None  # SREV
    timer: int | None = None  # 1/3-second timer (TMR), 14 bits
    stat2: int = 0
    spo2_d: int | None = None  # display value, updated every 1.5 s
    spo2_fast: int | None = None
    spo2_beat: int | None = None  # beat to beat
    e_hr: int | None = None
    e_spo2: int | None = None
    e_spo2_d: int | None = None
    hr_d: int | None = None  # display value, updated every 1.5 s
    e_hr_d: int | None = None


@dataclass(frozen=True)
class Frame:
    """One 5-byte frame of format 2 or 7 that passed every check."""

    status: int
    pleth: int
    float_byte: int
    raw: bytes

    @property
    def sync(self) -> bool:
        return bool(self.status & STATUS_SYNC)


@dataclass(frozen=True)
class Packet:
    """One decoded packet (formats 2 and 7: 25 frames) or record (format 8)."""

    data_format: int
    values: FloatValues
    pleth: tuple[int, ...]  # 25 samples at 75 Hz; empty in format 8
    artifact: bool = False
    out_of_track: bool = False
    finger_out: bool = False  # SNSA
    perfusion: Perfusion | None = None  # None: not shown in this packet
    low_battery: bool = False
    spa: bool = False  # high-quality SmartPoint reading
    raw: bytes = b""
    statuses: tuple[int, ...] = ()

    @property
    def spo2_d(self) -> int | None:
        return self.values.spo2_d

    @property
    def hr_d(self) -> int | None:
        return self.values.hr_d

    @property
    def firmware(self) -> str | None:
        srev = self.values.firmware_revision
        return None if srev is None else str(srev)

    @property
    def values_missing(self) -> bool:
        return self.spo2_d is None or self.hr_d is None

    @property
    def disturbed(self) -> bool:
        """ARTF, OOT or SNSA: a reading taken now cannot count as stable."""
        return self.artifact or self.out_of_track or self.finger_out

    @property
    def flags(self) -> frozenset[Flag]:
        flags: set[Flag] = set()
        if self.artifact:
            flags.add(Flag.ARTIFACT)
        if self.out_of_track:
            flags.add(Flag.OUT_OF_TRACK)
        if self.finger_out:
            flags.add(Flag.FINGER_OUT)
        if self.low_battery:
            flags.add(Flag.LOW_BATTERY)
        flags |= perfusion_flags(self.perfusion)
        return frozenset(flags)


@dataclass(frozen=True)
class Reply:
    """A control item peeled off the data stream: ``06`` ACK, ``15`` NAK or ``02 ... 03``."""

    kind: Literal["ack", "nak", "message"]
    raw: bytes
    opcode: int | None = None
    data: bytes = b""
    offset: int = field(default=0, compare=False)  # where it started in the stream


@dataclass(frozen=True)
class Command:
    """A host command as the device parses it (``02 OP LEN DATA... 03``)."""

    opcode: int
    data: bytes
    raw: bytes


@dataclass(frozen=True)
class Format8Record:
    """A format-8 record with what the decoder knows of its surroundings (format 8 has no
    checksum, so whether a record can be trusted depends on them)."""

    packet: Packet
    contiguous: bool  # it starts where the previous record (or an accepted reply) ended
    skipped_before: int  # bytes thrown away since the previous record


Event = Packet | Reply


def perfusion_flags(perfusion: str | None) -> frozenset[Flag]:
    if perfusion == "low":
        return frozenset({Flag.LOW_PERFUSION})
    if perfusion == "marginal":
        return frozenset({Flag.MARGINAL_PERFUSION})
    return frozenset()


def _status_perfusion(status: int) -> Perfusion | None:
    bits = status & (STATUS_RPRF | STATUS_GPRF)
    if bits == STATUS_GPRF:
        return "high"
    if bits == STATUS_GPRF | STATUS_RPRF:
        return "marginal"
    if bits == STATUS_RPRF:
        return "low"
    return None


def _hr(msb: int, lsb: int) -> int | None:
    value = ((msb & 0x03) << 7) | (lsb & 0x7F)
    return None if value == MISSING_HR else value


def _spo2(byte: int) -> int | None:
    value = byte & 0x7F
    return None if value == MISSING_SPO2 else value


def plausible(spo2: int | None, hr: int | None) -> bool:
    """Values a Nonin oximeter can show (None = missing is plausible too)."""
    return (spo2 is None or SPO2_RANGE[0] <= spo2 <= SPO2_RANGE[1]) and (
        hr is None or HR_RANGE[0] <= hr <= HR_RANGE[1]
    )


# -- FLOAT schedule ------------------------------------------------------------------------------
def decode_floats(floats: Sequence[int]) -> FloatValues:
    """The 25 FLOAT bytes of a packet, in frame order, decoded."""
    if len(floats) != FRAMES_PER_PACKET:
        raise CodecError(f"a packet has {FRAMES_PER_PACKET} FLOAT bytes, got {len(floats)}")
    f = [b & 0x7F for b in floats]
    return FloatValues(
        hr=_hr(f[Slot.HR_MSB], f[Slot.HR_LSB]),
        spo2=_spo2(f[Slot.SPO2]),
        firmware_revision=f[Slot.SREV],
        timer=(f[Slot.TMR_MSB] << 7) | f[Slot.TMR_LSB],
        stat2=f[Slot.STAT2],
        spo2_d=_spo2(f[Slot.SPO2_D]),
        spo2_fast=_spo2(f[Slot.SPO2_FAST]),
        spo2_beat=_spo2(f[Slot.SPO2_BEAT]),
        e_hr=_hr(f[Slot.E_HR_MSB], f[Slot.E_HR_LSB]),
        e_spo2=_spo2(f[Slot.E_SPO2]),
        e_spo2_d=_spo2(f[Slot.E_SPO2_D]),
        hr_d=_hr(f[Slot.HR_D_MSB], f[Slot.HR_D_LSB]),
        e_hr_d=_hr(f[Slot.E_HR_D_MSB], f[Slot.E_HR_D_LSB]),
    )


def _check_range(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise CodecError(f"{name} must be {low}..{high}, got {value}")
    return value


def _hr_bytes(name: str, value: int | None) -> tuple[int, int]:
    hr = MISSING_HR if value is None else _check_range(name, value, 0, MISSING_HR)
    return (hr >> 7) & 0x03, hr & 0x7F


def _spo2_byte(name: str, value: int | None) -> int:
    return MISSING_SPO2 if value is None else _check_range(name, value, 0, MISSING_SPO2)


def float_schedule(values: FloatValues) -> bytes:
    """The 25 FLOAT bytes that carry ``values`` (missing values become 511 / 127)."""
    f = [0] * FRAMES_PER_PACKET
    f[Slot.HR_MSB], f[Slot.HR_LSB] = _hr_bytes("hr", values.hr)
    f[Slot.SPO2] = _spo2_byte("spo2", values.spo2)
    f[Slot.SREV] = _check_range("firmware_revision", values.firmware_revision or 0, 0, 0x7F)
    timer = _check_range("timer", values.timer or 0, 0, 0x3FFF)
    f[Slot.TMR_MSB], f[Slot.TMR_LSB] = timer >> 7, timer & 0x7F
    f[Slot.STAT2] = _check_range("stat2", values.stat2, 0, 0x7F)
    f[Slot.SPO2_D] = _spo2_byte("spo2_d", values.spo2_d)
    f[Slot.SPO2_FAST] = _spo2_byte("spo2_fast", values.spo2_fast)
    f[Slot.SPO2_BEAT] = _spo2_byte("spo2_beat", values.spo2_beat)
    f[Slot.E_HR_MSB], f[Slot.E_HR_LSB] = _hr_bytes("e_hr", values.e_hr)
    f[Slot.E_SPO2] = _spo2_byte("e_spo2", values.e_spo2)
    f[Slot.E_SPO2_D] = _spo2_byte("e_spo2_d", values.e_spo2_d)
    f[Slot.HR_D_MSB], f[Slot.HR_D_LSB] = _hr_bytes("hr_d", values.hr_d)
    f[Slot.E_HR_D_MSB], f[Slot.E_HR_D_LSB] = _hr_bytes("e_hr_d", values.e_hr_d)
    return bytes(f)


# -- frames and packets (formats 2 and 7) --------------------------------------------------------
def _check_format(data_format: int, allowed: tuple[int, ...] = (2, 7)) -> int:
    if data_format not in allowed:
        raise CodecError(f"data format must be one of {allowed}, got {data_format!r}")
    return data_format


def _frame_at(buf: bytes | bytearray, pos: int, data_format: int) -> Frame | None:
    """The frame starting at ``pos`` if it passes every check (needs 5 bytes), else None."""
    b0, b1, b2, b3, b4 = buf[pos : pos + FRAME_SIZE]
    if (b0 + b1 + b2 + b3) & 0xFF != b4:
        return None
    if data_format == 2:
        if b0 != FORMAT2_START or not b1 & STATUS_ALWAYS:
            return None
        return Frame(b1, b2, b3, bytes(buf[pos : pos + FRAME_SIZE]))
    if not b0 & STATUS_ALWAYS:
        return None
    return Frame(b0, (b1 << 8) | b2, b3, bytes(buf[pos : pos + FRAME_SIZE]))


def decode_frame(data: bytes, data_format: int = 7) -> Frame:
    """One frame of format 2 or 7; CodecError if it fails a check."""
    _check_format(data_format)
    if len(data) != FRAME_SIZE:
        raise CodecError(f"a frame is {FRAME_SIZE} bytes, got {len(data)}")
    frame = _frame_at(data, 0, data_format)
    if frame is None:
        raise CodecError(f"not a valid format-{data_format} frame: {data.hex(' ')}")
    return frame


def encode_frame(data_format: int, status: int, pleth: int, float_byte: int) -> bytes:
    """One frame of format 2 (8-bit pleth) or 7 (16-bit pleth), checksum added."""
    _check_format(data_format)
    _check_range("status", status, STATUS_ALWAYS, 0xFF)
    _check_range("float", float_byte, 0, 0x7F)
    if data_format == 2:
        body = bytes([FORMAT2_START, status, _check_range("pleth", pleth, 0, 0xFF), float_byte])
    else:
        _check_range("pleth", pleth, 0, 0xFFFF)
        body = bytes([status, pleth >> 8, pleth & 0xFF, float_byte])
    return body + bytes([sum(body) & 0xFF])


def decode_packet(frames: Sequence[Frame], data_format: int = 7) -> Packet:
    """25 frames, SYNC on the first only, decoded into one packet."""
    _check_format(data_format)
    if len(frames) != FRAMES_PER_PACKET:
        raise CodecError(f"a packet has {FRAMES_PER_PACKET} frames, got {len(frames)}")
    if not frames[0].sync or any(frame.sync for frame in frames[1:]):
        raise CodecError("a packet has SYNC on its first frame and only there")
    statuses = tuple(frame.status for frame in frames)
    values = decode_floats([frame.float_byte for frame in frames])
    perfusion: Perfusion | None = None
    for status in reversed(statuses):  # the latest indication in the packet
        perfusion = _status_perfusion(status)
        if perfusion is not None:
            break
    return Packet(
        data_format=data_format,
        values=values,
        pleth=tuple(frame.pleth for frame in frames),
        artifact=any(s & STATUS_ARTF for s in statuses),
        out_of_track=any(s & STATUS_OOT for s in statuses),
        finger_out=any(s & STATUS_SNSA for s in statuses),
        perfusion=perfusion,
        low_battery=bool(values.stat2 & STAT2_LOW_BATTERY),
        spa=bool(values.stat2 & STAT2_SPA),
        raw=b"".join(frame.raw for frame in frames),
        statuses=statuses,
    )


def encode_packet(
    data_format: int, values: FloatValues, statuses: Sequence[int], pleth: Sequence[int]
) -> bytes:
    """25 frames carrying ``values``; the SYNC bit is set on frame 1 and cleared elsewhere."""
    _check_format(data_format)
    if len(statuses) != FRAMES_PER_PACKET or len(pleth) != FRAMES_PER_PACKET:
        raise CodecError(f"a packet needs {FRAMES_PER_PACKET} statuses and pleth samples")
    floats = float_schedule(values)
    out = bytearray()
    for index in range(FRAMES_PER_PACKET):
        status = statuses[index] | STATUS_ALWAYS
        status = status | STATUS_SYNC if index == 0 else status & ~STATUS_SYNC
        out += encode_frame(data_format, status, pleth[index], floats[index])
    return bytes(out)


# -- format 8 ------------------------------------------------------------------------------------
def _record_shape_ok(buf: bytes | bytearray, pos: int) -> bool:
    b0, b1, b2, b3 = buf[pos : pos + RECORD_SIZE]
    return bool(b0 & 0x80) and not (b1 | b2 | b3) & 0x80


def decode_record8(data: bytes) -> Packet:
    """One format-8 record (bit 7 set on byte 1 only); CodecError otherwise."""
    if len(data) != RECORD_SIZE:
        raise CodecError(f"a format-8 record is {RECORD_SIZE} bytes, got {len(data)}")
    if not _record_shape_ok(data, 0):
        raise CodecError(f"not a format-8 record: {data.hex(' ')}")
    b0, b1, b2, b3 = data
    hr_d = _hr(b0, b1)  # HR8 and HR7 are bits 1 and 0 of byte 1
    spo2_d = _spo2(b2)
    finger_out = bool(b3 & F8_SNSA)
    perfusion: Perfusion | None
    if b0 & F8_LPRF:
        perfusion = "low"
    elif b0 & F8_MPRF:
        perfusion = "marginal"
    elif finger_out or hr_d is None:
        perfusion = None
    else:
        perfusion = "high"  # format 8 has no green bit: neither low nor marginal is high
    return Packet(
        data_format=8,
        values=FloatValues(spo2_d=spo2_d, hr_d=hr_d, stat2=b3 & (F8_SPA | F8_LOW_BATTERY)),
        pleth=(),
        artifact=bool(b0 & F8_ARTF),
        out_of_track=bool(b0 & F8_OOT),
        finger_out=finger_out,
        perfusion=perfusion,
        low_battery=bool(b3 & F8_LOW_BATTERY),
        spa=bool(b3 & F8_SPA),
        raw=bytes(data),
    )


def encode_record8(
    hr_d: int | None,
    spo2_d: int | None,
    *,
    artifact: bool = False,
    out_of_track: bool = False,
    perfusion: str | None = "high",
    spa: bool = False,
    finger_out: bool = False,
    low_battery: bool = False,
) -> bytes:
    """One format-8 record (missing values become 511 / 127)."""
    hr = MISSING_HR if hr_d is None else _check_range("hr_d", hr_d, 0, MISSING_HR)
    spo2 = _spo2_byte("spo2_d", spo2_d)
    b0 = 0x80 | ((hr >> 7) & 0x03)
    if out_of_track:
        b0 |= F8_OOT
    if perfusion == "low":
        b0 |= F8_LPRF
    elif perfusion == "marginal":
        b0 |= F8_MPRF
    if artifact:
        b0 |= F8_ARTF
    b3 = (F8_SPA if spa else 0) | (F8_SNSA if finger_out else 0)
    b3 |= F8_LOW_BATTERY if low_battery else 0
    return bytes([b0, hr & 0x7F, spo2, b3])


# -- host commands and control replies -----------------------------------------------------------
def encode_select_format(data_format: int) -> bytes:
    """``02 70 02 02 0X 03``: store data format X (reply ACK/NAK in the first 5 s only)."""
    _check_format(data_format, (2, 7, 8))
    return bytes([STX, 0x70, 0x02, 0x02, data_format, ETX])


def _time_bytes(when: dt.datetime) -> bytes:
    if not 2000 <= when.year <= 2099:
        raise CodecError(f"the oximeter's clock holds years 2000-2099, got {when.year}")
    return bytes([when.year - 2000, when.month, when.day, when.hour, when.minute, when.second])


def encode_set_time(when: dt.datetime) -> bytes:
    """``02 72 06 YY MM DD hh mm ss 03`` (binary, YY = year - 2000); the device does not reply."""
    return bytes([STX, 0x72, 0x06]) + _time_bytes(when) + bytes([ETX])


def encode_get_time() -> bytes:
    """``02 72 00 03``; the reply is ``02 F2 06 YY MM DD hh mm ss 03``."""
    return bytes([STX, 0x72, 0x00, ETX])


def encode_time_reply(when: dt.datetime) -> bytes:
    """The device's answer to get-time (the simulator sends it)."""
    return bytes([STX, 0xF2, 0x06]) + _time_bytes(when) + bytes([ETX])


def decode_time_reply(reply: Reply) -> dt.datetime:
    """The clock in a get-time reply (naive: the device has no time zone)."""
    if reply.kind != "message" or reply.opcode != 0xF2 or len(reply.data) != 6:
        raise CodecError(f"not a get-time reply: {reply.raw.hex(' ')}")
    yy, month, day, hour, minute, second = reply.data
    try:
        return dt.datetime(2000 + yy, month, day, hour, minute, second)
    except ValueError as exc:
        raise CodecError(f"the oximeter's clock reads an impossible date: {exc}") from exc


def _parse_message(buf: bytes | bytearray, pos: int) -> tuple[int, bytes, int] | _Need | None:
    """``02 OP LEN DATA 03`` at ``pos``: (opcode, data, size), _MORE, or None if it is not one."""
    if len(buf) - pos < 3:
        return _MORE
    length = buf[pos + 2]
    if length > MAX_CONTROL_DATA:
        return None
    end = pos + 3 + length  # where ETX must be
    if len(buf) <= end:
        return _MORE
    if buf[end] != ETX:
        return None
    return buf[pos + 1], bytes(buf[pos + 3 : end]), length + 4


def _parse_control(buf: bytes | bytearray, pos: int) -> tuple[Reply, int] | _Need | None:
    byte = buf[pos]
    if byte == ACK:
        return Reply("ack", b"\x06"), 1
    if byte == NAK:
        return Reply("nak", b"\x15"), 1
    if byte != STX:
        return None
    parsed = _parse_message(buf, pos)
    if parsed is _MORE or parsed is None:
        return parsed
    opcode, data, size = parsed
    return Reply("message", bytes(buf[pos : pos + size]), opcode, data), size


def _is_control_start(byte: int) -> bool:
    return byte in (STX, ACK, NAK)


class CommandParser:
    """The device side: host commands out of a byte stream (junk skipped one byte at a time)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[Command]:
        self._buf += data
        out: list[Command] = []
        pos = 0
        while pos < len(self._buf):
            if self._buf[pos] != STX:
                pos += 1
                continue
            parsed = _parse_message(self._buf, pos)
            if parsed is _MORE:
                break
            if parsed is None:
                pos += 1
                continue
            opcode, body, size = parsed
            out.append(Command(opcode, body, bytes(self._buf[pos : pos + size])))
            pos += size
        del self._buf[:pos]
        return out


# -- incremental decoders ------------------------------------------------------------------------
class FramedDecoder:
    """Formats 2 and 7: bytes in, whole packets and control replies out.

    Resynchronisation follows the protocol file: slide one byte at a time until a SYNC frame
    passes every check, then validate every frame and fall back to searching on any error. The
    search restarts one byte after the SYNC frame it had locked on, so a false lock found in
    noise never hides a real packet. A SYNC frame that comes early means data was lost: the
    partial packet is dropped and counted in ``missed_packets``. A whole packet is passed on
    once the next frame is a SYNC frame (or anything but a valid frame): a 26th valid frame
    means one of the 25 was noise that passed its checksum by chance, and the packet is dropped.

    Control items are peeled off between frames. One is believed only when a valid frame (or
    another such item) follows it and no valid frame hides inside it: while searching, a lone
    06 or 15 may be pleth data, and noise between two frames must not read as a NAK.
    """

    MAX_REWIND: Final = 512  # bytes kept to search again after a lost lock

    def __init__(self, data_format: int = 7, offset: int = 0) -> None:
        self.data_format = _check_format(data_format)
        self.frames_ok = 0  # frames validated while locked (the search's own frame excluded)
        self.packets = 0
        self.missed_packets = 0  # packets dropped: cut by an early SYNC, or one frame too many
        self.resyncs = 0  # locks lost on a failed check
        self.bytes_skipped = 0
        self.reset(offset)

    def reset(self, offset: int = 0) -> None:
        """Forget everything; the next byte fed sits at ``offset`` in the stream."""
        self._buf = bytearray()
        self._base = offset
        self._pos = 0
        self._locked = False
        self._frames: list[Frame] = []
        self._complete: Packet | None = None  # 25 frames, waiting for what comes next
        self._packet_start: int | None = None
        self._reported_upto = offset
        self._inside_frame_until = offset

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def pending(self) -> int:
        """Bytes held (never more than a few hundred)."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        out: list[Event] = []
        while self._step(out):
            pass
        self._compact()
        return out

    def flush(self) -> list[Event]:
        """The end of a finite stream (a recording): the last whole packet, if any."""
        complete, self._complete = self._complete, None
        return [] if complete is None else [complete]

    def _frame_start(self, byte: int) -> bool:
        return byte == FORMAT2_START if self.data_format == 2 else bool(byte & STATUS_ALWAYS)

    def _step(self, out: list[Event]) -> bool:
        buf, pos = self._buf, self._pos
        if pos >= len(buf):
            return False
        byte = buf[pos]
        if self._locked:
            return self._step_locked(out, byte)
        if _is_control_start(byte) and not self._frame_start(byte):
            # A byte inside a valid frame (its checksum, say) is data, whatever follows it.
            if self._base + pos >= self._inside_frame_until:
                confirmed = self._confirm_control(pos, 0)
                if confirmed is _MORE:
                    return False
                if confirmed is not None:
                    self._emit_reply(confirmed, pos, out)
                    return True
        elif self._frame_start(byte):
            if len(buf) - pos < FRAME_SIZE:
                return False
            frame = _frame_at(buf, pos, self.data_format)
            if frame is not None and frame.sync:
                self._locked = True
                self._frames = [frame]
                self._packet_start = pos
                self._pos = pos + FRAME_SIZE
                return True
            if frame is not None:  # valid but not frame 1: slide on, as the file says
                self._inside_frame_until = self._base + pos + FRAME_SIZE
        self._pos = pos + 1
        self.bytes_skipped += 1
        return True

    def _step_locked(self, out: list[Event], byte: int) -> bool:
        buf, pos = self._buf, self._pos
        if _is_control_start(byte) and not self._frame_start(byte):
            parsed = self._confirm_control(pos, 0)
            if parsed is _MORE:
                return False
            if parsed is None:
                self._lose_lock("a byte that starts neither a frame nor a reply", out)
            else:
                self._emit_reply(parsed, pos, out)
            return True
        if len(buf) - pos < FRAME_SIZE:
            return False
        frame = _frame_at(buf, pos, self.data_format)
        if frame is None:
            self._lose_lock("a frame that fails its check", out)
            return True
        if frame.sync:
            if self._complete is not None:
                out.append(self._complete)
                self._complete = None
            elif self._frames:
                self.missed_packets += 1
                logger.debug("nonin: early SYNC after %d frames: data was lost", len(self._frames))
            self._frames = [frame]
            self._packet_start = pos
        elif self._complete is not None:
            self._complete = None
            self.missed_packets += 1
            self._lose_lock("a 26th frame: one of the packet's frames was noise", out)
            return True
        elif not self._frames:
            self._lose_lock("a packet without its SYNC frame", out)
            return True
        else:
            self._frames.append(frame)
        self.frames_ok += 1
        self._pos = pos + FRAME_SIZE
        if len(self._frames) == FRAMES_PER_PACKET:
            self._complete = decode_packet(self._frames, self.data_format)
            self.packets += 1
            self._frames = []
            self._packet_start = None
        return True

    def _lose_lock(self, why: str, out: list[Event]) -> None:
        if self._complete is not None:  # nothing contradicts it: only noise after it
            out.append(self._complete)
            self._complete = None
        self.resyncs += 1
        logger.debug("nonin format %d: resync after %s", self.data_format, why)
        restart = self._pos + 1 if self._packet_start is None else self._packet_start + 1
        self._locked = False
        self._frames = []
        self._packet_start = None
        self._pos = restart

    def _confirm_control(self, pos: int, depth: int) -> tuple[Reply, int] | _Need | None:
        buf = self._buf
        parsed = _parse_control(buf, pos)
        if parsed is _MORE or parsed is None:
            return parsed
        after = pos + parsed[1]
        if after >= len(buf):
            return _MORE
        byte = buf[after]
        if _is_control_start(byte) and not self._frame_start(byte) and depth < 3:
            following = self._confirm_control(after, depth + 1)
            return following if following is _MORE else (parsed if following else None)
        if len(buf) - after < FRAME_SIZE:
            return _MORE
        if not _frame_at(buf, after, self.data_format):
            return None
        if any(
            self._frame_start(buf[inner]) and _frame_at(buf, inner, self.data_format)
            for inner in range(pos + 1, after)
        ):
            return None  # a "reply" with a valid frame inside it is noise that ends in 02
        return parsed

    def _emit_reply(self, parsed: tuple[Reply, int], pos: int, out: list[Event]) -> None:
        reply, size = parsed
        offset = self._base + pos
        if offset >= self._reported_upto:  # a search after a lost lock may meet it again
            out.append(Reply(reply.kind, reply.raw, reply.opcode, reply.data, offset=offset))
            self._reported_upto = offset + size
        self._pos = pos + size

    def _compact(self) -> None:
        if self._packet_start is not None and self._pos - self._packet_start > self.MAX_REWIND:
            self._packet_start = None  # too far back to be worth searching again
        keep = self._pos if self._packet_start is None else self._packet_start
        if keep:
            del self._buf[:keep]
            self._base += keep
            self._pos -= keep
            if self._packet_start is not None:
                self._packet_start -= keep


class Format8Decoder:
    """Format 8: bytes in, record-shaped 4-byte groups with plausible values out.

    Format 8 has no checksum: a record is a byte with bit 7 set followed by three with bit 7
    clear, and noise often looks like one. Each record therefore says whether it follows the
    previous one without a gap; ``StreamDecoder`` trusts only those (and only while most bytes
    form records). Replies are believed between two such records, or when two contiguous records
    follow them.
    """

    def __init__(self, offset: int = 0) -> None:
        self.records = 0
        self.bytes_skipped = 0
        self.reset(offset)

    def reset(self, offset: int = 0) -> None:
        self._buf = bytearray()
        self._base = offset
        self._pos = 0
        self._boundary: int | None = None  # stream offset where the last record or reply ended
        self._chain = 0  # contiguous records ending at the boundary
        self._skipped = 0
        self._reported_upto = offset

    @property
    def pending(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Format8Record | Reply]:
        self._buf += data
        out: list[Format8Record | Reply] = []
        while self._step(out):
            pass
        if self._pos:
            del self._buf[: self._pos]
            self._base += self._pos
            self._pos = 0
        return out

    def _record_at(self, pos: int) -> Packet | None:
        if not _record_shape_ok(self._buf, pos):
            return None
        packet = decode_record8(bytes(self._buf[pos : pos + RECORD_SIZE]))
        return packet if _record8_plausible(packet) else None

    def _step(self, out: list[Format8Record | Reply]) -> bool:
        buf, pos = self._buf, self._pos
        if pos >= len(buf):
            return False
        byte = buf[pos]
        offset = self._base + pos
        if _is_control_start(byte):
            trusted_boundary = self._boundary == offset and self._chain >= 2
            parsed = self._confirm_control(pos, 0, need_following=not trusted_boundary)
            if parsed is _MORE:
                return False
            if parsed is not None:
                reply, size = parsed
                if offset >= self._reported_upto:
                    out.append(Reply(reply.kind, reply.raw, reply.opcode, reply.data, offset))
                    self._reported_upto = offset + size
                self._pos = pos + size
                self._boundary = offset + size
                return True
        elif byte & 0x80:
            if len(buf) - pos < RECORD_SIZE:
                return False
            packet = self._record_at(pos)
            if packet is not None:
                contiguous = self._boundary == offset
                self._chain = self._chain + 1 if contiguous else 1
                out.append(Format8Record(packet, contiguous, self._skipped))
                self.records += 1
                self._skipped = 0
                self._pos = pos + RECORD_SIZE
                self._boundary = offset + RECORD_SIZE
                return True
        self._pos = pos + 1
        self._skipped += 1
        self.bytes_skipped += 1
        return True

    def _confirm_control(
        self, pos: int, depth: int, *, need_following: bool = True
    ) -> tuple[Reply, int] | _Need | None:
        """A reply at ``pos``: believed between two contiguous records, or when two contiguous
        records (or another such reply) follow it; never with a record inside it."""
        buf = self._buf
        parsed = _parse_control(buf, pos)
        if parsed is _MORE or parsed is None:
            return parsed
        after = pos + parsed[1]
        for inner in range(pos + 1, after):
            if buf[inner] & 0x80:
                if len(buf) - inner < RECORD_SIZE:
                    return _MORE
                if self._record_at(inner):
                    return None  # a record inside it: noise that ends in 02, not a reply
        if not need_following:
            return parsed
        if after >= len(buf):
            return _MORE
        if _is_control_start(buf[after]) and depth < 3:
            following = self._confirm_control(after, depth + 1)
            return following if following is _MORE else (parsed if following else None)
        if len(buf) - after < 2 * RECORD_SIZE:
            return _MORE
        if self._record_at(after) and self._record_at(after + RECORD_SIZE):
            return parsed
        return None


def _record8_plausible(packet: Packet) -> bool:
    # 0 is what a warming-up oximeter may show; anything else must be in the displayable range.
    hr, spo2 = packet.hr_d, packet.spo2_d
    return (spo2 is None or spo2 <= SPO2_RANGE[1]) and (hr is None or hr <= HR_RANGE[1])


class StreamDecoder:
    """Whichever of formats 7, 2 and 8 the oximeter streams, preferring the configured one.

    The configured (``preferred``) format is decoded first. While it yields nothing valid, the
    other two decoders listen as well; the stream switches to another format when that one has
    valid data and the current one has had none for ``switch_after`` seconds (at once after a
    NAK, and at once from format 8 to a checksummed format, which cannot be noise). Format-8
    records count only when contiguous and when at least ``MIN_RECORD_SHARE`` of the recent bytes
    form records: random noise makes record-shaped groups too, but rarely back to back.

    ``feed(data, now)`` returns the replies and the packets of the current format; ``now`` is any
    monotonic time in seconds (the codec never reads a clock).
    """

    MIN_RECORD_SHARE: Final = 0.3
    RECORD_WINDOW_S: Final = 3.0

    def __init__(
        self, preferred: int = 7, *, switch_after: float = 1.0, fresh_for: float = 1.0
    ) -> None:
        self.preferred = _check_format(preferred, (2, 7, 8))
        self.data_format = self.preferred
        self.switch_after = switch_after
        self.fresh_for = fresh_for
        self.valid_units = 0  # frames and trusted records seen in any format (liveness)
        self.last_valid_at: float | None = None
        self.nak_seen = False
        self.ack_seen = False
        self._framed = {2: FramedDecoder(2), 7: FramedDecoder(7)}
        self._format8 = Format8Decoder()
        self._last_valid: dict[int, float | None] = {2: None, 7: None, 8: None}
        self._started: float | None = None
        self._offset = 0
        self._others_listening = True
        self._record_window: deque[tuple[float, int]] = deque()  # (time, bytes skipped before)
        self._reply_offsets: deque[int] = deque(maxlen=32)

    @property
    def stats(self) -> dict[str, int]:
        active = self._framed.get(self.data_format)
        if active is None:
            return {
                "records": self._format8.records,
                "bytes_skipped": self._format8.bytes_skipped,
            }
        return {
            "frames_ok": active.frames_ok,
            "packets": active.packets,
            "missed_packets": active.missed_packets,
            "resyncs": active.resyncs,
            "bytes_skipped": active.bytes_skipped,
        }

    @property
    def pending(self) -> int:
        return max(self._framed[2].pending, self._framed[7].pending, self._format8.pending)

    def _fresh(self, data_format: int, now: float) -> bool:
        last = self._last_valid[data_format]
        return last is not None and now - last <= self.fresh_for

    def feed(self, data: bytes, now: float) -> list[Event]:
        if self._started is None:
            self._started = now
        active = self.data_format
        listen = active == 8 or not self._fresh(active, now)
        if listen and not self._others_listening:
            for fmt, decoder in self._framed.items():
                if fmt != active:
                    decoder.reset(self._offset)
            if active != 8:
                self._format8.reset(self._offset)
                self._record_window.clear()
        self._others_listening = listen
        self._offset += len(data)

        replies: list[Reply] = []
        packets: dict[int, list[Packet]] = {2: [], 7: [], 8: []}
        for fmt, framed in self._framed.items():
            if fmt != active and not listen:
                continue
            before = framed.frames_ok
            for event in framed.feed(data):
                if isinstance(event, Reply):
                    replies.append(event)
                else:
                    packets[fmt].append(event)
            if framed.frames_ok > before:
                self._valid(fmt, framed.frames_ok - before, now)
        if listen:  # always true in format 8
            for item in self._format8.feed(data):
                if isinstance(item, Reply):
                    replies.append(item)
                elif self._trust_record(item, now):
                    packets[8].append(item.packet)
                    self._valid(8, 1, now)

        accepted: list[Event] = []
        for reply in sorted(replies, key=lambda r: r.offset):
            if reply.offset in self._reply_offsets:
                continue
            self._reply_offsets.append(reply.offset)
            if reply.kind == "nak":
                self.nak_seen = True
            elif reply.kind == "ack":
                self.ack_seen = True
            accepted.append(reply)
        self._choose_format(now)
        return accepted + packets[self.data_format]

    def _valid(self, data_format: int, count: int, now: float) -> None:
        self._last_valid[data_format] = now
        self.last_valid_at = now
        self.valid_units += count

    def _trust_record(self, record: Format8Record, now: float) -> bool:
        window = self._record_window
        window.append((now, record.skipped_before))
        while window and window[0][0] < now - self.RECORD_WINDOW_S:
            window.popleft()
        record_bytes = RECORD_SIZE * len(window)
        skipped = sum(s for _, s in window)
        share = record_bytes / (record_bytes + skipped)
        return record.contiguous and share >= self.MIN_RECORD_SHARE

    def _choose_format(self, now: float) -> None:
        active = self.data_format
        checksummed = [f for f in (self.preferred, 7, 2) if f != 8]
        fresh_checksummed = [f for f in dict.fromkeys(checksummed) if self._fresh(f, now)]
        if self._fresh(active, now) and not (active == 8 and fresh_checksummed):
            return
        if active == 8 and fresh_checksummed:
            self.data_format = fresh_checksummed[0]  # a checksummed stream is never noise
            return
        candidates = [f for f in [*fresh_checksummed, 8] if f != active and self._fresh(f, now)]
        if not candidates:
            return
        last = self._last_valid[active]
        quiet_since = last if last is not None else self._started
        if quiet_since is None:
            quiet_since = now
        if self.nak_seen or now - quiet_since >= self.switch_after:
            self.data_format = candidates[0]


# -- stability -----------------------------------------------------------------------------------
class StabilityTracker:
    """Tells when a reading is stable: SpO2-D and HR-D within ``tolerance`` of each other for
    ``hold`` seconds, with no ARTF, OOT or SNSA and no missing value meanwhile.

    Times are passed in (seconds, any monotonic origin). Values are held between samples, so the
    last sample before the window counts too.
    """

    def __init__(self, hold: float = 5.0, tolerance: int = 1) -> None:
        self.hold = hold
        self.tolerance = tolerance
        self._samples: deque[tuple[float, int, int]] = deque()
        self._clean_since: float | None = None
        self.stable = False

    def reset(self) -> None:
        self._samples.clear()
        self._clean_since = None
        self.stable = False

    def update(
        self, spo2_d: int | None, hr_d: int | None, now: float, *, disturbed: bool = False
    ) -> bool:
        if disturbed or spo2_d is None or hr_d is None:
            self.reset()
            return False
        if self._clean_since is None:
            self._clean_since = now
        samples = self._samples
        samples.append((now, spo2_d, hr_d))
        window_start = now - self.hold
        while len(samples) >= 2 and samples[1][0] <= window_start:
            samples.popleft()
        spo2s = [s for _, s, _ in samples]
        hrs = [h for _, _, h in samples]
        steady = max(spo2s) - min(spo2s) <= self.tolerance and max(hrs) - min(hrs) <= self.tolerance
        self.stable = steady and self._clean_since <= window_start
        return self.stable

    def update_packet(self, packet: Packet, now: float) -> bool:
        return self.update(packet.spo2_d, packet.hr_d, now, disturbed=packet.disturbed)
