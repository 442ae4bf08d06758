"""SNS signing certificates: which URLs may serve one, and a cache in front of the download.

A certificate is looked up in memory, then in ATN_SNS_CERT_DIR by the URL's file name
(machines without internet access keep them there), and only then downloaded, over HTTPS,
from a URL that passed `cert_url_problem`. Parsed certificates stay in memory for the
life of the process: SNS names a new certificate by a new URL, never reuses one.
"""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509

__all__ = [
    "CertificateUnavailable",
    "Certificates",
    "cert_url_problem",
    "download",
    "sns_url_problem",
]

#: Hosts SNS serves from: sns.<region>.amazonaws.com (and .com.cn in the China regions).
SNS_HOST = re.compile(r"sns\.[a-z]{2}(?:-[a-z]+)+-\d\.amazonaws\.com(?:\.cn)?")
#: Largest certificate download read (an SNS certificate is ~2 KB).
_MAX_BYTES = 65_536
_TIMEOUT_S = 5.0


class CertificateUnavailable(Exception):
    """The certificate could not be read or downloaded: our problem, SNS should retry."""


def sns_url_problem(url: str) -> str | None:
    """None for an https URL on an SNS host (no port, no credentials), else why not."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"{url!r} is not https"
    if parts.username is not None or parts.port is not None:
        return f"{url!r} carries credentials or a port"
    if not SNS_HOST.fullmatch(parts.hostname or ""):
        return f"{parts.hostname!r} is not sns.<region>.amazonaws.com"
    return None


def cert_url_problem(url: str) -> str | None:
    """None for a URL SNS signing certificates may come from, else why not."""
    problem = sns_url_problem(url)
    if problem:
        return f"SigningCertURL {problem}"
    path = urlsplit(url).path
    if not path.endswith(".pem") or path.count("/") != 1 or urlsplit(url).query:
        return "SigningCertURL is not a .pem file at the root of the host"
    return None


def download(url: str) -> bytes:
    """GET over HTTPS with the system's trust store (what SNS asks of subscribers)."""
    with urllib.request.urlopen(
        url, timeout=_TIMEOUT_S
    ) as response:  # the URL passed sns_url_problem
        body: bytes = response.read(_MAX_BYTES + 1)
    if len(body) > _MAX_BYTES:
        raise ValueError("certificate larger than 64 KiB")
    return body


class Certificates:
    """Memory, then the directory, then a download; thread-safe (the receiver reads
    certificates off the event loop)."""

    def __init__(self, directory: Path | None, fetch: Callable[[str], bytes] = download) -> None:
        self.directory = directory
        self.fetch = fetch
        self.downloads = 0
        self._cache: dict[str, x509.Certificate] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> x509.Certificate:
        """The certificate `url` names; the URL must have passed cert_url_problem."""
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None:
            return cached
        pem = self._local(url)
        if pem is None:
            try:
                pem = self.fetch(url)
            except Exception as exc:  # network, TLS, HTTP status: all mean "not now"
                raise CertificateUnavailable(f"cannot download {url}: {exc}") from exc
            self.downloads += 1
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError as exc:
            raise CertificateUnavailable(f"{url} is not a PEM certificate") from exc
        with self._lock:
            self._cache[url] = certificate
        return certificate

    def _local(self, url: str) -> bytes | None:
        if self.directory is None:
            return None
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        path = self.directory / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise CertificateUnavailable(f"cannot read {path}: {exc}") from exc
