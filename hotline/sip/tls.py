"""SIP over TLS (RFC 3261 26.2, RFC 5630): a listener beside UDP/TCP for remote desk phones.

TLS runs inside the TCP transport's own connections through :class:`ssl.MemoryBIO`, rather than
through the event loop's TLS support, so that the same connection caps, idle and half-sent-message
timeouts apply before and after the handshake (a handshake that does not finish within
``message_seconds`` is a half-sent message), and so that a failed handshake - a certificate our
``client_cafile`` does not vouch for, plain SIP or garbage sent to the TLS port - is refused, counted
(``handshake_failures``) and logged with its reason on every event loop (asyncio's own TLS reports
it only in debug mode, uvloop not at all). Once the handshake is done, the decrypted stream is
framed exactly as TCP (Content-Length), and every message carries a ``Source`` with ``proto`` "TLS"
whose connection sends back encrypted: a phone that registered over TLS is reached over the same
connection (behind NAT the only way in). When no connection is left, the engine opens one as a
client, verifying the phone's certificate against the system's and ``client_cafile``'s authorities.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time

from hotline.sip.transport import OnMessage, TcpConnection, TcpLimits, TcpTransport

log = logging.getLogger(__name__)


def server_context(certfile: str, keyfile: str = "", client_cafile: str = "") -> ssl.SSLContext:
    """The listener's TLS context: our certificate, TLS 1.2 at least; with ``client_cafile`` every
    client must present a certificate it signed (mutual TLS for phones with certificates)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile, keyfile or None)
    if client_cafile:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_cafile)
    return ctx


def client_context(cafile: str = "") -> ssl.SSLContext:
    """For connections we open to a phone: its certificate must check out (system CAs, ``cafile``)."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if cafile:
        ctx.load_verify_locations(cafile)
    return ctx


class TlsConnection(TcpConnection):
    proto = "TLS"

    def __init__(self, owner: TlsTransport, peer_name: str | None = None) -> None:
        super().__init__(owner)
        self.tls_owner = owner
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        server_side = peer_name is None
        ctx = owner.server_ctx if server_side else owner.client_ctx
        self.tls = ctx.wrap_bio(
            self.incoming, self.outgoing, server_side=server_side, server_hostname=peer_name
        )
        self.handshaken = False
        self.waiting: list[bytes] = []  # what we were asked to send before the handshake was done

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.transport is None or self.transport.is_closing():
            return  # over the connection caps: already refused
        self.partial_since = time.monotonic()  # the handshake must finish within message_seconds
        if self.tls.server_side is False:
            self._handshake()

    def data_received(self, data: bytes) -> None:
        self.incoming.write(data)
        if not self.handshaken and not self._handshake():
            return
        chunks: list[bytes] = []
        while True:
            try:
                chunk = self.tls.read(65_536)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:  # the peer's close_notify
                self._flush()
                self.abort("closed by the peer")
                return
            except ssl.SSLError as exc:
                self.abort(f"TLS error: {exc.reason or exc}")
                return
            if not chunk:
                break
            chunks.append(chunk)
        self._flush()  # e.g. TLS 1.3 key updates
        if chunks:
            self.frame(b"".join(chunks))

    def _handshake(self) -> bool:
        try:
            self.tls.do_handshake()
        except ssl.SSLWantReadError:
            self._flush()
            return False
        except (ssl.SSLError, ssl.CertificateError) as exc:
            self._flush()  # our alert tells the peer why
            why = getattr(exc, "verify_message", "") or getattr(exc, "reason", "") or str(exc)
            self.abort(f"TLS handshake refused: {why}")
            self.tls_owner.handshake_failures += 1  # counted once logged (tests wait on the count)
            return False
        self.handshaken = True
        self.partial_since = None
        self.last_complete = time.monotonic()
        self._flush()
        waiting, self.waiting = self.waiting, []
        for data in waiting:
            self.send(data)
        return True

    def _flush(self) -> None:
        out = self.outgoing.read()
        if out and self.transport is not None and not self.transport.is_closing():
            self.transport.write(out)

    def send(self, data: bytes) -> None:
        if not self.handshaken:
            self.waiting.append(data)
            return
        try:
            self.tls.write(data)
        except ssl.SSLError as exc:
            self.abort(f"TLS error: {exc.reason or exc}")
            return
        self._flush()

    def alive(self) -> bool:
        return super().alive() and (self.handshaken or self.tls.server_side is False)


class TlsTransport(TcpTransport):
    """The TLS listener: TCP's connection handling with each connection encrypted."""

    proto = "TLS"

    def __init__(
        self,
        on_message: OnMessage,
        server_ctx: ssl.SSLContext,
        limits: TcpLimits | None = None,
        client_ctx: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(on_message, limits)
        self.server_ctx = server_ctx
        self.client_ctx = client_ctx or client_context()
        self.handshake_failures = 0

    def connection(self, peer: str | None = None) -> TcpConnection:
        return TlsConnection(self, peer)
