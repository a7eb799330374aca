"""The questionnaire API end to end on both databases: design, publish immutable versions, answer by
one-time token (branching, required, 422 naming the field, resume, refusal of a second answer),
open links with a per-device limit, and the live tallies and cross-tab."""

from __future__ import annotations

import copy

from fastapi.testclient import TestClient

from tests.surveys.helpers import SAMPLE, Auth, answer, published_survey, token


def test_design_publish_and_versions_are_immutable(client: TestClient, auth: Auth) -> None:
    r = client.post("/api/surveys", json={"definition": SAMPLE}, headers=auth("agent"))
    assert r.status_code == 403  # agents run surveys, they do not design them
    sid = published_survey(client, auth)
    survey = client.get(f"/api/surveys/{sid}", headers=auth("analyst")).json()
    assert survey["state"] == "published" and survey["published_number"] == 1 and not survey["draft_changed"]
    # Editing a published survey edits the draft; version 1 stays as it was until a new publish.
    changed = copy.deepcopy(SAMPLE)
    changed["pages"][0]["questions"][0]["text"] = "您对养老服务满意吗？"
    r = client.put(
        f"/api/surveys/{sid}",
        json={"definition": changed, "version": survey["version"]},
        headers=auth("supervisor"),
    )
    assert r.status_code == 200, r.text
    stale = client.put(
        f"/api/surveys/{sid}",
        json={"definition": changed, "version": survey["version"]},
        headers=auth("supervisor"),
    )
    assert stale.status_code == 409
    v1 = client.get(f"/api/surveys/{sid}/versions/1", headers=auth("analyst")).json()
    assert v1["definition"]["pages"][0]["questions"][0]["text"] == SAMPLE["pages"][0]["questions"][0]["text"]
    tok = token(client, auth, sid)  # started on version 1 ...
    started = client.post(f"/api/surveys/r/{tok}/start", json={}).json()
    assert started["version"] == 1
    r = client.post(
        f"/api/surveys/{sid}/publish", json={"version": r.json()["version"]}, headers=auth("supervisor")
    )
    assert r.status_code == 200 and r.json()["number"] == 2
    again = client.post(f"/api/surveys/r/{tok}/start", json={"resume_key": started["resume_key"]}).json()
    assert again["version"] == 1 and again["resumed"]  # ... and answers on version 1
    assert (
        client.get(f"/api/surveys/{sid}/versions/2", headers=auth("analyst")).json()["definition"]["pages"][
            0
        ]["questions"][0]["text"]
        == "您对养老服务满意吗？"
    )


def test_bad_definition_is_422_naming_the_place(client: TestClient, auth: Auth) -> None:
    bad = copy.deepcopy(SAMPLE)
    bad["pages"][0]["questions"][2]["visible_if"] = {"q": "Q9", "op": "answered"}  # a later question
    r = client.post("/api/surveys", json={"definition": bad}, headers=auth("supervisor"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["pages", "0", "questions", "2", "visible_if"]
    bad = copy.deepcopy(SAMPLE)
    bad["pages"][0]["questions"][0]["type"] = "slider"
    r = client.post("/api/surveys", json={"definition": bad}, headers=auth("supervisor"))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][:2] == ["definition", "pages"]


def test_token_answer_branching_required_and_second_use_refused(client: TestClient, auth: Auth) -> None:
    sid = published_survey(client, auth)
    tok = token(client, auth, sid, district="越秀区", age_band="60-69")
    start = client.post(f"/api/surveys/r/{tok}/start", json={})
    assert start.status_code == 200
    key = start.json()["resume_key"]
    assert "phone_text" not in start.json()["survey"]["pages"][0]["questions"][0]
    page0 = {"Q1": "3", "Q2": ["meal", "other"], "Q2o": "陪诊", "Q3": 2, "Q5": 71, "Q6": "2026-11-30"}
    # An invalid answer is a 422 naming the field; a missing required answer too.
    for wrong, field in (
        ({**page0, "Q3": 9}, "Q3"),
        ({**page0, "Q1": None}, "Q1"),
        ({**page0, "Q2": ["x"]}, "Q2"),
        ({**page0, "Q6": "30/11/2026"}, "Q6"),
        ({**page0, "Q5": 70.5}, "Q5"),
    ):
        r = client.put(f"/api/surveys/r/{tok}/page", json={"resume_key": key, "page": 0, "answers": wrong})
        assert r.status_code == 422, wrong
        assert ["answers", field] in [e["loc"] for e in r.json()["errors"]]
    r = client.put(f"/api/surveys/r/{tok}/page", json={"resume_key": key, "page": 0, "answers": page0})
    assert r.json() == {"next_page": 1, "done": False}  # 不满意 -> the reasons page
    # Resumable: the page saved is there when the respondent comes back.
    back = client.post(f"/api/surveys/r/{tok}/start", json={"resume_key": key}).json()
    assert back["resumed"] and back["page"] == 1 and back["answers"]["Q2o"] == "陪诊"
    r = client.post(f"/api/surveys/r/{tok}/submit", json={"resume_key": key})
    assert r.status_code == 422 and ["answers", "Q7"] in [e["loc"] for e in r.json()["errors"]]
    r = client.put(
        f"/api/surveys/r/{tok}/page",
        json={"resume_key": key, "page": 1, "answers": {"Q7": "上门不准时，联系电话13800138000打不通"}},
    )
    assert r.json() == {"next_page": 2, "done": False}
    r = client.put(
        f"/api/surveys/r/{tok}/page",
        json={"resume_key": key, "page": 2, "answers": {"Q8": {"r1": "bad", "r2": "fair"}}},
    )
    assert r.json() == {"next_page": None, "done": True}
    assert client.post(f"/api/surveys/r/{tok}/submit", json={"resume_key": key}).status_code == 200
    # Used twice: a clear refusal, and the first answer stays.
    for again in (
        client.post(f"/api/surveys/r/{tok}/start", json={}),
        client.post(f"/api/surveys/r/{tok}/submit", json={"resume_key": key}),
    ):
        assert again.status_code == 409 and again.json()["code"] == "already_answered"
        assert "不能重复作答" in again.json()["detail_zh"]
    res = client.get(f"/api/surveys/{sid}/results", headers=auth("analyst")).json()
    assert res["completed"] == 1
    q1 = next(q for q in res["questions"] if q["code"] == "Q1")
    assert [o["count"] for o in q1["options"]] == [0, 0, 1]
    q8 = next(q for q in res["questions"] if q["code"] == "Q8")
    assert q8["rows"][0]["counts"] == [0, 0, 1]
    texts = client.get(f"/api/surveys/{sid}/texts?question=Q7", headers=auth("analyst")).json()
    assert "13800138000" not in texts[0]["text"]  # masked for readers without pii.read


def test_branch_skips_the_page_and_hidden_answers_are_dropped(client: TestClient, auth: Auth) -> None:
    sid = published_survey(client, auth)
    tok = token(client, auth, sid)
    key = client.post(f"/api/surveys/r/{tok}/start", json={}).json()["resume_key"]
    r = client.put(
        f"/api/surveys/r/{tok}/page",
        json={"resume_key": key, "page": 0, "answers": {"Q1": "1", "Q2": ["meal"], "Q2o": "x", "Q3": 5}},
    )
    assert r.json()["next_page"] == 2  # satisfied: no reasons page
    r = client.put(f"/api/surveys/r/{tok}/page", json={"resume_key": key, "page": 1, "answers": {"Q7": "x"}})
    assert r.status_code == 422  # not a page this respondent sees
    back = client.post(f"/api/surveys/r/{tok}/start", json={"resume_key": key}).json()
    assert "Q2o" not in back["answers"]  # hidden (no 'other'): dropped


def test_open_link_device_limit_and_crosstab(client: TestClient, auth: Auth) -> None:
    sid = published_survey(client, auth)
    r = client.post(f"/api/surveys/{sid}/open-links", json={"device_limit": 2}, headers=auth("supervisor"))
    assert r.status_code == 201
    secret = r.json()["token"]
    for _ in range(2):
        answer(client, secret, [(0, {"Q1": "1", "Q3": 4}), (2, {})])
    r = client.post(f"/api/surveys/r/{secret}/start", json={})
    assert r.status_code == 409 and r.json()["code"] == "device_limit"
    client.cookies.clear()  # another device
    assert client.post(f"/api/surveys/r/{secret}/start", json={}).status_code == 200
    for district, q1 in (("越秀区", "1"), ("海珠区", "3"), ("海珠区", "1")):
        answer(
            client,
            token(client, auth, sid, district=district),
            [(0, {"Q1": q1, "Q3": 3}), (1, {"Q7": "慢"}) if q1 == "3" else (2, {}), (2, {})],
        )
    tab = client.get(f"/api/surveys/{sid}/crosstab?question=Q1&by=district", headers=auth("analyst")).json()
    rows = {row["group"]: row["counts"] for row in tab["rows"]}
    assert rows["越秀区"] == [1, 0, 0] and rows["海珠区"] == [1, 0, 1] and rows[""] == [2, 0, 0]
    res = client.get(f"/api/surveys/{sid}/results?channel=web", headers=auth("analyst")).json()
    assert res["completed"] == 5
    q3 = next(q for q in res["questions"] if q["code"] == "Q3")
    assert q3["mean"] == round((4 + 4 + 3 * 3) / 5, 2)
