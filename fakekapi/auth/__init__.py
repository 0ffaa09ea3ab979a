"""Authentication (who is this?) and authorization (may they?), as kube-apiserver does them.

Pure values in, pure values out: no aiohttp, no click. May import registry, catalog, store, core.
"""
