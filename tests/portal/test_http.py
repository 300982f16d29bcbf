"""The portal's web side: sign-in, the session cookie, lockout, what needs a session, TLS."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from kiosk.clock import FakeClock
from kiosk.config import Config, PortalConfig
from kiosk.portal.server import COOKIE, PortalHandle, start_portal
from kiosk.portal.store import PortalStore
from tests.portal.conftest import (
    PASSWORD,
    Accounts,
    client_session,
    closed_with,
    doctor_page,
    expect,
    receive,
    sign_in,
)

pytestmark = pytest.mark.asyncio


def set_cookie_header(response: aiohttp.ClientResponse) -> str:
    (header,) = response.headers.getall("Set-Cookie")
    return header


async def test_healthz(portal: PortalHandle, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{portal.url}/healthz") as response:
        assert response.status == 200
        assert await response.text() == "ok"


async def test_login_page_is_french_first(
    portal: PortalHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{portal.url}/login") as response:
        assert response.status == 200
        page = await response.text()
    assert page.index("Connexion médecin") < page.index("Doctor sign-in")
    assert 'action="/login"' in page and 'method="post"' in page
    assert "<!--message-->" not in page
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


async def test_login_sets_a_strict_http_only_cookie_and_no_token_in_any_url(
    portal: PortalHandle, http: aiohttp.ClientSession, store: PortalStore
) -> None:
    response = await sign_in(http, portal, "dr.martin")
    assert response.status == 303
    assert response.headers["Location"] == "/"
    header = set_cookie_header(response)
    token = response.cookies[COOKIE].value
    assert len(token) >= 40
    assert token not in response.headers["Location"]
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes  # plain HTTP on loopback
    # The token is not stored, only its hash.
    assert token not in "\n".join(store.db.conn.iterdump())
    assert store.db.execute("SELECT COUNT(*) FROM web_sessions").fetchone()[0] == 1
    # The console opens, and no URL along the way carries the token.
    async with http.get(f"{portal.url}/") as page:
        assert page.status == 200
        assert page.content_type == "text/html"
        await page.read()
        assert page.headers["Cache-Control"] == "no-store"
        assert all(token not in str(step.url) for step in (*page.history, page))
    # A signed-in doctor asking for the login page goes to the console.
    async with http.get(f"{portal.url}/login", allow_redirects=False) as again:
        assert again.status == 303 and again.headers["Location"] == "/"
    rows = [(r.actor, r.action) for r in store.audit_log()]
    assert ("dr.martin", "login_ok") in rows


async def test_wrong_password_and_unknown_name_get_401_with_a_plain_message(
    portal: PortalHandle, http: aiohttp.ClientSession, store: PortalStore
) -> None:
    for name, password in (("dr.martin", "wrong password"), ("nobody", PASSWORD), ("", "")):
        async with http.post(
            f"{portal.url}/login",
            data={"name": name, "password": password},
            allow_redirects=False,
        ) as response:
            assert response.status == 401
            page = await response.text()
            assert "Nom ou mot de passe incorrect" in page
            assert "Wrong name or password" in page
            assert COOKIE not in response.cookies
    actions = [r.action for r in store.audit_log()]
    assert actions.count("login_failed") == 2  # the empty form is not an attempt on anyone


@pytest.mark.allow_log_warnings  # the lock is logged as a warning
async def test_five_wrong_passwords_lock_the_account_until_the_lockout_ends(
    portal: PortalHandle, http: aiohttp.ClientSession, store: PortalStore, clock: FakeClock
) -> None:
    statuses = [
        (await sign_in(http, portal, "dr.martin", "not the password")).status for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 423]
    response = await sign_in(http, portal, "dr.martin")  # the right password, too late
    assert response.status == 423
    async with http.post(
        f"{portal.url}/login", data={"name": "dr.martin", "password": PASSWORD}
    ) as locked:
        page = await locked.text()
    assert "Compte bloqué pour 5 minutes" in page and "Account locked for 5 minutes" in page
    clock.advance(299)
    assert (await sign_in(http, portal, "dr.martin")).status == 423
    async with http.post(
        f"{portal.url}/login", data={"name": "dr.martin", "password": PASSWORD}
    ) as locked:
        assert "1 minute " in await locked.text()
    # Other doctors are not affected.
    async with client_session() as other:
        assert (await sign_in(other, portal, "dr.leroy")).status == 303
    clock.advance(2)
    assert (await sign_in(http, portal, "dr.martin")).status == 303
    actions = [r.action for r in store.audit_log() if r.actor == "dr.martin"]
    assert actions.count("login_failed") == 4
    assert "login_locked" in actions and actions[-1] == "login_ok"
    # The count started again: one wrong password does not lock.
    assert (await sign_in(http, portal, "dr.martin", "wrong again!")).status == 401


async def test_the_console_and_the_doctor_socket_need_a_session(
    portal: PortalHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{portal.url}/", allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/login"
    with pytest.raises(aiohttp.WSServerHandshakeError) as excinfo:
        await http.ws_connect(f"{portal.url}/ws/doctor", origin=portal.url)
    assert excinfo.value.status == 401
    # A made-up cookie is no session.
    http.cookie_jar.update_cookies({COOKIE: "made-up"}, response_url=portal_url(portal))
    with pytest.raises(aiohttp.WSServerHandshakeError) as excinfo:
        await http.ws_connect(f"{portal.url}/ws/doctor", origin=portal.url)
    assert excinfo.value.status == 401


def portal_url(portal: PortalHandle) -> URL:
    return URL(portal.url)


async def test_the_doctor_socket_refuses_a_foreign_or_missing_origin(
    portal: PortalHandle, http: aiohttp.ClientSession
) -> None:
    assert (await sign_in(http, portal, "dr.martin")).status == 303
    for origin in ("http://evil.example", "http://127.0.0.1:1"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as excinfo:
            await http.ws_connect(f"{portal.url}/ws/doctor", origin=origin)
        assert excinfo.value.status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError) as excinfo:
        await http.ws_connect(f"{portal.url}/ws/doctor")  # no Origin at all
    assert excinfo.value.status == 403
    ws = await doctor_page(http, portal)
    await ws.close()


async def test_a_login_form_posted_from_another_site_is_refused(
    portal: PortalHandle, http: aiohttp.ClientSession
) -> None:
    for origin in ("http://evil.example", "null"):
        async with http.post(
            f"{portal.url}/login",
            data={"name": "dr.martin", "password": PASSWORD},
            headers={"Origin": origin},
            allow_redirects=False,
        ) as response:
            assert response.status == 403
            assert COOKIE not in response.cookies
    # A browser posting the portal's own form sends the portal's origin (never "null": the
    # portal's referrer policy is not no-referrer, under which browsers would send "null").
    async with http.post(
        f"{portal.url}/login",
        data={"name": "dr.martin", "password": PASSWORD},
        headers={"Origin": portal.url},
        allow_redirects=False,
    ) as response:
        assert response.status == 303
        assert response.headers["Referrer-Policy"] == "same-origin"


async def test_logout_ends_the_session_and_closes_its_pages(
    portal: PortalHandle, http: aiohttp.ClientSession, store: PortalStore
) -> None:
    assert (await sign_in(http, portal, "dr.martin")).status == 303
    ws = await doctor_page(http, portal)
    assert (await receive(ws))["type"] == "queue"
    async with http.post(f"{portal.url}/logout", allow_redirects=False) as response:
        assert response.status == 303 and response.headers["Location"] == "/login"
        assert response.cookies[COOKIE].value == ""
    farewell = await receive(ws)
    assert farewell["type"] == "error" and farewell["code"] == "not_authenticated"
    assert await closed_with(ws) == 4001
    async with http.get(f"{portal.url}/", allow_redirects=False) as after:
        assert after.status == 303
    assert store.db.execute("SELECT COUNT(*) FROM web_sessions").fetchone()[0] == 0


async def test_sessions_expire(
    portal: PortalHandle, http: aiohttp.ClientSession, clock: FakeClock
) -> None:
    assert (await sign_in(http, portal, "dr.martin")).status == 303
    ws = await doctor_page(http, portal)
    clock.advance(12 * 3600 + 1)
    await portal.portal.housekeeping()
    assert (await expect(ws, "error"))["code"] == "not_authenticated"
    assert await closed_with(ws) == 4001
    async with http.get(f"{portal.url}/", allow_redirects=False) as response:
        assert response.status == 303


async def test_a_disabled_doctor_cannot_sign_in_and_loses_their_page(
    portal: PortalHandle, http: aiohttp.ClientSession, store: PortalStore
) -> None:
    assert (await sign_in(http, portal, "dr.martin")).status == 303
    ws = await doctor_page(http, portal)
    store.set_doctor_disabled("dr.martin", True)
    await portal.portal.housekeeping()
    assert (await expect(ws, "error"))["code"] == "not_authenticated"
    assert await closed_with(ws) == 4001
    assert (await sign_in(http, portal, "dr.martin")).status == 401


async def test_static_files_are_served_without_listing(
    portal: PortalHandle, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{portal.url}/static/login.html") as response:
        assert response.status == 200
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    async with http.get(f"{portal.url}/static/") as listing:
        assert listing.status in (403, 404)
    async with http.get(f"{portal.url}/static/../server.py") as escape:
        assert escape.status in (403, 404)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "portal.pem", folder / "portal.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_under_tls_the_cookie_is_secure(
    tmp_path: Path, store: PortalStore, clock: FakeClock, static_dir: Path, accounts: Accounts
) -> None:
    pytest.importorskip("cryptography")
    cert, key = _self_signed(tmp_path)
    config = Config(
        data_dir=tmp_path,
        portal=PortalConfig(port=0, tls_cert=str(cert), tls_key=str(key)),
    )
    handle = await start_portal(config, store, clock, static_dir=static_dir)
    try:
        assert handle.url.startswith("https://127.0.0.1:")
        trust = ssl.create_default_context(cafile=str(cert))
        connector = aiohttp.TCPConnector(ssl=trust)
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)
        ) as session:
            response = await sign_in(session, handle, "dr.martin")
            assert response.status == 303
            attributes = [p.strip().lower() for p in set_cookie_header(response).split(";")]
            assert "secure" in attributes and "httponly" in attributes
            ws = await session.ws_connect(f"{handle.url}/ws/doctor", origin=handle.url)
            assert (await receive(ws))["type"] == "welcome"
            await ws.close()
    finally:
        await handle.close()
        await asyncio.get_running_loop().shutdown_default_executor()
