"""Return-visit results cut by the work order each respondent was sampled from: satisfaction per
承办单位 (department) and per 工单分类 (category path); an order without one is 未分类 /
未指定承办单位, respondents without a work order are one group, last; the other filters still apply."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.people.models import Department
from hotline.store.db import Database
from hotline.surveys.models import SurveyLink, SurveyResponse
from hotline.workorders.models import Category, WorkOrder
from tests.surveys.helpers import Auth, answer, published_survey, token


def test_crosstab_by_the_sampled_orders_department_and_category(
    client: TestClient, auth: Auth, db: Database
) -> None:
    sid = published_survey(client, auth)
    # Q1 满意/基本满意/不满意; four return-visit respondents and one from an ordinary link.
    for q1 in ("1", "3", "1", "2", "3"):
        pages = [(0, {"Q1": q1, "Q3": 3}), (1, {"Q7": "慢"}) if q1 == "3" else (2, {}), (2, {})]
        answer(client, token(client, auth, sid, district="越秀区"), pages)
    with db.session() as s:
        elderly = Department(code="xq-yl", name="区养老服务中心")
        civil = Department(code="xq-mz", name="区民政局")
        parent = Category(code="T01", name="养老服务")
        s.add_all([elderly, civil, parent])
        s.flush()
        meals = Category(code="T0101", name="助餐", parent_id=parent.id)
        s.add(meals)
        s.flush()
        orders = [
            WorkOrder(number=f"GD2026120{i}-0001", type="help_request", title="回访", content="内容", **kw)
            for i, kw in enumerate(
                (
                    {"department_id": elderly.id, "category_id": meals.id},
                    {"department_id": elderly.id, "category_id": meals.id},
                    {"department_id": civil.id, "category_id": parent.id},
                    {"department_id": civil.id, "category_id": None},
                ),
                start=1,
            )
        ]
        s.add_all(orders)
        s.flush()
        responses = s.scalars(
            select(SurveyResponse).where(SurveyResponse.survey_id == sid).order_by(SurveyResponse.id)
        ).all()
        for response, order in zip(responses, orders, strict=False):  # the fifth: no order
            link = s.get(SurveyLink, response.link_id)
            assert link is not None
            link.work_order_id = order.id

    def cut(by: str, extra: str = "") -> dict[str, tuple[list[int], int]]:
        r = client.get(f"/api/surveys/{sid}/crosstab?question=Q1&by={by}{extra}", headers=auth("analyst"))
        assert r.status_code == 200, r.text
        return {row["label"]: (row["counts"], row["total"]) for row in r.json()["rows"]}

    by_department = cut("department")
    assert by_department == {
        "区养老服务中心": ([1, 0, 1], 2),
        "区民政局": ([1, 1, 0], 2),
        "非工单回访": ([0, 0, 1], 1),
    }
    assert list(by_department)[-1] == "非工单回访"
    assert list(cut("category"))[-2:] == ["未分类", "非工单回访"]
    assert cut("category") == {
        "养老服务": ([1, 0, 0], 1),
        "养老服务 / 助餐": ([1, 0, 1], 2),
        "未分类": ([0, 1, 0], 1),  # a return visit all the same: its order has no category
        "非工单回访": ([0, 0, 1], 1),
    }
    assert cut("department", "&district=海珠区") == {}
    head = client.get(
        f"/api/surveys/{sid}/crosstab?question=Q1&by=department", headers=auth("analyst")
    ).json()
    assert head["by_zh"] == "承办单位"
