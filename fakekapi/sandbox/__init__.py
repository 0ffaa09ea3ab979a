"""What the CLI offers besides serving: ServiceAccount credentials (`credentials`), kubeconfigs and
in-cluster files (`clientconfig`), the Postman export (`postman`), fixtures export and store
counts (`snapshot`), all over a `Session` (`session`): the data dir opened directly, or a
running server found through its server.json.

The layer sits between the CLI and the server (pyproject.toml's import-linter contract): it uses
the server's PKI and its server.json reader, and the server never imports it. What both need (the
Postman collection builders the console serves) lives below them, in fakekapi.auth.postman.
"""
