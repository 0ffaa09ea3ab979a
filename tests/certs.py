"""Certificates and kubeconfigs for tests: one chain from a CA to a client's credentials.

`cluster_ca(server)` is the CA the server made in its data dir (what kube calls the client CA);
`client_cert(ca, user, group)` a leaf the way `kubeadm kubeconfig user --client-name` makes one
(CN is the user, O the group: kube's x509 authenticator reads exactly those); `write_pem` puts
key and chain in one file for curl and `ssl.load_cert_chain`; `kubeconfig` writes a kubeconfig
that trusts the cluster CA and presents a client certificate or a bearer token.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import trustme
import yaml

from fakekapi.testing import ServerHandle

NO_GROUP = "e2e"
"""The O of a certificate for a user in no group: trustme writes an O whatever it is told (its
own name by default), so a neutral one keeps the identity predictable."""


def cluster_ca(server: ServerHandle) -> trustme.CA:
    """The server's own CA (data dir `pki/ca.crt`, `pki/ca.key`), able to sign client certs."""
    pki = server.data_dir / "pki"
    return trustme.CA.from_pem(
        cert_bytes=(pki / "ca.crt").read_bytes(), private_key_bytes=(pki / "ca.key").read_bytes()
    )


def client_cert(ca: trustme.CA, user: str, group: str = NO_GROUP) -> trustme.LeafCert:
    """A client certificate for CN=user, O=group (trustme takes one organization)."""
    return ca.issue_cert("client.invalid", common_name=user, organization_name=group)


def write_pem(leaf: trustme.LeafCert, path: Path) -> Path:
    """Key and certificate chain in one PEM file."""
    leaf.private_key_and_cert_chain_pem.write_to_path(str(path))
    return path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def kubeconfig(
    server: ServerHandle,
    path: Path,
    *,
    cert: trustme.LeafCert | None = None,
    token: str | None = None,
    user: str = "u",
    namespace: str | None = None,
) -> Path:
    """A kubeconfig (mode 0600) for `server` trusting its CA, with a client certificate or a
    bearer token as the user's credentials."""
    credentials: dict[str, str] = {}
    if cert is not None:
        credentials["client-certificate-data"] = _b64(cert.cert_chain_pems[0].bytes())
        credentials["client-key-data"] = _b64(cert.private_key_pem.bytes())
    if token is not None:
        credentials["token"] = token
    context: dict[str, Any] = {"cluster": "fakekapi", "user": user}
    if namespace is not None:
        context["namespace"] = namespace
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "fakekapi",
                "cluster": {
                    "server": server.url,
                    "certificate-authority-data": _b64(server.ca_path.read_bytes()),
                },
            }
        ],
        "users": [{"name": user, "user": credentials}],
        "contexts": [{"name": user, "context": context}],
        "current-context": user,
    }
    path.write_text(yaml.safe_dump(config))
    path.chmod(0o600)
    return path
