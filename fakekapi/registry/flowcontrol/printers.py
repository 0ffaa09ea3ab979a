"""`kubectl get` printers of the flowcontrol.apiserver.k8s.io kinds (FlowSchema,
PriorityLevelConfiguration), ported from printers.go."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fakekapi.core.objects import JSONDict, as_list
from fakekapi.registry.generic.printing import AGE, NAME, Printer, col
from fakekapi.registry.generic.printing.cells import age_of, as_int, as_str, get, name_of


def _flow_schema_row(fs: JSONDict, now: datetime) -> list[Any]:
    method = get(fs, "spec", "distinguisherMethod")
    dangling = "?"
    for cond in as_list(get(fs, "status", "conditions")):
        if get(cond, "type") == "Dangling":
            dangling = as_str(get(cond, "status"))
            break
    return [
        name_of(fs),
        as_str(get(fs, "spec", "priorityLevelConfiguration", "name")),
        as_int(get(fs, "spec", "matchingPrecedence")),
        as_str(get(method, "type")) if isinstance(method, dict) else "<none>",
        age_of(fs, now),
        dangling,
    ]


FLOW_SCHEMA = Printer(
    (
        NAME,
        col("PriorityLevel", "string", "flowcontrol.v1.PriorityLevelConfigurationReference.name"),
        col("MatchingPrecedence", "string", "flowcontrol.v1.FlowSchemaSpec.matchingPrecedence"),
        col("DistinguisherMethod", "string", "flowcontrol.v1.FlowSchemaSpec.distinguisherMethod"),
        AGE,
        col(
            "MissingPL", "string", "references a broken or non-existent PriorityLevelConfiguration"
        ),
    ),
    _flow_schema_row,
)


def _priority_level_row(pl: JSONDict, now: datetime) -> list[Any]:
    limited = get(pl, "spec", "limited")
    shares: Any = "<none>"
    queues: Any = "<none>"
    hand: Any = "<none>"
    length: Any = "<none>"
    if isinstance(limited, dict):
        shares = as_int(limited.get("nominalConcurrencyShares"))
        queuing = get(limited, "limitResponse", "queuing")
        if isinstance(queuing, dict):
            queues = as_int(queuing.get("queues"))
            hand = as_int(queuing.get("handSize"))
            length = as_int(queuing.get("queueLengthLimit"))
    return [
        name_of(pl),
        as_str(get(pl, "spec", "type")),
        shares,
        queues,
        hand,
        length,
        age_of(pl, now),
    ]


PRIORITY_LEVEL_CONFIGURATION = Printer(
    (
        NAME,
        col("Type", "string", "flowcontrol.v1.PriorityLevelConfigurationSpec.type"),
        col(
            "NominalConcurrencyShares",
            "string",
            "flowcontrol.v1.LimitedPriorityLevelConfiguration.nominalConcurrencyShares",
        ),
        col("Queues", "string", "flowcontrol.v1.QueuingConfiguration.queues"),
        col("HandSize", "string", "flowcontrol.v1.QueuingConfiguration.handSize"),
        col("QueueLengthLimit", "string", "flowcontrol.v1.QueuingConfiguration.queueLengthLimit"),
        AGE,
    ),
    _priority_level_row,
)


PRINTERS: dict[str, Printer] = {
    "FlowSchema": FLOW_SCHEMA,
    "PriorityLevelConfiguration": PRIORITY_LEVEL_CONFIGURATION,
}
"""Kind → printer."""
