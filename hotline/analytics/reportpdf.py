"""The PDF of a report, drawn on the server without a browser or network: charts by matplotlib
(Agg, PNG) and the page by fpdf2, both in Noto Sans CJK SC (`fonts.cjk_font`). Holds the title and
period, the figures with 环比/同比, a chart of the main figures by the report's dimension and a
chart comparing the period with the one before and a year before, then the rows as a table."""

from __future__ import annotations

import io
import threading
from typing import Any

from hotline.analytics.figures import FIGURE_ZH, RATES
from hotline.analytics.fonts import CjkFont, cjk_font

MAIN = {"calls": ("offered", "answered", "abandoned"), "orders": ("orders", "closed", "closed_on_time")}
COLORS = ("#3b82f6", "#10b981", "#f59e0b")
_mpl_lock = threading.Lock()  # matplotlib's font manager is not thread-safe on first use
ROW_LIMIT = 60  # rows drawn in the table (the Excel holds them all)


def fmt(name: str, value: Any) -> str:
    if value is None:
        return "—"
    if name in RATES:
        return f"{value * 100:.1f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def fmt_change(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def _font_props(font: CjkFont) -> Any:
    from matplotlib import font_manager

    with _mpl_lock:
        if font.family not in {f.name for f in font_manager.fontManager.ttflist}:
            font_manager.fontManager.addfont(str(font.path))
    return font_manager.FontProperties(family=font.family)


def _png(fig: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, bbox_inches="tight")
    return out.getvalue()


def rows_chart(report: dict[str, Any], font: CjkFont) -> bytes | None:
    """Bars of the main counts for each row of the report's dimension (None without rows)."""
    from matplotlib.figure import Figure

    rows = report["rows"][:40]
    if not rows:
        return None
    prop = _font_props(font)
    names = MAIN[report["rollup"]]
    fig = Figure(figsize=(8, 3.4))
    ax = fig.add_subplot()
    width = 0.8 / len(names)
    xs = list(range(len(rows)))
    for i, name in enumerate(names):
        values = [r["figures"].get(name) or 0 for r in rows]
        ax.bar([x + i * width for x in xs], values, width, label=FIGURE_ZH[name], color=COLORS[i])
    ax.set_xticks([x + width * (len(names) - 1) / 2 for x in xs])
    ax.set_xticklabels(
        [str(r["label"]) for r in rows], fontproperties=prop, rotation=45 if len(rows) > 8 else 0
    )
    ax.set_title(f"按{_by_zh(report['by'])}", fontproperties=prop)
    ax.legend(prop=prop)
    return _png(fig)


def comparison_chart(report: dict[str, Any], font: CjkFont) -> bytes:
    """The main counts of the period beside the period before (环比) and a year before (同比)."""
    from matplotlib.figure import Figure

    prop = _font_props(font)
    names = MAIN[report["rollup"]]
    series = (
        ("本期", report["totals"]),
        ("上期", report["totals_previous"]),
        ("去年同期", report["totals_last_year"]),
    )
    fig = Figure(figsize=(8, 3))
    ax = fig.add_subplot()
    width = 0.8 / len(series)
    xs = list(range(len(names)))
    for i, (label, totals) in enumerate(series):
        ax.bar(
            [x + i * width for x in xs],
            [totals.get(n) or 0 for n in names],
            width,
            label=label,
            color=COLORS[i],
        )
    ax.set_xticks([x + width for x in xs])
    ax.set_xticklabels([FIGURE_ZH[n] for n in names], fontproperties=prop)
    ax.set_title("本期与上期、去年同期", fontproperties=prop)
    ax.legend(prop=prop)
    return _png(fig)


def _by_zh(by: str | None) -> str:
    return {
        "hour": "小时",
        "half_hour": "半小时",
        "day": "日期",
        "day_type": "日期类型",
        "queue": "队列",
        "agent": "座席",
        "category": "分类",
        "district": "区县",
        "department": "承办单位",
        "channel": "渠道",
        "state": "状态",
    }.get(by or "", by or "")


def report_pdf(report: dict[str, Any], title: str) -> bytes:
    from fpdf import FPDF

    font = cjk_font()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("cjk", fname=str(font.path), collection_font_number=font.index)
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    p, prev, year = report["period"], report["previous"], report["last_year"]
    pdf.cell(0, 6, f"期间 {p['first']} 至 {p['last']}（{p['days']} 天）", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        6,
        f"上期 {prev['first']} 至 {prev['last']}；去年同期 {year['first']} 至 {year['last']}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if report.get("note_zh"):
        pdf.cell(0, 6, report["note_zh"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _table(
        pdf,
        ["指标", "本期", "上期", "环比", "去年同期", "同比"],
        [
            [
                FIGURE_ZH.get(n, n),
                fmt(n, v),
                fmt(n, report["totals_previous"].get(n)),
                fmt_change(report["mom"].get(n)),
                fmt(n, report["totals_last_year"].get(n)),
                fmt_change(report["yoy"].get(n)),
            ]
            for n, v in report["totals"].items()
        ],
        [46, 28, 28, 24, 28, 24],
    )
    for png in (comparison_chart(report, font), rows_chart(report, font)):
        if png is not None:
            pdf.ln(3)
            pdf.image(io.BytesIO(png), w=180)
    if report["rows"]:
        names = [n for n in report["totals"] if n not in RATES][:5] + [
            n for n in report["totals"] if n in RATES
        ][:1]
        pdf.add_page()
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 8, f"明细（按{_by_zh(report['by'])}）", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=9)
        _table(
            pdf,
            ["名称", *[FIGURE_ZH.get(n, n) for n in names]],
            [
                [str(r["label"]), *[fmt(n, r["figures"].get(n)) for n in names]]
                for r in report["rows"][:ROW_LIMIT]
            ],
            [40] + [140 // len(names)] * len(names),
        )
        if len(report["rows"]) > ROW_LIMIT:
            pdf.cell(
                0,
                6,
                f"另有 {len(report['rows']) - ROW_LIMIT} 行，见 Excel 附件",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())


def _table(pdf: Any, headers: list[str], rows: list[list[str]], widths: list[int]) -> None:
    pdf.set_fill_color(235, 240, 248)
    for text, w in zip(headers, widths, strict=True):
        pdf.cell(w, 7, text, border=1, fill=True, align="C")
    pdf.ln()
    for row in rows:
        for i, (text, w) in enumerate(zip(row, widths, strict=True)):
            pdf.cell(w, 6, text[:24], border=1, align="L" if i == 0 else "R")
        pdf.ln()
