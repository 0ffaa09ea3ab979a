"""The admin kubeconfig's text without PyYAML is PyYAML's text: `kubeconfig_yaml` against
`yaml.safe_dump(doc, sort_keys=False)` for kubeconfigs as fakekapi builds them and for documents
it must hand to PyYAML (values PyYAML quotes, other types, layouts it does not write)."""

from __future__ import annotations

import base64
import random
from typing import Any

import pytest
import yaml

from fakekapi.datadir import kubeconfigtext
from fakekapi.datadir.kubeconfigtext import kubeconfig_yaml
from fakekapi.datadir.pki import kubeconfig_document


def _doc(server: str, user: str, namespace: str, seed: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    blob = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 900)))
    credentials = {"token": base64.b64encode(blob).decode()}
    return kubeconfig_document(server, blob, user, credentials, namespace)


@pytest.mark.parametrize(
    ("server", "user", "namespace"),
    [
        ("https://127.0.0.1:6443", "fakekapi-admin", "default"),
        ("https://localhost:50565", "system:serviceaccount:default:demo", "kube-system"),
        ("https://[::1]:6443", "demo", "default"),  # brackets: PyYAML's own text
        ("https://example.test:443", "yes", "no"),  # YAML 1.1 booleans: quoted
        ("https://example.test:443", "user#1", "ns"),
        ("https://example.test:443", "123", "null"),
        ("https://example.test:443", "a b", "c"),
        ("https://example.test:443", "", "default"),
    ],
)
def test_the_text_is_pyyamls(server: str, user: str, namespace: str) -> None:
    for seed in range(5):
        doc = _doc(server, user, namespace, seed)
        assert kubeconfig_yaml(doc) == yaml.safe_dump(doc, sort_keys=False)


def test_fakekapis_own_kubeconfigs_are_written_without_pyyaml() -> None:
    """The documents fakekapi writes at start take the module's own path (no PyYAML import)."""
    doc = _doc("https://127.0.0.1:6443", "fakekapi-admin", "default", 0)
    assert getattr(kubeconfigtext, "_mapping")(doc, "") is not None  # noqa: B009


@pytest.mark.parametrize(
    "doc",
    [
        {"a": 1, "b": True, "c": None},
        {"a": [], "b": {}},
        {"a": [{}], "b": "x"},
        {"a": [["x"]]},
        {"a": ["x", "y"]},
        {"a": {"b": {"c": [{"d": "e", "f": {"g": "h"}}, {"i": "j"}]}}},
        {"1": "x", "On": "Off", "y": "Y"},
        {"a": "x:y", "b": "x: y", "c": "-x", "d": "x-", "e": "é"},
    ],
)
def test_other_documents_are_pyyamls_too(doc: dict[str, Any]) -> None:
    assert kubeconfig_yaml(doc) == yaml.safe_dump(doc, sort_keys=False)
