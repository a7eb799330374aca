"""The Excel of a report as the API answers it (`reports.report`): sheet 汇总 holds each figure
for the period, the period before, the change (环比), the same period a year earlier and the
change (同比); sheet 明细 one row per value of the report's dimension with its figures. Numbers
are written as the API gives them (rates as fractions with a percent format), so the mailed
figures are the page's, cell for cell."""

from __future__ import annotations

import io
from typing import Any

from hotline.analytics.figures import FIGURE_ZH, RATES
from hotline.exports import cell

SUMMARY_HEADERS = ["指标", "代码", "本期", "上期", "环比", "去年同期", "同比"]


def _fmt(ws: Any, row: int, col: int, name: str) -> None:
    if name in RATES:
        ws.cell(row, col).number_format = "0.00%"


def report_xlsx(report: dict[str, Any], title: str) -> bytes:
    from openpyxl import Workbook  # loaded on the first report, not at server start
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "汇总"
    period = report["period"]
    ws.append([cell(title)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"期间 {period['first']} 至 {period['last']}（{period['days']} 天）"])
    ws.append(
        [
            f"上期 {report['previous']['first']} 至 {report['previous']['last']}；"
            f"去年同期 {report['last_year']['first']} 至 {report['last_year']['last']}"
        ]
    )
    if report.get("note_zh"):
        ws.append([report["note_zh"]])
    ws.append(SUMMARY_HEADERS)
    for c in range(1, len(SUMMARY_HEADERS) + 1):
        ws.cell(ws.max_row, c).font = Font(bold=True)
    for name, value in report["totals"].items():
        ws.append(
            [
                FIGURE_ZH.get(name, name),
                name,
                value,
                report["totals_previous"].get(name),
                report["mom"].get(name),
                report["totals_last_year"].get(name),
                report["yoy"].get(name),
            ]
        )
        r = ws.max_row
        for col in (3, 4, 6):
            _fmt(ws, r, col, name)
        for col in (5, 7):
            ws.cell(r, col).number_format = "0.00%"
    ws.column_dimensions["A"].width = 18
    if report["rows"]:
        names = list(report["totals"])
        rows = wb.create_sheet("明细")
        rows.append(["键", "名称", *[f"{FIGURE_ZH.get(n, n)}({n})" for n in names]])
        for row in report["rows"]:
            rows.append([cell(row["key"]), cell(row["label"]), *[row["figures"].get(n) for n in names]])
            for i, n in enumerate(names):
                _fmt(rows, rows.max_row, i + 3, n)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
