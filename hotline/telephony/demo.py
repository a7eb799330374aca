"""Demo telephony data: the local test gateway as an inbound trunk (SIPp and softphones on this
machine call in through it). No outbound trunk: external numbers stay unroutable in the demo."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.telephony.models import SipTrunk
from hotline.telephony.schemas import TrunkIn
from hotline.telephony.service import create_trunk


def load(session: Session, actor: Actor) -> None:
    if session.scalar(select(SipTrunk.id).where(SipTrunk.name == "local-gateway")) is not None:
        return
    create_trunk(
        session,
        actor,
        TrunkIn(name="local-gateway", label="本机测试网关", direction="inbound", host="127.0.0.1", port=5080),
    )
