"""rtpengine's ng control protocol (bencode over UDP): the WebRTC ↔ plain RTP bridge's client.

A browser phone speaks DTLS-SRTP with ICE (``UDP/TLS/RTP/SAVPF``); the engine speaks plain RTP
G.711. rtpengine (Debian ``rtpengine-daemon``, userspace forwarding) sits between them: the engine
hands it each SDP on its way to or from a browser and gets back the SDP for the other side
(``offer``/``answer``), and ``delete`` frees the call. Each request is one datagram
``<cookie> <bencoded dict>``; the answer carries the same cookie. Requests are retried on silence
(UDP) with the same cookie, which rtpengine answers from its cookie cache, so a retry never makes a
second call.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

Bencodable = bytes | str | int | list[Any] | dict[str, Any]


class NgError(RuntimeError):
    """rtpengine refused a request or did not answer."""


def bencode(value: Bencodable) -> bytes:
    if isinstance(value, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def bdecode(data: bytes) -> Any:
    value, end = _decode(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after bencoded value")
    return value


def _decode(data: bytes, i: int) -> tuple[Any, int]:
    if i >= len(data):
        raise ValueError("truncated bencode")
    c = data[i : i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1 : end]), end + 1
    if c == b"l":
        items: list[Any] = []
        i += 1
        while data[i : i + 1] != b"e":
            item, i = _decode(data, i)
            items.append(item)
        return items, i + 1
    if c == b"d":
        out: dict[str, Any] = {}
        i += 1
        while data[i : i + 1] != b"e":
            key, i = _decode(data, i)
            out[key.decode() if isinstance(key, bytes) else str(key)], i = _decode(data, i)
        return out, i + 1
    if c.isdigit():
        colon = data.index(b":", i)
        n = int(data[i:colon])
        start = colon + 1
        if start + n > len(data):
            raise ValueError("truncated string")
        return data[start : start + n], start + n
    raise ValueError(f"bad bencode at {i}")


class _NgProtocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.waiting: dict[bytes, asyncio.Future[Any]] = {}

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        cookie, _, body = data.partition(b" ")
        fut = self.waiting.pop(cookie, None)
        if fut is None or fut.done():
            return
        try:
            fut.set_result(bdecode(body))
        except ValueError as exc:
            fut.set_exception(NgError(f"bad ng answer: {exc}"))

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP unreachable while rtpengine restarts: the retry timer covers it


class NgClient:
    """Talks to one rtpengine control address ("host:port")."""

    def __init__(self, address: str, *, timeout: float = 1.0, retries: int = 3) -> None:
        host, _, port = address.rpartition(":")
        self.addr = (host or "127.0.0.1", int(port))
        self.timeout = timeout
        self.retries = retries
        self._proto: _NgProtocol | None = None
        self._transport: asyncio.DatagramTransport | None = None

    async def _ensure(self) -> _NgProtocol:
        if self._proto is None:
            loop = asyncio.get_running_loop()
            transport, proto = await loop.create_datagram_endpoint(_NgProtocol, remote_addr=self.addr)
            self._transport, self._proto = transport, proto
        return self._proto

    async def request(self, command: str, **params: Bencodable) -> dict[str, Any]:
        proto = await self._ensure()
        cookie = os.urandom(6).hex().encode()
        packet = cookie + b" " + bencode({"command": command, **params})
        loop = asyncio.get_running_loop()
        for _ in range(self.retries):
            fut: asyncio.Future[Any] = loop.create_future()
            proto.waiting[cookie] = fut
            assert self._transport is not None
            self._transport.sendto(packet)
            try:
                answer = await asyncio.wait_for(fut, self.timeout)
            except TimeoutError:
                continue
            finally:
                proto.waiting.pop(cookie, None)
            if not isinstance(answer, dict):
                raise NgError("ng answer is not a dictionary")
            result = answer.get("result", b"")
            if result not in (b"ok", b"pong"):
                reason = answer.get("error-reason", result)
                raise NgError(f"rtpengine {command}: {reason!r}")
            return answer
        raise NgError(f"rtpengine at {self.addr[0]}:{self.addr[1]} did not answer {command}")

    async def ping(self) -> bool:
        return (await self.request("ping")).get("result") == b"pong"

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._transport, self._proto = None, None
