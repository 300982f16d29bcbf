"""The SunTech Advantage codec on every example frame of the protocol file, and on hostile streams.

Golden bytes come from ``../shared/protocols/suntech-advantage.md``. The stream properties check
that the decoder only yields checksum-valid frames, resynchronises one byte at a time, keeps a
bounded buffer and never loses a valid frame that follows garbage.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.bp import protocol as p
from devices.errors import CodecError
from devices.simulators.suntech import SCENARIOS, SuntechModel

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# -- golden commands (host to module) ------------------------------------------------------------

GOLDEN_COMMANDS = [
    (p.START_BP_ADULT, "3A 20 A6"),
    (p.START_BP_PEDIATRIC, "3A 87 3F"),
    (p.START_BP_NEONATE, "3A 28 9E"),
    (p.ABORT_BP, "3A 79 01 00 4C"),
    (p.GET_CUFF_PRESSURE, "3A 79 05 00 48"),
    (p.GET_BP_DATA, "3A 79 03 00 4A"),
    (p.set_initial_inflate_command(160), "3A 17 A0 00 0F"),
    (p.CONTROL_PNEUMATICS_ALL_CLOSED, "3A 0C 00 01 01 B8"),
    (p.GET_MODULE_DATA, "3A 00 C6"),
    (p.GET_RETURN_STRING, "3A 79 02 40 0B"),
    (p.GET_RETURN_CODE, "3A 79 02 03 48"),
    (p.STATUS_SELF_TEST_ADVANTAGE, "3A 79 10 03 3A"),
    (p.STATUS_SELF_TEST_A_PLUS, "3A 79 11 00 3C"),
    (p.CALIBRATE_TRANSDUCER, "3A 04 01 C1"),
    (p.RESET, "3A 8A 3C"),
]


@pytest.mark.parametrize(("encoded", "golden"), GOLDEN_COMMANDS)
def test_commands_are_byte_for_byte_the_protocol_file(encoded: bytes, golden: str) -> None:
    assert encoded == bytes.fromhex(golden)


@pytest.mark.parametrize(("encoded", "golden"), GOLDEN_COMMANDS)
def test_commands_decode_on_the_module_side(encoded: bytes, golden: str) -> None:
    decoder = p.CommandDecoder()
    commands = decoder.feed(bytes.fromhex(golden))
    assert [c.frame for c in commands] == [encoded]
    assert commands[0].known


def test_commands_split_byte_by_byte_and_back_to_back() -> None:
    stream = b"".join(bytes.fromhex(golden) for _, golden in GOLDEN_COMMANDS)
    decoder = p.CommandDecoder()
    commands = [c for byte in stream for c in decoder.feed(bytes([byte]))]
    assert [c.frame for c in commands] == [encoded for encoded, _ in GOLDEN_COMMANDS]


def test_an_unknown_command_is_recognised_as_unknown() -> None:
    decoder = p.CommandDecoder()
    unknown = p.encode_command(b"\x55\x01")
    unknown_0x79 = p.encode_command(b"\x79\x07\x00")
    commands = decoder.feed(unknown + unknown_0x79 + p.GET_CUFF_PRESSURE)
    assert [(c.frame, c.known) for c in commands] == [
        (unknown, False),
        (unknown_0x79, False),
        (p.GET_CUFF_PRESSURE, True),
    ]


def test_a_command_with_a_bad_checksum_is_skipped_not_obeyed() -> None:
    decoder = p.CommandDecoder()
    assert decoder.feed(bytes.fromhex("3A 20 A7") + p.GET_BP_DATA) == [
        p.Command(b"\x79\x03\x00", known=True)
    ]


def test_command_encoding_refuses_impossible_values() -> None:
    with pytest.raises(CodecError):
        p.encode_command(b"")
    with pytest.raises(CodecError):
        p.set_initial_inflate_command(-1)
    with pytest.raises(CodecError):
        p.set_initial_inflate_command(0x8000)


# -- golden replies (module to host) -------------------------------------------------------------

GOLDEN_STATUS = {
    "O": "3E 04 4F 6F",
    "K": "3E 04 4B 73",
    "A": "3E 04 41 7D",
    "B": "3E 04 42 7C",
    "E": "3E 04 45 79",
    "N": "3E 04 4E 70",
    "D": "3E 04 44 7A",
    "S": "3E 04 53 6B",
    "T": "3E 04 54 6A",
}


@pytest.mark.parametrize(("letter", "golden"), sorted(GOLDEN_STATUS.items()))
def test_status_letters(letter: str, golden: str) -> None:
    frame = bytes.fromhex(golden)
    assert p.encode_status(letter) == frame
    reply = p.decode_reply(frame)
    assert reply == p.StatusReply(letter, frame)
    assert isinstance(reply, p.StatusReply)
    assert reply.meaning == p.STATUS_MEANINGS[letter]


def test_cuff_pressure_example_is_258_mmhg() -> None:
    frame = bytes.fromhex("3E 05 02 01 BA")
    assert p.decode_reply(frame) == p.CuffPressure(258, frame)
    assert p.encode_cuff_pressure(258) == frame


def test_cuff_pressure_ff_ff_means_no_value() -> None:
    frame = p.encode_cuff_pressure(None)
    assert frame[2:4] == b"\xff\xff"
    assert p.decode_reply(frame) == p.CuffPressure(None, frame)
    assert p.decode_reply(p.encode_cuff_pressure(-3)) == p.CuffPressure(
        -3, p.encode_cuff_pressure(-3)
    )


GOLDEN_RESULTS = [
    (
        "3E 18 73 00 4A 00 1E 01 00 00 00 00 00 00 31 07 55 00 58 00 00 00 00 E9",
        {
            "systolic": 115,
            "diastolic": 74,
            "beats": 30,
            "bp_status": 1,
            "test_codes": bytes.fromhex("00 00 00 00 00 00 31 07"),
            "heart_rate": 85,
            "mean": 88,
            "error_code": 0,
        },
    ),
    (
        "3E 18 78 00 50 00 14 01 00 00 00 00 00 00 00 00 48 00 5D 00 00 00 00 28",
        {
            "systolic": 120,
            "diastolic": 80,
            "beats": 20,
            "bp_status": 1,
            "test_codes": bytes(8),
            "heart_rate": 72,
            "mean": 93,
            "error_code": 0,
        },
    ),
    (
        "3E 18 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 59 00 00 51",
        {
            "systolic": 0,
            "diastolic": 0,
            "beats": 0,
            "bp_status": 0,
            "test_codes": bytes(8),
            "heart_rate": 0,
            "mean": 0,
            "error_code": 89,
        },
    ),
]


@pytest.mark.parametrize(("golden", "fields"), GOLDEN_RESULTS)
def test_blood_pressure_results(golden: str, fields: dict[str, object]) -> None:
    frame = bytes.fromhex(golden)
    assert p.decode_reply(frame) == p.BPResult(**fields, raw=frame)  # type: ignore[arg-type]
    assert p.encode_bp_result(**fields) == frame  # type: ignore[arg-type]


def test_version_string_names_the_model() -> None:
    frame = p.encode_version("LX0310", "B0218 REV C")
    assert len(frame) == 0x43 and frame[1] == 0x43
    assert frame[2:9] == b"LX0310\x00"  # the first C string starts at frame offset 2
    assert frame[10:22] == b"B0218 REV C\x00"  # the second at offset 10
    reply = p.decode_reply(frame)
    assert reply == p.VersionString("LX0310", "B0218 REV C", frame)
    assert isinstance(reply, p.VersionString)
    assert reply.model == "SunTech Advantage"
    a_plus = p.decode_reply(p.encode_version("SB1.02", ""))
    assert isinstance(a_plus, p.VersionString)
    assert a_plus.model == "SunTech Advantage A+"
    other = p.decode_reply(p.encode_version("ZZ9", "x"))
    assert isinstance(other, p.VersionString)
    assert other.model is None


def test_version_string_without_terminators_stays_in_its_field() -> None:
    data = b"LX123456" + b"A" * 56
    frame = p.encode_reply(data)
    reply = p.decode_reply(frame)
    assert isinstance(reply, p.VersionString)
    assert (reply.primary, reply.secondary) == ("LX123456", "A" * 56)


def test_calibration_result_and_unknown_lengths_are_kept_raw() -> None:
    calibration = p.encode_reply(b"\x00\x01\x00")
    assert p.decode_reply(calibration) == p.CalibrationResult(b"\x00\x01\x00", calibration)
    other = p.encode_reply(b"\x01\x02\x03\x04")
    assert p.decode_reply(other) == p.OtherReply(b"\x01\x02\x03\x04", other)


@pytest.mark.parametrize(
    "bad",
    [
        "3E 04 4B 74",  # checksum
        "3A 04 4B 77",  # wrong sync
        "3E 03 4B 74",  # LEN below 4
        "3E 05 4B 73",  # LEN says 5, frame has 4
        "3E 04",  # too short
    ],
)
def test_decode_reply_refuses_invalid_frames(bad: str) -> None:
    with pytest.raises(CodecError):
        p.decode_reply(bytes.fromhex(bad))


def test_reply_encoding_refuses_impossible_values() -> None:
    with pytest.raises(CodecError):
        p.encode_status("OK")
    with pytest.raises(CodecError):
        p.encode_cuff_pressure(40000)
    with pytest.raises(CodecError):
        p.encode_bp_result(systolic=70000, diastolic=80, mean=90, heart_rate=70)
    with pytest.raises(CodecError):
        p.encode_bp_result(systolic=120, diastolic=80, mean=90, heart_rate=700)
    with pytest.raises(CodecError):
        p.encode_version("TOO-LONG-FOR-8", "")
    with pytest.raises(CodecError):
        p.encode_reply(bytes(65))


# -- the stream decoder: examples ------------------------------------------------------------

K = bytes.fromhex("3E 04 4B 73")
P258 = bytes.fromhex("3E 05 02 01 BA")
RESULT = bytes.fromhex(GOLDEN_RESULTS[1][0])


def raws(frames: list[p.Reply]) -> list[bytes]:
    return [f.raw for f in frames]


def test_frames_split_anywhere_come_out_whole() -> None:
    stream = P258 + K + RESULT + P258
    decoder = p.ReplyDecoder()
    out = [f for byte in stream for f in decoder.feed(bytes([byte]))]
    assert raws(out) == [P258, K, RESULT, P258]
    assert decoder.pending == 0


def test_a_k_between_pressure_replies_is_seen() -> None:
    decoder = p.ReplyDecoder()
    assert raws(decoder.feed(P258 + K[:2])) == [P258]
    assert raws(decoder.feed(K[2:] + P258)) == [K, P258]


def test_a_bad_checksum_drops_one_byte_and_finds_the_next_frame() -> None:
    broken = bytearray(P258)
    broken[-1] ^= 0x01
    decoder = p.ReplyDecoder()
    assert raws(decoder.feed(bytes(broken) + K)) == [K]
    assert decoder.skipped == len(broken)


def test_a_frame_hidden_inside_a_broken_one_is_found() -> None:
    # A corrupted result whose data carries a K: one-byte resync must find the K.
    broken = bytearray(RESULT)
    broken[4:8] = K
    broken[-1] ^= 0xFF
    decoder = p.ReplyDecoder()
    assert K in raws(decoder.feed(bytes(broken)) + decoder.flush_stale())


def test_a_false_sync_with_a_long_length_does_not_hold_frames_forever() -> None:
    decoder = p.ReplyDecoder()
    assert decoder.feed(b"\x3e\x43" + K) == []  # could still be a 67-byte frame
    assert decoder.pending == 6
    assert raws(decoder.flush_stale()) == [K]  # the line went quiet: it was not
    assert decoder.pending == 0


def test_impossible_lengths_are_skipped_at_once() -> None:
    decoder = p.ReplyDecoder()
    assert raws(decoder.feed(b"\x3e\x03\x3e\x44\x3e\xff" + K)) == [K]


def test_garbage_is_not_kept() -> None:
    decoder = p.ReplyDecoder()
    assert decoder.feed(bytes(range(0x3E)) * 100) == []
    assert decoder.pending == 0


# -- the stream decoder: properties ------------------------------------------------------------


def reference_decode(stream: bytes) -> list[bytes]:
    """The plain definition: at each byte, a valid frame is taken whole, else one byte is skipped."""
    frames = []
    i = 0
    while i < len(stream):
        length = stream[i + 1] if i + 1 < len(stream) else 0
        if (
            stream[i] == p.MODULE_SYNC
            and p.MIN_REPLY_LEN <= length <= p.MAX_REPLY_LEN
            and i + length <= len(stream)
            and not sum(stream[i : i + length]) & 0xFF
        ):
            frames.append(stream[i : i + length])
            i += length
        else:
            i += 1
    return frames


valid_frames = st.one_of(
    st.sampled_from(sorted(GOLDEN_STATUS.values())).map(bytes.fromhex),
    st.one_of(st.none(), st.integers(-0x8000, 0x7FFF)).map(p.encode_cuff_pressure),
    st.builds(
        lambda s, d, m, h, e: p.encode_bp_result(
            systolic=s, diastolic=d, mean=m, heart_rate=h, error_code=e
        ),
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFFFF),
        st.integers(0, 0xFF),
        st.integers(0, 0xFF),
    ),
    st.builds(p.encode_version, st.text("LXSB0123.", max_size=7), st.text("AZ-9 ", max_size=20)),
    st.binary(min_size=1, max_size=64).map(p.encode_reply),
)
# Bytes that can sit near the sync byte and lengths, to provoke false starts.
hostile_bytes = st.binary(max_size=80) | st.lists(
    st.sampled_from([0x3E, 0x04, 0x05, 0x18, 0x43, 0x44, 0x00, 0xFF, 0x4B, 0x73]), max_size=40
).map(bytes)
no_sync_garbage = st.binary(max_size=40).map(lambda b: b.replace(b"\x3e", b""))


def feed_in_chunks(stream: bytes, cuts: list[int]) -> tuple[list[bytes], int]:
    decoder = p.ReplyDecoder()
    out: list[bytes] = []
    most_pending = 0
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    for start, end in itertools.pairwise(points):
        out += raws(decoder.feed(stream[start:end]))
        most_pending = max(most_pending, decoder.pending)
    out += raws(decoder.flush_stale())
    assert decoder.pending == 0
    return out, most_pending


@PROPERTY_SETTINGS
@given(
    parts=st.lists(valid_frames | hostile_bytes, max_size=12),
    cuts=st.lists(st.integers(0, 2000), max_size=10),
)
def test_any_stream_decodes_like_the_plain_definition(parts: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(parts)
    out, most_pending = feed_in_chunks(stream, cuts)
    assert out == reference_decode(stream)
    assert most_pending < p.MAX_REPLY_LEN  # never more than one unfinished frame is kept
    for frame in out:
        assert frame[0] == p.MODULE_SYNC and frame[1] == len(frame) and not sum(frame) & 0xFF


@PROPERTY_SETTINGS
@given(
    frames=st.lists(valid_frames, min_size=1, max_size=8),
    garbage=st.lists(no_sync_garbage, min_size=9, max_size=9),
    cuts=st.lists(st.integers(0, 2000), max_size=10),
)
def test_no_valid_frame_is_lost_after_garbage(
    frames: list[bytes], garbage: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(g + f for g, f in zip(garbage, frames, strict=False)) + garbage[-1]
    out, _ = feed_in_chunks(stream, cuts)
    assert out == frames


@PROPERTY_SETTINGS
@given(
    truncated=valid_frames.flatmap(lambda f: st.integers(1, len(f) - 1).map(lambda n: f[:n])),
    frames=st.lists(valid_frames, min_size=1, max_size=5),
)
def test_a_truncated_frame_then_a_quiet_line_loses_nothing_after(
    truncated: bytes, frames: list[bytes]
) -> None:
    decoder = p.ReplyDecoder()
    before = raws(decoder.feed(truncated)) + raws(decoder.flush_stale())
    for frame in before:  # only what hides inside the broken frame, and valid
        assert frame in truncated and not sum(frame) & 0xFF
    assert raws(decoder.feed(b"".join(frames))) == frames


@PROPERTY_SETTINGS
@given(
    frames=st.lists(valid_frames, min_size=1, max_size=6),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 7)), min_size=1, max_size=6),
    cuts=st.lists(st.integers(0, 2000), max_size=6),
)
def test_bit_errors_never_let_a_bad_frame_through(
    frames: list[bytes], flips: list[tuple[int, int]], cuts: list[int]
) -> None:
    stream = bytearray(b"".join(frames))
    for position, bit in flips:
        stream[position % len(stream)] ^= 1 << bit
    out, _ = feed_in_chunks(bytes(stream), cuts)
    assert out == reference_decode(bytes(stream))
    for frame in out:
        p.decode_reply(frame)  # raises CodecError if a bad frame got through


@PROPERTY_SETTINGS
@given(stream=st.binary(max_size=300))
def test_the_command_decoder_never_raises_and_only_yields_checked_commands(stream: bytes) -> None:
    decoder = p.CommandDecoder()
    for command in decoder.feed(stream):
        assert not sum(command.frame) & 0xFF
        assert stream.find(command.frame) >= 0
    assert len(decoder._buffer) <= 10


# -- the simulator speaks this codec -----------------------------------------------------------


def test_unknown_scenario_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="valid scenarios: normal, garbage"):
        SuntechModel("thunderstorm")
    assert "safety_timeout" in SCENARIOS


def replies(model: SuntechModel, command: bytes, now: float) -> list[p.Reply]:
    assert model.receive(command, now) == b""  # replies are late, as a module's are
    decoder = p.ReplyDecoder()
    return decoder.feed(model.tick(now + 0.2))


def test_the_simulated_cycle_follows_the_protocol_file() -> None:
    model = SuntechModel()
    assert replies(model, p.GET_CUFF_PRESSURE, 0.0) == [
        p.CuffPressure(0, p.encode_cuff_pressure(0))
    ]
    assert [r.raw for r in replies(model, p.START_BP_ADULT, 1.0)] == [p.encode_status("O")]
    seen = []
    end = None
    decoder = p.ReplyDecoder()
    for tenth in range(12, 600):
        now = tenth / 10
        seen.append(model.pressure(now))
        for reply in decoder.feed(model.tick(now)):
            assert reply == p.StatusReply("K", p.encode_status("K"))
            end = now
        if end is not None:
            break
    assert end is not None and 25 <= end - 1.0 <= 45  # a whole cycle takes 25-45 s
    rising = seen[: seen.index(max(seen)) + 1]
    assert rising == sorted(rising) and max(seen) == 160
    assert 15 <= (rising[-1] - rising[0]) / ((len(rising) - 1) / 10) <= 20  # mmHg/s
    (result,) = replies(model, p.GET_BP_DATA, end)
    assert isinstance(result, p.BPResult)
    assert (result.systolic, result.diastolic, result.heart_rate, result.error_code) == (
        120,
        80,
        72,
        0,
    )


def test_the_simulator_answers_d_to_an_unknown_command_and_a_to_an_abort() -> None:
    model = SuntechModel()
    assert [r.raw for r in replies(model, p.encode_command(b"\x55"), 0.0)] == [p.encode_status("D")]
    replies(model, p.START_BP_ADULT, 1.0)
    model.tick(6.0)
    inflated = model.pressure(6.0)
    assert inflated > 80
    assert [r.raw for r in replies(model, p.ABORT_BP, 6.0)] == [p.encode_status("A")]
    assert model.pressure(6.5) < inflated
    assert model.pressure(10.0) == 0  # it really deflated
    (result,) = replies(model, p.GET_BP_DATA, 10.0)
    assert isinstance(result, p.BPResult) and result.error_code == 86


def test_babble_never_makes_a_frame() -> None:
    model = SuntechModel("babble", seed=3)
    decoder = p.ReplyDecoder()
    for second in range(200):
        model.receive(p.GET_CUFF_PRESSURE, float(second))
        assert decoder.feed(model.tick(second + 0.5)) == []
    assert decoder.flush_stale() == []


@pytest.mark.parametrize(
    ("scenario", "code", "peak_at_least", "peak_below"),
    [
        ("over_pressure", 89, 300, 400),
        ("loose_cuff", 87, 1, 20),
        ("motion", 2, 150, 170),
        ("weak_signal", 1, 150, 170),
        ("hypertension", 0, 185, 250),
    ],
)
def test_simulated_scenarios_move_the_cuff_as_their_fault_would(
    scenario: str, code: int, peak_at_least: int, peak_below: int
) -> None:
    model = SuntechModel(scenario)
    replies(model, p.START_BP_ADULT, 0.0)
    peak = 0.0
    decoder = p.ReplyDecoder()
    for tenth in range(1, 1300):
        now = tenth / 10
        peak = max(peak, model.pressure(now))
        if decoder.feed(model.tick(now)):  # the unsolicited K
            break
    assert peak_at_least <= peak < peak_below
    (result,) = replies(model, p.GET_BP_DATA, now)
    assert isinstance(result, p.BPResult) and result.error_code == code


def test_the_safety_timeout_scenario_runs_past_120_seconds() -> None:
    model = SuntechModel("safety_timeout")
    replies(model, p.START_BP_ADULT, 0.0)
    assert model.tick(119.0) == b"" and model.measuring
    model.tick(125.0)
    assert not model.measuring
    (result,) = replies(model, p.GET_BP_DATA, 125.0)
    assert isinstance(result, p.BPResult) and result.error_code == 88
