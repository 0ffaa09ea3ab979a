"""kubectl 1.33 (protobuf request bodies) and kubectl 1.31 (JSON bodies) run the same typed-client
commands against one server; what they print and what ends up stored must be the same.

Each version works under its own tag (`pbv33`, `pbv31`): its namespace, and part of the names
of its cluster-scoped objects. All commands of one phase run in parallel, so the whole module
costs a few seconds; the per-command tests then only compare the recorded results.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from e2e.clients import Kubectl, Result, kubectl_path
from e2e.protobuf_compare import (
    PROTOBUF,
    Written,
    envelope_type_meta,
    json_type_meta,
    jwt_claims,
    normalise,
    printed,
    shape,
    written_bodies,
)
from fakekapi import protobuf
from fakekapi.testing import ServerHandle

pytestmark = pytest.mark.kubectl

PROTOBUF_MINOR, JSON_MINOR = 33, 31
MINORS = (PROTOBUF_MINOR, JSON_MINOR)


@dataclass(frozen=True)
class Case:
    """One command line (`{t}` is the run's tag, `{files}` the input files' folder), the kind of
    the body it sends, where the object it makes is stored, its phase (a command of a later phase
    needs objects of an earlier one) and its exit code."""

    id: str
    command: str
    sends: tuple[str, str]
    stored: str | None = None
    phase: int = 1
    exit_code: int = 0

    def argv(self, tag: str, files: Path) -> list[str]:
        return shlex.split(self.command.format(t=tag, files=files))


CORE, RBAC = "v1", "rbac.authorization.k8s.io/v1"
AUTHZ, AUTHN = "authorization.k8s.io/v1", "authentication.k8s.io/v1"
NS = "/api/v1/namespaces/{t}"
RBAC_PATH = "/apis/rbac.authorization.k8s.io/v1"
SA1 = "--as=system:serviceaccount:{t}:sa1"
CASES = (
    Case("namespace", "create namespace {t}", (CORE, "Namespace"), NS, phase=0),
    Case(
        "configmap",
        "-n {t} create configmap cm --from-literal=a=b --from-literal=empty= "
        "--from-file=blob={files}/blob.bin",
        (CORE, "ConfigMap"),
        f"{NS}/configmaps/cm",
    ),
    Case(
        "secret-generic",
        "-n {t} create secret generic sg --from-literal=user=admin "
        "--from-file=blob={files}/blob.bin --type=example.com/custom",
        (CORE, "Secret"),
        f"{NS}/secrets/sg",
    ),
    Case(
        "secret-docker-registry",
        "-n {t} create secret docker-registry sd --docker-server=registry.example.com "
        "--docker-username=u --docker-password=p --docker-email=u@example.com",
        (CORE, "Secret"),
        f"{NS}/secrets/sd",
    ),
    Case(
        "secret-tls",
        "-n {t} create secret tls st --cert={files}/tls.crt --key={files}/tls.key",
        (CORE, "Secret"),
        f"{NS}/secrets/st",
    ),
    Case(
        "serviceaccount",
        "-n {t} create serviceaccount sa1",
        (CORE, "ServiceAccount"),
        f"{NS}/serviceaccounts/sa1",
    ),
    Case(
        "deployment",
        "-n {t} create deployment web --image=nginx:1.25 --image=busybox:1.36 --replicas=2 "
        "--port=80",
        ("apps/v1", "Deployment"),
        "/apis/apps/v1/namespaces/{t}/deployments/web",
    ),
    Case(
        "role",
        "-n {t} create role pod-reader --verb=get --verb=list --resource=pods "
        "--resource=pods/log --resource=deployments.apps --resource-name=web",
        (RBAC, "Role"),
        f"{RBAC_PATH}/namespaces/{{t}}/roles/pod-reader",
    ),
    Case(
        "rolebinding",
        "-n {t} create rolebinding rb --role=pod-reader --serviceaccount={t}:sa1 --user=jane "
        "--group=devs",
        (RBAC, "RoleBinding"),
        f"{RBAC_PATH}/namespaces/{{t}}/rolebindings/rb",
    ),
    Case(
        "clusterrole",
        "create clusterrole {t}-cr --verb=get,list,watch --resource=nodes --resource=pods/status",
        (RBAC, "ClusterRole"),
        f"{RBAC_PATH}/clusterroles/{{t}}-cr",
    ),
    Case(
        "clusterrolebinding",
        "create clusterrolebinding {t}-crb --clusterrole={t}-cr --serviceaccount={t}:sa1 "
        "--group=devs",
        (RBAC, "ClusterRoleBinding"),
        f"{RBAC_PATH}/clusterrolebindings/{{t}}-crb",
    ),
    Case(
        "job",
        "-n {t} create job j --image=busybox:1.36 -- sh -c 'echo hi'",
        ("batch/v1", "Job"),
        "/apis/batch/v1/namespaces/{t}/jobs/j",
    ),
    Case(
        "cronjob",
        "-n {t} create cronjob cj --image=busybox:1.36 '--schedule=*/5 * * * *' "
        "--restart=OnFailure -- echo hi",
        ("batch/v1", "CronJob"),
        "/apis/batch/v1/namespaces/{t}/cronjobs/cj",
    ),
    Case(
        "service-clusterip",
        "-n {t} create service clusterip sc --tcp=80:8080 --tcp=443:8443",
        (CORE, "Service"),
        f"{NS}/services/sc",
    ),
    Case(
        "service-nodeport",
        "-n {t} create service nodeport sn --tcp=80:8080",
        (CORE, "Service"),
        f"{NS}/services/sn",
    ),
    Case(
        "quota",
        "-n {t} create quota q --hard=cpu=1500m,memory=1Gi,pods=10,requests.storage=2Ti "
        "--scopes=NotTerminating,NotBestEffort",
        (CORE, "ResourceQuota"),
        f"{NS}/resourcequotas/q",
    ),
    Case(
        "ingress",
        "-n {t} create ingress ing --class=nginx '--rule=foo.example.com/bar*=svc1:8080,tls=cert' "
        "--rule=/path=svc2:http --default-backend=defsvc:80 --annotation=a=b",
        ("networking.k8s.io/v1", "Ingress"),
        "/apis/networking.k8s.io/v1/namespaces/{t}/ingresses/ing",
    ),
    Case(
        "pdb",
        "-n {t} create pdb p --selector=app=web --min-available=50%",
        ("policy/v1", "PodDisruptionBudget"),
        "/apis/policy/v1/namespaces/{t}/poddisruptionbudgets/p",
    ),
    Case(
        "priorityclass",
        "create priorityclass {t}-pc --value=1000 '--description=high priority' "
        "--preemption-policy=Never",
        ("scheduling.k8s.io/v1", "PriorityClass"),
        "/apis/scheduling.k8s.io/v1/priorityclasses/{t}-pc",
    ),
    # -- phase 2: commands that read what phase 1 made; nothing of theirs is stored ----------
    Case(
        "token",
        "-n {t} create token sa1 --audience=foo --duration=20m --bound-object-kind=Secret "
        "--bound-object-name=sg",
        (AUTHN, "TokenRequest"),
        phase=2,
    ),
    Case("can-i", "-n {t} auth can-i list pods", (AUTHZ, "SelfSubjectAccessReview"), phase=2),
    Case(
        "can-i-subresource",
        f"-n {{t}} {SA1} auth can-i get pods/web --subresource=log",
        (AUTHZ, "SelfSubjectAccessReview"),
        phase=2,
    ),
    Case(
        "can-i-denied",
        f"-n {{t}} {SA1} auth can-i delete pods",
        (AUTHZ, "SelfSubjectAccessReview"),
        phase=2,
        exit_code=1,
    ),
    Case(
        "can-i-non-resource-url",
        "auth can-i get /healthz",
        (AUTHZ, "SelfSubjectAccessReview"),
        phase=2,
    ),
    Case(
        "can-i-list",
        f"-n {{t}} {SA1} auth can-i --list",
        (AUTHZ, "SelfSubjectRulesReview"),
        phase=2,
    ),
    Case("whoami", "auth whoami", (AUTHN, "SelfSubjectReview"), phase=2),
    Case("whoami-json", f"{SA1} auth whoami -o json", (AUTHN, "SelfSubjectReview"), phase=2),
)


@dataclass
class Outcome:
    """What one kubectl version's run of a case left: its result and the stored object."""

    tag: str
    result: Result
    stored: dict[str, Any] | None = None


def tag_of(minor: int) -> str:
    return f"pbv{minor}"


def _input_files(folder: Path) -> Path:
    (folder / "blob.bin").write_bytes(bytes(range(256)) + b"\xff\xfe\x00")
    ca = trustme.CA()
    leaf = ca.issue_cert("www.example.com")
    (folder / "tls.crt").write_bytes(leaf.cert_chain_pems[0].bytes())
    (folder / "tls.key").write_bytes(leaf.private_key_pem.bytes())
    return folder


def _get(server: ServerHandle, path: str) -> dict[str, Any]:
    """The stored object as JSON (a non-200 answer is recorded, for the test to show)."""
    status, _, body = server.request("GET", path, headers={"Accept": "application/json"})
    obj: dict[str, Any] = json.loads(body)
    if status != 200:
        return {"GET": path, "status": status, "answer": obj}
    return obj


@pytest.fixture(scope="module")
def outcomes(
    e2e_server: ServerHandle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[tuple[str, int], Outcome]]:
    """Every case run by both versions (phase by phase, in parallel), with the stored objects."""
    clients = {
        m: Kubectl(
            kubectl_path(m), e2e_server.kubeconfig_path, tmp_path_factory.mktemp(f"pb-cache-1{m}")
        )
        for m in MINORS
    }
    files = _input_files(tmp_path_factory.mktemp("pb-files"))
    # Warm each discovery cache once, so the parallel commands do not all fetch it.
    for k in clients.values():
        k("api-resources", "-o", "name")
    found: dict[tuple[str, int], Outcome] = {}
    with ThreadPoolExecutor(max_workers=16) as pool:
        for phase in (0, 1, 2):
            jobs = {
                (case.id, m): pool.submit(
                    clients[m], "-v=8", *case.argv(tag_of(m), files), check=False
                )
                for case in CASES
                if case.phase == phase
                for m in MINORS
            }
            for key, job in jobs.items():
                found[key] = Outcome(tag_of(key[1]), job.result())
        stored = {
            (case.id, m): pool.submit(_get, e2e_server, case.stored.format(t=tag_of(m)))
            for case in CASES
            if case.stored
            for m in MINORS
            if found[(case.id, m)].result.code == 0
        }
        for key, fetch in stored.items():
            found[key].stored = fetch.result()
    yield found


def _the_write(outcome: Outcome) -> Written:
    writes = written_bodies(outcome.result.err)
    assert len(writes) == 1, f"{outcome.tag}: not one request body in the -v=8 log: {writes}"
    return writes[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_same_command_same_result(case: Case, outcomes: dict[tuple[str, int], Outcome]) -> None:
    pb, js = outcomes[(case.id, PROTOBUF_MINOR)], outcomes[(case.id, JSON_MINOR)]
    for o in (pb, js):
        assert o.result.code == case.exit_code, f"{o.tag}: {o.result.out}{o.result.err[-2000:]}"

    # What went over the wire: protobuf from 1.33, JSON from 1.31, both of the expected kind.
    sent = _the_write(pb)
    assert sent.content_type == PROTOBUF
    assert envelope_type_meta(sent.body) == case.sends
    if sent.complete:
        api_version, kind, _ = protobuf.decode(sent.body)
        assert (api_version, kind) == case.sends
    sent = _the_write(js)
    assert sent.content_type == "application/json"
    assert json_type_meta(sent.body) == case.sends

    if case.id != "token":
        assert printed(pb.result.out, pb.tag) == printed(js.result.out, js.tag)
    if case.stored:
        assert pb.stored is not None and js.stored is not None
        for o in (pb, js):
            assert o.stored and (o.stored.get("apiVersion"), o.stored.get("kind")) == case.sends, (
                o.stored
            )
        assert normalise(pb.stored, pb.tag) == normalise(js.stored, js.tag)


def test_tokens_verify_with_the_same_claims(
    e2e_server: ServerHandle, outcomes: dict[tuple[str, int], Outcome]
) -> None:
    claims = {}
    for m in MINORS:
        o = outcomes[("token", m)]
        token = o.result.out.strip()
        review = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "spec": {"token": token, "audiences": ["foo"]},
        }
        status, _, body = e2e_server.request(
            "POST",
            "/apis/authentication.k8s.io/v1/tokenreviews",
            body=json.dumps(review).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert status == 201, body
        verdict = json.loads(body)["status"]
        assert verdict["authenticated"] is True, verdict
        assert verdict["user"]["username"] == f"system:serviceaccount:{o.tag}:sa1"
        assert verdict["audiences"] == ["foo"]
        c = jwt_claims(token)
        assert c["exp"] - c["iat"] == 1200
        assert c["aud"] == ["foo"]
        assert c["kubernetes.io"]["secret"]["name"] == "sg"
        claims[m] = c
    assert shape(claims[PROTOBUF_MINOR]) == shape(claims[JSON_MINOR])
