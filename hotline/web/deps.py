"""Request dependencies as `Annotated` aliases, so an endpoint's signature says what it takes.

`session: SessionDep` is the request's transaction, declared with scope="function" so it commits
before the response is sent (`app.check_commit_scope` refuses any other); `principal:
PrincipalDep` is any signed-in user who has set their own password, `SignedInDep` also one who
still must change it. A permission is `Annotated[Principal, Depends(require("domain.action"))]`,
named once at the top of the domain's router module (`tests/web/test_permissions.py` finds the
`require` inside the alias).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path
from sqlalchemy.orm import Session

from hotline.config import Settings
from hotline.schemas import MAX_ID
from hotline.store.db import Database
from hotline.web.appstate import get_app_settings, get_db, get_session
from hotline.web.auth import Principal, authenticated, signed_in
from hotline.web.pagination import ListParams

__all__ = [
    "DbDep",
    "IdPath",
    "ListDep",
    "PrincipalDep",
    "SessionDep",
    "SettingsDep",
    "SignedInDep",
    "get_app_settings",
    "get_db",
    "get_session",
]

# A row id in a URL path: 1 ... 2^31-1 (validated, so out-of-range ids are 422, not 500).
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
PrincipalDep = Annotated[Principal, Depends(authenticated)]
SignedInDep = Annotated[Principal, Depends(signed_in)]
ListDep = Annotated[ListParams, Depends()]
