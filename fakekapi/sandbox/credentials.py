"""ServiceAccount credentials from the command line: `sa create`, `token create`, token look-ups.

`create_service_account` makes what a person would make with kubectl on a real cluster: the
ServiceAccount, a Secret of type `kubernetes.io/service-account-token` for it, and the role
bindings; then it returns the Secret's token. The names are predictable so that a second run
finds everything and changes nothing:

* Secret `<name>-token` (the name the kubernetes docs use, and the Postman walkthrough fixtures);
* `--cluster-role R` → ClusterRoleBinding `fakekapi:<namespace>:<name>:<R>` (R everywhere);
* `--role R` → RoleBinding `fakekapi:<name>:<R>` in the namespace, to the Role R there.

Everything is checked before anything is written (names by kube's rules, the namespace, the roles,
objects in the way), so a refused command leaves nothing half-created; a write failing midway
(the store went away) removes what this run created.

The Secret's token is filled here, by the same code the token controller runs
(`legacy_claims` signed with the data dir's `pki/sa.key`), whether or not a server runs: with
none, nobody else would fill it; with one, its controller may race us, which is harmless. Both
sides write with a resourceVersion precondition and neither replaces an existing token, so
exactly one token lands and the loser sees it on its re-read.

`create_token` is `kubectl create token`: with a server running it POSTs a TokenRequest (so the
server's `--service-account-issuer`, `--api-audiences` and maximum expiration apply); without one
it runs the same TokenRequest code locally with the default issuer and audiences.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fakekapi.auth.postman import sa_username, token_secret_name
from fakekapi.controllers.serviceaccount_token import (
    NAME_ANNOTATION,
    SECRET_TYPE,
    UID_ANNOTATION,
    legacy_claims,
    references,
)
from fakekapi.core.errors import StatusError, invalid, invalid_value
from fakekapi.core.objects import meta_of
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.validation import name_rule
from fakekapi.sandbox.session import FIELD_MANAGER, SandboxError, Session

RBAC_GROUP = "rbac.authorization.k8s.io"
WRITE = WriteOptions(field_manager=FIELD_MANAGER)
MAX_ATTEMPTS = 5


# -- names -------------------------------------------------------------------------------------


def cluster_role_binding_name(namespace: str, sa_name: str, role: str) -> str:
    return f"fakekapi:{namespace}:{sa_name}:{role}"


def role_binding_name(sa_name: str, role: str) -> str:
    return f"fakekapi:{sa_name}:{role}"


def parse_ref(value: str) -> tuple[str, str]:
    """`NS/NAME` → (NS, NAME); SandboxError(2) otherwise."""
    ns, sep, name = value.partition("/")
    if not sep or not ns or not name or "/" in name:
        raise SandboxError(f"{value!r} is not NAMESPACE/NAME (e.g. default/postman)", 2)
    return ns, name


def check_name(kind: str, group: str, plural: str, name: str) -> None:
    """kube's name rule for the kind; SandboxError with the 422 message kube would give."""
    problems = name_rule(group, plural)(name, False)
    if not name:
        problems = ["name or generateName is required"]
    if problems:
        errs = [invalid_value("metadata.name", name, p) for p in problems]
        raise SandboxError(invalid(kind, group, name, errs).message)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


async def _get(
    session: Session, group: str, plural: str, ns: str, name: str
) -> dict[str, Any] | None:
    try:
        obj: dict[str, Any] = await session.registry.get(session.rt(group, plural), ns, name)
    except StatusError as e:
        if e.code == 404:
            return None
        raise
    return obj


# -- sa create ---------------------------------------------------------------------------------


@dataclass
class ServiceAccountResult:
    """What `sa create` did and what it leaves."""

    token: str
    objects: list[dict[str, Any]]
    """The ServiceAccount, its token Secret and the bindings, as stored."""
    changes: list[str] = field(default_factory=list)
    """One line per object: `serviceaccount/x created`, `... unchanged`."""


@dataclass
class _Step:
    group: str
    plural: str
    namespace: str
    obj: dict[str, Any]
    existing: dict[str, Any] | None


def _subject(namespace: str, name: str) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def _binding(
    kind: str, name: str, namespace: str, role_kind: str, role: str, subject: dict[str, str]
) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name}
    if namespace:
        md["namespace"] = namespace
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": kind,
        "metadata": md,
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": role_kind, "name": role},
        "subjects": [subject],
    }


def _bootstrap_cluster_roles() -> set[str]:
    from fakekapi.registry.rbac_bootstrap import policy

    return {str(meta_of(r).get("name")) for r in policy()["clusterRoles"]}


async def _plan(
    session: Session,
    namespace: str,
    name: str,
    cluster_roles: Sequence[str],
    roles: Sequence[str],
    create_namespace: bool,
) -> list[_Step]:
    """Every check, no write: the objects to create (existing=None) or to reconcile."""
    check_name("Namespace", "", "namespaces", namespace)
    check_name("ServiceAccount", "", "serviceaccounts", name)
    secret_name = token_secret_name(name)
    check_name("Secret", "", "secrets", secret_name)
    for role in cluster_roles:
        check_name("ClusterRole", RBAC_GROUP, "clusterroles", role)
        check_name(
            "ClusterRoleBinding",
            RBAC_GROUP,
            "clusterrolebindings",
            cluster_role_binding_name(namespace, name, role),
        )
    for role in roles:
        check_name("Role", RBAC_GROUP, "roles", role)
        check_name("RoleBinding", RBAC_GROUP, "rolebindings", role_binding_name(name, role))

    steps: list[_Step] = []
    ns_obj = await _get(session, "", "namespaces", "", namespace)
    if ns_obj is None:
        if not create_namespace:
            raise SandboxError(
                f'namespaces "{namespace}" not found (add --create-namespace to create it)'
            )
        from fakekapi.registry.bootstrap import namespace_object

        steps.append(_Step("", "namespaces", "", namespace_object(namespace), None))
    elif meta_of(ns_obj).get("deletionTimestamp"):
        raise SandboxError(f'namespace "{namespace}" is being deleted')

    known = _bootstrap_cluster_roles()
    for role in cluster_roles:
        if role not in known and await _get(session, RBAC_GROUP, "clusterroles", "", role) is None:
            raise SandboxError(
                f'clusterroles.{RBAC_GROUP} "{role}" not found '
                "(list them with: kubectl get clusterroles)"
            )
    for role in roles:
        found = (
            None if ns_obj is None else await _get(session, RBAC_GROUP, "roles", namespace, role)
        )
        if found is None:
            raise SandboxError(
                f'roles.{RBAC_GROUP} "{role}" not found in namespace "{namespace}" '
                "(for a ClusterRole use --cluster-role)"
            )

    sa = await _get(session, "", "serviceaccounts", namespace, name)
    sa_obj = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": namespace},
    }
    steps.append(_Step("", "serviceaccounts", namespace, sa_obj, sa))

    secret = await _get(session, "", "secrets", namespace, secret_name)
    if secret is not None:
        ann = meta_of(secret).get("annotations") or {}
        if secret.get("type") != SECRET_TYPE or ann.get(NAME_ANNOTATION) != name:
            raise SandboxError(
                f'secret "{secret_name}" in namespace "{namespace}" exists and is not the '
                f"{SECRET_TYPE} Secret of serviceaccount {namespace}/{name}; delete or rename it"
            )
    secret_obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name,
            "namespace": namespace,
            "annotations": {NAME_ANNOTATION: name},
        },
        "type": SECRET_TYPE,
    }
    steps.append(_Step("", "secrets", namespace, secret_obj, secret))

    subject = _subject(namespace, name)
    for role in cluster_roles:
        bname = cluster_role_binding_name(namespace, name, role)
        want = _binding("ClusterRoleBinding", bname, "", "ClusterRole", role, subject)
        have = await _get(session, RBAC_GROUP, "clusterrolebindings", "", bname)
        _check_role_ref(have, want)
        steps.append(_Step(RBAC_GROUP, "clusterrolebindings", "", want, have))
    for role in roles:
        bname = role_binding_name(name, role)
        want = _binding("RoleBinding", bname, namespace, "Role", role, subject)
        have = await _get(session, RBAC_GROUP, "rolebindings", namespace, bname)
        _check_role_ref(have, want)
        steps.append(_Step(RBAC_GROUP, "rolebindings", namespace, want, have))
    return steps


def _check_role_ref(have: dict[str, Any] | None, want: dict[str, Any]) -> None:
    if have is not None and have.get("roleRef") != want["roleRef"]:
        ref = have.get("roleRef") or {}
        raise SandboxError(
            f'{want["kind"].lower()} "{meta_of(want)["name"]}" exists with roleRef '
            f"{ref.get('kind')}/{ref.get('name')}; delete it first (roleRef cannot change)"
        )


def _kind_name(step: _Step) -> str:
    kind = str(step.obj["kind"]).lower()
    ns = step.namespace
    name = meta_of(step.obj)["name"]
    return f"{kind} {ns}/{name}" if ns else f"{kind} {name}"


async def create_service_account(
    session: Session,
    namespace: str,
    name: str,
    *,
    cluster_roles: Sequence[str] = (),
    roles: Sequence[str] = (),
    create_namespace: bool = False,
) -> ServiceAccountResult:
    """The ServiceAccount, its token Secret and bindings; idempotent (see the module doc)."""
    cluster_roles = list(dict.fromkeys(cluster_roles))
    roles = list(dict.fromkeys(roles))
    steps = await _plan(session, namespace, name, cluster_roles, roles, create_namespace)
    created: list[_Step] = []
    changes: list[str] = []
    objects: list[dict[str, Any]] = []
    sa: dict[str, Any] | None = None
    token = ""
    try:
        for step in steps:
            rt = session.rt(step.group, step.plural)
            if step.existing is None:
                result = await session.registry.create(
                    rt, step.namespace, copy.deepcopy(step.obj), WRITE
                )
                obj = result.object
                created.append(step)
                changes.append(f"{_kind_name(step)} created")
            else:
                obj, changed = await _reconcile(session, step)
                changes.append(f"{_kind_name(step)} {'configured' if changed else 'unchanged'}")
            if step.plural == "serviceaccounts":
                sa = obj
            if step.plural == "secrets":
                assert sa is not None
                obj, filled = await ensure_token(session, sa, obj)
                if filled and step.existing is not None:
                    changes[-1] = f"{_kind_name(step)} configured"
                token = base64.b64decode(obj["data"]["token"]).decode("utf-8")
            if step.plural != "namespaces":
                objects.append(obj)
    except BaseException:
        await _undo(session, created)
        raise
    return ServiceAccountResult(token, objects, changes)


async def _reconcile(session: Session, step: _Step) -> tuple[dict[str, Any], bool]:
    """An existing object: bindings get our subject if they lack it; everything else is kept."""
    have = step.existing
    assert have is not None
    if step.plural not in ("clusterrolebindings", "rolebindings"):
        return have, False
    subject = step.obj["subjects"][0]
    rt = session.rt(step.group, step.plural)
    for _ in range(MAX_ATTEMPTS):
        subjects = list(have.get("subjects") or [])
        if any(_same_subject(s, subject) for s in subjects):
            return have, False
        updated = copy.deepcopy(have)
        updated["subjects"] = [*subjects, subject]
        try:
            result = await session.registry.update(
                rt, step.namespace, meta_of(have)["name"], updated, WRITE
            )
            return result.object, True
        except StatusError as e:
            if e.code != 409:
                raise
        found = await _get(session, step.group, step.plural, step.namespace, meta_of(have)["name"])
        if found is None:
            raise SandboxError(f"{_kind_name(step)} was deleted while being updated")
        have = found
    raise SandboxError(f"{_kind_name(step)} kept changing while being updated")


def _same_subject(a: Any, b: dict[str, str]) -> bool:
    return isinstance(a, dict) and all(a.get(k) == v for k, v in b.items())


async def _undo(session: Session, created: list[_Step]) -> None:
    """Remove what this run created, newest first (best effort: the run already failed)."""
    for step in reversed(created):
        with contextlib.suppress(Exception):  # the original error is what the person needs
            await session.registry.delete(
                session.rt(step.group, step.plural),
                step.namespace,
                meta_of(step.obj)["name"],
                DeleteOptions(),
            )


async def ensure_token(
    session: Session, sa: dict[str, Any], secret: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The token Secret with data.token/ca.crt/namespace filled as the token controller fills it.

    Returns (secret, whether this call wrote it). A Secret left over from a deleted and recreated
    ServiceAccount of the same name (its uid annotation names the old one, so its token no longer
    authenticates) is replaced by a fresh one.
    """
    from fakekapi.auth.serviceaccount import SigningKey

    rt = session.rt("", "secrets")
    sa_uid = str(meta_of(sa).get("uid") or "")
    ca_b64 = _b64(session.pki.ca_pem)
    for _ in range(MAX_ATTEMPTS):
        md = meta_of(secret)
        ns, sname = str(md["namespace"]), str(md["name"])
        if not references(secret, str(meta_of(sa)["name"]), sa_uid):
            await _replace_stale(session, secret)
            fresh = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": sname,
                    "namespace": ns,
                    "annotations": {NAME_ANNOTATION: meta_of(sa)["name"]},
                },
                "type": SECRET_TYPE,
            }
            try:
                secret = (await session.registry.create(rt, ns, fresh, WRITE)).object
            except StatusError as e:
                if e.reason != "AlreadyExists":
                    raise
                found = await _get(session, "", "secrets", ns, sname)
                if found is None:
                    continue
                secret = found
            continue
        data: dict[str, str] = dict(secret.get("data") or {})
        ann = md.get("annotations") or {}
        if (
            data.get("token")
            and data.get("namespace")
            and data.get("ca.crt") == ca_b64
            and ann.get(UID_ANNOTATION) == sa_uid
        ):
            return secret, False
        updated = copy.deepcopy(secret)
        if not data.get("token"):
            key = SigningKey.from_file(session.pki.sa_key_path)
            data["token"] = _b64(key.sign(legacy_claims(sa, secret)))
        data["ca.crt"] = ca_b64
        if not data.get("namespace"):
            data["namespace"] = _b64(ns)
        updated["data"] = data
        umd = updated["metadata"]
        umd["annotations"] = {**ann, NAME_ANNOTATION: meta_of(sa)["name"], UID_ANNOTATION: sa_uid}
        try:
            result = await session.registry.update(rt, ns, sname, updated, WRITE)
            return result.object, True
        except StatusError as e:
            if e.code not in (404, 409):
                raise
        found = await _get(session, "", "secrets", ns, sname)
        if found is None:
            raise SandboxError(f"secret {ns}/{sname} was deleted while its token was being filled")
        secret = found
    raise SandboxError("the token Secret kept changing while its token was being filled")


async def _replace_stale(session: Session, secret: dict[str, Any]) -> None:
    md = meta_of(secret)
    try:
        await session.registry.delete(
            session.rt("", "secrets"),
            str(md["namespace"]),
            str(md["name"]),
            DeleteOptions(preconditions_uid=str(md.get("uid") or "") or None),
        )
    except StatusError as e:
        if e.code not in (404, 409):
            raise


# -- token look-ups ----------------------------------------------------------------------------


async def service_account_token(session: Session, namespace: str, name: str) -> str:
    """The token of ServiceAccount NS/NAME's token Secret (`sa create` makes one).

    Prefers `<name>-token`, then any filled token Secret that references the ServiceAccount.
    A Secret still waiting for the token controller is filled here.
    """
    sa = await _get(session, "", "serviceaccounts", namespace, name)
    if sa is None:
        raise SandboxError(
            f'serviceaccount "{name}" not found in namespace "{namespace}"; create it with: '
            f"fakekapi sa create {name} -n {namespace}"
        )
    uid = str(meta_of(sa).get("uid") or "")
    candidates: list[dict[str, Any]] = []
    preferred = await _get(session, "", "secrets", namespace, token_secret_name(name))
    if preferred is not None and references(preferred, name, uid):
        candidates.append(preferred)
    items, _ = session.store.list(f"/core/secrets/{namespace}/")
    for _key, obj, _rev in sorted(items, key=lambda i: i[0]):
        if (
            obj is not preferred
            and references(obj, name, uid)
            and meta_of(obj).get("name") != token_secret_name(name)
        ):
            candidates.append(obj)
    for secret in candidates:
        if (secret.get("data") or {}).get("token"):
            return base64.b64decode(secret["data"]["token"]).decode("utf-8")
    if candidates:
        filled, _ = await ensure_token(session, sa, copy.deepcopy(candidates[0]))
        return base64.b64decode(filled["data"]["token"]).decode("utf-8")
    raise SandboxError(
        f"serviceaccount {namespace}/{name} has no token Secret; create one with: "
        f"fakekapi sa create {name} -n {namespace}"
    )


# -- token create ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRequestSpec:
    """`kubectl create token`'s flags, checked."""

    duration_seconds: int = 0
    """0: the server's default (one hour)."""
    audiences: tuple[str, ...] = ()
    bound_kind: str = ""
    bound_name: str = ""
    bound_uid: str = ""

    def body(self, namespace: str, name: str) -> dict[str, Any]:
        spec: dict[str, Any] = {}
        if self.audiences:
            spec["audiences"] = list(self.audiences)
        if self.duration_seconds > 0:
            spec["expirationSeconds"] = self.duration_seconds
        if self.bound_kind:
            ref: dict[str, str] = {
                "kind": self.bound_kind,
                "apiVersion": "v1",
                "name": self.bound_name,
            }
            if self.bound_uid:
                ref["uid"] = self.bound_uid
            spec["boundObjectRef"] = ref
        return {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "metadata": {"name": name, "namespace": namespace},
            "spec": spec,
        }


BOUND_KINDS = ("Node", "Pod", "Secret")


def check_token_flags(spec: TokenRequestSpec) -> None:
    """kubectl create token's Validate(), with its messages (SandboxError exit 2)."""
    for aud in spec.audiences:
        if not aud:
            raise SandboxError("--audience must not be an empty string", 2)
    if not spec.bound_kind:
        if spec.bound_name:
            raise SandboxError(
                "--bound-object-name can only be set if --bound-object-kind is provided", 2
            )
        if spec.bound_uid:
            raise SandboxError(
                "--bound-object-uid can only be set if --bound-object-kind is provided", 2
            )
        return
    if spec.bound_kind not in BOUND_KINDS:
        raise SandboxError(f"supported --bound-object-kind values are {', '.join(BOUND_KINDS)}", 2)
    if not spec.bound_name:
        raise SandboxError("--bound-object-name is required if --bound-object-kind is provided", 2)


async def create_token(
    session: Session, namespace: str, name: str, spec: TokenRequestSpec
) -> dict[str, Any]:
    """A TokenRequest answer (status.token, status.expirationTimestamp); SandboxError on failure."""
    check_token_flags(spec)
    body = spec.body(namespace, name)
    if session.server is not None:
        out = _post_token_request(session, namespace, name, body)
    else:
        from fakekapi.auth.issuer import DEFAULT_ISSUER
        from fakekapi.auth.serviceaccount import SigningKey
        from fakekapi.registry.core.tokenrequest import create_token as run_token_request
        from fakekapi.registry.generic.access import TokenConfig

        config = TokenConfig(
            signer=SigningKey.from_file(session.pki.sa_key_path), issuer=DEFAULT_ISSUER
        )
        try:
            out, _warnings = await run_token_request(
                session.registry, namespace, name, body, config
            )
        except StatusError as e:
            raise SandboxError(f"failed to create token: {e.message}") from e
    if not (out.get("status") or {}).get("token"):
        raise SandboxError("failed to create token: no token in server response")
    return out


def _post_token_request(
    session: Session, namespace: str, name: str, body: dict[str, Any]
) -> dict[str, Any]:
    """POST the TokenRequest to the running server as kubernetes-admin."""
    from urllib.parse import quote

    assert session.server is not None
    ns, sa = quote(namespace, safe=""), quote(name, safe="")
    path = f"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token"
    conn = session.connection(timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "fakekapi",
            },
        )
        resp = conn.getresponse()
        raw = resp.read()
    except OSError as e:
        raise SandboxError(f"failed to create token: cannot reach {session.server.url}: {e}") from e
    finally:
        conn.close()
    try:
        answer: dict[str, Any] = json.loads(raw)
    except ValueError:
        answer = {}
    if resp.status != 201:
        message = answer.get("message") or raw.decode("utf-8", "replace").strip() or resp.reason
        raise SandboxError(f"failed to create token: {message}")
    return answer


__all__ = [
    "BOUND_KINDS",
    "ServiceAccountResult",
    "TokenRequestSpec",
    "check_name",
    "check_token_flags",
    "cluster_role_binding_name",
    "create_service_account",
    "create_token",
    "ensure_token",
    "parse_ref",
    "role_binding_name",
    "sa_username",
    "service_account_token",
    "token_secret_name",
]
