"""`fakekapi fixtures check` judges exactly as `serve --fixtures` does (issue 9).

Each bad document of the table is refused by both with the same `fakekapi: FILE:LINE: message`
line (kube's message: the check runs the server's own start-up over an in-memory store), and a
folder of them is reported in full, every bad document of every file, before exit 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fakekapi import cli


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli.cli, [str(a) for a in args])


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
{spec}  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: web
        image: nginx
"""

# (file name, content, line of the bad document, what the message must say)
BAD: list[tuple[str, str, int, str]] = [
    (
        "bad-name.yaml",
        CONFIGMAP.format(name="Bad_Name"),
        1,
        'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
        "a lowercase RFC 1123 subdomain",
    ),
    (
        "data-number.yaml",
        CONFIGMAP.format(name="port") + "data:\n  port: 8080\n",
        1,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
        "number into Go struct field ConfigMap.data of type string",
    ),
    (
        "secret-not-base64.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: not base64!\n",
        1,
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    ),
    (
        "unknown-field.yaml",
        CONFIGMAP.format(name="unknown-field") + "  labelz: {a: b}\n",
        1,
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "metadata.labelz"',
    ),
    ("no-kind.yaml", "apiVersion: v1\nmetadata:\n  name: nokind\n", 1, "kind not set"),
    (
        "unknown-kind.yaml",
        "apiVersion: v1\nkind: ConfigMapp\nmetadata:\n  name: x\n",
        1,
        'no matches for kind "ConfigMapp" in version "v1"',
    ),
    (
        "deployment-no-selector.yaml",
        DEPLOYMENT.format(spec=""),
        1,
        'Deployment.apps "web" is invalid: [spec.selector: Required value',
    ),
    (
        "deployment-replicas-string.yaml",
        DEPLOYMENT.format(spec="  replicas: three\n  selector:\n    matchLabels: {app: web}\n"),
        1,
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "string into Go struct field DeploymentSpec.spec.replicas of type int32",
    ),
    (
        "service-port.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  ports:\n  - port: 70000\n",
        1,
        'Service "svc" is invalid: spec.ports[0].port: Invalid value: 70000: '
        "must be between 1 and 65535, inclusive",
    ),
    (
        "missing-namespace.yaml",
        CONFIGMAP.format(name="lost") + "  namespace: nowhere\n",
        1,
        'namespaces "nowhere" not found',
    ),
    (
        "label-value.yaml",
        CONFIGMAP.format(name="labelled") + '  labels:\n    app: "a b"\n',
        1,
        'ConfigMap "labelled" is invalid: metadata.labels: Invalid value: "a b"',
    ),
    (
        "pod-no-containers.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: empty\nspec:\n  containers: []\n",
        1,
        'Pod "empty" is invalid: spec.containers: Required value',
    ),
    (
        "clusterrolebinding-foreign-roleref.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
        "  name: foreign\nroleRef:\n  apiGroup: example.com\n  kind: ClusterRole\n"
        "  name: cluster-admin\nsubjects:\n- kind: User\n  name: jane\n"
        "  apiGroup: rbac.authorization.k8s.io\n",
        1,
        'roleRef.apiGroup: Unsupported value: "example.com"',
    ),
    (
        "second-document.yaml",
        CONFIGMAP.format(name="fine") + "---\n" + CONFIGMAP.format(name="flag") + "data:\n"
        "  enabled: true\n",
        6,
        "json: cannot unmarshal bool into Go struct field ConfigMap.data of type string",
    ),
    (
        "yaml-syntax.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n",
        4,
        "error parsing YAML:",
    ),
]


def write_table(folder: Path) -> list[Path]:
    folder.mkdir()
    files = []
    for i, (name, text, _, _) in enumerate(BAD):
        file = folder / f"{i:02}-{name}"
        file.write_text(text)
        files.append(file)
    (folder / "99-good.yaml").write_text(CONFIGMAP.format(name="good"))
    return files


def test_the_table_is_large_enough() -> None:
    assert len(BAD) >= 10


def test_check_reports_every_bad_document_of_every_file(tmp_path: Path) -> None:
    files = write_table(tmp_path / "fixtures")
    result = invoke("fixtures", "check", tmp_path / "fixtures")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(BAD), result.stderr
    for line, file, (_, _, at, message) in zip(lines, files, BAD, strict=True):
        assert line.startswith(f"fakekapi: {file}:{at}: "), line
        assert message in line, line


def test_check_passes_good_documents(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(CONFIGMAP.format(name="a") + "---\n" + CONFIGMAP.format(name="b"))
    result = invoke("fixtures", "check", good)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "2 documents OK\n", "")


@pytest.mark.parametrize(("name", "text", "line", "message"), BAD, ids=[b[0] for b in BAD])
def test_serve_refuses_with_the_line_check_prints(
    tmp_path: Path, name: str, text: str, line: int, message: str
) -> None:
    file = tmp_path / name
    file.write_text(text)
    checked = invoke("fixtures", "check", file)
    assert checked.exit_code == 2
    assert checked.stderr.startswith(f"fakekapi: {file}:{line}: ")
    assert message in checked.stderr
    served = invoke("serve", "--ephemeral", "--port", "0", "--fixtures", file)
    assert served.exit_code == 2, served.output
    assert served.stderr == checked.stderr
