"""Sample frames from closed work orders (a return-visit survey, 回访满意度调查) for the agents'
phone interviews, an IVR campaign and SMS invitations: closed in the period (local days), of a
category and those under it, district or department; one member per number (the latest order),
the contact phone before the caller's; confidential and open orders never sampled; the order
behind each respondent kept. And quotas for the agents' phone interviews (CATI): set with the
version check and the audit entry, a full stratum's respondents left pending."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.people.models import Caller, CallerPhone, CareProfile, Department
from hotline.store.db import Database
from hotline.surveys import cati, frames
from hotline.surveys.models import SurveyInterview, SurveyLink
from hotline.workorders.models import Category, WorkOrder
from hotline.workorders.sampling import ClosedOrderFilter, closed_order_frame
from tests.surveys.campaign_helpers import PHONE_SURVEY
from tests.surveys.helpers import Auth, published_survey

AGENT = Actor(1, "agent")
THURSDAY_10H = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
# Local (Shanghai) midnight that begins 2026-12-01 is 2026-11-30 16:00 UTC.
DEC1 = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


class Orders:
    """Work orders written as the work-order domain leaves them once closed (or not)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.n = 0
        with db.session() as s:
            root = Category(code="T-FR", name="养老服务")
            s.add(root)
            s.flush()
            child = Category(code="T-FR-1", name="助餐", parent_id=root.id)
            other = Category(code="T-FR-2", name="低保")
            dept = Department(code="T-FR-D", name="民政局")
            s.add_all([child, other, dept])
            s.flush()
            self.root, self.child, self.other, self.dept = root.id, child.id, other.id, dept.id
            caller = Caller(name="王阿姨", district="越秀区")
            s.add(caller)
            s.flush()
            s.add(CallerPhone(caller_id=caller.id, number="13800138001"))
            s.add(CareProfile(caller_id=caller.id, age=82))
            self.caller = caller.id
            s.commit()

    def add(self, closed_at: datetime | None, **fields: object) -> int:
        self.n += 1
        row = {
            "number": f"FR{self.n:06d}",
            "type": "help_request",
            "title": "回访测试",
            "content": "工单内容",
            "state": "closed" if closed_at else "dispatched",
            "closed_at": closed_at,
            "district": "越秀区",
            "category_id": self.child,
            **fields,
        }
        with self.db.session() as s:
            order = WorkOrder(**row)
            s.add(order)
            s.commit()
            return order.id


def test_closed_order_frame_filters_and_one_member_per_person_and_number(db: Database) -> None:
    o = Orders(db)
    o.add(DEC1 + timedelta(hours=1), caller_id=o.caller)  # `late`'s number, earlier: left out
    late = o.add(DEC1 + timedelta(days=2), caller_id=o.caller)  # same number, later: this one
    # The same person, about another order, with another contact phone: asked once, about `late`.
    o.add(DEC1 + timedelta(hours=2), caller_id=o.caller, contact_phone="13900139002")
    with db.session() as s:
        other_caller = Caller(name="李伯", district="越秀区")
        s.add(other_caller)
        s.flush()
        s.add(CallerPhone(caller_id=other_caller.id, number="13700137000"))
        s.commit()
        other_caller_id = other_caller.id
    contact = o.add(DEC1 + timedelta(hours=4), caller_id=other_caller_id, contact_phone="13900139007")
    o.add(DEC1 + timedelta(hours=3), contact_phone="13900139003", confidential=True)  # never
    o.add(None, contact_phone="13900139004")  # not closed
    before = o.add(DEC1 - timedelta(minutes=1), contact_phone="13900139005")  # 11-30 23:59 local
    other = o.add(
        DEC1 + timedelta(hours=5),
        contact_phone="13900139006",
        category_id=o.other,
        district="海珠区",
        department_id=o.dept,
    )
    o.add(DEC1 + timedelta(hours=6))  # no number at all: skipped

    with db.session() as s:
        every = closed_order_frame(s, ClosedOrderFilter(), 100)
        # Latest closed first; `early` shares the caller's number with `late`, the order with a
        # contact phone of its own shares the caller; confidential, open and number-less orders
        # are left out.
        assert [m.work_order_id for m in every] == [late, other, contact, before]
        members = {m.phone: m for m in every}
        assert members["13800138001"].work_order_id == late  # asked once, about the latest order
        assert members["13800138001"].age == 82 and members["13800138001"].caller_id == o.caller
        assert members["13900139007"].work_order_id == contact  # the contact phone comes first
        assert "13900139002" not in members and "13700137000" not in members

        december = closed_order_frame(s, ClosedOrderFilter(closed_from=date(2026, 12, 1)), 100)
        assert before not in {m.work_order_id for m in december}
        november = closed_order_frame(s, ClosedOrderFilter(closed_to=date(2026, 11, 30)), 100)
        assert [m.work_order_id for m in november] == [before]
        under_root = closed_order_frame(s, ClosedOrderFilter(category_id=o.root), 100)
        assert other not in {m.work_order_id for m in under_root} and len(under_root) == len(every) - 1
        assert [
            m.work_order_id for m in closed_order_frame(s, ClosedOrderFilter(district="海珠区"), 100)
        ] == [other]
        by_dept = closed_order_frame(s, ClosedOrderFilter(department_id=o.dept), 100)
        assert [m.work_order_id for m in by_dept] == [other]
        assert len(closed_order_frame(s, ClosedOrderFilter(), 2)) == 2

        f = frames.Frame(source="closed_orders", district="越秀区")
        [first, *_] = frames.members(s, f, 10)
        assert (first.age_band, first.work_order_id) == ("80-89", late)


def test_return_visit_frame_for_cati_campaign_and_invites(
    client: TestClient, auth: Auth, db: Database
) -> None:
    o = Orders(db)
    first = o.add(DEC1 + timedelta(hours=1), caller_id=o.caller)
    second = o.add(DEC1 + timedelta(hours=2), contact_phone="13900139002", district="海珠区")
    sid = published_survey(client, auth)
    body = {"source": "closed_orders", "closed_from": "2026-12-01", "closed_to": "2026-12-31"}
    r = client.post(f"/api/surveys/{sid}/frame", json=body, headers=auth("supervisor"))
    assert r.json() == {"added": 2}, r.text
    # The same people again: already in the frame.
    assert client.post(f"/api/surveys/{sid}/frame", json=body, headers=auth("supervisor")).json() == {
        "added": 0
    }
    with db.session() as s:
        rows = s.execute(
            select(SurveyInterview.work_order_id, SurveyLink.work_order_id, SurveyInterview.phone)
            .join(SurveyLink, SurveyLink.id == SurveyInterview.link_id)
            .where(SurveyInterview.survey_id == sid)
            .order_by(SurveyInterview.id)
        ).all()
        assert rows == [(second, second, "13900139002"), (first, first, "13800138001")]
        assert cati.next_interview(s, AGENT, sid, THURSDAY_10H) is not None
        s.commit()
    # The interview as the agent's CATI screen reads it names the order.
    [held] = client.get("/api/surveys/cati/desk", headers=auth("agent")).json()["held"]
    assert held["work_order_id"] == second

    # A filter of the other source is refused, naming it.
    for bad in (
        {"source": "closed_orders", "min_age": 60},
        {"source": "callers", "closed_from": "2026-12-01"},
        {"source": "closed_orders", "closed_from": "2026-12-02", "closed_to": "2026-12-01"},
        {"source": "closed_orders", "closed_to": "9999-12-31"},  # no day after it: refused, not a 500
    ):
        r = client.post(f"/api/surveys/{sid}/frame", json=bad, headers=auth("supervisor"))
        assert r.status_code == 422, (bad, r.text)
    assert (
        "min_age"
        in client.post(
            f"/api/surveys/{sid}/frame",
            json={"source": "closed_orders", "min_age": 60},
            headers=auth("supervisor"),
        ).text
    )

    # An IVR campaign's respondents from the same frame, the order kept on each.
    psid = published_survey(client, auth, PHONE_SURVEY)
    camp = client.post(f"/api/surveys/{psid}/campaigns", json={"name": "回访"}, headers=auth("agent")).json()
    r = client.post(
        f"/api/surveys/campaigns/{camp['id']}/respondents/frame",
        json={"source": "closed_orders", "district": "海珠区"},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json() == {"added": 1, "rejected": []}, r.text
    with db.session() as s:
        assert s.scalars(
            select(SurveyInterview.work_order_id).where(SurveyInterview.campaign_id == camp["id"])
        ).all() == [second]

    # One caller, two closed orders with different contact phones: one member (the latest), and
    # the caller already in the questionnaire's agent sample: named in the report.
    o.add(DEC1 + timedelta(hours=3), caller_id=o.caller, contact_phone="13900139007", district="天河区")
    o.add(DEC1 + timedelta(hours=4), caller_id=o.caller, contact_phone="13900139008", district="天河区")
    camp2 = client.post(f"/api/surveys/{sid}/campaigns", json={"name": "回访2"}, headers=auth("agent")).json()
    r = client.post(
        f"/api/surveys/campaigns/{camp2['id']}/respondents/frame",
        json={"source": "closed_orders", "district": "天河区"},
        headers=auth("agent"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 0
    assert [x["reason_zh"] for x in r.json()["rejected"]] == ["该来电人已在本问卷的样本中"]

    # SMS invitations to the return-visit sample: the link remembers the order.
    r = client.post(
        f"/api/surveys/{sid}/invites",
        json={"channel": "sms", "frame": {"source": "closed_orders", "district": "越秀区"}},
        headers=auth("agent"),
    )
    assert r.status_code == 201 and r.json()["queued"] == 1, r.text
    with db.session() as s:
        sms_links = s.scalars(
            select(SurveyLink.work_order_id).where(SurveyLink.survey_id == sid, SurveyLink.channel == "sms")
        ).all()
        assert sms_links == [first]


def test_cati_quotas(client: TestClient, auth: Auth, db: Database) -> None:
    o = Orders(db)
    for i in range(3):
        o.add(DEC1 + timedelta(hours=i), contact_phone=f"1390013900{i}")
    o.add(DEC1 + timedelta(hours=5), contact_phone="13900139009", district="海珠区")
    sid = published_survey(client, auth)
    assert client.post(
        f"/api/surveys/{sid}/frame", json={"source": "closed_orders"}, headers=auth("supervisor")
    ).json() == {"added": 4}
    url = f"/api/surveys/{sid}/cati/quotas"
    r = client.get(url, headers=auth("agent"))
    assert r.json() == {"survey_id": sid, "version": 1, "quotas": None}, r.text
    quotas = {"by": "district", "targets": {"越秀区": 1}}
    r = client.put(url, json={"version": 1, "quotas": quotas}, headers=auth("supervisor"))
    assert r.status_code == 200 and r.json()["quotas"] == quotas, r.text
    version = r.json()["version"]
    stale = client.put(url, json={"version": 1, "quotas": None}, headers=auth("supervisor"))
    assert stale.status_code == 409, stale.text
    assert (
        client.put(url, json={"version": version, "quotas": None}, headers=auth("agent")).status_code == 403
    )
    bad = {"version": version, "quotas": {"by": "street", "targets": {"a": 1}}}
    assert client.put(url, json=bad, headers=auth("supervisor")).status_code == 422

    with db.session() as s:
        claimed = [cati.next_interview(s, Actor(i, "a"), sid, THURSDAY_10H) for i in (1, 2, 3)]
        s.commit()
    # One 越秀区 respondent in progress fills its quota of one; 海珠区 has none, so it is rung.
    assert [c.district if c else None for c in claimed] == ["海珠区", "越秀区", None]
    progress = client.get(f"/api/surveys/{sid}/interviews/progress", headers=auth("agent")).json()
    assert progress["quotas"] == [{"stratum": "越秀区", "target": 1, "completed": 0}]

    # Raising the target opens the stratum again at the next claim.
    raised = {"version": version, "quotas": {"by": "district", "targets": {"越秀区": 2}}}
    assert client.put(url, json=raised, headers=auth("supervisor")).status_code == 200
    with db.session() as s:
        again = cati.next_interview(s, Actor(4, "a"), sid, THURSDAY_10H)
        assert again is not None and again.district == "越秀区"
        assert cati.next_interview(s, Actor(5, "a"), sid, THURSDAY_10H) is None
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.entity == "survey_cati_quotas").order_by(AuditEntry.id)
        ).all()
    assert [e.action for e in entries] == ["edit_quotas", "edit_quotas"]
    assert entries[0].after is not None and entries[0].after["quotas"] == quotas


def test_two_agents_never_both_take_a_strata_last_place(client: TestClient, auth: Auth, db: Database) -> None:
    """Agent A claims the last 越秀区 place and has not committed yet when agent B asks; by B's
    clock a 越秀区 call-back has come due, which sorts before A's respondent. B waits for A's
    transaction and then finds the stratum full (without the lock on the quota row, B counted
    before A committed and took the call-back: two interviews for a quota of one)."""
    o = Orders(db)
    for i in range(2):
        o.add(DEC1 + timedelta(hours=i), contact_phone=f"1390013900{i}")
    sid = published_survey(client, auth)
    client.post(f"/api/surveys/{sid}/frame", json={"source": "closed_orders"}, headers=auth("supervisor"))
    url = f"/api/surveys/{sid}/cati/quotas"
    quotas = {"by": "district", "targets": {"越秀区": 1}}
    assert (
        client.put(url, json={"version": 1, "quotas": quotas}, headers=auth("supervisor")).status_code == 200
    )
    with db.session() as s:
        first, later = s.scalars(
            select(SurveyInterview).where(SurveyInterview.survey_id == sid).order_by(SurveyInterview.id)
        ).all()
        later.state, later.callback_at = "callback", THURSDAY_10H + timedelta(minutes=1)
        s.commit()
        first_id, later_id = first.id, later.id

    a_claimed, got = threading.Event(), {}

    def agent_a() -> None:
        with db.session() as s:
            iv = cati.next_interview(s, Actor(1, "a"), sid, THURSDAY_10H)
            got["a"] = iv.id if iv else None
            a_claimed.set()
            time.sleep(0.5)  # B asks meanwhile
            s.commit()

    def agent_b() -> None:
        a_claimed.wait(10)
        with db.session() as s:
            iv = cati.next_interview(s, Actor(2, "b"), sid, THURSDAY_10H + timedelta(minutes=2))
            got["b"] = iv.id if iv else None
            s.commit()

    threads = [threading.Thread(target=agent_a), threading.Thread(target=agent_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert got == {"a": first_id, "b": None}, (got, later_id)
