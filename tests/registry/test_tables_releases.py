"""Table columns follow the emulated release's printers.go where they changed between 1.29 and
1.36 (Job Status and CronJob Timezone from 1.30, PriorityClass PreemptionPolicy from 1.32,
ResourceQuota's Age moved in 1.33, ServiceAccount Secrets gone in 1.35), and resource.k8s.io's
printers (1.31 on)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakekapi.catalog import releases
from fakekapi.catalog.catalog import Catalog
from fakekapi.catalog.types import ResourceType
from fakekapi.registry.generic.printing import resolve
from fakekapi.registry.generic.printing.descriptions import DOCS, RELEASE_DOCS
from fakekapi.registry.generic.tables import to_table
from fakekapi.registry.strategies import printers, table_printer

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
CREATED = (NOW - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")


def rt(group: str, plural: str, kind: str) -> ResourceType:
    return ResourceType(group, "v1", plural, kind, kind.lower(), True, ("get", "list"))


def table(r: ResourceType, release: str, *objects: dict[str, Any]) -> dict[str, Any]:
    printer = table_printer(r, release)
    return to_table(r, list(objects), printer=printer, resource_version="1", now=NOW)


def names(r: ResourceType, release: str) -> list[str]:
    return [c["name"] for c in table(r, release)["columnDefinitions"]]


def obj(name: str, **fields: Any) -> dict[str, Any]:
    md = {"name": name, "namespace": "default", "creationTimestamp": CREATED}
    return {"metadata": md, **fields}


# (release, columns) as printers.go of that release declares them.
WIDE = ["Containers", "Images", "Selector"]
CRON = ["Suspend", "Active", "Last Schedule", "Age"]
JOB = rt("batch", "jobs", "Job")
CRON_JOB = rt("batch", "cronjobs", "CronJob")
PRIORITY_CLASS = rt("scheduling.k8s.io", "priorityclasses", "PriorityClass")
QUOTA = rt("", "resourcequotas", "ResourceQuota")
SERVICE_ACCOUNT = rt("", "serviceaccounts", "ServiceAccount")


@pytest.mark.parametrize(
    ("r", "release", "columns"),
    [
        (JOB, "1.29", ["Name", "Completions", "Duration", "Age", *WIDE]),
        (JOB, "1.30", ["Name", "Status", "Completions", "Duration", "Age", *WIDE]),
        (CRON_JOB, "1.29", ["Name", "Schedule", *CRON, *WIDE]),
        (CRON_JOB, "1.36", ["Name", "Schedule", "Timezone", *CRON, *WIDE]),
        (PRIORITY_CLASS, "1.31", ["Name", "Value", "Global-Default", "Age"]),
        (PRIORITY_CLASS, "1.32", ["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"]),
        (QUOTA, "1.32", ["Name", "Age", "Request", "Limit"]),
        (QUOTA, "1.33", ["Name", "Request", "Limit", "Age"]),
        (SERVICE_ACCOUNT, "1.34", ["Name", "Secrets", "Age"]),
        (SERVICE_ACCOUNT, "1.35", ["Name", "Age"]),
        (SERVICE_ACCOUNT, "1.36", ["Name", "Age"]),
    ],
)  # fmt: skip
def test_columns_per_release(r: ResourceType, release: str, columns: list[str]) -> None:
    assert names(r, release) == columns


def test_cells_follow_their_columns() -> None:
    quota = obj(
        "q", spec={"hard": {"pods": "10"}}, status={"hard": {"pods": "10"}, "used": {"pods": "1"}}
    )
    row_1_32 = table(QUOTA, "1.32", quota)["rows"][0]["cells"]
    row_1_33 = table(QUOTA, "1.33", quota)["rows"][0]["cells"]
    assert row_1_33 == ["q", "pods: 1/10", "", "2d"]
    assert row_1_32 == ["q", "2d", "pods: 1/10", ""]
    sa = obj("default", secrets=[{"name": "token"}])
    assert table(SERVICE_ACCOUNT, "1.34", sa)["rows"][0]["cells"] == ["default", 1, "2d"]
    assert table(SERVICE_ACCOUNT, "1.36", sa)["rows"][0]["cells"] == ["default", "2d"]


CLAIM = rt("resource.k8s.io", "resourceclaims", "ResourceClaim")
SLICE = rt("resource.k8s.io", "resourceslices", "ResourceSlice")


@pytest.mark.parametrize(
    ("status", "deleting", "state"),
    [
        ({}, False, "pending"),
        ({}, True, "deleted"),
        ({"allocation": {}}, False, "allocated"),
        ({"allocation": {}, "reservedFor": [{"name": "p"}]}, False, "allocated,reserved"),
        ({"allocation": {}}, True, "deleted,allocated"),
    ],
)  # fmt: skip
def test_resource_claim_state(status: dict[str, Any], deleting: bool, state: str) -> None:
    """printers.go resourceClaimState."""
    claim = obj("c", spec={}, status=status)
    if deleting:
        claim["metadata"]["deletionTimestamp"] = CREATED
    t = table(CLAIM, "1.36", claim)
    assert [c["name"] for c in t["columnDefinitions"]] == ["Name", "State", "Age"]
    assert t["rows"][0]["cells"] == ["c", state, "2d"]


def test_resource_slice_columns_and_the_reworded_driver_doc() -> None:
    s = obj("s", spec={"nodeName": "node-1", "driver": "gpu.example.com", "pool": {"name": "p"}})
    for release in ("1.34", "1.36"):
        t = table(SLICE, release, s)
        assert [c["name"] for c in t["columnDefinitions"]] == [
            "Name",
            "Node",
            "Driver",
            "Pool",
            "Age",
        ]
        assert t["rows"][0]["cells"] == ["s", "node-1", "gpu.example.com", "p", "2d"]
    driver = {r: table(SLICE, r)["columnDefinitions"][2]["description"] for r in ("1.34", "1.35")}
    assert driver["1.34"] == DOCS["resource.v1beta2.ResourceSliceSpec.driver"]
    assert driver["1.35"] == DOCS["resource.v1.ResourceSliceSpec.driver"] != driver["1.34"]


def test_classic_dra_releases_use_the_generic_columns() -> None:
    """1.29 and 1.30 served the classic DRA API (v1alpha2), whose printers this package lacks."""
    assert names(CLAIM, "1.30") == ["Name", "Created At"]


def test_every_release_builds_every_printer() -> None:
    for release in releases.supported():
        for r in (JOB, CRON_JOB, PRIORITY_CLASS, QUOTA, SERVICE_ACCOUNT, CLAIM, SLICE):
            t = table(r, release, obj("x", spec={}, status={}))
            assert len(t["rows"][0]["cells"]) == len(t["columnDefinitions"])


NETWORK_POLICY = rt("networking.k8s.io", "networkpolicies", "NetworkPolicy")


def test_column_descriptions_are_the_release_s_own_doc_strings() -> None:
    """NetworkPolicySpec.podSelector's doc was reworded in 1.34: 1.33 and 1.34 describe the
    Pod-Selector column each with its own text (RELEASE_DOCS, from each release's OpenAPI)."""
    key = "networking.v1.NetworkPolicySpec.podSelector"

    def described(release: str) -> str:
        cols = table(NETWORK_POLICY, release)["columnDefinitions"]
        return str(next(c["description"] for c in cols if c["name"] == "Pod-Selector"))

    assert described("1.33") == DOCS[key]
    assert described("1.34") == RELEASE_DOCS["1.34"][key] != DOCS[key]


def test_every_reworded_doc_reaches_its_columns() -> None:
    checked = 0
    for release, reworded in RELEASE_DOCS.items():
        every = ((g, k, p) for g, kinds in printers().items() for k, p in kinds.items())
        for group, kind, printer in every:
            served = resolve(printer, "v1", release)
            if served is None:
                continue
            by_name = {c.name: c.description for c in served.columns}
            for c in printer.columns:
                keys = [k for k in reworded if DOCS[k] == c.description]
                own = (group, kind) == ("resource.k8s.io", "ResourceSlice")  # a variant's text
                if keys and c.name in by_name and not own:
                    assert by_name[c.name] == reworded[keys[0]], (release, kind, c.name)
                    checked += 1
    assert checked >= 20


def test_every_printer_is_keyed_by_a_kind_its_group_serves() -> None:
    """The strategy table finds a printer by (group, kind): a kind misspelt or filed under the
    wrong group package would silently print the generic columns."""
    served: set[tuple[str, str]] = set()
    for release in releases.supported():
        catalog = Catalog.builtin(("api/all=true",), release=release)
        served |= {(t.group, t.kind) for t in catalog.all()}
    keys = [(group, kind) for group, kinds in printers().items() for kind in kinds]
    assert [key for key in keys if key not in served] == []
    assert len(keys) == 52  # none lost in a move: one per kind printers.go prints
