"""TokenRequest rules and the token controller over the real Registry and MemoryStore."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from polling import until_async

from fakekapi.admission.chain import install
from fakekapi.auth.serviceaccount import (
    ServiceAccountAuthenticator,
    SigningKey,
    StoreLookup,
    build_verifier,
)
from fakekapi.catalog.catalog import Catalog
from fakekapi.controllers.early import Controllers
from fakekapi.core.errors import StatusError
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.core.tokenrequest import create_token
from fakekapi.registry.generic.access import TokenConfig
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore

ISSUER = "https://kubernetes.default.svc.cluster.local"
KEY = SigningKey.generate()
CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, Catalog.builtin()))
    await bootstrap(reg)
    yield reg
    await store.close()


@pytest.fixture
async def controllers(registry: Registry) -> AsyncIterator[Controllers]:
    ctl = Controllers.start(registry, CA, token_signer=KEY)
    await ctl.wait_synced()
    yield ctl
    await ctl.stop()


def rt(registry: Registry, plural: str) -> Any:
    return registry.catalog.lookup("", "v1", plural)


async def create(registry: Registry, plural: str, ns: str, obj: dict[str, Any]) -> dict[str, Any]:
    res = await registry.create(rt(registry, plural), ns, obj, WriteOptions())
    return res.object


async def make_sa(registry: Registry, name: str = "demo", ns: str = "default") -> dict[str, Any]:
    return await create(
        registry,
        "serviceaccounts",
        ns,
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}},
    )


def claims_of(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def config(**kw: Any) -> TokenConfig:
    return TokenConfig(signer=KEY, issuer=ISSUER, **kw)


async def test_defaults(registry: Registry) -> None:
    sa = await make_sa(registry)
    out, warnings = await create_token(registry, "default", "demo", {}, config())
    assert warnings == []
    assert out["metadata"]["name"] == "demo" and out["metadata"]["namespace"] == "default"
    assert out["spec"] == {"audiences": [ISSUER], "expirationSeconds": 3600}
    claims = claims_of(out["status"]["token"])
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["kubernetes.io"] == {
        "namespace": "default",
        "serviceaccount": {"name": "demo", "uid": sa["metadata"]["uid"]},
    }


async def test_validation_errors(registry: Registry) -> None:
    await make_sa(registry)
    with pytest.raises(StatusError) as e:
        await create_token(
            registry, "default", "demo", {"spec": {"expirationSeconds": 60}}, config()
        )
    assert e.value.code == 422
    assert e.value.message == (
        'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: '
        "Invalid value: 60: may not specify a duration less than 10 minutes"
    )
    with pytest.raises(StatusError) as e:
        await create_token(
            registry, "default", "demo", {"spec": {"expirationSeconds": 2**32 + 1}}, config()
        )
    assert "may not specify a duration larger than 2^32 seconds" in e.value.message
    with pytest.raises(StatusError) as e:
        await create_token(registry, "default", "demo", {"metadata": {"name": "x"}}, config())
    assert e.value.message == (
        'TokenRequest.authentication.k8s.io "demo" is invalid: metadata.name: '
        'Invalid value: "x": must match the service account name if specified'
    )
    with pytest.raises(StatusError) as e:
        await create_token(registry, "default", "nope", {}, config())
    assert (e.value.code, e.value.message) == (404, 'serviceaccounts "nope" not found')


async def test_max_expiration_warning(registry: Registry) -> None:
    await make_sa(registry)
    out, warnings = await create_token(
        registry,
        "default",
        "demo",
        {"spec": {"expirationSeconds": 7200}},
        config(max_expiration_seconds=3600),
    )
    assert warnings == ["requested expiration of 7200 seconds shortened to 3600 seconds"]
    assert out["spec"]["expirationSeconds"] == 3600


async def test_bound_objects(registry: Registry) -> None:
    await make_sa(registry)
    pod = await create(
        registry,
        "pods",
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {
                "serviceAccountName": "demo",
                "nodeName": "node-1",
                "containers": [{"name": "c", "image": "nginx"}],
            },
        },
    )
    ref = {"kind": "Pod", "apiVersion": "v1", "name": "web"}
    out, _ = await create_token(
        registry, "default", "demo", {"spec": {"boundObjectRef": ref}}, config()
    )
    k8s = claims_of(out["status"]["token"])["kubernetes.io"]
    assert k8s["pod"] == {"name": "web", "uid": pod["metadata"]["uid"]}
    assert k8s["node"] == {"name": "node-1"}  # the Node object does not exist: name only

    # 3607 s, pod-bound, API audiences: a one-year token with warnafter.
    out, _ = await create_token(
        registry,
        "default",
        "demo",
        {"spec": {"boundObjectRef": ref, "expirationSeconds": 3607}},
        config(),
    )
    claims = claims_of(out["status"]["token"])
    assert claims["exp"] - claims["iat"] == 31536000
    assert claims["kubernetes.io"]["warnafter"] == claims["iat"] + 3607
    assert out["spec"]["expirationSeconds"] == 3607

    with pytest.raises(StatusError) as e:
        await create_token(
            registry,
            "default",
            "demo",
            {"spec": {"boundObjectRef": {**ref, "uid": "other"}}},
            config(),
        )
    assert e.value.code == 409
    assert e.value.message == (
        'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference '
        "(other) does not match the UID in record. The object might have been deleted and then "
        "recreated"
    )
    with pytest.raises(StatusError) as e:
        await create_token(
            registry,
            "default",
            "demo",
            {"spec": {"boundObjectRef": {"kind": "ConfigMap", "apiVersion": "v1", "name": "x"}}},
            config(),
        )
    assert (e.value.code, e.value.message) == (
        400,
        "cannot bind token to object of type /v1, Kind=ConfigMap",
    )
    with pytest.raises(StatusError) as e:
        await create_token(
            registry,
            "default",
            "demo",
            {"spec": {"boundObjectRef": {**ref, "name": "missing"}}},
            config(),
        )
    assert (e.value.code, e.value.message) == (404, 'pods "missing" not found')
    await make_sa(registry, "other")
    with pytest.raises(StatusError) as e:
        await create_token(
            registry, "default", "other", {"spec": {"boundObjectRef": ref}}, config()
        )
    assert e.value.message == (
        'cannot bind token for serviceaccount "other" to pod running with different '
        "serviceaccount name."
    )


async def get_or_none(registry: Registry, plural: str, ns: str, name: str) -> dict[str, Any] | None:
    try:
        return await registry.get(rt(registry, plural), ns, name)
    except StatusError as e:
        if e.code == 404:
            return None
        raise


def token_secret(name: str, sa_name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/service-account-token",
        "metadata": {"name": name, "annotations": {"kubernetes.io/service-account.name": sa_name}},
    }


async def test_controller_fills_and_cleans_up(registry: Registry, controllers: Controllers) -> None:
    sa = await make_sa(registry)
    await create(registry, "secrets", "default", token_secret("demo-token", "demo"))

    async def filled() -> dict[str, Any] | None:
        s = await get_or_none(registry, "secrets", "default", "demo-token")
        return s if s and (s.get("data") or {}).get("token") else None

    secret = await until_async(filled)
    data = secret["data"]
    assert base64.b64decode(data["ca.crt"]).decode() == CA
    assert base64.b64decode(data["namespace"]) == b"default"
    ann = secret["metadata"]["annotations"]
    assert ann["kubernetes.io/service-account.uid"] == sa["metadata"]["uid"]
    token = base64.b64decode(data["token"]).decode()
    assert claims_of(token)["kubernetes.io/serviceaccount/secret.name"] == "demo-token"

    store: Any = registry.store
    auth = ServiceAccountAuthenticator(build_verifier(KEY, ISSUER), StoreLookup(store))
    assert auth.authenticate_token(token).authenticated

    # A token Secret naming a missing ServiceAccount is deleted.
    await create(registry, "secrets", "default", token_secret("orphan", "ghost"))

    async def orphan_gone() -> bool:
        return await get_or_none(registry, "secrets", "default", "orphan") is None

    await until_async(orphan_gone)

    # Deleting the ServiceAccount deletes its token Secrets, and the token stops working.
    await registry.delete(rt(registry, "serviceaccounts"), "default", "demo", DeleteOptions())

    async def secret_gone() -> bool:
        return await get_or_none(registry, "secrets", "default", "demo-token") is None

    await until_async(secret_gone)
    assert auth.authenticate_token(token).error == "Token has been invalidated"


async def test_controller_keeps_existing_token_and_marks_use(
    registry: Registry, controllers: Controllers
) -> None:
    await make_sa(registry)
    secret = token_secret("manual", "demo")
    secret["data"] = {"token": base64.b64encode(b"preset").decode()}
    await create(registry, "secrets", "default", secret)

    async def filled() -> dict[str, Any] | None:
        s = await get_or_none(registry, "secrets", "default", "manual")
        return s if s and (s.get("data") or {}).get("namespace") else None

    s = await until_async(filled)
    assert base64.b64decode(s["data"]["token"]) == b"preset"
    assert controllers.tokens is not None
    controllers.tokens.record_use("default", "manual")

    async def labelled() -> bool:
        s = await get_or_none(registry, "secrets", "default", "manual")
        labels = (s or {}).get("metadata", {}).get("labels") or {}
        return "kubernetes.io/legacy-token-last-used" in labels

    await until_async(labelled)


async def test_controller_caches_token_secrets_only(
    registry: Registry, controllers: Controllers
) -> None:
    """The controller's informer lists and watches `type=kubernetes.io/service-account-token`
    Secrets alone: other Secrets are neither cached nor written."""
    await make_sa(registry)
    plain = await create(
        registry,
        "secrets",
        "default",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "plain"}, "data": {}},
    )
    await create(registry, "secrets", "default", token_secret("demo-token", "demo"))
    assert controllers.tokens is not None
    cache = controllers.tokens.secrets.cache

    async def cached() -> bool:
        return ("default", "demo-token") in cache

    await until_async(cached)
    assert ("default", "plain") not in cache
    again = await get_or_none(registry, "secrets", "default", "plain")
    assert again is not None
    assert again["metadata"]["resourceVersion"] == plain["metadata"]["resourceVersion"]
