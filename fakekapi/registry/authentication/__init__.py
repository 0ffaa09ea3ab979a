"""The authentication.k8s.io group's kinds (kube `pkg/registry/authentication/*`): TokenReview and
SelfSubjectReview, both created-not-stored resources.

A POST answers 201 with the request's object, its `status` filled in, and nothing is written
(a GET of them is the router's 405, as on kube-apiserver):

* TokenReview asks the server's bearer-token authenticators (`Engine.access`, generic/access.py),
  as `tokenreview/storage.go` does: audiences default to the API audiences, audience-agnostic
  authenticators such as the token file answer only for them;
* SelfSubjectReview answers the request's own user, after impersonation
  (`selfsubjectreview/rest.go`).

TokenRequest, the third authentication kind, is the ServiceAccounts' `token` subresource
(fakekapi.registry.core.tokenrequest).

Imports: fakekapi.registry.generic only (pyproject's contracts).
"""

from __future__ import annotations

from typing import Any

from fakekapi.core.errors import bad_request
from fakekapi.core.gotime import now_rfc3339
from fakekapi.core.objects import meta_of
from fakekapi.core.user import UserInfo
from fakekapi.registry.generic.access import Access
from fakekapi.registry.generic.strategy import ReviewStrategy, Strategy

GROUP = "authentication.k8s.io"


class TokenReviewStrategy(ReviewStrategy):
    """tokenreviews: the token's user as the server's authenticators see it."""

    def answer(
        self, access: Access, namespace: str, obj: dict[str, Any], user: UserInfo
    ) -> dict[str, Any]:
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        token = str(spec.get("token") or "")
        if not token:
            raise bad_request("token is required for TokenReview in authentication")
        audiences = [str(a) for a in spec.get("audiences") or []]
        md = dict(meta_of(obj))
        md.setdefault("creationTimestamp", None)
        return {
            "kind": "TokenReview",
            "apiVersion": self.rt.group_version,
            "metadata": md,
            "spec": spec,
            "status": access.review_token(token, audiences),
        }


class SelfSubjectReviewStrategy(ReviewStrategy):
    """selfsubjectreviews: who the server takes the requester to be."""

    def answer(
        self, access: Access, namespace: str, obj: dict[str, Any], user: UserInfo
    ) -> dict[str, Any]:
        md = dict(meta_of(obj))
        md["creationTimestamp"] = now_rfc3339()
        return {
            "kind": "SelfSubjectReview",
            "apiVersion": self.rt.group_version,
            "metadata": md,
            "status": {"userInfo": user.to_json() if user.name else {}},
        }


STRATEGIES: dict[str, type[Strategy]] = {
    "tokenreviews": TokenReviewStrategy,
    "selfsubjectreviews": SelfSubjectReviewStrategy,
}
"""The group's kinds, by resource."""
