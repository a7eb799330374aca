"""The one audited update: get → version check → snapshot → set → flush → audit.

Every domain's update of a versioned row goes through `audited_update`, so an edit made from a
stale copy is refused the same way everywhere (409 `stale_version`), and the audit entry carries
the row as it was and as it is after the flush (which bumps `version`), in the writer's
transaction:

    row = get_queue(session, queue_id)                                  # get (404 is the domain's)
    with audited_update(session, actor, row, data.version, "queue", "acd_queue") as edit:
        edit.apply(data.model_dump(exclude_unset=True, exclude={"version"}))   # set
    return row

The body runs between the snapshot and the flush; an error in it leaves nothing flushed and
nothing audited. `snap` replaces `snapshot` where a domain audits more than the row's own columns
(a caller with their phones); `flush` replaces `session.flush` where a domain turns a database
error into its own (a duplicate name → 409); `edit.note` adds facts to the `after` record that are
not columns (a password was changed, never its value).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.errors import stale_version


class Versioned(Protocol):
    id: Any
    version: Any


R = TypeVar("R", bound=Versioned)


def check_version(row: Versioned, expected: int | None, what: str) -> None:
    """409 when the client edited another version than the stored one (None: the caller does not
    ask for optimistic locking, e.g. an internal step)."""
    if expected is not None and expected != row.version:
        raise stale_version(what, expected, row.version)


@dataclass
class Edit(Generic[R]):
    """The row being changed inside `audited_update`, and facts to add to its audit entry."""

    row: R
    before: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def apply(self, changes: Mapping[str, Any]) -> None:
        """Set the row's attributes from `changes` (enum members stored by value)."""
        for key, value in changes.items():
            setattr(self.row, key, value.value if isinstance(value, Enum) else value)

    def note(self, **facts: Any) -> None:
        self.extra.update(facts)


@contextmanager
def audited_update(
    session: Session,
    actor: Actor,
    row: R,
    expected_version: int | None,
    what: str,
    entity: str,
    action: str = "update",
    snap: Callable[[R], dict[str, Any]] = snapshot,
    flush: Callable[[], None] | None = None,
) -> Iterator[Edit[R]]:
    """Check the version, snapshot, let the body set the fields, flush, audit (see the module doc)."""
    check_version(row, expected_version, what)
    edit = Edit(row, snap(row))
    yield edit
    (flush or session.flush)()
    record(session, actor, action, entity, row.id, edit.before, {**snap(row), **edit.extra})
