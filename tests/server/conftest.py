"""Fixtures for in-process server tests: an app over injected collaborators, an aiohttp client.

Requests authenticate with bearer tokens from a fixed table (in-process tests have no TLS, hence
no client certificates): `ADMIN` is in system:masters, `JANE` an ordinary authenticated user.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from fakekapi.auth.authn import (
    AuthResult,
    BearerTokenAuthenticator,
    Union,
    X509Authenticator,
    with_anonymous,
)
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.user import ALL_AUTHENTICATED, SYSTEM_MASTERS, UserInfo
from fakekapi.server.app import build_app
from fakekapi.server.ports import RegistryAPI
from fakekapi.server.settings import Settings
from server.fakes import FakeRegistry

ADMIN_TOKEN = "admin-token"
JANE_TOKEN = "jane-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
JANE = {"Authorization": f"Bearer {JANE_TOKEN}"}

USERS = {
    ADMIN_TOKEN: UserInfo("kubernetes-admin", groups=(SYSTEM_MASTERS, ALL_AUTHENTICATED)),
    JANE_TOKEN: UserInfo("jane", groups=(ALL_AUTHENTICATED,)),
}


class StaticTokens:
    """A token table (the test stand-in for --token-auth-file)."""

    def authenticate_token(self, token: str) -> AuthResult:
        user = USERS.get(token)
        return AuthResult.ok(user, "token") if user else AuthResult()


def test_authenticator() -> Union:
    return with_anonymous(Union(X509Authenticator(), BearerTokenAuthenticator([StaticTokens()])))


test_authenticator.__test__ = False  # type: ignore[attr-defined]

ClientFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
def catalog() -> Catalog:
    return Catalog.builtin()


@pytest.fixture
def make_client(aiohttp_client: Any, catalog: Catalog, tmp_path: Any) -> ClientFactory:
    async def make(
        registry: RegistryAPI | None = None, **kwargs: Any
    ) -> TestClient[web.Request, web.Application]:
        if registry is None:
            registry = FakeRegistry(catalog)
        kwargs.setdefault("authenticator", test_authenticator())
        app = build_app(Settings(data_dir=tmp_path), registry=registry, catalog=catalog, **kwargs)
        client: TestClient[web.Request, web.Application] = await aiohttp_client(app)
        return client

    return make
