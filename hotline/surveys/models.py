"""Questionnaire tables: the survey (its editable draft), its published versions (never changed
after publishing), the links respondents answer by (one-time tokens, open links), responses (the
answers so far, resumable) and the answer rows results are counted from.

`survey_answers` is flat on purpose: one row per chosen option (or per matrix row, or per number
or text), carrying the respondent attributes results are cut by (district, age band, channel),
so a tally or a cross-tab is one GROUP BY on an index, without JSON, at a million rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # draft (never published) | published | closed (no new answers)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The draft differs from the latest published version (the console offers "publish").
    draft_changed: Mapped[bool] = mapped_column(default=True)
    published_number: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SurveyVersion(Base):
    """A published definition: written once, read by every response made on it."""

    __tablename__ = "survey_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("survey_id", "number", name="uq_survey_versions_number"),)


class SurveyLink(Base):
    """How a respondent reaches a survey: `token` (one respondent, one completed answer) or `open`
    (anyone with the link, at most `device_limit` answers per device). Only the SHA-256 of the
    secret in the URL is stored."""

    __tablename__ = "survey_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    device_limit: Mapped[int] = mapped_column(Integer, default=1)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    district: Mapped[str] = mapped_column(String(64), default="")
    age_band: Mapped[str] = mapped_column(String(16), default="")
    caller_id: Mapped[int | None] = mapped_column(Integer)
    # The closed work order a return-visit respondent was sampled from (`workorders.sampling`).
    work_order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # token links: unused -> started -> completed
    state: Mapped[str] = mapped_column(String(16), default="unused")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class SurveyResponse(Base):
    """One respondent's answers to one version; `answers` holds what was saved so far (resumable),
    `survey_answers` the counted rows once it is completed."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("survey_versions.id"))
    version_number: Mapped[int] = mapped_column(Integer)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("survey_links.id"), index=True)
    resume_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_hash: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16), default="web")
    district: Mapped[str] = mapped_column(String(64), default="")
    age_band: Mapped[str] = mapped_column(String(16), default="")
    # in_progress | completed
    state: Mapped[str] = mapped_column(String(16), default="in_progress")
    page: Mapped[int] = mapped_column(Integer, default=0)
    seed: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)

    __table_args__ = (Index("ix_survey_responses_device", "link_id", "device_hash"),)


class SurveyAnswer(Base):
    """One counted fact of a completed response: a chosen option (`option`), a matrix row's option
    (`item` = row), a number (`value_num`) or a text (`value_text`)."""

    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[int] = mapped_column(Integer)
    version_number: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(32), default="")
    option: Mapped[str] = mapped_column(String(32), default="")
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    district: Mapped[str] = mapped_column(String(64), default="")
    age_band: Mapped[str] = mapped_column(String(16), default="")
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # Covering indexes: a tally and a cross-tab (by district, age band or channel) read only
        # the index.
        Index("ix_survey_answers_tally", "survey_id", "question", "item", "option", "value_num"),
        Index("ix_survey_answers_district", "survey_id", "question", "district", "item", "option"),
        Index("ix_survey_answers_age_band", "survey_id", "question", "age_band", "item", "option"),
        Index("ix_survey_answers_channel", "survey_id", "question", "channel", "item", "option"),
    )


class SurveyInterview(Base):
    """One respondent of a phone (CATI) campaign: who to ring, what happened (outcome codes as the
    interview's state, `states.INTERVIEW_STATES`), the agent holding it, and the response once
    the interview completes. Its `link_id` is a one-time link with channel "cati", so answers made
    by the agent count like any other, once."""

    __tablename__ = "survey_interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_links.id"))
    # The caller record the respondent came from (None: a number added to an IVR campaign).
    caller_id: Mapped[int | None] = mapped_column(Integer)
    phone: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(64), default="")
    age_band: Mapped[str] = mapped_column(String(16), default="")
    # The closed work order the respondent was sampled from (a return-visit survey), if any.
    work_order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # pending | in_progress | completed | partial | refused | no_answer | busy | wrong_number |
    # callback | interrupted | do_not_call (states.INTERVIEW_STATES)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    # An automated IVR campaign's respondent (None: rung by agents, CATI).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("survey_campaigns.id", ondelete="CASCADE"))
    # When a busy / no-answer respondent of a campaign may be rung again.
    next_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    callback_at: Mapped[datetime | None]
    agent_id: Mapped[int | None] = mapped_column(Integer)
    # The call the agent placed for the current attempt (the CDR's uuid): answers are bound to it.
    call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("survey_id", "caller_id", name="uq_survey_interviews_caller"),
        Index("ix_survey_interviews_queue", "survey_id", "state", "updated_at"),
        Index("ix_survey_interviews_campaign", "campaign_id", "state", "next_at"),
    )


class SurveyCatiQuota(Base):
    """The quotas of a questionnaire's phone interviews by agents (CATI): completed interviews
    wanted per stratum, like an IVR campaign's (`quotas.Quota`); one row per questionnaire that has
    any. Apart from the survey row so a quota change never clashes with the designer's draft."""

    __tablename__ = "survey_cati_quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), unique=True)
    quotas: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"by": ..., "targets": {stratum: n}}
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class SurveyCampaign(Base):
    """An automated phone (IVR) campaign of a questionnaire: its respondents are the
    `survey_interviews` carrying its id; the dialler rings at most `max_lines` of them at once,
    within calling hours, each at most `max_attempts` times `retry_minutes` apart."""

    __tablename__ = "survey_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # paused | running | finished (states.CAMPAIGN_STATES)
    state: Mapped[str] = mapped_column(String(16), default="paused", index=True)
    max_lines: Mapped[int] = mapped_column(Integer, default=10)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    retry_minutes: Mapped[int] = mapped_column(Integer, default=30)
    ring_seconds: Mapped[int] = mapped_column(Integer, default=30)
    # The number respondents see (the hotline's own).
    caller_number: Mapped[str] = mapped_column(String(32), default="")
    # Quotas per stratum: {"by": "district" | "age_band", "targets": {stratum: completed wanted}};
    # a full stratum's respondents are no longer rung (strata without a target are not limited).
    quotas: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SurveyDialAttempt(Base):
    """One call to a campaign's respondent, written and committed before the INVITE leaves: the
    unique (interview, number) is the durable claim that makes a restarted dialler never ring
    anyone twice. An attempt still open at start-up was cut by a crash (`interrupted`)."""

    __tablename__ = "survey_dial_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaigns.id", ondelete="CASCADE"))
    interview_id: Mapped[int] = mapped_column(ForeignKey("survey_interviews.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    # answered | busy | no_answer | failed | interrupted (the interview's outcome is on it)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    sip_status: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("interview_id", "number", name="uq_survey_dial_attempts_number"),
        Index("ix_survey_dial_attempts_open", "campaign_id", "ended_at"),
    )


class SurveyDoNotCall(Base):
    """A number that campaigns never ring (勿扰名单), in its normalised form."""

    __tablename__ = "survey_do_not_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyVoiceAnswer(Base):
    """A spoken answer to a text question on an IVR call: the WAV beside the response."""

    __tablename__ = "survey_voice_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("survey_responses.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[int] = mapped_column(Integer, index=True)
    question: Mapped[str] = mapped_column(String(32))
    path: Mapped[str] = mapped_column(String(500))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyInvite(Base):
    """A questionnaire's personal link sent to one respondent by SMS or WeChat (`invites.py`): the
    outbox row, claimed before the gateway is called. `text` carries the link's secret only until
    the message is settled; then it is cut to the text without the link."""

    __tablename__ = "survey_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("survey_links.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(8))  # sms | wechat
    # A normalised phone number (SMS) or an official-account openid (WeChat).
    recipient: Mapped[str] = mapped_column(String(64))
    caller_id: Mapped[int | None] = mapped_column(Integer)
    # queued | sending | sent | failed | dead | unknown | skipped | refused (states.INVITE_STATES)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    text: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_survey_invites_due", "status", "next_at"),
        Index("ix_survey_invites_recipient", "recipient", "created_at"),
        Index("ix_survey_invites_survey", "survey_id", "id"),
    )
