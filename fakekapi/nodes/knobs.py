"""The `simulate.fakekapi.dev/*` annotations: how a test tells the simulated kubelet what to do.

They sit on the Pod (or on a pod template, whence controllers copy them onto the Pod); a value
that does not parse is ignored (the default applies) rather than failing the pod, so a typo
shows as "nothing simulated" instead of a stuck workload. README.md documents them.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from fakekapi.core import gotime

PREFIX = "simulate.fakekapi.dev/"
EXIT_CODE = PREFIX + "exit-code"
RUN_FOR = PREFIX + "run-for"
READY_AFTER = PREFIX + "ready-after"
READY = PREFIX + "ready"
IMAGE_PULL = PREFIX + "image-pull"
LOGS = PREFIX + "logs"


def parse_duration(text: str) -> float | None:
    """Go's time.ParseDuration (`1.5s`, `300ms`, `1h30m`), or plain seconds; None if neither."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        try:
            nanos = gotime.parse_duration(text)
        except ValueError:
            return None
        return nanos / 1e9 if nanos >= 0 else None
    return value if value >= 0 else None


class Knobs(NamedTuple):
    """What the annotations of one pod ask for."""

    exit_code: int | None = None
    """Containers terminate with this code (None: they run until stopped, or, for pods with
    restartPolicy Never/OnFailure, exit 0 after `run_for`)."""
    run_for: float = 0.0
    """Seconds a container runs before it terminates (pods that terminate at all)."""
    ready_after: float = 0.0
    """Seconds after start before the containers report ready."""
    ready: bool = True
    """False: the containers never become ready."""
    image_pull_fails: bool = False
    logs: str = ""


def knobs_of(pod: dict[str, Any]) -> Knobs:
    annotations: Any = (pod.get("metadata") or {}).get("annotations") or {}
    if not isinstance(annotations, dict) or not any(
        isinstance(k, str) and k.startswith(PREFIX) for k in annotations
    ):
        return Knobs()
    exit_code: int | None = None
    raw = str(annotations.get(EXIT_CODE) or "").strip()
    if re.fullmatch(r"-?\d+", raw):
        exit_code = int(raw)
    return Knobs(
        exit_code=exit_code,
        run_for=parse_duration(str(annotations.get(RUN_FOR) or "")) or 0.0,
        ready_after=parse_duration(str(annotations.get(READY_AFTER) or "")) or 0.0,
        ready=str(annotations.get(READY) or "").strip().lower() != "false",
        image_pull_fails=str(annotations.get(IMAGE_PULL) or "").strip().lower() == "fail",
        logs=str(annotations.get(LOGS) or ""),
    )
