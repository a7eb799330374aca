"""Password rules and what a password change does to a user's existing sign-ins.

A password someone else chose (the first admin's, an admin's reset) is temporary: the user must
replace it at the next sign-in. Changing or resetting a password, and deactivating a user, end
the user's browser sessions, so a stolen cookie does not outlive them and reactivating a user does
not bring old sessions back; an admin's reset and a deactivation also revoke the user's API tokens
(the user changing their own password keeps their integrations and the session they are using).
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import Invalid
from hotline.people.models import ApiToken, User, UserSession
from hotline.people.passwords import hash_password, verify_password

MIN_LENGTH = 8
MAX_LENGTH = 128
RULES = "at least 8 characters with letters and digits, not the user name, not a common or demo password"
RULES_ZH = "密码至少 8 位，须同时包含字母和数字，不能与用户名相同，也不能是常见密码或演示密码"
# Passwords printed in the README, the demo banner, or top of every leaked-password list.
COMMON = {
    "admin1234",
    "demo1234",
    "password",
    "password1",
    "password123",
    "12345678",
    "123456789",
    "1234567890",
    "abc12345",
    "a1234567",
    "qwerty123",
    "1qaz2wsx",
    "admin123",
    "admin888",
    "changeme1",
}


def password_problem(password: str, username: str) -> str | None:
    """The first rule `password` breaks (English), or None."""
    if len(password) < MIN_LENGTH:
        return f"the password needs at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"the password may have at most {MAX_LENGTH} characters"
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        return "the password needs both letters and digits"
    if password.lower() == username.lower():
        return "the password may not be the user name"
    if password.lower() in COMMON:
        return "the password is a common or demo password"
    return None


def check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(f"{problem} ({RULES})", RULES_ZH, rules=RULES, rules_zh=RULES_ZH)


def end_sessions(session: Session, user_id: int, keep_token_hash: str | None = None) -> None:
    """Delete the user's browser sessions (all but `keep_token_hash`, the one in use)."""
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_token_hash is not None:
        stmt = stmt.where(UserSession.token_hash != keep_token_hash)
    session.execute(stmt)


def revoke_tokens(session: Session, user_id: int) -> None:
    session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked.is_(False)).values(revoked=True)
    )


def reset_password(session: Session, actor: Actor, user: User, password: str, must_change: bool) -> None:
    """Someone (an admin, the CLI) sets `user`'s password: every session and token ends."""
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    end_sessions(session, user.id)
    revoke_tokens(session, user.id)
    session.flush()
    record(session, actor, "set_password", "user", user.id, None, {"must_change_password": must_change})


def change_own_password(
    session: Session, actor: Actor, user: User, old: str, new: str, keep_token_hash: str | None
) -> None:
    """The user replaces their own password (the old one proves it is them)."""
    if not verify_password(user.password_hash, old):
        raise Invalid("the current password is wrong", "当前密码不正确")
    if old == new:
        raise Invalid("the new password must differ from the current one", "新密码不能与当前密码相同")
    check_password(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_sessions(session, user.id, keep_token_hash)
    session.flush()
    record(session, actor, "change_password", "user", user.id)


def deactivated(session: Session, user: User) -> None:
    """A user was switched off: nothing they signed in with may come back with reactivation."""
    end_sessions(session, user.id)
    revoke_tokens(session, user.id)
