"""The authorization.k8s.io group's kinds (kube `pkg/registry/authorization/*/rest.go`): the
access reviews, answered by the server's own authorizer and never stored.

* SelfSubjectAccessReview: "may *I* do this?" for the requesting (possibly impersonated) user;
* SubjectAccessReview: "may this user/groups do this?" (groups exactly as given: a user without
  groups is judged as a member of none, not even system:authenticated);
* LocalSubjectAccessReview: the same, limited to the URL's namespace;
* SelfSubjectRulesReview: every rule the requesting user holds in `spec.namespace`.

Each answers 201 with the request's object plus `status` (the rules review answers a new object
with an empty spec, as kube does). The authorizer and rule resolver are the server's
(`Engine.access`, generic/access.py): the same authorizer that guards real requests decides, so
a review and a real request can never disagree.

Imports: fakekapi.registry.generic and the RBAC values (fakekapi.registry.rbac.rules).
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import INVALID, FieldError, bad_request, invalid, invalid_value
from fakekapi.core.objects import meta_of
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import Access, PolicyRuleLike
from fakekapi.registry.generic.strategy import ReviewStrategy, Strategy
from fakekapi.registry.rbac.rules import non_resource_attributes, resource_attributes

GROUP = "authorization.k8s.io"
_KINDS = {
    "selfsubjectaccessreviews": "SelfSubjectAccessReview",
    "subjectaccessreviews": "SubjectAccessReview",
    "localsubjectaccessreviews": "LocalSubjectAccessReview",
}
_RESOURCE_ATTRIBUTE_FIELDS = (
    "namespace",
    "verb",
    "group",
    "version",
    "resource",
    "subresource",
    "name",
    "fieldSelector",
    "labelSelector",
)


def _strip_empty(d: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(d, dict):
        return {}
    return {k: d[k] for k in keys if d.get(k) not in (None, "", [], {})}


def _struct_invalid(path: str, name: str, d: Any, detail: str) -> FieldError:
    """field.Invalid with a struct value, which Go prints with `%#v` (unquoted)."""
    d = d if isinstance(d, dict) else {}
    inner = ", ".join(f'{f.capitalize()}:"{d.get(f) or ""}"' for f in ("path", "verb"))
    return FieldError(INVALID, path, detail=f"authorization.{name}{{{inner}}}: {detail}")


def _spec_errors(spec: dict[str, Any], *, self_review: bool) -> list[FieldError]:
    """ValidateSubjectAccessReviewSpec / ValidateSelfSubjectAccessReviewSpec."""
    errs: list[FieldError] = []
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if ra is not None and nra is not None:
        errs.append(
            _struct_invalid(
                "spec.nonResourceAttributes",
                "NonResourceAttributes",
                nra,
                "cannot be specified in combination with resourceAttributes",
            )
        )
    if ra is None and nra is None:
        errs.append(
            invalid_value(
                "spec.resourceAttributes",
                "null",  # Go prints a nil pointer as the quoted string "null"
                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
            )
        )
    if not self_review and not spec.get("user") and not spec.get("groups"):
        errs.append(
            invalid_value(
                "spec.user",
                spec.get("user") or "",
                "at least one of user or group must be specified",
            )
        )
    return errs


def _attributes(spec: dict[str, Any]) -> RequestInfo:
    ra = spec.get("resourceAttributes")
    if isinstance(ra, dict):
        return resource_attributes(
            str(ra.get("verb") or ""),
            group=str(ra.get("group") or ""),
            resource=str(ra.get("resource") or ""),
            subresource=str(ra.get("subresource") or ""),
            namespace=str(ra.get("namespace") or ""),
            name=str(ra.get("name") or ""),
            version=str(ra.get("version") or "*"),
        )
    nra = spec.get("nonResourceAttributes") or {}
    return non_resource_attributes(str(nra.get("verb") or ""), str(nra.get("path") or ""))


def _normalized_spec(spec: dict[str, Any], *, self_review: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(spec.get("resourceAttributes"), dict):
        out["resourceAttributes"] = _strip_empty(
            spec["resourceAttributes"], _RESOURCE_ATTRIBUTE_FIELDS
        )
    if isinstance(spec.get("nonResourceAttributes"), dict):
        out["nonResourceAttributes"] = _strip_empty(spec["nonResourceAttributes"], ("path", "verb"))
    if not self_review:
        out.update(_strip_empty(spec, ("user", "groups", "extra", "uid")))
    return out


def _status(access: Access, user: UserInfo, attrs: RequestInfo) -> dict[str, Any]:
    decision = access.authorize(user, attrs)
    status: dict[str, Any] = {"allowed": decision.allowed}
    if decision.denied:
        status["denied"] = True
    if decision.reason:
        status["reason"] = decision.reason
    return status


def access_review(
    access: Access,
    requester: UserInfo,
    plural: str,
    namespace: str,
    obj: dict[str, Any],
) -> dict[str, Any]:
    """Answer a (Self|Local)SubjectAccessReview of resource `plural`; raises the 400/422
    StatusErrors kube does."""
    kind = _KINDS[plural]
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    self_review = plural == "selfsubjectaccessreviews"
    errs = _spec_errors(spec, self_review=self_review)
    md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    assert isinstance(md, dict)
    if plural == "localsubjectaccessreviews":
        ra = spec.get("resourceAttributes")
        obj_ns = str(md.get("namespace") or namespace)
        if isinstance(ra, dict) and str(ra.get("namespace") or "") != obj_ns:
            errs.append(
                invalid_value(
                    "spec.resourceAttributes.namespace",
                    str(ra.get("namespace") or ""),
                    "must match metadata.namespace",
                )
            )
        if spec.get("nonResourceAttributes") is not None:
            errs.append(
                _struct_invalid(
                    "spec.nonResourceAttributes",
                    "NonResourceAttributes",
                    spec["nonResourceAttributes"],
                    "disallowed on this kind of request",
                )
            )
    if errs:
        raise invalid(kind, GROUP, "", errs)
    if plural == "localsubjectaccessreviews" and not namespace:
        raise bad_request(f"namespace is required on this type: {namespace}")
    if self_review:
        user = requester
    else:
        extra = spec.get("extra") if isinstance(spec.get("extra"), dict) else {}
        assert isinstance(extra, dict)
        user = UserInfo(
            name=str(spec.get("user") or ""),
            uid=str(spec.get("uid") or ""),
            groups=tuple(str(g) for g in spec.get("groups") or ()),
            extra={str(k): tuple(str(x) for x in v or ()) for k, v in extra.items()},
        )
    meta = dict(meta_of(obj))
    meta.setdefault("creationTimestamp", None)
    if plural == "localsubjectaccessreviews":
        meta["namespace"] = namespace
    return {
        "kind": kind,
        "apiVersion": f"{GROUP}/v1",
        "metadata": meta,
        "spec": _normalized_spec(spec, self_review=self_review),
        "status": _status(access, user, _attributes(spec)),
    }


def rules_review(access: Access, requester: UserInfo, obj: dict[str, Any]) -> dict[str, Any]:
    """Answer a SelfSubjectRulesReview (400 `no namespace on request` without a namespace)."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    namespace = str(spec.get("namespace") or "")
    if not namespace:
        raise bad_request("no namespace on request")
    result = access.rules_for(requester, namespace)
    status: dict[str, Any] = {
        "resourceRules": [_resource_rule(r) for r in result.resource_rules],
        "nonResourceRules": [_non_resource_rule(r) for r in result.non_resource_rules],
        "incomplete": result.incomplete,
    }
    if result.evaluation_error:
        status["evaluationError"] = result.evaluation_error
    return {
        "kind": "SelfSubjectRulesReview",
        "apiVersion": f"{GROUP}/v1",
        "metadata": {"creationTimestamp": None},
        "spec": {},
        "status": status,
    }


def _resource_rule(rule: PolicyRuleLike) -> dict[str, Any]:
    out: dict[str, Any] = {"verbs": list(rule.verbs)}
    if rule.api_groups:
        out["apiGroups"] = list(rule.api_groups)
    if rule.resources:
        out["resources"] = list(rule.resources)
    if rule.resource_names:
        out["resourceNames"] = list(rule.resource_names)
    return out


def _non_resource_rule(rule: PolicyRuleLike) -> dict[str, Any]:
    out: dict[str, Any] = {"verbs": list(rule.verbs)}
    if rule.non_resource_urls:
        out["nonResourceURLs"] = list(rule.non_resource_urls)
    return out


class AccessReviewStrategy(ReviewStrategy):
    """(self|local)subjectaccessreviews: the authorizer's decision on the spec's attributes."""

    def answer(
        self, access: Access, namespace: str, obj: dict[str, Any], user: UserInfo
    ) -> dict[str, Any]:
        return access_review(access, user, self.rt.plural, namespace, obj)


class RulesReviewStrategy(ReviewStrategy):
    """selfsubjectrulesreviews: the rule resolver's rules for the requester."""

    def answer(
        self, access: Access, namespace: str, obj: dict[str, Any], user: UserInfo
    ) -> dict[str, Any]:
        return rules_review(access, user, obj)


STRATEGIES: dict[str, type[Strategy]] = {
    "selfsubjectaccessreviews": AccessReviewStrategy,
    "subjectaccessreviews": AccessReviewStrategy,
    "localsubjectaccessreviews": AccessReviewStrategy,
    "selfsubjectrulesreviews": RulesReviewStrategy,
}
"""The group's kinds, by resource."""
