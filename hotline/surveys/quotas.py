"""Quotas per stratum of an IVR campaign (district or age band): how many completed interviews
each stratum wants. A stratum is full once its completed interviews and the calls in progress for
it reach the target (calls in progress count, so the lines never overshoot a quota); the dialler
then leaves its other respondents pending. Strata without a target are not limited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.audit.writes import audited_update
from hotline.errors import Conflict, NotFound
from hotline.surveys.models import SurveyCampaign, SurveyInterview
from hotline.surveys.states import CampaignState, InterviewState


@dataclass
class Quota:
    """A campaign's quotas (see the module doc), with what each stratum has taken so far."""

    by: str = ""
    targets: dict[str, int] = field(default_factory=dict)
    taken: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session, c: SurveyCampaign) -> Quota:
        q = c.quotas or {}
        if q.get("by") not in STRATA or not q.get("targets"):
            return cls()
        column = getattr(SurveyInterview, q["by"])
        taken: dict[str, int] = dict(
            session.execute(
                select(column, func.count())
                .where(
                    SurveyInterview.campaign_id == c.id,
                    SurveyInterview.state.in_([InterviewState.completed, InterviewState.in_progress]),
                )
                .group_by(column)
            ).all()
        )
        return cls(q["by"], {str(k): int(v) for k, v in q["targets"].items()}, taken)

    def full(self) -> list[str]:
        return [k for k, n in self.targets.items() if self.taken.get(k, 0) >= n]

    def open_strata(self) -> list[Any]:
        """The WHERE clause leaving out respondents of full strata."""
        full = self.full()
        return [getattr(SurveyInterview, self.by).not_in(full)] if self.by and full else []

    def take(self, iv: SurveyInterview) -> bool:
        if not self.by:
            return True
        stratum = getattr(iv, self.by)
        if stratum in self.targets and self.taken.get(stratum, 0) >= self.targets[stratum]:
            return False
        self.taken[stratum] = self.taken.get(stratum, 0) + 1
        return True

    def report(self, session: Session, campaign_id: int) -> list[dict[str, Any]]:
        """Per stratum with a target: target and completed interviews."""
        if not self.by:
            return []
        column = getattr(SurveyInterview, self.by)
        done: dict[str, int] = dict(
            session.execute(
                select(column, func.count())
                .where(
                    SurveyInterview.campaign_id == campaign_id,
                    SurveyInterview.state == InterviewState.completed,
                )
                .group_by(column)
            ).all()
        )
        return [
            {"stratum": k, "target": n, "completed": int(done.get(k, 0))} for k, n in self.targets.items()
        ]


STRATA = ("district", "age_band")


def edit(
    session: Session, actor: Actor, campaign_id: int, quotas: dict[str, Any] | None, expected_version: int
) -> SurveyCampaign:
    """Replace a campaign's quotas (None or no targets: no quota); see the module doc."""
    c = session.get(SurveyCampaign, campaign_id)
    if c is None:
        raise NotFound(f"campaign {campaign_id} does not exist", f"调查任务 {campaign_id} 不存在")
    if c.state == CampaignState.finished:
        raise Conflict("the campaign has finished", "调查任务已结束，不能再修改配额")
    if quotas is not None and (quotas.get("by") not in STRATA or not quotas.get("targets")):
        quotas = None
    with audited_update(
        session, actor, c, expected_version, "campaign", "survey_campaign", action="edit_quotas"
    ) as change:
        change.apply({"quotas": quotas})
    return c
