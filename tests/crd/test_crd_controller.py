"""The CRD controller over a real Registry: establishing, names, schema enforcement through the
registry, discovery and OpenAPI, deletion of the custom resources."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from polling import until_async

from crd import manifests
from fakekapi.admission.chain import install
from fakekapi.catalog import discovery
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.client.informer import Informer
from fakekapi.controllers.crd import CRDController, accepted_names
from fakekapi.core.errors import StatusError
from fakekapi.registry.generic.options import DeleteOptions, ListOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore

W = WriteOptions(field_manager="test", field_validation="Strict")


class Env:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.catalog: Catalog = registry.catalog
        crd_type = self.catalog.lookup("apiextensions.k8s.io", "v1", "customresourcedefinitions")
        assert crd_type is not None
        self.crd_type: ResourceType = crd_type

    def crontabs(self) -> ResourceType:
        rt = self.catalog.lookup(manifests.GROUP, "v1", "crontabs")
        assert rt is not None
        return rt

    async def established(self, name: str = manifests.CRD_NAME) -> dict[str, Any]:
        async def check() -> bool:
            crd = await self.registry.get(self.crd_type, "", name)
            conds = (crd.get("status") or {}).get("conditions") or []
            return any(c["type"] == "Established" and c["status"] == "True" for c in conds)

        await until_async(check)
        return await self.registry.get(self.crd_type, "", name)


@pytest.fixture
async def env() -> AsyncIterator[Env]:
    store = MemoryStore()
    await store.start()
    registry = install(Registry(store, Catalog.builtin()))
    ns = registry.catalog.lookup("", "v1", "namespaces")
    assert ns is not None
    await registry.create(ns, "", {"metadata": {"name": "default"}}, W)
    e = Env(registry)
    informer = Informer(registry, e.crd_type)
    controller = CRDController(registry, e.crd_type, informer)
    tasks = [asyncio.create_task(informer.run()), asyncio.create_task(controller.run())]
    yield e
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    controller.queue.shutdown()
    await store.close()


async def test_crd_is_established_and_served(env: Env) -> None:
    created = await env.registry.create(env.crd_type, "", manifests.crd(), W)
    status = created.object["status"]
    assert status == {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": ["v1"]}
    assert created.object["spec"]["names"]["listKind"] == "CronTabList"
    assert created.object["spec"]["conversion"] == {"strategy": "None"}
    crd = await env.established()
    st = crd["status"]
    assert list(st) == ["conditions", "acceptedNames", "storedVersions"]
    assert st["acceptedNames"] == {
        "plural": "crontabs",
        "singular": "crontab",
        "shortNames": ["ct"],
        "kind": "CronTab",
        "listKind": "CronTabList",
        "categories": ["all"],
    }
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in st["conditions"]] == [
        ("NamesAccepted", "True", "NoConflicts", "no conflicts found"),
        ("Established", "True", "InitialNamesAccepted", "the initial names have been accepted"),
    ]
    rt = env.crontabs()
    assert rt.is_crd and rt.namespaced and rt.short_names == ("ct",)
    assert [s.name for s in rt.subresources] == ["status"]
    assert env.catalog.resolve("ct") == rt
    groups = [g["name"] for g in discovery.api_group_list(env.catalog)["groups"]]
    assert groups[-1] == manifests.GROUP
    resources = discovery.api_resource_list(env.catalog, manifests.GROUP, "v1")
    assert resources is not None
    assert [r["name"] for r in resources["resources"]] == ["crontabs", "crontabs/status"]
    assert resources["resources"][0]["storageVersionHash"]
    agg = discovery.aggregated(env.catalog, core=False)
    assert agg["items"][-1]["metadata"]["name"] == manifests.GROUP


async def test_schema_is_enforced_through_the_registry(env: Env) -> None:
    await env.registry.create(env.crd_type, "", manifests.crd(), W)
    await env.established()
    rt = env.crontabs()
    created = await env.registry.create(rt, "default", manifests.crontab("a"), W)
    assert created.object["spec"]["replicas"] == 1
    assert created.object["metadata"]["generation"] == 1
    with pytest.raises(StatusError) as e:
        await env.registry.create(rt, "default", manifests.crontab("b", replicas=0), W)
    assert e.value.code == 422
    assert e.value.message == (
        'CronTab.stable.example.com "b" is invalid: spec.replicas: Invalid value: 0: '
        "spec.replicas in body should be greater than or equal to 1"
    )
    with pytest.raises(StatusError) as e:
        await env.registry.create(rt, "default", manifests.crontab("c", bogus=1), W)
    assert e.value.code == 400
    assert e.value.message == (
        'CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: '
        'unknown field "spec.bogus"'
    )
    warn = WriteOptions(field_manager="test", field_validation="Warn")
    result = await env.registry.create(rt, "default", manifests.crontab("d", bogus=1), warn)
    assert result.warnings == ['unknown field "spec.bogus"']
    assert "bogus" not in result.object["spec"]
    # status is dropped on create and only written through the status subresource
    obj = manifests.crontab("e")
    obj["status"] = {"ready": True}
    created = await env.registry.create(rt, "default", obj, W)
    assert "status" not in created.object
    patched = await env.registry.patch(
        rt,
        "default",
        "e",
        "application/merge-patch+json",
        json.dumps({"status": {"ready": True}}).encode(),
        W,
        subresource="status",
    )
    assert patched.object["status"] == {"ready": True}
    with pytest.raises(StatusError) as e:
        await env.registry.patch(
            rt,
            "default",
            "e",
            "application/strategic-merge-patch+json",
            b'{"spec":{"replicas":2}}',
            W,
        )
    assert e.value.code == 415


async def test_names_in_use_are_not_accepted(env: Env) -> None:
    await env.registry.create(env.crd_type, "", manifests.crd(), W)
    await env.established()
    other = manifests.crd()
    other["metadata"]["name"] = f"crontabs2.{manifests.GROUP}"
    other["spec"]["names"]["plural"] = "crontabs2"
    other["spec"]["names"]["singular"] = "crontab2"
    other["spec"]["names"]["shortNames"] = []
    await env.registry.create(env.crd_type, "", other, W)

    async def refused() -> bool:
        crd = await env.registry.get(env.crd_type, "", other["metadata"]["name"])
        conds = {c["type"]: c for c in (crd.get("status") or {}).get("conditions") or []}
        return bool(conds.get("NamesAccepted", {}).get("status") == "False")

    await until_async(refused)
    crd = await env.registry.get(env.crd_type, "", other["metadata"]["name"])
    conds = {c["type"]: c for c in crd["status"]["conditions"]}
    assert conds["NamesAccepted"]["reason"] == "KindConflict"
    assert conds["NamesAccepted"]["message"] == '"CronTab" is already in use'
    assert conds["Established"]["status"] == "False"
    assert env.catalog.lookup(manifests.GROUP, "v1", "crontabs2") is None


def test_accepted_names_keep_what_was_accepted() -> None:
    crd = manifests.crd()
    names, cond = accepted_names(crd, [])
    assert cond == ("True", "NoConflicts", "no conflicts found")
    crd["status"] = {"acceptedNames": names}
    same, cond = accepted_names(crd, [])
    assert same == names


async def test_invalid_crds_are_refused(env: Env) -> None:
    bad = manifests.crd()
    bad["metadata"]["name"] = "wrong"
    bad["spec"]["versions"][0]["storage"] = False
    with pytest.raises(StatusError) as e:
        await env.registry.create(env.crd_type, "", bad, W)
    assert e.value.code == 422
    assert 'metadata.name: Invalid value: "wrong": must be spec.names.plural+"."+spec.group' in (
        e.value.message
    )
    assert "must have exactly one version marked as storage version" in e.value.message


async def test_update_changes_what_is_served(env: Env) -> None:
    await env.registry.create(env.crd_type, "", manifests.crd(), W)
    crd = await env.established()
    key = f"apis/{manifests.GROUP}/v1"
    first_hash = env.catalog.custom.v3_hash(key)
    assert first_hash
    doc = json.loads(env.catalog.custom.v3_document(key) or b"{}")
    schema = doc["components"]["schemas"]["com.example.stable.v1.CronTab"]
    assert schema["x-kubernetes-group-version-kind"] == [
        {"group": manifests.GROUP, "kind": "CronTab", "version": "v1"}
    ]
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in doc["components"]["schemas"]
    crd["spec"]["names"]["shortNames"] = ["ct", "cts"]
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"][
        "extra"
    ] = {"type": "string"}
    await env.registry.update(env.crd_type, "", manifests.CRD_NAME, crd, W)
    await until_async(lambda: env.crontabs().short_names == ("ct", "cts"))
    await until_async(lambda: env.catalog.custom.v3_hash(key) != first_hash)
    created = await env.registry.create(
        env.crontabs(), "default", manifests.crontab("x", extra="kept"), W
    )
    assert created.object["spec"]["extra"] == "kept"


async def test_delete_removes_custom_resources_then_the_type(env: Env) -> None:
    await env.registry.create(env.crd_type, "", manifests.crd(), W)
    await env.established()
    rt = env.crontabs()
    for name in ("a", "b"):
        await env.registry.create(rt, "default", manifests.crontab(name), W)
    held = manifests.crontab("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await env.registry.create(rt, "default", held, W)
    body, code = await env.registry.delete(env.crd_type, "", manifests.CRD_NAME, DeleteOptions())
    assert code == 200
    assert body["metadata"]["finalizers"] == ["customresourcecleanup.apiextensions.k8s.io"]
    assert body["metadata"]["deletionTimestamp"]
    conds = {c["type"]: c for c in body["status"]["conditions"]}
    assert conds["Terminating"]["reason"] == "InstanceDeletionPending"

    async def only_held_left() -> bool:
        items = (await env.registry.list(rt, "", ListOptions()))["items"]
        return [i["metadata"]["name"] for i in items] == ["held"]

    await until_async(only_held_left)
    crd = await env.registry.get(env.crd_type, "", manifests.CRD_NAME)
    conds = {c["type"]: c for c in crd["status"]["conditions"]}
    assert conds["Terminating"]["reason"] == "InstanceDeletionInProgress"
    assert env.catalog.lookup(manifests.GROUP, "v1", "crontabs") is not None
    live = await env.registry.get(rt, "default", "held")
    live["metadata"]["finalizers"] = []
    await env.registry.update(rt, "default", "held", live, W)

    async def gone() -> bool:
        try:
            await env.registry.get(env.crd_type, "", manifests.CRD_NAME)
        except StatusError as e:
            return bool(e.code == 404)
        return False

    await until_async(gone)
    await until_async(lambda: env.catalog.lookup(manifests.GROUP, "v1", "crontabs") is None)
    assert not env.catalog.serves(manifests.GROUP, "v1")
    assert env.catalog.custom.v3_keys() == []


async def test_stored_crds_are_served_when_the_controller_is_built() -> None:
    store = MemoryStore()
    await store.start()
    registry = install(Registry(store, Catalog.builtin()))
    env = Env(registry)
    crd = manifests.crd()
    crd["status"] = {}
    created = (await registry.create(env.crd_type, "", crd, W)).object
    created["status"] = {
        "conditions": [{"type": "Established", "status": "True", "reason": "InitialNamesAccepted"}],
        "acceptedNames": {"plural": "crontabs", "kind": "CronTab", "shortNames": ["ct"]},
    }
    await registry.update(env.crd_type, "", manifests.CRD_NAME, created, W, subresource="status")
    fresh = install(Registry(store, Catalog.builtin()))
    CRDController(fresh, env.crd_type, Informer(fresh, env.crd_type))
    rt = fresh.catalog.lookup(manifests.GROUP, "v1", "crontabs")
    assert rt is not None and rt.short_names == ("ct",)
    await store.close()


def _crd_with_rules() -> dict[str, Any]:
    """The CronTab CRD plus a oneOf, a CEL rule and a transition rule on spec."""
    crd = manifests.crd()
    spec = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    spec["properties"]["schedule"] = {"type": "string"}
    spec["properties"]["paused"] = {"type": "boolean"}
    spec["oneOf"] = [{"required": ["image"]}, {"required": ["color"]}]
    spec["x-kubernetes-validations"] = [
        {"rule": "self.replicas <= 5 || !has(self.color)", "message": "colored tabs run <= 5"},
        {
            "rule": "self.cronSpec == oldSelf.cronSpec || !has(oldSelf.paused) || !oldSelf.paused",
            "message": "cronSpec is immutable while paused",
        },
    ]
    return crd


async def test_one_of_and_cel_rules_through_the_registry(env: Env) -> None:
    await env.registry.create(env.crd_type, "", _crd_with_rules(), W)
    await env.established()
    rt = env.crontabs()
    await env.registry.create(rt, "default", manifests.crontab("a", color="red"), W)
    with pytest.raises(StatusError) as e:
        await env.registry.create(rt, "default", manifests.crontab("b"), W)
    assert e.value.code == 422
    assert e.value.message == (
        'CronTab.stable.example.com "b" is invalid: [<nil>: Invalid value: "": "spec" must '
        "validate one and only one schema (oneOf). Found none valid, spec.image: Required value, "
        '<nil>: Invalid value: "null": some validation rules were not checked because the '
        "object was invalid; correct the existing errors to complete validation]"
    )
    with pytest.raises(StatusError) as e:
        await env.registry.create(rt, "default", manifests.crontab("c", color="red", replicas=7), W)
    assert e.value.message == (
        'CronTab.stable.example.com "c" is invalid: spec: Invalid value: colored tabs run <= 5'
    )
    # the transition rule: cronSpec may change unless the old object was paused
    live = await env.registry.get(rt, "default", "a")
    live["spec"]["cronSpec"] = "*/5 * * * *"
    live["spec"]["paused"] = True
    live = (await env.registry.update(rt, "default", "a", live, W)).object
    live["spec"]["cronSpec"] = "*/9 * * * *"
    with pytest.raises(StatusError) as e:
        await env.registry.update(rt, "default", "a", live, W)
    assert e.value.message == (
        'CronTab.stable.example.com "a" is invalid: spec: Invalid value: '
        "cronSpec is immutable while paused"
    )


async def test_a_terminating_crd_refuses_creates(env: Env) -> None:
    await env.registry.create(env.crd_type, "", manifests.crd(), W)
    await env.established()
    rt = env.crontabs()
    held = manifests.crontab("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await env.registry.create(rt, "default", held, W)
    await env.registry.delete(env.crd_type, "", manifests.CRD_NAME, DeleteOptions())
    with pytest.raises(StatusError) as e:
        await env.registry.create(rt, "default", manifests.crontab("late"), W)
    assert e.value.code == 405
    assert e.value.reason == "MethodNotAllowed"
    assert e.value.message == "create not allowed while custom resource definition is terminating"
    live = await env.registry.get(rt, "default", "held")
    live["metadata"]["finalizers"] = []
    await env.registry.update(rt, "default", "held", live, W)
