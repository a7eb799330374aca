"""Request dependencies for what the plug-ins run: the call center, the telephony engine, the bus.

They read the host's `Context` on `app.state.services`, never a module global, so each app (and
each test) sees its own. Use the `Annotated` aliases: `center: CenterDep` answers 409 when no
call center runs; `OptionalCenterDep`/`EngineDep` give None instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from hotline.bus import InProcessBus
from hotline.calls.center import CallCenter
from hotline.calls.plugin import CENTER
from hotline.errors import Conflict
from hotline.plugins import Context
from hotline.sip.engine import TelephonyEngine
from hotline.telephony.plugin import ENGINE


def services(conn: HTTPConnection) -> Context:
    ctx: Context = conn.app.state.services
    return ctx


def optional_center(conn: HTTPConnection) -> CallCenter | None:
    return services(conn).find(CENTER)


def running_center(conn: HTTPConnection) -> CallCenter:
    center = optional_center(conn)
    if center is None:
        raise Conflict("the call center is not running (start it with `hotline serve`)", "呼叫中心未运行")
    return center


def optional_engine(conn: HTTPConnection) -> TelephonyEngine | None:
    return services(conn).find(ENGINE)


def event_bus(conn: HTTPConnection) -> InProcessBus:
    return services(conn).bus


CenterDep = Annotated[CallCenter, Depends(running_center)]
OptionalCenterDep = Annotated[CallCenter | None, Depends(optional_center)]
EngineDep = Annotated[TelephonyEngine | None, Depends(optional_engine)]
BusDep = Annotated[InProcessBus, Depends(event_bus)]
ServicesDep = Annotated[Context, Depends(services)]
