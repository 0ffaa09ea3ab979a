"""apply_fixtures(): create-or-update through the registry, Namespaces and CRDs first."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fakekapi.admission.chain import install
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.core.errors import StatusError
from fakekapi.registry.bootstrap import bootstrap
from fakekapi.registry.fixtures import (
    CHUNK,
    LAST_APPLIED,
    FixtureError,
    FixtureReport,
    apply_fixtures,
    load_fixture_files,
)
from fakekapi.registry.generic.bulk import BULK_SWITCH_INTERVAL
from fakekapi.registry.generic.options import ListOptions, WriteOptions
from fakekapi.registry.registry import Registry
from fakekapi.store.memory import MemoryStore
from fakekapi.store.sqlite import SqliteStore


@pytest.fixture
async def registry() -> AsyncIterator[Registry]:
    store = MemoryStore()
    await store.start()
    reg = install(Registry(store, Catalog.builtin()))
    await bootstrap(reg)
    yield reg
    await store.close()


@pytest.fixture
async def durable(tmp_path: Path) -> AsyncIterator[tuple[Registry, SqliteStore]]:
    """A registry over the SQLite store, which shows a write once its batch committed."""
    store = SqliteStore(tmp_path / "store.db")
    await store.start()
    try:
        reg = install(Registry(store, Catalog.builtin()))
        await bootstrap(reg)
        yield reg, store
    finally:
        await store.close()


def rt(registry: Registry, group: str, version: str, plural: str) -> ResourceType:
    found: ResourceType | None = registry.catalog.lookup(group, version, plural)
    assert found is not None
    return found


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


APP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team
data:
  mode: fast
---
apiVersion: v1
kind: Namespace
metadata:
  name: team
  labels: {owner: me}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: plain
data:
  a: "1"
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: reader
  namespace: ignored
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
"""


async def apply_file(registry: Registry, *paths: Path) -> None:
    await apply_fixtures(registry, load_fixture_files(list(paths), registry.catalog))


async def test_apply_creates_namespaces_first_and_defaults_the_namespace(
    registry: Registry, tmp_path: Path
) -> None:
    f = write(tmp_path / "app.yaml", APP)
    await apply_file(registry, f)
    cms = rt(registry, "", "v1", "configmaps")
    settings = await registry.get(cms, "team", "settings")
    assert settings["data"] == {"mode": "fast"}
    plain = await registry.get(cms, "default", "plain")
    assert plain["metadata"]["namespace"] == "default"
    ns = await registry.get(rt(registry, "", "v1", "namespaces"), "", "team")
    assert ns["metadata"]["labels"]["owner"] == "me"
    role = await registry.get(
        rt(registry, "rbac.authorization.k8s.io", "v1", "clusterroles"), "", "reader"
    )
    assert "namespace" not in role["metadata"]
    # The annotation `kubectl apply` leaves, so a later `kubectl apply` diffs as usual.
    applied = json.loads(plain["metadata"]["annotations"][LAST_APPLIED])
    assert applied == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"annotations": {}, "name": "plain", "namespace": "default"},
        "data": {"a": "1"},
    }


async def test_apply_twice_changes_nothing(registry: Registry, tmp_path: Path) -> None:
    f = write(tmp_path / "app.yaml", APP)
    await apply_file(registry, f)
    cms = rt(registry, "", "v1", "configmaps")
    before = await registry.list(cms, "", ListOptions())
    await apply_file(registry, f)
    after = await registry.list(cms, "", ListOptions())
    assert after["items"] == before["items"]
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


async def test_apply_updates_changed_objects(registry: Registry, tmp_path: Path) -> None:
    f = write(tmp_path / "app.yaml", APP)
    await apply_file(registry, f)
    cms = rt(registry, "", "v1", "configmaps")
    old = await registry.get(cms, "default", "plain")
    write(f, APP.replace('a: "1"', 'b: "2"'))
    await apply_file(registry, f)
    new = await registry.get(cms, "default", "plain")
    assert new["data"] == {"b": "2"}
    assert new["metadata"]["uid"] == old["metadata"]["uid"]
    assert int(new["metadata"]["resourceVersion"]) > int(old["metadata"]["resourceVersion"])


async def test_a_namespace_that_does_not_exist(registry: Registry, tmp_path: Path) -> None:
    f = write(
        tmp_path / "x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: nope}\n",
    )
    with pytest.raises(FixtureError) as info:
        await apply_file(registry, f)
    assert str(info.value) == f'{f}:5: namespaces "nope" not found'


async def test_registry_errors_carry_file_and_line(registry: Registry, tmp_path: Path) -> None:
    f = write(
        tmp_path / "bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Not_Valid}\n"
    )
    with pytest.raises(FixtureError) as info:
        await apply_file(registry, f)
    with pytest.raises(StatusError) as direct:
        await registry.create(
            rt(registry, "", "v1", "configmaps"),
            "default",
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "Not_Valid", "namespace": "default"},
            },
            WriteOptions(),
        )
    assert str(info.value) == f"{f}:1: {direct.value.message}"


async def test_unknown_kind_at_apply(registry: Registry, tmp_path: Path) -> None:
    f = write(tmp_path / "k.yaml", "apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n")
    docs = load_fixture_files([f])  # no catalog: not checked while loading
    with pytest.raises(FixtureError) as info:
        await apply_fixtures(registry, docs)
    assert str(info.value) == f'{f}:1: no matches for kind "Foo" in version "v1"'


async def test_folder_order_is_kept_after_namespaces(registry: Registry, tmp_path: Path) -> None:
    d = tmp_path / "fx"
    write(
        d / "1-cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first, namespace: late}\n",
    )
    write(
        d / "2-secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: second, namespace: late}\n",
    )
    write(d / "9-ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: late}\n")
    await apply_file(registry, d)
    cm = await registry.get(rt(registry, "", "v1", "configmaps"), "late", "first")
    secret = await registry.get(rt(registry, "", "v1", "secrets"), "late", "second")
    ns = await registry.get(rt(registry, "", "v1", "namespaces"), "", "late")
    assert (
        int(ns["metadata"]["resourceVersion"])
        < int(cm["metadata"]["resourceVersion"])
        < int(secret["metadata"]["resourceVersion"])
    )


DEPENDENT = """\
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec:
  priorityClassName: high
  serviceAccountName: quiet
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: default}
spec: {clusterIP: 10.96.100.100, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: default}
spec: {clusterIP: 10.96.100.100, ports: [{port: 80}]}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: quiet, namespace: default}
automountServiceAccountToken: false
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: default}
spec:
  limits: [{type: Container, default: {cpu: 200m}}]
"""


async def test_a_document_sees_what_admission_and_allocation_read(
    tmp_path: Path, durable: tuple[Registry, SqliteStore]
) -> None:
    """Chunks are written concurrently and the durable store shows a write once committed; yet
    each document is judged as if created after the ones before it (and after the PriorityClass,
    ServiceAccount and LimitRange admission reads), and two Services never share an address."""
    reg, _ = durable
    f = write(tmp_path / "fx" / "app.yaml", DEPENDENT)
    report = FixtureReport()
    await apply_fixtures(reg, load_fixture_files([f], reg.catalog), report)
    assert [str(e) for e in report.sorted_errors()] == [
        f'{f}:14: Service "b" is invalid: spec.clusterIPs: Invalid value: '
        '[]string{"10.96.100.100"}: failed to allocate IP 10.96.100.100: provided IP is '
        "already allocated"
    ]
    pod = await reg.get(rt(reg, "", "v1", "pods"), "default", "web")
    assert pod["spec"]["priority"] == 1000
    assert "volumes" not in pod["spec"]  # the ServiceAccount turns automounting off
    container = pod["spec"]["containers"][0]
    assert container["resources"]["limits"] == {"cpu": "200m"}


async def test_a_repeated_document_in_the_next_chunk_still_wins(
    tmp_path: Path, durable: tuple[Registry, SqliteStore]
) -> None:
    """The last phase prepares a chunk while the one before it commits; a chunk that names an
    object of that one waits for it, so the later document is applied as an update (last one
    wins) instead of racing the create."""
    reg, _ = durable
    items = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}}
        for i in range(CHUNK + 10)
    ]
    items.append({**items[0], "data": {"later": "yes"}})  # in the second chunk
    f = write(tmp_path / "fx" / "many.json", json.dumps({"kind": "List", "items": items}))
    report = FixtureReport()
    await apply_fixtures(reg, load_fixture_files([f], reg.catalog), report)
    assert report.sorted_errors() == []
    cms = rt(reg, "", "v1", "configmaps")
    first = await reg.get(cms, "default", "cm-0")
    assert first["data"] == {"later": "yes"}
    listed = await reg.list(cms, "default", ListOptions())
    assert len(listed["items"]) == CHUNK + 10


async def test_each_chunk_commits_in_a_transaction_of_its_own(
    tmp_path: Path, durable: tuple[Registry, SqliteStore]
) -> None:
    """The last phase hands the store a chunk's writes before preparing the next chunk, so the
    store commits one chunk while the loop prepares the next (started together, two chunks were
    prepared in the same turns of the loop and committed as one batch while the loop idled)."""
    reg, store = durable
    items = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}}
        for i in range(3 * CHUNK)
    ]
    f = write(tmp_path / "fx" / "many.json", json.dumps({"kind": "List", "items": items}))
    docs = load_fixture_files([f], reg.catalog)
    commits = store.commits
    await apply_fixtures(reg, docs)
    assert store.commits - commits == 3
    listed = await reg.list(rt(reg, "", "v1", "configmaps"), "default", ListOptions())
    assert len(listed["items"]) == 3 * CHUNK


async def test_the_switch_interval_is_shortened_while_applying_then_restored(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last phase runs with BULK_SWITCH_INTERVAL (the store's thread gets the GIL back
    sooner); the interval is the caller's again afterwards, also when a document fails."""
    seen: list[float] = []
    real_create = registry.create

    async def create(*args: Any, **kwargs: Any) -> Any:
        seen.append(sys.getswitchinterval())
        return await real_create(*args, **kwargs)

    monkeypatch.setattr(registry, "create", create)
    before = sys.getswitchinterval()
    f = write(tmp_path / "fx" / "app.yaml", APP)
    await apply_fixtures(registry, load_fixture_files([f], registry.catalog))
    assert sys.getswitchinterval() == before
    assert min(seen) == BULK_SWITCH_INTERVAL
    bad = write(
        tmp_path / "bad" / "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: missing\n",
    )
    with pytest.raises(FixtureError):
        await apply_fixtures(registry, load_fixture_files([bad], registry.catalog))
    assert sys.getswitchinterval() == before
