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


class InterviewState(StrEnum):
    pending = "pending"
    in_progress = "in_progress"
    completed = "completed"
    refused = "refused"
    no_answer = "no_answer"
    busy = "busy"
    wrong_number = "wrong_number"
    callback = "callback"
    partial = "partial"  # hung up after some answers (AAPOR break-off, the answers kept)
    interrupted = "interrupted"  # the dialler stopped mid-call (crash): never rung again by itself
    do_not_call = "do_not_call"  # on the do-not-call list when its turn came


class InterviewAction(StrEnum):
    start = "start"
    complete = "complete"
    refuse = "refuse"
    no_answer = "no_answer"
    busy = "busy"
    wrong_number = "wrong_number"
    callback = "callback"
    release = "release"
    break_off = "break_off"
    interrupt = "interrupt"
    exclude = "exclude"


IS, IA = InterviewState, InterviewAction
# A phone interview's outcome codes: ringing again is allowed after no answer, busy or an agreed
# call-back; completed, refused, wrong number, a break-off (partial), an interrupted call and a
# do-not-call number are final.
INTERVIEW_STATES: StateTable[InterviewState, InterviewAction] = StateTable(
    "interview",
    {
        **{(s, IA.start): IS.in_progress for s in (IS.pending, IS.no_answer, IS.busy, IS.callback)},
        (IS.in_progress, IA.complete): IS.completed,
        (IS.in_progress, IA.refuse): IS.refused,
        (IS.in_progress, IA.no_answer): IS.no_answer,
        (IS.in_progress, IA.busy): IS.busy,
        (IS.in_progress, IA.wrong_number): IS.wrong_number,
        (IS.in_progress, IA.callback): IS.callback,
        (IS.in_progress, IA.release): IS.pending,
        (IS.in_progress, IA.break_off): IS.partial,
        (IS.in_progress, IA.interrupt): IS.interrupted,
        **{(s, IA.exclude): IS.do_not_call for s in (IS.pending, IS.no_answer, IS.busy, IS.callback)},
    },
    what_zh="访问",
)
OUTCOME_ZH = {
    IS.pending: "待拨打",
    IS.in_progress: "访问中",
    IS.completed: "完成",
    IS.refused: "拒访",
    IS.no_answer: "无人接听",
    IS.busy: "占线",
    IS.wrong_number: "号码错误",
    IS.callback: "约定回拨",
    IS.partial: "中途挂断",
    IS.interrupted: "系统中断",
    IS.do_not_call: "勿扰",
}


class CampaignState(StrEnum):
    paused = "paused"
    running = "running"
    finished = "finished"


class CampaignAction(StrEnum):
    start = "start"  # also resume
    pause = "pause"
    finish = "finish"


CS, CA = CampaignState, CampaignAction
# An automated campaign dials only while running; paused stops new calls (calls in progress end
# normally); finished is final.
CAMPAIGN_STATES: StateTable[CampaignState, CampaignAction] = StateTable(
    "campaign",
    {
        (CS.paused, CA.start): CS.running,
        (CS.running, CA.pause): CS.paused,
        (CS.running, CA.finish): CS.finished,
        (CS.paused, CA.finish): CS.finished,
    },
    what_zh="调查任务",
)
CAMPAIGN_ZH = {CS.paused: "已暂停", CS.running: "拨打中", CS.finished: "已结束"}


class InviteStatus(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"  # this try failed (gateway down): tried again after a back-off
    dead = "dead"  # the last try failed
    unknown = "unknown"  # a claim a stopped process left: it may have gone out, never resent
    skipped = "skipped"  # on the do-not-contact list by the time its turn came
    refused = "refused"  # the channel cannot carry it (WeChat: no message from them in 48 hours)


class InviteStep(StrEnum):
    claim = "claim"
    succeed = "succeed"
    fail = "fail"
    give_up = "give_up"
    refuse = "refuse"
    interrupt = "interrupt"
    skip = "skip"


NS, NA = InviteStatus, InviteStep
# A survey link sent by SMS / WeChat: claimed (committed) before the gateway is called, so a crash
# mid-send leaves `sending`, settled as `unknown` and never sent twice.
INVITE_STATES: StateTable[InviteStatus, InviteStep] = StateTable(
    "survey invitation",
    {
        (NS.queued, NA.claim): NS.sending,
        (NS.failed, NA.claim): NS.sending,
        (NS.queued, NA.skip): NS.skipped,
        (NS.failed, NA.skip): NS.skipped,
        (NS.sending, NA.succeed): NS.sent,
        (NS.sending, NA.fail): NS.failed,
        (NS.sending, NA.give_up): NS.dead,
        (NS.sending, NA.refuse): NS.refused,
        (NS.sending, NA.interrupt): NS.unknown,
    },
    what_zh="问卷邀请",
)
INVITE_ZH = {
    NS.queued: "待发送",
    NS.sending: "发送中",
    NS.sent: "已发送",
    NS.failed: "发送失败",
    NS.dead: "停止重试",
    NS.unknown: "发送结果未知",
    NS.skipped: "勿扰未发",
    NS.refused: "渠道拒绝",
}
