"""The flag a 不满意 answer raises for the supervisor, as a transition table.

A dissatisfied answer is flagged `open` when it is recorded; a supervisor `acknowledge`s it (with
a note: called back, passed to quality checking...), after which it is `acknowledged`. Anything
else is a 409 naming what is allowed (`hotline.statetable`).
"""

from __future__ import annotations

from enum import StrEnum

from hotline.statetable import StateTable


class Flag(StrEnum):
    open = "open"
    acknowledged = "acknowledged"


class FlagAction(StrEnum):
    acknowledge = "acknowledge"


FLAG_LABELS_ZH = {Flag.open: "待处理", Flag.acknowledged: "已处理"}

TABLE: StateTable[Flag, FlagAction] = StateTable(
    "satisfaction flag",
    {(Flag.open, FlagAction.acknowledge): Flag.acknowledged},
    what_zh="不满意标记",
)
