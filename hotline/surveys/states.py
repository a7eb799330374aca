"""The questionnaire's life as a transition table: a draft is edited until published; a published
questionnaire takes answers (and may be edited, which publishes a new version) until closed;
a closed one may be reopened."""

from __future__ import annotations

from enum import StrEnum

from hotline.statetable import StateTable


class SurveyState(StrEnum):
    draft = "draft"
    published = "published"
    closed = "closed"


class SurveyAction(StrEnum):
    edit = "edit"
    publish = "publish"
    close = "close"
    reopen = "reopen"


S, A = SurveyState, SurveyAction
SURVEY_STATES: StateTable[SurveyState, SurveyAction] = StateTable(
    "survey",
    {
        (S.draft, A.edit): S.draft,
        (S.draft, A.publish): S.published,
        (S.published, A.edit): S.published,
        (S.published, A.publish): S.published,
        (S.published, A.close): S.closed,
        (S.closed, A.edit): S.closed,
        (S.closed, A.reopen): S.published,
    },
    what_zh="问卷",
)
STATE_ZH = {S.draft: "草稿", S.published: "已发布", S.closed: "已关闭"}
