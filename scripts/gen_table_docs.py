"""One-off: pull the Go doc strings the printers use out of the 1.33 OpenAPI v2 document."""
import json, sys
d = json.load(open('/work/shared/k8s-reference/openapi-v2/swagger-v1.33.json'))['definitions']
P = 'io.k8s.api.'
M = 'io.k8s.apimachinery.pkg.apis.meta.v1.'
need = {
 M+'ObjectMeta': ['name', 'creationTimestamp'],
 M+'Status': ['status', 'reason'],
 P+'core.v1.PodStatus': ['podIP', 'nominatedNodeName'],
 P+'core.v1.PodSpec': ['nodeName', 'readinessGates', 'nodeSelector'],
 P+'core.v1.ReplicationControllerSpec': ['replicas', 'selector'],
 P+'core.v1.ReplicationControllerStatus': ['replicas', 'readyReplicas'],
 P+'core.v1.ServiceSpec': ['type', 'clusterIP', 'externalIPs', 'ports', 'selector'],
 P+'core.v1.Endpoints': ['subsets'],
 P+'core.v1.NodeSystemInfo': ['kubeletVersion', 'osImage', 'kernelVersion', 'containerRuntimeVersion'],
 P+'core.v1.NodeStatus': ['addresses'],
 P+'core.v1.Event': ['lastTimestamp', 'type', 'reason', 'involvedObject', 'source', 'message', 'firstTimestamp', 'count'],
 P+'core.v1.ObjectReference': ['fieldPath'],
 P+'core.v1.Secret': ['type', 'data'],
 P+'core.v1.ServiceAccount': ['secrets'],
 P+'core.v1.PersistentVolumeSpec': ['capacity', 'accessModes', 'persistentVolumeReclaimPolicy', 'claimRef', 'volumeMode'],
 P+'core.v1.PersistentVolumeStatus': ['phase', 'reason'],
 P+'core.v1.PersistentVolumeClaimStatus': ['phase', 'capacity', 'accessModes'],
 P+'core.v1.PersistentVolumeClaimSpec': ['volumeName', 'volumeMode'],
 P+'core.v1.ConfigMap': ['data'],
 P+'apps.v1.ReplicaSetSpec': ['replicas', 'selector'],
 P+'apps.v1.ReplicaSetStatus': ['replicas', 'readyReplicas'],
 P+'apps.v1.DaemonSetStatus': ['desiredNumberScheduled', 'currentNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable'],
 P+'apps.v1.DaemonSetSpec': ['selector'],
 P+'apps.v1.DeploymentStatus': ['updatedReplicas', 'availableReplicas'],
 P+'apps.v1.DeploymentSpec': ['selector'],
 P+'apps.v1.ControllerRevision': ['revision'],
 P+'batch.v1.JobStatus': ['succeeded'],
 P+'batch.v1.JobSpec': ['selector'],
 P+'batch.v1.CronJobSpec': ['schedule', 'timeZone', 'suspend'],
 P+'batch.v1.CronJobStatus': ['active', 'lastScheduleTime'],
 P+'autoscaling.v2.HorizontalPodAutoscalerSpec': ['scaleTargetRef', 'metrics', 'minReplicas', 'maxReplicas'],
 P+'autoscaling.v2.HorizontalPodAutoscalerStatus': ['currentReplicas'],
 P+'networking.v1.NetworkPolicySpec': ['podSelector'],
 P+'rbac.v1.RoleBinding': ['roleRef'],
 P+'rbac.v1.ClusterRoleBinding': ['roleRef'],
 P+'certificates.v1.CertificateSigningRequestSpec': ['signerName', 'request', 'expirationSeconds'],
 P+'certificates.v1.CertificateSigningRequestStatus': ['conditions'],
 P+'coordination.v1.LeaseSpec': ['holderIdentity'],
 P+'storage.v1.StorageClass': ['provisioner', 'reclaimPolicy', 'volumeBindingMode', 'allowVolumeExpansion'],
 P+'storage.v1.VolumeAttachmentSpec': ['attacher', 'nodeName'],
 P+'storage.v1.VolumeAttachmentSource': ['persistentVolumeName'],
 P+'storage.v1.VolumeAttachmentStatus': ['attached'],
 P+'storage.v1.CSIDriverSpec': ['attachRequired', 'podInfoOnMount', 'storageCapacity', 'tokenRequests', 'requiresRepublish', 'volumeLifecycleModes'],
 P+'storage.v1.CSIStorageCapacity': ['storageClassName', 'capacity'],
 P+'scheduling.v1.PriorityClass': ['value', 'globalDefault', 'preemptionPolicy'],
 P+'discovery.v1.EndpointSlice': ['addressType', 'ports', 'endpoints'],
 P+'flowcontrol.v1.PriorityLevelConfigurationReference': ['name'],
 P+'flowcontrol.v1.FlowSchemaSpec': ['matchingPrecedence', 'distinguisherMethod'],
 P+'flowcontrol.v1.PriorityLevelConfigurationSpec': ['type'],
 P+'flowcontrol.v1.LimitedPriorityLevelConfiguration': ['nominalConcurrencyShares'],
 P+'flowcontrol.v1.QueuingConfiguration': ['queues', 'handSize', 'queueLengthLimit'],
 P+'networking.v1.ServiceCIDRSpec': ['cidrs'],
 P+'networking.v1.IPAddressSpec': ['parentRef'],
}
out = []
for t, fields in need.items():
    short = t.replace(P, '').replace(M, 'meta.v1.')
    props = d[t]['properties']
    for f in fields:
        desc = props[f].get('description', '')
        out.append((f'{short}.{f}', desc))
print('"""Go doc strings of the API fields that printer columns describe themselves with.')
print()
print('kube-apiserver fills `description` from `<Type>{}.SwaggerDoc()[field]`; these are the same texts as')
print('published in the v1.33 OpenAPI document (beta-version types the printers cite are given their v1')
print('counterparts\' text). Generated data: do not edit by hand.')
print('"""')
print()
print('from typing import Final')
print()
print('DOCS: Final[dict[str, str]] = {')
for k, v in out:
    print(f'    {k!r}: {json.dumps(v)},')
print('}')
