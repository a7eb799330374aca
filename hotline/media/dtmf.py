"""DTMF detection from RFC 4733 telephone-event packets and SIP INFO (application/dtmf-relay).

A key press is sent as a burst of event packets sharing one RTP timestamp, the last three carrying the
end bit (sent three times for robustness). We report a digit exactly once, at its first end packet,
and remember recent (ssrc, timestamp) pairs so the redundant end packets - and retransmissions that
arrive after a sequence wrap - are not reported again. A burst whose end packets were all lost is
reported when the next event (new timestamp) starts, so a lost end never swallows a digit.
"""

from __future__ import annotations

from collections import deque

EVENTS = "0123456789*#ABCD"


def event_digit(event: int) -> str | None:
    return EVENTS[event] if 0 <= event < len(EVENTS) else None


class DtmfDetector:
    def __init__(self) -> None:
        self._done: deque[tuple[int, int]] = deque(maxlen=32)
        self._open: tuple[int, int, int] | None = None  # ssrc, ts, event of a burst without end yet

    def feed(self, ssrc: int, ts: int, payload: bytes) -> list[str]:
        """Digits completed by this telephone-event packet (usually none or one)."""
        if len(payload) < 4:
            return []
        event, flags = payload[0], payload[1]
        end = bool(flags & 0x80)
        key = (ssrc, ts)
        out: list[str] = []
        if key in self._done:
            return out
        if self._open is not None and (self._open[0], self._open[1]) != key:
            # A new event started while the previous one never showed an end packet.
            digit = event_digit(self._open[2])
            self._done.append((self._open[0], self._open[1]))
            if digit:
                out.append(digit)
            self._open = None
        if end:
            self._done.append(key)
            self._open = None
            digit = event_digit(event)
            if digit:
                out.append(digit)
        else:
            self._open = (ssrc, ts, event)
        return out


def parse_dtmf_info(body: bytes, content_type: str) -> str | None:
    """The digit in a SIP INFO body (application/dtmf-relay ``Signal=5`` or application/dtmf ``5``)."""
    text = body.decode("utf-8", "replace").strip()
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/dtmf-relay":
        for line in text.splitlines():
            key, _, value = line.partition("=")
            if key.strip().lower() == "signal":
                value = value.strip()
                if value in ("10", "11"):
                    return "*" if value == "10" else "#"
                return value if len(value) == 1 and value.upper() in EVENTS else None
        return None
    if ctype == "application/dtmf":
        if text.isdigit() and int(text) < len(EVENTS):
            return EVENTS[int(text)]
        return text if len(text) == 1 and text.upper() in EVENTS else None
    return None
