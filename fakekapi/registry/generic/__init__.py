"""kube's generic registry machinery (`staging/src/k8s.io/apiserver/pkg/registry/generic`,
`pkg/registry/rest`): what every kind shares and what a kind may override.

Owns: `strategy.py` (the `Strategy` a kind's rules are written as, kube's RESTCreateStrategy,
RESTUpdateStrategy, RESTDeleteStrategy and friends, with the generic registry's behaviour as its
defaults) and `engine.py` (the registry operations a kind's special subresources call).

Imports: never a group package (fakekapi.registry.core, apps, ...) nor the registry that
assembles them (fakekapi.registry.registry, fakekapi.registry.strategies): the group packages
build on this one, and the engine finds their strategies through the table.
"""
