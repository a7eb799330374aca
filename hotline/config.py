"""Settings: environment variables `HOTLINE_*` override `hotline.toml`, which overrides defaults.

Nested groups use a double underscore in the environment (HOTLINE_SIP__PORT=5070).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# The shipped secret key: public in the source, so a server using it warns (or, in production,
# refuses to start).
DEFAULT_SECRET_KEY = "change-me-in-production-please-0123456789"
MIN_SECRET_KEY_LENGTH = 32


class SipSettings(BaseModel):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 5060
    realm: str = "hotline"
    rtp_port_min: int = 20000
    rtp_port_max: int = 29999
    # Peers (carrier trunks / gateways) allowed to send calls in without digest, by source IP.
    trunk_peers: list[str] = Field(default_factory=lambda: ["127.0.0.1"])
    # Where outbound calls to external numbers go ("host:port"); empty disables them.
    outbound_trunk: str = ""
    # Digest credentials the carrier asks of our outbound calls (empty: none).
    trunk_user: str = ""
    trunk_password: str = ""
    # Trunk failover: an outbound INVITE that has had no answer beyond "100 Trying" this long goes
    # to the next trunk (as do 503, 408 and other carrier 5xx answers); a trunk is marked down
    # after this many carrier failures in a row.
    trunk_failover_seconds: float = 6.0
    trunk_down_after: int = 3
    # Seconds between OPTIONS pings to registered phones (0: never unregister silent phones).
    qualify_seconds: float = 30.0
    rate_limit_per_second: int = 500
    # Digest nonces live this long; an older one gets a fresh challenge with stale=true.
    nonce_ttl_seconds: float = 60.0
    # Password guessing: after this many failed digests from one address for one extension (or
    # for all extensions together) within the window, that address is answered 403 for the
    # lockout, doubled on each repeat up to the maximum.
    auth_max_failures: int = 5
    auth_max_ip_failures: int = 20
    auth_failure_window_seconds: float = 300.0
    auth_lockout_seconds: float = 60.0
    auth_lockout_max_seconds: float = 3600.0
    rtp_timeout_seconds: float = 30.0
    # SIP over TCP: a connection that completes no message (a phone's CRLF keep-alive counts) for
    # `tcp_idle_seconds`, or leaves one half-sent for `tcp_message_seconds`, is closed; at most
    # `tcp_max_connections` at once, `tcp_max_per_ip` from one address.
    tcp_idle_seconds: float = 300.0
    tcp_message_seconds: float = 10.0
    tcp_max_connections: int = 2000
    tcp_max_per_ip: int = 32
    # SIP over TLS (RFC 3261 26.2) for remote desk phones and softphones: a listener on `tls_port`
    # (on `host`) with this certificate and key (`hotline tls cert` writes a self-signed pair for
    # development). With `tls_client_cafile` every phone must present a certificate signed by it
    # (mutual TLS); the same file vouches for phones the engine connects to itself.
    tls_enabled: bool = False
    tls_port: int = 5061
    tls_certfile: str = ""
    tls_keyfile: str = ""
    tls_client_cafile: str = ""
    # SRTP with SDES keys (RFC 4568, AES_CM_128_HMAC_SHA1_80): a phone's RTP/SAVP offer is answered
    # in kind when it came over TLS (never over UDP/TCP, where the keys would travel in the clear),
    # and calls to phones reached over TLS offer RTP/SAVP only, unless this is off.
    srtp_offer: bool = True
    # SIP over WebSocket (RFC 7118) for the console's browser phone: its own listener (WSS with a
    # certificate, plain WS for development on loopback). Handshakes must ask for the `sip`
    # subprotocol and come from one of `ws_origins` (empty: the console's own http_host:http_port).
    ws_enabled: bool = False
    ws_host: str = ""  # empty: `host`
    ws_port: int = 5066
    ws_origins: list[str] = Field(default_factory=list)
    ws_certfile: str = ""
    ws_keyfile: str = ""
    # WSS with the SIP/TLS certificate (`tls_certfile`, or the development pair `hotline tls cert`
    # writes) when `ws_certfile` is not set.
    ws_tls: bool = False
    # What the browser dials when a proxy fronts the WebSocket (e.g. "wss://hotline.example/sip").
    ws_public_url: str = ""
    # STUN/TURN servers handed to browser phones behind NAT (docs/softphone.md: coturn), as
    # RTCPeerConnection's iceServers: [{"urls": "turn:turn.example:3478", "username": ..., ...}].
    ice_servers: list[dict[str, str]] = Field(default_factory=list)
    # "relay": browser phones use only TURN relay candidates (RTCPeerConnection iceTransportPolicy),
    # for agents whose network lets nothing but the TURN server through, or to keep their addresses
    # from the media server.
    ice_transport_policy: Literal["all", "relay"] = "all"
    # The WebRTC <-> RTP media bridge of browser phones: rtpengine's ng control address
    # ("host:port"; empty: browser phones cannot be rung). With `webrtc_bridge_start` the engine
    # starts its own rtpengine there (userspace, on `host`, RTP ports in the webrtc range).
    webrtc_bridge: str = ""
    webrtc_bridge_start: bool = False
    webrtc_port_min: int = 30000
    webrtc_port_max: int = 30999
    # Offer browser phones Opus (48 kHz, 24 kbit/s) first, transcoded by rtpengine to and from the
    # engine's G.711: a third of PCMU's bandwidth to the agent, for ~10x the bridge's CPU per leg and
    # added latency (bench/RESULTS.md "Browser phone", Opus against PCMU). Off: PCMU/PCMA end to end.
    webrtc_opus: bool = False


# Number classes of the dial plan (`hotline.dialplan.plan`); emergency numbers are always allowed.
DialCategory = Literal[
    "extension", "service", "local", "mobile", "national", "international", "premium", "satellite"
]
_DOMESTIC: list[DialCategory] = ["extension", "service", "local", "mobile", "national"]
_CALLBACK: list[DialCategory] = ["local", "mobile", "national"]


class DialPlanSettings(BaseModel):
    """The toll-fraud guard: which classes of numbers each role may ring (click to dial, consult,
    transfer to a number) and a callback may ring (per queue). International, premium and satellite
    numbers are off by default; a bureau that needs them turns them on for a role, e.g.
    `HOTLINE_DIAL_PLAN__ROLES='{"supervisor": ["extension", "mobile", "international"]}'` or a
    `[dial_plan.roles]` table in hotline.toml. A role missing here rings only emergency numbers."""

    roles: dict[str, list[DialCategory]] = Field(
        default_factory=lambda: {
            "agent": list(_DOMESTIC),
            "supervisor": list(_DOMESTIC),
            "admin": list(_DOMESTIC),
        }
    )
    # Numbers a published IVR flow may transfer callers to or ring in an emergency (checked when
    # the flow is published: a flow runs as the system, for every caller).
    flows: list[DialCategory] = Field(default_factory=lambda: list(_DOMESTIC))
    # Callbacks ring citizens: no extensions, no emergency numbers; a queue may differ.
    callback: list[DialCategory] = Field(default_factory=lambda: list(_CALLBACK))
    callback_queues: dict[str, list[DialCategory]] = Field(default_factory=dict)
    emergency_numbers: list[str] = Field(default_factory=lambda: ["110", "119", "120", "122"])
    # Extensions of the center: users' extensions are always recognised, and so is this pattern.
    extension_pattern: str = r"[1-9]\d{3}"
    # Public service numbers: 10xxx carriers, 11xxx/12xxx government (12345, 12349, 12315...),
    # 95xxx/96xxx five-digit enterprise and local service lines (banks, utilities).
    service_pattern: str = r"1[0-2]\d{3}|11[2-8]|9[56]\d{3}"
    # Premium-rate (声讯) numbers, charged per minute to the caller: 1900…, 160/168 information
    # lines, 1259x SMS services, and the longer 95/96 numbers whose tariff the operator of the
    # service sets. Checked before the other domestic classes.
    premium_patterns: list[str] = Field(
        default_factory=lambda: [r"1900\d{3,}", r"16[08]\d{5}", r"1259\d*", r"9[56]\d{4,6}"]
    )
    # Country codes of satellite and other non-geographic networks (Inmarsat, Iridium, +882/+883).
    satellite_codes: list[str] = Field(default_factory=lambda: ["870", "881", "882", "883"])


class HaSettings(BaseModel):
    """Several nodes (docs/operations.md, "Two nodes"): the shared bus and the leader lease."""

    # Events shared between nodes and web processes: "" keeps the in-process bus, a Redis URL
    # ("redis://127.0.0.1:6379/0") the Redis bus (hotline.redisbus).
    bus_url: str = ""
    bus_channel: str = "hotline:events"
    # This node's name on the bus and in the leader lease (default: host name and process id);
    # unique per node.
    node: str = ""
    # Leader lease (hotline.ha): only the node holding it runs the telephony engine, the call
    # center and the jobs; the others serve the web and take over once it expires.
    lease: bool = False
    lease_seconds: float = 3.0
    renew_seconds: float = 1.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HOTLINE_",
        env_nested_delimiter="__",
        toml_file="hotline.toml",
        extra="ignore",
    )

    database_url: str = "sqlite:///var/hotline.db"
    data_dir: Path = Path("var")
    # Call records the database could not take (outage) wait in data_dir/journal, up to this size.
    call_journal_mb: int = 64
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    # "production" refuses to start with the default secret key, demo data or insecure cookies;
    # "development" starts anyway, with a loud warning for each.
    env: Literal["development", "production"] = "development"
    # Signs the console's CSRF tokens (hotline.web.csrf); set a long random value in production.
    secret_key: str = DEFAULT_SECRET_KEY
    # Session cookies are Secure unless explicitly relaxed for plain-HTTP development.
    cookie_secure: bool = True
    session_hours: int = 12
    # Login lockout per (user name, client address): after this many failures in the window the
    # pair waits login_lock_seconds, doubling with each further failure up to the maximum.
    login_max_failures: int = 5
    login_window_seconds: int = 300
    login_lock_seconds: int = 30
    login_lock_max_seconds: int = 900
    # Failures from one address over all user names (password spraying) before it must wait.
    login_ip_max_failures: int = 100
    # Addresses or networks that may read /metrics without signing in (e.g. the Prometheus host).
    metrics_allow: list[str] = Field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    # Reverse proxies (addresses or networks) whose X-Forwarded-For is believed; empty: none.
    trusted_proxies: list[str] = Field(default_factory=list)
    # An agent with no console open for this long (closed browser, lost network) leaves the queues.
    agent_presence_grace_seconds: float = 60.0
    # Load isolation: API requests in progress at once (0: the web pool's connections less a
    # reserve for jobs and sockets), how many more may wait and for how long before a 503 with
    # Retry-After; the telephony engine has its own pool of this many connections.
    http_max_concurrency: int = 0
    http_queue: int = 64
    http_queue_seconds: float = 2.0
    telephony_db_pool: int = 4
    log_json: bool = True
    # Background jobs (deadline sweeps, expiry, retention) run inside `hotline serve`.
    jobs_enabled: bool = True
    # Recordings older than this many days lose their audio (the index keeps a tombstone) in an
    # hourly job; 0 keeps every recording.
    recording_retention_days: int = 0
    # Speak a flow's prompts (espeak-ng) as soon as it is published, where no recording exists.
    ivr_speak_on_publish: bool = True
    # The government mailbox (政府信箱) SMTP receiver; address and port in HOTLINE_CHANNELS_MAILBOX_*.
    mailbox_enabled: bool = True
    # Plug-ins started after the built-in domains (`hotline.plugins.PLUGINS`): "package.module" (its
    # `PLUGIN`) or "package.module:NAME", e.g. HOTLINE_PLUGINS='["mycity.reports.plugin"]'.
    plugins: list[str] = Field(default_factory=list)
    timezone: str = "Asia/Shanghai"
    sip: SipSettings = Field(default_factory=SipSettings)
    dial_plan: DialPlanSettings = Field(default_factory=DialPlanSettings)
    ha: HaSettings = Field(default_factory=HaSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def prompts_dir(self) -> Path:
        return self.data_dir / "prompts"


@lru_cache
def get_settings() -> Settings:
    return Settings()
