"""Fake Nodes, the scheduler and the simulated kubelet: a cluster's behaviour with no runtime.

Owns: the Node objects of `--nodes N` and their Leases (node.py), kube-scheduler's binding of
pending pods (scheduler.py), the kubelets that run bound pods through kube's status shapes
(kubelet.py, podstatus.py), the `simulate.fakekapi.dev/*` knobs (knobs.py) and the events
these components record (events.py). Everything reads through informers over the registry and
writes through the registry under the component's own identity; nothing here imports the
server (or aiohttp) and the server starts and stops it (`Nodes.start` / `stop`).
"""

from fakekapi.nodes.runner import Nodes

__all__ = ["Nodes"]
