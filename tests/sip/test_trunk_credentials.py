"""The carrier's digest credentials answer only the carrier: a phone (or any other peer we send an
INVITE to) that challenges it must not get a digest of the carrier password."""

from __future__ import annotations

from types import SimpleNamespace

from hotline.bus import InProcessBus
from hotline.sip import outbound
from hotline.sip.message import SipResponse
from hotline.sip.transport import Source
from hotline.sip.trunks import Trunk, TrunkBoard


def _challenge() -> SipResponse:
    resp = SipResponse(status=407, reason="Proxy Authentication Required")
    resp.add("Proxy-Authenticate", 'Digest realm="x", nonce="abc", qop="auth"')
    return resp


def test_no_carrier_credentials_for_a_phone() -> None:
    board = TrunkBoard(InProcessBus())
    board.configure([Trunk("carrier", "10.0.0.5:5060", ("carrier-user", "carrier-secret"))])
    engine = SimpleNamespace(trunks=board)
    leg = SimpleNamespace(client_tx=SimpleNamespace(dest=Source("UDP", ("127.0.0.3", 5060))))
    assert outbound.retry_with_credentials(engine, leg, _challenge()) is False  # type: ignore[arg-type]
    board.configure([])
    leg.client_tx.dest = Source("UDP", ("10.0.0.5", 5060))
    assert outbound.retry_with_credentials(engine, leg, _challenge()) is False  # type: ignore[arg-type]
