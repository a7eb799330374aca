"""The telephony engine's events: legs, calls, registrations and SIP security (see docs/events.md).

Leg events carry the leg's description (`LegFacts`: call, leg, direction, state, parties) plus
their own fields; the call center, the recording marks and tests follow calls through them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from hotline.events import BusEvent, topic


@dataclass(frozen=True, slots=True, kw_only=True)
class LegFacts(BusEvent):
    """What every leg event says about the leg (`Leg.info()`)."""

    call_id: str
    leg_id: str
    direction: str = ""  # "inbound" (from a phone or trunk) or "outbound" (originated by us)
    state: str = ""
    caller: str = ""
    dialed: str = ""
    user: str | None = None  # the authenticated extension, if any
    trunk: str | None = None


@topic("call.arrived")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallArrived(LegFacts):
    """An INVITE was accepted as a new inbound call, before it is handed to the call center."""


@topic("leg.originated")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegOriginated(LegFacts):
    """An outbound leg sent its INVITE."""

    target: str


@topic("leg.ringing_started")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegRingingStarted(LegFacts):
    """The leg rings (inbound: we sent 180; outbound: the far end sent a provisional answer)."""

    early_media: bool = False
    status: int | None = None


@topic("leg.rerouted")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegRerouted(LegFacts):
    """An outbound call left a failing trunk (``status``: its answer, 408 when it stayed silent) for
    the next one."""

    from_trunk: str
    to_trunk: str
    status: int


@topic("leg.answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegAnswered(LegFacts):
    """The leg was answered (200 OK sent or received)."""


@topic("leg.digit_received")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegDigitReceived(LegFacts):
    """A DTMF digit arrived on the leg (RFC 4733 or SIP INFO)."""

    digit: str
    method: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _HoldChange(LegFacts):
    by: str  # "engine" (we held it) or "remote" (the phone did)
    media_direction: str | None = None  # the phone's SDP direction, for a remote hold

    def payload(self) -> dict[str, Any]:
        data = {key: getattr(self, name) for name, key in self.NAMES if name != "media_direction"}
        if self.media_direction is not None:
            data["direction"] = self.media_direction  # as the engine always sent it (tests read it)
        return data


@topic("leg.held")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegHeld(_HoldChange):
    """The leg was put on hold (`by` the engine or the remote phone, whose SDP direction is then
    sent as `direction`)."""


@topic("leg.resumed")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegResumed(_HoldChange):
    """The leg was taken off hold (as `leg.held`: a remote phone's SDP direction as `direction`)."""


@topic("leg.ended")
@dataclass(frozen=True, slots=True, kw_only=True)
class LegEnded(LegFacts):
    """The leg hung up (either side); RTP figures when it had been answered."""

    cause: str
    previous_state: str
    status: int | None = None
    talk_seconds: float | None = None
    rtp: dict[str, Any] | None = None


@topic("call.bridged")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallBridged(BusEvent):
    """Two legs of a call now hear each other."""

    call_id: str
    legs: list[str]


@topic("call.unbridged")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallUnbridged(BusEvent):
    """Two bridged legs were separated."""

    call_id: str
    legs: list[str]


@topic("call.recording_started")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecordingStarted(BusEvent):
    """The call is being recorded to `path`."""

    call_id: str
    path: str | None = None


@topic("call.recording_failed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallRecordingFailed(BusEvent):
    """Writing the recording failed (disk full): the call goes on unrecorded."""

    call_id: str
    error: str


@topic("call.mixer_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallMixerChanged(BusEvent):
    """A leg joined the call's conference (with its role) or its mode changed (listen, whisper, ...)."""

    call_id: str
    leg_id: str
    mode: str
    role: str | None = None


@topic("call.transferred")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(BusEvent):
    """A phone transferred the call (REFER): leg `from` handed its peer to the new leg `to`."""

    KEYS: ClassVar[dict[str, str]] = {"from_leg": "from", "to_leg": "to"}
    call_id: str
    from_leg: str
    to_leg: str


@topic("call.ended")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(BusEvent):
    """The call's last leg ended; its recording (if any) is closed."""

    call_id: str
    caller: str = ""
    cause: str = ""
    duration_seconds: float | None = None
    legs: list[dict[str, Any]] | None = None  # {"leg_id", "cause", "answered"} each
    recording: str | None = None


@topic("sip.registered")
@dataclass(frozen=True, slots=True, kw_only=True)
class SipRegistered(BusEvent):
    """An extension registered (or refreshed) its contacts."""

    extension: str
    contacts: list[str]


@topic("sip.unregistered")
@dataclass(frozen=True, slots=True, kw_only=True)
class SipUnregistered(BusEvent):
    """A registered contact stopped answering OPTIONS and was dropped."""

    extension: str
    contact: str


@topic("security.alert_raised")
@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityAlertRaised(BusEvent):
    """A security alert for supervisors, e.g. `sip_auth_lockout`: a source guessing SIP passwords."""

    kind: str
    source_ip: str | None = None
    extension: str | None = None
    failures: int | None = None
    seconds: float | None = None


@topic("trunk.failed")
@dataclass(frozen=True, slots=True, kw_only=True)
class TrunkFailed(BusEvent):
    """An outbound trunk was marked down: carrier failures in a row (503, 408, 5xx, silence) or an
    unanswered OPTIONS; new calls try the other trunks first."""

    trunk: str
    target: str
    reason: str = ""


@topic("trunk.recovered")
@dataclass(frozen=True, slots=True, kw_only=True)
class TrunkRecovered(BusEvent):
    """A trunk marked down answered again (an OPTIONS or a call); it is back in its place. Also
    told once when a process first finds a trunk working, so an alert left open by a node that
    stopped before the trunk came back is resolved."""

    trunk: str
    target: str
    reason: str = ""
