"""A dumb key/revision store of JSON objects with a watchable change history.

Knows nothing of HTTP or Kubernetes rules (beyond stamping metadata.resourceVersion, the storage
versioner's job in kube-apiserver too). Must not import registry, auth, server, cli or catalog.
"""
