"""People's events (docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("people.sip_credentials_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class SipCredentialsChanged(BusEvent):
    """Agents' SIP passwords or extensions changed (committed): the engine re-reads these extensions."""

    extensions: list[str]
