"""The certificates.k8s.io group's kinds (kube `pkg/registry/certificates`): a GET of a
CertificateSigningRequest's `approval` subresource shows the request itself."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import Strategy


class CertificateSigningRequestStrategy(Strategy):
    object_views = frozenset({"approval"})


STRATEGIES: dict[str, type[Strategy]] = {
    "certificatesigningrequests": CertificateSigningRequestStrategy
}

__all__ = ["STRATEGIES"]
