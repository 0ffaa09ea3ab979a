"""The HorizontalPodAutoscaler's `kubectl get` printer, ported from printers.go
(`printHorizontalPodAutoscaler`, `formatHPAMetrics`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_dict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import age_of, as_int, as_str, get, name_of, quantity


def _hpa_v1_metrics(hpa: JSONDict) -> tuple[list[Any], list[Any]]:
    """autoscaling/v1's single CPU target, as the internal type's metric lists."""
    target = get(hpa, "spec", "targetCPUUtilizationPercentage")
    if not isinstance(target, int):
        return [], []
    spec = {
        "type": "Resource",
        "resource": {
            "name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": target},
        },
    }
    current = get(hpa, "status", "currentCPUUtilizationPercentage")
    statuses: list[Any] = []
    if isinstance(current, int):
        statuses = [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "current": {"averageUtilization": current}},
            }
        ]
    return [spec], statuses


def _metric_value(spec_src: JSONDict, status_src: Any, fmt_prefix: str) -> str:
    """One External/Object/Resource/ContainerResource target: `current/target` text."""
    target = as_dict(spec_src.get("target"))
    current = as_dict(get(status_src, "current")) if isinstance(status_src, dict) else None
    if target.get("averageValue") is not None:
        cur = "<unknown>"
        if current is not None and current.get("averageValue") is not None:
            cur = quantity(current.get("averageValue"))
        return f"{fmt_prefix}{cur}/{quantity(target.get('averageValue'))}"
    cur = "<unknown>"
    if current is not None:
        cur = quantity(current.get("value"))
    return f"{fmt_prefix}{cur}/{quantity(target.get('value'))}"


def format_hpa_metrics(specs: list[Any], statuses: list[Any]) -> str:
    """printers.go `formatHPAMetrics`: at most two targets, then `+ N more...`."""
    if not specs:
        return "<none>"
    shown: list[str] = []
    for i, spec in enumerate(specs):
        spec = as_dict(spec)
        st = as_dict(statuses[i]) if i < len(statuses) else {}
        mtype = spec.get("type")
        if mtype == "External":
            src = as_dict(spec.get("external"))
            cur = st.get("external")
            text = _metric_value(src, cur, "")
            if as_dict(src.get("target")).get("averageValue") is not None:
                text += " (avg)"
            shown.append(text)
        elif mtype == "Pods":
            src = as_dict(spec.get("pods"))
            cur_src = st.get("pods")
            cur = "<unknown>"
            if isinstance(cur_src, dict):
                cur = quantity(get(cur_src, "current", "averageValue"))
            shown.append(f"{cur}/{quantity(get(src, 'target', 'averageValue'))}")
        elif mtype == "Object":
            src = as_dict(spec.get("object"))
            text = _metric_value(src, st.get("object"), "")
            if as_dict(src.get("target")).get("averageValue") is not None:
                text += " (avg)"
            shown.append(text)
        elif mtype in ("Resource", "ContainerResource"):
            key = "resource" if mtype == "Resource" else "containerResource"
            src = as_dict(spec.get(key))
            cur_src = st.get(key)
            name = as_str(src.get("name"))
            target = as_dict(src.get("target"))
            if target.get("averageValue") is not None:
                cur = "<unknown>"
                if isinstance(cur_src, dict):
                    cur = quantity(get(cur_src, "current", "averageValue"))
                shown.append(f"{name}: {cur}/{quantity(target.get('averageValue'))}")
            else:
                cur = "<unknown>"
                util = get(cur_src, "current", "averageUtilization")
                if isinstance(util, int):
                    cur = f"{util}%"
                want = "<auto>"
                if isinstance(target.get("averageUtilization"), int):
                    want = f"{target['averageUtilization']}%"
                shown.append(f"{name}: {cur}/{want}")
        else:
            shown.append("<unknown type>")
    limit = 2
    if len(shown) > limit:
        return f"{', '.join(shown[:limit])} + {len(shown) - limit} more..."
    return ", ".join(shown)


def _hpa_row(hpa: JSONDict, now: datetime, v1: bool) -> list[Any]:
    if v1:
        specs, statuses = _hpa_v1_metrics(hpa)
    else:
        specs = as_list(get(hpa, "spec", "metrics"))
        statuses = as_list(get(hpa, "status", "currentMetrics"))
    ref = as_dict(get(hpa, "spec", "scaleTargetRef"))
    min_replicas = get(hpa, "spec", "minReplicas")
    return [
        name_of(hpa),
        f"{as_str(ref.get('kind'))}/{as_str(ref.get('name'))}",
        format_hpa_metrics(specs, statuses),
        str(min_replicas) if isinstance(min_replicas, int) else "1",
        as_int(get(hpa, "spec", "maxReplicas")),
        as_int(get(hpa, "status", "currentReplicas")),
        age_of(hpa, now),
    ]


_HPA_COLUMNS = (
    NAME,
    col("Reference", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.scaleTargetRef"),
    col("Targets", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.metrics"),
    col("MinPods", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.minReplicas"),
    col("MaxPods", "string", "autoscaling.v2.HorizontalPodAutoscalerSpec.maxReplicas"),
    col("Replicas", "string", "autoscaling.v2.HorizontalPodAutoscalerStatus.currentReplicas"),
    AGE,
)

HPA_V1 = Printer(_HPA_COLUMNS, lambda o, now: _hpa_row(o, now, v1=True))
HPA_V2 = Printer(
    _HPA_COLUMNS, lambda o, now: _hpa_row(o, now, v1=False), versions=(("v1", HPA_V1),)
)


PRINTERS: dict[str, Printer] = {"HorizontalPodAutoscaler": HPA_V2}
"""Kind → printer (autoscaling/v1 objects: HPA_V1, through HPA_V2's `versions`)."""
