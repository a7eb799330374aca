"""Questionnaire files: LimeSurvey .lss round trip (and a LimeSurvey-style file with texts inline),
JSON round trip, hostile XML refused, and the data exports (CSV, XLSX, SPSS .sav read back by
pyreadstat with its value labels)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.errors import Invalid
from hotline.store.db import Database
from hotline.surveys import lss, service
from hotline.surveys.models import SurveyLink, SurveyResponse
from hotline.workorders.models import WorkOrder
from tests.surveys.helpers import SAMPLE, Auth, answer, published_survey, token

# A LimeSurvey 3-style export (texts inline in the rows, HTML in texts, one type we lack: 'K').
LS3 = (Path(__file__).parent / "limesurvey3_sample.lss").read_text()


def test_lss_round_trip_keeps_every_shared_type_and_condition() -> None:
    defn = service.parse(SAMPLE)
    data = lss.export_lss(defn)
    assert b"<LimeSurveyDocType>Survey</LimeSurveyDocType>" in data
    raw, warnings = lss.import_lss(data)
    assert warnings == []
    back = service.parse(raw)
    assert service.dump(back) == service.dump(defn)


def test_lss_limesurvey_style_file_with_inline_texts() -> None:
    raw, warnings = lss.import_lss(LS3.encode())
    assert warnings == ["A3: LimeSurvey type 'K' is not supported, left out"]
    defn = service.parse(raw)
    assert defn.title == "回访" and defn.pages[0].title == "第一部分"
    a1, a2 = defn.questions()
    assert a1.text == "您是否满意？" and a1.required and [o.label for o in a1.options] == ["满意", "不满意"]
    assert a2.type == "longtext" and a2.visible_if is not None
    assert (a2.visible_if.q, a2.visible_if.op, a2.visible_if.value) == ("A1", "eq", "N")


@pytest.mark.parametrize(
    "hostile",
    [
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><document>&x;</document>',
        b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "file:///etc/passwd"><document/>',
        b"<document><unclosed></document>",
    ],
)
def test_hostile_or_broken_xml_is_refused(hostile: bytes) -> None:
    with pytest.raises(Invalid):
        lss.import_lss(hostile)


def test_import_and_export_over_http(client: TestClient, auth: Auth) -> None:
    sid = published_survey(client, auth)
    for fmt in ("json", "lss"):
        r = client.get(f"/api/surveys/{sid}/definition.{fmt}?version=1", headers=auth("analyst"))
        assert r.status_code == 200
        imported = client.post(
            "/api/surveys/import", files={"file": (f"s.{fmt}", r.content)}, headers=auth("supervisor")
        )
        assert imported.status_code == 201, imported.text
        assert imported.json()["survey"]["draft"] == service.dump(service.parse(SAMPLE))
    bad = client.post(
        "/api/surveys/import", files={"file": ("s.json", b'{"title": ""}')}, headers=auth("supervisor")
    )
    assert bad.status_code == 422


def _fill(client: TestClient, auth: Auth) -> int:
    sid = published_survey(client, auth)
    answer(
        client,
        token(client, auth, sid, district="越秀区", age_band="60-69"),
        [
            (
                0,
                {
                    "Q1": "3",
                    "Q2": ["meal", "other"],
                    "Q2o": "陪诊",
                    "Q3": 2,
                    "Q4": 9,
                    "Q5": 71,
                    "Q6": "2026-11-30",
                },
            ),
            (1, {"Q7": "电话13800138000没人接"}),
            (2, {"Q8": {"r1": "bad", "r2": "good"}}),
        ],
    )
    answer(client, token(client, auth, sid, district="海珠区"), [(0, {"Q1": "1", "Q3": 5}), (2, {})])
    return sid


def test_csv_and_xlsx_exports(client: TestClient, auth: Auth) -> None:
    sid = _fill(client, auth)
    r = client.get(f"/api/surveys/{sid}/export.csv", headers=auth("analyst"))
    assert r.status_code == 200
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("response_id,version,completed_at,channel,district,age_band,Q1,Q2_meal")
    assert "不满意" in lines[2] and "越秀区" in lines[2] and "13800138000" not in r.text  # analyst: masked
    r = client.get(f"/api/surveys/{sid}/export.xlsx", headers=auth("admin"))
    ws = load_workbook(io.BytesIO(r.content))["答卷"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][6] == "Q1" and rows[2][6] == "不满意"
    assert any(isinstance(v, str) and "13800138000" in v for v in rows[2])  # admin has pii.read


def test_sav_read_back_by_pyreadstat_with_value_labels(
    client: TestClient, auth: Auth, tmp_path: Path
) -> None:
    import pyreadstat

    sid = _fill(client, auth)
    r = client.get(f"/api/surveys/{sid}/export.sav", headers=auth("analyst"))
    assert r.status_code == 200
    path = tmp_path / "s.sav"
    path.write_bytes(r.content)
    frame, meta = pyreadstat.read_sav(str(path))
    assert list(frame["Q1"]) == [3.0, 1.0]
    assert meta.variable_value_labels["Q1"] == {1.0: "满意", 2.0: "基本满意", 3.0: "不满意"}
    assert meta.variable_value_labels["Q8_r1"] == {1.0: "好", 2.0: "一般", 3.0: "差"}
    assert meta.variable_value_labels["Q2_meal"] == {0.0: "未选", 1.0: "选中"}
    labels: dict[str, Any] = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["Q1"] == "您对本区养老服务总体满意吗？"
    assert frame["Q2_other"][0] == 1.0 and frame["Q4"][0] == 9.0
    assert frame["district"][0] == "越秀区" and "13800138000" not in frame["Q7"][0]


def test_exports_name_the_work_order_of_a_return_visit_respondent(
    client: TestClient, auth: Auth, db: Database, tmp_path: Path
) -> None:
    import pyreadstat

    sid = _fill(client, auth)
    with db.session() as s:
        order = WorkOrder(number="GD20261201-0042", type="help_request", title="回访", content="内容")
        s.add(order)
        s.flush()
        first = s.scalars(
            select(SurveyResponse).where(SurveyResponse.survey_id == sid).order_by(SurveyResponse.id)
        ).first()
        assert first is not None and first.link_id is not None
        link = s.get(SurveyLink, first.link_id)
        assert link is not None
        link.work_order_id = order.id  # sampled from this closed order (sample frame of 回访)
    lines = client.get(f"/api/surveys/{sid}/export.csv", headers=auth("analyst")).content
    rows = list(csv.reader(io.StringIO(lines.decode("utf-8-sig"))))
    assert rows[0][-1] == "work_order" and rows[1][-1] == "回访工单"
    assert [r[-1] for r in rows[2:]] == ["GD20261201-0042", ""]
    ws = load_workbook(
        io.BytesIO(client.get(f"/api/surveys/{sid}/export.xlsx", headers=auth("analyst")).content)
    )
    assert [r[-1] for r in ws["答卷"].iter_rows(values_only=True)][2:] == ["GD20261201-0042", None]
    path = tmp_path / "s.sav"
    path.write_bytes(client.get(f"/api/surveys/{sid}/export.sav", headers=auth("analyst")).content)
    frame, _ = pyreadstat.read_sav(str(path))
    assert list(frame["work_order"]) == ["GD20261201-0042", ""]
