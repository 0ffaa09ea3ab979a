"""Default API enablement (1.33) and --runtime-config, as kube-apiserver applies them."""

from __future__ import annotations

import pytest

from fakekapi.catalog.catalog import Catalog, default_resource_config
from fakekapi.catalog.enablement import RuntimeConfigError, parse_runtime_config

RELEASE = "1.33"
"""Pinned: the expectations are the 1.33 reference discovery documents (../shared/k8s-reference)."""


def _served(catalog: Catalog) -> list[str]:
    return [f"{g}/{v}" for g, versions in catalog.group_versions() for v in versions]


def test_defaults_serve_only_ga_versions() -> None:
    served = _served(Catalog.builtin(release=RELEASE))
    assert "resource.k8s.io/v1beta2" not in served
    assert "coordination.k8s.io/v1alpha2" not in served
    assert not [gv for gv in served if "alpha" in gv or "beta" in gv]
    config = default_resource_config(RELEASE)
    assert config.version_enabled("networking.k8s.io", "v1")
    assert not config.version_enabled("networking.k8s.io", "v1beta1")
    assert config.resource_enabled("networking.k8s.io", "v1", "ipaddresses")
    assert config.resource_enabled("", "v1", "pods")
    assert not config.resources  # 1.33 enables no beta resource individually


@pytest.mark.parametrize(
    ("values", "present", "absent"),
    [
        (["api/all=true"], ["storagemigration.k8s.io/v1alpha1", "resource.k8s.io/v1beta1"], []),
        (["api/alpha=true"], ["resource.k8s.io/v1alpha3", "coordination.k8s.io/v1alpha2"], []),
        (["api/alpha=true"], [], ["resource.k8s.io/v1beta2", "networking.k8s.io/v1beta1"]),
        (["api/beta=true"], ["resource.k8s.io/v1beta2", "storage.k8s.io/v1beta1"], []),
        (["api/beta=true"], [], ["storage.k8s.io/v1alpha1"]),
        (["resource.k8s.io/v1beta2=true"], ["resource.k8s.io/v1beta2"], []),
        (["resource.k8s.io/v1beta2"], ["resource.k8s.io/v1beta2"], ["resource.k8s.io/v1beta1"]),
        (["resource.k8s.io/v1beta2=t"], ["resource.k8s.io/v1beta2"], []),
        (["batch/v1=false"], [], ["batch/v1"]),
        (["api/all=true,batch/v1=false"], ["resource.k8s.io/v1beta2"], ["batch/v1"]),
        (["api/all=true", "batch/v1=false"], ["resource.k8s.io/v1beta2"], ["batch/v1"]),
        (["api/ga=false,apps/v1=true"], ["apps/v1"], ["batch/v1"]),
        # A group-version whose only resource is disabled is not served at all.
        (["batch/v1/jobs=false,batch/v1/cronjobs=false"], [], ["batch/v1"]),
        # Resource preferences win over version ones.
        (["api/beta=true,coordination.k8s.io/v1beta1/leasecandidates=false"], [], []),
        # Groups the server does not know are ignored by the merge (validation reports them).
        (["authentication.k8s.io/v1beta1=true"], ["authentication.k8s.io/v1"], []),
    ],
)
def test_runtime_config(values: list[str], present: list[str], absent: list[str]) -> None:
    served = _served(Catalog.builtin(values, RELEASE))
    for gv in present:
        assert gv in served
    for gv in absent:
        assert gv not in served


def test_resource_level_enablement() -> None:
    catalog = Catalog.builtin(["resource.k8s.io/v1alpha3/devicetaintrules=true"], RELEASE)
    assert [rt.plural for rt in catalog.resources("resource.k8s.io", "v1alpha3")] == [
        "devicetaintrules"
    ]
    catalog = Catalog.builtin(
        ["api/beta=true,coordination.k8s.io/v1beta1/leasecandidates=false"], RELEASE
    )
    assert not catalog.serves("coordination.k8s.io", "v1beta1")
    assert catalog.serves("resource.k8s.io", "v1beta1")


def test_preferred_version_follows_enablement() -> None:
    catalog = Catalog.builtin(["resource.k8s.io/v1beta1=true"], RELEASE)
    assert ("resource.k8s.io", ["v1beta1"]) in catalog.group_versions()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["api/all=false"], "invalid key with only api/all=false"),
        (["api/all=yes"], "invalid value api/all=yes"),
        (["api/beta=1"], "invalid value api/beta=1"),
        (["v1=false"], "runtime-config invalid key v1"),
        (["a/b/c/d=true"], "runtime-config invalid key a/b/c/d"),
        (["nope.example.com/v1=true"], "unknown api groups nope.example.com"),
        (["x.io/v1,y.io/v1"], "unknown api groups x.io,y.io"),
        (["api/v1=false"], "unknown api groups api"),
        (["apps/v2=true"], "group version apps/v2 that has not been registered"),
        (
            ["apps/v1=yes"],
            'invalid value of apps/v1: yes, err: strconv.ParseBool: parsing "yes": invalid syntax',
        ),
        (
            ["apps/v1/Deployments=false"],
            "invalid key apps/v1/Deployments: group/version/resource and resource is always "
            'lowercase plural, not "Deployments"',
        ),
    ],
)
def test_invalid_runtime_config(values: list[str], message: str) -> None:
    with pytest.raises(RuntimeConfigError) as e:
        Catalog.builtin(values, RELEASE)
    assert str(e.value) == message


def test_registered_but_unserved_versions_are_accepted() -> None:
    # The scheme knows flowcontrol v1beta3 and networking v1alpha1; 1.33 serves nothing there.
    catalog = Catalog.builtin(["flowcontrol.apiserver.k8s.io/v1beta3=true"], RELEASE)
    assert not catalog.serves("flowcontrol.apiserver.k8s.io", "v1beta3")


def test_parse_runtime_config() -> None:
    assert parse_runtime_config(["api/all=true, batch/v1 = false,,apps/v1", "api/all=false"]) == {
        "api/all": "false",
        "batch/v1": "false",
        "apps/v1": "",
    }
