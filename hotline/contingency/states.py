"""The callback worklist's one state machine: a collected number is called back, or found unreachable."""

from __future__ import annotations

from enum import StrEnum

from hotline.statetable import StateTable


class CallbackState(StrEnum):
    open = "open"
    done = "done"
    unreachable = "unreachable"


class CallbackAction(StrEnum):
    done = "done"  # called back and talked to
    unreachable = "unreachable"  # tried, nobody answered
    reopen = "reopen"  # marked by mistake


S, A = CallbackState, CallbackAction
CALLBACK = StateTable(
    "contingency callback",
    {
        (S.open, A.done): S.done,
        (S.open, A.unreachable): S.unreachable,
        (S.done, A.reopen): S.open,
        (S.unreachable, A.reopen): S.open,
    },
    what_zh="应急回拨",
)
