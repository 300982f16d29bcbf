"""The Nonin codec on the protocol file's examples, and on random, noisy and damaged streams."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.errors import CodecError
from devices.oximeter.protocol import (
    FRAMES_PER_PACKET,
    MISSING_HR,
    MISSING_SPO2,
    STATUS_ARTF,
    STATUS_OOT,
    STATUS_RPRF,
    STATUS_SNSA,
    CommandParser,
    FloatValues,
    Format8Decoder,
    FramedDecoder,
    Packet,
    Reply,
    StabilityTracker,
    StreamDecoder,
    decode_floats,
    decode_frame,
    decode_packet,
    decode_record8,
    decode_time_reply,
    encode_frame,
    encode_get_time,
    encode_packet,
    encode_record8,
    encode_select_format,
    encode_set_time,
    encode_time_reply,
    float_schedule,
)
from devices.readings import Flag
from devices.simulators.nonin import SCENARIOS, NoninModel

# -- the protocol file's examples (HR 72, SpO2 97, green perfusion) ----------------------------
FORMAT2_FRAMES = ["01 83 80 00 04", "01 82 80 48 4B", "01 82 80 61 64", "01 82 80 10 13"]
FORMAT7_FRAMES = ["83 80 00 00 03", "82 80 00 48 4A", "82 80 00 61 63", "82 80 00 10 12"]
FORMAT8_RECORD = "80 48 61 00"
FORMAT8_FINGER_OUT = "83 7F 7F 08"
SET_TIME_EXAMPLE = "02 72 06 32 0C 1F 0E 1E 0F 03"
GREEN = 0x82
MID_PLETH = {2: 0x80, 7: 0x8000}
EXAMPLE_VALUES = FloatValues(hr=72, spo2=97, firmware_revision=0x10)

PROPERTY = settings(max_examples=200, deadline=None, derandomize=True)
FAST_PROPERTY = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


def example_packet(data_format: int, **values: object) -> bytes:
    """A whole packet that starts with the file's four example frames."""
    floats = {"hr": 72, "spo2": 97, "firmware_revision": 0x10, **values}
    return encode_packet(
        data_format,
        FloatValues(**floats),  # type: ignore[arg-type]
        [GREEN] * FRAMES_PER_PACKET,
        [MID_PLETH[data_format]] * FRAMES_PER_PACKET,
    )


def packet_bytes(
    data_format: int,
    index: int = 0,
    *,
    spo2_d: int | None = 97,
    hr_d: int | None = 72,
    statuses: list[int] | None = None,
) -> bytes:
    """A realistic packet, different for each ``index`` (timer and pleth)."""
    values = FloatValues(
        hr=hr_d,
        spo2=spo2_d,
        firmware_revision=0x10,
        timer=index & 0x3FFF,
        spo2_d=spo2_d,
        hr_d=hr_d,
    )
    top = 0xFF if data_format == 2 else 0xFFFF
    pleth = [(index * 37 + i * 11) % (top + 1) for i in range(FRAMES_PER_PACKET)]
    return encode_packet(data_format, values, statuses or [GREEN] * FRAMES_PER_PACKET, pleth)


def decode_all(decoder: FramedDecoder, data: bytes, chunk: int = 0) -> list[Packet | Reply]:
    """Everything in a finished recording (the last packet included)."""
    if chunk <= 0:
        return decoder.feed(data) + decoder.flush()
    out: list[Packet | Reply] = []
    for start in range(0, len(data), chunk):
        out += decoder.feed(data[start : start + chunk])
    return out + decoder.flush()


def packets_of(events: list[Packet | Reply]) -> list[Packet]:
    return [e for e in events if isinstance(e, Packet)]


def assert_valid_packet(packet: Packet) -> None:
    """What the decoder yields passes every check of the file, frame by frame."""
    assert len(packet.raw) == 5 * FRAMES_PER_PACKET
    frames = [decode_frame(packet.raw[i : i + 5], packet.data_format) for i in range(0, 125, 5)]
    assert decode_packet(frames, packet.data_format) == packet


# -- golden bytes ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data_format", "golden"), [(2, FORMAT2_FRAMES), (7, FORMAT7_FRAMES)], ids=["fmt2", "fmt7"]
)
def test_example_frames_encode_to_the_files_bytes(data_format: int, golden: list[str]) -> None:
    assert example_packet(data_format)[:20] == h(" ".join(golden))
    floats = [0x00, 0x48, 0x61, 0x10]
    for index, text in enumerate(golden):
        status = GREEN | (1 if index == 0 else 0)
        frame = encode_frame(data_format, status, MID_PLETH[data_format], floats[index])
        assert frame == h(text)


@pytest.mark.parametrize(
    ("data_format", "golden"), [(2, FORMAT2_FRAMES), (7, FORMAT7_FRAMES)], ids=["fmt2", "fmt7"]
)
def test_example_frames_decode(data_format: int, golden: list[str]) -> None:
    frames = [decode_frame(h(text), data_format) for text in golden]
    assert [f.sync for f in frames] == [True, False, False, False]
    assert {f.status & 0xFE for f in frames} == {GREEN}
    assert {f.pleth for f in frames} == {MID_PLETH[data_format]}
    assert [f.float_byte for f in frames] == [0x00, 0x48, 0x61, 0x10]


@pytest.mark.parametrize("data_format", [2, 7])
def test_a_packet_that_starts_with_the_examples_decodes_to_hr_72_spo2_97(
    data_format: int,
) -> None:
    events = decode_all(FramedDecoder(data_format), example_packet(data_format))
    (packet,) = packets_of(events)
    assert packet.values.hr == 72
    assert packet.values.spo2 == 97
    assert packet.firmware == "16"
    assert packet.perfusion == "high"
    assert packet.flags == frozenset()
    assert packet.pleth == (MID_PLETH[data_format],) * FRAMES_PER_PACKET
    assert_valid_packet(packet)


def test_format8_examples_both_ways() -> None:
    record = decode_record8(h(FORMAT8_RECORD))
    assert (record.hr_d, record.spo2_d, record.perfusion) == (72, 97, "high")
    assert record.flags == frozenset() and record.pleth == ()
    assert encode_record8(72, 97) == h(FORMAT8_RECORD)

    out = decode_record8(h(FORMAT8_FINGER_OUT))
    assert (out.hr_d, out.spo2_d) == (None, None)  # 511 and 127: missing, never numbers
    assert out.finger_out and out.flags == {Flag.FINGER_OUT}
    assert out.perfusion is None
    assert encode_record8(None, None, finger_out=True, perfusion=None) == h(FORMAT8_FINGER_OUT)


def test_format8_status_bits() -> None:
    record = decode_record8(bytes([0x80 | 0x20 | 0x10 | 0x04 | 0x01, 0x05, 0x5A, 0x21]))
    assert record.hr_d == 133  # HR7 set: 128 + 5
    assert record.spo2_d == 90
    assert record.out_of_track and record.artifact and record.spa and record.low_battery
    assert record.perfusion == "low"
    assert record.flags == {
        Flag.OUT_OF_TRACK,
        Flag.ARTIFACT,
        Flag.LOW_BATTERY,
        Flag.LOW_PERFUSION,
    }
    assert decode_record8(bytes([0x88, 0x48, 0x61, 0x00])).perfusion == "marginal"


@pytest.mark.parametrize(
    ("data_format", "golden"),
    [(8, "02 70 02 02 08 03"), (7, "02 70 02 02 07 03"), (2, "02 70 02 02 02 03")],
)
def test_select_format_command(data_format: int, golden: str) -> None:
    assert encode_select_format(data_format) == h(golden)


def test_select_format_refuses_other_formats() -> None:
    with pytest.raises(CodecError):
        encode_select_format(5)


def test_set_time_example() -> None:
    assert encode_set_time(dt.datetime(2050, 12, 31, 14, 30, 15)) == h(SET_TIME_EXAMPLE)
    (command,) = CommandParser().feed(h(SET_TIME_EXAMPLE))
    assert (command.opcode, command.data) == (0x72, h("32 0C 1F 0E 1E 0F"))


def test_get_time_and_its_reply() -> None:
    assert encode_get_time() == h("02 72 00 03")
    when = dt.datetime(2050, 12, 31, 14, 30, 15)
    reply_bytes = encode_time_reply(when)
    assert reply_bytes == h("02 F2 06 32 0C 1F 0E 1E 0F 03")
    stream = reply_bytes + example_packet(7)
    replies = [e for e in decode_all(FramedDecoder(7), stream) if isinstance(e, Reply)]
    assert decode_time_reply(replies[0]) == when


def test_time_outside_the_devices_range_is_refused() -> None:
    with pytest.raises(CodecError):
        encode_set_time(dt.datetime(1999, 1, 1))
    with pytest.raises(CodecError):
        decode_time_reply(
            Reply("message", h("02 F2 06 32 0D 1F 0E 1E 0F 03"), 0xF2, h("320D1F0E1E0F"))
        )


def test_command_parser_skips_junk_one_byte_at_a_time() -> None:
    parser = CommandParser()
    stream = h("FF 02 99") + encode_select_format(7) + encode_get_time()
    commands = parser.feed(stream[:7]) + parser.feed(stream[7:])
    assert [c.raw for c in commands] == [encode_select_format(7), encode_get_time()]


# -- FLOAT schedule -------------------------------------------------------------------------------
def test_float_schedule_round_trip() -> None:
    values = FloatValues(
        hr=250,
        spo2=95,
        firmware_revision=42,
        timer=0x2ABC,
        stat2=0x21,
        spo2_d=96,
        spo2_fast=94,
        spo2_beat=93,
        e_hr=251,
        e_spo2=92,
        e_spo2_d=91,
        hr_d=249,
        e_hr_d=248,
    )
    assert decode_floats(float_schedule(values)) == values


def test_hr_uses_two_bits_of_the_msb_and_seven_of_the_lsb() -> None:
    floats = bytearray(FRAMES_PER_PACKET)
    floats[0], floats[1] = 0x7D, 0xC8  # stray high bits must be masked off
    assert decode_floats(floats).hr == ((0x7D & 0x03) << 7) | (0xC8 & 0x7F)


def test_missing_values_are_none() -> None:
    floats = float_schedule(FloatValues())
    decoded = decode_floats(floats)
    assert decoded.hr is None and decoded.spo2 is None and decoded.hr_d is None
    assert decoded.spo2_d is None and decoded.e_hr_d is None
    assert floats[0] << 7 | floats[1] == MISSING_HR
    assert floats[2] == MISSING_SPO2


def test_encoders_refuse_out_of_range_values() -> None:
    with pytest.raises(CodecError):
        float_schedule(FloatValues(hr=600))
    with pytest.raises(CodecError):
        encode_frame(7, 0x7F, 0, 0)  # STATUS bit 7 is always set
    with pytest.raises(CodecError):
        encode_frame(2, 0x80, 256, 0)
    with pytest.raises(CodecError):
        encode_record8(72, 130)


def test_status_bits_become_flags_and_perfusion() -> None:
    statuses = [GREEN] * FRAMES_PER_PACKET
    statuses[3] |= STATUS_ARTF
    statuses[7] |= STATUS_OOT
    statuses[9] |= STATUS_SNSA
    statuses[20] = 0x80 | STATUS_RPRF  # the latest perfusion shown wins
    statuses[21:] = [0x80] * 4
    events = decode_all(
        FramedDecoder(7), packet_bytes(7, statuses=statuses, spo2_d=None, hr_d=None)
    )
    (packet,) = packets_of(events)
    assert packet.perfusion == "low"
    assert packet.flags == {
        Flag.ARTIFACT,
        Flag.OUT_OF_TRACK,
        Flag.FINGER_OUT,
        Flag.LOW_PERFUSION,
    }
    assert packet.values_missing and packet.disturbed


def test_stat2_low_battery_and_spa() -> None:
    packet = packets_of(decode_all(FramedDecoder(2), example_packet(2, stat2=0x21)))[0]
    assert packet.low_battery and packet.spa
    assert Flag.LOW_BATTERY in packet.flags


# -- incremental decoding -------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", [2, 7])
def test_packets_arrive_whole_whatever_the_chunking(data_format: int) -> None:
    stream = b"".join(packet_bytes(data_format, i) for i in range(4))
    one_go = packets_of(decode_all(FramedDecoder(data_format), stream))
    byte_by_byte = packets_of(decode_all(FramedDecoder(data_format), stream, chunk=1))
    assert [p.raw for p in one_go] == [p.raw for p in byte_by_byte]
    assert [p.values.timer for p in one_go] == [0, 1, 2, 3]


def test_control_bytes_are_peeled_off_between_format7_frames() -> None:
    packet = packet_bytes(7, 1)
    stream = (
        b"\x06"
        + packet[:15]
        + b"\x15"
        + packet[15:40]
        + encode_time_reply(dt.datetime(2030, 5, 6, 7, 8, 9))
        + packet[40:]
    )
    events = decode_all(FramedDecoder(7), stream)
    assert [e.kind for e in events if isinstance(e, Reply)] == ["ack", "nak", "message"]
    (decoded,) = packets_of(events)
    assert decoded.raw == packet


def test_a_checksum_byte_that_looks_like_nak_is_data() -> None:
    # 80 47 ED 61 15: a valid frame whose checksum is 0x15, met while searching
    frame = encode_frame(7, 0x80, 0x47ED, 0x61)
    assert frame[-1] == 0x15
    events = decode_all(FramedDecoder(7), frame * 3 + packet_bytes(7))
    assert not [e for e in events if isinstance(e, Reply)]
    assert len(packets_of(events)) == 1


def test_an_early_sync_means_missed_data_and_is_counted() -> None:
    first, second = packet_bytes(7, 0), packet_bytes(7, 1)
    decoder = FramedDecoder(7)
    packets = packets_of(decode_all(decoder, first[:60] + second))  # 12 frames, then a new one
    assert [p.values.timer for p in packets] == [1]
    assert decoder.missed_packets == 1


@pytest.mark.parametrize("data_format", [2, 7])
def test_a_bad_checksum_loses_that_packet_only(data_format: int) -> None:
    packets = [packet_bytes(data_format, i) for i in range(3)]
    broken = bytearray(packets[1])
    broken[52] ^= 0x01  # frame 11's checksum
    decoder = FramedDecoder(data_format)
    decoded = packets_of(decode_all(decoder, packets[0] + bytes(broken) + packets[2]))
    assert [p.values.timer for p in decoded] == [0, 2]
    assert decoder.resyncs >= 1


def test_format8_records_are_trusted_only_back_to_back() -> None:
    records = [encode_record8(72, 97), encode_record8(73, 97), encode_record8(73, 96)]
    decoder = Format8Decoder()
    items = decoder.feed(b"\x11\x22" + b"".join(records))
    contiguous = [item.contiguous for item in items if not isinstance(item, Reply)]
    assert contiguous == [False, True, True]


def test_format8_ack_before_the_first_record_is_believed() -> None:
    decoder = Format8Decoder()
    stream = b"\x06" + encode_record8(72, 97) + encode_record8(72, 97)
    items = decoder.feed(stream[:5]) + decoder.feed(stream[5:])
    assert [i.kind for i in items if isinstance(i, Reply)] == ["ack"]


# -- the stream decoder: which format is it? ---------------------------------------------------
def feed_timed(
    decoder: StreamDecoder, chunks: list[bytes], step: float = 1 / 3, start: float = 0.0
) -> list[Packet | Reply]:
    out: list[Packet | Reply] = []
    for index, chunk in enumerate(chunks):
        out += decoder.feed(chunk, start + index * step)
    return out


def test_stream_decoder_uses_the_configured_format() -> None:
    decoder = StreamDecoder(7)
    events = feed_timed(decoder, [packet_bytes(7, i) for i in range(3)])
    assert decoder.data_format == 7
    assert len(packets_of(events)) == 2  # the third waits for the next SYNC frame


def test_stream_decoder_switches_at_once_after_a_nak() -> None:
    decoder = StreamDecoder(7)
    stream = b"\x15" + packet_bytes(2, 0) + packet_bytes(2, 1)[:5]  # + the next SYNC frame
    events = decoder.feed(stream, 0.0)
    assert decoder.nak_seen
    assert decoder.data_format == 2
    assert [e.kind for e in events if isinstance(e, Reply)] == ["nak"]
    assert [p.values.timer for p in packets_of(events)] == [0]


def test_stream_decoder_switches_after_a_second_without_the_configured_format() -> None:
    decoder = StreamDecoder(7, switch_after=1.0)
    events = feed_timed(decoder, [packet_bytes(2, i) for i in range(6)])
    assert decoder.data_format == 2
    timers = [p.values.timer for p in packets_of(events)]
    assert timers and timers[-1] == 4 and 0 not in timers  # nothing before the switch


def test_a_format7_stream_is_never_taken_for_format8() -> None:
    decoder = StreamDecoder(8)
    events = feed_timed(decoder, [packet_bytes(7, i) for i in range(6)], step=0.1)
    assert decoder.data_format == 7
    assert {p.data_format for p in packets_of(events)} == {7}


def test_format8_stream_is_detected() -> None:
    decoder = StreamDecoder(7, switch_after=1.0)
    events = feed_timed(decoder, [encode_record8(72, 97)] * 4, step=1.0)
    assert decoder.data_format == 8
    assert packets_of(events)[-1].spo2_d == 97


@pytest.mark.parametrize("preferred", [7, 2, 8])
def test_babble_never_yields_a_packet(preferred: int) -> None:
    import random

    rng = random.Random(preferred)
    decoder = StreamDecoder(preferred)
    noise = [bytes(rng.getrandbits(8) for _ in range(96)) for _ in range(300)]
    events = feed_timed(decoder, noise, step=0.1)  # 30 s of 960 bytes/s
    assert packets_of(events) == []
    assert decoder.valid_units <= 2  # a chance frame now and then, never a run of them


# -- stability ------------------------------------------------------------------------------------
def test_stable_after_five_seconds_within_one() -> None:
    tracker = StabilityTracker(hold=5.0)
    values = [(97, 72), (97, 73), (96, 72), (97, 72)]
    results = [tracker.update(s, p, t * 1.5) for t, (s, p) in enumerate(values)]
    assert results == [False, False, False, False]  # 4.5 s so far
    assert tracker.update(97, 72, 5.0)


def test_a_change_of_two_restarts_the_wait() -> None:
    tracker = StabilityTracker(hold=5.0)
    for t in range(5):
        tracker.update(97, 72, float(t))
    assert not tracker.update(95, 72, 5.0)
    assert not tracker.update(95, 72, 9.9)  # 97 was still shown until 5.0
    assert tracker.update(95, 72, 10.0)


@pytest.mark.parametrize(
    ("spo2", "pulse", "disturbed"), [(None, 72, False), (97, None, False), (97, 72, True)]
)
def test_missing_values_or_artifact_reset_stability(
    spo2: int | None, pulse: int | None, disturbed: bool
) -> None:
    tracker = StabilityTracker(hold=5.0)
    for t in range(6):
        tracker.update(97, 72, float(t))
    assert tracker.stable
    assert not tracker.update(spo2, pulse, 6.0, disturbed=disturbed)
    assert not tracker.update(97, 72, 10.0)  # the wait starts again from here
    assert not tracker.update(97, 72, 14.9)
    assert tracker.update(97, 72, 15.0)


# -- properties: random, noisy, truncated and damaged streams ------------------------------------
formats = st.sampled_from([2, 7])


@PROPERTY
@given(data=st.binary(max_size=2000), data_format=formats, chunk=st.integers(0, 64))
def test_random_bytes_yield_only_valid_packets(data: bytes, data_format: int, chunk: int) -> None:
    decoder = FramedDecoder(data_format)
    for packet in packets_of(decode_all(decoder, data, chunk)):
        assert_valid_packet(packet)
    assert decoder.pending <= 1024


@PROPERTY
@given(data=st.binary(max_size=2000), chunk=st.integers(1, 64))
def test_random_bytes_yield_only_record_shaped_format8(data: bytes, chunk: int) -> None:
    decoder = Format8Decoder()
    for start in range(0, len(data), chunk):
        for item in decoder.feed(data[start : start + chunk]):
            if not isinstance(item, Reply):
                assert decode_record8(item.packet.raw) == item.packet
    assert decoder.pending <= 64


@PROPERTY
@given(
    data=st.lists(st.binary(max_size=200), max_size=20),
    preferred=st.sampled_from([7, 2, 8]),
)
def test_stream_decoder_never_fails_on_random_input(data: list[bytes], preferred: int) -> None:
    decoder = StreamDecoder(preferred)
    for index, chunk in enumerate(data):
        for event in decoder.feed(chunk, index * 0.05):
            assert isinstance(event, Packet | Reply)
        assert decoder.pending <= 1024


@PROPERTY
@given(
    garbage=st.lists(st.binary(max_size=40), min_size=3, max_size=3),
    data_format=formats,
    chunk=st.integers(0, 48),
)
def test_no_valid_packet_is_lost_after_garbage(
    garbage: list[bytes], data_format: int, chunk: int
) -> None:
    packets = [packet_bytes(data_format, i) for i in range(4)]
    stream = garbage[0] + packets[0] + packets[1] + garbage[1] + packets[2] + packets[3]
    stream += garbage[2]
    decoded = packets_of(decode_all(FramedDecoder(data_format), stream, chunk))
    for packet in decoded:
        assert_valid_packet(packet)
    raws = [p.raw for p in decoded]
    assert packets[0] in raws and packets[2] in raws  # right after garbage
    for packet, after in ((packets[1], garbage[1]), (packets[3], garbage[2])):
        # a packet followed by noise is dropped only when that noise starts with a valid
        # frame: a 26th frame, so one of the 25 might have been noise
        if not looks_like_a_frame(after, data_format):
            assert packet in raws


def looks_like_a_frame(data: bytes, data_format: int) -> bool:
    try:
        return not decode_frame(data[:5], data_format).sync
    except CodecError:
        return False


@PROPERTY
@given(
    garbage=st.lists(st.binary(min_size=1, max_size=8), min_size=1, max_size=6),
    where=st.lists(st.integers(0, 24), min_size=1, max_size=6),
    data_format=formats,
)
def test_garbage_between_frames_costs_at_most_that_packet(
    garbage: list[bytes], where: list[int], data_format: int
) -> None:
    packets = [packet_bytes(data_format, i) for i in range(4)]
    noisy = bytearray(packets[1])
    for noise, frame in sorted(zip(garbage, where, strict=False), key=lambda x: -x[1]):
        noisy[frame * 5 : frame * 5] = noise
    stream = packets[0] + bytes(noisy) + packets[2] + packets[3]
    decoded = [p.raw for p in packets_of(decode_all(FramedDecoder(data_format), stream))]
    assert packets[0] in decoded and packets[2] in decoded and packets[3] in decoded


@PROPERTY
@given(cut=st.integers(1, 124), data_format=formats, chunk=st.integers(0, 16))
def test_a_truncated_packet_is_dropped_and_the_next_one_kept(
    cut: int, data_format: int, chunk: int
) -> None:
    packets = [packet_bytes(data_format, i) for i in range(3)]
    stream = packets[0][:cut] + packets[1] + packets[2]
    decoded = [p.raw for p in packets_of(decode_all(FramedDecoder(data_format), stream, chunk))]
    assert decoded[-2:] == [packets[1], packets[2]]
    assert packets[0] not in decoded


@PROPERTY
@given(
    flips=st.lists(st.tuples(st.integers(0, 124), st.integers(0, 7)), min_size=1, max_size=3),
    data_format=formats,
)
def test_bit_flips_never_yield_a_damaged_packet(
    flips: list[tuple[int, int]], data_format: int
) -> None:
    packets = [packet_bytes(data_format, i) for i in range(4)]
    damaged = bytearray(packets[1])
    for position, bit in flips:
        damaged[position] ^= 1 << bit
    stream = packets[0] + bytes(damaged) + packets[2] + packets[3]
    decoded = packets_of(decode_all(FramedDecoder(data_format), stream))
    for packet in decoded:
        assert_valid_packet(packet)
    raws = [p.raw for p in decoded]
    assert packets[3] in raws
    if len({position // 5 for position, _ in flips}) == len(flips):
        # one wrong bit per frame: every checksum catches it, nothing damaged comes out and
        # only the damaged packet is lost (two in one frame can cancel out: the checksum is a sum)
        assert all(raw in packets for raw in raws)
        assert packets[0] in raws and packets[2] in raws


@FAST_PROPERTY
@given(
    noise=st.lists(st.binary(max_size=6), min_size=6, max_size=6),
    chunk=st.integers(1, 9),
)
def test_format8_records_survive_noise_between_them(noise: list[bytes], chunk: int) -> None:
    records = [encode_record8(72 + i % 2, 97) for i in range(6)]
    stream = b"".join(n + r for n, r in zip(noise, records, strict=True))
    decoder = Format8Decoder()
    found: list[bytes] = []
    for start in range(0, len(stream), chunk):
        found += [
            i.packet.raw
            for i in decoder.feed(stream[start : start + chunk])
            if not isinstance(i, Reply)
        ]
    # every record is found, except when a noise byte swallowed the start of the next one
    for index, record in enumerate(records):
        tail = noise[index][-3:] if noise[index] else b""
        if not any(byte & 0x80 for byte in tail):
            assert record in found


# -- the simulator speaks the protocol ------------------------------------------------------------
def run_model(model: NoninModel, seconds: float, step: float = 0.05) -> bytes:
    out = bytearray(model.receive(encode_select_format(model.data_format), 0.0))
    now = 0.0
    while now < seconds:
        now += step
        out += model.tick(now)
    return bytes(out)


def test_unknown_scenario_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="finger_out"):
        NoninModel(scenario="dancing")
    assert "normal" in SCENARIOS and "late_finger" in SCENARIOS


@pytest.mark.parametrize("data_format", [2, 7])
def test_simulator_streams_three_packets_a_second(data_format: int) -> None:
    events = decode_all(FramedDecoder(data_format), run_model(NoninModel(data_format), 10.0))
    assert [e.kind for e in events if isinstance(e, Reply)] == ["ack"]
    assert len(packets_of(events)) == 30
    assert [p.values.timer for p in packets_of(events)] == list(range(30))


def test_simulator_format8_sends_one_record_a_second() -> None:
    items = Format8Decoder().feed(run_model(NoninModel(8), 10.0))
    records = [i for i in items if not isinstance(i, Reply)]
    assert len(records) == 11  # at 0, 1, ... 10 s
    assert all(r.contiguous for r in records[1:])


def test_simulator_holds_display_values_10_s_after_the_finger_left() -> None:
    packets = packets_of(decode_all(FramedDecoder(7), run_model(NoninModel(7, "finger_out"), 14)))
    assert all(p.finger_out and p.values.spo2 is None for p in packets)  # plain: missing at once
    held = [p.spo2_d for p in packets if p.values.timer is not None and p.values.timer < 27]
    dropped = [p.spo2_d for p in packets if p.values.timer is not None and p.values.timer >= 33]
    assert set(held) == {97} and set(dropped) == {None}


def test_simulator_refuses_a_format_change_after_5_s() -> None:
    model = NoninModel(7)
    model.receive(b"\x00", 0.0)
    assert model.receive(encode_select_format(2), 6.0) == b"\x15"
    assert model.receive(encode_select_format(2), 6.1) == b"\x15"
    assert model.data_format == 7


def test_simulator_answers_get_time_and_keeps_a_set_time() -> None:
    model = NoninModel(7)
    model.receive(encode_set_time(dt.datetime(2031, 2, 3, 4, 5, 6)), 1.0)
    reply = model.receive(encode_get_time(), 3.0)
    stream = reply + run_model(NoninModel(7), 1.0)
    replies = [e for e in decode_all(FramedDecoder(7), stream) if isinstance(e, Reply)]
    assert decode_time_reply(replies[0]) == dt.datetime(2031, 2, 3, 4, 5, 8)
