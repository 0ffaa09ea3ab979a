"""Client certificates over real TLS: the x509 authenticator sees what the handshake verified."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import AsyncIterator

import aiohttp
import pytest
import trustme
from aiohttp import web
from certs import client_cert

from fakekapi.catalog.catalog import Catalog
from fakekapi.server.app import build_app
from fakekapi.server.settings import Settings
from server.fakes import FakeRegistry


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def server_url(ca: trustme.CA) -> AsyncIterator[str]:
    server_cert = ca.issue_cert("127.0.0.1")
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(ctx)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ca.configure_trust(ctx)
    app = build_app(Settings(), registry=FakeRegistry(), catalog=Catalog.builtin())
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=ctx).start()
    yield f"https://127.0.0.1:{port}"
    await runner.cleanup()


def _client_ctx(ca: trustme.CA, cert: trustme.LeafCert | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    if cert is not None:
        cert.configure_cert(ctx)
    return ctx


async def test_admin_certificate_is_system_masters(
    ca: trustme.CA, server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin = client_cert(ca, "kubernetes-admin", "system:masters")
    async with aiohttp.ClientSession() as s:
        with caplog.at_level(logging.INFO, logger="fakekapi.server.access"):
            r = await s.get(f"{server_url}/metrics", ssl=_client_ctx(ca, admin))
            assert r.status == 200
            # A bad bearer token does not hide a good certificate.
            r = await s.get(
                f"{server_url}/metrics",
                ssl=_client_ctx(ca, admin),
                headers={"Authorization": "Bearer wrong"},
            )
            assert r.status == 200
            r = await s.get(f"{server_url}/metrics", ssl=_client_ctx(ca, None))
            assert r.status == 403
    lines = [rec.getMessage() for rec in caplog.records if rec.name == "fakekapi.server.access"]
    assert 'user="kubernetes-admin" authn=x509 authz=allow' in lines[0]
    assert 'user="system:anonymous" authn=anonymous authz=forbid' in lines[2]


async def test_ordinary_certificate_user_gets_discovery_only(
    ca: trustme.CA, server_url: str
) -> None:
    jane = client_cert(ca, "jane")
    async with aiohttp.ClientSession() as s:
        assert (await s.get(f"{server_url}/apis", ssl=_client_ctx(ca, jane))).status == 200
        r = await s.get(f"{server_url}/api/v1/namespaces/default/pods", ssl=_client_ctx(ca, jane))
        assert r.status == 403
        assert (await r.json())["message"].startswith('pods is forbidden: User "jane" cannot list')
