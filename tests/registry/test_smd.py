"""structured-merge-diff semantics (fakekapi.registry.generic.smd, managedfields): field sets,
comparison, merge order and the managedFields kube-apiserver 1.33 records. Expected values are
those of sigs.k8s.io/structured-merge-diff v6 (typed/tofieldset.go, compare.go, merge.go) and
apimachinery's managedfields (conflict.go), as kube shows them for the same objects."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakekapi.core.errors import StatusError
from fakekapi.registry.generic import managedfields as mf
from fakekapi.registry.generic import smd
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry
from registry.registry_helpers import DEPLOYMENTS

APPLY = "application/apply-patch+yaml"

POD = smd.builtin_root("", "v1", "Pod")
DEPLOYMENT = smd.builtin_root("apps", "v1", "Deployment")
SERVICE = smd.builtin_root("", "v1", "Service")
CM = smd.builtin_root("", "v1", "ConfigMap")


def fv1(value: Any, node: smd.Node) -> dict[str, Any]:
    return smd.to_fields_v1(smd.to_set(value, node))


@pytest.mark.parametrize(
    ("node", "value", "expected"),
    [
        # Struct fields are not members themselves; map keys and list items are.
        (CM, {"data": {"a": "1"}}, {"f:data": {"f:a": {}}}),
        # An empty map is a member (resources: {}).
        (
            POD,
            {"spec": {"containers": [{"name": "c", "resources": {}}]}},
            {
                "f:spec": {
                    "f:containers": {'k:{"name":"c"}': {".": {}, "f:name": {}, "f:resources": {}}}
                }
            },
        ),
        # Two keys (containerPort, protocol), protocol defaulted from the OpenAPI.
        (
            POD,
            {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}},
            {
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"c"}': {
                            ".": {},
                            "f:name": {},
                            "f:ports": {
                                'k:{"containerPort":80,"protocol":"TCP"}': {
                                    ".": {},
                                    "f:containerPort": {},
                                }
                            },
                        }
                    }
                }
            },
        ),
        # An atomic struct (LabelSelector) and an atomic map (Service selector) are leaves.
        (
            DEPLOYMENT,
            {"spec": {"selector": {"matchLabels": {"a": "b"}}}},
            {"f:spec": {"f:selector": {}}},
        ),
        (SERVICE, {"spec": {"selector": {"a": "b"}}}, {"f:spec": {"f:selector": {}}}),
        # A list without a list type or merge strategy is atomic; a set is per value.
        (POD, {"spec": {"containers": [{"name": "c", "args": ["x"]}]}}, None),
    ],
)
def test_field_sets(node: smd.Node, value: Any, expected: dict[str, Any] | None) -> None:
    got = fv1(value, node)
    if expected is None:
        item = got["f:spec"]["f:containers"]['k:{"name":"c"}']
        assert item["f:args"] == {}
    else:
        assert got == expected


def test_set_items_are_values() -> None:
    # ToFieldSet marks the items of a set, not the list itself (compare marks a new list).
    got = smd.to_set({"metadata": {"finalizers": ["a"]}}, POD)
    assert smd.to_fields_v1(got) == {"f:metadata": {"f:finalizers": {'v:"a"': {}}}}


def test_path_strings() -> None:
    assert smd.path_string(["f:data", "f:owned"]) == ".data.owned"
    assert (
        smd.path_string(
            [
                "f:spec",
                "f:containers",
                'k:{"name":"c"}',
                "f:ports",
                'k:{"containerPort":80,"protocol":"TCP"}',
            ]
        )
        == '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]'
    )
    assert smd.path_string(["f:metadata", "f:finalizers", 'v:"x"']) == '.metadata.finalizers[="x"]'


def test_compare_marks_new_maps() -> None:
    c = smd.compare(
        {"data": {"a": "1"}}, {"data": {"a": "2", "b": "3"}, "binaryData": {"x": "eA=="}}, CM
    )
    assert smd.to_fields_v1(c.modified) == {"f:data": {"f:a": {}}}
    assert smd.to_fields_v1(c.added) == {
        "f:binaryData": {".": {}, "f:x": {}},
        "f:data": {"f:b": {}},
    }
    assert not c.removed


def test_merge_keeps_live_items_in_place() -> None:
    live = {"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]}}
    applied = {"spec": {"containers": [{"name": "c", "image": "2"}, {"name": "b", "image": "2"}]}}
    out = smd.merge(live, applied, POD)
    assert [(c["name"], c["image"]) for c in out["spec"]["containers"]] == [
        ("a", "1"),
        ("c", "2"),
        ("b", "2"),
    ]


def cm(data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": data}


def do_apply(live: dict[str, Any], manager: str, data: dict[str, str], force: bool = False) -> Any:
    return mf.apply(
        live, cm(data), node=CM, manager=manager, api_version="v1", subresource="",
        now="2024-01-01T00:00:00Z", force=force,
    )  # fmt: skip


def test_conflict_error_body() -> None:
    live = do_apply({}, "a", {"owned": "1", "k": "1"})
    with pytest.raises(StatusError) as e:
        do_apply(live, "b", {"owned": "2", "k": "2"})
    status = e.value.to_status()
    assert status["code"] == 409 and status["reason"] == "Conflict"
    assert status["message"] == (
        'Apply failed with 2 conflicts: conflicts with "a":\n- .data.k\n- .data.owned'
    )
    assert status["details"] == {
        "causes": [
            {"reason": "FieldManagerConflict", "message": 'conflict with "a"', "field": ".data.k"},
            {
                "reason": "FieldManagerConflict",
                "message": 'conflict with "a"',
                "field": ".data.owned",
            },
        ]
    }


def test_update_manager_and_subresource_in_conflicts() -> None:
    live = cm({"k": "1"})
    mf.record_update(
        None, live, node=CM, manager="kubectl-create", api_version="v1", subresource="",
        now="2024-01-01T00:00:00Z",
    )  # fmt: skip
    with pytest.raises(StatusError) as e:
        do_apply(live, "b", {"k": "2"})
    assert e.value.message == (
        'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.k'
    )
    entry = mf.Entry("c", "Update", "v1", None, "status", {})
    assert mf._print_manager(entry) == '"c" with subresource "status" using v1'


def test_force_and_removal() -> None:
    live = do_apply({}, "a", {"k": "1", "j": "1"})
    live = do_apply(live, "b", {"k": "2"}, force=True)
    assert [(m["manager"], m["fieldsV1"]) for m in live["metadata"]["managedFields"]] == [
        ("a", {"f:data": {"f:j": {}}}),
        ("b", {"f:data": {"f:k": {}}}),
    ]
    live = do_apply(live, "a", {})
    assert live["data"] == {"k": "2"}
    # `data: {}` applied: a owns the (now empty of its keys) map itself.
    assert [(m["manager"], m["fieldsV1"]) for m in live["metadata"]["managedFields"]] == [
        ("a", {"f:data": {}}),
        ("b", {"f:data": {"f:k": {}}}),
    ]


def test_zero_object_of_a_deployment() -> None:
    # What scheme.New(Deployment) marshals to: non-pointer structs present, pointers absent.
    zero = mf.zero_object("apps/v1", "Deployment")
    assert set(zero) == {"metadata", "spec", "status"}
    assert "selector" not in zero["spec"] and "replicas" not in zero["spec"]
    assert zero["spec"]["strategy"] == {}
    assert zero["spec"]["template"]["spec"]["containers"] is None


DEPLOY_BODY: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx"}]},
        },
    },
}


def applier(manager: str, force: bool = False) -> WriteOptions:
    return WriteOptions(
        field_manager=manager, field_manager_given=True, force=force, force_given=force
    )


async def test_subresource_entries_and_conflicts(registry: Registry) -> None:
    """A status writer is its own manager (`subresource: status`); applying over its fields or
    over an updater's names them as kube's printManager does."""
    created = await registry.create(
        DEPLOYMENTS, "default", DEPLOY_BODY, WriteOptions(field_manager="kubectl-create")
    )
    obj = created.object
    obj["status"] = {"replicas": 1, "observedGeneration": 1}
    await registry.update(
        DEPLOYMENTS, "default", "web", obj,
        WriteOptions(field_manager="kube-controller-manager"), subresource="status",
    )  # fmt: skip
    status = (
        b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},'
        b'"status":{"replicas":3}}'
    )
    with pytest.raises(StatusError) as e:
        await registry.patch(
            DEPLOYMENTS, "default", "web", APPLY, status, applier("x"), subresource="status"
        )
    assert e.value.message == (
        'Apply failed with 1 conflict: conflict with "kube-controller-manager" with subresource '
        '"status" using apps/v1: .status.replicas'
    )
    spec = (
        b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},'
        b'"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:2"}]}}}}'
    )
    with pytest.raises(StatusError) as e:
        await registry.patch(DEPLOYMENTS, "default", "web", APPLY, spec, applier("y"))
    assert e.value.message == (
        'Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="nginx"].image'
    )
    res = await registry.patch(DEPLOYMENTS, "default", "web", APPLY, spec, applier("y", True))
    entries = res.object["metadata"]["managedFields"]
    got = [(m["manager"], m["operation"], m.get("subresource")) for m in entries]
    # Apply first, then Updates by time (then manager): both orders are kube's.
    assert got[0] == ("y", "Apply", None)
    assert sorted(got[1:]) == [
        ("kube-controller-manager", "Update", "status"),
        ("kubectl-create", "Update", None),
    ]
    assert entries[0]["fieldsV1"] == {
        "f:spec": {
            "f:replicas": {},
            "f:template": {
                "f:spec": {
                    "f:containers": {'k:{"name":"nginx"}': {".": {}, "f:image": {}, "f:name": {}}}
                }
            },
        }
    }
    # The same apply again changes nothing: no new resourceVersion.
    again = await registry.patch(DEPLOYMENTS, "default", "web", APPLY, spec, applier("y", True))
    rv = res.object["metadata"]["resourceVersion"]
    assert again.object["metadata"]["resourceVersion"] == rv


CRD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "properties": {
                "ports": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["port"],
                    "items": {
                        "type": "object",
                        "properties": {"port": {"type": "integer"}, "name": {"type": "string"}},
                    },
                },
                "tags": {
                    "type": "array",
                    "x-kubernetes-list-type": "set",
                    "items": {"type": "string"},
                },
                "args": {"type": "array", "items": {"type": "string"}},
                "selector": {
                    "type": "object",
                    "x-kubernetes-map-type": "atomic",
                    "additionalProperties": {"type": "string"},
                },
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        }
    },
}


def test_custom_resource_field_sets() -> None:
    node = smd.custom_root(CRD_SCHEMA)
    value = {
        "metadata": {"labels": {"a": "b"}},
        "spec": {
            "ports": [{"port": 80, "name": "http"}],
            "tags": ["x"],
            "args": ["--v"],
            "selector": {"k": "v"},
            "free": {"deep": {"x": 1}},
        },
    }
    assert fv1(value, node) == {
        "f:metadata": {"f:labels": {"f:a": {}}},
        "f:spec": {
            "f:args": {},
            "f:free": {"f:deep": {".": {}, "f:x": {}}},
            "f:ports": {'k:{"port":80}': {".": {}, "f:name": {}, "f:port": {}}},
            "f:selector": {},
            "f:tags": {'v:"x"': {}},
        },
    }


async def test_reset_managed_fields(registry: Registry) -> None:
    """`managedFields: [{}]` in an update clears them (isResetManagedFields)."""
    created = await registry.create(
        DEPLOYMENTS, "default", DEPLOY_BODY, WriteOptions(field_manager="kubectl-create")
    )
    obj = created.object
    obj["metadata"]["managedFields"] = [{}]
    obj["metadata"]["labels"]["extra"] = "1"
    res = await registry.update(
        DEPLOYMENTS, "default", "web", obj, WriteOptions(field_manager="kubectl-edit")
    )
    assert [m["manager"] for m in res.object["metadata"]["managedFields"]] == ["kubectl-edit"]
    assert res.object["metadata"]["managedFields"][0]["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:extra": {}}}
    }


def test_update_managers_are_capped() -> None:
    """Past ten Update entries the oldest merge into `ancient-changes` (capmanagers.go)."""
    obj = cm({})
    for i in range(12):
        old = dict(obj, data=dict(obj["data"]))
        obj = dict(obj, data={**obj["data"], f"k{i}": "v"})
        mf.record_update(
            old, obj, node=CM, manager=f"m{i:02d}", api_version="v1", subresource="",
            now=f"2024-01-01T00:00:{i:02d}Z",
        )  # fmt: skip
    entries = obj["metadata"]["managedFields"]
    assert [e["manager"] for e in entries] == [
        "ancient-changes",
        *[f"m{i:02d}" for i in range(3, 12)],
    ]
    assert entries[0]["fieldsV1"] == {"f:data": {"f:k0": {}, "f:k1": {}, "f:k2": {}}}
    assert entries[0]["time"] == "2024-01-01T00:00:02Z"


async def test_kubectl_create_deployment_entry(registry: Registry) -> None:
    """The Update entry of a created Deployment, as kube 1.33 records `kubectl create
    deployment`'s: compared with the Go zero object, so only pointer fields (rollingUpdate) and
    maps (labels) that were absent are members themselves; defaults belong to the creator."""
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
            },
        },
    }
    res = await registry.create(
        DEPLOYMENTS, "default", body, WriteOptions(field_manager="kubectl-create")
    )
    [entry] = res.object["metadata"]["managedFields"]
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
        "f:spec": {
            "f:progressDeadlineSeconds": {},
            "f:replicas": {},
            "f:revisionHistoryLimit": {},
            "f:selector": {},
            "f:strategy": {
                "f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}},
                "f:type": {},
            },
            "f:template": {
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"nginx"}': {
                            ".": {},
                            "f:image": {},
                            "f:imagePullPolicy": {},
                            "f:name": {},
                            "f:resources": {},
                            "f:terminationMessagePath": {},
                            "f:terminationMessagePolicy": {},
                        }
                    },
                    "f:dnsPolicy": {},
                    "f:restartPolicy": {},
                    "f:schedulerName": {},
                    "f:securityContext": {},
                    "f:terminationGracePeriodSeconds": {},
                },
            },
        },
    }
    assert list(entry) == ["manager", "operation", "apiVersion", "time", "fieldsType", "fieldsV1"]


async def test_apply_removes_list_items_it_stopped_applying(registry: Registry) -> None:
    """Items of an associative list the manager applied before and no longer does go, unless
    another manager owns something in them (Updater.prune)."""

    def body(*containers: dict[str, Any]) -> bytes:
        obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": list(containers)},
                },
            },
        }
        return json.dumps(obj).encode()

    a = {"name": "a", "image": "nginx", "env": [{"name": "X", "value": "1"}, {"name": "Y"}]}
    b = {"name": "b", "image": "busybox"}
    res = await registry.patch(DEPLOYMENTS, "default", "web", APPLY, body(a, b), applier("m"))
    assert [c["name"] for c in res.object["spec"]["template"]["spec"]["containers"]] == ["a", "b"]
    a2 = {"name": "a", "image": "nginx", "env": [{"name": "X", "value": "1"}]}
    res = await registry.patch(DEPLOYMENTS, "default", "web", APPLY, body(a2), applier("m"))
    [c] = res.object["spec"]["template"]["spec"]["containers"]
    assert c["name"] == "a" and c["env"] == [{"name": "X", "value": "1"}]
    # Defaults the server filled in (imagePullPolicy...) are nobody's and stay with the item.
    assert c["imagePullPolicy"] == "Always"
