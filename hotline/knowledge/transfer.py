"""Import and export of articles as Excel (openpyxl) and Markdown, so a bureau can load the policy
lists it already keeps and take its knowledge base with it.

Columns and sections use the Chinese field labels (English field names are accepted on import).
A row or section with the id of an existing article updates it as a new version; anything else
creates a draft, which still goes through review before agents see it.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.errors import HotlineError, Invalid
from hotline.exports import row as safe_row
from hotline.exports import unescape
from hotline.knowledge import service
from hotline.knowledge.content import CONTENT_FIELDS, FIELD_ZH, content_of, served_content
from hotline.knowledge.models import Article
from hotline.knowledge.schemas import ArticleIn, ArticlePatch

LIST_FIELDS = {"questions", "tags", "related_ids", "attachments"}
LABEL_TO_FIELD = {**{v: k for k, v in FIELD_ZH.items()}, **{k: k for k in FIELD_ZH}, "编号": "id", "id": "id"}
HEADERS = ["编号", *(FIELD_ZH[f] for f in CONTENT_FIELDS), "状态"]


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "attachments":
        return "\n".join(f"{a.get('name', '')}|{a.get('url', '')}" for a in value)
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if name in ("valid_from", "valid_until") and isinstance(value, str):
        return value[:10] if value.endswith("00:00:00+00:00") else value
    return str(value)


def _parse(name: str, raw: Any) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return [] if name in LIST_FIELDS else None
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    text = unescape(str(raw).strip())
    if name in LIST_FIELDS:
        items = [x.strip() for x in re.split(r"[\n；;]+", text) if x.strip()]
        if name == "related_ids":
            return [int(x) for x in re.split(r"[\s,，、]+", text) if x.strip().isdigit()]
        if name == "attachments":
            return [{"name": a.split("|", 1)[0], "url": a.split("|", 1)[-1]} for a in items]
        return items
    if name in ("valid_from", "valid_until"):
        value = datetime.fromisoformat(text)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if name in ("remind_days", "id"):
        return int(float(text))
    return text


def _exported(session: Session, served_only: bool) -> list[tuple[Article, dict[str, Any]]]:
    """(article, content) to export: writers get every article's working copy; read-only roles
    only what agents are served (a published article's live version, never an unreviewed draft or
    revision, nor a retired article)."""
    out = []
    for a in session.scalars(select(Article).order_by(Article.id)):
        if not served_only:
            out.append((a, content_of(a)))
            continue
        content, served = served_content(session, a)
        if served:
            out.append((a, content))
    return out


def export_xlsx(session: Session, served_only: bool = True) -> bytes:
    from openpyxl import Workbook  # loaded on first use (a second of server start-up)

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "知识库"
    ws.append(HEADERS)
    for a, content in _exported(session, served_only):
        ws.append(safe_row([a.id, *(_cell(f, content[f]) for f in CONTENT_FIELDS), a.state]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upsert(session: Session, actor: Actor, record: dict[str, Any]) -> str:
    article_id = record.pop("id", None)
    record = {k: v for k, v in record.items() if k in CONTENT_FIELDS and v is not None}
    existing = session.get(Article, article_id) if article_id else None
    if existing is not None:
        patch = ArticlePatch(version=existing.version, note="imported", **record)
        service.update_article(session, actor, existing.id, patch)
        return "updated"
    service.create_article(session, actor, ArticleIn(**record), note="imported")
    return "created"


def _import_records(
    session: Session, actor: Actor, records: list[tuple[int, dict[str, Any]]]
) -> dict[str, Any]:
    result: dict[str, Any] = {"created": 0, "updated": 0, "errors": []}
    for where, record in records:
        try:
            with session.begin_nested():
                result[_upsert(session, actor, record)] += 1
        except ValidationError as exc:
            result["errors"].append({"row": where, "error": exc.errors(include_url=False)[0]["msg"]})
        except (HotlineError, ValueError) as exc:
            result["errors"].append({"row": where, "error": str(exc)})
    return result


def import_xlsx(session: Session, actor: Actor, data: bytes) -> dict[str, Any]:
    try:
        from openpyxl import load_workbook  # loaded on first use (a second of server start-up)

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise Invalid("the file is not an Excel workbook (.xlsx)", "文件不是有效的 Excel（.xlsx）") from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    fields = [LABEL_TO_FIELD.get(str(h).strip()) if h is not None else None for h in header]
    if "title" not in fields:
        raise Invalid("the first row must name the columns, including 标题", "第一行须为列名，且包含“标题”")
    records = []
    for n, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        rec: dict[str, Any] = {}
        try:
            for name, raw in zip(fields, row, strict=False):
                if name:
                    rec[name] = _parse(name, raw)
        except ValueError as exc:
            records.append((n, {"id": None, "title": "", "category": "", "_error": str(exc)}))
            continue
        records.append((n, rec))
    return _import_records(session, actor, records)


def export_markdown(session: Session, served_only: bool = True) -> str:
    parts: list[str] = []
    for a, c in _exported(session, served_only):
        lines = [f"# {c['title']}", "", f"- 编号: {a.id}", f"- 状态: {a.state}"]
        for f in ("category", "region", "tags", "valid_from", "valid_until", "remind_days", "related_ids"):
            value = ", ".join(str(x) for x in c[f]) if isinstance(c[f], list) else _cell(f, c[f])
            lines.append(f"- {FIELD_ZH[f]}: {value}")
        for f in ("questions", "attachments"):
            if c[f]:
                lines += ["", f"## {FIELD_ZH[f]}", *(f"- {x}" for x in _cell(f, c[f]).splitlines())]
        for f in ("answer_short", "answer_full", "policy_basis", "eligibility", "materials", "procedure"):
            if c[f]:
                lines += ["", f"## {FIELD_ZH[f]}", "", c[f]]
        for f in ("office", "contact", "fees"):
            if c[f]:
                lines += ["", f"## {FIELD_ZH[f]}", "", c[f]]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts) + "\n"


def parse_markdown(text: str) -> list[tuple[int, dict[str, Any]]]:
    records: list[tuple[int, dict[str, Any]]] = []
    current: dict[str, Any] | None = None
    section: str | None = None
    buf: list[str] = []

    def flush_section() -> None:
        if current is not None and section:
            body = "\n".join(buf).strip()
            if section in ("questions", "attachments"):
                body = "\n".join(x[2:] if x.startswith("- ") else x for x in body.splitlines())
            current[section] = _parse(section, body)

    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# "):
            flush_section()
            current = {"title": line[2:].strip()}
            records.append((n, current))
            section, buf = None, []
        elif current is None or line.strip() == "---":
            continue
        elif line.startswith("## "):
            flush_section()
            section, buf = LABEL_TO_FIELD.get(line[3:].strip()), []
        elif section is None and line.startswith("- ") and ":" in line:
            label, _, value = line[2:].partition(":")
            name = LABEL_TO_FIELD.get(label.strip())
            if name == "related_ids" or name == "tags":
                value = value.replace(",", "\n")
            if name:
                current[name] = _parse(name, value.strip())
        elif section is not None:
            buf.append(line)
    flush_section()
    return records


def import_markdown(session: Session, actor: Actor, text: str) -> dict[str, Any]:
    records = parse_markdown(text)
    if not records:
        raise Invalid(
            "no article found: each starts with a '# 标题' line", "未找到条目：每个条目以“# 标题”开头"
        )
    return _import_records(session, actor, records)
