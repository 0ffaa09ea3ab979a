"""Decode time per object of the protobuf body decoder (fakekapi.protobuf.decode).

Objects: the ConfigMap `kubectl create configmap` sends, a 20-key ConfigMap, the Deployment
`kubectl create deployment` sends, and a Pod as a running cluster stores it (spec with two
containers, probes, volumes, resources; status with conditions and container statuses).

    python bench/bench_protobuf.py [--seconds 1.0]

Prints microseconds per decode (best of 5 timing runs) and the body size.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from fakekapi import protobuf

CONFIGMAP_KUBECTL = bytes.fromhex(
    "6b3873000a0f0a0276311209436f6e6669674d6170121d0a130a03636d3112001a0022002a003200380042"
    "0012060a01611201621a002200"
)

CONTAINER: dict[str, Any] = {
    "name": "app",
    "image": "registry.example.com/team/app:1.2.3",
    "command": ["/app"],
    "args": ["--port=8080", "--log-level=info"],
    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
    "env": [
        {"name": "MODE", "value": "production"},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                        "fieldPath": "metadata.name"}}},
    ],
    "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                  "requests": {"cpu": "100m", "memory": "128Mi"}},
    "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True},
                     {"name": "kube-api-access-x2b9c", "readOnly": True,
                      "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                      "initialDelaySeconds": 5, "timeoutSeconds": 1, "periodSeconds": 10,
                      "successThreshold": 1, "failureThreshold": 3},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"},
                       "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                       "failureThreshold": 3},
    "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
    "imagePullPolicy": "IfNotPresent",
    "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                        "capabilities": {"drop": ["ALL"]}},
}  # fmt: skip


def container_status(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "state": {"running": {"startedAt": "2025-01-02T03:04:06Z"}},
        "lastState": {},
        "ready": True,
        "restartCount": 0,
        "image": "registry.example.com/team/app:1.2.3",
        "imageID": "registry.example.com/team/app@sha256:" + "ab" * 32,
        "containerID": "containerd://" + "cd" * 32,
        "started": True,
    }


POD: dict[str, Any] = {
    "kind": "Pod",
    "apiVersion": "v1",
    "metadata": {
        "name": "app-7d9c6b8f5-x2b9c",
        "generateName": "app-7d9c6b8f5-",
        "namespace": "default",
        "uid": "5f0b6a34-1d3c-4e8b-9a51-2d7e3f4a5b6c",
        "resourceVersion": "123456",
        "creationTimestamp": "2025-01-02T03:04:05Z",
        "labels": {"app": "app", "pod-template-hash": "7d9c6b8f5"},
        "annotations": {"kubectl.kubernetes.io/restartedAt": "2025-01-02T03:00:00Z"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                             "name": "app-7d9c6b8f5",
                             "uid": "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
                             "controller": True, "blockOwnerDeletion": True}],
    },
    "spec": {
        "volumes": [
            {"name": "config", "configMap": {"name": "app-config", "defaultMode": 420}},
            {"name": "kube-api-access-x2b9c", "projected": {"sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt",
                               "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                    "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
            ], "defaultMode": 420}},
        ],
        "containers": [CONTAINER, {**CONTAINER, "name": "sidecar"}],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "serviceAccount": "default",
        "nodeName": "node-1",
        "securityContext": {"fsGroup": 2000},
        "schedulerName": "default-scheduler",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
             "effect": "NoExecute", "tolerationSeconds": 300},
        ],
        "priority": 0,
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
    },
    "status": {
        "phase": "Running",
        "conditions": [
            {"type": t, "status": "True", "lastProbeTime": None,
             "lastTransitionTime": "2025-01-02T03:04:07Z"}
            for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                      "PodScheduled")
        ],
        "hostIP": "10.0.0.11",
        "hostIPs": [{"ip": "10.0.0.11"}],
        "podIP": "10.244.1.23",
        "podIPs": [{"ip": "10.244.1.23"}],
        "startTime": "2025-01-02T03:04:05Z",
        "containerStatuses": [container_status("app"), container_status("sidecar")],
        "qosClass": "Burstable",
    },
}  # fmt: skip


def canonical(obj: dict[str, Any]) -> bytes:
    """The protobuf a Go client would send for obj (encode → decode → encode)."""
    return protobuf.encode(protobuf.decode(protobuf.encode(obj))[2])


def timeit(fn: Callable[[], object], seconds: float) -> float:
    """Best-of-5 mean seconds per call."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t0 > seconds / 10:
            break
        n *= 2
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()

    t0 = time.perf_counter()
    protobuf.knows("v1", "Pod")
    print(f"schema load (first use): {(time.perf_counter() - t0) * 1000:.1f} ms")

    big_cm = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "big"},
              "data": {f"key-{i}": "value " * 20 for i in range(20)}}  # fmt: skip
    deployment = bytes.fromhex(
        "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412a7010a1d0a02643112001a0022002a"
        "003200380042005a090a036170701202643112780801120b0a090a03617070120264311a5f0a1b0a0012001a"
        "0022002a003200380042005a090a0361707012026431124012220a056e67696e7812056e67696e782a004200"
        "6a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c20100"
        "22020a00280038001a0c0800100018002000280038001a002200"
    )
    cases = [
        ("ConfigMap (kubectl create configmap)", CONFIGMAP_KUBECTL),
        ("ConfigMap (20 keys)", canonical(big_cm)),
        ("Deployment (kubectl create deployment)", deployment),
        ("Pod (running, 2 containers, status)", canonical(POD)),
    ]
    for name, body in cases:
        obj = protobuf.decode(body)[2]
        per = timeit(partial(protobuf.decode, body), args.seconds)
        print(f"{name:42s} {len(body):6d} B  decode {per * 1e6:8.1f} µs/object")
        json.dumps(obj)
    upb_comparison(cases, args.seconds)


def upb_comparison(cases: list[tuple[str, bytes]], seconds: float) -> None:
    """The alternative: the protobuf runtime (upb, C) parses, then a walk builds the JSON.

    Built from the same schema with dynamic descriptors; only the parse and a minimal
    ListFields() walk are timed (no Go JSON rules), i.e. a lower bound for that design.
    """
    try:
        from google.protobuf import (  # type: ignore[import-untyped]
            descriptor_pb2,
            descriptor_pool,
            message_factory,
        )
    except ImportError:
        print("(google.protobuf not installed: no upb comparison)")
        return
    import importlib

    sch = importlib.import_module("fakekapi.protobuf.schema")

    s = sch.schema()
    fdp = descriptor_pb2.FileDescriptorProto(name="bench.proto", package="b", syntax="proto2")
    scalar = {sch.STRING: 9, sch.BOOL: 8, sch.INT32: 5, sch.INT64: 3, sch.BYTES: 12}
    names = {name: "M" + str(i) for i, name in enumerate(s.messages)}
    specials = {
        sch.TIME: [("seconds", 1, 3), ("nanos", 2, 5)],
        sch.MICROTIME: [("seconds", 1, 3), ("nanos", 2, 5)],
        sch.DURATION: [("duration", 1, 3)],
        sch.QUANTITY: [("string", 1, 9)],
        sch.INTORSTR: [("type", 1, 3), ("intVal", 2, 5), ("strVal", 3, 9)],
        sch.RAWEXT: [("raw", 1, 12)],
        sch.FIELDSV1: [("raw", 1, 12)],
        sch.WRAP: [("items", 1, 9)],
    }
    for kind, fields in specials.items():
        m = fdp.message_type.add(name=f"S{kind}")
        for fname, num, typ in fields:
            lab = 3 if kind == sch.WRAP else 1
            m.field.add(name=fname, number=num, type=typ, label=lab)

    def type_of(kind: int, ref: object) -> tuple[int, str]:
        if kind in scalar:
            return scalar[kind], ""
        if kind == sch.MSG:
            return 11, ".b." + names[str(ref)]
        return 11, f".b.S{kind}"

    for name, msg in s.messages.items():
        m = fdp.message_type.add(name=names[name])
        for f in msg.order:
            if f.kind == sch.MAP:
                entry = m.nested_type.add(name=f"E{f.num}Entry")
                entry.options.map_entry = True
                entry.field.add(name="key", number=1, type=9, label=1)
                vt, vn = type_of(f.ref[1], f.ref[2])
                value = entry.field.add(name="value", number=2, type=vt, label=1)
                if vn:
                    value.type_name = vn
                m.field.add(name=f"f{f.num}", number=f.num, type=11, label=3,
                            type_name=f".b.{names[name]}.E{f.num}Entry")  # fmt: skip
                continue
            typ, tname = type_of(f.kind, f.ref)
            fd = m.field.add(name=f"f{f.num}", number=f.num, type=typ)
            fd.label = 3 if f.repeated else 1
            if tname:
                fd.type_name = tname
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)

    def walk(m: Any) -> Any:
        out: dict[str, Any] = {}
        for fd, v in m.ListFields():
            if fd.type == 11:
                if fd.is_repeated:
                    if fd.message_type.GetOptions().map_entry:
                        out[fd.name] = {k: walk(x) if hasattr(x, "ListFields") else x
                                        for k, x in v.items()}  # fmt: skip
                    else:
                        out[fd.name] = [walk(x) for x in v]
                else:
                    out[fd.name] = walk(v)
            else:
                out[fd.name] = list(v) if fd.is_repeated else v
        return out

    from fakekapi.protobuf.envelope import parse_envelope

    for label, body in cases:
        env = parse_envelope(body)
        cls = message_factory.GetMessageClass(
            pool.FindMessageTypeByName("b." + names[s.kinds[(env.api_version, env.kind)]])
        )
        raw = env.raw
        parse = timeit(partial(cls.FromString, raw), seconds)
        full = timeit(partial(lambda c, r: walk(c.FromString(r)), cls, raw), seconds)
        print(f"{label:42s} upb parse {parse * 1e6:7.1f} µs, parse+walk {full * 1e6:7.1f} µs")


if __name__ == "__main__":
    main()
