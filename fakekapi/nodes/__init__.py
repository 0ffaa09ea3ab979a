"""Fake Nodes, the scheduler and the simulated kubelet: a cluster's behaviour with no runtime.

Owns, one job a module:

- node.py: the Node objects of `--nodes N` (kind's names, addresses, pod CIDRs) and their Leases;
- runner.py: `Nodes`, which registers them, heartbeats, and starts and stops the rest;
- scheduler.py: kube-scheduler's binding of pending pods, with its filters' reasons and
  FitError messages; the filters that need state of their own live beside it: volumes.py
  (VolumeBinding), interpod.py (InterPodAffinity), spread.py (PodTopologySpread),
  resources.py (quantities and pod requests for NodeResourcesFit);
- kubelet.py and podstatus.py: the kubelets that run bound pods through kube's status shapes;
- knobs.py: the `simulate.fakekapi.dev/*` annotations that steer them;
- events.py: the events these components record; worker.py: the queues' workers.

Everything reads through informers over the registry and writes through the registry under the
component's own identity (system:node:<name>, system:kube-scheduler). Nothing here imports the
server, the controllers or aiohttp; the server starts and stops it (`Nodes.start` / `stop`).
"""

from fakekapi.nodes.runner import Nodes

__all__ = ["Nodes"]
