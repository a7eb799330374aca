"""Intake channels' events (docs/events.md), published after the message's transaction committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("channel.ack_queued")
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelAckQueued(BusEvent):
    """An acknowledgement to the writer of an inbound message is queued for sending."""

    ack_id: int
    channel: str
    recipient: str
    text: str


@topic("channel.message_processed")
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelMessageProcessed(BusEvent):
    """An inbound message (mail, SMS, WeChat, web form) became work order `number`."""

    inbound_id: int
    workorder_id: int
    number: str
