"""Topic rules kept in the database (audited writes) and the rule tester: a draft expression tried
on a text the user types and on the latest items, before it is saved."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.errors import Invalid, NotFound
from hotline.opinion import rules
from hotline.opinion.models import OpinionItem, OpinionRule
from hotline.schemas import StrictIn

SAMPLE = 500


class RuleIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    expression: str = Field(min_length=1, max_length=rules.MAX_LEN)
    enabled: bool = True


class RulePatch(StrictIn):
    version: int
    name: str | None = Field(None, min_length=1, max_length=100)
    expression: str | None = Field(None, min_length=1, max_length=rules.MAX_LEN)
    enabled: bool | None = None


class RuleTest(StrictIn):
    expression: str = Field(min_length=1, max_length=rules.MAX_LEN)
    text: str | None = Field(None, max_length=20_000)


def view(rule: OpinionRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "expression": rule.expression,
        "enabled": rule.enabled,
        "terms": rules.terms(rules.compile_rule(rule.expression)),
        "version": rule.version,
    }


def listing(session: Session) -> list[dict[str, Any]]:
    return [view(r) for r in session.scalars(select(OpinionRule).order_by(OpinionRule.id))]


def create(session: Session, actor: Actor, body: RuleIn) -> dict[str, Any]:
    rules.compile_rule(body.expression)
    rule = OpinionRule(name=body.name, expression=body.expression, enabled=body.enabled)
    session.add(rule)
    session.flush()
    record(session, actor, "opinion.rule_create", "opinion_rule", rule.id, after=snapshot(rule))
    return view(rule)


def update(session: Session, actor: Actor, rule_id: int, body: RulePatch) -> dict[str, Any]:
    rule = session.get(OpinionRule, rule_id)
    if rule is None:
        raise NotFound("rule not found", "规则不存在")
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    if changes.get("expression"):
        rules.compile_rule(changes["expression"])
    with audited_update(
        session, actor, rule, body.version, "rule", "opinion_rule", "opinion.rule_update"
    ) as edit:
        edit.apply(changes)
    return view(rule)


def test(session: Session, body: RuleTest) -> dict[str, Any]:
    """The verdict on the typed text, and which of the latest items the expression matches."""
    try:
        node = rules.compile_rule(body.expression)
    except Invalid as exc:
        return {"valid": False, "error": exc.detail, "error_zh": exc.detail_zh, **exc.extra}
    out: dict[str, Any] = {"valid": True, "terms": rules.terms(node)}
    if body.text is not None:
        verdict = rules.evaluate(node, body.text)
        out["text"] = {"matched": verdict.matched, "found": verdict.found}
    rows = session.execute(
        select(OpinionItem.id, OpinionItem.title, OpinionItem.text)
        .order_by(OpinionItem.id.desc())
        .limit(SAMPLE)
    ).all()
    hits = []
    for item_id, title, text in rows:
        verdict = rules.evaluate(node, f"{title}\n{text}")
        if verdict.matched:
            hits.append({"id": item_id, "title": title, "found": verdict.found})
    out["sample"] = {"checked": len(rows), "matched": len(hits), "items": hits[:20]}
    return out
