"""kube's generic registry machinery (`staging/src/k8s.io/apiserver/pkg/registry/generic`,
`pkg/registry/rest`): what every kind shares and what a kind may override.

Owns: `strategy.py` (the `Strategy` a kind's rules are written as, kube's RESTCreateStrategy,
RESTUpdateStrategy, RESTDeleteStrategy and friends, with the generic registry's behaviour as its
defaults), `engine.py` (the registry operations a kind's special subresources call), and the
parts of the generic store every kind shares: request options (`options.py`), keys
(`keys.py`), label and field selectors (`selectors.py`), pagination and continue tokens
(`pagination.py`, `rawlist.py`), patches (`patch.py`), managedFields and server-side apply
(`managedfields.py`, `smd.py`, `fieldsets.py`), strict field validation (`fieldvalidation.py`),
the stored Go encoding (`encoding.py`), nesting limits (`nesting.py`), watch filtering
(`watch.py`), Tables (`tables.py`, with the printer machinery the group packages' printers are
built on in `printing/`), the scale projection (`scale.py`), batching and CPU offloading
(`bulk.py`, `cpu.py`). The Registry that runs them over the strategy table is
fakekapi.registry.registry.

Imports: never a group package (fakekapi.registry.core, apps, ...) nor the registry that
assembles them (fakekapi.registry.registry, fakekapi.registry.strategies): the group packages
build on this one, and the engine finds their strategies through the table.
"""
