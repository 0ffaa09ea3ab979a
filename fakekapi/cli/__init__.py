"""The `fakekapi` command line: the only click code (`serve` here, the other commands in
cli/tools.py, built only when a command line names one).

Each command builds plain values (Settings, paths) and calls into the server package; domain
errors (ServeError, PKIError, FixtureError) become one line on stderr here and nowhere else.
Exit codes: 0 success, 1 a runtime failure, 2 a usage error or bad input (click's convention).
Heavy modules are imported inside the commands so `fakekapi --help` and `fakekapi serve` start fast.
Every command that writes a file says what to do with it next.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from fakekapi import __version__
from fakekapi.server.settings import DEFAULT_ISSUER, Settings, default_data_dir

F = TypeVar("F", bound=Callable[..., Any])


def _data_dir_option(f: F) -> F:
    """`--data-dir`, on every command; `$FAKEKAPI_DATA_DIR`, else the XDG data dir."""
    return click.option(
        "--data-dir",
        # Not click's file_okay=False: an unusable data dir is one `fakekapi:` line, exit 1, for
        # every reason alike (datadir/check.py), not a usage error.
        type=click.Path(path_type=Path),
        envvar="FAKEKAPI_DATA_DIR",
        default=None,
        show_envvar=True,
        help="Where the PKI, the store and server.json live "
        "[default: $XDG_DATA_HOME/fakekapi, i.e. ~/.local/share/fakekapi].",
    )(f)


def _data_dir(value: Path | None) -> Path:
    return value if value is not None else default_data_dir()


def _usable_data_dir(value: Path | None, *, writable: bool = True) -> Path:
    """The data dir, once checked (created if missing when `writable`); unusable → one line,
    exit 1. `serve` checks in the server's start-up instead (so the library checks it too)."""
    from fakekapi.datadir.check import DataDirError, check_data_dir

    path = _data_dir(value)
    try:
        check_data_dir(path, writable=writable)
    except DataDirError as e:
        raise _fail(str(e)) from e
    return path


def _split_commas(values: Sequence[str]) -> tuple[str, ...]:
    """kube-apiserver list flags take comma-separated values; accept them repeated too."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _duration(value: str) -> int:
    """A Go duration (`1h30m`, `90s`, `0`) as whole seconds, for kube-apiserver duration flags."""
    from fakekapi.core.gotime import parse_duration

    text = value.strip()
    if text in ("0", ""):
        return 0
    try:
        return int(parse_duration(text) // 1_000_000_000)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a duration (e.g. 1h, 90m, 3600s)") from None


def _kubernetes_version(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from fakekapi.server.run import ServeError, normalize_version

    if not value:
        return ""  # the default release, resolved when the server starts
    try:
        return normalize_version(value)
    except ServeError as e:
        raise click.BadParameter(str(e)) from e


def _fail(message: str) -> click.ClickException:
    """A runtime failure: `fakekapi: <message>` on stderr, exit 1."""
    return _OneLine(message)


class _OneLine(click.ClickException):
    """Click prints `Error: ...`; the contract is one line starting with `fakekapi:`."""

    def show(self, file: Any = None) -> None:
        click.echo(f"fakekapi: {self.format_message()}", err=True)


class _BadInput(_OneLine):
    exit_code = 2


class _Commands(click.Group):
    """The `fakekapi` group. `serve` is defined with it; the other commands live in
    fakekapi/cli/tools.py, imported by the first command line that names one, or lists them
    (`--help`): building their ~50 options cost every `fakekapi serve` ~8 M instructions."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and _import_tools():
            command = super().get_command(ctx, cmd_name)
        return command

    def list_commands(self, ctx: click.Context) -> list[str]:
        _import_tools()
        return super().list_commands(ctx)


def _import_tools() -> bool:
    """Register the commands of fakekapi/cli/tools.py on `cli`; whether any were new."""
    known = len(cli.commands)
    from fakekapi.cli import tools  # noqa: F401  (its decorators add its commands to `cli`)

    return len(cli.commands) != known


@click.group(
    "fakekapi",
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="fakekapi")
def cli() -> None:
    """A stand-in for the Kubernetes API server (v1.29 - v1.36) that runs anywhere pip does."""


@cli.command()
@click.option(
    "--host",
    "--bind-address",
    "host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (kube-apiserver: --bind-address).",
)
@click.option(
    "--port",
    "--secure-port",
    "port",
    type=click.IntRange(0, 65535),
    default=6443,
    show_default=True,
    help="HTTPS port; 0 picks a free one (kube-apiserver: --secure-port).",
)
@_data_dir_option
@click.option(
    "--fixtures",
    "fixtures",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Manifest file or folder applied at start (repeatable).",
)
@click.option("--ephemeral", is_flag=True, help="Use a temporary data dir, removed at exit.")
@click.option(
    "--tls-san",
    "tls_sans",
    multiple=True,
    help="Extra DNS name or IP for the serving certificate (repeatable).",
)
@click.option(
    "--kubernetes-version",
    default="",
    callback=_kubernetes_version,
    help="Kubernetes version to emulate: 1.29 to 1.36 (also v1.NN or 1.NN.P); default the newest.",
)
@click.option(
    "--token-auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='Static tokens, CSV: token,user,uid[,"group1,group2"].',
)
@click.option(
    "--client-ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra CA bundle for client certificates (the cluster CA is always trusted).",
)
@click.option(
    "--anonymous-auth",
    type=click.BOOL,
    default=True,
    is_flag=False,
    flag_value=True,
    show_default=True,
    help="Treat requests without credentials as system:anonymous.",
)
@click.option(
    "--service-account-issuer",
    default=DEFAULT_ISSUER,
    show_default=True,
    help="The iss claim of ServiceAccount tokens.",
)
@click.option(
    "--api-audiences",
    multiple=True,
    help="Accepted token audiences, comma-separated [default: the issuer].",
)
@click.option(
    "--service-account-max-token-expiration",
    "max_token_expiration",
    callback=lambda ctx, param, value: _duration(value),
    default="0s",
    show_default=True,
    help="Longest TokenRequest lifetime, a Go duration such as 48h (0 = kube's own limit).",
)
@click.option(
    "--audit-log-path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write audit events (JSON lines) here; '-' for stdout.",
)
@click.option(
    "--authorization-mode",
    multiple=True,
    default=("RBAC",),
    show_default=True,
    help="Comma-separated authorizers, in order (RBAC, AlwaysAllow, AlwaysDeny, Node).",
)
@click.option(
    "--runtime-config",
    multiple=True,
    help="APIs to serve beyond (or instead of) the defaults, as kube-apiserver's flag: "
    "api/all=true, api/alpha=true, api/beta=true, group/version=true|false, "
    "group/version/resource=true|false (comma-separated).",
)
@click.option(
    "--controllers",
    multiple=True,
    default=("*",),
    show_default=True,
    help="Controllers to run, as kube-controller-manager's flag: '*' every controller on by "
    "default, 'foo' the one named foo, '-foo' not foo (comma-separated; e.g. "
    "'*,-job' or 'namespace,serviceaccount-token').",
)
@click.option(
    "--nodes",
    type=click.IntRange(0, 1000),
    default=1,
    show_default=True,
    help="Fake Nodes to run, with a scheduler and simulated kubelets (0: none, pods stay Pending).",
)
@click.option(
    "--etcd-compaction-interval",
    "compaction_interval",
    callback=lambda ctx, param, value: _duration(value),
    default="5m",
    show_default=True,
    help="How long old object versions stay readable (continue tokens, resourceVersionMatch="
    "Exact, watch resumes) before a request for them gets 410, a Go duration (kube-apiserver's "
    "compaction interval; the history is also capped at 128 MiB).",
)
@click.option(
    "--max-requests-inflight",
    type=int,
    default=400,
    show_default=True,
    help="Reads (get, list) served at once; more are refused with 429 (0: no limit). "
    "Watches and system:masters are exempt.",
)
@click.option(
    "--max-mutating-requests-inflight",
    type=int,
    default=200,
    show_default=True,
    help="Writes served at once; more are refused with 429 (0: no limit).",
)
def serve(
    host: str,
    port: int,
    data_dir: Path | None,
    fixtures: tuple[Path, ...],
    ephemeral: bool,
    tls_sans: tuple[str, ...],
    kubernetes_version: str,
    token_auth_file: Path | None,
    client_ca_file: Path | None,
    anonymous_auth: bool,
    service_account_issuer: str,
    api_audiences: tuple[str, ...],
    max_token_expiration: int,
    audit_log_path: Path | None,
    authorization_mode: tuple[str, ...],
    runtime_config: tuple[str, ...],
    controllers: tuple[str, ...],
    nodes: int,
    compaction_interval: int,
    max_requests_inflight: int,
    max_mutating_requests_inflight: int,
) -> None:
    """Run the API server until Ctrl+C or SIGTERM."""
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.catalog.enablement import RuntimeConfigError
    from fakekapi.server.run import serve as run_serve

    try:
        # kube-apiserver rejects a bad flag before serving
        Catalog.builtin(runtime_config, kubernetes_version)
    except RuntimeConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)

    settings = Settings(
        data_dir=_data_dir(data_dir),
        host=host,
        port=port,
        fixtures=fixtures,
        ephemeral=ephemeral,
        tls_sans=_split_commas(tls_sans),
        kubernetes_version=kubernetes_version,
        anonymous_auth=anonymous_auth,
        token_auth_file=token_auth_file,
        client_ca_file=client_ca_file,
        service_account_issuer=service_account_issuer,
        api_audiences=_split_commas(api_audiences),
        service_account_max_token_expiration=max_token_expiration,
        audit_log_path=audit_log_path,
        authorization_mode=_split_commas(authorization_mode),
        runtime_config=runtime_config,
        controllers=_split_commas(controllers),
        nodes=nodes,
        etcd_compaction_interval=float(compaction_interval),
        max_requests_inflight=max_requests_inflight,
        max_mutating_requests_inflight=max_mutating_requests_inflight,
    )
    sys.exit(run_serve(settings))


def _envvars_follow_flags(group: click.Group, prefix: str) -> None:
    """Name every option's variable FAKEKAPI_<COMMAND>_<FLAG>, after its long flag.

    click's automatic variables use the Python parameter name (`fmt` for `--format`, `out_dir`
    for `--output`); the documented names follow the flags users type. click still accepts its
    own name as a fallback.
    """
    for name, command in group.commands.items():
        command_prefix = f"{prefix}_{name.upper().replace('-', '_')}"
        if isinstance(command, click.Group):
            _envvars_follow_flags(command, command_prefix)
            continue
        for param in command.params:
            flags = [o for o in param.opts if o.startswith("--")]
            if not isinstance(param, click.Option) or param.envvar is not None or not flags:
                continue
            flag = flags[0][2:].upper().replace("-", "_")
            if flag != (param.name or "").upper():
                param.envvar = f"{command_prefix}_{flag}"


_envvars_follow_flags(cli, "FAKEKAPI")


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point; tests call it with `argv` (click exits via SystemExit)."""
    cli.main(
        args=list(argv) if argv is not None else None,
        prog_name="fakekapi",
        auto_envvar_prefix="FAKEKAPI",
    )
