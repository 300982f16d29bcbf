"""The call with the remote doctor, from the cabin's side (docs/signaling.md).

``CallService`` follows the session: when the session enters WAITING_FOR_DOCTOR it reaches the
portal and waits in its waiting room; when a doctor joins it builds an aiortc peer connection (room
camera, microphone, otoscope, data channel) and moves the session to IN_CALL; the doctor's report
is stored and moves it to REPORT. When the session leaves those steps, the call is hung up.

A lost connection (no message for ``lost_after_s``, a failed peer connection, a dropped portal
socket) shows "reconnecting"; the cabin builds a new peer connection (aiortc has no ICE restart)
and everything the doctor has not acknowledged is sent again, so nothing measured meanwhile is lost.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import aiohttp
import cv2
import numpy as np
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)

from kiosk import __version__, signaling
from kiosk.call.channel import Inbox, Outbox
from kiosk.call.media import (
    CameraTrack,
    RemoteAudio,
    RemoteVideo,
    keep_media_on_loopback,
    open_microphone,
    own_stream,
    use_high_detail,
)
from kiosk.call.state import (
    CALL_AUTH_FAILED,
    CALL_CABIN_REVOKED,
    CALL_NOT_CONFIGURED,
    CALL_PORTAL_UNREACHABLE,
    CALL_REFUSED,
    CallPhase,
    CallSnapshot,
    DoctorRequest,
    ReportView,
)
from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.flow import CallEnded, DoctorJoined, State
from kiosk.services.devices import Devices, DeviceStatus
from kiosk.services.measurements import STORED_KIND, LiveUpdate, MeasurementService
from kiosk.services.session import SessionService, Snapshot
from kiosk.storage.repository import MeasurementRow, ReportRow

logger = logging.getLogger(__name__)

CALL_STATES = (State.WAITING_FOR_DOCTOR, State.IN_CALL)
RECONNECT_DELAYS_S = (0.5, 1.0, 2.0, 3.0)  # then 3 s forever
STILL_CHUNK_CHARS = 48 * 1024
STILL_JPEG_QUALITY = 92
# Live progress: how often each kind may go to the doctor (seconds between two).
PROGRESS_EVERY_S = {"cuff_pressure": 0.2, "probe_temperature": 1.0, "oximetry": 1.0, "phase": 0.0}
SELF_VIEW_FPS = 10.0
# What the assistant is told is still on its way to the doctor (CallSnapshot.undelivered).
UNDELIVERED_KINDS = ("measurement", "still.begin")

ACTION_KIND = {
    "take_bp": "blood_pressure",
    "take_temperature": "temperature",
    "take_spo2": "spo2",
    "show_otoscope": "otoscope",
}
_DEVICE_KIND = {
    "bp": "bp",
    "thermometer": "temperature",
    "oximeter": "spo2",
    "otoscope": "otoscope",
}
_WIRE_KIND = {"blood_pressure": "bp", "body_temperature": "temperature", "oximetry": "spo2"}
_MEASURE_KIND = {stored: kind for kind, stored in STORED_KIND.items()}  # stored -> started
# Why a confirmed request ended without its result (request.status ``reason``), in plain words
# for the ``message`` field; the doctor console shows its own words for the code.
REQUEST_REASONS = {
    "stopped": "the assistant stopped it before any result",
    "not_kept": "the assistant did not keep the result",
    "device_failed": "the device could not do it",
    "closed_without_still": "the otoscope was shown, then closed without a still",
}

VideoListener = Callable[[str, np.ndarray[Any, Any]], None]  # ("doctor" | "self", BGR image)
Listener = Callable[[CallSnapshot], None]


def ice_servers(config: Config, now: float | None = None) -> list[RTCIceServer]:
    """ICE servers from the config; coturn's use-auth-secret gives time-limited credentials."""
    urls = config.call.ice_servers.split()
    if not urls:
        return []
    username = config.call.turn_username or None
    password = config.call.turn_password or None
    if config.call.turn_secret:
        expiry = int((now if now is not None else time.time()) + config.call.turn_ttl_s)
        username = f"{expiry}:{config.call.cabin or 'cabin'}"
        digest = hmac.new(config.call.turn_secret.encode(), username.encode(), hashlib.sha1)
        password = base64.b64encode(digest.digest()).decode()
    servers: list[RTCIceServer] = []
    for url in urls:
        if url.startswith(("turn:", "turns:")):
            servers.append(RTCIceServer(url, username=username, credential=password))
        else:
            servers.append(RTCIceServer(url))
    return servers


def rpps_number(treating_physician: str | None) -> str | None:
    """The treating physician's RPPS number (11 digits) when the assistant typed one, else None.

    The identity form takes the physician as free text ("Dr Lefèvre", "Dr Lefèvre 10003456789");
    only the number lets the portal find the doctor, and nothing else of it is sent.
    """
    match = re.search(r"(?<!\d)\d{11}(?!\d)", (treating_physician or "").replace(" ", ""))
    return match.group(0) if match else None


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def measurement_message(row: MeasurementRow) -> dict[str, Any]:
    """A stored measurement as the data channel's ``measurement`` body (without seq)."""
    from kiosk.services.measurements import alerts_for

    values = {k: v for k, v in row.reading.items() if k not in ("unit", "stable")}
    error = row.error.get("code") if row.error else None
    return {
        "measurement_id": f"m-{row.id}",
        "kind": _WIRE_KIND.get(row.kind, row.kind),
        "status": "failed" if row.status == "failed" else "accepted",
        "taken_at": row.taken_at,
        "values": values,
        "flags": list(row.flags),
        "alerts": list(alerts_for(row.kind, row.reading)) if row.status != "failed" else [],
        "device": {"model": row.device.get("model"), "serial": row.device.get("serial")},
        "error": error,
    }


class _Peer:
    """One peer connection (one generation) and what reads from it."""

    def __init__(self, generation: int, pc: RTCPeerConnection) -> None:
        self.generation = generation
        self.pc = pc
        self.channel: Any = None
        self.otoscope_mid: str | None = None
        self.readers: list[Any] = []
        self.tracks: list[Any] = []
        self.closers: list[Any] = []

    @property
    def open(self) -> bool:
        return self.channel is not None and self.channel.readyState == "open"

    async def close(self) -> None:
        for track in self.tracks:
            track.stop()
        await self.pc.close()
        for reader in self.readers:
            if isinstance(reader, RemoteAudio):
                await reader.close()
            else:
                reader.task.cancel()
                await asyncio.gather(reader.task, return_exceptions=True)
        for closer in self.closers:
            with contextlib.suppress(Exception):
                closer()


class CallService:
    def __init__(
        self,
        config: Config,
        session: SessionService,
        measurements: MeasurementService | None,
        devices: Devices | None,
        clock: Clock,
    ) -> None:
        self.config = config
        self.session = session
        self.measurements = measurements
        self.devices = devices
        self.clock = clock
        self.view_value = CallSnapshot()
        self._listeners: list[Listener] = []
        self._video: list[VideoListener] = []
        self._task: asyncio.Task[None] | None = None
        self._call_session: str | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._call_id: str | None = None
        self._doctor: dict[str, str] | None = None
        self._doctor_present = False
        self._peer: _Peer | None = None
        self._generation = 0
        self._outbox = Outbox()
        self._inbox = Inbox()
        self._last_rx = 0.0
        self._last_offer = 0.0
        self._lost = False
        self._progress_sent: dict[str, float] = {}
        self._kind_request: dict[str, str] = {}  # measurement kind -> the doctor's request id
        self._request_seen: dict[str, str] = {}  # kind -> how far its run went (result, preview)
        self._requests_check_due = False
        self._jpegs: dict[int, tuple[bytes, int, int]] = {}  # image id -> JPEG, width, height
        self._otoscope_active = False
        self._room_opened = False
        self._bg: set[asyncio.Task[Any]] = set()
        self._publish_due = False
        self._unavailable_sent: dict[str, str] = {}
        self.stamp_time = False  # benchmarks: stamp the sending time into the room video
        self.reconnections = 0

    # -- listeners ---------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def subscribe_video(self, listener: VideoListener) -> None:
        self._video.append(listener)

    def _set(self, **changes: Any) -> None:
        new = replace(self.view_value, **changes)
        if new != self.view_value:
            self.view_value = new
            for listener in self._listeners:
                listener(new)
            self._publish_soon()

    def _publish_soon(self) -> None:
        # Never publish from inside a publish (the call follows the session's snapshots): the
        # screens would get a newer snapshot before an older one.
        if not self._publish_due:
            self._publish_due = True
            asyncio.get_running_loop().call_soon(self._publish)

    def _publish(self) -> None:
        self._publish_due = False
        self.session.publish()

    def view(self, session_id: str | None) -> CallSnapshot:
        """What the screens show; after a restart the stored report comes back with it."""
        snap = self.view_value
        if (
            session_id is not None
            and snap.report is None
            and self._call_session in (None, session_id)
        ):
            row = self.session.repo.report(session_id)
            if row is not None:
                snap = replace(snap, report=_report_view(row))
        if session_id is None or (self._call_session not in (None, session_id)):
            return CallSnapshot()
        return snap

    # -- life cycle --------------------------------------------------------------------------
    async def start(self) -> None:
        self.session.subscribe(self._session_changed)
        if self.measurements is not None:
            self.measurements.subscribe_records(self._recorded)
            self.measurements.subscribe_live(self._live)
        self._session_changed(self.session.last)

    async def stop(self) -> None:
        await self._hang_up("kiosk_stopped")
        for task in list(self._bg):
            task.cancel()
        await asyncio.gather(*self._bg, return_exceptions=True)

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._bg.add(task)
        task.add_done_callback(self._bg.discard)
        return task

    def _session_changed(self, snap: Snapshot) -> None:
        session = snap.session
        in_call = session is not None and session.state in CALL_STATES
        if in_call and self._task is None:
            assert session is not None
            self._begin(session.id)
        elif not in_call and self._task is not None:
            self._spawn(self._hang_up("session_left_call"), "call-hang-up")
        if self._kind_request and not self._requests_check_due:
            # After this publish has reached every listener: a result is published before it is
            # recorded, and the record answers the request itself.
            self._requests_check_due = True
            asyncio.get_running_loop().call_soon(self._check_requests)

    def _begin(self, session_id: str) -> None:
        self._call_session = session_id
        # After a restart in the middle of a call, ask the portal for the same call back.
        self._call_id = self._last_call_id(session_id)
        self._doctor = None
        self._doctor_present = False
        self._generation = 0
        self._outbox = Outbox()
        self._inbox = Inbox()
        self._kind_request = {}
        self._request_seen = {}
        self._jpegs = {}
        self._otoscope_active = False
        self._unavailable_sent = self._unavailable()
        self.reconnections = 0
        self.view_value = CallSnapshot(phase=CallPhase.CONNECTING)
        if not self.config.call.portal_url or not self.config.call.cabin_secret:
            self._task = self._spawn(asyncio.sleep(0), "call-none")
            self._set(phase=CallPhase.FAILED, error=CALL_NOT_CONFIGURED)
            return
        self._task = self._spawn(self._run(session_id), "call")
        self._push_session(session_id)
        self.session.repo.audit(self.session.actor(), "call_requested", session_id)
        self._publish_soon()

    def _last_call_id(self, session_id: str) -> str | None:
        for row in reversed(self.session.repo.audit_log(session_id)):
            if row.action == "call_ended":
                return None
            if row.action == "call_queued":
                call = row.detail.get("call") if isinstance(row.detail, dict) else None
                return str(call) if call else None
        return None

    def retry(self) -> None:
        """The assistant asks to try again after a failure (portal down, secret fixed...)."""
        session_id = self._call_session
        if self.view_value.phase is CallPhase.FAILED and session_id is not None:
            self._task = None
            self._begin(session_id)

    async def _hang_up(self, reason: str) -> None:
        task, self._task = self._task, None
        session_id, call_id = self._call_session, self._call_id
        ws = self._ws
        await self._drain_channel()
        if ws is not None and not ws.closed and call_id is not None:
            kind = "call.cancel" if self._doctor is None else "call.end"
            with contextlib.suppress(Exception):
                fields = {"call_id": call_id}
                if kind == "call.end":
                    fields["reason"] = (
                        "report_received" if self.view_value.report else "assistant_ended"
                    )
                await ws.send_str(signaling.message(kind, **fields))
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await self._close_peer()
        await self._close_room_camera()
        if session_id is not None and call_id is not None:
            self.session.repo.audit(
                self.session.actor(), "call_ended", session_id, {"call": call_id, "reason": reason}
            )
        report = self.view_value.report
        self._call_id = None
        self._doctor = None
        self._jpegs = {}  # no patient picture kept in memory after the call
        self._set(
            **vars(CallSnapshot(phase=CallPhase.ENDED if report else CallPhase.IDLE, report=report))
        )

    # -- the signaling socket ----------------------------------------------------------------
    async def _run(self, session_id: str) -> None:
        attempt = 0
        heartbeat = self._spawn(self._heartbeat(), "call-heartbeat")
        self_view = self._spawn(self._self_view(), "call-self-view")
        await self._open_room_camera()
        try:
            async with aiohttp.ClientSession() as http:
                while True:
                    try:
                        await self._connect_once(http, session_id)
                        attempt = 0 if self._call_id else attempt + 1
                    except _Refused as exc:
                        logger.error("call: the portal refused this cabin (%s)", exc.code)
                        self._set(phase=CallPhase.FAILED, error=exc.code)
                        return
                    except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                        logger.warning("call: the portal cannot be reached: %s", type(exc).__name__)
                        attempt += 1
                    # The socket is gone (refused, dropped or closed by the portal): the waiting
                    # room's position is stale until the portal answers again.
                    if self._doctor is not None:
                        self._set(phase=CallPhase.RECONNECTING)
                    else:
                        self._set(phase=CallPhase.CONNECTING, error=CALL_PORTAL_UNREACHABLE)
                    delay = RECONNECT_DELAYS_S[min(attempt, len(RECONNECT_DELAYS_S) - 1)]
                    await asyncio.sleep(delay)
        finally:
            heartbeat.cancel()
            self_view.cancel()
            self._ws = None

    async def _connect_once(self, http: aiohttp.ClientSession, session_id: str) -> None:
        url = self.config.call.portal_url.rstrip("/")
        url = url.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + "/ws/cabin"
        async with http.ws_connect(
            url, heartbeat=2.0, timeout=aiohttp.ClientWSTimeout(ws_close=2.0)
        ) as ws:
            self._ws = ws
            await ws.send_str(
                signaling.message(
                    "hello",
                    cabin=self.config.call.cabin,
                    secret=self.config.call.cabin_secret,
                    kiosk_version=__version__,
                )
            )
            welcomed = False
            async for raw in ws:
                if raw.type is not aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    msg = signaling.parse(raw.data, signaling.PORTAL_TO_CABIN)
                except signaling.ProtocolError as exc:
                    logger.warning("call: unreadable message from the portal (%s)", exc.code)
                    continue
                kind = msg["type"]
                if kind == "error":
                    code = msg["code"]
                    if code == signaling.AUTH_FAILED or code == signaling.NOT_AUTHENTICATED:
                        raise _Refused(CALL_AUTH_FAILED)
                    if code == signaling.CABIN_REVOKED:
                        raise _Refused(CALL_CABIN_REVOKED)
                    logger.warning("call: the portal answered %s: %s", code, msg.get("message"))
                    if not welcomed or self._call_id is None:
                        # The hello or the call request itself was refused: retrying would only
                        # be refused again; the assistant is told, and may try again.
                        raise _Refused(CALL_REFUSED)
                    continue
                if kind == "welcome":
                    welcomed = True
                    await ws.send_str(self._call_request(session_id))
                    continue
                await self._on_portal(msg)
        self._ws = None

    def _call_request(self, session_id: str) -> str:
        repo = self.session.repo
        identity = repo.identity(session_id)
        triage = repo.triage(session_id)
        age = _age(identity.birth_date, self.clock.now().date()) if identity else None
        return signaling.message(
            "call.request",
            reason=triage.reason if triage else "",
            age=age,
            treating_doctor=rpps_number(identity.treating_physician if identity else None),
            resume=self._call_id,
        )

    async def _on_portal(self, msg: dict[str, Any]) -> None:
        kind = msg["type"]
        if kind == "call.queued":
            first = self._call_id != msg["call_id"]
            self._call_id = msg["call_id"]
            if first:
                self.session.repo.audit(
                    self.session.actor(), "call_queued", self._call_session, {"call": self._call_id}
                )
            self._doctor_present = False
            self._set(
                phase=CallPhase.WAITING if self._doctor is None else CallPhase.RECONNECTING,
                error=None,
                position=msg["position"],
                estimated_wait_s=float(msg["estimated_wait_s"]),
                doctors_online=msg.get("doctors_online"),
            )
        elif kind == "call.resumed":
            # Back in the same call; if the doctor is there, call.joined follows and a new peer
            # connection is built then.
            self._call_id = msg["call_id"]
            if msg["state"] != "in_call":
                self._set(phase=CallPhase.WAITING, error=None)
        elif kind == "call.joined":
            if msg["call_id"] != self._call_id:
                return
            doctor = msg["doctor"]
            rejoined = self._doctor is not None
            self._doctor = {
                "name": str(doctor.get("name", "")),
                "display_name": str(doctor.get("display_name") or doctor.get("name", "")),
            }
            if rejoined and self._call_session is not None:
                # A reloaded page lost the patient's file: it comes again, with what was measured.
                self._push_session(self._call_session)
            self._doctor_present = True
            self._set(doctor=self._doctor["display_name"])
            self.session.repo.audit(
                self.session.actor(),
                "call_joined",
                self._call_session,
                {"call": self._call_id, "doctor": self._doctor["name"]},
            )
            if self.session.current_state() is State.WAITING_FOR_DOCTOR:
                self.session.apply(
                    DoctorJoined(self._doctor["display_name"]), State.WAITING_FOR_DOCTOR
                )
            await self._new_peer()
        elif kind == "sdp.answer":
            peer = self._peer
            if (
                peer is None
                or msg["generation"] != peer.generation
                or msg["call_id"] != self._call_id
            ):
                logger.info("call: a stale answer (generation %s) dropped", msg["generation"])
                return
            try:
                await peer.pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "answer"))
            except Exception as exc:  # a bad SDP from a broken client: try a fresh connection
                logger.error("call: the doctor's answer was refused: %s", exc)
        elif kind == "doctor.left":
            self._doctor_present = False
            if msg["reason"] == "ended":
                await self._doctor_ended()
            else:
                self._set(phase=CallPhase.RECONNECTING)

    async def _doctor_ended(self) -> None:
        """The doctor hung up without a report: the call is over, the session goes to REPORT."""
        if self.session.current_state() is State.IN_CALL:
            self.session.apply(CallEnded(), State.IN_CALL)

    # -- the peer connection -----------------------------------------------------------------
    async def _new_peer(self) -> None:
        await self._close_peer()
        if self._ws is None or self._call_id is None:
            return
        self._generation += 1
        if self.config.call.loopback_only:
            keep_media_on_loopback()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers(self.config)))
        peer = _Peer(self._generation, pc)
        self._peer = peer
        room = CameraTrack(self._room_camera, stamp_time=self.stamp_time)
        otoscope = CameraTrack(self._otoscope_camera)
        microphone, player = open_microphone(self.config.microphone)
        peer.tracks = [room, otoscope, microphone]
        if player is not None:
            peer.closers.append(lambda: asyncio.ensure_future(_stop_player(player)))
        video = pc.addTransceiver(room, direction="sendrecv")
        audio = pc.addTransceiver(microphone, direction="sendrecv")
        own_stream(audio.sender)
        scope = pc.addTransceiver(otoscope, direction="sendonly")
        vp8 = [
            c
            for c in RTCRtpSender.getCapabilities("video").codecs
            if c.mimeType in ("video/VP8", "video/rtx")
        ]
        video.setCodecPreferences(vp8)
        scope.setCodecPreferences(vp8)
        use_high_detail(scope.sender, self.config.call.otoscope_bitrate)
        peer.tracks.append(otoscope)
        channel = pc.createDataChannel("kiosk", ordered=True)
        peer.channel = channel

        @channel.on("open")
        def _opened() -> None:
            if self._peer is not peer:
                return
            logger.info("call: data channel open (generation %d)", peer.generation)
            self._last_rx = time.monotonic()
            for text in self._outbox.pending():
                channel.send(text)
            channel.send(signaling.message("heartbeat", t_ms=int(time.time() * 1000)))
            self._send_otoscope_state(force=True)
            if self._lost:
                self._lost = False
                self.session.repo.audit(
                    self.session.actor(),
                    "call_reconnected",
                    self._call_session,
                    {"call": self._call_id, "generation": peer.generation},
                )
            self._set(phase=CallPhase.IN_CALL, error=None, doctor=self._doctor_name())

        @channel.on("message")
        def _message(text: Any) -> None:
            if self._peer is peer:
                self._on_channel(text)

        @pc.on("track")
        def _track(track: Any) -> None:
            if track.kind == "video":
                peer.readers.append(
                    RemoteVideo(track, lambda image: self._emit_video("doctor", image))
                )
            else:
                peer.readers.append(RemoteAudio(track, self.config.speaker))

        @pc.on("connectionstatechange")
        async def _state() -> None:
            logger.info(
                "call: peer connection %s (generation %d)", pc.connectionState, peer.generation
            )
            if pc.connectionState == "failed" and self._peer is peer:
                self._connection_lost("peer connection failed")

        offer = await pc.createOffer()
        await pc.setLocalDescription(offer)
        peer.otoscope_mid = scope.mid
        self._last_offer = time.monotonic()
        self._last_rx = time.monotonic()
        if self._ws is None or self._peer is not peer:
            return
        await self._ws.send_str(
            signaling.message(
                "sdp.offer",
                call_id=self._call_id,
                generation=peer.generation,
                sdp=pc.localDescription.sdp,
            )
        )
        logger.info("call: offer sent (generation %d)", peer.generation)

    async def _drain_channel(self, timeout: float = 1.0) -> None:
        """Let the last messages (the report's receipt) leave before the connection closes."""
        peer = self._peer
        if peer is None or not peer.open:
            return
        deadline = time.monotonic() + timeout
        while peer.channel.bufferedAmount > 0 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)  # handed to SCTP is not yet on the wire

    async def _close_peer(self) -> None:
        peer, self._peer = self._peer, None
        if peer is not None:
            await peer.close()

    def _connection_lost(self, why: str) -> None:
        if not self._lost:
            self._lost = True
            self.reconnections += 1
            logger.warning("call: connection lost (%s); reconnecting", why)
            self.session.repo.audit(
                self.session.actor(),
                "call_connection_lost",
                self._call_session,
                {"call": self._call_id, "why": why},
            )
        self._set(phase=CallPhase.RECONNECTING)
        if (
            self._doctor_present
            and time.monotonic() - self._last_offer >= self.config.call.lost_after_s
        ):
            self._spawn(self._new_peer(), "call-new-peer")

    async def _heartbeat(self) -> None:
        period = self.config.call.heartbeat_s
        while True:
            await asyncio.sleep(period)
            self.session.touch()  # a patient talking to a doctor is not idle
            peer = self._peer
            if peer is None:
                continue
            if peer.open:
                with contextlib.suppress(Exception):
                    peer.channel.send(signaling.message("heartbeat", t_ms=int(time.time() * 1000)))
                self._send_otoscope_state()
                self._send_devices()
            if time.monotonic() - self._last_rx > self.config.call.lost_after_s:
                self._connection_lost("no heartbeat")

    # -- the data channel --------------------------------------------------------------------
    def _send(self, texts: list[str]) -> None:
        peer = self._peer
        if peer is not None and peer.open:
            for text in texts:
                peer.channel.send(text)
        self._set(undelivered=self._outbox.count(UNDELIVERED_KINDS))

    def _push(self, msg_type: str, follow_ups: list[str] | None = None, /, **fields: Any) -> None:
        _, texts = self._outbox.push(msg_type, follow_ups, **fields)
        self._send(texts)

    def _on_channel(self, text: Any) -> None:
        self._last_rx = time.monotonic()
        try:
            msg = signaling.parse(text, signaling.DOCTOR_TO_CABIN)
        except signaling.ProtocolError as exc:
            logger.warning("call: unreadable message from the doctor (%s)", exc.code)
            self._send_unreliable(signaling.error(exc.code, str(exc), exc.re))
            return
        if self._lost:
            self._lost = False
            self._set(phase=CallPhase.IN_CALL)
        kind = msg["type"]
        if kind == "heartbeat":
            return
        if kind == "ack":
            self._outbox.ack(msg["seq"])
            self._set(undelivered=self._outbox.count(UNDELIVERED_KINDS))
            return
        self._send_unreliable(signaling.message("ack", seq=msg["seq"]))
        if not self._inbox.first_time(msg["seq"]):
            return
        if kind == "request":
            self._on_request(msg)
        elif kind == "report":
            self._spawn(self._on_report(msg), "call-report")

    def _send_unreliable(self, text: str) -> None:
        peer = self._peer
        if peer is not None and peer.open:
            peer.channel.send(text)

    def _on_request(self, msg: dict[str, Any]) -> None:
        action = msg["action"]
        request_id = msg["request_id"]
        if action not in ACTION_KIND:
            self._push(
                "request.status", request_id=request_id, status="declined", message="unknown action"
            )
            return
        self.session.repo.audit(
            "doctor",
            "doctor_request",
            self._call_session,
            {"action": action, "request": request_id},
        )
        self._set(requests=(*self.view_value.requests, DoctorRequest(request_id, action)))

    def confirm_request(self, request_id: str) -> None:
        """The assistant agrees: the measurement starts (the patient is ready).

        Refused, and the request kept on screen, while another measurement runs or waits to be
        accepted, or when the device is out of service: the doctor is told "confirmed" only when
        the measurement really starts.
        """
        request = next((r for r in self.view_value.requests if r.request_id == request_id), None)
        if request is None:
            return
        kind = ACTION_KIND[request.action]
        if self.measurements is None or not self.measurements.can_start(kind):
            logger.info("call: request %s cannot start now", request.action)
            return
        self._take_request(request_id)
        self._kind_request[kind] = request_id
        self._request_seen.pop(kind, None)
        self._push("request.status", request_id=request_id, status="confirmed")
        self.session.repo.audit(
            self.session.actor(),
            "doctor_request_confirmed",
            self._call_session,
            {"request": request_id},
        )
        if self.measurements is not None:
            self.measurements.start(kind)

    def decline_request(self, request_id: str) -> None:
        if self._take_request(request_id) is None:
            return
        self._push("request.status", request_id=request_id, status="declined")
        self.session.repo.audit(
            self.session.actor(),
            "doctor_request_declined",
            self._call_session,
            {"request": request_id},
        )

    def _take_request(self, request_id: str) -> DoctorRequest | None:
        found = next((r for r in self.view_value.requests if r.request_id == request_id), None)
        if found is not None:
            self._set(requests=tuple(r for r in self.view_value.requests if r is not found))
        return found

    def _check_requests(self) -> None:
        """Give every confirmed request whose measurement ended without a result its final status.

        A stored measurement or a still answers its request itself (``_recorded``); this covers
        the rest: the assistant stopped it ("Stop", leaving the step), did not keep the result,
        or the device failed before anything could be stored (an otoscope that cannot open).
        """
        self._requests_check_due = False
        if self._task is None or self.measurements is None:
            return
        measure = self.session.last.measure
        run = measure.run if measure is not None else None
        for kind in list(self._kind_request):
            if run is not None and run.kind == kind and run.phase in ("running", "result"):
                self._request_seen[kind] = "result" if run.phase == "result" else run.step
                continue
            if run is not None and run.kind == kind:  # failed, and nothing was stored
                self._finish_request(kind, "failed", "device_failed", run.error_code)
                continue
            seen = self._request_seen.get(kind)
            if seen == "result":
                self._finish_request(kind, "failed", "not_kept")
            elif kind == "otoscope" and seen == "preview":
                self._finish_request(kind, "done", "closed_without_still")
            else:
                self._finish_request(kind, "failed", "stopped")

    def _finish_request(
        self, kind: str, status: str, reason: str | None = None, error: str | None = None
    ) -> None:
        """Send the final status of the confirmed request for ``kind``, if one is open."""
        request_id = self._kind_request.pop(kind, None)
        self._request_seen.pop(kind, None)
        if request_id is not None:
            self._end_request(request_id, status, reason, error)

    def _end_request(
        self, request_id: str, status: str, reason: str | None = None, error: str | None = None
    ) -> None:
        fields: dict[str, Any] = {}
        if reason is not None:
            fields["reason"] = reason
            fields["message"] = REQUEST_REASONS[reason]
        if error is not None:
            fields["error"] = error
        self._push("request.status", request_id=request_id, status=status, **fields)
        logger.info("call: a request ended %s (%s)", status, reason or "result")
        if reason is not None:  # a result is in the audit log already (accepted, image stored)
            self.session.repo.audit(
                self.session.actor(),
                "doctor_request_ended",
                self._call_session,
                {"request": request_id, "status": status, "reason": reason, "error": error},
            )

    async def _on_report(self, msg: dict[str, Any]) -> None:
        session_id = self._call_session
        if session_id is None:
            return
        if msg["orientation"] not in signaling.ORIENTATIONS:
            msg = {**msg, "orientation": "none"}
        doctor = self._doctor_name() or "?"
        repo = self.session.repo
        with repo.atomic():
            stored = repo.add_report(session_id, msg, doctor, self._call_id)
            if stored:
                repo.audit(
                    "doctor",
                    "report_received",
                    session_id,
                    {"call": self._call_id, "report": msg["report_id"]},
                )
        self._send_unreliable(signaling.message("report.received", report_id=msg["report_id"]))
        row = repo.report(session_id)
        if row is not None:
            self._set(report=_report_view(row))
        logger.info("call: report received")
        if self.session.current_state() is State.IN_CALL:
            self.session.apply(CallEnded(), State.IN_CALL)

    def end_call(self) -> None:
        """The assistant hangs up (the doctor's report may still be missing)."""
        if self.session.current_state() is State.IN_CALL:
            self.session.apply(CallEnded(), State.IN_CALL)

    # -- what the cabin sends ----------------------------------------------------------------
    def _doctor_name(self) -> str | None:
        return self._doctor["display_name"] if self._doctor else None

    def _unavailable(self) -> dict[str, str]:
        """Measurements that cannot be taken in this cabin now, and why (the doctor is told)."""
        if self.devices is None:
            return {}
        out: dict[str, str] = {}
        for state in self.devices.states():
            kind = _DEVICE_KIND.get(state.family)
            if kind is None:
                continue
            if state.service == "out_of_service":
                out[kind] = "out_of_service"
            elif state.status in (DeviceStatus.NOT_INSTALLED, DeviceStatus.NOT_CONNECTED):
                out[kind] = str(state.status)
        return out

    def _send_devices(self) -> None:
        unavailable = self._unavailable()
        if unavailable != self._unavailable_sent and self._peer is not None and self._peer.open:
            self._unavailable_sent = unavailable
            self._send_unreliable(signaling.message("devices", unavailable=unavailable))

    def _push_session(self, session_id: str) -> None:
        repo = self.session.repo
        identity = repo.identity(session_id)
        triage = repo.triage(session_id)
        row = repo.session(session_id)
        assistant = repo.assistant(row.assistant_id) if row else None
        patient: dict[str, Any] = {}
        if identity is not None:
            patient = {
                "first_name": identity.given_names,
                "last_name": identity.family_name,
                "birth_date": identity.birth_date.isoformat(),
                "sex": identity.sex.value,
                "age": _age(identity.birth_date, self.clock.now().date()),
            }
        measurements = [
            measurement_message(m)
            for m in repo.measurements(session_id)
            if m.status in ("accepted", "failed")
        ]
        self._outbox.push(
            "session",
            patient=patient,
            reason=triage.reason if triage else "",
            triage={"details": triage.details if triage else ""},
            cabin=self.config.call.cabin,
            assistant=assistant.name if assistant else "",
            measurements=measurements,
            unavailable=self._unavailable(),
        )
        self.session.repo.audit(
            self.session.actor(), "patient_data_shared", session_id, {"with": "doctor"}
        )
        # Every still of the session follows the file, oldest first, those taken before the
        # call too; a still the page already shows is recognised by its still_id.
        self._spawn(self._push_stills(session_id, self._outbox), "call-stills")

    async def _push_stills(self, session_id: str, outbox: Outbox) -> None:
        for image in self.session.repo.images(session_id):
            if outbox is not self._outbox:  # the call ended, or a new one began
                return
            await self._send_still(image.id)

    def _recorded(self, what: str, row_id: int) -> None:
        if self._task is None or self._call_session is None:
            return
        repo = self.session.repo
        if what == "measurement":
            row = repo.measurement(row_id)
            if row is None or row.session_id != self._call_session:
                return
            self._push("measurement", **measurement_message(row))
            kind = _MEASURE_KIND.get(row.kind, "")
            if row.status == "failed":
                error = row.error.get("code") if row.error else None
                self._finish_request(kind, "failed", "device_failed", error)
            else:
                self._finish_request(kind, "done")
        elif what == "image":
            # The still answers the doctor's "show the otoscope", once it is on its way.
            request_id = self._kind_request.pop("otoscope", None)
            self._request_seen.pop("otoscope", None)
            self._spawn(self._send_still(row_id, request_id), "call-still")

    async def _send_still(self, image_id: int, request_id: str | None = None) -> None:
        """Queue one stored still (still.begin, its chunks, still.end) for the doctor."""
        outbox = self._outbox
        image = next(
            (r for r in self.session.repo.images(self._call_session or "") if r.id == image_id),
            None,
        )
        converted = self._jpegs.get(image_id)
        if image is not None and converted is None:
            png = self.session.repo.image_png(image_id)
            if png is not None:
                loop = asyncio.get_running_loop()
                try:
                    converted = await loop.run_in_executor(None, _png_to_jpeg, png)
                except ValueError as exc:
                    logger.error("call: still %d cannot be sent: %s", image_id, exc)
        if outbox is not self._outbox:  # the call ended meanwhile
            return
        if converted is not None:
            self._jpegs[image_id] = converted
        if image is None or converted is None:
            if request_id is not None:
                self._end_request(request_id, "failed", "device_failed")
            return
        jpeg, width, height = converted
        data = base64.b64encode(jpeg).decode("ascii")
        pieces = [data[i : i + STILL_CHUNK_CHARS] for i in range(0, len(data), STILL_CHUNK_CHARS)]
        still_id = f"s-{image_id}"
        site = image.site
        follow = [
            signaling.message("still.chunk", still_id=still_id, index=i, data=piece)
            for i, piece in enumerate(pieces)
        ]
        follow.append(signaling.message("still.end", still_id=still_id))
        _, texts = self._outbox.replace(
            still_id,
            "still.begin",
            follow,
            still_id=still_id,
            side={"left_ear": "left", "right_ear": "right"}.get(site),
            mime="image/jpeg",
            width=width,
            height=height,
            size=len(jpeg),
            chunks=len(pieces),
            taken_at=image.taken_at,
        )
        self._send(texts)
        if request_id is not None:
            self._end_request(request_id, "done")

    def _live(self, update: LiveUpdate) -> None:
        every = PROGRESS_EVERY_S.get(update.kind)
        if every is None or self._peer is None or not self._peer.open:
            return
        now = time.monotonic()
        if now - self._progress_sent.get(update.kind, 0.0) < every:
            return
        self._progress_sent[update.kind] = now
        if update.kind == "oximetry":
            value: Any = {"spo2": update.value, "pulse": update.extra.get("pulse")}
            unit = "%"
        elif update.kind == "phase":
            value = update.extra.get("phase")
            unit = ""
        else:
            value = update.value
            unit = "mmHg" if update.kind == "cuff_pressure" else "Cel"
        self._send_unreliable(
            signaling.message("progress", kind=update.kind, value=value, unit=unit)
        )

    def _send_otoscope_state(self, force: bool = False) -> None:
        peer = self._peer
        camera = self._otoscope_camera()
        active = camera is not None and camera.connected
        if peer is None or not peer.open or (active == self._otoscope_active and not force):
            return
        self._otoscope_active = active
        peer.channel.send(signaling.message("otoscope", active=active, track=peer.otoscope_mid))
        self._set(otoscope_active=active)

    # -- cameras -----------------------------------------------------------------------------
    def _room_camera(self) -> Any:
        device = self.devices.cameras.get("room_camera") if self.devices else None
        return device.camera if device is not None else None

    def _otoscope_camera(self) -> Any:
        device = self.devices.cameras.get("otoscope") if self.devices else None
        return device.camera if device is not None else None

    async def _open_room_camera(self) -> None:
        device = self.devices.cameras.get("room_camera") if self.devices else None
        if device is not None and device.camera is None:
            await device.open(640, 480, 30.0)
            self._room_opened = True

    async def _close_room_camera(self) -> None:
        device = self.devices.cameras.get("room_camera") if self.devices else None
        if device is not None and self._room_opened:
            self._room_opened = False
            await device.close()

    async def _self_view(self) -> None:
        last = 0
        while True:
            await asyncio.sleep(1.0 / SELF_VIEW_FPS)
            camera = self._room_camera()
            frame = camera.latest() if camera is not None else None
            if frame is not None and frame.counter != last and self._video:
                last = frame.counter
                self._emit_video("self", frame.image)

    def _emit_video(self, who: str, image: np.ndarray[Any, Any]) -> None:
        for listener in self._video:
            listener(who, image)


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _report_view(row: ReportRow) -> ReportView:
    return ReportView(
        report_id=row.report_id,
        doctor=row.doctor,
        observations=row.observations,
        conclusion=row.conclusion,
        advice=row.advice,
        prescription=row.prescription,
        orientation=row.orientation,
        language=row.language,
        received_at=row.received_at,
    )


def _png_to_jpeg(png: bytes) -> tuple[bytes, int, int]:
    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("the still cannot be decoded")
    ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, STILL_JPEG_QUALITY])
    if not ok:
        raise ValueError("the still cannot be encoded")
    height, width = image.shape[:2]
    return jpeg.tobytes(), width, height


async def _stop_player(player: Any) -> None:
    for track in (player.audio, player.video):
        if track is not None:
            track.stop()


__all__ = ["CallService", "ice_servers", "measurement_message"]
