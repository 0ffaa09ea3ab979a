# ruff: noqa: E501
"""Generate fakekapi/registry/generic/printing/descriptions.py: the Go doc strings of the API fields that
Table column definitions describe themselves with, taken from the v1.33 OpenAPI document.

Usage: python scripts/gen_table_docs.py [SWAGGER_JSON]  (default: ../shared/k8s-reference/...)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SWAGGER = ROOT.parent / "shared" / "k8s-reference" / "openapi-v2" / "swagger-v1.33.json"
OUTPUT = ROOT / "fakekapi" / "registry" / "generic" / "printing" / "descriptions.py"
P = "io.k8s.api."
M = "io.k8s.apimachinery.pkg.apis.meta.v1."

NEED: dict[str, list[str]] = {
    M + "ObjectMeta": ["name", "creationTimestamp"],
    M + "Status": ["status", "reason"],
    P + "core.v1.PodStatus": ["podIP", "nominatedNodeName"],
    P + "core.v1.PodSpec": ["nodeName", "readinessGates", "nodeSelector"],
    P + "core.v1.ReplicationControllerSpec": ["replicas", "selector"],
    P + "core.v1.ReplicationControllerStatus": ["replicas", "readyReplicas"],
    P + "core.v1.ServiceSpec": ["type", "clusterIP", "externalIPs", "ports", "selector"],
    P + "core.v1.Endpoints": ["subsets"],
    P + "core.v1.NodeSystemInfo": [
        "kubeletVersion",
        "osImage",
        "kernelVersion",
        "containerRuntimeVersion",
    ],
    P + "core.v1.NodeStatus": ["addresses"],
    P + "core.v1.Event": [
        "lastTimestamp",
        "type",
        "reason",
        "involvedObject",
        "source",
        "message",
        "firstTimestamp",
        "count",
    ],
    P + "core.v1.ObjectReference": ["fieldPath"],
    P + "core.v1.Secret": ["type", "data"],
    P + "core.v1.ServiceAccount": ["secrets"],
    P + "core.v1.PersistentVolumeSpec": [
        "capacity",
        "accessModes",
        "persistentVolumeReclaimPolicy",
        "claimRef",
        "volumeMode",
    ],
    P + "core.v1.PersistentVolumeStatus": ["phase", "reason"],
    P + "core.v1.PersistentVolumeClaimStatus": ["phase", "capacity", "accessModes"],
    P + "core.v1.PersistentVolumeClaimSpec": ["volumeName", "volumeMode"],
    P + "core.v1.ConfigMap": ["data"],
    P + "apps.v1.ReplicaSetSpec": ["replicas", "selector"],
    P + "apps.v1.ReplicaSetStatus": ["replicas", "readyReplicas"],
    P + "apps.v1.DaemonSetStatus": [
        "desiredNumberScheduled",
        "currentNumberScheduled",
        "numberReady",
        "updatedNumberScheduled",
        "numberAvailable",
    ],
    P + "apps.v1.DaemonSetSpec": ["selector"],
    P + "apps.v1.DeploymentStatus": ["updatedReplicas", "availableReplicas"],
    P + "apps.v1.DeploymentSpec": ["selector"],
    P + "apps.v1.ControllerRevision": ["revision"],
    P + "batch.v1.JobStatus": ["succeeded"],
    P + "batch.v1.JobSpec": ["selector"],
    P + "batch.v1.CronJobSpec": ["schedule", "timeZone", "suspend"],
    P + "batch.v1.CronJobStatus": ["active", "lastScheduleTime"],
    P + "autoscaling.v2.HorizontalPodAutoscalerSpec": [
        "scaleTargetRef",
        "metrics",
        "minReplicas",
        "maxReplicas",
    ],
    P + "autoscaling.v2.HorizontalPodAutoscalerStatus": ["currentReplicas"],
    P + "networking.v1.NetworkPolicySpec": ["podSelector"],
    P + "rbac.v1.RoleBinding": ["roleRef"],
    P + "rbac.v1.ClusterRoleBinding": ["roleRef"],
    P + "certificates.v1.CertificateSigningRequestSpec": [
        "signerName",
        "request",
        "expirationSeconds",
    ],
    P + "certificates.v1.CertificateSigningRequestStatus": ["conditions"],
    P + "coordination.v1.LeaseSpec": ["holderIdentity"],
    P + "storage.v1.StorageClass": [
        "provisioner",
        "reclaimPolicy",
        "volumeBindingMode",
        "allowVolumeExpansion",
    ],
    P + "storage.v1.VolumeAttachmentSpec": ["attacher", "nodeName"],
    P + "storage.v1.VolumeAttachmentSource": ["persistentVolumeName"],
    P + "storage.v1.VolumeAttachmentStatus": ["attached"],
    P + "storage.v1.CSIDriverSpec": [
        "attachRequired",
        "podInfoOnMount",
        "storageCapacity",
        "tokenRequests",
        "requiresRepublish",
        "volumeLifecycleModes",
    ],
    P + "storage.v1.CSIStorageCapacity": ["storageClassName", "capacity"],
    P + "scheduling.v1.PriorityClass": ["value", "globalDefault", "preemptionPolicy"],
    P + "discovery.v1.EndpointSlice": ["addressType", "ports", "endpoints"],
    P + "flowcontrol.v1.PriorityLevelConfigurationReference": ["name"],
    P + "flowcontrol.v1.FlowSchemaSpec": ["matchingPrecedence", "distinguisherMethod"],
    P + "flowcontrol.v1.PriorityLevelConfigurationSpec": ["type"],
    P + "flowcontrol.v1.LimitedPriorityLevelConfiguration": ["nominalConcurrencyShares"],
    P + "flowcontrol.v1.QueuingConfiguration": ["queues", "handSize", "queueLengthLimit"],
    P + "networking.v1.ServiceCIDRSpec": ["cidrs"],
    P + "networking.v1.IPAddressSpec": ["parentRef"],
    P + "resource.v1beta2.ResourceSliceSpec": ["nodeName", "driver"],
    P + "resource.v1beta2.ResourcePool": ["name"],
}

NEED_NEWEST: dict[str, list[str]] = {
    P + "resource.v1.ResourceSliceSpec": ["driver"],
}
"""Texts a later release changed, from the newest release's OpenAPI document (resource.k8s.io/v1,
GA in 1.34: its ResourceSliceSpec.driver doc was reworded in 1.35)."""


def render(
    definitions: dict[str, dict[str, object]],
    inputs: dict[str, str] | None = None,
    newest: dict[str, dict[str, object]] | None = None,
    releases: dict[str, dict[str, dict[str, object]]] | None = None,
) -> str:
    """The module text: one DOCS entry per (type, field); `inputs` (path → sha256) recorded;
    `newest`: the newest release's definitions, for NEED_NEWEST; `releases`: each release's
    definitions, for RELEASE_DOCS (the NEED texts a release words otherwise than 1.33)."""
    lines = [
        "# ruff: noqa: E501",
        '"""Go doc strings of the API fields that printer columns describe themselves with.',
        "",
        "kube-apiserver fills `description` from `<Type>{}.SwaggerDoc()[field]`; these are the same texts as",
        "published in the v1.33 OpenAPI document (beta-version types the printers cite are given their v1",
        "counterparts' text), and a few a later release reworded from the newest release's document.",
        "RELEASE_DOCS: per release, the texts its own OpenAPI document words otherwise.",
        "Generated by scripts/gen_table_docs.py: do not edit by hand.",
        *[f"Input: {path} sha256 {digest}" for path, digest in sorted((inputs or {}).items())],
        '"""',
        "",
        "from typing import Final",
        "",
        "DOCS: Final[dict[str, str]] = {",
    ]
    base: dict[str, str] = {}
    sources = [(NEED, definitions), (NEED_NEWEST if newest else {}, newest or {})]
    for need, defs in sources:
        for type_name, fields in need.items():
            short = type_name.replace(P, "").replace(M, "meta.v1.")
            props = defs[type_name]["properties"]
            assert isinstance(props, dict)
            for field in fields:
                desc = props[field].get("description", "")
                base[f"{short}.{field}"] = desc
                lines.append(f"    {f'{short}.{field}'!r}: {json.dumps(desc)},")
    lines.append("}")
    lines += ["", "RELEASE_DOCS: Final[dict[str, dict[str, str]]] = {"]
    for release, defs in sorted((releases or {}).items()):
        changed: list[str] = []
        for type_name, fields in NEED.items():
            short = type_name.replace(P, "").replace(M, "meta.v1.")
            props = defs.get(type_name, {}).get("properties")
            if not isinstance(props, dict):
                continue
            for field in fields:
                if field not in props:
                    continue
                desc = props[field].get("description", "")
                if desc != base[f"{short}.{field}"]:
                    changed.append(f"        {f'{short}.{field}'!r}: {json.dumps(desc)},")
        if changed:
            lines += [f"    {release!r}: {{", *changed, "    },"]
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    swagger = Path(argv[1]) if len(argv) > 1 else DEFAULT_SWAGGER
    definitions = json.loads(swagger.read_text())["definitions"]
    OUTPUT.write_text(render(definitions))
    subprocess.run(["ruff", "format", "-q", str(OUTPUT)], check=False)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
