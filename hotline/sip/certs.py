"""A self-signed certificate for development: SIP over TLS (and WSS) without a real CA.

``hotline tls cert`` (run by ``make run``) writes an ECDSA P-256 key and a certificate valid for the
given host names and addresses (localhost and 127.0.0.1 always), key first and readable by its owner
only, each through a temporary file and a rename so a half-written pair is never loaded. Production
uses a certificate from the bureau's CA instead (``HOTLINE_SIP__TLS_CERTFILE`` / ``_KEYFILE``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def tls_files(certfile: str, keyfile: str, data_dir: Path) -> tuple[Path, Path]:
    """The certificate and key the TLS listener uses: the settings', else the development pair
    ``hotline tls cert`` writes under the data folder."""
    if certfile:
        return Path(certfile), Path(keyfile or certfile)
    return data_dir / "tls" / "sip.crt", data_dir / "tls" / "sip.key"


def _names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(["localhost", "127.0.0.1", *hosts]):
        if not host or host in ("0.0.0.0", "::"):
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _write(path: Path, data: bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def self_signed(
    certfile: Path, keyfile: Path, hosts: Iterable[str] = (), *, days: int = 825, common_name: str = "hotline"
) -> None:
    """Write a new key and a self-signed server certificate for ``hosts``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write(keyfile, pem_key, 0o600)
    _write(certfile, cert.public_bytes(serialization.Encoding.PEM), 0o644)
