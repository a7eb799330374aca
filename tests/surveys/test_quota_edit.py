"""A campaign's quotas changed after it was created: over HTTP with the version check and the
audit entry, refused once finished, and read afresh by the dialler's next claim (a raised target
opens a full stratum again, a lowered one closes it)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.config import DialPlanSettings
from hotline.store.db import Database
from hotline.surveys import campaigns, quotas, service
from hotline.surveys.campaigns import CampaignSettings, Respondent
from hotline.surveys.states import CampaignAction
from tests.surveys.campaign_helpers import ACTOR, PHONE_SURVEY, THURSDAY_10H
from tests.surveys.helpers import Auth, published_survey


def test_quotas_edited_over_http_with_version_check_and_audit(
    client: TestClient, auth: Auth, db: Database
) -> None:
    sid = published_survey(client, auth, PHONE_SURVEY)
    r = client.post(
        f"/api/surveys/{sid}/campaigns",
        json={"name": "回访", "quotas": {"by": "district", "targets": {"越秀区": 1}}},
        headers=auth("agent"),
    )
    assert r.status_code == 201, r.text
    camp = r.json()
    assert camp["quotas"] == {"by": "district", "targets": {"越秀区": 1}}
    cid, version = camp["id"], camp["version"]

    new = {"by": "age_band", "targets": {"70-79": 5, "80-89": 3}}
    r = client.put(
        f"/api/surveys/campaigns/{cid}/quotas",
        json={"version": version, "quotas": new},
        headers=auth("agent"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["quotas"] == new and r.json()["version"] == version + 1
    assert [q["stratum"] for q in r.json()["progress"]["quotas"]] == ["70-79", "80-89"]

    stale = client.put(
        f"/api/surveys/campaigns/{cid}/quotas",
        json={"version": version, "quotas": None},
        headers=auth("agent"),
    )
    assert stale.status_code == 409 and stale.json()["current_version"] == version + 1
    bad = {"version": version + 1, "quotas": {"by": "street", "targets": {"a": 1}}}
    assert (
        client.put(f"/api/surveys/campaigns/{cid}/quotas", json=bad, headers=auth("agent")).status_code == 422
    )
    zero = {"version": version + 1, "quotas": {"by": "district", "targets": {"a": 0}}}
    assert (
        client.put(f"/api/surveys/campaigns/{cid}/quotas", json=zero, headers=auth("agent")).status_code
        == 422
    )
    forbidden = {"version": version + 1, "quotas": None}
    r = client.put(f"/api/surveys/campaigns/{cid}/quotas", json=forbidden, headers=auth("analyst"))
    assert r.status_code == 403

    r = client.put(
        f"/api/surveys/campaigns/{cid}/quotas",
        json={"version": version + 1, "quotas": None},
        headers=auth("agent"),
    )
    assert r.status_code == 200 and r.json()["quotas"] is None and r.json()["progress"]["quotas"] == []

    with db.session() as s:
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "survey_campaign", AuditEntry.action == "edit_quotas")
            .order_by(AuditEntry.id)
        ).all()
    assert [e.entity_id for e in entries] == [str(cid), str(cid)]
    assert entries[0].before is not None and entries[0].before["quotas"] == camp["quotas"]
    assert entries[0].after is not None and entries[0].after["quotas"] == new
    assert entries[1].after is not None and entries[1].after["quotas"] is None

    finished = client.post(f"/api/surveys/campaigns/{cid}/finish", headers=auth("agent")).json()
    r = client.put(
        f"/api/surveys/campaigns/{cid}/quotas",
        json={"version": finished["version"], "quotas": new},
        headers=auth("agent"),
    )
    assert r.status_code == 409 and "结束" in r.json()["detail_zh"]
    assert (
        client.put("/api/surveys/campaigns/999999/quotas", json=forbidden, headers=auth("agent")).status_code
        == 404
    )


def test_the_dialler_follows_quotas_changed_mid_campaign(db: Database) -> None:
    people = [("13900000001", "越秀区"), ("13900000002", "越秀区"), ("13900000003", "越秀区")]
    with db.session() as s:
        survey = service.create_survey(s, ACTOR, service.parse(PHONE_SURVEY))
        service.publish(s, ACTOR, survey.id, survey.version)
        settings = CampaignSettings("配额", max_lines=1, quotas={"by": "district", "targets": {"越秀区": 1}})
        cid = campaigns.create(s, ACTOR, survey.id, settings).id
        campaigns.add_respondents(s, ACTOR, cid, [Respondent(p, d) for p, d in people], DialPlanSettings())
        campaigns.act(s, ACTOR, cid, CampaignAction.start)
    with db.session() as s:
        [first] = campaigns.claim_due(s, cid, 1, THURSDAY_10H)
        campaigns.finish(s, first, "completed", THURSDAY_10H)
    later = THURSDAY_10H + timedelta(minutes=5)
    with db.session() as s:
        assert campaigns.claim_due(s, cid, 1, later) == []  # 越秀区 full
        version = campaigns.get_campaign(s, cid).version
        quotas.edit(s, ACTOR, cid, {"by": "district", "targets": {"越秀区": 3}}, version)
    with db.session() as s:  # raised: open again at the next claim
        [second] = campaigns.claim_due(s, cid, 1, later)
        assert second.phone == "13900000002"
        version = campaigns.get_campaign(s, cid).version
        # Lowered below what is completed plus in progress: closed, the call in progress goes on.
        quotas.edit(s, ACTOR, cid, {"by": "district", "targets": {"越秀区": 1}}, version)
    with db.session() as s:
        assert campaigns.claim_due(s, cid, 1, later) == []
        campaigns.finish(s, second, "completed", later)
        assert campaigns.progress(s, cid)["quotas"] == [{"stratum": "越秀区", "target": 1, "completed": 2}]
        version = campaigns.get_campaign(s, cid).version
        quotas.edit(s, ACTOR, cid, None, version)  # removed: nobody is held back
    with db.session() as s:
        [third] = campaigns.claim_due(s, cid, 1, later)
        assert third.phone == "13900000003"
