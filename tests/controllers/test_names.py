"""`--controllers`: kube-controller-manager's names, aliases and IsControllerEnabled rules."""

from __future__ import annotations

import pytest

from fakekapi.controllers.names import (
    ALL,
    KNOWN,
    ControllersFlagError,
    canonical,
    parse,
)


@pytest.mark.parametrize(
    ("flag", "name", "enabled"),
    [
        (["*"], "deployment-controller", True),
        (["*"], "bootstrap-signer-controller", False),  # off by default
        (["*,bootstrapsigner"], "bootstrap-signer-controller", True),  # named: on
        (["bootstrapsigner,*"], "bootstrap-signer-controller", True),
        (["*,-deployment"], "deployment-controller", False),
        (["*,-deployment"], "replicaset-controller", True),
        (["namespace,serviceaccount-token"], "namespace-controller", True),
        (["namespace,serviceaccount-token"], "serviceaccount-token-controller", True),
        (["namespace,serviceaccount-token"], "replicaset-controller", False),
        (["namespace", "job"], "job-controller", True),  # repeated flag
        (["deployment-controller"], "deployment", True),  # alias asked, canonical given
        (["-job,*"], "job-controller", False),  # the first entry naming it decides
        (["job,-job"], "job-controller", True),
        ([], "namespace-controller", False),
        (["*"], "root-ca-cert-publisher", True),
    ],
)
def test_enabled(flag: list[str], name: str, enabled: bool) -> None:
    assert parse(flag).enabled(name) is enabled


def test_aliases_resolve_to_canonical_names() -> None:
    assert canonical("garbagecollector") == "garbage-collector-controller"
    assert canonical("persistentvolume-binder") == "persistentvolume-binder-controller"
    assert canonical("endpoint") == "endpoints-controller"
    assert canonical("nope") is None
    assert all(canonical(name) == name for name in KNOWN)


@pytest.mark.parametrize("value", ["deploymnt", "-nope", "*,foo"])
def test_unknown_names_are_refused_as_kube_does(value: str) -> None:
    bare = value.split(",")[-1].lstrip("-")
    with pytest.raises(ControllersFlagError) as e:
        parse([value])
    assert str(e.value) == f'"{bare}" is not in the list of known controllers'


def test_default_is_star() -> None:
    assert ALL.entries == ("*",)
    assert parse(["", " * "]).entries == ("*",)


def test_every_descriptor_is_a_known_controller() -> None:
    from fakekapi.controllers.descriptors import DESCRIPTORS

    names = [d.name for d in DESCRIPTORS]
    assert [n for n in names if n not in KNOWN] == []
    assert len(set(names)) == len(names)
