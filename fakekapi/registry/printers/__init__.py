"""Server-side printers: the column sets and cell functions kube-apiserver's Table output uses.

One module per family of kinds (pods, core, workloads, cluster, resource); `lookup()` picks the
printer for a (group, version, kind) the way kube-apiserver's storage picks its TableConvertor,
as the emulated release has it (releases.py: where printers.go changed between 1.29 and 1.36).
Kinds without a printer fall back to the generic `Name` / `Created At` convertor (see
fakekapi.registry.generic.tables).

Pure functions over plain dicts: imports nothing outside fakekapi.core.
"""

from __future__ import annotations

from . import cluster, core, pods, resource, workloads
from .base import Column, Printer
from .releases import for_release

__all__ = ["Column", "Printer", "lookup"]

_PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Pod"): pods.POD,
    ("", "PodTemplate"): core.POD_TEMPLATE,
    ("", "ReplicationController"): core.REPLICATION_CONTROLLER,
    ("", "Service"): core.SERVICE,
    ("", "Endpoints"): core.ENDPOINTS,
    ("", "Node"): core.NODE,
    ("", "Event"): core.EVENT,
    ("", "Namespace"): core.NAMESPACE,
    ("", "Secret"): core.SECRET,
    ("", "ServiceAccount"): core.SERVICE_ACCOUNT,
    ("", "PersistentVolume"): core.PERSISTENT_VOLUME,
    ("", "PersistentVolumeClaim"): core.PERSISTENT_VOLUME_CLAIM,
    ("", "ComponentStatus"): core.COMPONENT_STATUS,
    ("", "ConfigMap"): core.CONFIG_MAP,
    ("", "ResourceQuota"): core.RESOURCE_QUOTA,
    ("events.k8s.io", "Event"): core.EVENTS_V1_EVENT,
    ("apps", "Deployment"): workloads.DEPLOYMENT,
    ("apps", "ReplicaSet"): workloads.REPLICA_SET,
    ("apps", "StatefulSet"): workloads.STATEFUL_SET,
    ("apps", "DaemonSet"): workloads.DAEMON_SET,
    ("apps", "ControllerRevision"): workloads.CONTROLLER_REVISION,
    ("batch", "Job"): workloads.JOB,
    ("batch", "CronJob"): workloads.CRON_JOB,
    ("autoscaling", "HorizontalPodAutoscaler"): workloads.HPA_V2,
    ("policy", "PodDisruptionBudget"): workloads.POD_DISRUPTION_BUDGET,
    ("rbac.authorization.k8s.io", "RoleBinding"): cluster.ROLE_BINDING,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): cluster.CLUSTER_ROLE_BINDING,
    ("networking.k8s.io", "Ingress"): cluster.INGRESS,
    ("networking.k8s.io", "IngressClass"): cluster.INGRESS_CLASS,
    ("networking.k8s.io", "NetworkPolicy"): cluster.NETWORK_POLICY,
    ("networking.k8s.io", "ServiceCIDR"): cluster.SERVICE_CIDR,
    ("networking.k8s.io", "IPAddress"): cluster.IP_ADDRESS,
    ("coordination.k8s.io", "Lease"): cluster.LEASE,
    ("scheduling.k8s.io", "PriorityClass"): cluster.PRIORITY_CLASS,
    ("node.k8s.io", "RuntimeClass"): cluster.RUNTIME_CLASS,
    ("storage.k8s.io", "StorageClass"): cluster.STORAGE_CLASS,
    ("storage.k8s.io", "CSIDriver"): cluster.CSI_DRIVER,
    ("storage.k8s.io", "CSINode"): cluster.CSI_NODE,
    ("storage.k8s.io", "VolumeAttachment"): cluster.VOLUME_ATTACHMENT,
    ("storage.k8s.io", "CSIStorageCapacity"): cluster.CSI_STORAGE_CAPACITY,
    ("certificates.k8s.io", "CertificateSigningRequest"): cluster.CERTIFICATE_SIGNING_REQUEST,
    ("discovery.k8s.io", "EndpointSlice"): cluster.ENDPOINT_SLICE,
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): (
        cluster.WEBHOOK_CONFIGURATION
    ),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): (
        cluster.WEBHOOK_CONFIGURATION
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"): (
        cluster.VALIDATING_ADMISSION_POLICY
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"): (
        cluster.VALIDATING_ADMISSION_POLICY_BINDING
    ),
    ("resource.k8s.io", "DeviceClass"): resource.DEVICE_CLASS,
    ("resource.k8s.io", "ResourceClaim"): resource.RESOURCE_CLAIM,
    ("resource.k8s.io", "ResourceClaimTemplate"): resource.RESOURCE_CLAIM_TEMPLATE,
    ("resource.k8s.io", "ResourceSlice"): resource.RESOURCE_SLICE,
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"): cluster.FLOW_SCHEMA,
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): (
        cluster.PRIORITY_LEVEL_CONFIGURATION
    ),
}


def lookup(group: str, version: str, kind: str, release: str | None = None) -> Printer | None:
    """The printer kube-apiserver uses for objects of this kind, or None (generic convertor):
    1.33's, or as `release` has it (releases.py)."""
    if group == "autoscaling" and kind == "HorizontalPodAutoscaler" and version == "v1":
        return workloads.HPA_V1
    printer = _PRINTERS.get((group, kind))
    if printer is None or release is None:
        return printer
    return for_release(group, kind, printer, release)
