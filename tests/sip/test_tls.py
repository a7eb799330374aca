"""SIP over TLS: a phone registers over TLS and is reached back over the same connection (Via and
Contact say TLS and the listener's port); a handshake that fails - garbage or plain SIP on the TLS
port, no client certificate or one from a CA we do not trust (mutual TLS) - is refused and logged,
and the phones already connected go on as before. SRTP keys (SDES) offered over plain UDP are
refused: they were readable on the way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner
from websockets.asyncio.client import connect

from hotline.banner import render
from hotline.cli import app as hotline_app
from hotline.config import Settings, SipSettings, get_settings
from hotline.media.srtp import new_crypto
from hotline.sip.auth import client_authorization
from hotline.sip.certs import self_signed
from hotline.sip.message import SipRequest, SipResponse, parse_message
from hotline.sip.sdp import build_sdp
from hotline.sip.tls import server_context
from hotline.telephony.phones import ws_url
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, TRUNK_IP, EngineThread, free_port
from tests.sip.test_websocket import ORIGIN, registered
from tests.sip.tls_certs import Authority
from tests.sip_raw import ack, final, request

pytestmark = pytest.mark.timeout(60)
PHONE_IP = "127.0.0.23"


class TlsPhone:
    """A phone's TLS connection to the engine's TLS listener, speaking raw SIP."""

    def __init__(self, port: int, cafile: Path, cert: tuple[Path, Path] | None = None) -> None:
        ctx = ssl.create_default_context(cafile=str(cafile))
        if cert is not None:
            ctx.load_cert_chain(str(cert[0]), str(cert[1]))
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.bind((PHONE_IP, 0))
        raw.settimeout(10)
        raw.connect(("127.0.0.1", port))
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.port = port
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def read(self) -> SipRequest | SipResponse:
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65535)
            if not chunk:
                raise ConnectionError("closed by the server")
            self.buffer += chunk
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        while len(rest) < length:
            rest += self.sock.recv(65535)
        msg = parse_message(head + b"\r\n\r\n" + rest[:length])
        self.buffer = rest[length:]
        assert isinstance(msg, SipRequest | SipResponse)
        return msg

    def register(self, ext: str) -> SipResponse:
        host, port = self.sock.getsockname()[:2]
        call_id = os.urandom(6).hex()

        def send(cseq: int, extra: str) -> SipResponse:
            self.sock.sendall(
                (
                    f"REGISTER sip:127.0.0.1:{self.port};transport=tls SIP/2.0\r\n"
                    f"Via: SIP/2.0/TLS {host}:{port};branch=z9hG4bK{os.urandom(5).hex()};rport\r\n"
                    f"From: <sip:{ext}@127.0.0.1>;tag={os.urandom(3).hex()}\r\nTo: <sip:{ext}@127.0.0.1>\r\n"
                    f"Call-ID: {call_id}\r\nCSeq: {cseq} REGISTER\r\nMax-Forwards: 70\r\n"
                    f"Contact: <sip:{ext}@{host}:{port};transport=tls>\r\nExpires: 300\r\n{extra}"
                    "Content-Length: 0\r\n\r\n"
                ).encode()
            )
            while True:
                msg = self.read()
                if isinstance(msg, SipResponse) and msg.status >= 200:
                    return msg

        challenge = send(1, "")
        assert challenge.status == 401
        uri = f"sip:127.0.0.1:{self.port};transport=tls"
        answer = client_authorization(
            challenge.get("WWW-Authenticate") or "", "REGISTER", uri, ext, PASSWORDS[ext]
        )
        return send(2, f"Authorization: {answer}\r\n")

    def answer_options(self) -> SipRequest:
        """The engine's OPTIONS ping, reaching us over this connection: answered 200."""
        req = self.read()
        assert isinstance(req, SipRequest) and req.method == "OPTIONS", req
        head = "".join(f"{n}: {req.get(n)}\r\n" for n in ("Via", "From", "To", "Call-ID", "CSeq"))
        self.sock.sendall(f"SIP/2.0 200 OK\r\n{head}Content-Length: 0\r\n\r\n".encode())
        return req


def tls_engine(tmp: Path, **extra: object) -> EngineThread:
    cert, key = tmp / "server.crt", tmp / "server.key"
    self_signed(cert, key)
    et = EngineThread(
        tmp,
        rtp_block(),
        tls_enabled=True,
        tls_port=free_port(kind=socket.SOCK_STREAM),
        tls_certfile=str(cert),
        tls_keyfile=str(key),
        **extra,
    )
    et.start()
    return et


@pytest.fixture
def et(tmp_path: Path) -> Iterator[EngineThread]:
    engine = tls_engine(tmp_path)
    try:
        yield engine
    finally:
        engine.stop()


def test_phone_registers_over_tls_and_is_reached_over_the_same_connection(
    et: EngineThread, tmp_path: Path
) -> None:
    engine = et.engine
    assert engine is not None and engine.tls is not None
    tls_port = engine.tls.port
    phone = TlsPhone(tls_port, tmp_path / "server.crt")
    try:
        ok = phone.register("1001")
        assert ok.status == 200, ok
        (binding,) = engine.registrar.lookup("1001")
        assert binding.source.proto == "TLS"
        et.call_soon(engine.qualify)
        ping = phone.answer_options()
        assert (ping.get("Via") or "").startswith(f"SIP/2.0/TLS 127.0.0.1:{tls_port};")
        # A call to the phone: over the same connection, our Contact naming the TLS listener.
        et.run(engine.originate("1001"))
        invite = phone.read()
        assert isinstance(invite, SipRequest) and invite.method == "INVITE"
        assert (invite.get("Via") or "").startswith(f"SIP/2.0/TLS 127.0.0.1:{tls_port};")
        assert f"127.0.0.1:{tls_port};transport=tls" in (invite.get("Contact") or "")
    finally:
        phone.close()


def test_bad_handshakes_are_refused_and_logged_without_touching_other_phones(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ca, rogue = Authority(tmp_path, "bureau"), Authority(tmp_path, "rogue")
    et = tls_engine(tmp_path, tls_client_cafile=str(ca.certfile))
    engine = et.engine
    assert engine is not None and engine.tls is not None
    tls = engine.tls
    server_ca = tmp_path / "server.crt"
    caplog.set_level(logging.WARNING, logger="hotline.sip.transport")
    good = TlsPhone(tls.port, server_ca, ca.issue("desk-1001"))
    try:
        assert good.register("1001").status == 200
        # Plain SIP (and any garbage) on the TLS port.
        with socket.create_connection(("127.0.0.1", tls.port), timeout=10) as plain:
            plain.sendall(b"OPTIONS sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n")
            while plain.recv(4096):  # at most a TLS alert record, then the close
                pass
        assert et.wait_for(lambda: tls.handshake_failures == 1)
        # No client certificate, then one signed by a CA we do not trust.
        for cert in (None, rogue.issue("intruder")):
            with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
                bad = TlsPhone(tls.port, server_ca, cert)
                try:
                    bad.register("1002")  # TLS 1.3: the refusal arrives with the first read
                finally:
                    bad.close()
        assert et.wait_for(lambda: tls.handshake_failures == 3), tls.handshake_failures
        refusals = [r.getMessage() for r in caplog.records if "TLS handshake refused" in r.getMessage()]
        assert len(refusals) == 3, refusals
        assert any("certificate" in r for r in refusals), refusals
        # The phone connected before is still registered and reached over its connection.
        assert [b.source.proto for b in engine.registrar.lookup("1001")] == ["TLS"]
        assert engine.registrar.lookup("1002") == []
        et.call_soon(engine.qualify)
        good.answer_options()
        assert len(tls.connections) == 1
    finally:
        good.close()
        et.stop()


def test_tls_cert_command_writes_a_usable_pair_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = tmp_path / "c" / "sip.crt", tmp_path / "c" / "sip.key"
    monkeypatch.setenv("HOTLINE_SIP__TLS_CERTFILE", str(cert))
    monkeypatch.setenv("HOTLINE_SIP__TLS_KEYFILE", str(key))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        first = runner.invoke(hotline_app, ["tls", "cert", "--host", "hotline.example"])
        assert first.exit_code == 0, first.output
        assert key.stat().st_mode & 0o077 == 0  # the key is its owner's only
        written = cert.read_bytes()
        again = runner.invoke(hotline_app, ["tls", "cert", "--if-missing"])
        assert again.exit_code == 0 and cert.read_bytes() == written
        server_context(str(cert), str(key))  # loads as a server certificate
        names = x509.load_pem_x509_certificate(written).extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
        assert "hotline.example" in names.value.get_values_for_type(x509.DNSName)
        banner = render(Settings(sip=SipSettings(tls_enabled=True, tls_port=5061)), [])
        assert "sip:127.0.0.1:5061;transport=tls" in banner  # what `hotline serve` prints
    finally:
        get_settings.cache_clear()


def test_srtp_keys_offered_over_plain_udp_are_refused(engine_thread: EngineThread) -> None:
    """SDES keys in an INVITE over UDP were readable on the way: 488 with Warning 302, no call."""
    sdp = build_sdp(TRUNK_IP, 40000, [0], crypto=new_crypto().attribute()).decode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((TRUNK_IP, 0))
        s.settimeout(5)
        invite = request(
            "INVITE", engine_thread.port, s.getsockname(), "1001", "Content-Type: application/sdp\r\n", sdp
        )
        s.sendto(invite, ("127.0.0.1", engine_thread.port))
        resp = final(s)
        s.sendto(ack(invite, resp), ("127.0.0.1", engine_thread.port))
    assert resp.status == 488
    assert (resp.get("Warning") or "").startswith("302 hotline")
    assert "call.arrived" not in engine_thread.topics()


def test_browser_phone_over_wss_with_the_sip_tls_certificate(tmp_path: Path) -> None:
    """``ws_tls``: the SIP WebSocket is WSS on the TLS listener's certificate, and the console's
    browser phone is told a wss:// URL."""
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    self_signed(cert, key)
    ws_port = free_port(kind=socket.SOCK_STREAM)
    settings = {"ws_enabled": True, "ws_port": ws_port, "ws_origins": [ORIGIN], "ws_tls": True}
    et = EngineThread(tmp_path, rtp_block(), tls_certfile=str(cert), tls_keyfile=str(key), **settings)
    engine = et.start()
    assert engine.ws is not None and engine.ws.proto == "WSS"
    assert ws_url(et.settings, ws_port) == f"wss://127.0.0.1:{ws_port}"
    trust = ssl.create_default_context(cafile=str(cert))

    async def scenario(ctx: ssl.SSLContext) -> int:
        url = f"wss://127.0.0.1:{ws_port}"
        async with connect(url, subprotocols=["sip"], origin=ORIGIN, ssl=ctx) as ws:  # type: ignore[list-item]
            ok = await registered(ws, ws_port, "2001")
            assert [b.source.proto for b in engine.registrar.lookup("2001")] == ["WSS"]  # while open
            return ok.status

    try:
        assert asyncio.run(scenario(trust)) == 200
        with pytest.raises(ssl.SSLCertVerificationError):  # a browser not told to trust it
            asyncio.run(scenario(ssl.create_default_context()))
    finally:
        et.stop()


def test_a_handshake_that_never_finishes_is_closed(tmp_path: Path) -> None:
    """A connection to the TLS port that sends nothing (or half a handshake) is a half-sent message:
    closed after ``tcp_message_seconds`` like a slow TCP one, so it cannot hold a slot for ever."""
    et = tls_engine(tmp_path, tcp_message_seconds=0.5, tcp_idle_seconds=60)
    engine = et.engine
    assert engine is not None and engine.tls is not None
    try:
        with socket.create_connection(("127.0.0.1", engine.tls.port), timeout=10) as silent:
            assert silent.recv(1) == b""  # closed by the server, well before the socket's timeout
        assert et.wait_for(lambda: engine.tls is not None and engine.tls.timed_out == 1)
    finally:
        et.stop()
