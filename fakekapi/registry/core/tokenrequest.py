"""TokenRequest (`POST .../serviceaccounts/NAME/token`): bound ServiceAccount tokens.

A created-not-stored resource: nothing is written, the answer is a signed JWT. The rules are
kubernetes `pkg/registry/core/serviceaccount/storage/token.go` (1.33) in its order, because the
order decides which error a client sees first:

1. body `metadata.name` / `namespace`, if set, must match the URL (422);
2. the ServiceAccount must exist (404 `serviceaccounts "x" not found`);
3. defaults: audiences = the API audiences, expirationSeconds = 3600 (the v1 defaulter);
4. validation: at least 10 minutes, at most 2^32 seconds (422);
5. `boundObjectRef`: a Pod (running as this ServiceAccount; its Node embedded when scheduled), a
   Secret or a Node; any other kind is 400, a missing object its 404, a uid mismatch 409;
6. `--service-account-max-token-expiration` shortens the request with a warning;
7. a pod-bound request for exactly 3607 s with only API audiences gets a one-year token with
   `warnafter` (the projected-token transition), while the response still says 3607 s.

Signing is injected (`TokenConfig.signer`, generic/access.py) so this layer does not depend on
where the key lives.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fakekapi.core.errors import StatusError, bad_request, conflict, invalid, invalid_value
from fakekapi.core.gojson import unmarshal_type
from fakekapi.core.gotime import format_utc
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import TokenConfig
from fakekapi.registry.generic.engine import Engine, WriteResult, served_type
from fakekapi.registry.generic.options import WriteOptions

if TYPE_CHECKING:
    pass

GROUP = "authentication.k8s.io"
API_VERSION = "authentication.k8s.io/v1"
KIND = "TokenRequest"
DEFAULT_EXPIRATION_SECONDS = 3600
MIN_EXPIRATION_SECONDS = 600
MAX_EXPIRATION_SECONDS = 1 << 32
WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7
EXPIRATION_EXTENSION_SECONDS = 24 * 365 * 60 * 60


def bound_claims(
    *,
    issuer: str,
    sa: Mapping[str, Any],
    audiences: Sequence[str],
    issued_at: int,
    expiration_seconds: int,
    pod: Mapping[str, Any] | None = None,
    secret: Mapping[str, Any] | None = None,
    node: Mapping[str, Any] | None = None,
    warn_after: int = 0,
    jti: str | None = None,
) -> dict[str, Any]:
    """The claim set of `claims.go` `Claims()` (jti and pod node info are on in 1.33)."""
    md = sa.get("metadata") or {}
    ns = str(md.get("namespace") or "")
    name = str(md.get("name") or "")
    k8s: dict[str, Any] = {
        "namespace": ns,
        "serviceaccount": {"name": name, "uid": str(md.get("uid") or "")},
    }
    if pod is not None:
        k8s["pod"] = _ref(pod)
        if node is not None:
            k8s["node"] = _ref(node)
    elif secret is not None:
        k8s["secret"] = _ref(secret)
    elif node is not None:
        k8s["node"] = _ref(node)
    if warn_after:
        k8s["warnafter"] = issued_at + warn_after
    return {
        "aud": list(audiences),
        "exp": issued_at + expiration_seconds,
        "iat": issued_at,
        "iss": issuer,
        "jti": jti or str(uuid.uuid4()),
        "kubernetes.io": k8s,
        "nbf": issued_at,
        "sub": f"system:serviceaccount:{ns}:{name}",
    }


def _ref(obj: Mapping[str, Any]) -> dict[str, str]:
    md = obj.get("metadata") or {}
    out = {"name": str(md.get("name") or "")}
    if md.get("uid"):
        out["uid"] = str(md["uid"])
    return out


def _invalid(name: str, path: str, value: Any, detail: str) -> StatusError:
    return invalid(KIND, GROUP, name, [invalid_value(path, value, detail)])


def _int(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        # the typed decode of the body (create.go transformDecodeError over encoding/json's)
        raise bad_request(
            'TokenRequest in version "v1" cannot be handled as a TokenRequest: json: cannot '
            f"unmarshal {unmarshal_type(value)} into Go struct field "
            "TokenRequestSpec.spec.expirationSeconds of type int64"
        )
    return int(value)


async def create_token(
    registry: Engine,
    namespace: str,
    name: str,
    body: Mapping[str, Any],
    config: TokenConfig,
) -> tuple[dict[str, Any], list[str]]:
    """Issue a bound token for ServiceAccount `namespace/name`: (TokenRequest, warnings)."""
    req = copy.deepcopy(dict(body))
    md = dict(req.get("metadata") or {})
    if md.get("name") and md["name"] != name:
        raise _invalid(
            name, "metadata.name", md["name"], "must match the service account name if specified"
        )
    if md.get("namespace") and md["namespace"] != namespace:
        raise _invalid(
            name,
            "metadata.namespace",
            md["namespace"],
            "must match the service account namespace if specified",
        )
    sa = await registry.get(served_type(registry, "", "v1", "serviceaccounts"), namespace, name)

    spec = dict(req.get("spec") or {})
    audiences = [str(a) for a in spec.get("audiences") or []]
    if not audiences:
        audiences = list(config.audiences)
    spec["audiences"] = audiences
    expiration = _int(spec.get("expirationSeconds"), DEFAULT_EXPIRATION_SECONDS)
    spec["expirationSeconds"] = expiration

    now = config.clock()
    md["name"] = md.get("name") or name
    md["namespace"] = md.get("namespace") or namespace
    md["creationTimestamp"] = format_utc(int(now))

    if expiration < MIN_EXPIRATION_SECONDS:
        raise _invalid(
            "",
            "spec.expirationSeconds",
            expiration,
            "may not specify a duration less than 10 minutes",
        )
    if expiration > MAX_EXPIRATION_SECONDS:
        raise _invalid(
            "",
            "spec.expirationSeconds",
            expiration,
            "may not specify a duration larger than 2^32 seconds",
        )

    pod = secret = node = None
    ref = spec.get("boundObjectRef")
    if isinstance(ref, dict) and ref:
        pod, secret, node = await _bound_object(registry, namespace, name, ref)

    warnings: list[str] = []
    if config.max_expiration_seconds > 0 and expiration > config.max_expiration_seconds:
        warnings.append(
            f"requested expiration of {expiration} seconds shortened to "
            f"{config.max_expiration_seconds} seconds"
        )
        expiration = config.max_expiration_seconds
        spec["expirationSeconds"] = expiration

    warn_after = 0
    token_lifetime = expiration
    if (
        config.extend_expiration
        and pod is not None
        and expiration == WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
        and all(a in config.audiences for a in audiences)
    ):
        warn_after = expiration
        token_lifetime = EXPIRATION_EXTENSION_SECONDS

    claims = bound_claims(
        issuer=config.issuer,
        sa=sa,
        audiences=audiences,
        issued_at=int(now),
        expiration_seconds=token_lifetime,
        pod=pod,
        secret=secret,
        node=node,
        warn_after=warn_after,
    )
    token = config.signer.sign(claims)
    out: dict[str, Any] = {
        "kind": KIND,
        "apiVersion": API_VERSION,
        "metadata": md,
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": format_utc(int(now) + expiration)},
    }
    return out, warnings


async def _bound_object(
    registry: Engine, namespace: str, sa_name: str, ref: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    """(pod, secret, node) for a boundObjectRef, with token.go's errors."""
    api_version = str(ref.get("apiVersion") or "")
    kind = str(ref.get("kind") or "")
    group, _, version = api_version.rpartition("/")
    ref_name = str(ref.get("name") or "")
    pod = secret = node = None
    if group == "" and kind == "Pod":
        pod = await registry.get(served_type(registry, "", "v1", "pods"), namespace, ref_name)
        # An unset serviceAccountName is what the ServiceAccount admission plugin defaults.
        if ((pod.get("spec") or {}).get("serviceAccountName") or "default") != sa_name:
            raise bad_request(
                f'cannot bind token for serviceaccount "{sa_name}" to pod running with '
                "different serviceaccount name."
            )
        uid = (pod.get("metadata") or {}).get("uid")
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name:
            try:
                node = await registry.get(
                    served_type(registry, "", "v1", "nodes"), "", str(node_name)
                )
            except StatusError:
                node = {"metadata": {"name": str(node_name)}}
    elif group == "" and kind == "Node":
        node = await registry.get(served_type(registry, "", "v1", "nodes"), "", ref_name)
        uid = (node.get("metadata") or {}).get("uid")
    elif group == "" and kind == "Secret":
        secret = await registry.get(served_type(registry, "", "v1", "secrets"), namespace, ref_name)
        uid = (secret.get("metadata") or {}).get("uid")
    else:
        raise bad_request(f"cannot bind token to object of type {group}/{version}, Kind={kind}")
    want = ref.get("uid")
    if want and want != uid:
        raise conflict(
            kind,
            group,
            ref_name,
            f"the UID in the bound object reference ({want}) does not match the UID in record. "
            "The object might have been deleted and then recreated",
        )
    return pod, secret, node


async def token_subresource(
    engine: Engine,
    namespace: str,
    name: str,
    body: dict[str, Any],
    opts: WriteOptions,
    user: UserInfo | None,
) -> WriteResult:
    """POST serviceaccounts/NAME/token, signed with the server's token settings
    (`engine.access.token_config`, as storage_core.go hands the token REST its generator)."""
    out, warnings = await create_token(engine, namespace, name, body, engine.access.token_config)
    return WriteResult(out, warnings, created=True)


__all__ = ["bound_claims", "create_token", "token_subresource"]
