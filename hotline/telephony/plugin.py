"""The telephony plug-in: the SIP/RTP engine on the server's loop (when `sip.enabled`).

It opens the telephony's own database pool (`Database.sibling`, so neither agents' credentials nor
call records wait for a connection web requests hold), serves agents' SIP credentials from the
users table, overlays the trunks configured in the database, puts back the phones' registrations
saved before a restart and then listens. Later plug-ins find the engine and that pool under
`ENGINE` and `TELEPHONY_DB`; trunk administration is `web/routers/telephony.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from hotline.bus import Bus
from hotline.config import Settings
from hotline.ha.leadership import LEADERSHIP
from hotline.ha.lease import fence
from hotline.people.sip_credentials import UserCredentialStore
from hotline.plugins import Context, Plugin, Service
from hotline.sip.engine import TelephonyEngine
from hotline.store.db import Database
from hotline.telephony.registrations import RegistrationStore
from hotline.telephony.service import apply_from_db as apply_trunks_from_db

log = logging.getLogger(__name__)

ENGINE: Service[TelephonyEngine] = Service("telephony.engine")
TELEPHONY_DB: Service[Database] = Service("telephony.db")


@dataclass
class _Running:
    db: Database
    credentials: UserCredentialStore
    engine: TelephonyEngine | None = None
    registrations: RegistrationStore | None = None
    unfence: Callable[[], None] | None = None


_RUNNING: Service[_Running] = Service("telephony.running")


async def start_engine(
    settings: Settings, db: Database, bus: Bus, credentials: UserCredentialStore
) -> tuple[TelephonyEngine, RegistrationStore]:
    """The engine with agents' credentials, the database's trunks and the saved registrations put
    back before it listens. `db` is the telephony's own pool."""
    engine = TelephonyEngine(settings, bus, credentials)
    if settings.sip.trunk_user:
        engine.trunk_credentials = (settings.sip.trunk_user, settings.sip.trunk_password)
    engine.qualify_interval = settings.sip.qualify_seconds
    # Trunks configured in the database overlay the settings' defaults.
    apply_trunks_from_db(engine, db, settings.sip)
    registrations = RegistrationStore(db, engine.registrar)
    restored = await registrations.load()
    if restored:
        log.info("restored %d phone registrations", restored)
    registrations.install()
    await engine.start()
    return engine, registrations


class TelephonyPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        settings = ctx.settings
        if not settings.sip.enabled:
            return
        db = ctx.db.sibling("telephony", settings.telephony_db_pool)
        running = _Running(db, UserCredentialStore(db, settings.sip.realm))
        ctx.provide(_RUNNING, running)  # so stop() closes what a failed start left open
        lead = ctx.find(LEADERSHIP)
        if lead is not None:  # one of several nodes: the call center's writes carry our epoch
            running.unfence = fence(db, lead.name, lead.epoch)
        await running.credentials.start(ctx.bus)
        running.engine, running.registrations = await start_engine(settings, db, ctx.bus, running.credentials)
        ctx.provide(TELEPHONY_DB, db)
        ctx.provide(ENGINE, running.engine)

    async def stop(self, ctx: Context) -> None:
        running = ctx.find(_RUNNING)
        if running is None:
            return
        ctx.withdraw(_RUNNING)
        ctx.withdraw(ENGINE)
        ctx.withdraw(TELEPHONY_DB)
        if running.engine is not None:
            await running.engine.stop()
        if running.registrations is not None:
            await running.registrations.stop()
        await running.credentials.stop()
        if running.unfence is not None:
            running.unfence()
        running.db.dispose()


PLUGIN = TelephonyPlugin("telephony", routers=("hotline.web.routers.telephony",))
