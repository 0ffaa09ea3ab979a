"""The credential-sandbox commands through click's CliRunner, with no server running.

`sa create`, `token create`, `kubeconfig --serviceaccount`, `incluster`, `postman export`,
`fixtures export` and `status` over a data dir's store: outputs, idempotence, exit codes (2 for
usage errors, 1 with one line for failures), nothing half-created, next-step hints.
Running-server behaviour is in test_sandbox_running.py, subprocesses in test_sandbox_processes.py.
"""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from cli.test_sandbox_support import copy_data_dir, invoke, jwt_claims, keys, stored
from fakekapi.auth import postman
from fakekapi.auth.serviceaccount import LEGACY_ISSUER, Verifier
from fakekapi.server.settings import DEFAULT_ISSUER

SA_KEY = "/core/serviceaccounts/default/postman"
SECRET_KEY = "/core/secrets/default/postman-token"
CRB_KEY = "/rbac.authorization.k8s.io/clusterrolebindings/fakekapi:default:postman:view"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A data dir where `sa create postman --cluster-role view` ran once (no server)."""
    dd = tmp_path_factory.mktemp("template") / "d"
    result = invoke("sa", "create", "postman", "--cluster-role", "view", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    return dd, result.stdout.strip()


@pytest.fixture
def dd(template: tuple[Path, str], tmp_path: Path) -> Path:
    return copy_data_dir(template[0], tmp_path / "d")


def one_line(result: Any, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("fakekapi: "), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    return str(result.stderr)


# --- help ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("sa", "create"),
        ("token", "create"),
        ("ca", "export"),
        ("kubeconfig",),
        ("incluster",),
        ("postman", "export"),
        ("fixtures", "export"),
        ("fixtures", "check"),
        ("status",),
    ],
    ids=" ".join,
)
def test_every_command_has_help_with_an_example_and_data_dir(command: tuple[str, ...]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.stdout
    assert "--data-dir" in result.stdout
    assert "FAKEKAPI_DATA_DIR" in result.stdout


# --- sa create ----------------------------------------------------------------------------


def test_sa_create_makes_the_objects_and_prints_a_working_token(
    template: tuple[Path, str],
) -> None:
    dd, token = template
    sa = stored(dd, SA_KEY)
    secret = stored(dd, SECRET_KEY)
    crb = stored(dd, CRB_KEY)
    assert sa is not None and secret is not None and crb is not None
    assert secret["type"] == "kubernetes.io/service-account-token"
    ann = secret["metadata"]["annotations"]
    assert ann["kubernetes.io/service-account.name"] == "postman"
    assert ann["kubernetes.io/service-account.uid"] == sa["metadata"]["uid"]
    assert base64.b64decode(secret["data"]["token"]).decode() == token
    assert base64.b64decode(secret["data"]["namespace"]) == b"default"
    assert base64.b64decode(secret["data"]["ca.crt"]) == (dd / "pki" / "ca.crt").read_bytes()
    assert crb["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "view",
    }
    assert crb["subjects"] == [
        {"kind": "ServiceAccount", "name": "postman", "namespace": "default"}
    ]

    # The token is a legacy ServiceAccount token the server's verifier accepts.
    pub = serialization.load_pem_public_key((dd / "pki" / "sa.pub").read_bytes())
    verified = Verifier([pub], [DEFAULT_ISSUER], [DEFAULT_ISSUER]).verify(token)  # type: ignore[list-item]
    assert verified is not None and verified.legacy
    claims = jwt_claims(token)
    assert claims["iss"] == LEGACY_ISSUER
    assert claims["sub"] == "system:serviceaccount:default:postman"
    assert claims["kubernetes.io/serviceaccount/service-account.uid"] == sa["metadata"]["uid"]


def test_sa_create_bootstraps_a_fresh_data_dir(template: tuple[Path, str]) -> None:
    dd, _ = template
    all_keys = keys(dd)
    assert "/core/namespaces/default" in all_keys
    assert "/rbac.authorization.k8s.io/clusterroles/view" in all_keys


def test_sa_create_twice_changes_nothing_and_prints_the_same_token(
    dd: Path, template: tuple[Path, str]
) -> None:
    before = {k: stored(dd, k) for k in (SA_KEY, SECRET_KEY, CRB_KEY)}
    result = invoke("sa", "create", "postman", "--cluster-role", "view", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == template[1]
    assert "serviceaccount default/postman unchanged" in result.stderr
    assert "secret default/postman-token unchanged" in result.stderr
    assert "clusterrolebinding fakekapi:default:postman:view unchanged" in result.stderr
    assert {k: stored(dd, k) for k in before} == before


def test_sa_create_says_how_to_use_the_token(template: tuple[Path, str], tmp_path: Path) -> None:
    dd = copy_data_dir(template[0], tmp_path / "x")
    result = invoke("sa", "create", "postman", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    assert result.stdout == template[1] + "\n"
    assert f"curl --cacert {dd / 'pki' / 'ca.crt'}" in result.stderr
    assert "/api/v1/namespaces/default/pods" in result.stderr
    assert "fakekapi postman export --serviceaccount default/postman" in result.stderr


def test_sa_create_honours_fakekapi_data_dir(tmp_path: Path) -> None:
    result = invoke("sa", "create", "ci", env={"FAKEKAPI_DATA_DIR": str(tmp_path / "env")})
    assert result.exit_code == 0, result.output
    assert stored(tmp_path / "env", "/core/serviceaccounts/default/ci") is not None


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_sa_create_prints_the_objects_as_a_list(dd: Path, fmt: str) -> None:
    result = invoke(
        "sa", "create", "postman", "--cluster-role", "view", "-o", fmt, "--data-dir", dd
    )
    assert result.exit_code == 0, result.output
    listing = yaml.safe_load(result.stdout) if fmt == "yaml" else json.loads(result.stdout)
    assert listing["kind"] == "List"
    kinds = [(o["kind"], o["metadata"]["name"]) for o in listing["items"]]
    assert kinds == [
        ("ServiceAccount", "postman"),
        ("Secret", "postman-token"),
        ("ClusterRoleBinding", "fakekapi:default:postman:view"),
    ]


def test_sa_create_with_a_role_and_a_new_namespace(dd: Path) -> None:
    from cli.test_sandbox_support import in_session
    from fakekapi.registry.generic.options import WriteOptions

    result = invoke("sa", "create", "app", "-n", "team-a", "--create-namespace", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    assert "namespace team-a created" in result.stderr
    assert stored(dd, "/core/namespaces/team-a") is not None

    async def make_role(session: Any) -> None:
        role = {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "pod-reader", "namespace": "team-a"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        }
        await session.registry.create(
            session.rt("rbac.authorization.k8s.io", "roles"), "team-a", role, WriteOptions()
        )

    in_session(dd, make_role)
    result = invoke("sa", "create", "app", "-n", "team-a", "--role", "pod-reader", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    assert "serviceaccount team-a/app unchanged" in result.stderr
    assert "rolebinding team-a/fakekapi:app:pod-reader created" in result.stderr
    rb = stored(dd, "/rbac.authorization.k8s.io/rolebindings/team-a/fakekapi:app:pod-reader")
    assert rb is not None
    assert rb["roleRef"]["kind"] == "Role" and rb["roleRef"]["name"] == "pod-reader"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("Bad_Name",),
            'fakekapi: ServiceAccount "Bad_Name" is invalid: metadata.name: Invalid value: '
            '"Bad_Name": a lowercase RFC 1123 subdomain must consist of',
        ),
        (
            ("ok", "-n", "Not.A.Label", "--create-namespace"),
            'fakekapi: Namespace "Not.A.Label" is invalid: metadata.name: Invalid value: '
            '"Not.A.Label": a lowercase RFC 1123 label must consist of',
        ),
        (
            ("ok", "--cluster-role", "no-such-role"),
            'fakekapi: clusterroles.rbac.authorization.k8s.io "no-such-role" not found',
        ),
        (
            ("ok", "--role", "no-such-role"),
            'fakekapi: roles.rbac.authorization.k8s.io "no-such-role" not found in namespace '
            '"default"',
        ),
        (
            ("ok", "-n", "missing"),
            'fakekapi: namespaces "missing" not found (add --create-namespace to create it)',
        ),
        (
            ("ok", "--cluster-role", "view", "--cluster-role", "a/b"),
            'fakekapi: ClusterRole.rbac.authorization.k8s.io "a/b" is invalid: metadata.name: '
            "Invalid value: \"a/b\": may not contain '/'",
        ),
    ],
)
def test_sa_create_refuses_without_creating_anything(
    dd: Path, args: tuple[str, ...], message: str
) -> None:
    before = keys(dd)
    line = one_line(invoke("sa", "create", *args, "--data-dir", dd))
    assert line.startswith(message), line
    assert keys(dd) == before


def test_sa_create_refuses_a_secret_in_the_way(dd: Path) -> None:
    from cli.test_sandbox_support import in_session
    from fakekapi.registry.generic.options import WriteOptions

    async def make_secret(session: Any) -> None:
        secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-token"}}
        await session.registry.create(session.rt("", "secrets"), "default", secret, WriteOptions())

    in_session(dd, make_secret)
    before = keys(dd)
    line = one_line(invoke("sa", "create", "db", "--data-dir", dd))
    assert 'secret "db-token" in namespace "default" exists and is not the' in line
    assert keys(dd) == before


def test_sa_create_adds_itself_to_an_existing_binding(dd: Path) -> None:
    from cli.test_sandbox_support import in_session

    async def drop_subjects(session: Any) -> None:
        rt = session.rt("rbac.authorization.k8s.io", "clusterrolebindings")
        crb = await session.registry.get(rt, "", "fakekapi:default:postman:view")
        crb["subjects"] = [
            {"kind": "Group", "name": "auditors", "apiGroup": "rbac.authorization.k8s.io"}
        ]
        from fakekapi.registry.generic.options import WriteOptions

        await session.registry.update(rt, "", crb["metadata"]["name"], crb, WriteOptions())

    in_session(dd, drop_subjects)
    result = invoke("sa", "create", "postman", "--cluster-role", "view", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    assert "clusterrolebinding fakekapi:default:postman:view configured" in result.stderr
    crb = stored(dd, CRB_KEY)
    assert crb is not None
    assert [s["kind"] for s in crb["subjects"]] == ["Group", "ServiceAccount"]


def test_sa_create_replaces_the_secret_of_a_recreated_serviceaccount(
    dd: Path, template: tuple[Path, str]
) -> None:
    from cli.test_sandbox_support import in_session
    from fakekapi.registry.generic.options import DeleteOptions

    async def delete_sa(session: Any) -> None:
        await session.registry.delete(
            session.rt("", "serviceaccounts"), "default", "postman", DeleteOptions()
        )

    in_session(dd, delete_sa)
    result = invoke("sa", "create", "postman", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token != template[1]
    sa = stored(dd, SA_KEY)
    assert sa is not None
    assert (
        jwt_claims(token)["kubernetes.io/serviceaccount/service-account.uid"]
        == (sa["metadata"]["uid"])
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ((), "Missing argument 'NAME'"),
        (("x", "-o", "table"), "Invalid value for '-o' / '--output'"),
        (("x", "--nope"), "No such option '--nope'"),
    ],
)
def test_sa_create_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...], error: str) -> None:
    result = invoke("sa", "create", *args, "--data-dir", tmp_path)
    assert result.exit_code == 2
    assert "Usage: fakekapi sa create" in result.stderr
    assert error in result.stderr


# --- token create -------------------------------------------------------------------------


def test_token_create_issues_a_bound_token(dd: Path) -> None:
    result = invoke("token", "create", "postman", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    claims = jwt_claims(result.stdout.strip())
    assert claims["iss"] == DEFAULT_ISSUER
    assert claims["aud"] == [DEFAULT_ISSUER]
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["sub"] == "system:serviceaccount:default:postman"
    assert "Token for ServiceAccount default/postman, expires " in result.stderr


def test_token_create_options(dd: Path) -> None:
    result = invoke(
        "token",
        "create",
        "postman",
        "--duration",
        "2h",
        "--audience",
        "https://vault.example",
        "--audience",
        "other",
        "--bound-object-kind",
        "Secret",
        "--bound-object-name",
        "postman-token",
        "--data-dir",
        dd,
    )
    assert result.exit_code == 0, result.output
    claims = jwt_claims(result.stdout.strip())
    assert claims["exp"] - claims["iat"] == 7200
    assert claims["aud"] == ["https://vault.example", "other"]
    secret = stored(dd, SECRET_KEY)
    assert secret is not None
    assert claims["kubernetes.io"]["secret"] == {
        "name": "postman-token",
        "uid": secret["metadata"]["uid"],
    }


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (("--duration", "-1s"), "--duration must be greater than or equal to 0"),
        (("--duration", "1.5s"), "--duration cannot be expressed in units less than seconds"),
        (("--duration", "soon"), "invalid duration 'soon'"),
        (("--audience", ""), "--audience must not be an empty string"),
        (
            ("--bound-object-name", "x"),
            "--bound-object-name can only be set if --bound-object-kind is provided",
        ),
        (
            ("--bound-object-uid", "x"),
            "--bound-object-uid can only be set if --bound-object-kind is provided",
        ),
        (("--bound-object-kind", "Deployment"), "supported --bound-object-kind values are"),
        (
            ("--bound-object-kind", "Pod"),
            "--bound-object-name is required if --bound-object-kind is provided",
        ),
    ],
)
def test_token_create_flag_errors_are_usage_errors(
    tmp_path: Path, args: tuple[str, ...], error: str
) -> None:
    result = invoke("token", "create", "postman", *args, "--data-dir", tmp_path)
    assert result.exit_code == 2, result.output
    assert "Usage: fakekapi token create" in result.stderr
    assert error in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("nobody",),
            'fakekapi: failed to create token: serviceaccounts "nobody" not found\n',
        ),
        (
            ("postman", "--duration", "5m"),
            'fakekapi: failed to create token: TokenRequest.authentication.k8s.io "" is '
            "invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration "
            "less than 10 minutes\n",
        ),
        (
            ("postman", "--bound-object-kind", "Pod", "--bound-object-name", "nope"),
            'fakekapi: failed to create token: pods "nope" not found\n',
        ),
    ],
)
def test_token_create_failures_are_one_line(dd: Path, args: tuple[str, ...], message: str) -> None:
    result = invoke("token", "create", *args, "--data-dir", dd)
    assert one_line(result) == message


# --- kubeconfig ---------------------------------------------------------------------------


def test_kubeconfig_for_a_serviceaccount(dd: Path, template: tuple[Path, str]) -> None:
    result = invoke("kubeconfig", "--serviceaccount", "default/postman", "--data-dir", dd)
    assert result.exit_code == 0, result.output
    kc = yaml.safe_load(result.stdout)
    assert kc["users"] == [{"name": "fakekapi-default-postman", "user": {"token": template[1]}}]
    assert kc["current-context"] == "fakekapi-default-postman@fakekapi"
    assert kc["contexts"][0]["context"] == {
        "cluster": "fakekapi",
        "user": "fakekapi-default-postman",
        "namespace": "default",
    }
    ca = base64.b64decode(kc["clusters"][0]["cluster"]["certificate-authority-data"])
    assert ca == (dd / "pki" / "ca.crt").read_bytes()


def test_kubeconfig_context_name_and_admin_user(tmp_path: Path) -> None:
    result = invoke("kubeconfig", "--user", "admin", "--context", "mine", "--data-dir", tmp_path)
    assert result.exit_code == 0, result.output
    kc = yaml.safe_load(result.stdout)
    assert kc["current-context"] == "mine"
    assert kc["contexts"][0]["name"] == "mine"
    assert kc["users"][0]["user"]["client-certificate-data"]


def test_kubeconfig_merges_into_an_existing_file(dd: Path, tmp_path: Path) -> None:
    out = tmp_path / "config"
    other = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "prod", "cluster": {"server": "https://prod.example:6443"}}],
        "users": [{"name": "me", "user": {"token": "x"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "me"}}],
        "current-context": "prod",
    }
    out.write_text(yaml.safe_dump(other))
    result = invoke("kubeconfig", "--data-dir", dd, "-o", out)
    assert result.exit_code == 0, result.output
    result = invoke(
        "kubeconfig", "--serviceaccount", "default/postman", "--context", "pm", "--data-dir", dd,
        "-o", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Merged context pm (ServiceAccount default/postman at " in result.stderr
    assert f"kubectl --kubeconfig {out} --context pm get ns" in result.stderr
    kc = yaml.safe_load(out.read_text())
    assert kc["current-context"] == "prod"
    assert [c["name"] for c in kc["clusters"]] == ["prod", "fakekapi"]
    assert [u["name"] for u in kc["users"]] == ["me", "fakekapi-admin", "fakekapi-default-postman"]
    assert [c["name"] for c in kc["contexts"]] == ["prod", "fakekapi-admin@fakekapi", "pm"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    # Again: same names are replaced, not duplicated.
    assert invoke("kubeconfig", "--data-dir", dd, "-o", out).exit_code == 0
    kc = yaml.safe_load(out.read_text())
    assert len(kc["contexts"]) == 3 and len(kc["users"]) == 3


def test_kubeconfig_refuses_to_merge_into_a_non_kubeconfig(tmp_path: Path) -> None:
    out = tmp_path / "notes.yaml"
    out.write_text("- just\n- a list\n")
    line = one_line(invoke("kubeconfig", "--data-dir", tmp_path / "d", "-o", out))
    assert line == f"fakekapi: {out} exists and is not a kubeconfig; use another -o\n"
    assert out.read_text() == "- just\n- a list\n"


def test_kubeconfig_serviceaccount_errors(dd: Path) -> None:
    result = invoke(
        "kubeconfig", "--serviceaccount", "default/postman", "--user", "admin", "--data-dir", dd
    )
    assert result.exit_code == 2
    assert "--serviceaccount and --user are mutually exclusive" in result.stderr
    result = invoke("kubeconfig", "--serviceaccount", "postman", "--data-dir", dd)
    assert result.exit_code == 2
    assert "'postman' is not NAMESPACE/NAME" in result.stderr
    line = one_line(invoke("kubeconfig", "--serviceaccount", "default/ghost", "--data-dir", dd))
    assert line == (
        'fakekapi: serviceaccount "ghost" not found in namespace "default"; create it with: '
        "fakekapi sa create ghost -n default\n"
    )
    line = one_line(invoke("kubeconfig", "--serviceaccount", "default/default", "--data-dir", dd))
    assert "serviceaccount default/default has no token Secret" in line or "not found" in line


# --- incluster ----------------------------------------------------------------------------


def test_incluster_writes_the_pod_files(
    dd: Path, tmp_path: Path, template: tuple[Path, str]
) -> None:
    out = tmp_path / "sa"
    result = invoke("incluster", "default/postman", "-o", out, "--data-dir", dd)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "export KUBERNETES_SERVICE_HOST=127.0.0.1\nexport KUBERNETES_SERVICE_PORT=6443\n"
    )
    assert (out / "token").read_text() == template[1]
    assert (out / "ca.crt").read_bytes() == (dd / "pki" / "ca.crt").read_bytes()
    assert (out / "namespace").read_text() == "default"
    assert stat.S_IMODE((out / "token").stat().st_mode) == 0o600
    assert f"Wrote token, ca.crt, namespace for ServiceAccount default/postman to {out}." in (
        result.stderr
    )


def test_incluster_server_option(dd: Path, tmp_path: Path) -> None:
    result = invoke(
        "incluster", "default/postman", "-o", tmp_path / "x", "--server", "https://[::1]:7443",
        "--data-dir", dd,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        result.stdout == "export KUBERNETES_SERVICE_HOST=::1\nexport KUBERNETES_SERVICE_PORT=7443\n"
    )


def test_incluster_errors(dd: Path, tmp_path: Path) -> None:
    result = invoke("incluster", "default/postman", "--data-dir", dd)
    assert result.exit_code == 2
    assert "Missing option '-o' / '--output'" in result.stderr
    result = invoke("incluster", "default", "-o", tmp_path / "x", "--data-dir", dd)
    assert result.exit_code == 2
    line = one_line(invoke("incluster", "nope/postman", "-o", tmp_path / "x", "--data-dir", dd))
    assert 'serviceaccount "postman" not found in namespace "nope"' in line
    assert not (tmp_path / "x").exists()


# --- postman export -----------------------------------------------------------------------


def test_postman_export_writes_collection_environment_and_ca(dd: Path, tmp_path: Path) -> None:
    out = tmp_path / "pm"
    result = invoke("postman", "export", "-o", out, "--data-dir", dd)
    assert result.exit_code == 0, result.output
    collection = json.loads((out / postman.COLLECTION_FILE).read_text())
    environment = json.loads((out / postman.ENVIRONMENT_FILE).read_text())
    assert (out / "ca.crt").read_bytes() == (dd / "pki" / "ca.crt").read_bytes()
    assert collection["info"]["schema"] == postman.SCHEMA
    assert collection["auth"] == {
        "type": "bearer",
        "bearer": [{"key": "token", "value": "{{token}}", "type": "string"}],
    }
    env = {v["key"]: v["value"] for v in environment["values"]}
    assert env["baseUrl"] == "https://127.0.0.1:6443"
    assert env["namespace"] == "default"
    token = stored(dd, SECRET_KEY)
    assert token is not None
    assert env["token"] == base64.b64decode(token["data"]["token"]).decode()

    folders = [f["name"] for f in collection["item"]]
    assert folders[:2] == ["Walkthrough", "core (v1)"]
    assert {"apps (v1)", "batch (v1)", "rbac.authorization.k8s.io (v1)"} <= set(folders)

    codes = postman.expected_codes(collection)
    assert codes["Walkthrough/3. Discovery: the API groups"] == 200
    assert codes["Walkthrough/4. List pods in default"] == 200
    assert codes["Walkthrough/5. List secrets in default"] == 403
    assert codes["Walkthrough/7. List nodes (cluster scope)"] == 403
    assert codes["Walkthrough/8. Create a ConfigMap in default (dry run)"] == 403
    assert codes["Walkthrough/10. A wrong token"] == 401
    assert codes["core (v1)/List pods in {{namespace}}"] == 200
    assert codes["core (v1)/Get namespace {{namespace}}"] == 200
    assert codes["apps (v1)/List deployments in {{namespace}}"] == 200
    assert codes["rbac.authorization.k8s.io (v1)/List clusterroles"] == 403

    n, forbidden = len(codes), list(codes.values()).count(403)
    assert f"({n} requests, {forbidden} expected 403s for default/postman)" in result.stderr
    assert "Import" in result.stderr and "Settings -> Certificates -> CA certificates" in (
        result.stderr
    )
    assert f"--ssl-extra-ca-certs {out / 'ca.crt'}" in result.stderr
    assert stat.S_IMODE((out / postman.ENVIRONMENT_FILE).stat().st_mode) == 0o600


def test_postman_export_for_an_admin_serviceaccount_expects_no_403(
    dd: Path, tmp_path: Path
) -> None:
    r = invoke("sa", "create", "root", "-n", "kube-system", "--cluster-role", "cluster-admin",
               "--data-dir", dd)  # fmt: skip
    assert r.exit_code == 0, r.output
    out = tmp_path / "pm"
    result = invoke("postman", "export", "--serviceaccount", "kube-system/root", "-o", out,
                    "--data-dir", dd)  # fmt: skip
    assert result.exit_code == 0, result.output
    codes = postman.expected_codes(json.loads((out / postman.COLLECTION_FILE).read_text()))
    assert 403 not in codes.values()
    assert codes["Walkthrough/8. Create a ConfigMap in kube-system (dry run)"] == 201
    assert codes["Walkthrough/10. A wrong token"] == 401


def test_postman_export_needs_the_serviceaccount(tmp_path: Path) -> None:
    line = one_line(
        invoke("postman", "export", "-o", tmp_path / "pm", "--data-dir", tmp_path / "d")
    )
    assert line == (
        'fakekapi: serviceaccount "postman" not found in namespace "default"; create it with: '
        "fakekapi sa create postman -n default\n"
    )
    assert not (tmp_path / "pm").exists()


# --- fixtures export ----------------------------------------------------------------------


def test_fixtures_export_leaves_out_what_the_server_makes(dd: Path, tmp_path: Path) -> None:
    out = tmp_path / "fx"
    result = invoke("fixtures", "export", "-o", out, "--data-dir", dd)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "00-serviceaccounts.yaml",
        "01-secrets.yaml",
        "02-clusterrolebindings.rbac.authorization.k8s.io.yaml",
    ]
    secret = yaml.safe_load((out / "01-secrets.yaml").read_text())
    assert secret == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "postman-token",
            "namespace": "default",
            "annotations": {"kubernetes.io/service-account.name": "postman"},
        },
        "type": "kubernetes.io/service-account-token",
    }
    assert "Wrote 3 objects in 3 files to" in result.stderr
    assert f"fakekapi serve --ephemeral --fixtures {out}" in result.stderr

    check = invoke("fixtures", "check", out)
    assert check.exit_code == 0 and check.stdout == "3 documents OK\n"


def test_fixtures_export_replaces_an_earlier_export(dd: Path, tmp_path: Path) -> None:
    out = tmp_path / "fx"
    out.mkdir()
    (out / "07-stale.yaml").write_text("stale")
    (out / "README.md").write_text("kept")
    assert invoke("fixtures", "export", "-o", out, "--data-dir", dd).exit_code == 0
    assert not (out / "07-stale.yaml").exists()
    assert (out / "README.md").read_text() == "kept"


# --- status -------------------------------------------------------------------------------


def test_status_counts_objects_by_resource(dd: Path) -> None:
    result = invoke("status", "--data-dir", dd)
    assert result.exit_code == 1  # no server
    lines = result.stdout.splitlines()
    assert lines[0] == f"not running (data dir {dd})"
    counts = {line.split()[0]: int(line.split()[1]) for line in lines[2:]}
    assert counts["serviceaccounts"] == 1
    assert counts["secrets"] == 1
    assert counts["namespaces"] == 4
    assert counts["clusterrolebindings.rbac.authorization.k8s.io"] >= 1
    assert lines[1] == f"objects: {sum(counts.values())}"

    as_json = json.loads(invoke("status", "--json", "--data-dir", dd).stdout)
    assert as_json["running"] is False
    assert as_json["objects"] == counts


def test_status_creates_nothing(tmp_path: Path) -> None:
    result = invoke("status", "--data-dir", tmp_path / "d")
    assert result.exit_code == 1
    assert not (tmp_path / "d").exists()
