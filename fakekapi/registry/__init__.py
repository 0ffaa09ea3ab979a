"""The Kubernetes rules over the store, laid out as kube's `pkg/registry`.

- `registry.py`: the Registry, kube's generic store over every served type; it names no kind
  and finds each type's rules through `strategies.py`, the strategy table;
- `generic/`: what every kind shares (the `Strategy` base, the `Engine` port, options, keys,
  selectors, pagination, patches, managedFields and apply, watch filtering, Tables, scale);
- one package per API group (`core/`, `apps/`, `batch/`, `apiextensions/`, `networking/`,
  `rbac/`, ...): its kinds' strategies and special subresources (`STRATEGIES`) and their
  `kubectl get` Table printers (`printers.py`, `PRINTERS`), over `generic/printing/`;
- `admission.py` (the port the admission chain plugs into), `defaults.py` and `validation.py`
  (the scheme's defaulting, the validators the strategies call), `bootstrap.py`,
  `rbac_bootstrap.py`, `fixtures.py`, `gcfinalizers.py`.

The controllers that react to changes are in fakekapi.controllers; the informers they read
through in fakekapi.client.

Must not import client, controllers, nodes, auth, admission, server or cli; may import catalog,
store, protobuf and core.
"""
