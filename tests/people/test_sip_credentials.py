"""Agents' SIP credentials come from the users table (HA1 only, active users only)."""

from __future__ import annotations

import asyncio

from hotline.audit.service import Actor
from hotline.people.passwords import sip_ha1
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn, UserPatch
from hotline.people.service import create_user, update_user
from hotline.people.sip_credentials import UserCredentialStore
from hotline.store.db import Database


def test_ha1_from_users(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        user = create_user(
            s,
            Actor(None, "t"),
            UserIn(
                username="ext1001",
                display_name="坐席",
                password="password-x",
                role=Role.agent,
                extension="1001",
                sip_password="sip1001",
            ),
        )
    store = UserCredentialStore(sqlite_db, "hotline", ttl_seconds=0)
    assert asyncio.run(store.ha1("1001", "hotline")) == sip_ha1("1001", "hotline", "sip1001")
    assert asyncio.run(store.ha1("1001", "other-realm")) is None
    assert asyncio.run(store.ha1("9999", "hotline")) is None
    with sqlite_db.session() as s:
        update_user(s, Actor(None, "t"), user.id, UserPatch(active=False, version=user.version))
    assert asyncio.run(store.ha1("1001", "hotline")) is None
