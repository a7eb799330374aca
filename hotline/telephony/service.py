"""Trunks (audited writes) and the trunk configuration the running telephony engine uses.

The engine's trunk configuration is the settings' (``HOTLINE_SIP__TRUNK_PEERS``, ``…OUTBOUND_TRUNK``,
``…TRUNK_USER/PASSWORD``) overlaid by the enabled trunks in the database: inbound peers are the union
(several carriers can send calls in); outbound calls go through the enabled outbound trunks in
priority order, the next one taking the call when one fails (503, 408, silence: `hotline.sip.trunks`),
or through the settings' trunk when there is none. `hotline serve` applies it at start and again
after every committed trunk change.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.config import SipSettings
from hotline.errors import Conflict, NotFound
from hotline.sip.trunks import Trunk
from hotline.store.db import Database, after_commit
from hotline.store.pagination import PageRequest, paginate
from hotline.telephony.models import SipTrunk
from hotline.telephony.schemas import TrunkIn, TrunkPatch

T = TypeVar("T")


@dataclass(frozen=True)
class TrunkConfig:
    peers: frozenset[str]
    trunks: tuple[Trunk, ...]  # outbound, in the order calls try them

    @property
    def outbound(self) -> str:
        """The first outbound trunk ("host:port"), "" when there is none."""
        return self.trunks[0].target if self.trunks else ""

    @property
    def credentials(self) -> tuple[str, str] | None:
        return self.trunks[0].credentials if self.trunks else None


def get_trunk(session: Session, trunk_id: int) -> SipTrunk:
    row = session.get(SipTrunk, trunk_id)
    if row is None:
        raise NotFound(f"no trunk {trunk_id}", f"中继 {trunk_id} 不存在")
    return row


def _flush(session: Session, name: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"trunk {name!r} exists", f"中继 {name} 已存在") from exc


def create_trunk(session: Session, actor: Actor, data: TrunkIn) -> SipTrunk:
    row = SipTrunk(**data.model_dump(mode="json"))
    row.password = data.password or None
    session.add(row)
    _flush(session, data.name)
    record(session, actor, "create", "sip_trunk", row.id, None, snapshot(row))
    return row


def update_trunk(session: Session, actor: Actor, trunk_id: int, data: TrunkPatch) -> SipTrunk:
    row = get_trunk(session, trunk_id)
    changes: dict[str, Any] = data.model_dump(mode="json", exclude_unset=True, exclude={"version"})
    if "password" in changes:
        changes["password"] = changes["password"] or None
    flush = lambda: _flush(session, row.name)  # noqa: E731 (the name as changed)
    with audited_update(session, actor, row, data.version, "trunk", "sip_trunk", flush=flush) as edit:
        edit.apply(changes)
        if "password" in changes:
            edit.note(password_changed=True)
    return row


def delete_trunk(session: Session, actor: Actor, trunk_id: int) -> None:
    row = get_trunk(session, trunk_id)
    before = snapshot(row)
    session.delete(row)
    session.flush()
    record(session, actor, "delete", "sip_trunk", trunk_id, before, None)


def _host_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def outbound_target(row: SipTrunk) -> str:
    return f"{row.host}:{row.port}"


def effective_config(session: Session, sip: SipSettings) -> TrunkConfig:
    rows = list(
        session.scalars(
            select(SipTrunk).where(SipTrunk.enabled.is_(True)).order_by(SipTrunk.priority, SipTrunk.id)
        )
    )
    peers = set(sip.trunk_peers)
    for row in rows:
        if row.direction in ("inbound", "both"):
            peers.update(str(p) for p in row.peers)
            ip = _host_ip(row.host)
            if ip is not None:
                peers.add(ip)
    outbound = [
        Trunk(r.name, outbound_target(r), (r.username, r.password or "") if r.username else None)
        for r in rows
        if r.direction in ("outbound", "both")
    ]
    if not outbound and sip.outbound_trunk:
        creds = (sip.trunk_user, sip.trunk_password) if sip.trunk_user else None
        outbound = [Trunk("settings", sip.outbound_trunk, creds)]
    return TrunkConfig(frozenset(peers), tuple(outbound))


class TrunkConfigurable(Protocol):
    def configure_trunks(self, peers: set[str], outbound: Sequence[Trunk]) -> None: ...


def apply(engine: TrunkConfigurable, config: TrunkConfig) -> None:
    engine.configure_trunks(set(config.peers), config.trunks)


def apply_from_db(engine: TrunkConfigurable, db: Database, sip: SipSettings) -> TrunkConfig:
    """At start: the engine takes the database's trunks (over the settings' defaults)."""
    with db.session() as session:
        config = effective_config(session, sip)
    apply(engine, config)
    return config


def reconfigure_after_commit(
    session: Session,
    db: Database,
    sip: SipSettings,
    engine: TrunkConfigurable,
    loop: asyncio.AbstractEventLoop,
) -> None:
    """Once this change has committed, read the whole trunk configuration afresh (so two admins'
    concurrent changes both count) and hand it to the engine on its loop."""

    def reload() -> None:
        with db.session() as fresh:
            config = effective_config(fresh, sip)
        loop.call_soon_threadsafe(apply, engine, config)

    after_commit(session, reload)


def trunks_page(session: Session, params: PageRequest, to_out: Callable[[SipTrunk], T]) -> dict[str, Any]:
    sortable = {"name": SipTrunk.name, "priority": SipTrunk.priority}
    return paginate(session, select(SipTrunk), params, sortable, SipTrunk.id, to_out, "priority")
