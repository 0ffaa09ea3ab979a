"""What the authentication and authorization resources ask of the server: its token
authenticators, its authorizer, its rule resolver and its ServiceAccount token settings.

kube-apiserver hands its REST storages these at construction: TokenReview gets the
authenticator (`pkg/registry/authentication/rest/storage_authentication.go`), the access
reviews the authorizer and SelfSubjectRulesReview the rule resolver
(`pkg/registry/authorization/rest/storage_authorization.go`), serviceaccounts/token the token
generator, issuer and expiration flags (`pkg/registry/core/rest/storage_core.go`). The
authenticators and the authorizer sit above the registry here (fakekapi.auth, the server's
setup), so the registry declares what it needs in this port and the server gives the Registry an
implementation (`Registry.access`) when it builds the app. `NO_ACCESS` stands in until then: a
registry without a server (fixtures check, the offline CLI) answers these resources with kube's
internal error rather than guessing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from fakekapi.core.errors import internal
from fakekapi.core.requestinfo import RequestInfo
from fakekapi.core.user import UserInfo


class TokenSigner(Protocol):
    """Turns a claim set into a signed compact JWT (the ServiceAccount key's `sign`)."""

    def sign(self, claims: Mapping[str, Any]) -> str: ...


class TokenConfig(NamedTuple):
    """The server flags that shape bound tokens."""

    signer: TokenSigner
    issuer: str
    api_audiences: tuple[str, ...] = ()
    """Empty means: the issuer."""
    max_expiration_seconds: int = 0
    """`--service-account-max-token-expiration` in seconds; 0 = none."""
    extend_expiration: bool = True
    """`--service-account-extend-token-expiration` (default on)."""
    clock: Callable[[], float] = time.time

    @property
    def audiences(self) -> tuple[str, ...]:
        return self.api_audiences or (self.issuer,)


class AccessDecision(NamedTuple):
    """An authorizer's answer as SubjectAccessReviewStatus reports it."""

    allowed: bool
    denied: bool
    reason: str


class PolicyRuleLike(Protocol):
    """One rule a subject holds (rbac's PolicyRule, as the rule resolver returns them)."""

    @property
    def verbs(self) -> tuple[str, ...]: ...
    @property
    def api_groups(self) -> tuple[str, ...]: ...
    @property
    def resources(self) -> tuple[str, ...]: ...
    @property
    def resource_names(self) -> tuple[str, ...]: ...
    @property
    def non_resource_urls(self) -> tuple[str, ...]: ...


class RulesLike(Protocol):
    """What the rule resolver answers for a user in a namespace (RulesFor)."""

    @property
    def resource_rules(self) -> Sequence[PolicyRuleLike]: ...
    @property
    def non_resource_rules(self) -> Sequence[PolicyRuleLike]: ...
    @property
    def incomplete(self) -> bool: ...
    @property
    def evaluation_error(self) -> str: ...


class Access(Protocol):
    """The server's authentication and authorization, as the registry's resources use them."""

    @property
    def token_config(self) -> TokenConfig:
        """How serviceaccounts/token signs and bounds tokens."""
        ...

    def review_token(self, token: str, audiences: Sequence[str]) -> dict[str, Any]:
        """A TokenReview's `status` for `token` and the requested audiences."""
        ...

    def authorize(self, user: UserInfo, attributes: RequestInfo) -> AccessDecision:
        """The decision of the authorizer that guards real requests."""
        ...

    def rules_for(self, user: UserInfo, namespace: str) -> RulesLike:
        """Every rule `user` holds in `namespace`."""
        ...


class _NoAccess:
    """The registry's access before a server gives it one."""

    def _missing(self) -> Exception:
        return internal("the server's authentication and authorization are not configured")

    @property
    def token_config(self) -> TokenConfig:
        raise self._missing()

    def review_token(self, token: str, audiences: Sequence[str]) -> dict[str, Any]:
        raise self._missing()

    def authorize(self, user: UserInfo, attributes: RequestInfo) -> AccessDecision:
        raise self._missing()

    def rules_for(self, user: UserInfo, namespace: str) -> RulesLike:
        raise self._missing()


NO_ACCESS: Access = _NoAccess()


__all__ = [
    "NO_ACCESS",
    "Access",
    "AccessDecision",
    "PolicyRuleLike",
    "RulesLike",
    "TokenConfig",
    "TokenSigner",
]
