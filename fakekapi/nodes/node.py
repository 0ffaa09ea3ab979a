"""The fake Nodes: names, addresses, pod CIDRs, and the Node and Lease objects a kubelet posts.

Named and addressed as kind names its nodes (`<cluster>-control-plane`, `<cluster>-worker`,
`<cluster>-worker2`, … on 172.18.0.0/16, pod CIDRs 10.244.<i>.0/24); with more than one node
the control plane carries kubeadm's `node-role.kubernetes.io/control-plane:NoSchedule` taint,
as kind's does, so workloads land on the workers. The Node's status is what kubelet's
`setNodeStatus` functions post (pkg/kubelet/nodestatus/setters.go): addresses, capacity and
allocatable, the four conditions with their reasons and messages, daemon endpoints, nodeInfo
with the emulated release's kubelet version. The Lease in kube-node-lease is the kubelet's
heartbeat (pkg/kubelet/nodelease: 40 s duration, renewed every 10 s).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from fakekapi.core.gotime import now_micro, now_rfc3339

CLUSTER = "fakekapi"
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
RENEW_INTERVAL = 10.0
"""nodelease's renewInterval: a quarter of the lease duration."""
STATUS_REPORT_INTERVAL = 300.0
"""nodeStatusReportFrequency: unchanged node status is posted every 5 minutes."""
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
MAX_PODS = 110

CAPACITY = {
    "cpu": "8",
    "ephemeral-storage": "102626232Ki",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    "memory": "32863140Ki",
    "pods": str(MAX_PODS),
}


def provider_id(name: str) -> str:
    """spec.providerID of a fake node (kind's scheme), which marks the Nodes fakekapi made."""
    return f"kind://docker/{CLUSTER}/{name}"


def node_names(count: int) -> list[str]:
    """kind's names: the control plane first, then `worker`, `worker2`, `worker3`, …"""
    if count <= 0:
        return []
    names = [f"{CLUSTER}-control-plane"]
    for i in range(1, count):
        names.append(f"{CLUSTER}-worker" + (str(i) if i > 1 else ""))
    return names


@dataclass
class SimNode:
    """One fake node: where it is and which pod IPs it has handed out."""

    name: str
    index: int
    tainted: bool
    boot_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    _used: set[int] = field(default_factory=set)
    _next: int = 2
    images: set[str] = field(default_factory=set)
    """Images pulled on this node (IfNotPresent pulls once)."""

    @property
    def host_ip(self) -> str:
        return f"172.18.0.{self.index + 2}"

    @property
    def pod_cidr(self) -> str:
        return f"10.244.{self.index}.0/24"

    def allocate_ip(self) -> str:
        """The next free address of the node's /24 (host-local IPAM hands them out in turn)."""
        for _ in range(253):
            n = self._next
            self._next = 2 if n >= 254 else n + 1
            if n not in self._used:
                self._used.add(n)
                return f"10.244.{self.index}.{n}"
        return f"10.244.{self.index}.{self._next}"  # exhausted: share, as nothing checks

    def reserve_ip(self, ip: str) -> None:
        prefix = f"10.244.{self.index}."
        if ip.startswith(prefix) and ip[len(prefix) :].isdigit():
            self._used.add(int(ip[len(prefix) :]))

    def release_ip(self, ip: str) -> None:
        prefix = f"10.244.{self.index}."
        if ip.startswith(prefix) and ip[len(prefix) :].isdigit():
            self._used.discard(int(ip[len(prefix) :]))

    def _machine_id(self) -> str:
        return hashlib.md5(f"{CLUSTER}/{self.name}".encode(), usedforsecurity=False).hexdigest()

    def object(self) -> dict[str, Any]:
        """The Node as the kubelet registers it (spec and metadata; status comes next)."""
        labels = {
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/os": "linux",
        }
        if self.index == 0:
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        spec: dict[str, Any] = {
            "podCIDR": self.pod_cidr,
            "podCIDRs": [self.pod_cidr],
            "providerID": provider_id(self.name),
        }
        if self.tainted:
            spec["taints"] = [dict(CONTROL_PLANE_TAINT)]
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.name,
                "labels": labels,
                "annotations": {
                    "kubeadm.alpha.kubernetes.io/cri-socket": (
                        "unix:///run/containerd/containerd.sock"
                    ),
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": spec,
        }

    def status(self, kubelet_version: str, old: dict[str, Any] | None = None) -> dict[str, Any]:
        """The NodeStatus (conditions keep their transition times from `old`)."""
        now = now_rfc3339()
        previous = {
            str(c.get("type")): c
            for c in ((old or {}).get("conditions") or [])
            if isinstance(c, dict)
        }

        def condition(type_: str, status: str, reason: str, message: str) -> dict[str, Any]:
            before = previous.get(type_) or {}
            since = before.get("lastTransitionTime") if before.get("status") == status else None
            return {
                "type": type_,
                "status": status,
                "lastHeartbeatTime": now,
                "lastTransitionTime": since or now,
                "reason": reason,
                "message": message,
            }

        return {
            "capacity": dict(CAPACITY),
            "allocatable": dict(CAPACITY),
            "conditions": [
                condition(
                    "MemoryPressure",
                    "False",
                    "KubeletHasSufficientMemory",
                    "kubelet has sufficient memory available",
                ),
                condition(
                    "DiskPressure",
                    "False",
                    "KubeletHasNoDiskPressure",
                    "kubelet has no disk pressure",
                ),
                condition(
                    "PIDPressure",
                    "False",
                    "KubeletHasSufficientPID",
                    "kubelet has sufficient PID available",
                ),
                condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "addresses": [
                {"type": "InternalIP", "address": self.host_ip},
                {"type": "Hostname", "address": self.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": self._machine_id(),
                "systemUUID": str(uuid.UUID(self._machine_id())),
                "bootID": self.boot_id,
                "kernelVersion": "6.8.0-fakekapi",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://2.1.1",
                "kubeletVersion": kubelet_version,
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": [],
            "runtimeHandlers": [
                {
                    "name": name,
                    "features": {"recursiveReadOnlyMounts": True, "userNamespaces": True},
                }
                for name in ("", "runc")
            ],
            "features": {"supplementalGroupsPolicy": True},
        }

    def lease(self, node_uid: str, old: dict[str, Any] | None = None) -> dict[str, Any]:
        """The node's Lease, owned by its Node (nodelease's newLease)."""
        lease: dict[str, Any] = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "name": self.name,
                "namespace": LEASE_NAMESPACE,
                "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Node", "name": self.name, "uid": node_uid}
                ],
            },
            "spec": {
                "holderIdentity": self.name,
                "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                "renewTime": now_micro(),
            },
        }
        if old is not None:
            lease["metadata"] = {**(old.get("metadata") or {}), **lease["metadata"]}
        return lease
