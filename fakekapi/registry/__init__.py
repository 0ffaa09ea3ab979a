"""The Kubernetes rules over the store: metadata, validation, concurrency, deletion, selectors,
pagination, patches, watch filtering, Table output, and the controllers that react to changes.

Must not import auth, admission, server or cli; may import catalog, store and core.
"""
