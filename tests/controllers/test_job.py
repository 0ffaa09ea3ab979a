"""The job controller over a real registry, with the stand-in kubelet."""

from __future__ import annotations

from typing import Any

from controllers.controller_harness import EXIT_CODE, StubKubelet, create, eventually, items, rt
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.registry import Registry


def job(name: str, **spec: Any) -> dict[str, Any]:
    annotations = spec.pop("annotations", {})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "template": {
                "metadata": {"annotations": annotations},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "c", "image": "busybox"}],
                },
            },
            **spec,
        },
    }


async def get(registry: Registry, name: str) -> dict[str, Any]:
    return await registry.get(rt(registry, "batch", "v1", "jobs"), "default", name)


async def finished(registry: Registry, name: str, type_: str) -> dict[str, Any]:
    async def check() -> dict[str, Any]:
        got = await get(registry, name)
        conds = {c["type"]: c for c in got["status"].get("conditions") or []}
        assert conds[type_]["status"] == "True"
        return got

    return await eventually(check)


async def test_job_completes_with_kubes_conditions_and_counts(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, job("pi", completions=3, parallelism=2))
    done = await finished(registry, "pi", "Complete")
    status = done["status"]
    assert [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet", "Complete"]
    for c in status["conditions"]:
        assert c["reason"] == "CompletionsReached"
        assert c["message"] == "Reached expected number of succeeded pods"
    assert status["succeeded"] == 3
    assert status["completionTime"] and status["startTime"]
    assert status["uncountedTerminatedPods"] == {}
    assert status["ready"] == 0 and status["terminating"] == 0
    assert "active" not in status and "failed" not in status
    pods = await items(registry, "", "v1", "pods", "default")
    assert len(pods) == 3
    for pod in pods:
        assert pod["metadata"]["name"].startswith("pi-")
        assert not pod["metadata"].get("finalizers")
        assert pod["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        reasons = [e["reason"] for e in events if e["involvedObject"]["kind"] == "Job"]
        assert reasons.count("SuccessfulCreate") == 3
        assert reasons[-1] == "Completed"
        assert [e["message"] for e in events if e["reason"] == "Completed"] == ["Job completed"]

    await eventually(recorded)


async def test_failing_job_fails_at_the_backoff_limit(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, job("bad", backoffLimit=0, annotations={EXIT_CODE: "3"}))
    failed = await finished(registry, "bad", "Failed")
    status = failed["status"]
    assert [c["type"] for c in status["conditions"]] == ["FailureTarget", "Failed"]
    assert status["conditions"][1]["reason"] == "BackoffLimitExceeded"
    assert status["conditions"][1]["message"] == "Job has reached the specified backoff limit"
    assert status["failed"] == 1
    assert "completionTime" not in status

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        warning = [e for e in events if e["reason"] == "BackoffLimitExceeded"]
        assert warning and warning[0]["type"] == "Warning"

    await eventually(recorded)


async def test_indexed_job(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, job("ix", completions=3, parallelism=3, completionMode="Indexed"))
    done = await finished(registry, "ix", "Complete")
    assert done["status"]["completedIndexes"] == "0-2"
    pods = await items(registry, "", "v1", "pods", "default")
    indexes = sorted(
        p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in pods
    )
    assert indexes == ["0", "1", "2"]
    for pod in pods:
        ix = pod["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        assert pod["metadata"]["name"].startswith(f"ix-{ix}-")
        assert pod["spec"]["hostname"] == f"ix-{ix}"
        env = pod["spec"]["containers"][0]["env"]
        assert env[-1]["name"] == "JOB_COMPLETION_INDEX"


async def test_a_finished_job_with_a_ttl_is_deleted(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    await create(registry, job("short", ttlSecondsAfterFinished=0))

    async def gone() -> None:
        names = {
            j["metadata"]["name"] for j in await items(registry, "batch", "v1", "jobs", "default")
        }
        assert "short" not in names

    await eventually(gone)


async def test_pod_failure_policy_fails_the_job_on_a_matching_exit_code(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    policy = {
        "rules": [
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
            {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}},
        ]
    }
    await create(
        registry,
        job("fatal", backoffLimit=6, podFailurePolicy=policy, annotations={EXIT_CODE: "42"}),
    )
    failed = await finished(registry, "fatal", "Failed")
    cond = failed["status"]["conditions"][-1]
    pod = (await items(registry, "", "v1", "pods", "default"))[0]["metadata"]["name"]
    assert cond["reason"] == "PodFailurePolicy"
    assert cond["message"] == (
        f"Container c for pod default/{pod} failed with exit code 42 matching FailJob rule at "
        "index 1"
    )
    assert failed["status"]["failed"] == 1
