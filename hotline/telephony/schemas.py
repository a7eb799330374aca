"""API shapes for trunks, extensions and prompts."""

from __future__ import annotations

import ipaddress
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from hotline.schemas import Out, StrictIn


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"
    both = "both"


def _address(value: str) -> str:
    # An address, not a name: the engine sends from its event loop and must not wait on DNS, and an
    # inbound trunk is recognised by the source address of its packets.
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an IP address (host names are not supported)") from exc


def _ip(value: str | None) -> str | None:
    return None if value is None else _address(value)


def _ips(values: list[str] | None) -> list[str] | None:
    return None if values is None else sorted({_address(v) for v in values})


class TrunkIn(StrictIn):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_-]+$")
    label: str = Field(min_length=1, max_length=100)
    direction: Direction = Direction.both
    host: str = Field(min_length=1, max_length=64)
    port: int = Field(5060, ge=1, le=65535)
    peers: list[str] = Field(default_factory=list, max_length=64)
    username: str | None = Field(None, max_length=100)
    password: str | None = Field(None, max_length=200)
    priority: int = Field(10, ge=0, le=1000)
    enabled: bool = True

    _check_peers = field_validator("peers")(_ips)
    _check_host = field_validator("host")(_ip)


class TrunkPatch(StrictIn):
    version: int
    label: str | None = Field(None, min_length=1, max_length=100)
    direction: Direction | None = None
    host: str | None = Field(None, min_length=1, max_length=64)
    port: int | None = Field(None, ge=1, le=65535)
    peers: list[str] | None = Field(None, max_length=64)
    username: str | None = Field(None, max_length=100)
    # Omitted: unchanged; "" clears it.
    password: str | None = Field(None, max_length=200)
    priority: int | None = Field(None, ge=0, le=1000)
    enabled: bool | None = None

    _check_peers = field_validator("peers")(_ips)
    _check_host = field_validator("host")(_ip)

    @model_validator(mode="after")
    def _no_null_required(self) -> TrunkPatch:
        nullable = {"username", "password"}
        nulls = [k for k in self.model_fields_set - nullable if getattr(self, k) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null (omit a field to keep it)")
        return self


class TrunkHealth(Out):
    status: int
    rtt_ms: float
    at: float


class TrunkOut(Out):
    id: int
    name: str
    label: str
    direction: str
    host: str
    port: int
    peers: list[str]
    username: str | None
    has_password: bool
    priority: int
    enabled: bool
    created_at: datetime
    version: int
    # Filled from the running engine: is this the trunk outbound calls use now, and its last check.
    active_outbound: bool = False
    health: TrunkHealth | None = None
    # Outbound trunks: place in the failover order (1 = tried first), marked down or up, and the
    # share of the recent call attempts (up to 20) the carrier failed (503, 408, 5xx, silence).
    failover_rank: int | None = None
    up: bool | None = None
    failure_ratio: float | None = None
    attempts: int = 0
    down_reason: str = ""


class EngineTrunks(Out):
    running: bool
    trunk_peers: list[str]
    outbound_trunk: str
    has_credentials: bool
    outbound_order: list[str] = []  # trunk names in the order calls try them now


class ContactOut(Out):
    contact: str
    source: str
    transport: str
    expires_in: int


class ExtensionOut(Out):
    user_id: int
    username: str
    display_name: str
    role: str
    extension: str
    active: bool
    has_sip_password: bool
    registered: bool
    contacts: list[ContactOut]


class PromptOut(Out):
    name: str
    text: str | None
    source: str  # recorded | generated | missing
    seconds: float | None
    size: int | None
    updated_at: datetime | None


class PhoneOut(Out):
    """The signed-in agent's phone: mode, and for a browser phone its SIP-over-WebSocket account."""

    mode: str  # desk | browser
    available: bool  # this server can carry a browser phone
    extension: str | None
    realm: str
    ws_url: str | None
    ha1: str | None  # only for the agent's own browser phone
    ice_servers: list[dict[str, str]]
    ice_transport_policy: str  # all | relay (TURN only)


class PhoneIn(StrictIn):
    mode: Literal["desk", "browser"]
