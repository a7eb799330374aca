"""The one state-table type behind the house's state machines (agent, call, work order, article).

A `StateTable` maps `(state, action)` to the next state. `next(state, action)` is the only way to
move: anything not in the table raises a 409 `Conflict` naming the state, the action and what is
allowed now (never a silent no-op); `allowed(state)` lists the actions legal in a state. Each
machine may word its refusal in its own terms (`refuse`), and keeps what only it has (permissions,
labels) beside its table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from hotline.errors import Conflict

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class StateTable(Generic[S, A]):
    def __init__(
        self,
        what: str,
        transitions: Mapping[tuple[S, A], S],
        *,
        what_zh: str | None = None,
        refuse: Callable[[S, A, list[A]], Conflict] | None = None,
    ) -> None:
        self.what = what
        self.what_zh = what_zh or what
        self.transitions: dict[tuple[S, A], S] = dict(transitions)
        self._refuse = refuse

    def next(self, state: S, action: A) -> S:
        """The state after `action` from `state`, or a 409 Conflict if the table has no such move."""
        try:
            return self.transitions[(state, action)]
        except KeyError:
            raise self.refusal(state, action) from None

    def allowed(self, state: S) -> list[A]:
        """The actions legal in `state`, in table order."""
        return [a for (s, a) in self.transitions if s == state]

    def can(self, state: S, action: A) -> bool:
        return (state, action) in self.transitions

    def refusal(self, state: S, action: A) -> Conflict:
        allowed = self.allowed(state)
        if self._refuse is not None:
            return self._refuse(state, action, allowed)
        legal = ", ".join(a.value for a in allowed) or "none"
        return Conflict(
            f"{self.what} cannot {action.value} while {state.value}; allowed now: {legal}",
            f"{self.what_zh}当前为「{state.value}」，不能执行 {action.value}",
            state=state.value,
            action=action.value,
        )

    def __iter__(self) -> Iterator[tuple[tuple[S, A], S]]:
        return iter(self.transitions.items())

    def __len__(self) -> int:
        return len(self.transitions)
