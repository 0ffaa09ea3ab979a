"""The admissionregistration.k8s.io group's kinds (kube `pkg/registry/admissionregistration`):
webhook configurations and admission policies keep metadata.generation."""

from __future__ import annotations

from fakekapi.registry.generic.strategy import GenerationStrategy, Strategy

STRATEGIES: dict[str, type[Strategy]] = {
    "validatingwebhookconfigurations": GenerationStrategy,
    "mutatingwebhookconfigurations": GenerationStrategy,
    "validatingadmissionpolicies": GenerationStrategy,
    "validatingadmissionpolicybindings": GenerationStrategy,
    "mutatingadmissionpolicies": GenerationStrategy,
    "mutatingadmissionpolicybindings": GenerationStrategy,
}

__all__ = ["STRATEGIES"]
