"""kube-apiserver's admission plugins, one a module, run in one ordered list (chain.py).

The registry knows only the port (fakekapi.registry.admission: `Attributes`, `AdmissionPlugin`)
and runs the chain it is given; whoever builds a registry installs the chain
(`chain.install`): the server (with RBAC escalation), the sandbox, the tests.

May import registry, catalog, store, core; never server or cli.
"""
