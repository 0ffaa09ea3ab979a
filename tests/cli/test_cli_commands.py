"""Every command through click's CliRunner: options, outputs, exit codes, next-step hints.

Commands that need a listening server are covered in test_cli_processes.py; `serve` is tested
here only up to the Settings it builds and the input errors it reports before starting.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from cryptography import x509

import fakekapi
from fakekapi import cli
from fakekapi.datadir import serverinfo
from fakekapi.server import run
from fakekapi.server.settings import DEFAULT_ISSUER, Settings

REPO = Path(__file__).resolve().parents[2]
WALKTHROUGH = REPO / "fixtures" / "postman-walkthrough"


def invoke(*args: str | Path, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli.cli, [str(a) for a in args], env=env, auto_envvar_prefix="FAKEKAPI"
    )


def fake_server_json(data_dir: Path, url: str, pid: int) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    info = serverinfo.ServerInfo(url, pid, data_dir, data_dir / "pki" / "ca.crt", data_dir / "x")
    (data_dir / "server.json").write_text(json.dumps(info.to_json()))


def dead_pid() -> int:
    pid = 999_999
    while serverinfo.pid_alive(pid):
        pid -= 1
    return pid


# --- root ---------------------------------------------------------------------------------


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"fakekapi, version {fakekapi.__version__}\n"


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("serve", "ca", "kubeconfig", "fixtures", "status"):
        assert command in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = invoke("nope")
    assert result.exit_code == 2
    assert "Usage: fakekapi" in result.stderr
    assert "No such command 'nope'" in result.stderr


# --- ca export ----------------------------------------------------------------------------


def test_ca_export_prints_pem_and_creates_the_pki(tmp_path: Path) -> None:
    data_dir = tmp_path / "d"
    result = invoke("ca", "export", "--data-dir", data_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout == (data_dir / "pki" / "ca.crt").read_text()
    assert result.stdout.startswith("-----BEGIN CERTIFICATE-----\n")


def test_ca_export_to_a_file_says_what_next(tmp_path: Path) -> None:
    out = tmp_path / "ca.crt"
    result = invoke("ca", "export", "--data-dir", tmp_path / "d", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    x509.load_pem_x509_certificate(out.read_bytes())
    assert f"Wrote the cluster CA certificate to {out}." in result.stderr
    assert f"curl --cacert {out} https://127.0.0.1:6443/version" in result.stderr
    assert "Postman" in result.stderr


def test_ca_export_der(tmp_path: Path) -> None:
    out = tmp_path / "ca.der"
    result = invoke("ca", "export", "--data-dir", tmp_path / "d", "--format", "der", "-o", out)
    assert result.exit_code == 0, result.output
    pem = (tmp_path / "d" / "pki" / "ca.crt").read_bytes()
    assert x509.load_der_x509_certificate(out.read_bytes()) == x509.load_pem_x509_certificate(pem)
    assert "curl --cacert" not in result.stderr, "curl reads PEM only"
    assert "fakekapi ca export -o ca.crt" in result.stderr


def test_ca_export_bad_format_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("ca", "export", "--data-dir", tmp_path, "--format", "p12")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


def test_ca_export_uses_fakekapi_data_dir(tmp_path: Path) -> None:
    result = invoke("ca", "export", env={"FAKEKAPI_DATA_DIR": str(tmp_path / "env")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env" / "pki" / "ca.crt").read_text() == result.stdout


def test_default_data_dir_is_under_xdg_data_home(tmp_path: Path) -> None:
    result = invoke("ca", "export", env={"XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "xdg" / "fakekapi" / "pki" / "ca.crt").is_file()
    assert stat.S_IMODE((tmp_path / "xdg" / "fakekapi").stat().st_mode) == 0o700


def test_unwritable_output_is_one_line_exit_1(tmp_path: Path) -> None:
    result = invoke("ca", "export", "--data-dir", tmp_path / "d", "-o", tmp_path / "no" / "ca.crt")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"fakekapi: cannot write {tmp_path / 'no' / 'ca.crt'}: ")
    assert result.stderr.count("\n") == 1


# --- kubeconfig ---------------------------------------------------------------------------


def test_kubeconfig_defaults_to_the_standard_url(tmp_path: Path) -> None:
    result = invoke("kubeconfig", "--data-dir", tmp_path)
    assert result.exit_code == 0, result.output
    kc = yaml.safe_load(result.stdout)
    assert kc["kind"] == "Config"
    assert kc["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"
    assert kc["users"][0]["user"]["client-key-data"]


def test_kubeconfig_uses_the_running_servers_url(tmp_path: Path) -> None:
    fake_server_json(tmp_path, "https://127.0.0.1:40001", os.getpid())
    result = invoke("kubeconfig", "--data-dir", tmp_path)
    assert yaml.safe_load(result.stdout)["clusters"][0]["cluster"]["server"] == (
        "https://127.0.0.1:40001"
    )


def test_kubeconfig_ignores_a_stale_server_json(tmp_path: Path) -> None:
    fake_server_json(tmp_path, "https://127.0.0.1:40001", dead_pid())
    result = invoke("kubeconfig", "--data-dir", tmp_path)
    assert yaml.safe_load(result.stdout)["clusters"][0]["cluster"]["server"] == (
        "https://127.0.0.1:6443"
    )


def test_kubeconfig_server_option_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "kc.yaml"
    result = invoke(
        "kubeconfig", "--data-dir", tmp_path / "d", "--server", "https://k.example:8443", "-o", out
    )
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    kc = yaml.safe_load(out.read_text())
    assert kc["clusters"][0]["cluster"]["server"] == "https://k.example:8443"
    assert f"kubectl --kubeconfig {out} get ns" in result.stderr
    assert f"export KUBECONFIG={out}" in result.stderr


def test_kubeconfig_refuses_plain_http(tmp_path: Path) -> None:
    result = invoke("kubeconfig", "--data-dir", tmp_path, "--server", "http://127.0.0.1:6443")
    assert result.exit_code == 2
    assert result.stderr.startswith("fakekapi: --server 'http://127.0.0.1:6443': must be")


def test_kubeconfig_does_not_touch_the_serving_cert(tmp_path: Path) -> None:
    from fakekapi.datadir.pki import PKI

    pki = PKI.load_or_create(tmp_path, ("custom.example.test",))
    before = pki.server_cert_path.read_bytes()
    assert invoke("kubeconfig", "--data-dir", tmp_path).exit_code == 0
    assert pki.server_cert_path.read_bytes() == before


# --- fixtures check -----------------------------------------------------------------------


def test_fixtures_check_accepts_the_walkthrough() -> None:
    result = invoke("fixtures", "check", WALKTHROUGH)
    assert result.exit_code == 0, result.output
    assert result.stdout == "4 documents OK\n"


def test_fixtures_check_reports_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n"
        "apiVersion: v1\nkind: NoSuchKind\nmetadata:\n  name: b\n"
    )
    result = invoke("fixtures", "check", bad)
    assert result.exit_code == 2
    assert result.stderr == f'fakekapi: {bad}:6: no matches for kind "NoSuchKind" in version "v1"\n'


def test_fixtures_check_needs_a_path() -> None:
    result = invoke("fixtures", "check")
    assert result.exit_code == 2
    assert "Missing argument 'PATHS...'" in result.stderr


def test_fixtures_check_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("fixtures", "check", tmp_path / "absent.yaml")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


# --- status -------------------------------------------------------------------------------


def test_status_not_running(tmp_path: Path) -> None:
    result = invoke("status", "--data-dir", tmp_path)
    assert result.exit_code == 1
    assert result.stdout == f"not running (data dir {tmp_path})\n"
    assert not (tmp_path / "pki").exists(), "status never creates anything"


def test_status_running(tmp_path: Path) -> None:
    fake_server_json(tmp_path, "https://127.0.0.1:40002", os.getpid())
    result = invoke("status", "--data-dir", tmp_path)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"running at https://127.0.0.1:40002 (pid {os.getpid()})\n")


def test_status_stale_pid_is_not_running(tmp_path: Path) -> None:
    fake_server_json(tmp_path, "https://127.0.0.1:40003", dead_pid())
    assert invoke("status", "--data-dir", tmp_path).exit_code == 1


def test_status_json(tmp_path: Path) -> None:
    fake_server_json(tmp_path, "https://127.0.0.1:40004", os.getpid())
    result = invoke("status", "--data-dir", tmp_path, "--json")
    assert json.loads(result.stdout)["url"] == "https://127.0.0.1:40004"


# --- serve: options into Settings ---------------------------------------------------------


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    seen: list[Settings] = []

    def fake_serve(settings: Settings, **_: Any) -> int:
        seen.append(settings)
        return 0

    monkeypatch.setattr(run, "serve", fake_serve)
    return seen


def test_serve_defaults(captured: list[Settings], tmp_path: Path) -> None:
    result = invoke("serve", env={"XDG_DATA_HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    (s,) = captured
    assert s == Settings(data_dir=tmp_path / "fakekapi")
    assert (s.host, s.port, s.anonymous_auth, s.authorization_mode) == (
        "127.0.0.1",
        6443,
        True,
        ("RBAC",),
    )
    assert s.service_account_issuer == DEFAULT_ISSUER


def test_serve_every_option(captured: list[Settings], tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("t,u,1\n")
    client_ca = tmp_path / "ca.pem"
    client_ca.write_text("x")
    result = invoke(
        "serve",
        "--host", "0.0.0.0",
        "--port", "7443",
        "--data-dir", tmp_path / "d",
        "--fixtures", WALKTHROUGH,
        "--fixtures", tokens,
        "--ephemeral",
        "--tls-san", "a.example.test",
        "--tls-san", "10.0.0.1,b.example.test",
        "--kubernetes-version", "v1.33.1",
        "--token-auth-file", tokens,
        "--client-ca-file", client_ca,
        "--anonymous-auth=false",
        "--service-account-issuer", "https://issuer.example",
        "--api-audiences", "one,two",
        "--api-audiences", "three",
        "--service-account-max-token-expiration", "1h30m",
        "--audit-log-path", tmp_path / "audit.log",
        "--authorization-mode", "Node,RBAC",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert captured == [
        Settings(
            data_dir=tmp_path / "d",
            host="0.0.0.0",
            port=7443,
            fixtures=(WALKTHROUGH, tokens),
            ephemeral=True,
            tls_sans=("a.example.test", "10.0.0.1", "b.example.test"),
            kubernetes_version="1.33",
            anonymous_auth=False,
            token_auth_file=tokens,
            client_ca_file=client_ca,
            service_account_issuer="https://issuer.example",
            api_audiences=("one", "two", "three"),
            service_account_max_token_expiration=5400,
            audit_log_path=tmp_path / "audit.log",
            authorization_mode=("Node", "RBAC"),
        )
    ]


@pytest.mark.parametrize(
    ("value", "release"),
    [("1.29", "1.29"), ("v1.30", "1.30"), ("1.34.2", "1.34"), ("v1.36.3", "1.36")],
)
def test_serve_kubernetes_version_forms(captured: list[Settings], value: str, release: str) -> None:
    result = invoke("serve", "--kubernetes-version", value)
    assert result.exit_code == 0, result.output
    assert captured[0].kubernetes_version == release


def test_serve_kube_apiserver_flag_names(captured: list[Settings]) -> None:
    result = invoke("serve", "--secure-port", "8443", "--bind-address", "::1", "--anonymous-auth")
    assert result.exit_code == 0, result.output
    assert (captured[0].port, captured[0].host, captured[0].anonymous_auth) == (8443, "::1", True)


def test_serve_port_zero_means_any(captured: list[Settings]) -> None:
    assert invoke("serve", "--port", "0").exit_code == 0
    assert captured[0].port == 0


def test_serve_env_vars(captured: list[Settings], tmp_path: Path) -> None:
    result = invoke(
        "serve",
        env={"FAKEKAPI_DATA_DIR": str(tmp_path / "env"), "FAKEKAPI_SERVE_PORT": "9443"},
    )
    assert result.exit_code == 0, result.output
    assert (captured[0].data_dir, captured[0].port) == (tmp_path / "env", 9443)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kubernetes-version", "1.28"], "Kubernetes version '1.28' is not supported"),
        (
            ["--kubernetes-version", "v1.37.1"],
            "Kubernetes version 'v1.37.1' is not supported (supported: 1.29, 1.30, 1.31, 1.32, "
            "1.33, 1.34, 1.35, 1.36)",
        ),
        (["--kubernetes-version", "banana"], "Kubernetes version 'banana' is not supported"),
        (["--port", "70000"], "70000 is not in the range 0<=x<=65535"),
        (["--port", "http"], "'http' is not a valid integer"),
        (["--anonymous-auth=maybe"], "'maybe' is not a valid boolean"),
        (["--fixtures", "/no/such/dir"], "'/no/such/dir' does not exist"),
        (["--token-auth-file", "/no/such/file"], "'/no/such/file' does not exist"),
        (["--unknown-flag"], "No such option"),
        (["--service-account-max-token-expiration", "2 days"], "'2 days' is not a duration"),
    ],
)
def test_serve_usage_errors(captured: list[Settings], args: list[str], message: str) -> None:
    result = invoke("serve", *args)
    assert result.exit_code == 2
    assert "Usage: fakekapi serve" in result.stderr
    assert message in result.stderr
    assert captured == []


# --- serve: input the server refuses before writing anything ------------------------------


BAD_VALUES = [
    (["--tls-san", "bad name"], "--tls-san: 'bad name' is not a valid DNS name or IP address"),
    (
        ["--authorization-mode", "ABAC"],
        "--authorization-mode 'ABAC' is not supported "
        "(choose from AlwaysAllow, AlwaysDeny, RBAC, Node)",
    ),
    (["--service-account-issuer", " "], "--service-account-issuer must not be empty"),
]


@pytest.mark.parametrize(("args", "line"), BAD_VALUES)
def test_serve_rejects_bad_values_without_side_effects(
    tmp_path: Path, args: list[str], line: str
) -> None:
    data_dir = tmp_path / "d"
    result = invoke("serve", "--data-dir", data_dir, "--port", "0", *args)
    assert result.exit_code == 2
    assert result.stderr == f"fakekapi: {line}\n"
    assert not data_dir.exists()


def test_serve_rejects_bad_fixtures_without_side_effects(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nmetadata:\n  name: x\n")
    data_dir = tmp_path / "d"
    result = invoke("serve", "--data-dir", data_dir, "--port", "0", "--fixtures", bad)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fakekapi: {bad}:1: ")
    assert result.stderr.count("\n") == 1
    assert not data_dir.exists()


def test_serve_rejects_a_bad_client_ca_file(tmp_path: Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate\n")
    result = invoke("serve", "--data-dir", tmp_path / "d", "--client-ca-file", bogus)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"fakekapi: --client-ca-file {bogus}: not a PEM")


def test_serve_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke("serve", "--data-dir", tmp_path / "d", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr == f"fakekapi: port {port} on 127.0.0.1 is already in use\n"
    assert not (tmp_path / "d").exists()


def test_serve_refuses_a_data_dir_with_a_running_server(tmp_path: Path) -> None:
    fake_server_json(tmp_path, "https://127.0.0.1:40005", os.getppid())
    result = invoke("serve", "--data-dir", tmp_path, "--port", "0")
    assert result.exit_code == 1
    assert result.stderr == (
        f"fakekapi: a server (pid {os.getppid()}) is already running at "
        f"https://127.0.0.1:40005 on data dir {tmp_path}\n"
    )


def test_env_vars_follow_the_flag_names(tmp_path: Path) -> None:
    """FAKEKAPI_<COMMAND>_<OPTION> uses the flag (`--output`), not click's parameter name."""
    out = tmp_path / "ca.der"
    env = {"FAKEKAPI_CA_EXPORT_FORMAT": "der", "FAKEKAPI_CA_EXPORT_OUTPUT": str(out)}
    result = invoke("ca", "export", "--data-dir", tmp_path / "d", env=env)
    assert result.exit_code == 0, result.output
    x509.load_der_x509_certificate(out.read_bytes())


def test_every_option_has_a_flag_named_env_var() -> None:
    import click

    def walk(group: click.Group, prefix: str) -> list[tuple[str, click.Option]]:
        found: list[tuple[str, click.Option]] = []
        ctx = click.Context(group)  # listing builds the commands `fakekapi serve` never builds
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            p = f"{prefix}_{name.upper()}"
            if isinstance(command, click.Group):
                found += walk(command, p)
            else:
                found += [(p, o) for o in command.params if isinstance(o, click.Option)]
        return found

    for prefix, option in walk(cli.cli, "FAKEKAPI"):
        flag = next(o for o in option.opts if o.startswith("--"))[2:].upper().replace("-", "_")
        if option.envvar is None:
            assert option.name == flag.lower(), option.opts  # click's automatic name fits
        elif option.envvar != "FAKEKAPI_DATA_DIR":
            assert option.envvar == f"{prefix}_{flag}", option.opts


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("api/all=maybe", "invalid value api/all=maybe"),
        ("api/all=false", "invalid key with only api/all=false"),
        ("nope.example.com/v1=true", "unknown api groups nope.example.com"),
        ("apps/v9=true", "group version apps/v9 that has not been registered"),
    ],
)
def test_serve_rejects_bad_runtime_config(tmp_path: Path, value: str, message: str) -> None:
    result = invoke("serve", "--data-dir", tmp_path, "--runtime-config", value)
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert not (tmp_path / "store.db").exists()  # rejected before anything starts
