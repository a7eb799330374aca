"""Call-record writes as data, so the writer can put them in its journal while the database is away.

A write of the call path (open a CDR, add a leg, close it, a queue-log row...) is an `Op`: the name
of a registered function and its keyword arguments, plain values only. It runs like any write
(`op(session)`), and `encode`/`decode` turn it into a JSON line and back, so a write made while the
database was unreachable survives a restart in the journal (`hotline.calls.journal`) and is
replayed later by name. The functions register themselves with `@durable("calls.<name>")` where
they are defined; `insert` (one row of any table) is registered here. What the arguments may hold:
str, numbers, bool, None, lists, dicts and aware datetimes (anything else is refused at once, not
at replay time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert as sql_insert
from sqlalchemy.orm import Session

from hotline.store.base import Base

F = TypeVar("F", bound=Callable[..., object])
OPS: dict[str, Callable[..., object]] = {}
_NAMES: dict[Callable[..., object], str] = {}
INSERT = "calls.insert"


def durable(name: str) -> Callable[[F], F]:
    """Register `fn(session, **kwargs)` as a write the journal can hold under `name`."""

    def register(fn: F) -> F:
        if OPS.get(name, fn) is not fn:
            raise ValueError(f"two writes named {name}")
        OPS[name] = fn
        _NAMES[fn] = name
        return fn

    return register


@dataclass(frozen=True, slots=True)
class Op:
    """A registered write with its arguments (keywords only)."""

    name: str
    args: dict[str, Any]

    @classmethod
    def of(cls, fn: Callable[..., object], **args: Any) -> Op:
        name = _NAMES.get(fn)
        if name is None:
            raise ValueError(f"{fn!r} is not a registered durable write")
        _check(args)
        return cls(name, args)

    def __call__(self, session: Session) -> object:
        return OPS[self.name](session, **self.args)

    @property
    def table(self) -> str | None:
        """The table of a one-row insert (the writer puts those in one executemany per table)."""
        return str(self.args["table"]) if self.name == INSERT else None


def row(table: type[Any], values: dict[str, Any]) -> Op:
    """One row into a mapped class's table."""
    return Op.of(insert_row, table=table.__tablename__, row=values)


@durable(INSERT)
def insert_row(session: Session, table: str, row: dict[str, Any]) -> None:
    session.execute(sql_insert(Base.metadata.tables[table]), [row])


def _check(value: Any) -> None:
    if value is None or isinstance(value, str | int | float | bool | datetime):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"a journaled write's keys are text: {key!r}")
            _check(item)
        return
    raise TypeError(f"a journaled write cannot hold {type(value).__name__}")


def _enc(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_enc(v) for v in value]
    if isinstance(value, dict):
        return {k: _enc(v) for k, v in value.items()}
    return value


def _dec(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1 and "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        return {k: _dec(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dec(v) for v in value]
    return value


def encode(op: Op) -> dict[str, Any]:
    return {"op": op.name, "args": _enc(op.args)}


def decode(data: dict[str, Any]) -> Op:
    name = str(data["op"])
    if name not in OPS:
        raise KeyError(f"unknown journaled write {name}")
    return Op(name, _dec(data["args"]))
