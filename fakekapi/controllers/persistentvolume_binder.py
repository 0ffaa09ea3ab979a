"""The persistentvolume-binder controller, with a stand-in provisioner: PVCs become Bound.

As pkg/controller/volume/persistentvolume/pv_controller.go: a claim without a storage class gets
the default one (RetroactiveDefaultStorageClass); a claim is bound to an Available volume of its
class whose capacity and access modes fit (the smallest), else, when its class has a
provisioner, the claim is annotated `volume.kubernetes.io/storage-provisioner` (event
ExternalProvisioning) and the provisioner makes a volume `pvc-<claim uid>` of the requested
size with the class's reclaim policy (events Provisioning, ProvisioningSucceeded, as
sigs.k8s.io/sig-storage-lib-external-provisioner records them). Binding sets the volume's
claimRef and phase Bound, the claim's volumeName, `pv.kubernetes.io/bind-completed` and
`bound-by-controller` annotations and status (phase, accessModes, capacity). A volume whose
claim is gone is Released; with reclaim policy Delete it is deleted. There is no storage behind
the volumes: they are `hostPath` volumes under /var/lib/fakekapi, which nothing mounts.

At start, when no StorageClass is marked default, the class `standard` is created (as kind and
minikube install one): provisioner `fakekapi.dev/hostpath`, reclaim policy Delete, binding mode
Immediate.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from fakekapi.controllers.base import now_rfc3339
from fakekapi.controllers.context import ControllerContext
from fakekapi.controllers.events import NORMAL
from fakekapi.controllers.worker import WorkloadController, key_of, split_key
from fakekapi.core import quantity
from fakekapi.core.errors import StatusError
from fakekapi.core.objects import JSONDict

if TYPE_CHECKING:
    from fakekapi.catalog.types import ResourceType

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
BETA_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class"
PROVISIONER = "fakekapi.dev/hostpath"
STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
CLAIM_PREFIX = "claim:"


def claim_ref(claim: JSONDict) -> JSONDict:
    """reference.GetReference of a claim: the claimRef a volume bound to it carries, written
    the same whether the binder binds an existing volume or provisions a new one."""
    md = claim["metadata"]
    return {
        "kind": "PersistentVolumeClaim",
        "namespace": md["namespace"],
        "name": md["name"],
        "uid": md["uid"],
        "apiVersion": "v1",
        "resourceVersion": md.get("resourceVersion", ""),
    }


def made_here(rt_key: tuple[str, str], obj: JSONDict) -> bool:
    """What this controller makes by itself and a start makes again: the `standard` class it
    created and the volumes it provisioned (for `fakekapi fixtures export`)."""
    md = obj.get("metadata") or {}
    if rt_key == ("storage.k8s.io", "storageclasses"):
        return (
            md.get("name") == "standard"
            and obj.get("provisioner") == PROVISIONER
            and (md.get("annotations") or {}) == {DEFAULT_CLASS_ANNOTATION: "true"}
        )
    if rt_key == ("", "persistentvolumes"):
        return (md.get("annotations") or {}).get(PROVISIONED_BY) == PROVISIONER
    return False


def unbind_provisioned(claim: JSONDict) -> None:
    """A claim bound to a volume provisioned here, as it was asked for: without the volume name
    and binding annotations (loaded back, it is provisioned anew)."""
    md = claim.get("metadata") or {}
    ann = md.get("annotations") or {}
    if ann.get(STORAGE_PROVISIONER) != PROVISIONER:
        return
    (claim.get("spec") or {}).pop("volumeName", None)
    for key in (BIND_COMPLETED, BOUND_BY_CONTROLLER, STORAGE_PROVISIONER, BETA_STORAGE_PROVISIONER):
        ann.pop(key, None)


def is_default_class(sc: JSONDict) -> bool:
    ann = (sc.get("metadata") or {}).get("annotations") or {}
    return "true" in (ann.get(DEFAULT_CLASS_ANNOTATION), ann.get(BETA_DEFAULT_CLASS_ANNOTATION))


class PersistentVolumeBinderController(WorkloadController):
    name = "persistentvolume-binder-controller"
    service_account = "persistent-volume-binder"
    component = "persistentvolume-controller"

    def __init__(self, ctx: ControllerContext) -> None:
        self.pvc_rt = ctx.resource("", "v1", "persistentvolumeclaims")
        self.pv_rt = ctx.resource("", "v1", "persistentvolumes")
        self.sc_rt = ctx.resource("storage.k8s.io", "v1", "storageclasses")
        self.claims = ctx.informer("", "v1", "persistentvolumeclaims")
        self.volumes = ctx.informer("", "v1", "persistentvolumes")
        self.classes = ctx.informer("storage.k8s.io", "v1", "storageclasses")
        super().__init__(ctx, [self.claims, self.volumes, self.classes])
        self.claims.add_handler(self._claim_changed)
        self.volumes.add_handler(self._volume_changed)
        self.classes.add_handler(self._class_changed)
        self.provisioner_recorder = ctx.recorder(f"{PROVISIONER}_fakekapi", self.user)
        self._ensured_default = False

    def _claim_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        obj = new if new is not None else old
        if obj is not None:
            self.queue.add(CLAIM_PREFIX + key_of(obj))
        if new is None and old is not None:
            name = (old.get("spec") or {}).get("volumeName")
            if name:
                self.queue.add(str(name))

    def _volume_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is not None:
            self.queue.add(key_of(new))
            ref = (new.get("spec") or {}).get("claimRef") or {}
            if ref.get("name"):
                self.queue.add(f"{CLAIM_PREFIX}{ref.get('namespace', '')}/{ref['name']}")
            elif old is None:
                self._enqueue_unbound()  # a new volume may fit a waiting claim

    def _enqueue_unbound(self) -> None:
        for claim in self.claims.cache.values():
            if (claim.get("status") or {}).get("phase") != "Bound":
                self.queue.add(CLAIM_PREFIX + key_of(claim))

    def _class_changed(self, old: JSONDict | None, new: JSONDict | None) -> None:
        if new is not None:
            self._enqueue_unbound()

    async def run(self) -> None:
        self.queue.add("@default-class")
        await super().run()

    async def sync(self, key: str) -> float | None:
        if key == "@default-class":
            await self._ensure_default_class()
            return None
        if key.startswith(CLAIM_PREFIX):
            return await self._sync_claim(key[len(CLAIM_PREFIX) :])
        return await self._sync_volume(key)

    async def _ensure_default_class(self) -> None:
        if any(is_default_class(sc) for sc in self.classes.cache.values()):
            return
        if self.classes.get("", "standard") is not None:
            return
        sc: JSONDict = {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": "standard",
                "annotations": {DEFAULT_CLASS_ANNOTATION: "true"},
            },
            "provisioner": PROVISIONER,
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "Immediate",
        }
        await self._create_once(self.sc_rt, sc)

    async def _create_once(self, rt: ResourceType, obj: JSONDict) -> bool:
        """Create a cluster-scoped object whose name this controller derives (the default
        class, `pvc-<claim uid>`): False when it exists already, made by an earlier sync."""
        try:
            await self.create(rt, "", obj)
        except StatusError as e:
            if e.reason != "AlreadyExists":
                raise
            return False
        return True

    def _default_class(self) -> JSONDict | None:
        defaults = [sc for sc in self.classes.cache.values() if is_default_class(sc)]
        defaults.sort(key=lambda sc: str((sc.get("metadata") or {}).get("creationTimestamp")))
        return defaults[-1] if defaults else None

    # -- claims ---------------------------------------------------------------------------------

    async def _sync_claim(self, key: str) -> float | None:
        ns, name = split_key(key)
        cached = self.claims.get(ns, name)
        if cached is None or (cached.get("metadata") or {}).get("deletionTimestamp"):
            return None
        claim: JSONDict = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            **copy.deepcopy(cached),
        }
        spec = claim.setdefault("spec", {})
        if spec.get("storageClassName") is None:
            default = self._default_class()
            if default is None:
                return None
            spec["storageClassName"] = default["metadata"]["name"]
            await self.update(self.pvc_rt, claim)
            return None
        volume_name = spec.get("volumeName")
        if volume_name:
            volume = self.volumes.get("", str(volume_name))
            if volume is None:
                return None  # a volume that does not exist (yet): kube waits ("Lost" later)
            await self._bind(claim, copy.deepcopy(volume))
            return None
        volume = self._find_volume(claim)
        if volume is not None:
            await self._bind(claim, copy.deepcopy(volume))
            return None
        sc = self.classes.get("", str(spec.get("storageClassName") or ""))
        if (
            sc is None
            or not sc.get("provisioner")
            or sc.get("provisioner") == "kubernetes.io/no-provisioner"
        ):
            return None
        await self._provision(claim, sc)
        return None

    def _find_volume(self, claim: JSONDict) -> JSONDict | None:
        """findBestMatchForClaim: a volume pre-bound to the claim, else the smallest Available
        one of the class with the access modes and capacity asked for."""
        spec = claim.get("spec") or {}
        md = claim["metadata"]
        want = quantity.amount(((spec.get("resources") or {}).get("requests") or {}).get("storage"))
        modes = set(spec.get("accessModes") or [])
        best: JSONDict | None = None
        for pv in self.volumes.cache.values():
            pspec = pv.get("spec") or {}
            ref = pspec.get("claimRef")
            if ref:
                if (
                    ref.get("namespace") == md.get("namespace")
                    and ref.get("name") == md.get("name")
                    and (not ref.get("uid") or ref.get("uid") == md.get("uid"))
                ):
                    return pv
                continue
            if (pv.get("status") or {}).get("phase") not in (None, "Pending", "Available"):
                continue
            if (pspec.get("storageClassName") or "") != (spec.get("storageClassName") or ""):
                continue
            if not modes <= set(pspec.get("accessModes") or []):
                continue
            if (pspec.get("volumeMode") or "Filesystem") != (
                spec.get("volumeMode") or "Filesystem"
            ):
                continue
            size = quantity.amount((pspec.get("capacity") or {}).get("storage"))
            if size < want:
                continue
            if best is None or size < quantity.amount(
                (best["spec"].get("capacity") or {}).get("storage")
            ):
                best = pv
        return best

    async def _provision(self, claim: JSONDict, sc: JSONDict) -> None:
        md = claim["metadata"]
        provisioner = str(sc["provisioner"])
        ann = md.setdefault("annotations", {})
        if ann.get(STORAGE_PROVISIONER) != provisioner:
            ann[STORAGE_PROVISIONER] = provisioner
            ann[BETA_STORAGE_PROVISIONER] = provisioner
            claim = await self.update(self.pvc_rt, claim)
            claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", **claim}
            self.recorder.event(
                claim,
                NORMAL,
                "ExternalProvisioning",
                f"Waiting for a volume to be created either by the external provisioner "
                f"'{provisioner}' or manually by the system administrator. If volume creation is "
                "delayed, please verify that the provisioner is running and correctly registered.",
            )
        if provisioner != PROVISIONER:
            return  # someone else's provisioner
        name = f"pvc-{md['uid']}"
        if self.volumes.get("", name) is not None:
            return
        self.provisioner_recorder.event(
            claim,
            NORMAL,
            "Provisioning",
            "External provisioner is provisioning volume for claim "
            f'"{md["namespace"]}/{md["name"]}"',
        )
        spec = claim.get("spec") or {}
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage") or "1Gi"
        pv: JSONDict = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": name, "annotations": {PROVISIONED_BY: provisioner}},
            "spec": {
                "capacity": {"storage": size},
                "accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
                "claimRef": claim_ref(claim),
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                "storageClassName": sc["metadata"]["name"],
                "volumeMode": spec.get("volumeMode") or "Filesystem",
                "hostPath": {
                    "path": f"/var/lib/fakekapi/volumes/{md['namespace']}/{md['name']}",
                    "type": "DirectoryOrCreate",
                },
            },
        }
        if not await self._create_once(self.pv_rt, pv):
            return
        self.provisioner_recorder.event(
            claim, NORMAL, "ProvisioningSucceeded", f"Successfully provisioned volume {name}"
        )

    async def _bind(self, claim: JSONDict, volume: JSONDict) -> None:
        """bind(): the volume's claimRef and phase, then the claim's volumeName, annotations
        and status."""
        md = claim["metadata"]
        vspec = volume.setdefault("spec", {})
        ref = vspec.get("claimRef") or {}
        if ref.get("uid") and ref.get("uid") != md.get("uid"):
            return
        volume = {"apiVersion": "v1", "kind": "PersistentVolume", **volume}
        if not ref.get("uid") or ref.get("name") != md["name"]:
            vspec["claimRef"] = claim_ref(claim)
            vmd = volume["metadata"]
            vmd.setdefault("annotations", {})[BOUND_BY_CONTROLLER] = "yes"
            volume = {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                **await self.update(self.pv_rt, volume),
            }
        if (volume.get("status") or {}).get("phase") != "Bound":
            volume["status"] = {"phase": "Bound", "lastPhaseTransitionTime": now_rfc3339()}
            await self.update_status(self.pv_rt, volume)
        spec = claim.setdefault("spec", {})
        ann = md.setdefault("annotations", {})
        if spec.get("volumeName") != volume["metadata"]["name"] or ann.get(BIND_COMPLETED) != "yes":
            spec["volumeName"] = volume["metadata"]["name"]
            ann[BIND_COMPLETED] = "yes"
            if vspec.get("claimRef") and not ref.get("uid"):
                ann[BOUND_BY_CONTROLLER] = "yes"
            else:
                ann.setdefault(BOUND_BY_CONTROLLER, "yes")
            claim = {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                **await self.update(self.pvc_rt, claim),
            }
        status = claim.get("status") or {}
        want = {
            "phase": "Bound",
            "accessModes": list(vspec.get("accessModes") or []),
            "capacity": dict(vspec.get("capacity") or {}),
        }
        if {k: status.get(k) for k in want} != want:
            claim["status"] = {**status, **want}
            await self.update_status(self.pvc_rt, claim)

    # -- volumes --------------------------------------------------------------------------------

    async def _sync_volume(self, name: str) -> float | None:
        cached = self.volumes.get("", name)
        if cached is None or (cached.get("metadata") or {}).get("deletionTimestamp"):
            return None
        volume: JSONDict = {"apiVersion": "v1", "kind": "PersistentVolume", **copy.deepcopy(cached)}
        spec = volume.get("spec") or {}
        ref = spec.get("claimRef")
        phase = (volume.get("status") or {}).get("phase")
        if not ref:
            if phase != "Available":
                volume["status"] = {"phase": "Available", "lastPhaseTransitionTime": now_rfc3339()}
                await self.update_status(self.pv_rt, volume)
            return None
        claim = self.claims.get(str(ref.get("namespace") or ""), str(ref.get("name") or ""))
        if claim is not None and (
            not ref.get("uid") or claim["metadata"].get("uid") == ref.get("uid")
        ):
            return None  # bound or being bound: the claim's sync does it
        if not ref.get("uid"):
            return None  # pre-bound to a claim that does not exist yet
        if phase != "Released":
            volume["status"] = {"phase": "Released", "lastPhaseTransitionTime": now_rfc3339()}
            volume = {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                **await self.update_status(self.pv_rt, volume),
            }
        if spec.get("persistentVolumeReclaimPolicy") == "Delete":
            md = volume["metadata"]
            await self.delete(self.pv_rt, "", md["name"], uid=md.get("uid"))
        return None


def init(ctx: ControllerContext) -> list[WorkloadController]:
    return [PersistentVolumeBinderController(ctx)]
