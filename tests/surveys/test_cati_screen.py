"""The agent workspace's CATI screen over HTTP: the desk (questionnaires with phone interviews, the
agent's own interview in progress), the interview bound to the call the agent placed, and answers
committed one question at a time with the server naming the next question (skip logic followed,
a question not shown refused, required enforced, answers to questions hidden by a changed answer
dropped), then submitted once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hotline.audit.models import AuditEntry
from hotline.store.db import Database
from hotline.surveys import cati
from hotline.surveys.models import SurveyInterview, SurveyResponse
from hotline.surveys.states import InterviewAction
from tests.surveys.helpers import Auth, published_survey
from tests.surveys.test_cati import AGENT, THURSDAY_10H, _callers


def _held(client: TestClient, auth: Auth, db: Database) -> tuple[int, int]:
    _callers(db)
    sid = published_survey(client, auth)
    r = client.post(f"/api/surveys/{sid}/frame", json={"district": "越秀区"}, headers=auth("supervisor"))
    assert r.json() == {"added": 3}
    with db.session() as s:
        iv = cati.next_interview(s, AGENT, sid, THURSDAY_10H)
        assert iv is not None
        return sid, iv.id


def test_desk_call_binding_and_answers_one_by_one(client: TestClient, auth: Auth, db: Database) -> None:
    sid, held = _held(client, auth, db)
    desk = client.get("/api/surveys/cati/desk", headers=auth("agent")).json()
    assert {"survey_id": sid, "title": "养老服务满意度调查", "pending": 2} in desk["surveys"]
    assert [h["id"] for h in desk["held"]] == [held]
    assert client.get("/api/surveys/cati/desk", headers=auth("supervisor")).json()["held"] == []

    r = client.post(
        f"/api/surveys/interviews/{held}/call", json={"call_id": "out-1a2b3c"}, headers=auth("agent")
    )
    assert r.status_code == 200 and r.json()["call_id"] == "out-1a2b3c"
    other = client.post(
        f"/api/surveys/interviews/{held}/call", json={"call_id": "x"}, headers=auth("supervisor")
    )
    assert other.status_code == 409  # held by another agent
    bad_id = client.post(
        f"/api/surveys/interviews/{held}/call", json={"call_id": "a b"}, headers=auth("agent")
    )
    assert bad_id.status_code == 422

    start = client.post(f"/api/surveys/interviews/{held}/start", json={}, headers=auth("agent")).json()
    key = start["resume_key"]

    def put(code: str, value: Any, who: str = "agent") -> Any:
        return client.put(
            f"/api/surveys/interviews/{held}/answer",
            json={"resume_key": key, "question": code, "value": value},
            headers=auth(who),
        )

    def kept() -> dict[str, Any]:
        with db.session() as s:
            return dict(s.scalars(select(SurveyResponse.answers)).one())

    def loc(r: Any) -> list[list[str]]:
        assert r.status_code == 422, r.text
        return [e["loc"] for e in r.json()["errors"]]

    assert loc(put("Q7", "太慢")) == [["answers", "Q7"]]  # its page is shown only to the dissatisfied
    assert loc(put("Q1", "9")) == [["answers", "Q1"]]  # not an option
    assert loc(put("Q1", None)) == [["answers", "Q1"]]  # required
    assert loc(put("Q404", 1)) == [["answers", "Q404"]]
    assert put("Q1", "3", who="supervisor").status_code == 409
    script = [
        ("Q1", "3", "Q2"),
        ("Q2", ["other"], "Q2o"),  # 其他 opens Q2o
        ("Q2o", "散步陪同", "Q3"),
        ("Q3", 4, "Q4"),
        ("Q4", None, "Q5"),  # optional: passed over
        ("Q5", 78, "Q6"),
        ("Q6", None, "Q7"),  # the dissatisfied page
        ("Q7", "上门太慢", "Q8"),
        ("Q8", {"r1": "good", "r2": "fair"}, "Q9"),
        ("Q9", None, None),  # the end: submit
    ]
    for code, value, following in script:
        r = put(code, value)
        assert r.status_code == 200, (code, r.text)
        assert r.json()["next_question"] == following, code
        if value is not None:
            assert kept()[code] == value  # committed as it is given
    # A changed answer hides what depended on it: Q7 goes, the next question is Q2 again.
    r = put("Q1", "1")
    assert r.json()["next_question"] == "Q2" and "Q7" not in r.json()["answers"]
    assert "Q7" not in kept() and kept()["Q2o"] == "散步陪同"

    done = client.post(
        f"/api/surveys/interviews/{held}/submit", json={"resume_key": key}, headers=auth("agent")
    )
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert done.json()["call_id"] == "out-1a2b3c"
    assert put("Q3", 5).status_code == 409  # completed: no more answers
    assert client.get("/api/surveys/cati/desk", headers=auth("agent")).json()["held"] == []
    with db.session() as s:
        binding = s.scalars(select(AuditEntry).where(AuditEntry.action == "interview_call")).one()
        assert binding.entity_id == str(held) and binding.after == {"call_id": "out-1a2b3c", "attempt": 1}
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "save_answer")).first() is not None


def test_a_new_attempt_starts_unbound(client: TestClient, auth: Auth, db: Database) -> None:
    sid, held = _held(client, auth, db)
    client.post(f"/api/surveys/interviews/{held}/call", json={"call_id": "out-1"}, headers=auth("agent"))
    with db.session() as s:
        assert cati.outcome(s, AGENT, held, InterviewAction.busy, THURSDAY_10H).call_id == "out-1"
        s.execute(update(SurveyInterview).where(SurveyInterview.id != held).values(state="refused"))
    with db.session() as s:
        again = cati.next_interview(s, AGENT, sid, THURSDAY_10H + timedelta(hours=1))
        assert again is not None and again.id == held and again.attempts == 2 and again.call_id is None
