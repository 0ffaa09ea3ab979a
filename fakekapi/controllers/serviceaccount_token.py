"""The token controller: fills Secrets of type `kubernetes.io/service-account-token`.

As kube-controller-manager's (pkg/controller/serviceaccount/tokens_controller.go, 1.33):

* a token Secret is filled right after it appears (also one loaded from fixtures, which the
  informer's first list reports as added): `data.token` (a legacy JWT) if empty, `data.namespace`
  if empty, `data.ca.crt` if it differs from the cluster CA, and both
  `kubernetes.io/service-account.name` / `.uid` annotations; an existing token is never replaced;
* a token Secret whose ServiceAccount does not exist, or whose uid annotation names another
  ServiceAccount uid, is deleted (with a uid precondition);
* deleting a ServiceAccount deletes the token Secrets that reference it (name and uid), a moment
  later (SA_DELETION_DELAY), as a controller in another process would;
* deleting a token Secret removes it from its ServiceAccount's `.secrets` list, if listed there;
* no token Secret is ever created for a ServiceAccount (LegacyServiceAccountTokenNoAutoGeneration).

It also does the `LegacyServiceAccountTokenTracking` half of kube-apiserver: each use of a legacy
token (reported by the authenticator through `record_use`) labels its Secret
`kubernetes.io/legacy-token-last-used: YYYY-MM-DD`, at most once per day.
"""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fakekapi.client.informer import Informer
from fakekapi.controllers.base import FIELD_MANAGER, Controller
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict, meta_of
from fakekapi.registry.generic.access import TokenSigner
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType
    from fakekapi.registry.registry import Registry

SECRET_TYPE = "kubernetes.io/service-account-token"
NAME_ANNOTATION = "kubernetes.io/service-account.name"
UID_ANNOTATION = "kubernetes.io/service-account.uid"
LAST_USED_LABEL = "kubernetes.io/legacy-token-last-used"
LEGACY_ISSUER = "kubernetes/serviceaccount"

_SECRET = "secret"
_SA_DELETED = "sa-deleted"
_USED = "used"

SA_DELETION_DELAY = 1.0
"""Seconds between a ServiceAccount's deletion and the deletion of its token Secrets.

kube's controller (tokens_controller.go, `queueServiceAccountSync`) queues the deletion with no
delay of its own, but it learns of it through a watch in another process: on a real cluster the
Secrets go a moment after the DELETE returned, and a client deleting the ServiceAccount and then
its Secret (`kubectl delete -f` of both, in file order) finds the Secret still there and deletes it
itself (exit 0). Here the informer hears of the deletion in the same event loop at once, so the
moment is made explicit; without it `kubectl delete -f fixtures/postman-walkthrough` failed with
NotFound on the Secret."""


def legacy_claims(sa: Mapping[str, Any], secret: Mapping[str, Any]) -> dict[str, Any]:
    """`serviceaccount.LegacyClaims`: the claim set of a Secret-based token (never expires)."""
    sa_md = sa.get("metadata") or {}
    ns = str(sa_md.get("namespace") or "")
    name = str(sa_md.get("name") or "")
    return {
        "iss": LEGACY_ISSUER,
        "kubernetes.io/serviceaccount/namespace": ns,
        "kubernetes.io/serviceaccount/secret.name": str(
            (secret.get("metadata") or {}).get("name") or ""
        ),
        "kubernetes.io/serviceaccount/service-account.name": name,
        "kubernetes.io/serviceaccount/service-account.uid": str(sa_md.get("uid") or ""),
        "sub": f"system:serviceaccount:{ns}:{name}",
    }


def is_token_secret(obj: Mapping[str, Any] | None) -> bool:
    return obj is not None and obj.get("type") == SECRET_TYPE


def references(secret: Mapping[str, Any], sa_name: str, sa_uid: str) -> bool:
    """`IsServiceAccountToken`: the Secret names this ServiceAccount (and its uid, if it says)."""
    if not is_token_secret(secret):
        return False
    ann = (secret.get("metadata") or {}).get("annotations") or {}
    if ann.get(NAME_ANNOTATION) != sa_name:
        return False
    uid = ann.get(UID_ANNOTATION)
    return not uid or uid == sa_uid


def _b64(data: str) -> str:
    return base64.b64encode(data.encode("utf-8")).decode("ascii")


class TokensController(Controller):
    name = "serviceaccount-token-controller"

    def __init__(
        self,
        registry: Registry,
        secret_type: ResourceType,
        sa_type: ResourceType,
        secrets: Informer,
        serviceaccounts: Informer,
        signer: TokenSigner,
        ca_pem: str,
    ) -> None:
        super().__init__(registry, [secrets, serviceaccounts])
        self.secret_type = secret_type
        self.sa_type = sa_type
        self.secrets = secrets
        self.serviceaccounts = serviceaccounts
        self.signer = signer
        self.ca_b64 = _b64(ca_pem) if ca_pem else ""
        secrets.add_handler(self._secret_changed)
        serviceaccounts.add_handler(self._serviceaccount_changed)

    # -- event handlers ----------------------------------------------------------------------

    def _secret_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        obj = new if new is not None else old
        if obj is None or not is_token_secret(obj):
            return
        md = meta_of(obj)
        self.queue.add(f"{_SECRET}/{md.get('namespace', '')}/{md.get('name', '')}")

    def _serviceaccount_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is None and old is not None:
            md = meta_of(old)
            ns, name, uid = md.get("namespace", ""), md.get("name", ""), md.get("uid", "")
            self.queue.add_after(f"{_SA_DELETED}/{ns}/{name}/{uid}", SA_DELETION_DELAY)

    def record_use(self, namespace: str, name: str) -> bool:
        """A legacy token from Secret namespace/name authenticated a request (sync, cheap). True
        when the Secret's last-used label says today already (nothing to do)."""
        secret = self.secrets.get(namespace, name)
        if secret is not None:
            labels = meta_of(secret).get("labels") or {}
            if labels.get(LAST_USED_LABEL) == _today():
                return True
        self.queue.add(f"{_USED}/{namespace}/{name}")
        return False

    # -- sync --------------------------------------------------------------------------------

    async def sync(self, key: str) -> float | None:
        kind, _, rest = key.partition("/")
        if kind == _SECRET:
            ns, _, name = rest.partition("/")
            await self._sync_secret(ns, name)
        elif kind == _SA_DELETED:
            ns, name, uid = rest.split("/", 2)
            await self._delete_tokens(ns, name, uid)
        elif kind == _USED:
            ns, _, name = rest.partition("/")
            await self._mark_used(ns, name)
        return None

    async def _get_sa(self, ns: str, name: str, uid: str) -> JSONDict | None:
        """Cache first, then a live read (`getServiceAccount` with fetchOnCacheMiss)."""
        sa = self.serviceaccounts.get(ns, name)
        if sa is not None and (not uid or meta_of(sa).get("uid") == uid):
            return sa
        try:
            sa = await self.registry.get(self.sa_type, ns, name)
        except StatusError as e:
            if e.code == 404:
                return None
            raise
        if uid and meta_of(sa).get("uid") != uid:
            return None
        return sa

    async def _sync_secret(self, ns: str, name: str) -> None:
        secret = self.secrets.get(ns, name)
        if secret is None:
            await self._remove_reference(ns, name)
            return
        if not is_token_secret(secret):
            return
        ann = meta_of(secret).get("annotations") or {}
        sa_name = str(ann.get(NAME_ANNOTATION) or "")
        sa_uid = str(ann.get(UID_ANNOTATION) or "")
        sa = await self._get_sa(ns, sa_name, sa_uid)
        if sa is None:
            await self._delete_secret(secret)
            return
        await self._fill(sa, secret)

    async def _fill(self, sa: JSONDict, cached: JSONDict) -> None:
        md = meta_of(cached)
        try:
            live = await self.registry.get(self.secret_type, md["namespace"], md["name"])
        except StatusError as e:
            if e.code == 404:
                return
            raise
        if meta_of(live).get("resourceVersion") != md.get("resourceVersion"):
            return  # the informer will bring the newer version
        data: dict[str, str] = dict(live.get("data") or {})
        needs_ca = bool(self.ca_b64) and data.get("ca.crt") != self.ca_b64
        needs_ns = not data.get("namespace")
        needs_token = not data.get("token")
        if not (needs_ca or needs_ns or needs_token):
            return
        updated = copy.deepcopy(live)
        if needs_ca:
            data["ca.crt"] = self.ca_b64
        if needs_ns:
            data["namespace"] = _b64(str(meta_of(live).get("namespace") or ""))
        if needs_token:
            data["token"] = _b64(self.signer.sign(legacy_claims(sa, live)))
        updated["data"] = data
        umd = updated["metadata"]
        umd["annotations"] = {
            **(umd.get("annotations") or {}),
            NAME_ANNOTATION: meta_of(sa).get("name"),
            UID_ANNOTATION: meta_of(sa).get("uid"),
        }
        try:
            await self.registry.update(
                self.secret_type, umd["namespace"], umd["name"], updated, _opts()
            )
        except StatusError as e:
            if e.code not in (404, 409):
                raise  # a Conflict/NotFound is picked up again by the next event

    async def _delete_secret(self, secret: JSONDict) -> None:
        md = meta_of(secret)
        opts = DeleteOptions(preconditions_uid=str(md.get("uid") or "") or None)
        try:
            await self.registry.delete(self.secret_type, md["namespace"], md["name"], opts)
        except StatusError as e:
            if e.code not in (404, 409):
                raise

    async def _delete_tokens(self, ns: str, sa_name: str, sa_uid: str) -> None:
        for (sns, _), secret in list(self.secrets.cache.items()):
            if sns == ns and references(secret, sa_name, sa_uid):
                await self._delete_secret(secret)

    async def _remove_reference(self, ns: str, secret_name: str) -> None:
        for (sns, _), sa in list(self.serviceaccounts.cache.items()):
            if sns != ns:
                continue
            refs = sa.get("secrets") or []
            kept = [r for r in refs if not (isinstance(r, dict) and r.get("name") == secret_name)]
            if len(kept) == len(refs):
                continue
            updated = copy.deepcopy(sa)
            updated["secrets"] = kept
            md = updated["metadata"]
            try:
                await self.registry.update(self.sa_type, ns, md["name"], updated, _opts())
            except StatusError as e:
                if e.code not in (404, 409):
                    raise

    async def _mark_used(self, ns: str, name: str) -> None:
        today = _today()
        try:
            live = await self.registry.get(self.secret_type, ns, name)
        except StatusError as e:
            if e.code == 404:
                return
            raise
        labels = meta_of(live).get("labels") or {}
        if labels.get(LAST_USED_LABEL) == today:
            return
        updated = copy.deepcopy(live)
        updated["metadata"]["labels"] = {**labels, LAST_USED_LABEL: today}
        try:
            await self.registry.update(self.secret_type, ns, name, updated, _opts("kube-apiserver"))
        except StatusError as e:
            if e.code not in (404, 409):
                raise


def _today() -> str:
    """Today's UTC date as the last-used label writes it; asked on every request a legacy token
    authenticates, so the text is made once a day (strftime costs more than the rest of the
    check)."""
    day = int(time.time() // 86400)
    if _TODAY[0] != day:
        _TODAY[:] = [day, datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")]
    return str(_TODAY[1])


_TODAY: list[int | str] = [-1, ""]
"""(day number since the epoch, its date), for `_today`."""


def _opts(manager: str = FIELD_MANAGER) -> WriteOptions:
    return WriteOptions(field_manager=manager)


__all__ = ["TokensController", "legacy_claims", "references"]
