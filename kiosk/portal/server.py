"""The portal's web server (aiohttp): doctors' sign-in, the console's files, and the signaling
sockets of docs/signaling.md sections 1 to 4.

One event loop holds every live call (``WaitingRoom``); state changes happen between awaits, then
the messages they cause are sent. Whatever a socket sends, the worst it gets back is an ``error``
message (and, where the protocol says so, a closed socket): no exception leaves a handler.

Logs name doctors, cabins and calls, never a password, a secret, a token or patient data (the
reason and age of a call at DEBUG only).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import math
import ssl
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from kiosk.clock import Clock, SystemClock
from kiosk.config import Config, PortalConfig
from kiosk.errors import ConfigError
from kiosk.portal.passwords import dummy_hash, verify_password
from kiosk.portal.store import DoctorRow, InvalidAccountValue, PortalStore, valid_name
from kiosk.portal.waiting_room import (
    Cabin,
    Call,
    CallState,
    Doctor,
    QueueStatus,
    WaitingRoom,
)
from kiosk.signaling import (
    AUTH_FAILED,
    CABIN_REVOKED,
    CABIN_TO_PORTAL,
    DOCTOR_TO_PORTAL,
    MALFORMED,
    MAX_MESSAGE_BYTES,
    NOT_AUTHENTICATED,
    OUT_OF_ORDER,
    RATE_LIMITED,
    TOO_LARGE,
    ProtocolError,
    error,
    message,
    parse,
)

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
COOKIE = "portal_session"
# aiohttp refuses frames above its own limit by closing with 1009 and no explanation: keep that
# limit a little above the protocol's, so the portal answers ``too_large`` itself.
MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + 16 * 1024
RATE_LIMIT = 50  # messages per second on one socket
HELLO_TIMEOUT_S = 10.0  # a cabin socket that says nothing is closed
CABIN_GRACE_S = 120.0  # a call whose cabin is away longer than this ends
HOUSEKEEPING_S = 1.0
SESSION_PURGE_S = 300.0
WS_PING_S = 20.0  # finds dead peers (a laptop lid closed) without waiting for TCP
WS_CLOSE_TIMEOUT_S = 5.0
# Not in the protocol's list: a portal bug on one message. Logged with its traceback.
INTERNAL_ERROR = "internal_error"
CLOSE_NOT_AUTHENTICATED = 4001
CLOSE_REVOKED = 4003
CABIN_END_REASONS = ("report_received", "assistant_ended", "patient_left")
MAX_REASON_CHARS = 64
MAX_AGE = 150
MAX_NAME_CHARS = 64


class _Socket:
    """One WebSocket, with ordered sends and a rate counter."""

    def __init__(self, ws: web.WebSocketResponse, label: str) -> None:
        self.ws = ws
        self.label = label
        self._send_lock = asyncio.Lock()
        self._arrivals: deque[float] = deque(maxlen=RATE_LIMIT)

    async def send(self, text: str) -> None:
        if self.ws.closed:
            return
        async with self._send_lock:
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):  # the peer went away meanwhile
                logger.debug("portal: %s went away before a message could be sent", self.label)

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
            await self.ws.close(code=code, message=reason.encode("utf-8")[:120])

    def over_rate(self, now: float) -> bool:
        """One more message at ``now``: True when it is over 50 in the last second."""
        if len(self._arrivals) == RATE_LIMIT and now - self._arrivals[0] < 1.0:
            return True
        self._arrivals.append(now)
        return False


class _CabinSocket(_Socket):
    cabin: Cabin | None = None  # set by a valid hello


class _DoctorSocket(_Socket):
    def __init__(self, ws: web.WebSocketResponse, doctor: Doctor, session_hash: str) -> None:
        super().__init__(ws, f"doctor {doctor.name}")
        self.doctor = doctor
        self.session_hash = session_hash
        self.queue_key: list[tuple[str, bool]] | None = None  # what the page was last told


def _verify_nobody(password: str) -> bool:
    """A check as slow as a real one, against a hash nobody knows (run in the executor)."""
    return verify_password(password, dummy_hash())


def _doctor_of(row: DoctorRow) -> Doctor:
    return Doctor(row.name, row.display_name, row.territories, row.rpps)


class Portal:
    """The portal's live state and request handlers (one per application)."""

    def __init__(self, config: Config, store: PortalStore, clock: Clock, static_dir: Path) -> None:
        self.config = config
        self.settings: PortalConfig = config.portal
        self.store = store
        self.clock = clock
        self.static_dir = static_dir
        self.tls = bool(config.portal.tls_cert and config.portal.tls_key)
        self.room = WaitingRoom(
            join_token_ttl_s=config.portal.join_token_ttl_s,
            average_consultation_s=config.portal.average_consultation_s,
        )
        self.cabins: dict[str, _CabinSocket] = {}
        self.doctors: list[_DoctorSocket] = []
        self.joined: dict[str, _DoctorSocket] = {}  # call_id -> the page that joined it
        self.sent_status: dict[str, QueueStatus] = {}  # call_id -> last call.queued sent
        self.join_unseen: set[str] = set()  # calls joined while their cabin was away
        self.login_locks: dict[int, asyncio.Lock] = {}
        # scrypt needs 16 MiB per check: two at a time at most, off the event loop.
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="portal-login")
        self._login_page: str | None = None
        self._last_purge = -math.inf

    # -- HTTP ------------------------------------------------------------------------------------
    def _own_origin(self, request: web.Request) -> str:
        return f"{'https' if self.tls else 'http'}://{request.host}".lower()

    def _foreign_origin(self, request: web.Request, required: bool) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return required
        return origin.lower() != self._own_origin(request)

    def _session(self, request: web.Request) -> tuple[str, DoctorRow] | None:
        token = request.cookies.get(COOKIE)
        return self.store.web_session_doctor(token) if token else None

    def _page(self, status: int, french: str = "", english: str = "") -> web.Response:
        if self._login_page is None:
            self._login_page = (self.static_dir / "login.html").read_text(encoding="utf-8")
        notice = ""
        if french:
            notice = (
                f'<p class="error" role="alert">{html.escape(french)}'
                f'<span class="en" lang="en"> {html.escape(english)}</span></p>'
            )
        return web.Response(
            status=status,
            text=self._login_page.replace("<!--message-->", notice),
            content_type="text/html",
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": (
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                    "frame-ancestors 'none'; base-uri 'none'"
                ),
            },
        )

    @staticmethod
    def _see_other(location: str) -> web.Response:
        return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})

    async def login_page(self, request: web.Request) -> web.Response:
        if self._session(request) is not None:
            return self._see_other("/")
        return self._page(200)

    def _wrong(self) -> web.Response:
        return self._page(401, "Nom ou mot de passe incorrect.", "Wrong name or password.")

    def _locked(self, remaining_s: float) -> web.Response:
        minutes = max(1, math.ceil(remaining_s / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return self._page(
            423,
            f"Compte bloqué pour {minutes} {unit} après trop d’essais.",
            f"Account locked for {minutes} {unit} after too many attempts.",
        )

    async def login(self, request: web.Request) -> web.Response:
        if self._foreign_origin(request, required=False):
            return web.Response(status=403, text="forbidden origin")
        form = await request.post()
        name, password = form.get("name"), form.get("password")
        remote = request.remote or "-"
        if not isinstance(name, str) or not isinstance(password, str) or not name or not password:
            return self._wrong()
        name = name.strip()
        doctor = self.store.doctor(name) if len(name) <= MAX_NAME_CHARS else None
        loop = asyncio.get_running_loop()
        if doctor is None:
            # As slow as a wrong password, so the timing does not say which names exist.
            await loop.run_in_executor(self.executor, _verify_nobody, password)
            self.store.audit("-", "login_failed", {"known": False, "remote": remote})
            logger.info("portal: failed sign-in with an unknown name from %s", remote)
            return self._wrong()
        # One attempt at a time per account: parallel guesses cannot slip past the lockout.
        lock = self.login_locks.setdefault(doctor.id, asyncio.Lock())
        async with lock:
            doctor = self.store.doctor_by_id(doctor.id)
            if doctor is None or doctor.disabled:
                await loop.run_in_executor(self.executor, _verify_nobody, password)
                self.store.audit(name, "login_failed", {"disabled": True, "remote": remote})
                return self._wrong()
            remaining = self.store.lock_remaining(doctor)
            if remaining > 0:
                self.store.audit(
                    doctor.name,
                    "login_locked",
                    {"remaining_s": round(remaining), "remote": remote},
                )
                logger.info("portal: sign-in refused, %s is locked", doctor.name)
                return self._locked(remaining)
            ok = await loop.run_in_executor(
                self.executor, verify_password, password, doctor.password_hash
            )
            if not ok:
                failure = self.store.record_login_failure(
                    doctor.id, self.settings.login_max_attempts, self.settings.login_lockout_s
                )
                if failure.locked_until is not None:
                    self.store.audit(
                        doctor.name,
                        "login_locked",
                        {"attempts": failure.failed_logins, "remote": remote, "started": True},
                    )
                    logger.warning(
                        "portal: %s locked for %.0f s after %d wrong passwords",
                        doctor.name,
                        self.settings.login_lockout_s,
                        failure.failed_logins,
                    )
                    return self._locked(self.settings.login_lockout_s)
                self.store.audit(
                    doctor.name,
                    "login_failed",
                    {"attempts": failure.failed_logins, "remote": remote},
                )
                logger.info("portal: wrong password for %s", doctor.name)
                return self._wrong()
            self.store.record_login_success(doctor.id)
            token = self.store.create_web_session(doctor.id, self.settings.web_session_ttl_s)
            self.store.audit(doctor.name, "login_ok", {"remote": remote})
        logger.info("portal: %s signed in", doctor.name)
        response = self._see_other("/")
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="Strict",
            path="/",
            secure=self.tls or None,
            max_age=int(self.settings.web_session_ttl_s),
        )
        return response

    async def logout(self, request: web.Request) -> web.Response:
        if self._foreign_origin(request, required=False):
            return web.Response(status=403, text="forbidden origin")
        found = self._session(request)
        token = request.cookies.get(COOKIE)
        if token:
            self.store.end_web_session(token)
        if found is not None:
            hashed, doctor = found
            self.store.audit(doctor.name, "logout", {"remote": request.remote or "-"})
            logger.info("portal: %s signed out", doctor.name)
            for sock in [d for d in self.doctors if d.session_hash == hashed]:
                await sock.send(error(NOT_AUTHENTICATED, "signed out"))
                await sock.close(CLOSE_NOT_AUTHENTICATED, "signed out")
        response = self._see_other("/login")
        response.del_cookie(COOKIE, path="/")
        return response

    async def index(self, request: web.Request) -> web.StreamResponse:
        if self._session(request) is None:
            return self._see_other("/login")
        page = self.static_dir / "index.html"
        if not page.is_file():
            return web.Response(status=404, text="the doctor console is not installed")
        return web.FileResponse(page, headers={"Cache-Control": "no-store"})

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    # -- sockets: shared ---------------------------------------------------------------------------
    async def _receive(
        self,
        sock: _Socket,
        msg: Any,
        accepted: Mapping[str, Mapping[str, tuple[type, ...]]],
        handle: Callable[[Any, dict[str, Any], str | None], Awaitable[None]],
    ) -> bool:
        """Handle one incoming frame; False when the socket must stop being read."""
        if msg.type is WSMsgType.BINARY:
            await sock.send(error(MALFORMED, "binary frames are not accepted: send JSON text"))
            return True
        if msg.type is not WSMsgType.TEXT:
            return False  # an error frame: aiohttp closed the socket (too big for it, broken)
        if sock.over_rate(self.clock.monotonic()):
            logger.info("portal: %s sent over %d messages in a second", sock.label, RATE_LIMIT)
            await sock.send(error(RATE_LIMITED, f"more than {RATE_LIMIT} messages in a second"))
            await sock.close(WSCloseCode.POLICY_VIOLATION, "rate limited")
            return False
        try:
            data = parse(msg.data, accepted)
        except ProtocolError as exc:
            await sock.send(error(exc.code, str(exc), exc.re))
            if exc.code == TOO_LARGE:
                await sock.close(WSCloseCode.MESSAGE_TOO_BIG, "message too large")
                return False
            return True
        re = data.get("id")
        try:
            await handle(sock, data, re)
        except ProtocolError as exc:
            logger.debug("portal: %s: %s refused (%s)", sock.label, data["type"], exc.code)
            await sock.send(error(exc.code, str(exc), re))
        except Exception:
            logger.exception("portal: %s: the portal failed on a %s", sock.label, data["type"])
            await sock.send(error(INTERNAL_ERROR, "the portal failed on this message", re))
        return not sock.ws.closed

    def _sockets_of(self, doctor_name: str) -> list[_DoctorSocket]:
        return [d for d in self.doctors if d.doctor.name == doctor_name]

    def _forget(self, call_id: str) -> None:
        self.joined.pop(call_id, None)
        self.sent_status.pop(call_id, None)
        self.join_unseen.discard(call_id)

    async def _tell_owner(self, call: Call, text: str) -> None:
        if call.owner is not None:
            for sock in self._sockets_of(call.owner.name):
                await sock.send(text)

    async def _refresh(self) -> None:
        """Tell every doctor's page its queue and every waiting cabin its place, when changed."""
        now = self.clock.monotonic()
        for doc in list(self.doctors):
            entries = self.room.queue(doc.doctor, now)
            key = [(e.call_id, e.treating) for e in entries]
            if key != doc.queue_key:
                doc.queue_key = key
                await doc.send(message("queue", entries=[e.as_json() for e in entries]))
        for call in self.room.waiting():
            status = self.room.status(call.call_id)
            sock = self.cabins.get(call.cabin.name)
            if sock is not None and self.sent_status.get(call.call_id) != status:
                self.sent_status[call.call_id] = status
                await sock.send(self._queued(call.call_id, status))

    @staticmethod
    def _queued(call_id: str, status: QueueStatus, re: str | None = None) -> str:
        return message(
            "call.queued",
            re,
            call_id=call_id,
            position=status.position,
            estimated_wait_s=status.estimated_wait_s,
            doctors_online=status.doctors_online,
        )

    def _new_socket_response(self) -> web.WebSocketResponse:
        return web.WebSocketResponse(
            max_msg_size=MAX_FRAME_BYTES,
            heartbeat=WS_PING_S,
            timeout=WS_CLOSE_TIMEOUT_S,
            compress=False,  # no compression beside secrets (join tokens): no CRIME-like leaks
        )

    # -- the doctor's socket -------------------------------------------------------------------
    async def doctor_socket(self, request: web.Request) -> web.StreamResponse:
        if self._foreign_origin(request, required=True):
            logger.info("portal: doctor socket refused: foreign origin")
            return web.Response(status=403, text="forbidden origin")
        found = self._session(request)
        if found is None:
            return web.Response(status=401, text="sign in first")
        hashed, row = found
        ws = self._new_socket_response()
        await ws.prepare(request)
        sock = _DoctorSocket(ws, _doctor_of(row), hashed)
        self.doctors.append(sock)
        self.room.doctor_connected(sock.doctor)
        logger.info("portal: %s's page connected", row.name)
        try:
            await sock.send(message("welcome", doctor=sock.doctor.as_json()))
            now = self.clock.monotonic()
            for call in self.room.owned_by(row.name):
                grant = self.room.issue_token(sock.doctor, call.call_id, now)
                await sock.send(
                    message(
                        "call.active",
                        call_id=call.call_id,
                        join_token=grant.join_token,
                        expires_in_s=grant.expires_in_s,
                        cabin=call.cabin.as_json(),
                    )
                )
            await self._refresh()
            async for msg in ws:
                if not await self._receive(sock, msg, DOCTOR_TO_PORTAL, self._doctor_message):
                    break
        except (
            Exception
        ):  # a bug of the portal's, never the peer's: the socket ends, not the portal
            logger.exception("portal: %s's socket failed", row.name)
        finally:
            await self._doctor_gone(sock)
        return ws

    async def _doctor_message(
        self, sock: _DoctorSocket, data: dict[str, Any], re: str | None
    ) -> None:
        kind = data["type"]
        call_id: str = data["call_id"]
        doctor = sock.doctor
        now = self.clock.monotonic()
        if kind == "call.pick":
            grant = self.room.pick(doctor, call_id, now)
            self.store.audit(
                doctor.name,
                "pick",
                {"doctor": doctor.name, "call_id": call_id, "cabin": grant.cabin.name},
            )
            logger.info("portal: %s picked %s (cabin %s)", doctor.name, call_id, grant.cabin.name)
            await sock.send(
                message(
                    "call.picked",
                    re,
                    call_id=call_id,
                    join_token=grant.join_token,
                    expires_in_s=grant.expires_in_s,
                    cabin=grant.cabin.as_json(),
                )
            )
            await self._refresh()
        elif kind == "call.join":
            call = self.room.join(doctor, call_id, data["join_token"], now)
            self.joined[call_id] = sock
            self.store.audit(
                doctor.name,
                "join",
                {"doctor": doctor.name, "call_id": call_id, "cabin": call.cabin.name},
            )
            logger.info("portal: %s joined %s (cabin %s)", doctor.name, call_id, call.cabin.name)
            await sock.send(message("call.joined", re, call_id=call_id))
            cabin = self.cabins.get(call.cabin.name)
            if cabin is not None and call.cabin_connected:
                self.join_unseen.discard(call_id)
                await cabin.send(message("call.joined", call_id=call_id, doctor=doctor.as_json()))
            else:
                self.join_unseen.add(call_id)
        elif kind == "sdp.answer":
            call = self.room.owned_call(doctor, call_id)
            if self.joined.get(call_id) is not sock:
                raise ProtocolError(OUT_OF_ORDER, "join the call before answering")
            cabin = self.cabins.get(call.cabin.name)
            if cabin is None or not call.cabin_connected:
                raise ProtocolError(OUT_OF_ORDER, "the cabin is not connected: wait for its offer")
            await cabin.send(
                message(
                    "sdp.answer",
                    call_id=call_id,
                    generation=data["generation"],
                    sdp=data["sdp"],
                )
            )
        elif kind == "call.end":
            call = self.room.owned_call(doctor, call_id)
            self.room.end(call_id)
            self._forget(call_id)
            self.store.audit(
                doctor.name,
                "call_ended",
                {"doctor": doctor.name, "call_id": call_id, "cabin": call.cabin.name},
            )
            logger.info("portal: %s ended %s", doctor.name, call_id)
            cabin = self.cabins.get(call.cabin.name)
            if cabin is not None:
                await cabin.send(message("doctor.left", call_id=call_id, reason="ended"))
            for page in self._sockets_of(doctor.name):
                await page.send(
                    message(
                        "call.ended",
                        re if page is sock else None,
                        call_id=call_id,
                        reason="doctor_ended",
                    )
                )
            await self._refresh()

    async def _doctor_gone(self, sock: _DoctorSocket) -> None:
        try:
            if sock in self.doctors:
                self.doctors.remove(sock)
                self.room.doctor_disconnected(sock.doctor.name)
            logger.info("portal: %s's page disconnected", sock.doctor.name)
            for call_id, page in list(self.joined.items()):
                if page is not sock:
                    continue
                del self.joined[call_id]
                call = self.room.call(call_id)
                cabin = self.cabins.get(call.cabin.name) if call is not None else None
                if cabin is not None:
                    await cabin.send(message("doctor.left", call_id=call_id, reason="disconnected"))
            await self._refresh()
        except Exception:
            logger.exception("portal: cleaning up after %s failed", sock.label)

    # -- the cabin's socket --------------------------------------------------------------------
    async def cabin_socket(self, request: web.Request) -> web.StreamResponse:
        ws = self._new_socket_response()
        await ws.prepare(request)
        sock = _CabinSocket(ws, f"cabin socket from {request.remote or '-'}")
        try:
            if await self._cabin_hello(sock):
                async for msg in ws:
                    if not await self._receive(sock, msg, CABIN_TO_PORTAL, self._cabin_message):
                        break
        except Exception:
            logger.exception("portal: %s failed", sock.label)
        finally:
            await self._cabin_gone(sock)
        return ws

    async def _refuse(self, sock: _Socket, code: str, text: str, close: int, re: Any) -> bool:
        await sock.send(error(code, text, re if isinstance(re, str) else None))
        await sock.close(close, text)
        return False

    async def _cabin_hello(self, sock: _CabinSocket) -> bool:
        """The first message must be a valid ``hello`` with the cabin's name and secret."""
        try:
            msg = await sock.ws.receive(timeout=HELLO_TIMEOUT_S)
        except TimeoutError:
            return await self._refuse(
                sock, NOT_AUTHENTICATED, "say hello first", CLOSE_NOT_AUTHENTICATED, None
            )
        if msg.type is WSMsgType.BINARY:
            return await self._refuse(
                sock, NOT_AUTHENTICATED, "say hello first", CLOSE_NOT_AUTHENTICATED, None
            )
        if msg.type is not WSMsgType.TEXT:
            return False
        try:
            data = parse(msg.data, CABIN_TO_PORTAL)
        except ProtocolError as exc:
            if exc.code == TOO_LARGE:
                return await self._refuse(
                    sock, TOO_LARGE, str(exc), WSCloseCode.MESSAGE_TOO_BIG, exc.re
                )
            # Nothing is accepted before a valid hello: the socket gets one chance.
            return await self._refuse(sock, exc.code, str(exc), CLOSE_NOT_AUTHENTICATED, exc.re)
        re = data.get("id")
        if data["type"] != "hello":
            return await self._refuse(
                sock,
                NOT_AUTHENTICATED,
                "the first message must be hello",
                CLOSE_NOT_AUTHENTICATED,
                re,
            )
        name: str = data["cabin"]
        verdict, row = self.store.authenticate_cabin(name, data["secret"])
        shown = name if len(name) <= MAX_NAME_CHARS and _is_name(name) else "(invalid name)"
        if verdict == "failed" or row is None:
            self.store.audit(shown, "cabin_hello_refused", {"reason": AUTH_FAILED})
            logger.warning("portal: cabin %s refused: wrong name or secret", shown)
            return await self._refuse(
                sock, AUTH_FAILED, "wrong cabin name or secret", CLOSE_NOT_AUTHENTICATED, re
            )
        if verdict == "revoked":
            self.store.audit(row.name, "cabin_hello_refused", {"reason": CABIN_REVOKED})
            logger.warning("portal: cabin %s refused: its secret was revoked", row.name)
            return await self._refuse(
                sock, CABIN_REVOKED, "this cabin's secret was revoked", CLOSE_REVOKED, re
            )
        sock.cabin = Cabin(row.name, row.territory)
        sock.label = f"cabin {row.name}"
        self.store.audit(row.name, "cabin_hello", {"cabin": row.name, "territory": row.territory})
        version = data.get("kiosk_version")
        logger.info(
            "portal: cabin %s connected (kiosk %s)",
            row.name,
            version if isinstance(version, str) and len(version) <= 32 else "?",
        )
        previous = self.cabins.get(row.name)
        self.cabins[row.name] = sock
        await sock.send(
            message(
                "welcome",
                re,
                cabin=row.name,
                territory=row.territory,
                ice_ttl_s=self.config.call.turn_ttl_s,
            )
        )
        if previous is not None and previous is not sock:
            logger.info("portal: cabin %s: a new connection replaces the old one", row.name)
            await previous.close(WSCloseCode.OK, "replaced by a newer connection")
        return True

    async def _cabin_message(
        self, sock: _CabinSocket, data: dict[str, Any], re: str | None
    ) -> None:
        kind = data["type"]
        cabin = sock.cabin
        assert cabin is not None
        now = self.clock.monotonic()
        if kind == "hello":
            raise ProtocolError(OUT_OF_ORDER, "this socket already said hello")
        if kind == "call.request":
            await self._call_request(sock, cabin, data, re, now)
            return
        call_id: str = data["call_id"]
        if kind == "call.cancel":
            call = self.room.cancel(cabin.name, call_id)
            self._forget(call_id)
            logger.info("portal: cabin %s cancelled %s", cabin.name, call_id)
            await self._tell_owner(call, message("call.ended", call_id=call_id, reason="cancelled"))
            await self._refresh()
        elif kind == "sdp.offer":
            call = self.room.cabin_call(cabin.name, call_id)
            if data["generation"] < 1:
                raise ProtocolError(MALFORMED, "generation starts at 1")
            page = self.joined.get(call_id)
            if page is None:
                raise ProtocolError(OUT_OF_ORDER, "no doctor has joined this call yet")
            await page.send(
                message(
                    "sdp.offer",
                    call_id=call.call_id,
                    generation=data["generation"],
                    sdp=data["sdp"],
                )
            )
        elif kind == "call.end":
            reason = data["reason"]
            if reason not in CABIN_END_REASONS:
                raise ProtocolError(MALFORMED, f"reason is one of {', '.join(CABIN_END_REASONS)}")
            self.room.cabin_call(cabin.name, call_id)
            call = self.room.end(call_id)
            self._forget(call_id)
            self.store.audit(
                cabin.name,
                "call_ended",
                {
                    "cabin": cabin.name,
                    "call_id": call_id,
                    "reason": reason,
                    "doctor": call.owner.name if call.owner else None,
                },
            )
            logger.info("portal: cabin %s ended %s (%s)", cabin.name, call_id, reason)
            await self._tell_owner(call, message("call.ended", call_id=call_id, reason=reason))
            await self._refresh()

    async def _call_request(
        self,
        sock: _CabinSocket,
        cabin: Cabin,
        data: dict[str, Any],
        re: str | None,
        now: float,
    ) -> None:
        reason: str = data["reason"]
        age: int | None = data.get("age")
        treating: str | None = data.get("treating_doctor")
        resume: str | None = data.get("resume")
        if len(reason) > MAX_REASON_CHARS:  # empty is allowed: a cabin may have no triage reason
            raise ProtocolError(
                MALFORMED, f"reason is a code of at most {MAX_REASON_CHARS} characters"
            )
        if age is not None and not 0 <= age <= MAX_AGE:
            raise ProtocolError(MALFORMED, f"age is between 0 and {MAX_AGE}, or null")
        treating = (treating or "").strip() or None
        if treating is not None and not (len(treating) == 11 and treating.isdigit()):
            raise ProtocolError(MALFORMED, "treating_doctor is an 11-digit RPPS number, or null")
        if resume:
            call = self.room.resume(cabin.name, resume)
            if call is not None:
                state = "waiting" if call.state is CallState.WAITING else "in_call"
                logger.info("portal: cabin %s resumed %s (%s)", cabin.name, call.call_id, state)
                await sock.send(message("call.resumed", re, call_id=call.call_id, state=state))
                self.sent_status.pop(call.call_id, None)  # tell it its place again
                page = self.joined.get(call.call_id)
                # The doctor is there: the cabin (back from a lost socket, or restarted and knowing
                # nothing of the doctor) learns who, and builds a new peer connection.
                if page is not None and call.owner:
                    self.join_unseen.discard(call.call_id)
                    await sock.send(
                        message("call.joined", call_id=call.call_id, doctor=call.owner.as_json())
                    )
                await self._refresh()
                return
        call, previous = self.room.request(cabin, reason, age, treating, now)
        logger.info("portal: cabin %s is waiting (%s)", cabin.name, call.call_id)
        if previous is not None:
            self._forget(previous.call_id)
            logger.info(
                "portal: %s replaces %s of cabin %s", call.call_id, previous.call_id, cabin.name
            )
            await self._tell_owner(
                previous, message("call.ended", call_id=previous.call_id, reason="superseded")
            )
        status = self.room.status(call.call_id)
        self.sent_status[call.call_id] = status
        await sock.send(self._queued(call.call_id, status, re))
        await self._refresh()

    async def _cabin_gone(self, sock: _CabinSocket) -> None:
        try:
            cabin = sock.cabin
            if cabin is None or self.cabins.get(cabin.name) is not sock:
                return  # never authenticated, or replaced by a newer connection
            del self.cabins[cabin.name]
            logger.info("portal: cabin %s disconnected", cabin.name)
            call = self.room.cabin_disconnected(cabin.name, self.clock.monotonic())
            if call is not None:
                self.sent_status.pop(call.call_id, None)
                await self._tell_owner(call, message("cabin.left", call_id=call.call_id))
            await self._refresh()
        except Exception:
            logger.exception("portal: cleaning up after %s failed", sock.label)

    # -- housekeeping --------------------------------------------------------------------------
    async def housekeeping(self) -> None:
        """Once a second: end calls whose cabin never came back, close the pages of sessions
        that ended (sign-out elsewhere, a disabled doctor, expiry) and of revoked cabins."""
        now = self.clock.monotonic()
        lost = self.room.expire_lost_cabins(now, CABIN_GRACE_S)
        for call in lost:
            self._forget(call.call_id)
            self.store.audit(
                call.cabin.name, "call_ended", {"call_id": call.call_id, "reason": "cabin_lost"}
            )
            logger.info(
                "portal: %s ended: cabin %s did not come back", call.call_id, call.cabin.name
            )
            await self._tell_owner(
                call, message("call.ended", call_id=call.call_id, reason="cabin_lost")
            )
        if now - self._last_purge >= SESSION_PURGE_S:
            self._last_purge = now
            self.store.purge_expired_sessions()
        for doc in list(self.doctors):
            if self.store.doctor_of_session_hash(doc.session_hash) is None:
                logger.info("portal: %s's session ended: closing the page", doc.doctor.name)
                await doc.send(error(NOT_AUTHENTICATED, "the session ended: sign in again"))
                await doc.close(CLOSE_NOT_AUTHENTICATED, "session ended")
        for name, cab in list(self.cabins.items()):
            row = self.store.cabin(name)
            if row is None or row.revoked:
                logger.warning("portal: cabin %s was revoked: closing its socket", name)
                await cab.send(error(CABIN_REVOKED, "this cabin's secret was revoked"))
                await cab.close(CLOSE_REVOKED, "revoked")
        if lost:
            await self._refresh()

    async def _housekeeping_loop(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_S)
            try:
                await self.housekeeping()
            except Exception:
                logger.exception("portal: housekeeping failed")

    async def shutdown(self) -> None:
        sockets: list[_Socket] = [*self.doctors, *self.cabins.values()]
        for sock in sockets:
            await sock.close(WSCloseCode.GOING_AWAY, "the portal is shutting down")


def _is_name(text: str) -> bool:
    try:
        valid_name(text, "cabin")
    except InvalidAccountValue:
        return False
    return True


PORTAL_KEY = web.AppKey("portal", Portal)


async def _on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # Not "no-referrer": under it, browsers send ``Origin: null`` with same-origin form posts,
    # which the sign-in's origin check must refuse.
    response.headers.setdefault("Referrer-Policy", "same-origin")


def create_app(
    config: Config,
    store: PortalStore,
    clock: Clock,
    *,
    static_dir: Path | None = None,
) -> web.Application:
    """The portal as an aiohttp application (routes of docs/signaling.md section 2).

    ``static_dir`` holds ``login.html`` and the console (``index.html``...); the package's own
    folder unless told otherwise (tests).
    """
    folder = static_dir or STATIC_DIR
    portal = Portal(config, store, clock, folder)
    app = web.Application(client_max_size=64 * 1024)
    app[PORTAL_KEY] = portal
    app.router.add_get("/login", portal.login_page)
    app.router.add_post("/login", portal.login)
    app.router.add_post("/logout", portal.logout)
    app.router.add_get("/", portal.index)
    app.router.add_get("/healthz", portal.healthz)
    app.router.add_get("/ws/doctor", portal.doctor_socket)
    app.router.add_get("/ws/cabin", portal.cabin_socket)
    app.router.add_static("/static", folder, show_index=False, follow_symlinks=False)
    app.on_response_prepare.append(_on_prepare)

    async def shutdown(app: web.Application) -> None:
        await app[PORTAL_KEY].shutdown()

    async def background(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(portal._housekeeping_loop(), name="portal-housekeeping")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            portal.executor.shutdown(wait=True)

    app.on_shutdown.append(shutdown)
    app.cleanup_ctx.append(background)
    return app


def tls_context(settings: PortalConfig) -> ssl.SSLContext | None:
    """The server's TLS context when both PEM files are set; None for plain HTTP."""
    if not settings.tls_cert and not settings.tls_key:
        return None
    if not (settings.tls_cert and settings.tls_key):
        raise ConfigError(
            "portal.tls_cert and portal.tls_key go together: set both or neither",
            {"key": "portal.tls_cert"},
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(settings.tls_cert, settings.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load the portal's TLS certificate or key: {exc}", {"key": "portal.tls_cert"}
        ) from exc
    return context


@dataclass
class PortalHandle:
    """A running portal: where it listens, and how to stop it."""

    url: str
    port: int
    app: web.Application
    runner: web.AppRunner
    _owned_store: PortalStore | None = None

    @property
    def portal(self) -> Portal:
        return self.app[PORTAL_KEY]

    async def close(self) -> None:
        try:
            await self.runner.cleanup()
        finally:
            if self._owned_store is not None:
                self._owned_store.close()
                self._owned_store = None


async def start_portal(
    config: Config,
    store: PortalStore | None = None,
    clock: Clock | None = None,
    *,
    static_dir: Path | None = None,
) -> PortalHandle:
    """Start serving on ``config.portal.host``/``port`` (port 0: any free port).

    Without ``store``, opens ``config.portal_database_path`` and closes it with the handle.
    """
    clock = clock or SystemClock()
    context = tls_context(config.portal)
    owned = None
    if store is None:
        store = owned = PortalStore(config.portal_database_path, clock)
    runner: web.AppRunner | None = None
    try:
        app = create_app(config, store, clock, static_dir=static_dir)
        runner = web.AppRunner(app, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, config.portal.host, config.portal.port, ssl_context=context)
        await site.start()
    except BaseException:
        if runner is not None:
            await runner.cleanup()
        if owned is not None:
            owned.close()
        raise
    port = int(runner.addresses[0][1])
    host = config.portal.host
    shown = f"[{host}]" if ":" in host else host
    url = f"{'https' if context else 'http'}://{shown}:{port}"
    logger.info("portal: serving on %s", url)
    return PortalHandle(url, port, app, runner, owned)


__all__ = [
    "COOKIE",
    "PORTAL_KEY",
    "STATIC_DIR",
    "Portal",
    "PortalHandle",
    "create_app",
    "start_portal",
    "tls_context",
]
