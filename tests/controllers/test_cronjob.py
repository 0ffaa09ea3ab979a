"""The cronjob controller: schedules, the jobs it starts, history and concurrency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from controllers.controller_harness import StubKubelet, create, eventually, items, rt
from fakekapi.controllers.cronjob import ScheduleError, next_after, parse_schedule, rfc3339
from fakekapi.controllers.manager import ControllerManager
from fakekapi.registry.generic.options import WriteOptions
from fakekapi.registry.registry import Registry


@pytest.mark.parametrize(
    ("schedule", "after", "expected"),
    [
        ("*/5 * * * *", "2026-01-01T10:01:00+00:00", "2026-01-01T10:05:00+00:00"),
        ("@hourly", "2026-01-01T10:01:00+00:00", "2026-01-01T11:00:00+00:00"),
        ("0 0 * * 0", "2026-01-01T10:00:00+00:00", "2026-01-04T00:00:00+00:00"),
    ],
)
def test_schedules(schedule: str, after: str, expected: str) -> None:
    expr = parse_schedule(schedule)
    assert next_after(expr, datetime.fromisoformat(after)).isoformat() == expected


def test_time_zones_and_bad_schedules() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    t = next_after(parse_schedule("0 9 * * *"), datetime(2026, 1, 1, 10, tzinfo=berlin))
    assert rfc3339(t) == "2026-01-02T09:00:00+01:00"
    assert rfc3339(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00Z"
    with pytest.raises(ScheduleError, match="expected exactly 5 fields, found 2"):
        parse_schedule("* *")
    with pytest.raises(ScheduleError):
        parse_schedule("@fortnightly")


def cronjob(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "schedule": "*/1 * * * *",
            "jobTemplate": {
                "metadata": {"labels": {"from": name}},
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "busybox"}],
                        }
                    }
                },
            },
            **spec,
        },
    }


async def test_a_missed_schedule_starts_a_job_which_completes(
    registry: Registry, manager: ControllerManager, kubelet: StubKubelet
) -> None:
    cj_rt = rt(registry, "batch", "v1", "cronjobs")
    cj = await create(registry, cronjob("tick"))
    # As if the last run was three minutes ago: the latest missed minute is due now.
    past = (datetime.now(UTC) - timedelta(minutes=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cj["status"] = {"lastScheduleTime": past}
    await registry.update(cj_rt, "default", "tick", cj, WriteOptions(), subresource="status")

    async def job_done() -> dict[str, Any]:
        jobs = await items(registry, "batch", "v1", "jobs", "default")
        assert len(jobs) == 1
        job = jobs[0]
        assert {c["type"] for c in job["status"]["conditions"]} >= {"Complete"}
        return job

    job = await eventually(job_done)
    minutes = int(job["metadata"]["name"].rsplit("-", 1)[1])
    scheduled = datetime.fromtimestamp(minutes * 60, UTC)
    assert scheduled <= datetime.now(UTC)
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == (
        scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert job["metadata"]["labels"]["from"] == "tick"
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"

    async def recorded() -> dict[str, Any]:
        got = await registry.get(cj_rt, "default", "tick")
        assert "active" not in got["status"]
        assert got["status"]["lastScheduleTime"] == scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert got["status"]["lastSuccessfulTime"]
        events = await items(registry, "", "v1", "events", "default")
        reasons = [e["reason"] for e in events if e["involvedObject"]["kind"] == "CronJob"]
        assert reasons[:1] == ["SuccessfulCreate"] and "SawCompletedJob" in reasons
        return got

    await eventually(recorded)
