"""An opinion brief (舆情日报/周报) as a PDF for reading on a phone or printing: the overview figures,
then each table of the brief (热点话题, 高风险条目, 舆情事件) drawn by fpdf2 in Noto Sans CJK SC
(`analytics.fonts`; absent, `FontMissing` says what to install). Long cells are cut to their
column with an ellipsis (the Excel beside it has them whole); links are left to the Excel."""

from __future__ import annotations

from typing import Any

from hotline.analytics.fonts import cjk_font
from hotline.opinion.briefcontent import Brief, Table

# Column widths in mm (A4 portrait: 180 mm between the margins); a column of width 0 is left out.
WIDTHS = {
    "热点话题": (84, 20, 20, 20, 36),
    "高风险条目": (30, 26, 72, 14, 18, 20, 0),
    "舆情事件": (76, 20, 20, 32, 32),
}
ROW_LIMIT = 60


def _fit(pdf: Any, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "…") > width - 2:
        text = text[:-1]
    return text + "…"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def _table(pdf: Any, table: Table) -> None:
    widths = WIDTHS.get(table.title) or tuple(180 // len(table.headers) for _ in table.headers)
    shown = [i for i, w in enumerate(widths) if w]
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 9, f"{table.title}（{len(table.rows)}）", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    if not table.rows:
        pdf.cell(0, 6, "本期无", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_fill_color(235, 240, 248)
    for i in shown:
        pdf.cell(widths[i], 7, table.headers[i], border=1, fill=True, align="C")
    pdf.ln()
    for values in table.rows[:ROW_LIMIT]:
        for i in shown:
            text = _fit(pdf, _cell(values[i]), widths[i])
            pdf.cell(widths[i], 6, text, border=1, align="R" if isinstance(values[i], int | float) else "L")
        pdf.ln()
    if len(table.rows) > ROW_LIMIT:
        pdf.cell(0, 6, f"另有 {len(table.rows) - ROW_LIMIT} 条，见 Excel 附件", new_x="LMARGIN", new_y="NEXT")


def brief_pdf(brief: Brief) -> bytes:
    from fpdf import FPDF  # loaded on first use, like openpyxl

    font = cjk_font()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.index)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 10, f"{brief.title}  {brief.span}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    pdf.ln(2)
    for name, value in brief.overview:
        shown = f"{value:.1%}" if name == "负面条目占比" else _cell(value)
        pdf.cell(50, 7, name, border=1)
        pdf.cell(40, 7, shown, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    for table in brief.tables:
        pdf.ln(4)
        _table(pdf, table)
    return bytes(pdf.output())
