"""The ServiceAccount token issuer a server uses unless told otherwise.

A module of its own so that reading the default (the CLI's `--service-account-issuer`, the
server's Settings, the sandbox's offline TokenRequest) does not import the token machinery
(cryptography) with it.
"""

from __future__ import annotations

DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
"""kube-apiserver's usual `--service-account-issuer`: the in-cluster API server URL."""
