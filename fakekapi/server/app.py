"""Building the aiohttp application: collaborators in, a ready `web.Application` out.

`build_app` takes its collaborators (registry, catalog, authenticator, authorizer) as arguments so
tests can inject them; given none, it builds the defaults with `create_components` and also owns
their lifecycle (store open/close, bootstrap namespaces, fixtures, controllers) through the app's
cleanup context, which `AppRunner.setup()` / `cleanup()` run.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from aiohttp import web

from fakekapi.admission.rbac_escalation import RBACEscalationCheck
from fakekapi.auth.authn import Authenticator, TokenAuthenticator, default_authenticator
from fakekapi.auth.authz import Decision, default_authorizer
from fakekapi.auth.modes import (
    Explained,
    ExplainingAuthorizer,
    ModeAuthorizer,
    build_authorizer,
)
from fakekapi.auth.rbac import RBACIndex, RBACSource
from fakekapi.auth.serviceaccount import SigningKey
from fakekapi.server import entrypoints as resources  # imports the handler at first use
from fakekapi.server import health, logfilters
from fakekapi.server.authsetup import AUTH, AuthSetup, ServerAccess, setup_auth
from fakekapi.server.console import routes as console
from fakekapi.server.entrypoints import add_common_headers, pipeline
from fakekapi.server.handlers import info, oidc, openapi
from fakekapi.server.inflight import InFlight
from fakekapi.server.metrics import Metrics
from fakekapi.server.offload import OFFLOAD, Offloader
from fakekapi.server.settings import Settings
from fakekapi.server.state import (
    AUTHENTICATOR,
    AUTHORIZER,
    CACHES,
    CATALOG,
    INFLIGHT,
    METRICS,
    REGISTRY,
    SETTINGS,
    WATCHES,
    RequestCaches,
)
from fakekapi.server.watch import WatchTracker
from fakekapi.store.trim import release_free_memory

if TYPE_CHECKING:
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.controllers.kubernetes_service import ApiEndpoint
    from fakekapi.datadir.pki import PKI
    from fakekapi.registry.fixtures import FixtureDocument, FixtureReport
    from fakekapi.registry.registry import Registry
    from fakekapi.server.ports import RegistryAPI
    from fakekapi.store.base import Store

Lifecycle = Callable[[web.Application], AsyncIterator[None]]
"""A cleanup-context function: start-up before its `yield`, shutdown after."""
INFORMERS_SYNC_WAIT = 30.0
"""Seconds start-up waits for the controllers' informers to list what is stored (they list
again in the background if that fails)."""
API_ENDPOINT: web.AppKey[ApiEndpoint] = web.AppKey("api_endpoint")
"""Where the server listens (for the `kubernetes` Service); run.py sets port 0 once bound."""


class Components(NamedTuple):
    """The default collaborators of a server, built from Settings."""

    catalog: Catalog
    store: Store
    registry: Registry
    """The registry itself, not only the server's port of it: start-up bootstraps, runs the
    controllers and applies fixtures through it."""
    authenticator: Authenticator
    authorizer: ModeAuthorizer
    rbac_index: RBACIndex | None = None
    """The RBAC objects the authorizer judges by, kept current by informers while serving."""


def escalation_check(authorizer: ModeAuthorizer, index: RBACIndex) -> RBACEscalationCheck:
    """RBAC escalation prevention over the authorizer chain and the RBAC index it judges by."""

    def role_rules(kind: str, namespace: str, name: str) -> Any:
        if kind == "ClusterRole":
            return index.cluster_roles.get(name)
        return index.roles.get((namespace, name))

    return RBACEscalationCheck(
        lambda user, info: authorizer.authorize(user, info)[0] is Decision.ALLOW,
        index.rules_for,
        role_rules,
    )


def create_components(
    settings: Settings,
    *,
    store: Store | None = None,
    token_authenticators: Sequence[TokenAuthenticator] = (),
) -> Components:
    """Catalog, store (SQLite in the data dir unless one is given), registry, authn, authz.

    `token_authenticators` check bearer tokens (token file, ServiceAccount JWTs), in order.
    """
    from fakekapi.admission.chain import install
    from fakekapi.catalog.catalog import Catalog
    from fakekapi.registry.registry import Registry

    catalog = Catalog.builtin(settings.runtime_config, settings.kubernetes_version or None)
    if store is None:
        from fakekapi.store.sqlite import SqliteStore

        store = SqliteStore(
            settings.data_dir / "store.db", history_min_seconds=settings.etcd_compaction_interval
        )
    registry = Registry(store, catalog)
    rbac_index = RBACIndex()
    authorizer = build_authorizer(settings.authorization_mode, rbac_index)
    install(registry, escalation_check(authorizer, rbac_index))
    return Components(
        catalog=catalog,
        store=store,
        registry=registry,
        authenticator=default_authenticator(
            anonymous=settings.anonymous_auth, token_authenticators=token_authenticators
        ),
        authorizer=authorizer,
        rbac_index=rbac_index,
    )


def components_lifecycle(
    settings: Settings,
    components: Components,
    pki: PKI | None = None,
    auth: AuthSetup | None = None,
    api_endpoint: ApiEndpoint | None = None,
    fixture_report: FixtureReport | None = None,
    fixture_docs: list[FixtureDocument] | None = None,
) -> Lifecycle:
    """Open the store, bootstrap, apply fixtures and start controllers; undo it in reverse.

    `api_endpoint`: where the server listens, for the `kubernetes` Service's endpoints.
    `fixture_report`: record every bad fixture there instead of failing on the first (how
    `fakekapi fixtures check` judges fixtures by this very start-up).
    `fixture_docs`: the documents of `settings.fixtures` as the caller read them already (the
    check before anything is written), so the files are not parsed twice; start-up checks their
    kinds against this server's catalog, applies them and empties the list (they are start-up's
    garbage: held to the end they would keep ~6 KiB per document). None: read the files."""

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        from fakekapi.client.informer import SharedInformers
        from fakekapi.controllers.early import Controllers
        from fakekapi.controllers.manager import ControllerManager
        from fakekapi.controllers.names import parse
        from fakekapi.nodes import Nodes
        from fakekapi.registry.bootstrap import bootstrap
        from fakekapi.registry.rbac_bootstrap import bootstrap_rbac

        registry = components.registry
        await components.store.start()
        controllers: Controllers | None = None
        manager: ControllerManager | None = None
        selection = parse(settings.controllers)
        informers = SharedInformers(registry)
        """One cache per resource type for kube-controller-manager's controllers (and nodes)."""
        nodes: Nodes | None = None
        rbac: RBACSource | None = None
        try:
            await bootstrap(registry)
            await bootstrap_rbac(registry)
            # Controllers before fixtures: the CRD controller serves the types of fixture CRDs.
            controllers = Controllers.start(
                registry,
                pki.ca_pem if pki is not None else "",
                token_signer=auth.signing_key if auth is not None else None,
                api_endpoint=api_endpoint,
                enabled=selection.enabled,
            )
            manager = ControllerManager.start(
                registry,
                selection,
                informers=informers,
                kubernetes_version=settings.kubernetes_version,
            )
            if auth is not None and controllers.tokens is not None:
                auth.legacy_use = controllers.tokens.record_use
            if settings.fixtures:
                # Imported only for fixtures: a start without them never needs the loader.
                from fakekapi.registry.fixtures import (
                    apply_fixtures,
                    known_kinds,
                    load_fixture_files,
                )

                if fixture_docs is not None:
                    docs = known_kinds(fixture_docs, components.catalog, fixture_report)
                    fixture_docs.clear()
                else:
                    docs = load_fixture_files(
                        list(settings.fixtures), components.catalog, fixture_report
                    )
                # No client has seen a revision yet: the history keeps only the load's last.
                bulk_load = getattr(components.store, "bulk_load", None)
                with bulk_load() if bulk_load is not None else contextlib.nullcontext():
                    await apply_fixtures(registry, docs, fixture_report)
                del docs  # the parsed manifests are not needed once applied (~6 KiB each)
            # The nodes register before serving, so the first pods already have somewhere to go.
            nodes = await Nodes.start(
                registry,
                settings.nodes,
                settings.kubernetes_version,
                informers=informers,
                serving=api_endpoint.known if api_endpoint is not None else None,
            )
            if components.rbac_index is not None:
                rbac = RBACSource(registry, components.rbac_index)
                await rbac.start()  # authorization decides on a complete policy only
            # The controllers' first lists are start-up's too: once they are in, what they decoded
            # is garbage and what they hold is final (a list still decoding at ready held every
            # object's pre-repack bytes: +26 MiB with 10,000 ConfigMaps, +50 with Secrets).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    asyncio.gather(controllers.wait_synced(), informers.wait_synced()),
                    INFORMERS_SYNC_WAIT,
                )
            # What start-up loaded (bootstrap, fixtures) lives as long as the server: keep it out
            # of the cyclic GC's full collections, whose cost grows with the heap (measured: ~15%
            # fewer requests/s with 6,000 extra objects otherwise; bench/bench_rbac.py).
            # A full collection first, although it costs ~50 ms with 10,000 objects stored: with
            # only a young-generation one, authorized GETs with 6,000 RBAC fixtures ran 10-25%
            # slower than with the bootstrap policy (bench/bench_rbac.py), against 1-6% after it.
            gc.collect()
            # Start-up's garbage (parsed fixtures, each write's intermediate objects) is free
            # now: pack the stored objects densely and hand the free pages back to the OS
            # instead of holding the peak (store.repack's docstring has the figures).
            # (Repacking makes no cycles: the old copies go as their last reference does.)
            repack = getattr(components.store, "repack", None)
            if repack is not None:
                repack()
            gc.freeze()
            release_memory = getattr(components.store, "release_memory", None)
            if release_memory is not None:
                await release_memory()
            release_free_memory()
            yield
        finally:
            if auth is not None:
                auth.legacy_use = None
            if nodes is not None:
                await nodes.stop()
            if manager is not None:
                await manager.stop()
            if controllers is not None:
                await controllers.stop()
            if rbac is not None:
                await rbac.stop()
            await components.store.close()

    return lifecycle


def build_app(
    settings: Settings,
    *,
    pki: PKI | None = None,
    registry: RegistryAPI | None = None,
    catalog: Catalog | None = None,
    authenticator: Authenticator | None = None,
    authorizer: ExplainingAuthorizer | None = None,
    token_authenticators: Sequence[TokenAuthenticator] = (),
    lifecycle: Lifecycle | None = None,
    fixture_docs: list[FixtureDocument] | None = None,
) -> web.Application:
    """The API server application.

    With no `registry`, the defaults come from `create_components(settings)` and the app owns
    their start-up and shutdown. With a `registry`, the caller owns it (and its store); pass its
    `catalog` too unless `registry.catalog` is the one to serve. `lifecycle` adds a cleanup
    context of the caller's (started before the app serves, ended after it stops).
    `token_authenticators` feed the default authenticator's bearer-token check.
    `fixture_docs`: settings.fixtures read already (see `components_lifecycle`).
    """
    if registry is None:
        components = create_components(settings, token_authenticators=token_authenticators)
        registry = components.registry
        auth = _auth_setup(settings, pki, components.store)
        catalog = catalog or components.catalog
        if authenticator is None and auth is not None:
            authenticator = default_authenticator(
                anonymous=settings.anonymous_auth,
                token_authenticators=[*auth.token_authenticators, *token_authenticators],
            )
        authenticator = authenticator or components.authenticator
        authorizer = authorizer or components.authorizer
        from fakekapi.controllers.kubernetes_service import ApiEndpoint

        # The port is known here unless it is 0 (any free port); run.py sets it once bound,
        # and the `kubernetes` Service is reconciled from then on.
        api_endpoint: ApiEndpoint | None = ApiEndpoint(settings.host, settings.port)
        own_lifecycle: Lifecycle | None = components_lifecycle(
            settings, components, pki, auth, api_endpoint, fixture_docs=fixture_docs
        )
    else:
        auth = _auth_setup(settings, pki, registry.store)
        if authenticator is None and auth is not None:
            authenticator = default_authenticator(
                anonymous=settings.anonymous_auth,
                token_authenticators=[*auth.token_authenticators, *token_authenticators],
            )
        own_lifecycle = None
        api_endpoint = None
        if catalog is None:
            catalog = registry.catalog
    assert catalog is not None

    logfilters.install()
    app = web.Application(middlewares=[pipeline], client_max_size=resources.MAX_BODY_BYTES + 1)
    app[SETTINGS] = settings
    app[CATALOG] = catalog
    app[REGISTRY] = registry
    app[AUTHENTICATOR] = authenticator or default_authenticator(anonymous=settings.anonymous_auth)
    app[AUTHORIZER] = authorizer or Explained(default_authorizer())
    registry.access = ServerAccess(auth, app[AUTHORIZER])
    app[METRICS] = Metrics()
    app[CACHES] = RequestCaches()
    app[INFLIGHT] = InFlight(
        settings.max_requests_inflight, settings.max_mutating_requests_inflight
    )
    if api_endpoint is not None:
        app[API_ENDPOINT] = api_endpoint
    if auth is not None:
        app[AUTH] = auth
        if auth.audit is not None:
            app.on_cleanup.append(lambda _app: _close_audit(auth))
    watches = WatchTracker()
    app[WATCHES] = watches
    app[OFFLOAD] = Offloader()

    app.on_response_prepare.append(add_common_headers)
    app.on_shutdown.append(watches.on_shutdown)
    if own_lifecycle is not None:
        app.cleanup_ctx.append(own_lifecycle)
    if lifecycle is not None:
        app.cleanup_ctx.append(lifecycle)
    app.cleanup_ctx.append(watches.cleanup_ctx)
    app.cleanup_ctx.append(app[OFFLOAD].cleanup_ctx)

    _add_routes(app, watches)
    return app


_EPHEMERAL_KEY: list[SigningKey] = []


def _auth_setup(settings: Settings, pki: PKI | None, store: Store | None) -> AuthSetup | None:
    """ServiceAccount tokens, the token file and audit (None without a store to look up in).

    The key is the data dir's `pki/sa.key`; without a PKI (in-process tests) one key per
    process is generated.
    """
    if store is None or not hasattr(store, "get"):
        return None
    if pki is not None:
        key = SigningKey.from_file(pki.sa_key_path)
    else:
        if not _EPHEMERAL_KEY:
            _EPHEMERAL_KEY.append(SigningKey.generate())
        key = _EPHEMERAL_KEY[0]
    return setup_auth(settings, key, store)


async def _close_audit(auth: AuthSetup) -> None:
    if auth.audit is not None:
        auth.audit.close()


def _add_routes(app: web.Application, watches: WatchTracker) -> None:
    router = app.router
    paths = ["/version", "/metrics", "/api", "/apis", "/apis/"]
    router.add_get("/version", info.version)
    router.add_get("/version/", info.version)
    router.add_get("/", info.index)
    router.add_route("*", "/metrics", info.metrics_handler)
    paths += health.add_routes(app, lambda: watches.closing)
    paths += openapi.add_routes(app)
    console.add_routes(app)
    if AUTH in app:
        paths += oidc.add_routes(app)
    for prefix in ("/api", "/apis"):
        # The catch-all first: the router tries a prefix's resources in order, and nearly every
        # request is below /api/ or /apis/ (the three patterns never match the same path).
        router.add_route("*", prefix + "/{tail:.+}", resources.handle)
        router.add_route("*", prefix, resources.handle)
        router.add_route("*", prefix + "/", resources.handle)
    app[info.ROOT_PATHS] = paths
