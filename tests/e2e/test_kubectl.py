"""Real kubectl (1.33, 1.29, 1.27) against a real server: every command of the foundation's
'Done when' list, with the output kubectl prints on a real cluster.

Each kubectl version works in its own namespace (`e2e-1NN`), so the three parametrized runs
share one server without seeing each other's objects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from e2e.clients import Kubectl, LineReader, table
from e2e.conftest import minor_of, user_kubeconfig
from fakekapi.catalog import releases
from fakekapi.testing import ServerHandle

pytestmark = pytest.mark.kubectl

CONFLICT = (
    'Operation cannot be fulfilled on configmaps "{name}": the object has been modified; '
    "please apply your changes to the latest version and try again"
)
BAD_NAME = (
    'metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of '
    "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def docs(*objects: dict[str, object]) -> str:
    """A multi-document YAML file's text."""
    return yaml.safe_dump_all(objects, sort_keys=False)


def configmap(name: str, data: dict[str, str], **labels: str) -> dict[str, object]:
    meta: dict[str, object] = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def pod(name: str, image: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": [{"name": "main", "image": image}]},
    }


@pytest.fixture(scope="module")
def ns(kubectl: Kubectl) -> str:
    """This kubectl version's namespace, made with `kubectl create namespace` (protobuf on 1.33)."""
    name = f"e2e-1{minor_of(kubectl)}"
    r = kubectl("create", "namespace", name, "-v=8")
    assert r.out == f"namespace/{name} created\n"
    if minor_of(kubectl) >= 32:  # typed-client bodies are protobuf from 1.32 on (reference §11)
        assert "Content-Type: application/vnd.kubernetes.protobuf" in r.err
    return name


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, kubectl: Kubectl) -> Path:
    return tmp_path_factory.mktemp(f"manifests-1{minor_of(kubectl)}")


def get_json(kubectl: Kubectl, *args: str) -> dict[str, object]:
    out: dict[str, object] = json.loads(kubectl("get", *args, "-o", "json").out)
    return out


# --- discovery ---------------------------------------------------------------------------


def test_version(kubectl: Kubectl) -> None:
    r = kubectl("version", "-o", "json")
    server = json.loads(r.out)["serverVersion"]
    release = releases.default()
    assert (server["major"], server["minor"]) == ("1", release.split(".")[1])
    assert server["gitVersion"] == releases.git_version(release)
    plain = kubectl("version")
    assert "Server Version: " in plain.out


# What a default kube-apiserver of the default release serves, computed from that release's
# swagger by scripts/gen_test_expectations.py (GA group-versions; betas and alphas are off).
API_VERSIONS: dict[str, list[str]] = json.loads(
    (Path(__file__).parent / "data" / "release_api_versions.json").read_text()
)["apiVersions"]
DEFAULT_API_VERSIONS = API_VERSIONS[releases.default()]


def test_api_versions(kubectl: Kubectl) -> None:
    assert kubectl("api-versions").out.splitlines() == DEFAULT_API_VERSIONS


def test_disabled_api_is_not_found(kubectl: Kubectl) -> None:
    r = kubectl("get", "--raw", "/apis/resource.k8s.io/v1beta2/resourceclaims", check=False)
    assert r.code != 0
    assert "(NotFound)" in r.err or "the server could not find the requested resource" in r.err
    r = kubectl("get", "storageversionmigrations.storagemigration.k8s.io", check=False)
    assert r.code != 0
    assert 'the server doesn\'t have a resource type "storageversionmigrations"' in r.err


def test_api_resources(kubectl: Kubectl) -> None:
    rows = table(kubectl("api-resources").out)
    assert rows[0] == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert ["configmaps", "cm", "v1", "true", "ConfigMap"] in rows
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in rows
    assert ["namespaces", "ns", "v1", "false", "Namespace"] in rows


def test_get_raw_apis(kubectl: Kubectl) -> None:
    body = json.loads(kubectl("get", "--raw", "/apis").out)
    assert (body["kind"], body["apiVersion"]) == ("APIGroupList", "v1")
    names = [g["name"] for g in body["groups"]]
    assert "apps" in names and "rbac.authorization.k8s.io" in names


def test_explain_pod_containers(kubectl: Kubectl) -> None:
    out = kubectl("explain", "pods.spec.containers").out
    assert re.search(r"^KIND:\s+Pod$", out, re.M), out
    assert re.search(r"^VERSION:\s+v1$", out, re.M), out
    assert "List of containers belonging to the pod." in out
    assert re.search(r"^\s+image\s+<string>", out, re.M), out


# --- create, apply, get ------------------------------------------------------------------


def test_create_namespace(kubectl: Kubectl, ns: str) -> None:
    rows = table(kubectl("get", "namespace", ns).out)
    assert rows[0] == ["NAME", "STATUS", "AGE"]
    assert rows[1][:2] == [ns, "Active"]


@pytest.fixture(scope="module")
def created(kubectl: Kubectl, ns: str, files: Path) -> list[str]:
    """`kubectl create -f` of a multi-document file (validation on: the default); its output.

    Later tests change these objects, so they ask for this fixture rather than rely on order.
    """
    path = files / "created.yaml"
    path.write_text(
        docs(
            configmap("created-1", {"a": "1"}, tier="web"),
            configmap("created-2", {"b": "2"}),
            pod("web", "nginx:1.27"),
        )
    )
    return kubectl("create", "-f", str(path), "-n", ns).out.splitlines()


def test_create_multi_document(created: list[str]) -> None:
    assert created == [
        "configmap/created-1 created",
        "configmap/created-2 created",
        "pod/web created",
    ]


def test_apply_multi_document_then_change(kubectl: Kubectl, ns: str, files: Path) -> None:
    path = files / "applied.yaml"
    path.write_text(
        docs(
            configmap("applied-1", {"keep": "1", "drop": "x"}, app="demo"),
            configmap("applied-2", {"k": "v"}),
        )
    )
    r = kubectl("apply", "-f", str(path), "-n", ns)
    assert r.out.splitlines() == ["configmap/applied-1 created", "configmap/applied-2 created"]
    first = get_json(kubectl, "cm", "applied-1", "-n", ns)
    annotations = first["metadata"]["annotations"]  # type: ignore[index]
    assert "kubectl.kubernetes.io/last-applied-configuration" in annotations

    path.write_text(
        docs(
            configmap("applied-1", {"keep": "2", "new": "added"}, app="demo2"),
            configmap("applied-2", {"k": "v"}),
        )
    )
    r = kubectl("apply", "-f", str(path), "-n", ns, "-v=8")
    assert r.out.splitlines() == [
        "configmap/applied-1 configured",
        "configmap/applied-2 unchanged",
    ]
    assert "application/strategic-merge-patch+json" in r.err
    after = get_json(kubectl, "cm", "applied-1", "-n", ns)
    assert after["data"] == {"keep": "2", "new": "added"}  # the three-way diff removed "drop"
    assert after["metadata"]["labels"] == {"app": "demo2"}  # type: ignore[index]
    last = json.loads(
        after["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]  # type: ignore[index]
    )
    assert last["data"] == {"keep": "2", "new": "added"}


def test_validation_is_on_by_default(kubectl: Kubectl, ns: str, files: Path) -> None:
    """kubectl asks for fieldValidation=Strict (after checking OpenAPI); the server refuses
    unknown fields with kube's strict decoding error, and only warns under --validate=warn."""
    path = files / "unknown-fields.yaml"
    path.write_text(
        docs(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "strict", "foo": "bar"},
                "data": {"a": "1"},
                "spec": {"x": 1},
            }
        )
    )
    r = kubectl("create", "-f", str(path), "-n", ns, check=False)
    assert r.code == 1
    assert r.err == (
        f'Error from server (BadRequest): error when creating "{path}": ConfigMap in version "v1" '
        'cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.foo", '
        'unknown field "spec"\n'
    )
    r = kubectl("create", "-f", str(path), "-n", ns, "--validate=warn")
    assert r.out == "configmap/strict created\n"
    assert r.err == 'Warning: unknown field "metadata.foo"\nWarning: unknown field "spec"\n'
    stored = get_json(kubectl, "cm", "strict", "-n", ns)
    assert "spec" not in stored and "foo" not in stored["metadata"]  # type: ignore[operator]


def test_get_configmap_yaml(created: list[str], kubectl: Kubectl, ns: str) -> None:
    obj = yaml.safe_load(kubectl("get", "cm", "created-1", "-n", ns, "-o", "yaml").out)
    assert (obj["apiVersion"], obj["kind"]) == ("v1", "ConfigMap")
    assert obj["data"] == {"a": "1"}
    meta = obj["metadata"]
    assert (meta["name"], meta["namespace"]) == ("created-1", ns)
    assert meta["resourceVersion"].isdigit() and meta["uid"] and meta["creationTimestamp"]


def test_get_pods_all_namespaces(created: list[str], kubectl: Kubectl, ns: str) -> None:
    # The simulated kubelet runs the pod: once Ready, the table shows it as a cluster would.
    kubectl("wait", "--for=condition=Ready", "pod/web", "-n", ns, "--timeout=30s")
    rows = table(kubectl("get", "pods", "-A").out)
    assert rows[0] == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    mine = [row for row in rows[1:] if row[0] == ns]
    assert len(mine) == 1 and mine[0][1:4] == ["web", "1/1", "Running"], rows
    assert mine[0][4] == "0"


def test_get_show_labels(created: list[str], kubectl: Kubectl, ns: str) -> None:
    rows = table(kubectl("get", "cm", "--show-labels", "-n", ns).out)
    assert rows[0] == ["NAME", "DATA", "AGE", "LABELS"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["created-1"][1] == "1"
    assert by_name["created-1"][3] == "tier=web"
    assert by_name["created-2"][3] == "<none>"
    assert "kube-root-ca.crt" in by_name  # the namespace controller's ConfigMap


# --- changes -----------------------------------------------------------------------------


def test_label_and_annotate(created: list[str], kubectl: Kubectl, ns: str) -> None:
    assert kubectl("label", "cm", "created-1", "color=blue", "-n", ns).out == (
        "configmap/created-1 labeled\n"
    )
    annotated = "annotate" if minor_of(kubectl) == 27 else "annotated"  # kubectl 1.27's own text
    assert kubectl("annotate", "cm", "created-1", "note=hello", "-n", ns).out == (
        f"configmap/created-1 {annotated}\n"
    )
    meta = get_json(kubectl, "cm", "created-1", "-n", ns)["metadata"]
    assert meta["labels"] == {"tier": "web", "color": "blue"}  # type: ignore[index]
    assert meta["annotations"] == {"note": "hello"}  # type: ignore[index]
    kubectl("label", "cm", "created-1", "color-", "-n", ns)
    meta = get_json(kubectl, "cm", "created-1", "-n", ns)["metadata"]
    assert meta["labels"] == {"tier": "web"}  # type: ignore[index]


def test_patch_merge_and_json(created: list[str], kubectl: Kubectl, ns: str) -> None:
    r = kubectl(
        "patch", "cm", "created-2", "-n", ns, "--type", "merge", "-p", '{"data":{"m":"merged"}}'
    )
    assert r.out == "configmap/created-2 patched\n"
    r = kubectl(
        "patch",
        "cm",
        "created-2",
        "-n",
        ns,
        "--type",
        "json",
        "-p",
        '[{"op":"remove","path":"/data/b"},{"op":"add","path":"/data/j","value":"json"}]',
    )
    assert r.out == "configmap/created-2 patched\n"
    assert get_json(kubectl, "cm", "created-2", "-n", ns)["data"] == {"m": "merged", "j": "json"}


def test_replace_and_stale_replace(created: list[str], kubectl: Kubectl, ns: str) -> None:
    obj = get_json(kubectl, "cm", "created-1", "-n", ns)
    obj["data"] = {"a": "replaced"}
    r = kubectl("replace", "-f", "-", stdin=json.dumps(obj))
    assert r.out == "configmap/created-1 replaced\n"
    assert get_json(kubectl, "cm", "created-1", "-n", ns)["data"] == {"a": "replaced"}

    obj["data"] = {"a": "stale"}  # still carries the resourceVersion before the replace
    r = kubectl("replace", "-f", "-", stdin=json.dumps(obj), check=False)
    assert r.code == 1
    assert r.err == (
        'Error from server (Conflict): error when replacing "STDIN": '
        + CONFLICT.format(name="created-1")
        + "\n"
    )


def test_delete(kubectl: Kubectl, ns: str) -> None:
    kubectl("create", "configmap", "doomed", "-n", ns)
    assert kubectl("delete", "cm", "doomed", "-n", ns).out == 'configmap "doomed" deleted\n'
    r = kubectl("get", "cm", "doomed", "-n", ns, check=False)
    assert r.code == 1
    assert r.err == 'Error from server (NotFound): configmaps "doomed" not found\n'


def test_watch_with_events(created: list[str], kubectl: Kubectl, ns: str) -> None:
    watch = LineReader(kubectl.popen("get", "cm", "-w", "--output-watch-events", "-n", ns))
    try:
        header = watch.expect(lambda line: line.startswith("EVENT"))
        assert header.split() == ["EVENT", "NAME", "DATA", "AGE"]
        watch.expect(lambda line: line.split()[:2] == ["ADDED", "created-1"])

        kubectl("create", "configmap", "watched", "--from-literal=k=v", "-n", ns)
        watch.expect(lambda line: line.split()[:3] == ["ADDED", "watched", "1"])
        kubectl("patch", "cm", "watched", "-n", ns, "--type", "merge", "-p", '{"data":{"x":"y"}}')
        watch.expect(lambda line: line.split()[:3] == ["MODIFIED", "watched", "2"])
        kubectl("delete", "cm", "watched", "-n", ns)
        watch.expect(lambda line: line.split()[:2] == ["DELETED", "watched"])
    finally:
        watch.close()


def test_chunked_list(kubectl: Kubectl, ns: str, files: Path) -> None:
    chunk_ns = f"{ns}-chunks"
    kubectl("create", "namespace", chunk_ns)
    path = files / "five.yaml"
    path.write_text(docs(*(configmap(f"chunk-{i}", {"i": str(i)}) for i in range(5))))
    kubectl("create", "-f", str(path), "-n", chunk_ns)

    r = kubectl("get", "cm", "--chunk-size=2", "-n", chunk_ns, "-v=6")
    names = [row[0] for row in table(r.out)[1:]]
    assert [n for n in names if n.startswith("chunk-")] == [f"chunk-{i}" for i in range(5)]
    urls = re.findall(r"https://\S+/configmaps\?[^\s\"]+", r.err)
    assert any("limit=2" in u and "continue=" not in u for u in urls), r.err
    follow = [u for u in urls if "limit=2" in u and "continue=" in u]
    assert len(follow) == 2, r.err  # 5 + kube-root-ca.crt = 6 objects: 3 pages of 2


def test_delete_namespace(kubectl: Kubectl, ns: str) -> None:
    doomed = f"{ns}-doomed"
    kubectl("create", "namespace", doomed)
    kubectl("create", "configmap", "inside", "--from-literal=a=b", "-n", doomed)
    r = kubectl("delete", "namespace", doomed, timeout=60)
    assert r.out == f'namespace "{doomed}" deleted\n'  # kubectl waited until it was gone
    r = kubectl("get", "namespace", doomed, check=False)
    assert r.err == f'Error from server (NotFound): namespaces "{doomed}" not found\n'
    r = kubectl("get", "cm", "inside", "-n", doomed, "-v=6", check=False)
    assert f"/namespaces/{doomed}/configmaps/inside" in r.err and "404 Not Found" in r.err
    # kubectl then looks the namespace up itself, and reports that instead.
    assert r.err.endswith(f'Error from server (NotFound): namespaces "{doomed}" not found\n')


# --- errors as kubectl prints them ----------------------------------------------------------


def test_error_not_found(kubectl: Kubectl, ns: str) -> None:
    r = kubectl("get", "cm", "nope", "-n", ns, check=False)
    assert r.code == 1
    assert r.err == 'Error from server (NotFound): configmaps "nope" not found\n'


def test_error_already_exists(created: list[str], kubectl: Kubectl, ns: str, files: Path) -> None:
    path = files / "dup.yaml"
    path.write_text(docs(configmap("created-1", {"a": "again"})))
    r = kubectl("create", "-f", str(path), "-n", ns, check=False)
    assert r.code == 1
    assert r.err == (
        f'Error from server (AlreadyExists): error when creating "{path}": '
        'configmaps "created-1" already exists\n'
    )


def test_error_invalid_name(kubectl: Kubectl, ns: str, files: Path) -> None:
    one = files / "bad-one.yaml"
    one.write_text(docs(configmap("Bad_Name", {})))
    r = kubectl("create", "-f", str(one), "-n", ns, check=False)
    assert r.code == 1
    # One Invalid error: kubectl prints the causes itself (cmdutil.CheckErr).
    assert r.err == f'The ConfigMap "Bad_Name" is invalid: {BAD_NAME}\n'

    two = files / "bad-two.yaml"
    two.write_text(docs(configmap("Bad_Name", {}), configmap("Bad_Name", {"b": "2"})))
    r = kubectl("create", "-f", str(two), "-n", ns, check=False)
    assert r.code == 1
    # Several errors: each is printed with the usual "Error from server (Reason)" prefix.
    line = (
        f'Error from server (Invalid): error when creating "{two}": '
        f'ConfigMap "Bad_Name" is invalid: {BAD_NAME}'
    )
    assert r.err.splitlines() == [line, line]


def test_error_forbidden_for_non_master_certificate(
    kubectl: Kubectl, e2e_server: ServerHandle, files: Path
) -> None:
    config = user_kubeconfig(e2e_server, files / "jane.kubeconfig", "jane")
    jane = Kubectl(kubectl.binary, config, kubectl.cache_dir.parent / f"{kubectl.cache_dir.name}-j")
    r = jane("get", "cm", "-n", "default", check=False)
    assert r.code == 1
    assert r.err == (
        'Error from server (Forbidden): configmaps is forbidden: User "jane" cannot list '
        'resource "configmaps" in API group "" in the namespace "default"\n'
    )
    r = jane("get", "ns", "kube-system", check=False)
    assert r.err == (
        'Error from server (Forbidden): namespaces "kube-system" is forbidden: User "jane" '
        'cannot get resource "namespaces" in API group "" in the namespace "kube-system"\n'
    )
