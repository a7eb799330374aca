"""A campaign's respondents from an Excel list (.xlsx): the first row names the columns (电话 or
手机/号码/phone; optional 区/区县/district, 年龄段/age_band, or 年龄/age from which the age band is
made), every later row is a respondent. Rows are checked like numbers added by hand
(`campaigns.add_respondents`: a phone number, a class the dial plan lets callbacks ring, not twice)
and every refused row comes back in the validation report with its row number and why; the good
rows are added in the same request.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.config import DialPlanSettings
from hotline.errors import Invalid
from hotline.exports import unescape
from hotline.surveys import campaigns
from hotline.surveys.campaigns import Added, Respondent
from hotline.surveys.frames import age_band

MAX_ROWS = 20_000
COLUMNS = {
    "phone": {"电话", "手机", "号码", "电话号码", "手机号", "手机号码", "联系电话", "phone", "mobile"},
    "district": {"区", "区县", "所在区", "district"},
    "age_band": {"年龄段", "age_band"},
    "age": {"年龄", "age"},
}


def _column(header: Any) -> str | None:
    name = str(header or "").strip().lower()
    return next((field for field, names in COLUMNS.items() if name in names), None)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed into a cell: 13800138000.0
    return unescape(str(value).strip())


def read_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number, {field: text}) of every non-empty row after the header."""
    try:
        from openpyxl import load_workbook  # loaded on first use (a second of server start-up)

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise Invalid("the file is not an Excel workbook (.xlsx)", "文件不是有效的 Excel（.xlsx）") from exc
    rows = wb.worksheets[0].iter_rows(values_only=True)
    fields = [_column(h) for h in next(rows, None) or ()]
    if "phone" not in fields:
        raise Invalid(
            "the first row must name the columns, including 电话 (phone)",
            "第一行须为列名，且包含“电话”（或手机、号码）",
            errors=[{"loc": ["file", "header"], "msg": "no phone column", "type": "header"}],
        )
    out: list[tuple[int, dict[str, str]]] = []
    for n, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        if len(out) >= MAX_ROWS:
            raise Invalid(f"at most {MAX_ROWS} rows", f"最多 {MAX_ROWS} 行")
        out.append((n, {f: _text(v) for f, v in zip(fields, row, strict=False) if f}))
    return out


def import_xlsx(
    session: Session, actor: Actor, campaign_id: int, data: bytes, dial_plan: DialPlanSettings
) -> Added:
    """Add the list's respondents; the report names each refused row by its row in the sheet."""
    rows = read_rows(data)
    report: list[dict[str, Any]] = []
    good: list[tuple[int, Respondent]] = []
    for n, rec in rows:
        phone = rec.get("phone", "").lstrip("'").strip()  # '139… typed to keep a number as text
        if not phone:
            report.append({"row": n, "phone": "", "reason": "no phone number", "reason_zh": "缺少电话号码"})
            continue
        band = rec.get("age_band", "")
        if not band and rec.get("age"):
            try:
                band = age_band(int(float(rec["age"])))
            except ValueError:
                report.append(
                    {"row": n, "phone": phone, "reason": "age is not a number", "reason_zh": "年龄不是数字"}
                )
                continue
        good.append((n, Respondent(phone[:32], rec.get("district", "")[:64], band[:16])))
    added = campaigns.add_respondents(session, actor, campaign_id, [r for _, r in good], dial_plan)
    for r in added.rejected:  # rows of the good list -> rows of the sheet
        report.append({**r, "row": good[r["row"] - 1][0]})
    return Added(added.added, sorted(report, key=lambda r: int(r["row"])))
