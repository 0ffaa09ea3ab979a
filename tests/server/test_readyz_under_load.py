"""`/readyz` answers within 100 ms while `fakekapi serve` reads a 2 MiB YAML body or writes a
10,000-item list as YAML (the reliability issue's bound), measured against the server as users
run it (a `fakekapi serve` process, its start-up objects frozen out of the cyclic GC).

A stall the server causes (work holding the event loop or the GIL) happens on every try; a
moment where a busy machine schedules the server late does not. So each case is tried up to
three times and passes when one try keeps every probe under the bound: a server that blocks
fails all three, whatever the machine. On a machine with more runnable processes than CPUs
(load average above the CPU count, as when other test suites run beside this one) every wall
time stretches by that ratio, and so does the bound; on a machine with a free CPU it is 100 ms.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import time
from collections.abc import Callable, Iterator

import pytest
import yaml

from fakekapi.testing import SpawnedServer, spawned_server
from server.readyz_probe import ReadyzProbe

BOUND = 0.100
TRIES = 3
LIST_ITEMS = 10_000
CM_PATH = "/api/v1/namespaces/default/configmaps"


def _longest_probe_during(server: SpawnedServer, work: Callable[[], None]) -> float:
    """The longest `/readyz` answer while `work` runs (the probe answers once before it)."""
    probe = ReadyzProbe(
        lambda: http.client.HTTPSConnection(
            server.host, server.port, context=server.ssl_context(), timeout=60
        )
    )
    probe.start()
    try:
        deadline = time.monotonic() + 30
        while not probe.latencies and time.monotonic() < deadline:
            time.sleep(0.005)
        assert probe.latencies, "the probe never got a first answer"
        first = len(probe.latencies)
        work()
        # at least one answer that started after the work began (the loop was free again)
        while len(probe.latencies) <= first and time.monotonic() < deadline + 60:
            time.sleep(0.005)
    finally:
        probe.stop()
    assert not probe.failures, probe.failures
    return max(probe.latencies[first - 1 :])


def _bound() -> float:
    """100 ms, stretched by how oversubscribed the machine's CPUs are right now."""
    return BOUND * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))


def _within_bound(server: SpawnedServer, work: Callable[[int], None]) -> list[float]:
    """Up to TRIES runs of `work(try)`; the longest probe of each, stopping at one under BOUND."""
    longest: list[float] = []
    for attempt in range(TRIES):
        longest.append(_longest_probe_during(server, functools.partial(work, attempt)))
        if longest[-1] < _bound():
            break
    return longest


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpawnedServer]:
    fixtures = tmp_path_factory.mktemp("fixtures") / "configmaps.yaml"
    docs = (
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"cm-{i:05d}", "namespace": "default", "labels": {"app": "load"}},
            "data": {"config.yaml": f"key: value-{i}\nlist:\n- a\n- b\n", "plain": "x" * 40},
        }
        for i in range(LIST_ITEMS)
    )
    with open(fixtures, "w") as f:
        yaml.dump_all(docs, f, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
    with spawned_server("--fixtures", str(fixtures), "--nodes", "0") as srv:
        yield srv


def test_readyz_within_100ms_during_a_2mib_yaml_post(server: SpawnedServer) -> None:
    data = {f"key-{i:05d}": f"value {i} " + "y" * 80 for i in range(22_000)}
    manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data}
    body = yaml.safe_dump(manifest).encode()
    assert 2 * 1024 * 1024 <= len(body) < 3 * 1024 * 1024

    def post(attempt: int) -> None:
        named = body.replace(b"name: big", f"name: big-{attempt}".encode(), 1)
        status, _, answer = server.request(
            "POST",
            CM_PATH,
            body=named,
            headers={"Content-Type": "application/yaml"},
            timeout=120,
        )
        assert status == 201, answer[:300]

    longest = _within_bound(server, post)
    assert longest[-1] < _bound(), f"longest /readyz answer of each try (s): {longest}"


@pytest.mark.parametrize("accept", ["application/yaml", "application/json"])
def test_readyz_within_100ms_during_a_10k_item_list(server: SpawnedServer, accept: str) -> None:
    answers: list[bytes] = []

    def list_all(_attempt: int) -> None:
        status, _, answer = server.request(
            "GET", CM_PATH + "?labelSelector=app%3Dload", headers={"Accept": accept}, timeout=120
        )
        assert status == 200, answer[:300]
        answers.append(answer)

    longest = _within_bound(server, list_all)
    assert longest[-1] < _bound(), f"longest /readyz answer of each try (s): {longest}"
    # read after the probe stopped: parsing here holds this process's GIL, the probe's too
    listed = yaml.load(answers[-1], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert listed["kind"] == "ConfigMapList"
    assert len(listed["items"]) == LIST_ITEMS


def test_the_big_object_is_stored_whole(server: SpawnedServer) -> None:
    """What the worker-thread path stored is the object as sent, with its managedFields, and a
    PUT of it (the update path) answers with the stored object too."""
    data = {f"key-{i:05d}": f"value {i} " + "y" * 80 for i in range(22_000)}
    manifest = {"metadata": {"name": "big-stored"}, "data": data}
    status, _, answer = server.request(
        "POST",
        CM_PATH + "?fieldManager=bigtest",
        body=yaml.safe_dump(manifest).encode(),
        headers={"Content-Type": "application/yaml"},
        timeout=120,
    )
    assert status == 201, answer[:300]
    status, _, answer = server.request("GET", CM_PATH + "/big-stored")
    assert status == 200, answer[:300]
    stored = json.loads(answer)
    assert len(stored["data"]) == 22_000
    assert stored["data"]["key-21999"] == "value 21999 " + "y" * 80
    (entry,) = stored["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"]) == ("bigtest", "Update")
    assert len(entry["fieldsV1"]["f:data"]) == 22_000 + 1  # each key and "." (the map itself)
    stored["data"]["key-00000"] = "changed"
    status, _, answer = server.request(
        "PUT",
        CM_PATH + "/big-stored",
        body=json.dumps(stored).encode(),
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert status == 200, answer[:300]
    updated = json.loads(answer)
    assert updated["data"]["key-00000"] == "changed"
    assert int(updated["metadata"]["resourceVersion"]) > int(stored["metadata"]["resourceVersion"])
    status, _, answer = server.request("GET", CM_PATH + "/big-stored")
    assert json.loads(answer) == updated
