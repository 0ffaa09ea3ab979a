"""`/ui/` (the console's assets) and its API under `/fakekapi/v1/`.

The API is made of non-resource URLs, so RBAC decides who may use it exactly as it decides for
`/healthz` or `/metrics`: `cluster-admin` (nonResourceURLs `*`) may, a `view` ServiceAccount may
not and gets kube's 403 with the explanation, which the page shows.
- `GET /fakekapi/v1/requests`: the recent request records, then every new one, as JSON lines
  (the body of a fetch() stream: EventSource cannot send an Authorization header);
  `?follow=false` answers the recent ones as one JSON array;
- `GET /fakekapi/v1/identities`: ServiceAccounts' users, the users and groups seen, the binding
  subjects;
- `POST /fakekapi/v1/access`: for a user (and groups), the verdict of each (verb, resource) pair
  asked, decided by the server's own authorizer (the one SubjectAccessReview and every request
  use), with kube's reason and the explanation `fakekapi explain` prints;
- `POST /fakekapi/v1/postman`: the Postman collection and environment for a ServiceAccount and
  the token the caller already holds (the same files `fakekapi postman export` writes).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from fakekapi.auth.explain import Explanation, impersonated_user, request_attributes
from fakekapi.core import packagedata
from fakekapi.core.errors import bad_request, internal, page_not_found
from fakekapi.server.console.feed import FEED_PATH, RequestFeed
from fakekapi.server.state import AUTHORIZER, CATALOG, REGISTRY, WATCHES
from fakekapi.server.state import CONSOLE_FEED as FEED

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}
_HEARTBEAT_SECONDS = 15.0
MAX_ACCESS_QUESTIONS = 400


def _asset(name: str) -> bytes | None:
    if not name or "/" in name or name.startswith("."):
        return None
    path = packagedata.package_dir("fakekapi.server.console") / "static" / name
    return path.read_bytes() if path.is_file() else None


async def ui_redirect(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/ui/")


async def ui_asset(request: web.Request) -> web.StreamResponse:
    name = request.match_info.get("name") or "index.html"
    data = _asset(name)
    suffix = name[name.rfind(".") :] if "." in name else ""
    if data is None or suffix not in _TYPES:
        raise page_not_found()
    return web.Response(
        body=data,
        headers={
            "Content-Type": _TYPES[suffix],
            # The page never loads anything from elsewhere, and never runs inline script.
            "Content-Security-Policy": (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


async def requests_feed(request: web.Request) -> web.StreamResponse:
    feed = request.app[FEED]
    if request.query.get("follow") == "false":
        return web.json_response(feed.recent())
    queue = feed.subscribe()
    tracker = request.app[WATCHES]
    stop = tracker.open()
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
    resp.enable_chunked_encoding()
    try:
        await resp.prepare(request)
        backlog = b"".join(json.dumps(r).encode() + b"\n" for r in feed.recent())
        await resp.write(backlog or b"\n")
        while not stop.is_set():
            getter = asyncio.ensure_future(queue.get())
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait(
                {getter, stopper}, timeout=_HEARTBEAT_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
            stopper.cancel()
            if getter in done:
                await resp.write(json.dumps(getter.result().to_json()).encode() + b"\n")
            else:
                getter.cancel()
                if not done:
                    await resp.write(b"\n")  # a heartbeat: proxies and browsers keep it open
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        feed.unsubscribe(queue)
        tracker.release(stop)
    return resp


async def identities(request: web.Request) -> web.Response:
    registry: Any = request.app[REGISTRY]
    catalog = request.app[CATALOG]
    accounts: list[dict[str, Any]] = []
    sa_type = catalog.lookup("", "v1", "serviceaccounts")
    if sa_type is not None:
        listing = await registry.list(sa_type, "", _list_options())
        for item in listing.get("items") or []:
            md = item.get("metadata") or {}
            accounts.append({"namespace": md.get("namespace"), "name": md.get("name")})
    subjects: set[tuple[str, str]] = set()
    for plural in ("clusterrolebindings", "rolebindings"):
        rt = catalog.lookup("rbac.authorization.k8s.io", "v1", plural)
        if rt is None:
            continue
        listing = await registry.list(rt, "", _list_options())
        for binding in listing.get("items") or []:
            for s in binding.get("subjects") or []:
                if isinstance(s, dict) and s.get("kind") in ("User", "Group"):
                    subjects.add((str(s["kind"]), str(s.get("name") or "")))
    seen = request.app[FEED].users_seen
    return web.json_response(
        {
            "serviceAccounts": accounts,
            "usersSeen": [{"name": u, "groups": list(g)} for u, g in seen.items()],
            "users": sorted(n for k, n in subjects if k == "User"),
            "groups": sorted(n for k, n in subjects if k == "Group"),
        }
    )


def _list_options() -> Any:
    from fakekapi.registry.generic.options import ListOptions

    return ListOptions()


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError) as e:
        raise bad_request(f"the request body is not JSON: {e}") from None
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    return body


async def access(request: web.Request) -> web.Response:
    """Verdicts for `{"user": U, "groups": [...], "questions": [{"verb", "resource",
    "namespace", "name"}]}`, in the order asked."""
    body = await _json_body(request)
    user = body.get("user")
    groups = body.get("groups") or []
    questions = body.get("questions")
    if not isinstance(user, str) or not user:
        raise bad_request("user: a user name is required")
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise bad_request("groups: must be a list of strings")
    if not isinstance(questions, list) or len(questions) > MAX_ACCESS_QUESTIONS:
        raise bad_request(f"questions: a list of at most {MAX_ACCESS_QUESTIONS} is required")
    who = impersonated_user(user, groups)
    authorizer = request.app[AUTHORIZER]
    catalog = request.app[CATALOG]
    answers = []
    for q in questions:
        if not isinstance(q, dict):
            raise bad_request("questions: each is an object with verb and resource")
        try:
            attrs = request_attributes(
                catalog,
                str(q.get("verb") or ""),
                str(q.get("resource") or ""),
                str(q.get("namespace") or ""),
                str(q.get("name") or ""),
            )
        except ValueError as e:
            raise bad_request(str(e)) from None
        verdict = authorizer.verdict(who, attrs)
        explained = Explanation(who, attrs, verdict)
        answers.append(
            {
                "verb": attrs.verb,
                "resource": q.get("resource"),
                "namespace": attrs.namespace,
                "allowed": explained.allowed,
                "reason": verdict.reason,
                "explanation": verdict.explanation,
                "binding": verdict.binding,
                "role": verdict.role,
                "text": explained.render(),
            }
        )
    return web.json_response({"user": who.to_json(), "answers": answers})


async def postman(request: web.Request) -> web.Response:
    """`{"namespace", "name", "token"}` → `{"collection", "environment"}`."""
    body = await _json_body(request)
    namespace, name, token = body.get("namespace"), body.get("name"), body.get("token")
    if not all(isinstance(v, str) and v for v in (namespace, name, token)):
        raise bad_request("namespace, name and token are required")
    assert isinstance(namespace, str) and isinstance(name, str) and isinstance(token, str)
    from fakekapi.auth.postman import build_environment

    url = f"{request.scheme}://{request.host}"
    return web.json_response(
        {
            "environment": build_environment(url, token, namespace, name),
            "collection": await _collection(request, namespace, name),
        }
    )


async def _collection(request: web.Request, namespace: str, name: str) -> dict[str, Any]:
    from fakekapi.auth.postman import collection_for_server

    store = request.app[REGISTRY].store
    if store is None:
        raise internal("the registry keeps no store to read the collection from")
    return collection_for_server(
        request.app[CATALOG], request.app[AUTHORIZER], store, namespace, name
    )


def add_routes(app: web.Application) -> None:
    """Register the console; its feed is filled by the access-log stage (middleware)."""
    app[FEED] = RequestFeed()
    router = app.router
    router.add_get("/ui", ui_redirect)
    router.add_get("/ui/", ui_asset)
    router.add_get("/ui/{name}", ui_asset)
    router.add_get(FEED_PATH, requests_feed)
    router.add_get("/fakekapi/v1/identities", identities)
    router.add_post("/fakekapi/v1/access", access)
    router.add_post("/fakekapi/v1/postman", postman)


__all__ = ["FEED", "add_routes"]
