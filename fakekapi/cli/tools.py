"""The `fakekapi` commands other than `serve`, registered on `fakekapi.cli.cli` when a command
line names one of them (or lists them): a `fakekapi serve` never builds them."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from fakekapi.cli import (
    _BadInput,
    _data_dir,
    _data_dir_option,
    _envvars_follow_flags,
    _fail,
    _kubernetes_version,
    _split_commas,
    _usable_data_dir,
    cli,
)


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
    """Print or save the CA certificate that clients must trust.

    \b
    Example:
      fakekapi ca export -o ca.crt
      curl --cacert ca.crt https://127.0.0.1:6443/version
    """
    dd = _usable_data_dir(data_dir)
    pki = _load_pki(dd)
    data = pki.ca_der() if fmt == "der" else pki.ca_pem.encode("ascii")
    if output is None:
        if fmt == "der" and sys.stdout.isatty():
            raise _BadInput("refusing to write DER to a terminal; use -o FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    _write_file(output, data, 0o644)
    if fmt == "der":
        # curl, kubectl and Postman read PEM only: no hint that would fail with this file.
        click.echo(f"Wrote the cluster CA certificate (DER) to {output}.", err=True)
        click.echo("For curl, kubectl and Postman use PEM: fakekapi ca export -o ca.crt", err=True)
        return
    url = _server_url(dd)
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
    "--serviceaccount",
    metavar="NS/NAME",
    help="Authenticate as this ServiceAccount with its token (see `fakekapi sa create`).",
)
@click.option(
    "--user",
    type=click.Choice(["admin"]),
    default=None,
    help="Authenticate as kubernetes-admin (system:masters) with the client certificate "
    "[the default].",
)
@click.option("--context", "context", metavar="NAME", help="Name of the context to write.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (mode 0600) instead of stdout; an existing kubeconfig is merged into.",
)
def kubeconfig(
    data_dir: Path | None,
    server_url: str | None,
    serviceaccount: str | None,
    user: str | None,
    context: str | None,
    output: Path | None,
) -> None:
    """Print or save a kubeconfig (CA and credentials embedded): admin, or a ServiceAccount.

    \b
    Example:
      fakekapi kubeconfig -o admin.kubeconfig
      fakekapi kubeconfig --serviceaccount default/postman -o ~/.kube/config
      kubectl --context fakekapi-default-postman@fakekapi get pods
    """
    import yaml

    from fakekapi.sandbox import clientconfig

    if serviceaccount and user:
        raise click.UsageError("--serviceaccount and --user are mutually exclusive")
    dd = _usable_data_dir(data_dir)
    url = server_url or _server_url(dd)
    if not url.startswith("https://"):
        raise _BadInput(
            f"--server {url!r}: must be an https:// URL (kubectl sends no credentials over http)"
        )
    if serviceaccount:
        from fakekapi.sandbox.credentials import parse_ref, service_account_token
        from fakekapi.sandbox.session import open_session

        ns, name = _sandbox_sync(lambda: parse_ref(serviceaccount))

        async def token() -> tuple[str, Any]:
            async with open_session(dd) as session:
                return await service_account_token(session, ns, name), session.pki

        tok, pki = _sandbox(token())
        config = clientconfig.sa_kubeconfig(pki, url, ns, name, tok, context)
        who = f"ServiceAccount {ns}/{name}"
    else:
        config = clientconfig.admin_kubeconfig(_load_pki(dd), url, context)
        who = "kubernetes-admin"
    ctx = config["current-context"]
    if output is None:
        click.echo(yaml.safe_dump(config, sort_keys=False), nl=False)
        return
    merged = _sandbox_sync(lambda: clientconfig.write_kubeconfig(output, config))
    verb = "Merged" if merged else "Wrote"
    click.echo(f"{verb} context {ctx} ({who} at {url}) into {output}.", err=True)
    click.echo("Use it:", err=True)
    use_context = f" --context {ctx}" if merged else ""
    click.echo(f"  kubectl --kubeconfig {output}{use_context} get ns", err=True)
    click.echo(f"  export KUBECONFIG={output}", err=True)


@cli.group()
def fixtures() -> None:
    """Fixture manifests applied at start-up."""


@fixtures.command("check")
@_data_dir_option
@click.option(
    "--kubernetes-version",
    default="",
    callback=_kubernetes_version,
    help="Judge as `serve --kubernetes-version` would (1.29 to 1.36); default the newest.",
)
@click.option(
    "--runtime-config",
    multiple=True,
    help="Judge as `serve --runtime-config` would (APIs served beyond the defaults).",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def fixtures_check(
    data_dir: Path | None,
    kubernetes_version: str,
    runtime_config: tuple[str, ...],
    paths: tuple[Path, ...],
) -> None:
    """Check manifests as `serve --fixtures` would apply them, without starting a server.

    Every bad document is reported (FILE:LINE: message, the line serve would stop with), then
    the exit code is 2.

    \b
    Example:
      fakekapi fixtures check ./k8s-fixtures
    """
    import asyncio

    from fakekapi.catalog.catalog import Catalog
    from fakekapi.catalog.enablement import RuntimeConfigError
    from fakekapi.server.fixturecheck import judge_fixtures
    from fakekapi.server.run import ServeError

    try:  # the flag refused as serve refuses it
        Catalog.builtin(runtime_config, kubernetes_version)
    except RuntimeConfigError as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    try:
        report = asyncio.run(
            judge_fixtures(
                list(paths), kubernetes_version=kubernetes_version, runtime_config=runtime_config
            )
        )
    except ServeError as e:
        raise _BadInput(str(e)) from e
    errors = report.sorted_errors()
    for error in errors:
        click.echo(f"fakekapi: {error}", err=True)
    if errors:
        raise click.exceptions.Exit(2)
    n = report.documents
    click.echo(f"{n} document{'' if n == 1 else 's'} OK")


@fixtures.command("export")
@_data_dir_option
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("fakekapi-fixtures"),
    show_default=True,
    help="Folder to write the fixture files into (earlier NN-*.yaml exports there are replaced).",
)
def fixtures_export(data_dir: Path | None, out_dir: Path) -> None:
    """Save the current objects as fixture files that `serve --fixtures` loads back.

    Objects every start makes by itself (system namespaces, default ServiceAccounts, the
    bootstrap RBAC policy) and server-assigned fields (uid, resourceVersion, tokens) are left out.

    \b
    Example:
      fakekapi fixtures export -o ./k8s-fixtures
      fakekapi serve --ephemeral --fixtures ./k8s-fixtures
    """
    from fakekapi.sandbox.session import open_session
    from fakekapi.sandbox.snapshot import ExportResult, export_fixtures

    dd = _usable_data_dir(data_dir)

    async def run() -> ExportResult:
        async with open_session(dd) as session:
            return export_fixtures(session, out_dir)

    result = _sandbox(run())
    n = result.objects
    click.echo(
        f"Wrote {n} object{'' if n == 1 else 's'} in {len(result.files)} "
        f"file{'' if len(result.files) == 1 else 's'} to {out_dir}.",
        err=True,
    )
    for path in result.files:
        click.echo(f"  {path}", err=True)
    click.echo("Load them into a server:", err=True)
    click.echo(f"  fakekapi serve --ephemeral --fixtures {out_dir}", err=True)


@cli.command()
@_data_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print server.json's fields as JSON.")
def status(data_dir: Path | None, as_json: bool) -> None:
    """Whether a server runs on the data dir (exit 0) or not (exit 1), with its URL and pid,
    and the objects in the data dir's store by resource.

    \b
    Example:
      until fakekapi status >/dev/null; do sleep 0.1; done
    """
    from fakekapi.datadir.serverinfo import read_server_info
    from fakekapi.sandbox.snapshot import store_counts

    dd = _usable_data_dir(data_dir, writable=False)
    info = read_server_info(dd)
    counts = _sandbox(store_counts(dd))
    if as_json:
        out = info.to_json() if info else {"running": False, "dataDir": str(dd)}
        click.echo(json.dumps({**out, "objects": counts or {}}))
    else:
        if info is None:
            click.echo(f"not running (data dir {dd})")
        else:
            click.echo(f"running at {info.url} (pid {info.pid})")
            if info.kubernetes_version:
                click.echo(f"  Kubernetes:  v{info.kubernetes_version}")
            click.echo(f"  data dir:    {info.data_dir}")
            click.echo(f"  CA:          {info.ca_path}")
            click.echo(f"  kubeconfig:  {info.kubeconfig_path}")
        if counts is not None:
            click.echo(f"objects: {sum(counts.values())}")
            width = max((len(k) for k in counts), default=0)
            for resource, n in counts.items():
                click.echo(f"  {resource:<{width}}  {n:>5}")
    if info is None:
        sys.exit(1)


def _load_pki(data_dir: Path) -> Any:
    from fakekapi.sandbox.session import load_pki

    return _sandbox_sync(lambda: load_pki(data_dir))


def _server_url(data_dir: Path) -> str:
    from fakekapi.sandbox.session import server_url

    return server_url(data_dir)


def _write_file(path: Path, data: bytes, mode: int) -> None:
    from fakekapi.sandbox.session import write_file

    _sandbox_sync(lambda: write_file(path, data, mode))


T = TypeVar("T")


def _sandbox_error(e: Exception) -> click.ClickException:
    """SandboxError / StatusError → exit 2 with usage (bad input) or one line, exit 1."""
    from fakekapi.core.errors import StatusError
    from fakekapi.sandbox.session import SandboxError

    if isinstance(e, SandboxError) and e.exit_code == 2:
        return click.UsageError(str(e))
    if isinstance(e, StatusError):
        return _fail(e.message)
    return _fail(str(e))


def _sandbox(coro: Coroutine[Any, Any, T]) -> T:
    """Run one data-dir session to completion, turning its failures into the CLI's exits."""
    import asyncio

    from fakekapi.core.errors import StatusError
    from fakekapi.sandbox.session import SandboxError

    try:
        return asyncio.run(coro)
    except (SandboxError, StatusError) as e:
        raise _sandbox_error(e) from e


def _sandbox_sync(fn: Callable[[], T]) -> T:
    from fakekapi.sandbox.session import SandboxError

    try:
        return fn()
    except SandboxError as e:
        raise _sandbox_error(e) from e


@cli.group("sa")
def sa() -> None:
    """ServiceAccounts with a token, for Postman, curl and client code."""


@sa.command("create")
@click.argument("name")
@click.option("-n", "--namespace", default="default", show_default=True, help="Its namespace.")
@click.option(
    "--cluster-role",
    "cluster_roles",
    multiple=True,
    metavar="ROLE",
    help="Bind this ClusterRole everywhere: ClusterRoleBinding fakekapi:NS:NAME:ROLE (repeat).",
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE",
    help="Bind this Role of the namespace: RoleBinding fakekapi:NAME:ROLE (repeat).",
)
@click.option("--create-namespace", is_flag=True, help="Create the namespace if it is missing.")
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["token", "yaml", "json"]),
    default="token",
    show_default=True,
    help="Print the token, or the objects as a v1 List.",
)
@_data_dir_option
def sa_create(
    name: str,
    namespace: str,
    cluster_roles: tuple[str, ...],
    roles: tuple[str, ...],
    create_namespace: bool,
    fmt: str,
    data_dir: Path | None,
) -> None:
    """Create ServiceAccount NAME, its token Secret NAME-token and role bindings; print the token.

    Running it again changes nothing and prints the same token. It works with the server running
    (clients see the objects within a second) or stopped (they are there at the next start).

    \b
    Example:
      TOKEN=$(fakekapi sa create postman --cluster-role view)
      fakekapi ca export -o ca.crt
      curl --cacert ca.crt -H "Authorization: Bearer $TOKEN" https://127.0.0.1:6443/apis
    """
    import yaml

    from fakekapi.sandbox.credentials import ServiceAccountResult, create_service_account
    from fakekapi.sandbox.session import open_session

    dd = _usable_data_dir(data_dir)

    async def run() -> tuple[ServiceAccountResult, str, Path]:
        async with open_session(dd, write=True) as session:
            result = await create_service_account(
                session,
                namespace,
                name,
                cluster_roles=_split_commas(cluster_roles),
                roles=_split_commas(roles),
                create_namespace=create_namespace,
            )
            return result, session.url, session.pki.ca_cert_path

    result, url, ca_path = _sandbox(run())
    for change in result.changes:
        click.echo(change, err=True)
    if fmt == "token":
        click.echo(result.token)
        click.echo("Use it:", err=True)
        click.echo(
            f'  curl --cacert {ca_path} -H "Authorization: Bearer $TOKEN" '
            f"{url}/api/v1/namespaces/{namespace}/pods",
            err=True,
        )
        click.echo(f"  fakekapi postman export --serviceaccount {namespace}/{name}", err=True)
        return
    listing = {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": result.objects}
    if fmt == "json":
        click.echo(json.dumps(listing, indent=4))
    else:
        click.echo(yaml.safe_dump(listing, sort_keys=False), nl=False)


def _go_duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float:
    """A Go duration (`10m`, `1h30m`, `-5s`) in seconds, as pflag's DurationVar parses it."""
    from fakekapi.core.gotime import parse_duration

    if value is None:
        return 0.0
    try:
        return parse_duration(value.strip()) / 1e9
    except ValueError:
        raise click.BadParameter(f"invalid duration {value!r} (e.g. 10m, 1h, 48h)") from None


@cli.group("token")
def token() -> None:
    """Bound ServiceAccount tokens (TokenRequest)."""


@token.command("create")
@click.argument("name")
@click.option("-n", "--namespace", default="default", show_default=True, help="Its namespace.")
@click.option(
    "--duration",
    callback=_go_duration,
    default=None,
    metavar="DURATION",
    help="Requested lifetime (10m, 1h, ...; at least 10m); 0 or unset: the server's default (1h).",
)
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    help="Audience of the token (repeat) [default: the API server's].",
)
@click.option("--bound-object-kind", default="", help="Pod, Secret or Node to bind the token to.")
@click.option("--bound-object-name", default="", help="Name of that object.")
@click.option("--bound-object-uid", default="", help="Its UID [default: the current object's].")
@_data_dir_option
def token_create(
    name: str,
    namespace: str,
    duration: float,
    audiences: tuple[str, ...],
    bound_object_kind: str,
    bound_object_name: str,
    bound_object_uid: str,
    data_dir: Path | None,
) -> None:
    """Request a bound token for ServiceAccount NAME, as `kubectl create token` does.

    \b
    Example:
      fakekapi token create postman --duration 2h
      fakekapi token create myapp -n apps --audience https://vault.example
    """
    from fakekapi.sandbox.credentials import TokenRequestSpec, check_token_flags, create_token
    from fakekapi.sandbox.session import open_session

    if duration < 0:
        raise click.UsageError("--duration must be greater than or equal to 0")
    if duration != int(duration):
        raise click.UsageError("--duration cannot be expressed in units less than seconds")
    spec = TokenRequestSpec(
        duration_seconds=int(duration),
        audiences=audiences,
        bound_kind=bound_object_kind,
        bound_name=bound_object_name,
        bound_uid=bound_object_uid,
    )
    _sandbox_sync(lambda: check_token_flags(spec))
    dd = _usable_data_dir(data_dir)

    async def run() -> dict[str, Any]:
        async with open_session(dd) as session:
            return await create_token(session, namespace, name, spec)

    answer = _sandbox(run())
    click.echo(answer["status"]["token"])
    click.echo(
        f"Token for ServiceAccount {namespace}/{name}, expires "
        f"{answer['status'].get('expirationTimestamp')}.",
        err=True,
    )


@cli.command()
@click.argument("serviceaccount", metavar="NS/NAME")
@click.option(
    "-o",
    "--output",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for token, ca.crt and namespace (created if missing).",
)
@click.option(
    "--server", "server_url", metavar="URL", help="API server URL [default: the running one's]."
)
@_data_dir_option
def incluster(
    serviceaccount: str, out_dir: Path, server_url: str | None, data_dir: Path | None
) -> None:
    """Write a Pod's ServiceAccount files (token, ca.crt, namespace) for in-cluster config.

    Prints the KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT exports on stdout. Point
    your code's token and CA paths (normally /var/run/secrets/kubernetes.io/serviceaccount) at
    the folder.

    \b
    Example:
      eval "$(fakekapi incluster default/postman -o ./sa)"
    """
    from fakekapi.sandbox import clientconfig
    from fakekapi.sandbox.credentials import parse_ref, service_account_token
    from fakekapi.sandbox.session import open_session

    ns, name = _sandbox_sync(lambda: parse_ref(serviceaccount))
    dd = _usable_data_dir(data_dir)

    async def run() -> tuple[str, str, str]:
        async with open_session(dd) as session:
            tok = await service_account_token(session, ns, name)
            return tok, session.pki.ca_pem, session.url

    tok, ca_pem, url = _sandbox(run())
    url = server_url or url
    _sandbox_sync(lambda: clientconfig.check_server_url(url))
    files = _sandbox_sync(lambda: clientconfig.write_incluster(out_dir, tok, ca_pem, ns))
    env = clientconfig.service_env(url)
    for key, value in env.items():
        click.echo(f"export {key}={value}")
    click.echo(
        f"Wrote {', '.join(p.name for p in files)} for ServiceAccount {ns}/{name} to {out_dir}.",
        err=True,
    )
    click.echo(
        "Export the variables above, and read the token and CA from that folder instead of "
        "/var/run/secrets/kubernetes.io/serviceaccount.",
        err=True,
    )


@cli.group()
def postman() -> None:
    """Postman collections for the API, as a ServiceAccount."""


@postman.command("export")
@click.option(
    "--serviceaccount",
    default="default/postman",
    show_default=True,
    metavar="NS/NAME",
    help="Whose token the environment carries and whose permissions the tests expect.",
)
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("fakekapi-postman"),
    show_default=True,
    help="Folder for the collection, the environment and ca.crt.",
)
@_data_dir_option
def postman_export(serviceaccount: str, out_dir: Path, data_dir: Path | None) -> None:
    """Write a Postman v2.1 collection, its environment and the CA file.

    The collection's tests assert what the ServiceAccount may do (2xx), may not (403) and
    what a wrong token gets (401).

    \b
    Example:
      fakekapi sa create postman --cluster-role view
      fakekapi postman export --serviceaccount default/postman -o ./postman
      npx newman run ./postman/fakekapi.postman_collection.json \\
          -e ./postman/fakekapi.postman_environment.json --ssl-extra-ca-certs ./postman/ca.crt
    """
    from fakekapi.sandbox.credentials import parse_ref
    from fakekapi.sandbox.postman import PostmanExport, export
    from fakekapi.sandbox.session import open_session

    ns, name = _sandbox_sync(lambda: parse_ref(serviceaccount))
    dd = _usable_data_dir(data_dir)

    async def run() -> PostmanExport:
        async with open_session(dd) as session:
            return await export(session, ns, name, out_dir)

    result = _sandbox(run())
    click.echo(
        f"Wrote a Postman collection ({result.requests} requests, {result.forbidden} expected "
        f"403s for {ns}/{name}) to {out_dir}:",
        err=True,
    )
    for path in (result.collection, result.environment, result.ca):
        click.echo(f"  {path}", err=True)
    click.echo("In Postman:", err=True)
    click.echo("  1. Import -> select both JSON files", err=True)
    click.echo(f"  2. Settings -> Certificates -> CA certificates -> {result.ca}", err=True)
    click.echo(f"  3. Choose the environment 'fakekapi {ns}/{name}' and send requests", err=True)
    click.echo("Or run every test with newman:", err=True)
    click.echo(
        f"  npx newman run {result.collection} -e {result.environment} "
        f"--ssl-extra-ca-certs {result.ca}",
        err=True,
    )


CONSOLE_NAMESPACE = "kube-system"
CONSOLE_ACCOUNT = "fakekapi-console"
CONSOLE_TOKEN_SECONDS = 3600


@cli.command()
@click.option("--open", "open_browser", is_flag=True, help="Open the URL in a web browser.")
@_data_dir_option
def console(open_browser: bool, data_dir: Path | None) -> None:
    """Print a sign-in URL for the web console (/ui/) with a one-hour admin token.

    The token is a bound token of ServiceAccount kube-system/fakekapi-console (bound to
    cluster-admin); it travels in the URL's fragment, which browsers never send to a server, so
    it is in no request line and no log. Anyone may also sign in on the page with any bearer
    token and then sees only what that identity may see.

    \b
    Example:
      fakekapi console --open
    """
    from fakekapi.sandbox.credentials import (
        TokenRequestSpec,
        create_service_account,
        create_token,
    )
    from fakekapi.sandbox.session import open_session, wait_until_served

    dd = _data_dir(data_dir)

    async def run() -> tuple[str, dict[str, Any], bool]:
        async with open_session(dd, write=True) as session:
            await create_service_account(
                session, CONSOLE_NAMESPACE, CONSOLE_ACCOUNT, cluster_roles=["cluster-admin"]
            )
            if session.server is not None:
                # The token is asked of the running server: it must have the account first.
                await wait_until_served(session, session.store.revision)
            answer = await create_token(
                session,
                CONSOLE_NAMESPACE,
                CONSOLE_ACCOUNT,
                TokenRequestSpec(duration_seconds=CONSOLE_TOKEN_SECONDS),
            )
            return session.url, answer, session.server is not None

    url, answer, running = _sandbox(run())
    link = f"{url}/ui/#token={answer['status']['token']}"
    click.echo(link)
    expires = answer["status"].get("expirationTimestamp")
    click.echo(f"Admin sign-in link for the console; the token expires {expires}.", err=True)
    if not running:
        click.echo("No server is running on this data dir: start `fakekapi serve` first.", err=True)
    ca = dd / "pki" / "ca.crt"
    click.echo(f"Trust the cluster CA in the browser, or accept its warning: {ca}", err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(link)


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
                _usable_data_dir(data_dir, writable=False),
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


_envvars_follow_flags(cli, "FAKEKAPI")
