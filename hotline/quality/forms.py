"""Scoring forms (评分表) and their versions.

A form is a `code` with numbered versions. A draft can be edited; publishing it makes it the
version inspectors score with and retires the previously published one. A published version is
immutable (an edit is a 409 that says to make a new version), so a score always refers to exactly
the items it was given against, even when the form moved on while the inspector was scoring.
`grade` turns answers into a total against one version (weights, deductions, 一票否决).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import Conflict, Invalid, NotFound
from hotline.quality.models import Form
from hotline.quality.schemas import AnswerIn, FormIn
from hotline.quality.states import FORM_TABLE, FormAction, FormState
from hotline.store.base import utcnow


def _snapshot(form: Form) -> dict[str, Any]:
    return {"code": form.code, "version": form.version, "status": form.status, "name": form.name}


def items(form: Form) -> dict[str, dict[str, Any]]:
    return {item["key"]: item for section in form.sections for item in section["items"]}


def _content(form: Form, data: FormIn) -> None:
    keys = [i.key for s in data.sections for i in s.items]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise Invalid(
            f"item keys repeat: {', '.join(duplicated)}", f"评分项编号重复：{'、'.join(duplicated)}"
        )
    form.name = data.name
    form.sections = [s.model_dump() for s in data.sections]
    form.max_points = round(sum(i.points for s in data.sections for i in s.items), 2)


def get(session: Session, form_id: int) -> Form:
    form = session.get(Form, form_id)
    if form is None:
        raise NotFound(f"no form {form_id}", f"评分表 {form_id} 不存在")
    return form


def create(session: Session, actor: Actor, data: FormIn) -> Form:
    if session.scalar(select(Form.id).where(Form.code == data.code).limit(1)) is not None:
        raise Conflict(
            f"form {data.code} exists: make a new version", f"评分表 {data.code} 已存在，请新建版本"
        )
    form = Form(code=data.code, version=1, status=FormState.draft, created_by=actor.id)
    _content(form, data)
    session.add(form)
    session.flush()
    record(session, actor, "quality.form.create", "quality_form", form.id, None, _snapshot(form))
    return form


def edit(session: Session, actor: Actor, form_id: int, data: FormIn) -> Form:
    form = get(session, form_id)
    if not FORM_TABLE.can(FormState(form.status), FormAction.edit):
        raise Conflict(
            f"form {form.code} v{form.version} is {form.status} and cannot change: make a new version",
            f"评分表 {form.code} 第 {form.version} 版已发布，不可修改，请新建版本",
        )
    if data.code != form.code:
        raise Invalid("a version keeps its form's code", "版本不能更改评分表编号")
    before = _snapshot(form)
    _content(form, data)
    session.flush()
    record(session, actor, "quality.form.edit", "quality_form", form.id, before, _snapshot(form))
    return form


def publish(session: Session, actor: Actor, form_id: int) -> Form:
    form = get(session, form_id)
    before = _snapshot(form)
    form.status = FORM_TABLE.next(FormState(form.status), FormAction.publish)
    form.published_at = utcnow()
    for old in session.scalars(
        select(Form).where(Form.code == form.code, Form.status == FormState.published, Form.id != form.id)
    ):
        old.status = FORM_TABLE.next(FormState.published, FormAction.retire)
        record(session, actor, "quality.form.retire", "quality_form", old.id, None, _snapshot(old))
    session.flush()
    record(session, actor, "quality.form.publish", "quality_form", form.id, before, _snapshot(form))
    return form


def new_version(session: Session, actor: Actor, form_id: int) -> Form:
    """A draft copy of `form_id` as the code's next version (one open draft per code)."""
    source = get(session, form_id)
    draft = session.scalar(select(Form.id).where(Form.code == source.code, Form.status == FormState.draft))
    if draft is not None:
        raise Conflict(
            f"form {source.code} already has a draft (id {draft})", "该评分表已有草稿版本", draft_id=draft
        )
    latest = session.scalar(select(func.max(Form.version)).where(Form.code == source.code)) or 0
    form = Form(
        code=source.code,
        version=latest + 1,
        name=source.name,
        status=FormState.draft,
        sections=[dict(s) for s in source.sections],
        max_points=source.max_points,
        created_by=actor.id,
    )
    session.add(form)
    session.flush()
    record(session, actor, "quality.form.new_version", "quality_form", form.id, None, _snapshot(form))
    return form


def listing(session: Session, code: str | None = None) -> list[Form]:
    stmt = select(Form).order_by(Form.code, Form.version.desc())
    if code:
        stmt = stmt.where(Form.code == code)
    return list(session.scalars(stmt))


def current(session: Session, code: str) -> Form | None:
    return session.scalar(select(Form).where(Form.code == code, Form.status == FormState.published))


def grade(form: Form, answers: dict[str, AnswerIn], complete: bool) -> tuple[float, bool, dict[str, Any]]:
    """(total, critical failed, stored answers) of answers against one form version.

    Weight items score `awarded` (0..points), deduction items `points - deducted`; a failed
    critical item (一票否决) makes the total 0. `complete` (on submit) requires every weight
    item (a deduction item left alone is full points)."""
    known = items(form)
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise Invalid(
            f"not items of this form: {', '.join(unknown)}", f"不是本评分表的评分项：{'、'.join(unknown)}"
        )
    stored: dict[str, Any] = {}
    total, failed, missing = 0.0, False, []
    for key, item in known.items():
        answer = answers.get(key)
        points = float(item["points"])
        if answer is None:
            if complete and not item.get("critical") and item.get("mode") != "deduction":
                missing.append(key)
            awarded = points if item.get("critical") or item.get("mode") == "deduction" else 0.0
            stored_answer: dict[str, Any] = {}
        else:
            if item.get("critical") and answer.failed:
                failed = True
            if item.get("mode") == "deduction":
                awarded = points - min(points, answer.deducted or 0.0)
            elif item.get("critical"):
                awarded = 0.0 if answer.failed else points
            else:
                if answer.awarded is None and complete:
                    missing.append(key)
                awarded = min(points, answer.awarded or 0.0)
            stored_answer = answer.model_dump(exclude_none=True)
        if answer is not None and item.get("critical") and answer.failed:
            awarded = 0.0
        stored[key] = {**stored_answer, "score": round(awarded, 2)}
        total += awarded
    if missing:
        raise Invalid(f"items not scored: {', '.join(missing)}", f"以下评分项未评分：{'、'.join(missing)}")
    return (0.0 if failed else round(total, 2)), failed, stored
