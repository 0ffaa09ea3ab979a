"""Shared test helpers: a dictionary-backed ObjectLookup and token builders."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from fakekapi.auth.serviceaccount import SigningKey, b64url
from fakekapi.controllers.serviceaccount_token import legacy_claims
from fakekapi.registry.core.tokenrequest import bound_claims

ISSUER = "https://kubernetes.default.svc.cluster.local"


class DictLookup:
    """An ObjectLookup over a dict; every put bumps a global revision like the store does."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], tuple[dict[str, Any], int]] = {}
        self.revision = 0
        self.reads = 0

    def put(self, resource: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.revision += 1
        md = obj["metadata"]
        self.objects[(resource, md.get("namespace", ""), md["name"])] = (obj, self.revision)
        return obj

    def delete(self, resource: str, namespace: str, name: str) -> None:
        self.objects.pop((resource, namespace, name), None)

    def get(self, resource: str, namespace: str, name: str) -> tuple[dict[str, Any], int] | None:
        self.reads += 1
        return self.objects.get((resource, namespace, name))


def sa(name: str = "demo", namespace: str = "default", uid: str = "sa-uid-1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": namespace, "uid": uid},
    }


def obj(kind: str, name: str, uid: str, namespace: str = "default", **extra: Any) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "uid": uid}
    if namespace:
        md["namespace"] = namespace
    return {"apiVersion": "v1", "kind": kind, "metadata": md, **extra}


def token_secret(
    name: str, token: str, sa_name: str = "demo", namespace: str = "default", uid: str = "sec-1"
) -> dict[str, Any]:
    return obj(
        "Secret",
        name,
        uid,
        namespace,
        type="kubernetes.io/service-account-token",
        data={"token": base64.b64encode(token.encode()).decode()},
    ) | {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "annotations": {"kubernetes.io/service-account.name": sa_name},
        }
    }


def legacy_token(key: SigningKey, account: dict[str, Any], secret_name: str) -> str:
    return key.sign(legacy_claims(account, {"metadata": {"name": secret_name}}))


def bound_token(
    key: SigningKey,
    account: dict[str, Any],
    *,
    audiences: tuple[str, ...] = (ISSUER,),
    issued_at: int | None = None,
    lifetime: int = 3600,
    issuer: str = ISSUER,
    **bound: Any,
) -> str:
    claims = bound_claims(
        issuer=issuer,
        sa=account,
        audiences=audiences,
        issued_at=int(time.time()) if issued_at is None else issued_at,
        expiration_seconds=lifetime,
        **bound,
    )
    return key.sign(claims)


def forge(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    """A JWS with any header and claims (no signature unless given)."""
    h = b64url(json.dumps(header).encode())
    p = b64url(json.dumps(claims).encode())
    return f"{h}.{p}.{b64url(signature)}"
