"""client-go's in-process counterpart: informers and work queues over the registry.

Owns: `informer.py` (reflector + shared informer: list, watch, cache, handlers, relist after
410) and `workqueue.py` (a deduplicating, rate-limited queue of keys). No HTTP: an informer lists
and watches the registry directly.

It is its own layer, just above the registry, because every layer that watches needs it: the
controllers and the nodes, and also the RBAC authorizer (auth), which keeps its index current
from informers and sits below the controllers.

Imports: registry and below only; never auth, admission, controllers, nodes, server, aiohttp or
click.
"""
