"""A pivot as an Excel workbook: a title line (report name, period, filters), Chinese headers,
one line per group and a 合计 line; rates as percentages, every cell through `hotline.exports`
(formula-like text escaped, characters XLSX cannot hold dropped). The figures are the page's."""

from __future__ import annotations

import io
from typing import Any

from hotline.exports import cell, row

FILTER_ZH = {
    "queue": "队列",
    "agent_id": "座席",
    "category_id": "分类",
    "district": "区县",
    "department_id": "承办单位",
    "channel": "渠道",
    "state": "状态",
}


def workbook(title: str, pivot: dict[str, Any]) -> bytes:
    from openpyxl import Workbook  # loaded on first use (a second of server start-up)
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "报表"
    ws.append(row([title, pivot["period_zh"]]))
    ws["A1"].font = Font(bold=True, size=13)
    filters = "；".join(f"{FILTER_ZH.get(k, k)}: {v}" for k, v in pivot["filters"].items())
    ws.append(row(["筛选条件", filters or "无"]))
    if pivot["empty"]:
        ws.append(row([pivot["note_zh"]]))
    ws.append([])
    dims, measures = pivot["dimensions"], pivot["measures"]
    ws.append(row([d["zh"] for d in dims] + [m["zh"] for m in measures]))
    header = ws.max_row
    for c in ws[header]:
        c.font = Font(bold=True)
    for r in pivot["rows"]:
        ws.append(row([*r["labels"], *(r["figures"][m["key"]] for m in measures)]))
    ws.append(row(["合计", *([""] * (len(dims) - 1)), *(pivot["totals"][m["key"]] for m in measures)]))
    for c in ws[ws.max_row]:
        c.font = Font(bold=True)
    for j, m in enumerate(measures, start=len(dims) + 1):
        if m["kind"] == "rate":
            for (c,) in ws.iter_rows(min_row=header + 1, min_col=j, max_col=j):
                c.number_format = "0.00%"
    if pivot["truncated"]:
        ws.append([cell(f"仅列出前 {len(pivot['rows'])} 行（共 {pivot['total_rows']} 行），合计为全部数据")])
    for col, width in zip("ABCDEFGHIJKLMNOP", [18] * 16, strict=False):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
