"""SRTP with SDES key exchange (RFC 3711, RFC 4568) for phones that ask for RTP/SAVP.

The keys travel in the SDP (``a=crypto:<tag> <suite> inline:<base64 key||salt>``), so they are only
as secret as the signalling: the engine offers and accepts them only over SIP/TLS (the caller of
this module decides). Suites: AES_CM_128_HMAC_SHA1_80 (the one every phone has) and _32; key
lifetimes are ignored (libsrtp re-keys nothing itself; a call never gets near 2^31 packets), MKIs
and session parameters (UNENCRYPTED_SRTP and the like) are refused rather than half-supported.
Packet work is libsrtp's (PyPI ``pylibsrtp``, its own copy of libsrtp 2 in the wheel): about 2 µs
to protect or unprotect a 20 ms G.711 packet here. :class:`Sdes` is one leg's state: our key (made
once, kept across re-INVITEs), the peer's, and a :class:`SrtpContext` rebuilt only on the side
whose key changed, so a hold re-INVITE does not reset the replay window of a stream in progress.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pylibsrtp import Error as SrtpError
from pylibsrtp import Policy, Session

SAVP = "RTP/SAVP"
DEFAULT_SUITE = "AES_CM_128_HMAC_SHA1_80"
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
    "AES_CM_128_HMAC_SHA1_32": Policy.SRTP_PROFILE_AES128_CM_SHA1_32,
}
KEY_LENGTH = 30  # 128-bit master key + 112-bit master salt
_CRYPTO = re.compile(r"^(\d{1,9})\s+(\S+)\s+inline:([A-Za-z0-9+/=]+)(\|[^\s]*)?\s*$")


@dataclass(frozen=True)
class Crypto:
    """One ``a=crypto`` attribute: its tag, suite and inline key (master key then salt)."""

    tag: int
    suite: str
    key: bytes

    def attribute(self) -> str:
        return f"{self.tag} {self.suite} inline:{base64.b64encode(self.key).decode()}"


def parse_crypto(value: str) -> Crypto | None:
    """An ``a=crypto`` value we can use, or None (unknown suite, bad key, MKI, session parameters)."""
    m = _CRYPTO.match(value.strip())
    if m is None or m.group(2) not in SUITES:
        return None
    extra = m.group(4) or ""
    if extra.count("|") > 1 or ":" in extra:
        return None  # an MKI (|1:4): we send none and could not tell keys apart by it
    try:
        key = base64.b64decode(m.group(3), validate=True)
    except binascii.Error:
        return None
    if len(key) != KEY_LENGTH:
        return None
    return Crypto(int(m.group(1)), m.group(2), key)


def pick(values: Sequence[str]) -> Crypto | None:
    """The first usable crypto attribute of an offer (the offerer's preference order)."""
    for value in values:
        crypto = parse_crypto(value)
        if crypto is not None:
            return crypto
    return None


def new_crypto(tag: int = 1, suite: str = DEFAULT_SUITE) -> Crypto:
    return Crypto(tag, suite, os.urandom(KEY_LENGTH))


def _session(crypto: Crypto, direction: int) -> Session:
    return Session(policy=Policy(key=crypto.key, ssrc_type=direction, srtp_profile=SUITES[crypto.suite]))


class SrtpContext:
    """The two SRTP sessions of one RTP session: ours to protect, the peer's to unprotect."""

    def __init__(self, local: Crypto, remote: Crypto) -> None:
        self.local = local
        self.remote = remote
        self._tx = _session(local, Policy.SSRC_ANY_OUTBOUND)
        self._rx = _session(remote, Policy.SSRC_ANY_INBOUND)
        self.failed = 0  # packets that failed authentication or replay checks

    def rekey(self, local: Crypto, remote: Crypto) -> None:
        if (local.key, local.suite) != (self.local.key, self.local.suite):
            self._tx = _session(local, Policy.SSRC_ANY_OUTBOUND)
        if (remote.key, remote.suite) != (self.remote.key, self.remote.suite):
            self._rx = _session(remote, Policy.SSRC_ANY_INBOUND)
        self.local, self.remote = local, remote

    def protect(self, packet: bytes) -> bytes | None:
        """The SRTP packet, or None when libsrtp refuses (a sequence number sent before)."""
        try:
            return bytes(self._tx.protect(packet))
        except SrtpError:
            return None

    def protect_rtcp(self, packet: bytes) -> bytes | None:
        try:
            return bytes(self._tx.protect_rtcp(packet))
        except SrtpError:
            return None

    def unprotect(self, packet: bytes) -> bytes | None:
        """The plain RTP packet, or None when it fails authentication (forged, replayed, garbled)."""
        try:
            return bytes(self._rx.unprotect(packet))
        except SrtpError:
            self.failed += 1
            return None


class Sdes:
    """One leg's SDES state across its offers and answers."""

    def __init__(self) -> None:
        self.local: Crypto | None = None
        self.remote: Crypto | None = None
        self.context: SrtpContext | None = None

    def offer(self) -> Crypto:
        """Our key for an offer we make (kept for the call: re-offers send the same one)."""
        if self.local is None:
            self.local = new_crypto()
        return self.local

    def take(self, values: Sequence[str]) -> bool:
        """The peer's crypto attributes (its offer, or its answer to ours): False if none is usable.
        Our own key follows the chosen tag and suite (a new key only for another suite)."""
        remote = pick(values)
        if remote is None:
            return False
        local = self.local
        if local is None or local.suite != remote.suite:
            local = new_crypto(remote.tag, remote.suite)
        elif local.tag != remote.tag:
            local = Crypto(remote.tag, local.suite, local.key)
        self.local, self.remote = local, remote
        if self.context is None:
            self.context = SrtpContext(local, remote)
        else:
            self.context.rekey(local, remote)
        return True
