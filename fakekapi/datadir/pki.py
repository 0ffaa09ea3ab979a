"""The cluster PKI in `<data_dir>/pki/`: made once, reused on every restart.

cryptography is imported where something is issued or converted: a warm start only loads PEM
files into the TLS context and need not pay for cryptography.x509's import (~15 ms, ~1 MiB).

Why this shape:
- Clients (kubectl, Postman, in-cluster style apps) are told to trust `ca.crt` once; so the CA is
  created once and never replaced, and everything else is issued by it.
- The serving certificate must name every address clients use. Its SAN list is recorded next to
  it (`apiserver.sans`) and it is re-issued only when that list changes, so a restart with the
  same flags keeps the same files byte for byte.
- The admin client certificate is what kube-apiserver's x509 authenticator turns into
  `kubernetes-admin` in group `system:masters` (CN = user, each O = a group).
- Every file is written to a temporary name and renamed into place, so a crash never leaves a
  half-written key; private keys are 0600 and the folder 0700. A lock file serialises two
  processes (the server and a CLI command) creating the PKI at the same time.

trustme makes the CA and the serving certificate. The admin certificate is built with
`cryptography` directly because trustme always adds a critical, here empty, SubjectAltName.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import fcntl
import ipaddress
import json
import os
import socket
import ssl
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

DEFAULT_SANS: tuple[str, ...] = (
    "localhost",
    "127.0.0.1",
    "::1",
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)
"""Names every kube-apiserver serving certificate carries (plus the host name and --tls-san)."""

ADMIN_USER = "kubernetes-admin"
ADMIN_GROUP = "system:masters"
CLUSTER_NAME = "fakekapi"

_ORGANIZATION = "fakekapi"
_NOT_BEFORE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_NOT_AFTER = datetime.datetime(3000, 1, 1, tzinfo=datetime.UTC)


class PKIError(Exception):
    """The PKI on disk cannot be used (unreadable, not a certificate/key); says which file."""


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write `data` to `path` so readers see the old file or the new one, never a part.

    The temporary file is created in the same folder (rename is atomic only within a file system),
    gets its final mode before any byte is written, and is fsynced before the rename.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def ensure_private_dir(path: Path) -> None:
    """Create `path` (and parents) with mode 0700: a folder we create is private."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)


def serving_sans(tls_sans: Sequence[str]) -> list[str]:
    """The serving certificate's SANs: the defaults, this host's name, then --tls-san, once each."""
    out: list[str] = []
    for name in (*DEFAULT_SANS, socket.gethostname(), *tls_sans):
        canonical = _canonical_san(name)
        if canonical and canonical not in out:
            out.append(canonical)
    return out


def _canonical_san(name: str) -> str:
    name = name.strip()
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return name.lower()


def validate_san(name: str) -> str | None:
    """Why `name` cannot go into a certificate, or None when it can (for --tls-san checking)."""
    stripped = name.strip()
    if not stripped:
        return "empty name"
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(stripped.strip("[]"))
        return None
    host = stripped[2:] if stripped.startswith("*.") else stripped
    labels = host.rstrip(".").split(".")
    for label in labels:
        if not label or len(label) > 63:
            return f"{name!r} is not a valid DNS name or IP address"
        if label.startswith("-") or label.endswith("-"):
            return f"{name!r} is not a valid DNS name or IP address"
        try:
            label.encode("idna")
        except UnicodeError:
            return f"{name!r} is not a valid DNS name or IP address"
        if not all(c.isalnum() or c in "-_" for c in label):
            return f"{name!r} is not a valid DNS name or IP address"
    return None


@contextlib.contextmanager
def _locked(pki_dir: Path) -> Iterator[None]:
    with open(pki_dir / ".lock", "a+b") as f:
        os.fchmod(f.fileno(), 0o600)
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise PKIError(f"cannot read {path}: {e.strerror}") from e


class _Missing(NamedTuple):
    """What a PKI on disk lacks (`PKI.missing`)."""

    ca: bool
    """No CA yet: everything is made."""
    serving_sans: list[str] | None
    """The SANs to issue the serving certificate for; None: it is there, for these SANs."""
    admin: bool
    """The admin client certificate is to be issued."""
    sa: bool
    """The ServiceAccount signing pair is to be generated."""

    def __bool__(self) -> bool:
        return self.ca or self.serving_sans is not None or self.admin or self.sa


@dataclass(frozen=True)
class PKI:
    """The cluster's certificates and keys on disk, with the few views the server and CLI need."""

    dir: Path
    """`<data_dir>/pki`."""

    @property
    def ca_cert_path(self) -> Path:
        return self.dir / "ca.crt"

    @property
    def ca_key_path(self) -> Path:
        return self.dir / "ca.key"

    @property
    def server_cert_path(self) -> Path:
        return self.dir / "apiserver.crt"

    @property
    def server_key_path(self) -> Path:
        return self.dir / "apiserver.key"

    @property
    def server_sans_path(self) -> Path:
        """The SAN list the serving certificate was issued for (JSON), to know when to re-issue."""
        return self.dir / "apiserver.sans"

    @property
    def admin_cert_path(self) -> Path:
        return self.dir / "admin.crt"

    @property
    def admin_key_path(self) -> Path:
        return self.dir / "admin.key"

    @property
    def sa_key_path(self) -> Path:
        """RSA private key signing ServiceAccount tokens (PKCS#1 PEM, as kubeadm's sa.key)."""
        return self.dir / "sa.key"

    @property
    def sa_pub_path(self) -> Path:
        """Its public half (SubjectPublicKeyInfo PEM), what token verifiers load."""
        return self.dir / "sa.pub"

    @property
    def ca_pem(self) -> str:
        """The CA certificate in PEM, e.g. for `kube-root-ca.crt` ConfigMaps and token Secrets."""
        return _read(self.ca_cert_path).decode("ascii")

    @property
    def server_sans(self) -> list[str]:
        """The SAN list the current serving certificate carries."""
        return list(json.loads(_read(self.server_sans_path)))

    @classmethod
    def load_or_create(cls, data_dir: Path, tls_sans: Sequence[str] | None = None) -> PKI:
        """Load `<data_dir>/pki`, creating whatever is missing.

        `tls_sans` are the extra names for the serving certificate (`--tls-san`); when the full SAN
        list differs from the recorded one the serving certificate is re-issued. None means "keep
        the serving certificate as it is" (what CLI commands other than `serve` pass, so they never
        undo a server's --tls-san); it is still created, with the defaults, when missing.
        """
        ensure_private_dir(data_dir)
        pki = cls(data_dir / "pki")
        ensure_private_dir(pki.dir)
        os.chmod(pki.dir, 0o700)
        with _locked(pki.dir):
            pki._ensure(tls_sans)
        return pki

    def missing(self, tls_sans: Sequence[str] | None = None) -> _Missing:
        """What `load_or_create(…, tls_sans)` would make, judged from the files (no lock: the
        answer may be stale by the time anything acts on it; `_ensure` asks again, locked)."""
        new_ca = not (self.ca_cert_path.exists() and self.ca_key_path.exists())
        recorded: list[str] | None = None
        if self.server_sans_path.exists():
            with contextlib.suppress(ValueError):
                recorded = list(json.loads(self.server_sans_path.read_bytes()))
        wanted = serving_sans(tls_sans) if tls_sans is not None else (recorded or serving_sans(()))
        serving = (
            new_ca
            or recorded != wanted
            or not self.server_cert_path.exists()
            or not self.server_key_path.exists()
        )
        admin = new_ca or not (self.admin_cert_path.exists() and self.admin_key_path.exists())
        sa = not (self.sa_key_path.exists() and self.sa_pub_path.exists())
        return _Missing(new_ca, wanted if serving else None, admin, sa)

    def _ensure(self, tls_sans: Sequence[str] | None) -> None:
        missing = self.missing(tls_sans)
        if missing.ca:
            import trustme  # imported only when something is issued: keeps warm starts fast

            ca = trustme.CA(organization_name=_ORGANIZATION, organization_unit_name="fakekapi CA")
            write_atomic(self.ca_key_path, ca.private_key_pem.bytes(), 0o600)
            write_atomic(self.ca_cert_path, ca.cert_pem.bytes(), 0o644)

        wanted = missing.serving_sans
        if wanted is not None:
            leaf = self._trustme_ca().issue_cert(
                *wanted,
                common_name="kube-apiserver",
                organization_name=_ORGANIZATION,
                organization_unit_name="fakekapi apiserver",
            )
            write_atomic(self.server_key_path, leaf.private_key_pem.bytes(), 0o600)
            write_atomic(self.server_cert_path, leaf.cert_chain_pems[0].bytes(), 0o644)
            write_atomic(self.server_sans_path, json.dumps(wanted).encode() + b"\n", 0o644)

        if missing.admin:
            cert_pem, key_pem = _issue_client_cert(
                _read(self.ca_cert_path), _read(self.ca_key_path), ADMIN_USER, (ADMIN_GROUP,)
            )
            write_atomic(self.admin_key_path, key_pem, 0o600)
            write_atomic(self.admin_cert_path, cert_pem, 0o644)

        if missing.sa:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            write_atomic(
                self.sa_key_path,
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.TraditionalOpenSSL,
                    serialization.NoEncryption(),
                ),
                0o600,
            )
            write_atomic(
                self.sa_pub_path,
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ),
                0o644,
            )

    def _trustme_ca(self) -> Any:
        import trustme

        try:
            return trustme.CA.from_pem(_read(self.ca_cert_path), _read(self.ca_key_path))
        except ValueError as e:
            raise PKIError(f"{self.ca_cert_path} or {self.ca_key_path} is not usable: {e}") from e

    def ca_der(self) -> bytes:
        """The CA certificate in DER (for `fakekapi ca export --format der`)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        cert = x509.load_pem_x509_certificate(_read(self.ca_cert_path))
        return cert.public_bytes(serialization.Encoding.DER)

    def server_ssl_context(self, extra_client_ca: Path | None = None) -> ssl.SSLContext:
        """The TLS context the API server listens with.

        Client certificates are requested but optional (Go's VerifyClientCertIfGiven, as
        kube-apiserver), verified against the cluster CA plus `--client-ca-file`; so admin
        certificates authenticate while bearer-token and anonymous clients still connect.
        ALPN offers only http/1.1: Go clients offer h2 too and fall back cleanly.
        """
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.server_cert_path, self.server_key_path)
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(cafile=str(self.ca_cert_path))
        if extra_client_ca is not None:
            try:
                ctx.load_verify_locations(cafile=str(extra_client_ca))
            except (OSError, ssl.SSLError) as e:
                raise PKIError(f"cannot load client CA file {extra_client_ca}: {e}") from e
        ctx.set_alpn_protocols(["http/1.1"])
        return ctx

    def client_ssl_context(self, *, admin: bool = True) -> ssl.SSLContext:
        """A client context trusting the cluster CA (with the admin certificate when `admin`)."""
        ctx = ssl.create_default_context(cafile=str(self.ca_cert_path))
        if admin:
            ctx.load_cert_chain(self.admin_cert_path, self.admin_key_path)
        return ctx

    def kubeconfig(self, server_url: str, user: str = "admin") -> dict[str, Any]:
        """A kubeconfig with everything embedded (CA, client cert and key), as kubeadm writes.

        Names are `fakekapi` rather than kubeadm's `kubernetes` so it merges into an existing
        ~/.kube/config without clashing with a real cluster's entries.
        """
        if user != "admin":
            raise ValueError(f"unknown kubeconfig user {user!r} (only 'admin' is built in)")
        credentials = {
            "client-certificate-data": _b64(_read(self.admin_cert_path)),
            "client-key-data": _b64(_read(self.admin_key_path)),
        }
        return kubeconfig_document(
            server_url, _read(self.ca_cert_path), f"{CLUSTER_NAME}-admin", credentials, "default"
        )


def kubeconfig_document(
    server_url: str,
    ca_pem: bytes,
    user_name: str,
    credentials: dict[str, str],
    namespace: str,
    context: str | None = None,
) -> dict[str, Any]:
    """The one kubeconfig builder (the admin's here, a ServiceAccount's in
    fakekapi.sandbox.clientconfig): cluster `fakekapi` trusting the CA, one user, one context
    (`USER@fakekapi` unless named) with its default namespace, as kubeadm lays them out."""
    context = context or f"{user_name}@{CLUSTER_NAME}"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": CLUSTER_NAME,
                "cluster": {"server": server_url, "certificate-authority-data": _b64(ca_pem)},
            }
        ],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": CLUSTER_NAME, "user": user_name, "namespace": namespace},
            }
        ],
        "current-context": context,
        "preferences": {},
        "users": [{"name": user_name, "user": credentials}],
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _issue_client_cert(
    ca_cert_pem: bytes, ca_key_pem: bytes, user: str, groups: Sequence[str]
) -> tuple[bytes, bytes]:
    """A client-auth-only certificate whose subject is CN=user, O=group... (kubeadm's shape)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PKIError("the CA key is neither ECDSA nor RSA")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
        + [x509.NameAttribute(NameOID.COMMON_NAME, user)]
    )
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_NOT_BEFORE)
        .not_valid_after(_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
    )
