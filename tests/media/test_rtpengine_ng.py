"""rtpengine's ng protocol client: bencode both ways, cookies, retry on silence, refusals."""

from __future__ import annotations

import asyncio

import pytest

from hotline.media.rtpengine import NgClient, NgError, bdecode, bencode


def test_bencode_round_trip() -> None:
    value = {"command": "offer", "flags": ["trust-address", "x"], "n": 3, "sdp": "v=0\r\n"}
    data = bencode(value)
    assert data == b"d7:command5:offer5:flagsl13:trust-address1:xe1:ni3e3:sdp5:v=0\r\ne"
    assert bdecode(data) == {
        "command": b"offer",
        "flags": [b"trust-address", b"x"],
        "n": 3,
        "sdp": b"v=0\r\n",
    }
    for bad in (b"d3:abc", b"i3", b"5:ab", b"x"):
        with pytest.raises(ValueError):
            bdecode(bad)


class FakeRtpengine(asyncio.DatagramProtocol):
    """Answers every request, except that it ignores the first copy of each cookie once."""

    def __init__(self, drop_first: bool) -> None:
        self.drop_first = drop_first
        self.seen: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        cookie, _, body = data.partition(b" ")
        first = cookie not in self.seen
        self.seen.append(cookie)
        if first and self.drop_first:
            return
        req = bdecode(body)
        if req["command"] == b"ping":
            answer = {"result": "pong"}
        elif req["command"] == b"offer":
            answer = {"result": "ok", "sdp": "v=0 bridged"}
        else:
            answer = {"result": "error", "error-reason": "Unknown call-id"}
        self.transport.sendto(cookie + b" " + bencode(answer), addr)  # type: ignore[attr-defined]


@pytest.mark.parametrize("drop_first", [False, True])
def test_client_requests(drop_first: bool) -> None:
    async def scenario() -> tuple[bool, bytes, str, list[bytes]]:
        loop = asyncio.get_running_loop()
        transport, fake = await loop.create_datagram_endpoint(
            lambda: FakeRtpengine(drop_first), local_addr=("127.0.0.1", 0)
        )
        port = transport.get_extra_info("sockname")[1]
        client = NgClient(f"127.0.0.1:{port}", timeout=0.2)
        try:
            pong = await client.ping()
            offer = await client.request("offer", **{"call-id": "c", "from-tag": "f", "sdp": "v=0"})
            with pytest.raises(NgError) as refused:
                await client.request("delete", **{"call-id": "nope"})
            return pong, offer["sdp"], str(refused.value), fake.seen
        finally:
            client.close()
            transport.close()

    pong, sdp, refused, seen = asyncio.run(scenario())
    assert pong and sdp == b"v=0 bridged" and "Unknown call-id" in refused
    # a retry reuses its cookie, so rtpengine's cookie cache never makes a second call of it
    assert len(set(seen)) == 3 and len(seen) == (6 if drop_first else 3)


def test_client_gives_up_on_a_silent_daemon() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        silent, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
        client = NgClient(f"127.0.0.1:{silent.get_extra_info('sockname')[1]}", timeout=0.05, retries=2)
        try:
            with pytest.raises(NgError, match="did not answer"):
                await client.ping()
        finally:
            client.close()
            silent.close()

    asyncio.run(scenario())
