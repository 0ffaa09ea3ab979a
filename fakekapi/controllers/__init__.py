"""kube-controller-manager's controllers: one module each, named as its `--controllers` flag.

Owns: the controllers that make workloads progress (deployment, replicaset, statefulset, ...),
the `--controllers` selection (names.py) and the manager that starts and stops them with the
server (manager.py). Each controller reads through shared informers and writes through the
registry under its own `system:serviceaccount:kube-system:<name>` identity, recording the Events
the real one records.

Imports: registry and below only; never server, auth, admission, nodes, aiohttp or click.
"""
