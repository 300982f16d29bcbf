"""A doctor written in Python from docs/signaling.md alone: logs into the portal, picks a patient,
answers the cabin's offers with a real aiortc peer, acknowledges what it receives, asks for
measurements and sends the report. Tests use it where a browser would be slow to drive; the
end-to-end tests use the real doctor console in Chromium.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, VideoStreamTrack

from devices.camera.synthetic import decode_counter
from kiosk import signaling
from kiosk.call.media import ToneMicrophone


class PythonDoctor:
    def __init__(self, portal_url: str, name: str, password: str) -> None:
        self.url = portal_url.rstrip("/")
        self.name = name
        self.password = password
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.signals: list[dict[str, Any]] = []  # every signaling message received
        self.channel_messages: list[dict[str, Any]] = []  # every data-channel message received
        self.pc: RTCPeerConnection | None = None
        self.channel: Any = None
        self.generation = 0
        self.call_id: str | None = None
        self.video_counters: list[int] = []  # decoded from the room camera's picture
        self.video_tracks: list[Any] = []
        self.audio_frames = 0
        self.stills: dict[str, bytes] = {}
        self._chunks: dict[str, dict[int, str]] = {}
        self._still_seq: dict[str, int] = {}
        self._seen: set[int] = set()
        self._outbox: list[tuple[int, str]] = []
        self._seq = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.answer_offers = (
            True  # False: offers are left unanswered (a doctor whose network is gone)
        )
        self.ack_messages = True

    # -- signaling ---------------------------------------------------------------------------
    async def login(self) -> aiohttp.ClientResponse:
        # The portal runs on 127.0.0.1: aiohttp keeps cookies of IP hosts only when told to.
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        response = await self.http.post(
            f"{self.url}/login",
            data={"name": self.name, "password": self.password},
            allow_redirects=False,
        )
        return response

    async def connect(self) -> None:
        assert self.http is not None
        ws_url = self.url.replace("http://", "ws://", 1) + "/ws/doctor"
        self.ws = await self.http.ws_connect(ws_url, headers={"Origin": self.url})
        self._spawn(self._read_signals(self.ws))

    async def _read_signals(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for raw in ws:
            if raw.type is not aiohttp.WSMsgType.TEXT:
                continue
            msg = json.loads(raw.data)
            self.signals.append(msg)
            if msg["type"] == "sdp.offer" and self.answer_offers:
                await self._answer(msg)
            elif msg["type"] in ("call.picked", "call.active"):
                await self.send("call.join", call_id=msg["call_id"], join_token=msg["join_token"])

    async def send(self, kind: str, **fields: Any) -> None:
        assert self.ws is not None
        await self.ws.send_str(signaling.message(kind, **fields))

    async def wait_signal(self, kind: str, timeout: float = 15.0, after: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.signals[after:]:
                if msg["type"] == kind:
                    return msg
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no {kind} from the portal; got {[m['type'] for m in self.signals]}"
                )
            await asyncio.sleep(0.02)

    async def queue(self, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The newest non-empty queue the portal sent."""
        deadline = time.monotonic() + timeout
        while True:
            queues = [m for m in self.signals if m["type"] == "queue" and m["entries"]]
            if queues:
                return list(queues[-1]["entries"])
            if time.monotonic() > deadline:
                raise AssertionError("no patient in the queue")
            await asyncio.sleep(0.02)

    async def pick(self, call_id: str) -> None:
        self.call_id = call_id
        await self.send("call.pick", call_id=call_id)

    # -- the peer connection -----------------------------------------------------------------
    async def _answer(self, offer: dict[str, Any]) -> None:
        if offer["generation"] < self.generation:
            return
        await self.drop_peer()
        self.generation = offer["generation"]
        self.call_id = offer["call_id"]
        pc = RTCPeerConnection()
        self.pc = pc

        @pc.on("datachannel")
        def _channel(channel: Any) -> None:
            self.channel = channel

            @channel.on("message")
            def _message(text: str) -> None:
                self._on_channel(text)

            for _, text in self._outbox:
                channel.send(text)

        @pc.on("track")
        def _track(track: Any) -> None:
            if track.kind == "video":
                self.video_tracks.append(track)
                # The first video is the room camera (its counter is stamped), then the otoscope.
                self._spawn(self._read_video(track, first=len(self.video_tracks) == 1))
            else:
                self._spawn(self._read_audio(track))

        await pc.setRemoteDescription(RTCSessionDescription(offer["sdp"], "offer"))
        self.video_tracks = []
        # The doctor's own camera and voice go into the first video and the audio transceivers.
        pc.addTrack(ToneMicrophone(frequency=660.0))
        pc.addTrack(VideoStreamTrack())
        answer = await pc.createAnswer()
        await pc.setLocalDescription(answer)
        await self.send(
            "sdp.answer",
            call_id=offer["call_id"],
            generation=offer["generation"],
            sdp=pc.localDescription.sdp,
        )
        self._spawn(self._heartbeat(pc))

    async def _read_video(self, track: Any, first: bool) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if first:
                counter = decode_counter(frame.to_ndarray(format="bgr24"))
                if counter is not None:
                    self.video_counters.append(counter)

    async def _read_audio(self, track: Any) -> None:
        while True:
            try:
                await track.recv()
            except MediaStreamError:
                return
            self.audio_frames += 1

    async def _heartbeat(self, pc: RTCPeerConnection) -> None:
        while self.pc is pc:
            if self.channel is not None and self.channel.readyState == "open":
                self.channel.send(signaling.message("heartbeat", t_ms=int(time.time() * 1000)))
            await asyncio.sleep(1.0)

    async def drop_peer(self) -> None:
        """Close the peer connection without a word: to the cabin, the network is gone."""
        pc, self.pc = self.pc, None
        self.channel = None
        if pc is not None:
            await pc.close()

    # -- the data channel --------------------------------------------------------------------
    def _on_channel(self, text: str) -> None:
        msg = json.loads(text)
        self.channel_messages.append(msg)
        kind = msg["type"]
        if kind == "ack":
            self._outbox = [(s, t) for s, t in self._outbox if s != msg["seq"]]
            return
        if kind == "still.chunk":
            self._chunks.setdefault(msg["still_id"], {})[msg["index"]] = msg["data"]
            return
        if kind == "still.end":
            chunks = self._chunks.pop(msg["still_id"], {})
            self.stills[msg["still_id"]] = base64.b64decode(
                "".join(chunks[i] for i in sorted(chunks))
            )
            seq = self._still_seq.pop(msg["still_id"], None)
            if seq is not None:
                self._ack(seq)
            return
        if "seq" not in msg or not self.ack_messages:
            return
        if kind == "still.begin":
            self._still_seq[msg["still_id"]] = msg["seq"]
            return
        self._ack(msg["seq"])

    def _ack(self, seq: int) -> None:
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(signaling.message("ack", seq=seq))

    def send_reliable(self, kind: str, **fields: Any) -> None:
        seq = next(self._seq)
        text = signaling.message(kind, seq=seq, **fields)
        self._outbox.append((seq, text))
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(text)

    def received(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.channel_messages if m["type"] == kind]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("the doctor did not see it in time")
            await asyncio.sleep(0.02)

    # -- life cycle --------------------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        await self.drop_peer()
        if self.ws is not None:
            await self.ws.close()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.close()
