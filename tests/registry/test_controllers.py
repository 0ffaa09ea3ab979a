"""Controllers over a real registry: default ServiceAccount, kube-root-ca.crt, namespace
deletion, and a clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest
from polling import eventually

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.controllers.early import Controllers
from fakekapi.controllers.root_ca_cert_publisher import DESCRIPTION, DESCRIPTION_ANNOTATION
from fakekapi.core.errors import StatusError
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.generic.options import DeleteOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore

CA = "-----BEGIN CERTIFICATE-----\nMIIB...test\n-----END CERTIFICATE-----\n"
T = TypeVar("T")


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, Catalog.builtin()))
    await bootstrap(reg)
    yield reg
    await store.close()


@pytest.fixture
async def controllers(registry: Registry) -> AsyncIterator[Controllers]:
    c = Controllers.start(registry, CA)
    await asyncio.wait_for(c.wait_synced(), 2)
    yield c
    await c.stop()


def core(registry: Registry, plural: str) -> ResourceType:
    rt: ResourceType | None = registry.catalog.lookup("", "v1", plural)
    assert rt is not None
    return rt


async def gone(registry: Registry, rt: ResourceType, namespace: str, name: str) -> None:
    try:
        await registry.get(rt, namespace, name)
    except StatusError as e:
        assert e.code == 404
        return
    raise AssertionError(f"{rt.plural} {namespace}/{name} still exists")


async def create_ns(registry: Registry, name: str) -> None:
    await registry.create(
        core(registry, "namespaces"),
        "",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        WriteOptions(),
    )


def configmap(name: str, namespace: str, **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace, **extra},
        "data": {"k": "v"},
    }


async def test_existing_namespaces_get_their_defaults(
    registry: Registry, controllers: Controllers
) -> None:
    sas, cms = core(registry, "serviceaccounts"), core(registry, "configmaps")

    async def defaults_everywhere() -> None:
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            sa = await registry.get(sas, ns, "default")
            assert sa["metadata"]["namespace"] == ns
            cm = await registry.get(cms, ns, "kube-root-ca.crt")
            assert cm["data"] == {"ca.crt": CA}
            assert cm["metadata"]["annotations"] == {DESCRIPTION_ANNOTATION: DESCRIPTION}

    await eventually(defaults_everywhere)


async def test_a_new_namespace_gets_them_within_a_second(
    registry: Registry, controllers: Controllers
) -> None:
    await create_ns(registry, "fresh")
    sa = await eventually(
        lambda: registry.get(core(registry, "serviceaccounts"), "fresh", "default")
    )
    assert sa["kind"] == "ServiceAccount"
    cm = await eventually(
        lambda: registry.get(core(registry, "configmaps"), "fresh", "kube-root-ca.crt")
    )
    assert cm["data"]["ca.crt"] == CA
    assert cm["metadata"]["annotations"][DESCRIPTION_ANNOTATION].startswith(
        "Contains a CA bundle that can be used to verify the kube-apiserver"
    )


async def test_deleted_defaults_are_recreated(registry: Registry, controllers: Controllers) -> None:
    sas, cms = core(registry, "serviceaccounts"), core(registry, "configmaps")
    old_sa = await eventually(lambda: registry.get(sas, "default", "default"))
    old_cm = await eventually(lambda: registry.get(cms, "default", "kube-root-ca.crt"))
    await registry.delete(sas, "default", "default", DeleteOptions())
    await registry.delete(cms, "default", "kube-root-ca.crt", DeleteOptions())

    async def recreated() -> None:
        sa = await registry.get(sas, "default", "default")
        cm = await registry.get(cms, "default", "kube-root-ca.crt")
        assert sa["metadata"]["uid"] != old_sa["metadata"]["uid"]
        assert cm["metadata"]["uid"] != old_cm["metadata"]["uid"]

    await eventually(recreated)


async def test_an_edited_root_ca_configmap_is_restored(
    registry: Registry, controllers: Controllers
) -> None:
    cms = core(registry, "configmaps")
    cm = await eventually(lambda: registry.get(cms, "default", "kube-root-ca.crt"))
    cm = dict(cm, data={"ca.crt": "tampered", "extra": "x"})
    cm["metadata"] = dict(cm["metadata"], annotations={"mine": "yes"})
    await registry.update(cms, "default", "kube-root-ca.crt", cm, WriteOptions())

    async def restored() -> None:
        now = await registry.get(cms, "default", "kube-root-ca.crt")
        assert now["data"] == {"ca.crt": CA}
        assert now["metadata"]["annotations"] == {
            "mine": "yes",
            DESCRIPTION_ANNOTATION: DESCRIPTION,
        }

    await eventually(restored)


async def test_the_root_ca_informer_keeps_only_kube_root_ca_configmaps(
    registry: Registry, controllers: Controllers
) -> None:
    """Other ConfigMaps are neither copied nor cached (a large collection costs nothing)."""
    cms = core(registry, "configmaps")
    await registry.create(cms, "default", configmap("app-config", "default"), WriteOptions())
    await eventually(lambda: registry.get(cms, "kube-system", "kube-root-ca.crt"))
    informer = next(i for i in controllers.informers if i.rt.plural == "configmaps")

    async def cached() -> None:
        names = {name for _, name in informer.cache}
        assert names == {"kube-root-ca.crt"}
        assert len(informer.cache) == 4  # one per bootstrap namespace

    await eventually(cached)


async def test_namespace_deletion_empties_and_removes_it(
    registry: Registry, controllers: Controllers
) -> None:
    nss, cms, secrets = (core(registry, p) for p in ("namespaces", "configmaps", "secrets"))
    await create_ns(registry, "doomed")
    await registry.create(cms, "doomed", configmap("c1", "doomed"), WriteOptions())
    await registry.create(
        secrets,
        "doomed",
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1", "namespace": "doomed"}},
        WriteOptions(),
    )
    await eventually(lambda: registry.get(cms, "doomed", "kube-root-ca.crt"))
    await registry.delete(nss, "", "doomed", DeleteOptions())
    await eventually(lambda: gone(registry, nss, "", "doomed"))
    for rt, name in ((cms, "c1"), (secrets, "s1"), (cms, "kube-root-ca.crt")):
        await gone(registry, rt, "doomed", name)
    # Other namespaces are untouched.
    await registry.get(cms, "default", "kube-root-ca.crt")


async def test_content_with_finalizers_keeps_the_namespace_terminating(
    registry: Registry, controllers: Controllers
) -> None:
    nss, cms = core(registry, "namespaces"), core(registry, "configmaps")
    await create_ns(registry, "sticky")
    await registry.create(
        cms, "sticky", configmap("held", "sticky", finalizers=["example.com/hold"]), WriteOptions()
    )
    await registry.delete(nss, "", "sticky", DeleteOptions())

    async def reported() -> dict[str, Any]:
        ns = await registry.get(nss, "", "sticky")
        assert ns["status"]["phase"] == "Terminating"
        conditions = {c["type"]: c for c in ns["status"].get("conditions", [])}
        remaining = conditions["NamespaceContentRemaining"]
        assert remaining["status"] == "True"
        assert remaining["reason"] == "SomeResourcesRemain"
        assert (
            remaining["message"]
            == "Some resources are remaining: configmaps. has 1 resource instances"
        )
        fin = conditions["NamespaceFinalizersRemaining"]
        assert (
            fin["message"]
            == "Some finalizers are remaining: example.com/hold in 1 resource instances"
        )
        assert conditions["NamespaceDeletionDiscoveryFailure"]["status"] == "False"
        return ns

    ns = await eventually(reported)
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    held = await registry.get(cms, "sticky", "held")
    assert held["metadata"]["deletionTimestamp"]
    held = dict(held, metadata=dict(held["metadata"], finalizers=[]))
    await registry.update(cms, "sticky", "held", held, WriteOptions())
    await eventually(lambda: gone(registry, nss, "", "sticky"))


async def test_no_defaults_in_a_terminating_namespace(
    registry: Registry, controllers: Controllers
) -> None:
    nss, sas = core(registry, "namespaces"), core(registry, "serviceaccounts")
    await create_ns(registry, "brief")
    await eventually(lambda: registry.get(sas, "brief", "default"))
    await registry.delete(nss, "", "brief", DeleteOptions())
    await eventually(lambda: gone(registry, nss, "", "brief"))
    await asyncio.sleep(0.1)
    await gone(registry, sas, "brief", "default")


async def test_stop_leaves_nothing_running(registry: Registry) -> None:
    before = asyncio.all_tasks()
    c = Controllers.start(registry, CA)
    await c.wait_synced()
    assert len(asyncio.all_tasks() - before) == len(c.informers) + len(c.controllers)
    await c.stop()
    await c.stop()  # idempotent
    assert not [t for t in asyncio.all_tasks() - before if not t.done()]
