"""The calls domain's read-only figures the workforce plans with (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotline.calls.models import AgentStateRow, Call, PendingCallback
from hotline.calls.volume import agent_states, average_handle_seconds, callbacks_owed, offered_per_half_hour
from hotline.store.db import Database

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Beijing


def test_offered_per_half_hour_and_aht(db: Database) -> None:
    with db.session() as s:
        for i, minute in enumerate([0, 10, 29, 30, 95]):
            at = T0 + timedelta(minutes=minute)
            s.add(Call(uuid=f"c{i}", started_at=at, answered_at=at, talk_seconds=100 + i * 50))
        s.add(Call(uuid="out", direction="outbound", started_at=T0))
        s.add(Call(uuid="early", started_at=T0 - timedelta(minutes=1)))
    with db.session() as s:
        counts = offered_per_half_hour(s, T0, T0 + timedelta(hours=2))
        assert counts == {T0: 3, T0 + timedelta(minutes=30): 1, T0 + timedelta(minutes=90): 1}
        assert average_handle_seconds(s, T0, T0 + timedelta(hours=2)) == 200.0
        assert average_handle_seconds(s, T0 + timedelta(days=1), T0 + timedelta(days=2)) is None


def test_agent_states_with_the_state_before(db: Database) -> None:
    with db.session() as s:
        s.add(AgentStateRow(agent_id=7, state="ready", at=T0 - timedelta(hours=1)))
        s.add(AgentStateRow(agent_id=7, state="not_ready", at=T0 - timedelta(minutes=5)))
        s.add(AgentStateRow(agent_id=7, state="talking", at=T0 + timedelta(minutes=3)))
        s.add(AgentStateRow(agent_id=8, state="ready", at=T0 + timedelta(minutes=4)))
        owed = PendingCallback(
            call_uuid="p1", queue="q", caller_number="1", callback_number="1", enqueued_at=T0
        )
        s.add(owed)
    with db.session() as s:
        rows = agent_states(s, T0, T0 + timedelta(hours=1))
        assert rows == [
            (7, "not_ready", T0),
            (7, "talking", T0 + timedelta(minutes=3)),
            (8, "ready", T0 + timedelta(minutes=4)),
        ]
        assert callbacks_owed(s) == 1
