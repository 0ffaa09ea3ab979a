"""The `fakekapi` command line: the only click code.

Each command builds plain values (Settings, paths) and calls into the server package; domain
errors (ServeError, PKIError, FixtureError) become one line on stderr here and nowhere else.
Exit codes: 0 success, 1 a runtime failure, 2 a usage error or bad input (click's convention).
Heavy modules are imported inside the commands so `fakekapi --help` and `fakekapi serve` start fast.
Every command that writes a file says what to do with it next.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from fakekapi import __version__
from fakekapi.server.settings import DEFAULT_ISSUER, Settings, default_data_dir

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_SERVER_URL = "https://127.0.0.1:6443"


def _data_dir_option(f: F) -> F:
    """`--data-dir`, on every command; `$FAKEKAPI_DATA_DIR`, else the XDG data dir."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="FAKEKAPI_DATA_DIR",
        default=None,
        show_envvar=True,
        help="Where the PKI, the store and server.json live "
        "[default: $XDG_DATA_HOME/fakekapi, i.e. ~/.local/share/fakekapi].",
    )(f)


def _data_dir(value: Path | None) -> Path:
    return value if value is not None else default_data_dir()


def _split_commas(values: Sequence[str]) -> tuple[str, ...]:
    """kube-apiserver list flags take comma-separated values; accept them repeated too."""
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def _duration(value: str) -> int:
    """A Go duration (`1h30m`, `90s`, `0`) as whole seconds, for kube-apiserver duration flags."""
    import re

    text = value.strip()
    if text in ("0", ""):
        return 0
    parts = re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|h|m|s)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise click.BadParameter(f"{value!r} is not a duration (e.g. 1h, 90m, 3600s)")
    return int(sum(float(n) * _DURATION_UNITS[u] for n, u in parts))


def _kubernetes_version(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from fakekapi.server.run import ServeError, normalize_version

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


@click.group(
    "fakekapi", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, "--version", prog_name="fakekapi")
def cli() -> None:
    """A stand-in for the Kubernetes API server (v1.33) that runs anywhere pip does."""


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
    default="1.33",
    show_default=True,
    callback=_kubernetes_version,
    help="Kubernetes version to emulate.",
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
) -> None:
    """Run the API server until Ctrl+C or SIGTERM."""
    from fakekapi.server.run import serve as run_serve

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
    )
    sys.exit(run_serve(settings))


@cli.group()
def ca() -> None:
    """The cluster certificate authority."""


@ca.command("export")
@_data_dir_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pem", "der"]),
    default="pem",
    show_default=True,
    help="PEM for curl/kubectl/Postman, DER for some OS trust stores.",
)
def ca_export(data_dir: Path | None, output: Path | None, fmt: str) -> None:
    """Print or save the CA certificate that clients must trust."""
    pki = _load_pki(_data_dir(data_dir))
    data = pki.ca_der() if fmt == "der" else pki.ca_pem.encode("ascii")
    if output is None:
        if fmt == "der" and sys.stdout.isatty():
            raise _BadInput("refusing to write DER to a terminal; use -o FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    _write_file(output, data, 0o644)
    url = _server_url(_data_dir(data_dir))
    click.echo(f"Wrote the cluster CA certificate to {output}.", err=True)
    click.echo("Trust it in your client:", err=True)
    click.echo(f"  curl --cacert {output} {url}/version", err=True)
    click.echo(
        "  Postman: Settings -> Certificates -> CA certificates -> select this file", err=True
    )


@cli.command()
@_data_dir_option
@click.option(
    "--server",
    "server_url",
    metavar="URL",
    help="API server URL [default: the running server's, else https://127.0.0.1:6443].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (mode 0600) instead of stdout.",
)
def kubeconfig(data_dir: Path | None, server_url: str | None, output: Path | None) -> None:
    """Print or save an admin kubeconfig (CA, client certificate and key embedded)."""
    import yaml

    dd = _data_dir(data_dir)
    pki = _load_pki(dd)
    url = server_url or _server_url(dd)
    if not url.startswith("https://"):
        raise _BadInput(
            f"--server {url!r}: must be an https:// URL (kubectl sends no credentials over http)"
        )
    text = yaml.safe_dump(pki.kubeconfig(url), sort_keys=False)
    if output is None:
        click.echo(text, nl=False)
        return
    _write_file(output, text.encode(), 0o600)
    click.echo(f"Wrote an admin kubeconfig for {url} to {output}.", err=True)
    click.echo("Use it:", err=True)
    click.echo(f"  kubectl --kubeconfig {output} get ns", err=True)
    click.echo(f"  export KUBECONFIG={output}", err=True)


@cli.group()
def fixtures() -> None:
    """Fixture manifests applied at start-up."""


@fixtures.command("check")
@_data_dir_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def fixtures_check(data_dir: Path | None, paths: tuple[Path, ...]) -> None:
    """Check manifests without starting a server (errors: FILE:LINE: message, exit 2)."""
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.registry.fixtures import FixtureError, load_fixture_files

    try:
        docs = load_fixture_files(list(paths), Catalog.builtin())
    except FixtureError as e:
        raise _BadInput(str(e)) from e
    n = len(docs)
    click.echo(f"{n} document{'' if n == 1 else 's'} OK")


@cli.command()
@_data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print server.json's fields as JSON.")
def status(data_dir: Path | None, as_json: bool) -> None:
    """Whether a server runs on the data dir (exit 0) or not (exit 1), with its URL and pid."""
    from fakekapi.server.run import read_server_info

    dd = _data_dir(data_dir)
    info = read_server_info(dd)
    if as_json:
        click.echo(json.dumps(info.to_json() if info else {"running": False, "dataDir": str(dd)}))
    elif info is None:
        click.echo(f"not running (data dir {dd})")
    else:
        click.echo(f"running at {info.url} (pid {info.pid})")
        click.echo(f"  data dir:    {info.data_dir}")
        click.echo(f"  CA:          {info.ca_path}")
        click.echo(f"  kubeconfig:  {info.kubeconfig_path}")
    if info is None:
        sys.exit(1)


def _load_pki(data_dir: Path) -> Any:
    from fakekapi.server.pki import PKI, PKIError

    try:
        return PKI.load_or_create(data_dir, None)
    except PKIError as e:
        raise _fail(str(e)) from e
    except OSError as e:
        raise _fail(f"data dir {data_dir}: {e.strerror or e}") from e


def _server_url(data_dir: Path) -> str:
    from fakekapi.server.run import read_server_info

    info = read_server_info(data_dir)
    return info.url if info is not None else DEFAULT_SERVER_URL


def _write_file(path: Path, data: bytes, mode: int) -> None:
    from fakekapi.server.pki import write_atomic

    try:
        write_atomic(path, data, mode)
    except OSError as e:
        raise _fail(f"cannot write {path}: {e.strerror or e}") from e


@cli.command()
@_data_dir_option
@click.option("--as", "as_user", required=True, metavar="USER", help="The user to judge.")
@click.option("--as-group", "as_groups", multiple=True, metavar="GROUP", help="A group (repeat).")
@click.option("-n", "--namespace", default="", help="The namespace of the request.")
@click.option(
    "--url", default="", metavar="PATH", help="A non-resource path instead of a resource."
)
@click.option(
    "--authorization-mode", "modes", multiple=True, default=("RBAC",), help="As for serve."
)
@click.argument("verb", required=False, default="")
@click.argument("resource", required=False, default="")
@click.argument("name", required=False, default="")
def explain(
    data_dir: Path | None,
    as_user: str,
    as_groups: tuple[str, ...],
    namespace: str,
    url: str,
    modes: tuple[str, ...],
    verb: str,
    resource: str,
    name: str,
) -> None:
    """Why USER may or may not VERB RESOURCE [NAME] (exit 0 allowed, 1 forbidden)."""
    import asyncio

    from fakekapi.auth.explain import ExplainError
    from fakekapi.auth.explain import explain as run_explain

    if url and resource:
        raise click.UsageError("give either RESOURCE or --url, not both")
    try:
        result = asyncio.run(
            run_explain(
                _data_dir(data_dir),
                user=as_user,
                groups=as_groups,
                verb=verb,
                resource=resource,
                namespace=namespace,
                name=name,
                url=url,
                modes=modes,
            )
        )
    except ExplainError as e:
        raise click.UsageError(str(e)) from e
    except ValueError as e:
        raise _fail(str(e)) from e
    click.echo(result.render(), nl=False)
    if not result.allowed:
        sys.exit(1)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point; tests call it with `argv` (click exits via SystemExit)."""
    cli.main(
        args=list(argv) if argv is not None else None,
        prog_name="fakekapi",
        auto_envvar_prefix="FAKEKAPI",
    )


if __name__ == "__main__":
    main()
