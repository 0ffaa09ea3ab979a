"""The PKI on disk: file modes, SANs, reuse across restarts, re-issue on SAN change, the admin
certificate's subject, and TLS handshakes with the server context."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
import trustme
from certs import client_cert
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fakekapi.datadir import pkichild
from fakekapi.datadir.pki import DEFAULT_SANS, PKI, serving_sans, validate_san, write_atomic

FILES = (
    "ca.crt",
    "ca.key",
    "apiserver.crt",
    "apiserver.key",
    "admin.crt",
    "admin.key",
    "sa.key",
    "sa.pub",
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def san_strings(c: x509.Certificate) -> set[str]:
    san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns = set(san.get_values_for_type(x509.DNSName))
    ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    return dns | ips


def snapshot(pki: PKI) -> dict[str, bytes]:
    return {name: (pki.dir / name).read_bytes() for name in FILES}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_creates_every_file_with_private_modes(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    assert mode(data_dir) == 0o700
    assert mode(pki.dir) == 0o700
    for name in FILES:
        assert (pki.dir / name).is_file(), name
    for key in ("ca.key", "apiserver.key", "admin.key", "sa.key"):
        assert mode(pki.dir / key) == 0o600, key
    assert not list(pki.dir.glob(".*.tmp")), "no temporary files are left behind"


def test_existing_data_dir_mode_is_left_alone_but_pki_is_private(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    pki = PKI.load_or_create(tmp_path, ())
    assert mode(tmp_path) == 0o755
    assert mode(pki.dir) == 0o700


def test_serving_cert_names_every_address(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ("api.example.test", "10.1.2.3", "[fd00::1]"))
    sans = san_strings(cert(pki.server_cert_path))
    assert set(DEFAULT_SANS) <= sans
    assert socket.gethostname().lower() in sans
    assert {"api.example.test", "10.1.2.3", "fd00::1"} <= sans
    ip_sans = cert(pki.server_cert_path).extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    )
    assert ipaddress.ip_address("127.0.0.1") in ip_sans.value.get_values_for_type(x509.IPAddress)
    assert pki.server_sans == serving_sans(("api.example.test", "10.1.2.3", "[fd00::1]"))


def test_restart_reuses_everything(data_dir: Path) -> None:
    before = snapshot(PKI.load_or_create(data_dir, ("a.example.test",)))
    after = snapshot(PKI.load_or_create(data_dir, ("a.example.test",)))
    assert before == after


def test_missing_names_what_load_or_create_would_make(data_dir: Path) -> None:
    fresh = PKI(data_dir / "pki").missing(("a.example.test",))
    assert fresh and fresh.ca and fresh.admin and fresh.sa
    assert fresh.serving_sans == serving_sans(("a.example.test",))
    pki = PKI.load_or_create(data_dir, ("a.example.test",))
    assert not pki.missing(("a.example.test",))
    assert not pki.missing(None), "None keeps the recorded SANs"
    other = pki.missing(("b.example.test",))
    assert (other.ca, other.admin, other.sa) == (False, False, False)
    assert other.serving_sans == serving_sans(("b.example.test",))
    pki.sa_pub_path.unlink()
    assert pki.missing(("a.example.test",)).sa


def test_child_process_makes_the_same_pki(data_dir: Path, tmp_path: Path) -> None:
    """`python -m fakekapi.datadir.pkichild` (what `fakekapi serve` runs on a new data dir) is
    `PKI.load_or_create`: the same files, modes and SANs, reused by the server afterwards."""
    assert pkichild.main([str(data_dir), "a.example.test"]) == 0
    pki = PKI(data_dir / "pki")
    assert not pki.missing(("a.example.test",))
    before = snapshot(pki)
    for name in FILES:
        expected = 0o600 if name.endswith(".key") else 0o644
        assert mode(pki.dir / name) == expected, name
    assert mode(pki.dir) == 0o700
    assert "a.example.test" in san_strings(cert(pki.server_cert_path))
    cert(pki.server_cert_path).verify_directly_issued_by(cert(pki.ca_cert_path))
    assert snapshot(PKI.load_or_create(data_dir, ("a.example.test",))) == before
    assert pkichild.main([]) == 1
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert pkichild.main([str(blocker / "d")]) == 1, "a failure is an exit code, not a trace"


def test_san_change_reissues_only_the_serving_cert(data_dir: Path) -> None:
    before = snapshot(PKI.load_or_create(data_dir, ()))
    pki = PKI.load_or_create(data_dir, ("b.example.test",))
    after = snapshot(pki)
    assert after["apiserver.crt"] != before["apiserver.crt"]
    assert after["apiserver.key"] != before["apiserver.key"]
    for unchanged in ("ca.crt", "ca.key", "admin.crt", "admin.key", "sa.key", "sa.pub"):
        assert after[unchanged] == before[unchanged], unchanged
    assert "b.example.test" in san_strings(cert(pki.server_cert_path))
    cert(pki.server_cert_path).verify_directly_issued_by(cert(pki.ca_cert_path))


def test_none_keeps_the_recorded_sans(data_dir: Path) -> None:
    before = snapshot(PKI.load_or_create(data_dir, ("c.example.test",)))
    pki = PKI.load_or_create(data_dir, None)
    assert snapshot(pki) == before
    assert "c.example.test" in pki.server_sans


def test_none_on_a_fresh_dir_uses_the_defaults(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, None)
    assert pki.server_sans == serving_sans(())


def test_missing_serving_cert_is_reissued(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    ca_before = pki.ca_cert_path.read_bytes()
    pki.server_cert_path.unlink()
    PKI.load_or_create(data_dir, ())
    assert pki.server_cert_path.exists()
    assert pki.ca_cert_path.read_bytes() == ca_before


def test_a_new_ca_reissues_the_leaves(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    before = snapshot(pki)
    pki.ca_key_path.unlink()
    after = snapshot(PKI.load_or_create(data_dir, ()))
    for name in ("ca.crt", "apiserver.crt", "admin.crt"):
        assert after[name] != before[name], name
    assert after["sa.key"] == before["sa.key"], "the token signing key does not depend on the CA"
    for leaf in ("apiserver.crt", "admin.crt"):
        cert(pki.dir / leaf).verify_directly_issued_by(cert(pki.ca_cert_path))


def test_admin_cert_subject_is_kubernetes_admin_in_system_masters(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    c = cert(pki.admin_cert_path)
    assert [a.value for a in c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)] == [
        "kubernetes-admin"
    ]
    assert [a.value for a in c.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] == [
        "system:masters"
    ]
    eku = c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    c.verify_directly_issued_by(cert(pki.ca_cert_path))


def test_service_account_signing_pair(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    key = serialization.load_pem_private_key(pki.sa_key_path.read_bytes(), password=None)
    pub = serialization.load_pem_public_key(pki.sa_pub_path.read_bytes())
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert isinstance(pub, rsa.RSAPublicKey)
    assert key.public_key().public_numbers() == pub.public_numbers()


def test_concurrent_creation_makes_one_ca(data_dir: Path) -> None:
    results: list[bytes] = []

    def create() -> None:
        results.append(PKI.load_or_create(data_dir, ()).ca_cert_path.read_bytes())

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and len(set(results)) == 1


def test_ca_pem_and_der(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    assert pki.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert x509.load_der_x509_certificate(pki.ca_der()) == cert(pki.ca_cert_path)


def test_kubeconfig_embeds_ca_and_admin_credentials(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    kc = pki.kubeconfig("https://127.0.0.1:6443")
    assert kc["apiVersion"] == "v1" and kc["kind"] == "Config"
    (cluster,) = kc["clusters"]
    (user,) = kc["users"]
    (context,) = kc["contexts"]
    assert cluster["cluster"]["server"] == "https://127.0.0.1:6443"
    ca_data = base64.b64decode(cluster["cluster"]["certificate-authority-data"])
    assert ca_data == pki.ca_cert_path.read_bytes()
    assert base64.b64decode(user["user"]["client-certificate-data"]) == (
        pki.admin_cert_path.read_bytes()
    )
    assert base64.b64decode(user["user"]["client-key-data"]) == pki.admin_key_path.read_bytes()
    assert kc["current-context"] == context["name"]
    assert context["context"] == {
        "cluster": cluster["name"],
        "user": user["name"],
        "namespace": "default",
    }
    with pytest.raises(ValueError, match="only 'admin'"):
        pki.kubeconfig("https://127.0.0.1:6443", user="someone")


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("example.com", True),
        ("*.example.com", True),
        ("10.0.0.1", True),
        ("::1", True),
        ("[fd00::2]", True),
        ("my-host", True),
        ("", False),
        ("bad name", False),
        ("-bad.example.com", False),
        ("a..b", False),
        ("x" * 64 + ".com", False),
    ],
)
def test_validate_san(name: str, ok: bool) -> None:
    assert (validate_san(name) is None) is ok


def test_write_atomic_sets_mode_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "secret"
    target.write_bytes(b"old")
    write_atomic(target, b"new", 0o600)
    assert target.read_bytes() == b"new"
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]


def test_write_atomic_failure_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file"
    target.write_bytes(b"old")

    def crash(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.fsync", crash)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, b"new", 0o600)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


# --- TLS handshakes against the server context -------------------------------------------


async def handshake(
    pki: PKI, client: ssl.SSLContext, extra_ca: Path | None = None
) -> tuple[str | None, bytes | None]:
    """Connect a client to a TLS echo server; returns (ALPN protocol, client cert DER seen)."""
    seen: list[bytes | None] = []

    async def on_conn(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        obj = writer.get_extra_info("ssl_object")
        seen.append(obj.getpeercert(binary_form=True))
        writer.write(b"ok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(
        on_conn, "127.0.0.1", 0, ssl=pki.server_ssl_context(extra_ca)
    )
    port = server.sockets[0].getsockname()[1]
    try:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client, server_hostname="localhost"
        )
        try:
            alpn = writer.get_extra_info("ssl_object").selected_alpn_protocol()
            data = await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(ssl.SSLError, ConnectionError):
                await writer.wait_closed()
        if data != b"ok":
            raise ConnectionError("the server closed the connection")
    finally:
        server.close()
        await server.wait_closed()
    return alpn, seen[0] if seen else None


def client_context(pki: PKI) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki.ca_cert_path))
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    return ctx


async def test_tls_without_client_cert(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    alpn, peer = await handshake(pki, client_context(pki))
    assert alpn == "http/1.1"
    assert peer is None


async def test_tls_with_admin_client_cert(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    ctx = client_context(pki)
    ctx.load_cert_chain(pki.admin_cert_path, pki.admin_key_path)
    _, peer = await handshake(pki, ctx)
    assert peer == cert(pki.admin_cert_path).public_bytes(serialization.Encoding.DER)


async def test_tls_with_client_cert_from_client_ca_file(data_dir: Path, tmp_path: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    other = trustme.CA()
    other.cert_pem.write_to_path(str(tmp_path / "client-ca.crt"))
    leaf = client_cert(other, "jane", "dev")
    ctx = client_context(pki)
    leaf.configure_cert(ctx)
    _, peer = await handshake(pki, ctx, tmp_path / "client-ca.crt")
    assert peer is not None


async def test_tls_rejects_client_cert_from_unknown_ca(data_dir: Path) -> None:
    pki = PKI.load_or_create(data_dir, ())
    ctx = client_context(pki)
    client_cert(trustme.CA(), "mallory").configure_cert(ctx)
    # With TLS 1.3 the client may learn of the rejection only when it reads.
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await handshake(pki, ctx)
