"""The Kubernetes rules over the store: metadata, validation, concurrency, deletion, selectors,
pagination, patches, watch filtering and Table output. The controllers that react to changes
are in fakekapi.controllers; the informers they read through in fakekapi.client.

Must not import client, controllers, nodes, auth, admission, server or cli; may import catalog,
store, protobuf and core.
"""
