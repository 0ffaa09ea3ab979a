"""Services: SetDefaults_Service, and the cluster IP / node port allocation of the Service REST
storage (pkg/registry/core/service/storage, ipallocator, portallocator).

The cluster is single-stack IPv4 with kube's default ranges: service IPs from 10.96.0.0/12,
node ports from 30000-32767. What is in use is what the stored Services hold as of the write (kept
current from a watch of them), so an address is free again as soon as its Service is gone and
never handed out twice while in use.
Dynamic IPs come from the upper band of the range (kube keeps the first 256 addresses for static
choices such as 10.96.0.1 for `kubernetes` and 10.96.0.10 for DNS).
"""

from __future__ import annotations

import ipaddress
import random
import weakref
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

from fakekapi.core.errors import FieldError, invalid, invalid_value
from fakekapi.core.objects import as_dict as _d
from fakekapi.core.objects import as_list as _l

if TYPE_CHECKING:
    from fakekapi.store.base import Store

SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/12")
KUBERNETES_SERVICE_IP = "10.96.0.1"
STATIC_BAND = 256
"""min(max(16, size/16), 256) addresses at the start of the range, for static allocation."""
NODE_PORT_RANGE = (30000, 32767)
_PREFIX = "/core/services/"
_RANDOM_TRIES = 64
T = TypeVar("T", str, int)


def set_defaults(obj: dict[str, Any]) -> None:
    """SetDefaults_Service (pkg/apis/core/v1/defaults.go)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        spec = obj["spec"] = {}
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    elif spec["sessionAffinity"] == "ClientIP":
        cfg = _d(_d(spec.get("sessionAffinityConfig")).get("clientIP"))
        if cfg.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": 10800}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for p in _l(spec.get("ports")):
        if not isinstance(p, dict):
            continue
        if not p.get("protocol"):
            p["protocol"] = "TCP"
        if p.get("targetPort") in (None, 0, ""):
            p["targetPort"] = p.get("port")
    kind = spec["type"]
    external = kind in ("NodePort", "LoadBalancer") or bool(spec.get("externalIPs"))
    if external and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and kind in (
        "NodePort",
        "LoadBalancer",
        "ClusterIP",
    ):
        spec["internalTrafficPolicy"] = "Cluster"
    if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True


def _in_use(store: Store, namespace: str, name: str) -> tuple[Taken[str], Taken[int]]:
    """Cluster IPs and node ports held by every Service but this one."""
    state = _STATE.get(store)
    if state is None or state.watch.stopped:
        state = _STATE[store] = _Allocations(store)
    else:
        state.catch_up()
    own = state.held.get(f"{_PREFIX}{namespace}/{name}", ((), ()))
    return Taken(state.ips, own[0]), Taken(state.ports, own[1])


class Taken(Generic[T]):
    """What the stored Services hold but one Service (`in`), plus what this allocation took
    so far (`add`): answered from the counts, without building a set of every value."""

    __slots__ = ("_added", "_counts", "_own")

    def __init__(self, counts: dict[T, int], own: tuple[T, ...]) -> None:
        self._counts: dict[T, int] = counts
        self._own: tuple[T, ...] = own
        self._added: set[T] = set()

    def __contains__(self, value: T) -> bool:
        held = self._counts.get(value, 0)
        if held and value in self._own:
            held -= self._own.count(value)
        return held > 0 or value in self._added

    def add(self, value: T) -> None:
        self._added.add(value)


class _Allocations:
    """What every stored Service holds, counted per value, kept current from a watch of the
    Services (the store publishes each write as it applies it, so the queued events are the
    state as of now once drained; a watch the store ended means reading every Service again).

    Reading every stored Service for every Service create made loading N Services quadratic:
    2,000 Services as fixtures spent ~7 s here."""

    def __init__(self, store: Store) -> None:
        self.held: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
        self.ips: dict[str, int] = {}
        self.ports: dict[int, int] = {}
        items, revision = store.list_raw(_PREFIX)
        self.watch = store.watch(_PREFIX, revision)
        for key, data, _ in items:
            self._set(key, _held_by(orjson.loads(data)))

    def catch_up(self) -> None:
        while (event := self.watch.poll()) is not None:
            if event.type == "DELETED":
                self._set(event.key, None)
            else:
                self._set(event.key, _held_by(orjson.loads(event.data)))

    def _set(self, key: str, now: tuple[tuple[str, ...], tuple[int, ...]] | None) -> None:
        before = self.held.pop(key, None)
        if before is not None:
            _count(self.ips, before[0], -1)
            _count(self.ports, before[1], -1)
        if now is not None:
            self.held[key] = now
            _count(self.ips, now[0], 1)
            _count(self.ports, now[1], 1)


def _count(counts: dict[T, int], values: tuple[T, ...], step: int) -> None:
    for value in values:
        n = counts.get(value, 0) + step
        if n > 0:
            counts[value] = n
        else:
            counts.pop(value, None)


_STATE: weakref.WeakKeyDictionary[Store, _Allocations] = weakref.WeakKeyDictionary()
"""Per store, what its Services hold (see `_Allocations`)."""


def _held_by(svc: Any) -> tuple[tuple[str, ...], tuple[int, ...]]:
    spec = _d(_d(svc).get("spec"))
    ips = tuple(
        ip
        for ip in (_l(spec.get("clusterIPs")) or [spec.get("clusterIP")])
        if isinstance(ip, str) and ip and ip != "None"
    )
    ports = [_d(p).get("nodePort") for p in _l(spec.get("ports"))]
    ports.append(spec.get("healthCheckNodePort"))
    return ips, tuple(p for p in ports if isinstance(p, int) and p)


def _fail(obj: dict[str, Any], errs: list[FieldError]) -> None:
    name = str(_d(obj.get("metadata")).get("name") or "")
    raise invalid("Service", "", name, errs)


def _ip_error(ips: list[str], detail: str) -> FieldError:
    return invalid_value("spec.clusterIPs", ips, detail)


def _allocate_ip(obj: dict[str, Any], spec: dict[str, Any], used: Taken[str]) -> None:
    requested = spec.get("clusterIP") or ""
    if requested:
        try:
            addr = ipaddress.ip_address(requested)
        except ValueError:
            return  # validation reports a malformed address
        if addr not in SERVICE_CIDR or addr in (
            SERVICE_CIDR.network_address,
            SERVICE_CIDR.broadcast_address,
        ):
            _fail(
                obj,
                [
                    _ip_error(
                        [requested],
                        f"failed to allocate IP {requested}: the provided IP ({requested}) is "
                        f"not in the valid range. The range of valid IPs is {SERVICE_CIDR}",
                    )
                ],
            )
        if requested in used:
            _fail(
                obj,
                [
                    _ip_error(
                        [requested],
                        f"failed to allocate IP {requested}: provided IP is already allocated",
                    )
                ],
            )
        ip = requested
    else:
        first = int(SERVICE_CIDR.network_address) + STATIC_BAND
        last = int(SERVICE_CIDR.broadcast_address) - 1
        ip = ""
        for _ in range(_RANDOM_TRIES):
            candidate = str(ipaddress.IPv4Address(random.randint(first, last)))
            if candidate not in used:
                ip = candidate
                break
        if not ip:  # pragma: no cover - a million addresses
            raise RuntimeError("service IP range is full")
    spec["clusterIP"] = ip
    spec["clusterIPs"] = [ip]


def _allocate_port(obj: dict[str, Any], path: str, requested: Any, used: Taken[int]) -> int:
    lo, hi = NODE_PORT_RANGE
    if isinstance(requested, int) and requested:
        if not lo <= requested <= hi:
            _fail(
                obj,
                [
                    invalid_value(
                        path,
                        requested,
                        "provided port is not in the valid range. The range of valid ports is "
                        f"{lo}-{hi}",
                    )
                ],
            )
        if requested in used:
            _fail(obj, [invalid_value(path, requested, "provided port is already allocated")])
        used.add(requested)
        return requested
    for _ in range(_RANDOM_TRIES * 4):
        port = random.randint(lo, hi)
        if port not in used:
            used.add(port)
            return port
    for port in range(lo, hi + 1):  # pragma: no cover - a nearly full range
        if port not in used:
            used.add(port)
            return port
    raise RuntimeError("node port range is full")  # pragma: no cover


def _keep_allocated(spec: dict[str, Any], old_spec: dict[str, Any]) -> None:
    """patchAllocatedValues: an update that leaves out allocated values keeps them."""
    old_type = old_spec.get("type")
    new_type = spec.get("type")
    if old_type != "ExternalName" and new_type != "ExternalName":
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        same_ip = spec.get("clusterIP") == old_spec.get("clusterIP")
        if not spec.get("clusterIPs") and same_ip and old_spec.get("clusterIPs"):
            spec["clusterIPs"] = old_spec["clusterIPs"]
        for k in ("ipFamilies", "ipFamilyPolicy"):
            if not spec.get(k) and old_spec.get(k):
                spec[k] = old_spec[k]
    node_ports = ("NodePort", "LoadBalancer")
    if old_type in node_ports and new_type in node_ports:
        old_ports = {
            (_d(p).get("port"), _d(p).get("protocol")): _d(p).get("nodePort")
            for p in _l(old_spec.get("ports"))
        }
        for p in _l(spec.get("ports")):
            if isinstance(p, dict) and not p.get("nodePort"):
                np = old_ports.get((p.get("port"), p.get("protocol")))
                if np:
                    p["nodePort"] = np
        if not spec.get("healthCheckNodePort") and old_spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]


def allocate(store: Store, obj: dict[str, Any], old: dict[str, Any] | None) -> None:
    """Give a Service what the REST storage allocates: cluster IP(s), IP families, node ports."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    md = _d(obj.get("metadata"))
    if old is not None:
        _keep_allocated(spec, _d(old.get("spec")))
    used_ips, used_ports = _in_use(store, str(md.get("namespace") or ""), str(md.get("name") or ""))
    kind = spec.get("type") or "ClusterIP"
    if kind == "ExternalName":
        return
    headless = spec.get("clusterIP") == "None"
    if headless:
        spec["clusterIPs"] = ["None"]
        if not spec.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = "SingleStack" if spec.get("selector") else "RequireDualStack"
    else:
        if not (old is not None and spec.get("clusterIP") == _d(old.get("spec")).get("clusterIP")):
            _allocate_ip(obj, spec, used_ips)
        if not spec.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = "SingleStack"
    if not spec.get("ipFamilies"):
        spec["ipFamilies"] = ["IPv4"]
    if kind in ("NodePort", "LoadBalancer"):
        if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False:
            pass
        else:
            old_ports = (
                {_d(p).get("nodePort") for p in _l(_d(_d(old).get("spec")).get("ports"))}
                if old is not None
                else set()
            )
            for i, p in enumerate(_l(spec.get("ports"))):
                if not isinstance(p, dict):
                    continue
                if p.get("nodePort") and p["nodePort"] in old_ports:
                    continue
                p["nodePort"] = _allocate_port(
                    obj, f"spec.ports[{i}].nodePort", p.get("nodePort"), used_ports
                )
        local = spec.get("externalTrafficPolicy") == "Local" and kind == "LoadBalancer"
        if local and not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = _allocate_port(
                obj, "spec.healthCheckNodePort", None, used_ports
            )
    else:
        for p in _l(spec.get("ports")):
            if isinstance(p, dict):
                p.pop("nodePort", None)
