"""The admission chain runs in kube-apiserver's plugin order."""

from __future__ import annotations

from fakekapi.admission.chain import ORDER, plugins
from fakekapi.admission.rbac_escalation import RBACEscalationCheck
from fakekapi.catalog.catalog import Catalog
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore

KUBE_ORDER = (
    "AlwaysAdmit",
    "NamespaceAutoProvision",
    "NamespaceLifecycle",
    "NamespaceExists",
    "LimitPodHardAntiAffinityTopology",
    "LimitRanger",
    "ServiceAccount",
    "NodeRestriction",
    "TaintNodesByCondition",
    "AlwaysPullImages",
    "ImagePolicyWebhook",
    "PodSecurity",
    "PodNodeSelector",
    "Priority",
    "DefaultTolerationSeconds",
    "PodTolerationRestriction",
    "EventRateLimit",
    "ExtendedResourceToleration",
    "DefaultStorageClass",
    "StorageObjectInUseProtection",
)
"""The head of `AllOrderedPlugins` (k8s.io/kubernetes pkg/kubeapiserver/options/plugins.go)."""


def test_order_follows_kube() -> None:
    ours = [name for name in ORDER if name != "RBACEscalation"]
    assert [name for name in KUBE_ORDER if name in ours] == ours
    assert ORDER[-1] == "RBACEscalation"


def test_plugins_are_built_in_order() -> None:
    registry = Registry(MemoryStore(), Catalog.builtin())
    escalation = RBACEscalationCheck(lambda u, i: False, lambda u, ns: ([], []), lambda *a: None)
    chain = plugins(registry, escalation)
    assert [getattr(p, "name", None) for p in chain] == list(ORDER)
    assert [getattr(p, "name", None) for p in plugins(registry)] == list(ORDER[:-1])
