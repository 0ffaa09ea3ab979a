"""The Postman v2.1 collection of what a ServiceAccount may do, judged by an authorizer.

The pure builders behind `fakekapi postman export` (fakekapi/sandbox/postman.py writes the files,
over the data dir) and the console's collection download (server/console/routes.py, as the
running server's authorizer judges). They live in auth, below both: each expectation is an
authorization decision rendered as a request, and the server must not import the sandbox.

The collection authenticates with `Bearer {{token}}` from the environment, so the same file works
for any ServiceAccount: export again (or edit the environment) to switch. It has:

* `Walkthrough`: the steps of the README's Postman walkthrough, each with tests asserting the
  status code a real cluster would give this ServiceAccount: 2xx for what it may do, 403 for
  what it may not (with kube's Status body and message), 401 for a wrong token;
* one folder per API group version of the discovery documents (the preferred version of every
  group, as `kubectl api-resources` shows them): the group's discovery document, a list of every
  resource that can be listed, and a get of the well-known objects that exist (the namespace, the
  ServiceAccount, its token Secret, `kube-root-ca.crt`, ...). Each of those asserts its status
  code too, so running the whole collection (Postman's runner, or newman) checks both the server
  and one's understanding of RBAC.

The expected codes are computed when exporting, by the same RBAC authorizer the server runs, over
the RBAC objects in the data dir (plus the bootstrap policy a start always reconciles). They hold
while those objects stay as they are and the server runs with the default
`--authorization-mode RBAC`.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from fakekapi import __version__
from fakekapi.auth.authz import Decision, forbidden_message
from fakekapi.auth.modes import ModeAuthorizer
from fakekapi.auth.rbac import RBAC_GROUP, RBACAuthorizer, RBACIndex
from fakekapi.auth.serviceaccount import sa_groups
from fakekapi.catalog import discovery
from fakekapi.catalog.catalog import Catalog
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import ALL_AUTHENTICATED, UserInfo
from fakekapi.registry.rbac.rules import non_resource_attributes, resource_attributes

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
COLLECTION_FILE = "fakekapi.postman_collection.json"
ENVIRONMENT_FILE = "fakekapi.postman_environment.json"
CA_FILE = "ca.crt"
BAD_TOKEN = "this-is-not-a-valid-token"

SECRET_SUFFIX = "-token"
"""The token Secret `fakekapi serviceaccount create` makes for a ServiceAccount: NAME-token."""


def token_secret_name(sa_name: str) -> str:
    return f"{sa_name}{SECRET_SUFFIX}"


def sa_username(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


# -- what the ServiceAccount may do --------------------------------------------------------------


@dataclass(frozen=True)
class Expectation:
    """What the server answers one request of the ServiceAccount, and why."""

    code: int
    why: str
    forbidden: str = ""
    """For a 403: the sentence kube's message contains (`User "..." cannot ...`)."""


class Judge:
    """The server's authorizer for one user, turned into expected status codes."""

    def __init__(self, index: RBACIndex | None, user: UserInfo, authorizer: Any = None) -> None:
        """Over `index` with RBAC alone, or over a running server's own `authorizer`."""
        self.authorizer = authorizer or ModeAuthorizer(("RBAC",), RBACAuthorizer(index))
        self.user = user

    def expect(self, attrs: RequestInfo, success: int = 200) -> Expectation:
        verdict = self.authorizer.verdict(self.user, attrs)
        if verdict.decision is Decision.ALLOW:
            return Expectation(success, verdict.explanation)
        return Expectation(403, verdict.explanation, forbidden_message(self.user, attrs))

    def allowed(self, attrs: RequestInfo) -> bool:
        return self.authorizer.verdict(self.user, attrs).decision is Decision.ALLOW

    def resource(
        self,
        verb: str,
        group: str,
        resource: str,
        namespace: str = "",
        name: str = "",
        success: int = 200,
    ) -> Expectation:
        return self.expect(
            resource_attributes(
                verb, group=group, resource=resource, namespace=namespace, name=name
            ),
            success,
        )

    def path(self, path: str) -> Expectation:
        return self.expect(non_resource_attributes("get", path))


def sa_user(namespace: str, name: str) -> UserInfo:
    """The user a token of ServiceAccount NS/NAME authenticates as."""
    return UserInfo(
        name=sa_username(namespace, name), groups=(*sa_groups(namespace), ALL_AUTHENTICATED)
    )


# -- collection items ----------------------------------------------------------------------------


def _js(value: Any) -> str:
    return json.dumps(value)


def _tests(title: str, exp: Expectation, extra: list[str] | None = None) -> list[str]:
    lines = [
        f"pm.test({_js(title)}, function () {{",
        f"    pm.response.to.have.status({exp.code});",
        "});",
    ]
    if exp.code in (401, 403):
        reason = "Unauthorized" if exp.code == 401 else "Forbidden"
        lines += [
            f"pm.test({_js(f'the body is a Kubernetes Status, reason {reason}')}, function () {{",
            "    const status = pm.response.json();",
            '    pm.expect(status.kind).to.eql("Status");',
            f"    pm.expect(status.code).to.eql({exp.code});",
            f"    pm.expect(status.reason).to.eql({_js(reason)});",
        ]
        if exp.forbidden:
            lines.append(f"    pm.expect(status.message).to.include({_js(exp.forbidden)});")
        lines.append("});")
    elif extra:
        lines += extra
    return lines


def _url(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    segments = [s for s in path.split("/") if s]
    raw = "{{baseUrl}}/" + "/".join(segments)
    url: dict[str, Any] = {"raw": raw, "host": ["{{baseUrl}}"], "path": segments}
    if query:
        url["raw"] += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        url["query"] = [{"key": k, "value": v} for k, v in query.items()]
    return url


def request_item(
    name: str,
    method: str,
    path: str,
    exp: Expectation,
    *,
    description: str = "",
    body: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
    auth: dict[str, Any] | None = None,
    extra_tests: list[str] | None = None,
) -> dict[str, Any]:
    """One request with its test script (expected status code and, on errors, the Status)."""
    headers = [{"key": "Accept", "value": "application/json"}]
    request: dict[str, Any] = {"method": method, "header": headers, "url": _url(path, query)}
    if body is not None:
        headers.append({"key": "Content-Type", "value": "application/json"})
        request["body"] = {
            "mode": "raw",
            "raw": json.dumps(body, indent=2),
            "options": {"raw": {"language": "json"}},
        }
    if auth is not None:
        request["auth"] = auth
    why = f"Expected: {exp.code}. {exp.why}".strip()
    request["description"] = f"{description}\n\n{why}".strip()
    title = f"{method} {path} → {exp.code}"
    return {
        "name": name,
        "event": [
            {
                "listen": "test",
                "script": {"type": "text/javascript", "exec": _tests(title, exp, extra_tests)},
            }
        ],
        "request": request,
        "response": [],
    }


def _bearer(variable: str) -> dict[str, Any]:
    return {
        "type": "bearer",
        "bearer": [{"key": "token", "value": f"{{{{{variable}}}}}", "type": "string"}],
    }


# -- the walkthrough ---------------------------------------------------------------------------


def walkthrough(judge: Judge, namespace: str, name: str, release: str) -> dict[str, Any]:
    """The README's steps as a folder (`{{namespace}}` etc. come from the environment)."""
    ns_var = "{{namespace}}"
    user = sa_username(namespace, name)
    items = []
    ssr = judge.resource("create", "authentication.k8s.io", "selfsubjectreviews", success=201)
    items.append(
        request_item(
            "1. Who am I? (SelfSubjectReview)",
            "POST",
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            ssr,
            description="What `kubectl auth whoami` asks: whom the bearer token authenticates.",
            body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
            extra_tests=[
                f"pm.test({_js(f'the token authenticates as {user}')}, function () {{",
                "    const review = pm.response.json();",
                f"    pm.expect(review.status.userInfo.username).to.eql({_js(user)});",
                "});",
            ],
        )
    )
    items.append(
        request_item(
            "2. Server version",
            "GET",
            "/version",
            judge.path("/version"),
            description="Open to everyone (ClusterRole system:public-info-viewer).",
            extra_tests=[
                f'pm.test("the server says Kubernetes v{release}", function () {{',
                f"    pm.expect(pm.response.json().minor).to.match(/^{release.split('.')[1]}/);",
                "});",
            ],
        )
    )
    items.append(
        request_item(
            "3. Discovery: the API groups",
            "GET",
            "/apis",
            judge.path("/apis"),
            description="Any authenticated user may read discovery (ClusterRole system:discovery).",
            extra_tests=_kind_test("APIGroupList"),
        )
    )
    pods = judge.resource("list", "", "pods", namespace)
    items.append(
        request_item(
            f"4. List pods in {namespace}",
            "GET",
            f"/api/v1/namespaces/{ns_var}/pods",
            pods,
            extra_tests=_kind_test("PodList"),
        )
    )
    secrets = judge.resource("list", "", "secrets", namespace)
    items.append(
        request_item(
            f"5. List secrets in {namespace}",
            "GET",
            f"/api/v1/namespaces/{ns_var}/secrets",
            secrets,
            description="The `view` ClusterRole deliberately leaves Secrets out.",
            extra_tests=_kind_test("SecretList"),
        )
    )
    items.append(
        request_item(
            "6. List namespaces (cluster scope)",
            "GET",
            "/api/v1/namespaces",
            judge.resource("list", "", "namespaces"),
            description="Cluster-scoped: needs a ClusterRoleBinding, a RoleBinding is not enough.",
            extra_tests=_kind_test("NamespaceList"),
        )
    )
    items.append(
        request_item(
            "7. List nodes (cluster scope)",
            "GET",
            "/api/v1/nodes",
            judge.resource("list", "", "nodes"),
            extra_tests=_kind_test("NodeList"),
        )
    )
    items.append(
        request_item(
            f"8. Create a ConfigMap in {namespace} (dry run)",
            "POST",
            f"/api/v1/namespaces/{ns_var}/configmaps",
            judge.resource("create", "", "configmaps", namespace, success=201),
            description="`dryRun=All`: validated and authorized as a real create, stored nowhere.",
            body={
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "postman-dry-run"},
                "data": {"hello": "world"},
            },
            query={"dryRun": "All"},
            extra_tests=_kind_test("ConfigMap"),
        )
    )
    allowed_js = _js(
        judge.allowed(resource_attributes("list", resource="secrets", namespace=namespace))
    )
    items.append(
        request_item(
            f"9. May I list secrets in {namespace}? (SelfSubjectAccessReview)",
            "POST",
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            judge.resource(
                "create", "authorization.k8s.io", "selfsubjectaccessreviews", success=201
            ),
            description="What `kubectl auth can-i list secrets` asks.",
            body={
                "apiVersion": "authorization.k8s.io/v1",
                "kind": "SelfSubjectAccessReview",
                "spec": {
                    "resourceAttributes": {
                        "namespace": namespace,
                        "verb": "list",
                        "resource": "secrets",
                    }
                },
            },
            extra_tests=[
                f"pm.test({_js(f'status.allowed is {allowed_js}')}, function () {{",
                f"    pm.expect(pm.response.json().status.allowed).to.eql({allowed_js});",
                "});",
            ],
        )
    )
    items.append(
        request_item(
            "10. A wrong token",
            "GET",
            "/apis",
            Expectation(
                401, "A bearer token no authenticator accepts is refused before authorization."
            ),
            description="The request's own auth replaces the collection's: `Bearer {{badToken}}`.",
            auth=_bearer("badToken"),
        )
    )
    return {
        "name": "Walkthrough",
        "description": (
            f"Requests as ServiceAccount {namespace}/{name}; each asserts what a real cluster "
            "answers it (run the folder to check them all)."
        ),
        "item": items,
    }


def _kind_test(kind: str) -> list[str]:
    return [
        f"pm.test({_js(f'kind is {kind}')}, function () {{",
        f"    pm.expect(pm.response.json().kind).to.eql({_js(kind)});",
        "});",
    ]


# -- folders per API group -----------------------------------------------------------------------


@dataclass(frozen=True)
class KnownObject:
    """A well-known object to `get` in the group folders, if it exists when exporting."""

    group: str
    plural: str
    namespace: str
    name: str
    path_name: str
    """The name as written in the URL (may be an environment variable)."""


def group_folders(
    catalog: Catalog, judge: Judge, namespace: str, known: list[KnownObject]
) -> list[dict[str, Any]]:
    """One folder per served group version (preferred versions, as discovery lists them)."""
    versions: list[tuple[str, str]] = [("", v) for v in discovery.api_versions(catalog)["versions"]]
    for group in discovery.api_group_list(catalog)["groups"]:
        versions.append((group["name"], group["preferredVersion"]["version"]))
    folders = []
    for group, version in versions:
        listing = discovery.api_resource_list(catalog, group, version)
        if listing is None:
            continue
        base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        items = [
            request_item(
                "Discovery: resources",
                "GET",
                base,
                judge.path(base),
                description=f"The APIResourceList of {group or 'core'}/{version}.",
                extra_tests=_kind_test("APIResourceList"),
            )
        ]
        for res in listing["resources"]:
            plural = res["name"]
            if "/" in plural or "list" not in res.get("verbs", []):
                continue
            namespaced = bool(res.get("namespaced"))
            path = (
                f"{base}/namespaces/{{{{namespace}}}}/{plural}"
                if namespaced
                else f"{base}/{plural}"
            )
            items.append(
                request_item(
                    f"List {plural}" + (" in {{namespace}}" if namespaced else ""),
                    "GET",
                    path,
                    judge.resource("list", group, plural, namespace if namespaced else ""),
                    extra_tests=_kind_test(f"{res['kind']}List"),
                )
            )
            for obj in known:
                if (obj.group, obj.plural) != (group, plural):
                    continue
                obj_path = (
                    f"{base}/namespaces/{{{{namespace}}}}/{plural}/{obj.path_name}"
                    if namespaced
                    else f"{base}/{plural}/{obj.path_name}"
                )
                items.append(
                    request_item(
                        f"Get {res['singularName'] or plural} {obj.path_name}",
                        "GET",
                        obj_path,
                        judge.resource("get", group, plural, _request_namespace(obj), obj.name),
                        extra_tests=_kind_test(res["kind"]),
                    )
                )
        title = f"core ({version})" if not group else f"{group} ({version})"
        folders.append({"name": title, "item": items})
    return folders


# -- the files -----------------------------------------------------------------------------------


def build_collection(
    catalog: Catalog, judge: Judge, namespace: str, name: str, known: list[KnownObject]
) -> dict[str, Any]:
    return {
        "info": {
            "_postman_id": str(uuid.uuid4()),
            "name": f"fakekapi ({namespace}/{name})",
            "description": (
                f"Kubernetes v{catalog.release} API requests as a ServiceAccount, exported by "
                f"`fakekapi postman export --serviceaccount {namespace}/{name}`. Authorization: "
                "Bearer {{token}} from the environment; trust the exported ca.crt in "
                "Settings → Certificates → CA certificates."
            ),
            "schema": SCHEMA,
        },
        "auth": _bearer("token"),
        "item": [
            walkthrough(judge, namespace, name, catalog.release),
            *group_folders(catalog, judge, namespace, known),
        ],
    }


def build_environment(url: str, token: str, namespace: str, name: str) -> dict[str, Any]:
    def var(key: str, value: str, secret: bool = False) -> dict[str, Any]:
        return {
            "key": key,
            "value": value,
            "type": "secret" if secret else "default",
            "enabled": True,
        }

    return {
        "id": str(uuid.uuid4()),
        "name": f"fakekapi {namespace}/{name}",
        "values": [
            var("baseUrl", url),
            var("token", token, secret=True),
            var("namespace", namespace),
            var("serviceAccount", name),
            var("tokenSecret", token_secret_name(name)),
            var("badToken", BAD_TOKEN),
        ],
        "_postman_variable_scope": "environment",
        "_postman_exported_using": f"fakekapi/{__version__}",
    }


def _request_namespace(obj: KnownObject) -> str:
    """The namespace kube's RequestInfo gives a get: a Namespace's own name for namespaces."""
    if (obj.group, obj.plural) == ("", "namespaces"):
        return obj.name
    return obj.namespace


def known_objects(store: Any, namespace: str, name: str) -> list[KnownObject]:
    candidates = [
        KnownObject("", "namespaces", "", namespace, "{{namespace}}"),
        KnownObject("", "serviceaccounts", namespace, name, "{{serviceAccount}}"),
        KnownObject("", "secrets", namespace, token_secret_name(name), "{{tokenSecret}}"),
        KnownObject("", "configmaps", namespace, "kube-root-ca.crt", "kube-root-ca.crt"),
        KnownObject(RBAC_GROUP, "clusterroles", "", "view", "view"),
        KnownObject(RBAC_GROUP, "clusterrolebindings", "", "system:discovery", "system:discovery"),
    ]
    out = []
    for obj in candidates:
        group = obj.group or "core"
        key = (
            f"/{group}/{obj.plural}/{obj.namespace}/{obj.name}"
            if obj.namespace
            else f"/{group}/{obj.plural}/{obj.name}"
        )
        if store.get(key) is not None:
            out.append(obj)
    return out


def collection_for_server(
    catalog: Catalog, authorizer: Any, store: Any, namespace: str, name: str
) -> dict[str, Any]:
    """The collection of ServiceAccount NS/NAME as a running server judges it (the console)."""
    judge = Judge(None, sa_user(namespace, name), authorizer)
    return build_collection(catalog, judge, namespace, name, known_objects(store, namespace, name))


_STATUS_ASSERTION = re.compile(r"pm\.response\.to\.have\.status\((\d+)\)")


def expected_codes(collection: dict[str, Any]) -> dict[str, int]:
    """`folder/request name` → the status code its test asserts (for summaries and tests)."""
    out: dict[str, int] = {}

    def walk(items: list[dict[str, Any]], prefix: str) -> None:
        for item in items:
            if "item" in item:
                walk(item["item"], f"{prefix}{item['name']}/")
                continue
            for event in item.get("event") or []:
                for line in event["script"]["exec"]:
                    m = _STATUS_ASSERTION.search(line)
                    if m:
                        out[f"{prefix}{item['name']}"] = int(m.group(1))

    walk(collection["item"], "")
    return out


__all__ = [
    "CA_FILE",
    "COLLECTION_FILE",
    "ENVIRONMENT_FILE",
    "SECRET_SUFFIX",
    "Expectation",
    "Judge",
    "KnownObject",
    "build_collection",
    "build_environment",
    "collection_for_server",
    "expected_codes",
    "known_objects",
    "sa_user",
    "sa_username",
    "token_secret_name",
]
