"""The event recorder: client-go's Event shape, and repeats counted on the first Event."""

from __future__ import annotations

from controllers.controller_harness import eventually, items
from fakekapi.controllers.events import NORMAL, WARNING, EventRecorder
from fakekapi.registry.registry import Registry


async def test_events_have_kubes_shape_and_repeats_are_counted(registry: Registry) -> None:
    rec = EventRecorder(registry, "job-controller")
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "default", "uid": "u-1", "resourceVersion": "7"},
    }
    rec.event(job, NORMAL, "SuccessfulCreate", "Created pod: pi-abcde")
    rec.event(job, WARNING, "BackoffLimitExceeded", "Job has reached the specified backoff limit")
    rec.event(job, NORMAL, "SuccessfulCreate", "Created pod: pi-abcde")
    rec.event(job, NORMAL, "SuccessfulCreate", "Created pod: pi-abcde")
    await rec.flush()

    async def recorded() -> None:
        events = await items(registry, "", "v1", "events", "default")
        assert len(events) == 2
        by_reason = {e["reason"]: e for e in events}
        created = by_reason["SuccessfulCreate"]
        assert created["count"] == 3
        assert created["metadata"]["name"].startswith("pi.")
        assert created["involvedObject"] == {
            "kind": "Job",
            "namespace": "default",
            "name": "pi",
            "uid": "u-1",
            "apiVersion": "batch/v1",
            "resourceVersion": "7",
        }
        assert created["source"] == {"component": "job-controller"}
        assert created["reportingComponent"] == "job-controller"
        assert created["type"] == "Normal"
        assert by_reason["BackoffLimitExceeded"]["type"] == "Warning"
        assert by_reason["BackoffLimitExceeded"]["count"] == 1

    await eventually(recorded)
    await rec.stop()
