"""Quotas per stratum (district or age band): how many completed interviews each stratum wants,
for an IVR campaign (on the campaign) or for a questionnaire's phone interviews by agents (CATI,
`SurveyCatiQuota`). A stratum is full once its completed interviews and the calls in progress for
it reach the target (calls in progress count, so the lines never overshoot a quota); the dialler,
or the agent's "next respondent", then leaves its other respondents pending. Strata without a
target are not limited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.audit.writes import audited_update
from hotline.errors import Conflict, NotFound
from hotline.surveys.models import SurveyCampaign, SurveyCatiQuota, SurveyInterview
from hotline.surveys.service import get_survey
from hotline.surveys.states import CampaignState, InterviewState


@dataclass
class Quota:
    """A campaign's quotas (see the module doc), with what each stratum has taken so far."""

    by: str = ""
    targets: dict[str, int] = field(default_factory=dict)
    taken: dict[str, int] = field(default_factory=dict)

    scope: Any = None  # the WHERE clause picking the interviews the quotas count

    @classmethod
    def of(cls, session: Session, c: SurveyCampaign) -> Quota:
        return cls.counted(session, c.quotas, SurveyInterview.campaign_id == c.id)

    @classmethod
    def cati(cls, session: Session, survey_id: int, claiming: bool = False) -> Quota:
        """The quotas of a questionnaire's phone interviews by agents (none: not limited).
        `claiming`: the caller is about to claim a respondent in this transaction; the quota row
        is written first, so claims under quotas are one at a time (the row lock on PostgreSQL,
        the write lock on SQLite) and two agents never both take a stratum's last place."""
        row = session.scalar(select(SurveyCatiQuota).where(SurveyCatiQuota.survey_id == survey_id))
        if row is None or not row.quotas:
            return cls(scope=cati_scope(survey_id))
        if claiming:
            session.execute(
                update(SurveyCatiQuota)
                .where(SurveyCatiQuota.id == row.id)
                .values(survey_id=SurveyCatiQuota.survey_id)
                .execution_options(synchronize_session=False)
            )
            session.refresh(row)  # as it is now, under the lock
        return cls.counted(session, row.quotas, cati_scope(survey_id))

    @classmethod
    def counted(cls, session: Session, quotas: dict[str, Any] | None, scope: Any) -> Quota:
        q = quotas or {}
        if q.get("by") not in STRATA or not q.get("targets"):
            return cls(scope=scope)
        column = getattr(SurveyInterview, q["by"])
        taken: dict[str, int] = dict(
            session.execute(
                select(column, func.count())
                .where(
                    scope, SurveyInterview.state.in_([InterviewState.completed, InterviewState.in_progress])
                )
                .group_by(column)
            ).all()
        )
        return cls(q["by"], {str(k): int(v) for k, v in q["targets"].items()}, taken, scope)

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

    def report(self, session: Session) -> list[dict[str, Any]]:
        """Per stratum with a target: target and completed interviews."""
        if not self.by:
            return []
        column = getattr(SurveyInterview, self.by)
        done: dict[str, int] = dict(
            session.execute(
                select(column, func.count())
                .where(self.scope, SurveyInterview.state == InterviewState.completed)
                .group_by(column)
            ).all()
        )
        return [
            {"stratum": k, "target": n, "completed": int(done.get(k, 0))} for k, n in self.targets.items()
        ]


STRATA = ("district", "age_band")


def cati_scope(survey_id: int) -> Any:
    """The agents' interviews of a questionnaire (not an IVR campaign's)."""
    return and_(SurveyInterview.survey_id == survey_id, SurveyInterview.campaign_id.is_(None))


def _checked(quotas: dict[str, Any] | None) -> dict[str, Any] | None:
    if quotas is not None and (quotas.get("by") not in STRATA or not quotas.get("targets")):
        return None
    return quotas


def edit(
    session: Session, actor: Actor, campaign_id: int, quotas: dict[str, Any] | None, expected_version: int
) -> SurveyCampaign:
    """Replace a campaign's quotas (None or no targets: no quota); see the module doc."""
    c = session.get(SurveyCampaign, campaign_id)
    if c is None:
        raise NotFound(f"campaign {campaign_id} does not exist", f"调查任务 {campaign_id} 不存在")
    if c.state == CampaignState.finished:
        raise Conflict("the campaign has finished", "调查任务已结束，不能再修改配额")
    with audited_update(
        session, actor, c, expected_version, "campaign", "survey_campaign", action="edit_quotas"
    ) as change:
        change.apply({"quotas": _checked(quotas)})
    return c


def cati_quotas(session: Session, survey_id: int) -> SurveyCatiQuota:
    """The questionnaire's CATI quotas row (a new, empty one at version 1 if it has none yet)."""
    get_survey(session, survey_id)
    row = session.scalar(select(SurveyCatiQuota).where(SurveyCatiQuota.survey_id == survey_id))
    return row or SurveyCatiQuota(survey_id=survey_id, quotas=None, version=1)


def edit_cati(
    session: Session, actor: Actor, survey_id: int, quotas: dict[str, Any] | None, expected_version: int
) -> SurveyCatiQuota:
    """Replace the quotas of a questionnaire's phone interviews by agents (read at each claim)."""
    row = cati_quotas(session, survey_id)
    if row.id is None:  # the first quotas: the row starts at version 1, as the empty one read
        session.add(row)
        session.flush()
    with audited_update(
        session, actor, row, expected_version, "CATI quotas", "survey_cati_quotas", action="edit_quotas"
    ) as change:
        change.apply({"quotas": _checked(quotas)})
    return row
