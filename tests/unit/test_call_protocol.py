"""The call's pure parts: the message envelope, delivery rules, ICE servers, the otoscope encoder."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from kiosk import signaling
from kiosk.call.channel import Inbox, Outbox
from kiosk.config import load_config


def test_a_message_round_trips_through_the_envelope() -> None:
    text = signaling.message("call.pick", re="7", call_id="c-1")
    data = signaling.parse(text, {"call.pick": {"call_id": (str,)}})
    assert data == {"type": "call.pick", "v": 1, "re": "7", "call_id": "c-1"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", signaling.MALFORMED),
        ("[1, 2]", signaling.MALFORMED),
        ('{"v": 1}', signaling.MALFORMED),
        ('{"type": "call.pick", "v": 2, "call_id": "x"}', signaling.BAD_VERSION),
        ('{"type": "call.pick", "v": true, "call_id": "x"}', signaling.BAD_VERSION),
        ('{"type": "call.nope", "v": 1}', signaling.UNKNOWN_TYPE),
        ('{"type": "call.pick", "v": 1}', signaling.MALFORMED),
        ('{"type": "call.pick", "v": 1, "call_id": 5}', signaling.MALFORMED),
        ('{"type": "call.pick", "v": 1, "call_id": "x", "id": 3}', signaling.MALFORMED),
        ('{"type": "call.pick", "v": 1, "call_id": "' + "x" * 70000 + '"}', signaling.TOO_LARGE),
    ],
)
def test_bad_messages_get_the_documented_error_code(text: str, code: str) -> None:
    with pytest.raises(signaling.ProtocolError) as caught:
        signaling.parse(text, signaling.DOCTOR_TO_PORTAL)
    assert caught.value.code == code


def test_the_error_names_the_message_that_caused_it() -> None:
    with pytest.raises(signaling.ProtocolError) as caught:
        signaling.parse('{"type": "call.pick", "v": 1, "id": "q9"}', signaling.DOCTOR_TO_PORTAL)
    assert caught.value.re == "q9"
    reply = json.loads(signaling.error(caught.value.code, str(caught.value), caught.value.re))
    assert reply["type"] == "error" and reply["re"] == "q9" and reply["code"] == "malformed"


def test_a_boolean_is_not_a_number_of_sequence() -> None:
    with pytest.raises(signaling.ProtocolError):
        signaling.parse('{"type": "ack", "v": 1, "seq": true}', signaling.DOCTOR_TO_CABIN)


def test_unacknowledged_messages_are_sent_again_in_order_and_acknowledged_ones_never() -> None:
    box = Outbox()
    first, _ = box.push("measurement", None, measurement_id="m-1", kind="bp", status="accepted")
    second, texts = box.push("still.begin", ["chunk-0", "end"], still_id="s-1", chunks=1)
    assert (first, second) == (1, 2)
    assert texts[1:] == ["chunk-0", "end"]
    assert [json.loads(t)["seq"] for t in box.pending()[:2]] == [1, 2]
    assert box.ack(1)
    assert not box.ack(1)  # a second ack of the same message changes nothing
    assert json.loads(box.pending()[0])["seq"] == 2
    assert box.pending()[1:] == ["chunk-0", "end"]  # a still goes again whole
    assert box.ack(2) and box.pending() == [] and len(box) == 0


def test_a_still_queued_again_replaces_its_unacknowledged_copy() -> None:
    box = Outbox()
    box.replace("s-1", "still.begin", ["a-0", "a-end"], still_id="s-1", chunks=1)
    box.push("session", None, patient={})
    seq, _ = box.replace("s-1", "still.begin", ["b-0", "b-end"], still_id="s-1", chunks=1)
    session, begin, *chunks = box.pending()
    assert json.loads(session)["type"] == "session"
    assert json.loads(begin)["seq"] == seq and chunks == ["b-0", "b-end"]
    assert len(box) == 2  # one session, one copy of the still
    assert not box.ack(1)  # the replaced copy is gone: its late ack changes nothing


def test_a_message_received_twice_is_handled_once() -> None:
    inbox = Inbox()
    assert inbox.first_time(1)
    assert not inbox.first_time(1)
    assert inbox.first_time(2)


def test_ice_servers_come_from_the_config_with_time_limited_turn_credentials() -> None:
    from kiosk.call.service import ice_servers

    config = load_config(
        environ={},
        overrides={
            "call": {
                "cabin": "cab-1",
                "ice_servers": "stun:stun.example.fr:3478 turns:turn.example.fr:443?transport=tcp",
                "turn_secret": "s3cret",
                "turn_ttl_s": 600,
            }
        },
    )
    stun, turn = ice_servers(config, now=1_000_000.0)
    assert stun.urls == "stun:stun.example.fr:3478" and stun.username is None
    assert turn.urls.startswith("turns:") and turn.username == "1000600:cab-1"
    expected = hmac.new(b"s3cret", b"1000600:cab-1", hashlib.sha1).digest()
    assert turn.credential == base64.b64encode(expected).decode()


def test_no_ice_server_by_default() -> None:
    from kiosk.call.service import ice_servers

    assert ice_servers(load_config(environ={})) == []


def test_the_otoscope_encoder_starts_above_two_megabits_and_stays_in_its_band() -> None:
    from kiosk.call.media import HighDetailVp8Encoder

    encoder = HighDetailVp8Encoder(2_500_000, floor=1_250_000, ceiling=5_000_000)
    assert encoder.target_bitrate == 2_500_000
    encoder.target_bitrate = 300_000  # congestion control may lower it, not below the floor
    assert encoder.target_bitrate == 1_250_000
    encoder.target_bitrate = 50_000_000
    assert encoder.target_bitrate == 5_000_000


def test_the_otoscope_sender_gets_the_high_detail_encoder() -> None:
    from aiortc import RTCPeerConnection

    from kiosk.call.media import CameraTrack, HighDetailVp8Encoder, use_high_detail

    async def build() -> object:
        pc = RTCPeerConnection()
        transceiver = pc.addTransceiver(CameraTrack(lambda: None), direction="sendonly")
        use_high_detail(transceiver.sender, 3_000_000)
        encoder = transceiver.sender._RTCRtpSender__encoder  # type: ignore[attr-defined]
        await pc.close()
        return encoder

    import asyncio

    encoder = asyncio.run(build())
    assert isinstance(encoder, HighDetailVp8Encoder)
    assert encoder.target_bitrate == 3_000_000


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("Dr Lefèvre", None),
        ("", None),
        (None, None),
        ("Dr Lefèvre 10003456789", "10003456789"),
        ("10 003 456 789", "10003456789"),
        ("1000345678912", None),  # 13 digits: not an RPPS number
    ],
)
def test_only_an_rpps_number_of_the_treating_physician_reaches_the_portal(
    typed: str | None, sent: str | None
) -> None:
    from kiosk.call.service import rpps_number

    assert rpps_number(typed) == sent


def test_the_microphone_is_not_in_the_video_stream_so_video_is_not_held_for_lip_sync() -> None:
    import asyncio

    from aiortc import RTCPeerConnection

    from kiosk.call.media import CameraTrack, ToneMicrophone, own_stream

    async def offer() -> str:
        pc = RTCPeerConnection()
        pc.addTransceiver(CameraTrack(lambda: None), direction="sendrecv")
        audio = pc.addTransceiver(ToneMicrophone(), direction="sendrecv")
        own_stream(audio.sender)
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
        return sdp

    sdp = asyncio.run(offer())
    streams = [
        line.split()[0].split(":", 1)[1] for line in sdp.splitlines() if line.startswith("a=msid:")
    ]
    assert len(streams) == 2 and streams[0] != streams[1]
