"""Sign-ins and API tokens as rows: a browser session opened at sign-in and closed at sign-out
(each audited), a failed sign-in audited in its own transaction (the request's is rolled back
with the error; the address, never the password), and a user's own bearer tokens listed, created
and revoked (audited). Only a token's SHA-256 is stored; the token itself is shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import NotFound
from hotline.people.models import ApiToken, User, UserSession
from hotline.store.base import utcnow
from hotline.store.db import Database


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def create_session(session: Session, user: User, hours: int, ip: str | None) -> str:
    """A browser session for `user` lasting `hours`; returns the cookie's token."""
    token = new_token()
    session.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            expires_at=utcnow() + timedelta(hours=hours),
            ip=ip,
        )
    )
    return token


def sign_in(session: Session, user: User, hours: int, ip: str | None) -> str:
    """The session cookie's token for a user whose password was checked; the sign-in audited."""
    token = create_session(session, user, hours, ip)
    record(session, Actor(user.id, user.username, ip), "login", "user", user.id)
    return token


def sign_out(session: Session, actor: Actor, user_id: int, cookie_token: str | None) -> None:
    """End the browser session of this cookie (a bearer token stays valid); audited."""
    if cookie_token:
        session.execute(delete(UserSession).where(UserSession.token_hash == token_hash(cookie_token)))
    record(session, actor, "logout", "user", user_id)


def record_failed_sign_in(db: Database, username: str, user: User | None, ip: str, reason: str) -> None:
    """Audit a refused sign-in in a transaction of its own, so the refusal's rollback keeps it."""
    with db.session() as s:
        actor = Actor(user.id if user else None, username[:64], ip)
        record(s, actor, "login_failed", "user", user.id if user else None, None, {"reason": reason})


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)))


def create_token(session: Session, actor: Actor, user_id: int, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for the user: the row and the token itself (shown only this once)."""
    token = new_token()
    row = ApiToken(name=name, token_hash=token_hash(token), user_id=user_id)
    session.add(row)
    session.flush()
    record(session, actor, "create", "api_token", row.id, None, {"name": name})
    return row, token


def revoke_token(session: Session, actor: Actor, user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens; anyone else's does not exist for them."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFound("token not found", "令牌不存在")
    row.revoked = True
    row.last_used_at = row.last_used_at or utcnow()
    record(session, actor, "revoke", "api_token", row.id)
