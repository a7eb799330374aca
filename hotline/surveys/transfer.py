"""Questionnaire definitions in and out: our JSON (the definition in a small envelope) and
LimeSurvey `.lss` (`lss.py`). An import creates a new draft, checked like any edit."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import Invalid
from hotline.surveys import lss, service
from hotline.surveys.definition import Definition
from hotline.surveys.models import Survey

FORMAT = "hotline-survey"


def definition_of(session: Session, survey_id: int, version: int | None) -> Definition:
    """A published version's definition, or the draft when `version` is None."""
    if version is not None:
        return service.version_definition(service.get_version(session, survey_id, version))
    return service.parse(service.get_survey(session, survey_id).draft)


def to_json(defn: Definition) -> bytes:
    body = {"format": FORMAT, "format_version": 1, "definition": service.dump(defn)}
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


def from_json(data: bytes) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid(f"not JSON: {exc}", "不是有效的 JSON 文件") from exc
    if isinstance(body, dict) and body.get("format") == FORMAT:
        body = body.get("definition")
    if not isinstance(body, dict):
        raise Invalid("a questionnaire definition is a JSON object", "问卷定义须为 JSON 对象")
    return body


def import_file(session: Session, actor: Actor, filename: str, data: bytes) -> tuple[Survey, list[str]]:
    """A new draft from a `.json` or `.lss` file: (survey, warnings about what was left out)."""
    warnings: list[str] = []
    if filename.lower().endswith(".lss") or data.lstrip()[:1] == b"<":
        raw, warnings = lss.import_lss(data)
    else:
        raw = from_json(data)
    survey = service.create_survey(session, actor, service.parse(raw))
    record(
        session,
        actor,
        "import",
        "survey",
        survey.id,
        after={"file": filename[:100], "warnings": len(warnings)},
    )
    return survey, warnings
