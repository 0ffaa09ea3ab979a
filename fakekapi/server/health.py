"""`/healthz`, `/livez`, `/readyz` and their per-check paths, byte for byte as apiserver
`server/healthz/healthz.go` writes them (`handleRootHealth`, `adaptCheckToHandler`).

Checks carry kube-apiserver 1.33's names so monitoring that asks for `?exclude=etcd` or
`/readyz/ping` works unchanged. All pass, except readyz's `shutdown` once the server is stopping.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from fakekapi.core.errors import go_quote, page_not_found
from fakekapi.server.responses import PLAIN_TEXT, plain_error_response, plain_response, raw_response

Check = tuple[str, Callable[[web.Request], str | None]]
"""(name, check): the check returns None when healthy, else the reason it failed."""

POST_START_HOOKS = (
    "start-apiserver-admission-initializer",
    "generic-apiserver-start-informers",
    "priority-and-fairness-config-consumer",
    "priority-and-fairness-filter",
    "storage-object-count-tracker-hook",
    "start-apiextensions-informers",
    "start-apiextensions-controllers",
    "crd-informer-synced",
    "start-system-namespaces-controller",
    "start-cluster-authentication-info-controller",
    "start-kube-apiserver-identity-lease-controller",
    "start-kube-apiserver-identity-lease-garbage-collector",
    "start-legacy-token-tracking-controller",
    "start-service-ip-repair-controllers",
    "rbac/bootstrap-roles",
    "scheduling/bootstrap-system-priority-classes",
    "priority-and-fairness-config-producer",
    "bootstrap-controller",
    "start-kubernetes-service-cidr-controller",
    "aggregator-reload-proxy-client-cert",
    "start-kube-aggregator-informers",
    "apiservice-status-local-available-controller",
    "apiservice-status-remote-available-controller",
    "apiservice-registration-controller",
    "apiservice-discovery-controller",
    "kube-apiserver-autoregistration",
)


def _ok(request: web.Request) -> str | None:
    return None


def _hooks() -> list[Check]:
    return [(f"poststarthook/{h}", _ok) for h in POST_START_HOOKS]


def checks_for(endpoint: str, shutting_down: Callable[[], bool]) -> list[Check]:
    """The checks of `healthz`, `livez` or `readyz`, in kube's order."""

    def shutdown(request: web.Request) -> str | None:
        return "process is shutting down" if shutting_down() else None

    base: list[Check] = [("ping", _ok), ("log", _ok), ("etcd", _ok)]
    if endpoint == "readyz":
        return [
            *base,
            ("etcd-readiness", _ok),
            ("informer-sync", _ok),
            *_hooks(),
            ("autoregister-completion", _ok),
            ("shutdown", shutdown),
        ]
    return [*base, *_hooks(), ("autoregister-completion", _ok)]


def _quoted_list(names: list[str]) -> str:
    """kube's formatQuoted: each name as `%q`."""
    return ", ".join(go_quote(n) for n in names)


def root_handler(endpoint: str, checks: list[Check]) -> Callable[[web.Request], web.Response]:
    """`handleRootHealth`: `ok`, or the verbose list, or 500 with the failed checks."""

    def handle(request: web.Request) -> web.Response:
        excluded = {v.strip() for v in request.query.getall("exclude", []) if v.strip()}
        lines: list[str] = []
        failed = False
        for name, check in checks:
            if name in excluded:
                excluded.discard(name)
                lines.append(f"[+]{name} excluded: ok\n")
                continue
            if check(request) is not None:
                failed = True
                lines.append(f"[-]{name} failed: reason withheld\n")
            else:
                lines.append(f"[+]{name} ok\n")
        if excluded:
            lines.append(
                "warn: some health checks cannot be excluded: no matches for "
                f"{_quoted_list(sorted(excluded))}\n"
            )
        if failed:
            return plain_response(500, "".join(lines) + f"{endpoint} check failed\n")
        if "verbose" not in request.query:
            return plain_response(200, "ok")
        return plain_response(200, "".join(lines) + f"{endpoint} check passed\n")

    return handle


def check_handler(checks: list[Check]) -> Callable[[web.Request], web.Response]:
    """`/<endpoint>/<check>`: `ok`, or 500 `internal server error: <err>`."""
    by_name = dict(checks)

    def handle(request: web.Request) -> web.Response:
        check = by_name.get(request.match_info["check"])
        if check is None:
            return plain_error_response(page_not_found())
        err = check(request)
        if err is not None:
            return plain_response(500, f"internal server error: {err}\n")
        return raw_response(b"ok", PLAIN_TEXT)

    return handle


def add_routes(app: web.Application, shutting_down: Callable[[], bool]) -> list[str]:
    """Register the three endpoints and their checks; returns the paths for `GET /`."""
    paths: list[str] = []
    for endpoint in ("healthz", "livez", "readyz"):
        checks = checks_for(endpoint, shutting_down)
        app.router.add_route("*", f"/{endpoint}", _async(root_handler(endpoint, checks)))
        app.router.add_route("*", f"/{endpoint}/{{check:.+}}", _async(check_handler(checks)))
        paths.append(f"/{endpoint}")
        paths.extend(f"/{endpoint}/{name}" for name, _ in checks)
    return paths


def _async(
    fn: Callable[[web.Request], web.Response],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return fn(request)

    return handler
