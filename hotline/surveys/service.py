"""Designing questionnaires: create, edit the draft, publish it as a new immutable version, close
and reopen; every write audited in the writer's transaction.

A published version is never changed: editing a published questionnaire edits its draft, and the
next `publish` writes version n+1. Responses point at the version they were made on, so their
answers keep the wording and options they were given. `parse` turns any raw definition (API body,
JSON or LimeSurvey import) into a checked `Definition`, or a 422 naming the field.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.errors import Conflict, Invalid, NotFound
from hotline.surveys import definition
from hotline.surveys.definition import Definition
from hotline.surveys.models import Survey, SurveyResponse, SurveyVersion
from hotline.surveys.states import SURVEY_STATES, SurveyAction, SurveyState
from hotline.surveys.topics import SurveyPublished


def parse(raw: Any, where: str = "definition") -> Definition:
    """A checked definition from untrusted data (422 with the failing fields under `where`)."""
    try:
        defn = Definition.model_validate(raw)
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [
            {
                "loc": [where, *[str(x) for x in e["loc"]]],
                "msg": e["msg"],
                "type": e["type"],
                "field_zh": ".".join(str(x) for x in e["loc"]),
                "rule_zh": "无效",
            }
            for e in exc.errors()
        ]
        raise Invalid(
            "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)[:500],
            "问卷定义无效：" + "；".join(e["field_zh"] for e in errors)[:400],
            errors=errors,
        ) from None
    definition.check(defn)
    return defn


def dump(defn: Definition) -> dict[str, Any]:
    return defn.model_dump(mode="json", by_alias=True, exclude_none=True)


@lru_cache(maxsize=256)
def _parsed(version_id: int, raw: str) -> Definition:
    return Definition.model_validate_json(raw)


def version_definition(v: SurveyVersion) -> Definition:
    """A published version's definition, parsed once per process (versions never change; the key
    holds the text too, since two databases in one process may both have a version 1)."""
    return _parsed(v.id, json.dumps(v.definition, sort_keys=True))


_BY_ID: dict[tuple[str, int], Definition] = {}


def definition_by_id(session: Session, version_id: int) -> Definition:
    """The definition of version `version_id` without reading its row again (every page save
    needs it): versions never change, so (database, id) names one definition for good."""
    bind = session.get_bind()
    key = (str(bind.url if isinstance(bind, Engine) else bind.engine.url), version_id)
    found = _BY_ID.get(key)
    if found is None:
        v = session.get(SurveyVersion, version_id)
        if v is None:
            raise NotFound(f"survey version {version_id} does not exist", f"问卷版本 {version_id} 不存在")
        found = _BY_ID[key] = version_definition(v)
        if len(_BY_ID) > 1024:
            _BY_ID.pop(next(iter(_BY_ID)))
    return found


def get_survey(session: Session, survey_id: int) -> Survey:
    s = session.get(Survey, survey_id)
    if s is None:
        raise NotFound(f"survey {survey_id} does not exist", f"问卷 {survey_id} 不存在")
    return s


def get_version(session: Session, survey_id: int, number: int | None = None) -> SurveyVersion:
    """Version `number`, or the latest published one."""
    survey = get_survey(session, survey_id)
    number = number if number is not None else survey.published_number
    v = None
    if number is not None:
        v = session.scalars(
            select(SurveyVersion).where(SurveyVersion.survey_id == survey_id, SurveyVersion.number == number)
        ).first()
    if v is None:
        raise NotFound(f"survey {survey_id} has no version {number}", f"问卷 {survey_id} 没有版本 {number}")
    return v


def versions(session: Session, survey_id: int) -> list[tuple[SurveyVersion, int]]:
    """Every published version with the count of its completed responses, newest first."""
    counts = dict(
        session.execute(
            select(SurveyResponse.version_id, func.count())
            .where(SurveyResponse.survey_id == survey_id, SurveyResponse.state == "completed")
            .group_by(SurveyResponse.version_id)
        ).all()
    )
    rows = session.scalars(
        select(SurveyVersion)
        .where(SurveyVersion.survey_id == survey_id)
        .order_by(SurveyVersion.number.desc())
    ).all()
    return [(v, int(counts.get(v.id, 0))) for v in rows]


def list_surveys(session: Session, state: str | None = None) -> list[tuple[Survey, int]]:
    """Surveys newest first, with their completed-response counts."""
    counts = dict(
        session.execute(
            select(SurveyResponse.survey_id, func.count())
            .where(SurveyResponse.state == "completed")
            .group_by(SurveyResponse.survey_id)
        ).all()
    )
    q = select(Survey).order_by(Survey.id.desc()).limit(500)
    if state:
        q = q.where(Survey.state == state)
    return [(s, int(counts.get(s.id, 0))) for s in session.scalars(q).all()]


def create_survey(session: Session, actor: Actor, defn: Definition) -> Survey:
    survey = Survey(title=defn.title, state=SurveyState.draft, draft=dump(defn), created_by=actor.id)
    session.add(survey)
    session.flush()
    record(session, actor, "create", "survey", survey.id, after={"title": survey.title})
    return survey


def update_draft(session: Session, actor: Actor, survey_id: int, defn: Definition, version: int) -> Survey:
    survey = get_survey(session, survey_id)
    SURVEY_STATES.next(SurveyState(survey.state), SurveyAction.edit)
    with audited_update(
        session,
        actor,
        survey,
        version,
        "survey",
        "survey",
        snap=lambda s: {"title": s.title, "state": s.state},
    ) as edit:
        edit.apply({"title": defn.title, "draft": dump(defn), "draft_changed": True})
    return survey


def publish(session: Session, actor: Actor, survey_id: int, version: int) -> SurveyVersion:
    """The draft becomes version n+1 (unchanged drafts are refused: nothing new to publish)."""
    survey = get_survey(session, survey_id)
    state = SURVEY_STATES.next(SurveyState(survey.state), SurveyAction.publish)
    if not survey.draft_changed:
        raise Conflict("the draft equals the published version", "草稿与已发布版本相同，无需重新发布")
    defn = parse(survey.draft)
    number = (survey.published_number or 0) + 1
    published = SurveyVersion(survey_id=survey.id, number=number, definition=dump(defn), author=actor.name)
    session.add(published)
    with audited_update(
        session,
        actor,
        survey,
        version,
        "survey",
        "survey",
        action="publish",
        snap=lambda s: {"state": s.state, "published_number": s.published_number},
    ) as edit:
        edit.apply({"state": state, "published_number": number, "draft_changed": False})
    publish_on_commit(session, SurveyPublished(survey_id=survey.id, number=number))
    return published


def change_state(
    session: Session, actor: Actor, survey_id: int, action: SurveyAction, version: int
) -> Survey:
    """close / reopen."""
    survey = get_survey(session, survey_id)
    state = SURVEY_STATES.next(SurveyState(survey.state), action)
    with audited_update(
        session,
        actor,
        survey,
        version,
        "survey",
        "survey",
        action=f"survey_{action.value}",
        snap=lambda s: {"state": s.state},
    ) as edit:
        edit.apply({"state": state})
    return survey
