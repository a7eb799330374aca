"""Agents' SIP credentials come from the users table (HA1 only, active users only), are held in
memory so a REGISTER never waits on the database, and a committed change counts at once."""

from __future__ import annotations

import asyncio

from hotline.audit.service import Actor
from hotline.bus import InProcessBus, get_bus
from hotline.people.models import User
from hotline.people.passwords import sip_ha1
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn, UserPatch
from hotline.people.service import create_user, update_user
from hotline.people.sip_credentials import UserCredentialStore
from hotline.store.db import Database


def make_agent(db: Database, extension: str = "1001", password: str = "sip1001") -> User:
    with db.session() as s:
        return create_user(
            s,
            Actor(None, "t"),
            UserIn(
                username=f"ext{extension}",
                display_name="坐席",
                password="password-x",
                role=Role.agent,
                extension=extension,
                sip_password=password,
            ),
        )


def test_ha1_from_users(sqlite_db: Database) -> None:
    user = make_agent(sqlite_db)
    store = UserCredentialStore(sqlite_db, "hotline")
    assert asyncio.run(store.ha1("1001", "hotline")) == sip_ha1("1001", "hotline", "sip1001")
    assert asyncio.run(store.ha1("1001", "other-realm")) is None
    assert asyncio.run(store.ha1("9999", "hotline")) is None
    with sqlite_db.session() as s:
        update_user(s, Actor(None, "t"), user.id, UserPatch(active=False, version=user.version))
    assert asyncio.run(store.ha1("1001", "hotline")) is None


def test_started_store_answers_from_memory_while_the_pool_is_exhausted(sqlite_db: Database) -> None:
    make_agent(sqlite_db)
    telephony = Database(sqlite_db.url, pool_size=1, max_overflow=0, pool_timeout=0.5, name="tel")

    async def scenario() -> tuple[str | None, str | None]:
        store = UserCredentialStore(telephony, "hotline")
        await store.start(InProcessBus())
        held = telephony.engine.connect()  # nothing left in the pool: any query would time out
        try:
            return await store.ha1("1001", "hotline"), await store.ha1("4040", "hotline")
        finally:
            held.close()
            await store.stop()

    try:
        known, unknown = asyncio.run(scenario())
    finally:
        telephony.dispose()
    assert known == sip_ha1("1001", "hotline", "sip1001")
    assert unknown is None


def test_changed_sip_password_counts_from_the_next_lookup(db: Database) -> None:
    user = make_agent(db, "1002", "old-password")

    async def scenario() -> tuple[str | None, str | None, str | None, int]:
        store = UserCredentialStore(db.sibling("tel", 2), "hotline", refresh_seconds=3600)
        await store.start(get_bus())
        try:
            before = await store.ha1("1002", "hotline")
            loads = store.loads

            def change() -> None:
                with db.session() as s:
                    patch = UserPatch(sip_password="new-password", version=user.version)
                    update_user(s, Actor(None, "t"), user.id, patch)

            await asyncio.to_thread(change)  # as a request's worker thread would
            after = await store.ha1("1002", "hotline")
            make_agent(db, "1003", "third-pw")  # a new extension, published the same way
            third = await store.ha1("1003", "hotline")
            return before, after, third, loads
        finally:
            await store.stop()

    before, after, third, loads = asyncio.run(scenario())
    assert before == sip_ha1("1002", "hotline", "old-password")
    assert after == sip_ha1("1002", "hotline", "new-password")
    assert third == sip_ha1("1003", "hotline", "third-pw")
    assert loads == 1
