"""The batch group's kinds (kube `pkg/registry/batch/{job,cronjob}/strategy.go`): both keep
metadata.generation; a new Job gets its generated selector and labels (jobStrategy
PrepareForCreate → generateSelector; fakekapi.registry.defaults.job_selector)."""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import FieldError
from fakekapi.registry.admission import CREATE
from fakekapi.registry.defaults import job_selector
from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy
from fakekapi.registry.validation import validate_cronjob, validate_job
from fakekapi.store.base import Store


class JobStrategy(GenerationStrategy):
    async def before_write(
        self, store: Store, op: str, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        if op == CREATE:
            job_selector(obj)

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        return validate_job(obj)


class CronJobStrategy(GenerationStrategy):
    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        return validate_cronjob(obj)


STRATEGIES: dict[str, type[Strategy]] = {"jobs": JobStrategy, "cronjobs": CronJobStrategy}

__all__ = ["STRATEGIES"]
