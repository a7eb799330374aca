"""The state machines of quality inspection as transition tables (`hotline.statetable`).

A form version: draft → published (immutable from then on) → retired (a newer version was
published; scores made on it keep pointing at it).

A score: draft (the inspector fills it, saving as often as needed) → submitted → acknowledged by
the agent, or appealed (申诉) with a reason → upheld or changed by a supervisor. Calibration
scores stop at submitted: the agent never sees them.
"""

from __future__ import annotations

from enum import StrEnum

from hotline.statetable import StateTable


class FormState(StrEnum):
    draft = "draft"
    published = "published"
    retired = "retired"


class FormAction(StrEnum):
    edit = "edit"
    publish = "publish"
    retire = "retire"


FORM_TABLE: StateTable[FormState, FormAction] = StateTable(
    "form",
    {
        (FormState.draft, FormAction.edit): FormState.draft,
        (FormState.draft, FormAction.publish): FormState.published,
        (FormState.published, FormAction.retire): FormState.retired,
    },
    what_zh="评分表",
)


class ScoreState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    acknowledged = "acknowledged"
    appealed = "appealed"
    upheld = "upheld"
    changed = "changed"


class ScoreAction(StrEnum):
    save = "save"
    submit = "submit"
    acknowledge = "acknowledge"
    appeal = "appeal"
    uphold = "uphold"
    change = "change"


SCORE_TABLE: StateTable[ScoreState, ScoreAction] = StateTable(
    "score",
    {
        (ScoreState.draft, ScoreAction.save): ScoreState.draft,
        (ScoreState.draft, ScoreAction.submit): ScoreState.submitted,
        (ScoreState.submitted, ScoreAction.acknowledge): ScoreState.acknowledged,
        (ScoreState.submitted, ScoreAction.appeal): ScoreState.appealed,
        (ScoreState.appealed, ScoreAction.uphold): ScoreState.upheld,
        (ScoreState.appealed, ScoreAction.change): ScoreState.changed,
    },
    what_zh="质检评分",
)

# What the agent sees: every score past the inspector's draft (never calibration scores).
VISIBLE_TO_AGENT = (
    ScoreState.submitted,
    ScoreState.acknowledged,
    ScoreState.appealed,
    ScoreState.upheld,
    ScoreState.changed,
)
# What scorecards count: the final word on a call (an appealed score counts once decided).
FINAL = (ScoreState.submitted, ScoreState.acknowledged, ScoreState.upheld, ScoreState.changed)

STATE_ZH = {
    ScoreState.draft: "草稿",
    ScoreState.submitted: "待确认",
    ScoreState.acknowledged: "已确认",
    ScoreState.appealed: "申诉中",
    ScoreState.upheld: "维持原评分",
    ScoreState.changed: "已改判",
}
