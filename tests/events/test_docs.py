"""docs/events.md is generated from the code (`python -m hotline.events`) and must be current."""

from __future__ import annotations

from hotline.events.doc import DOC, render


def test_docs_events_md_is_up_to_date() -> None:
    assert DOC.read_text() == render(), "docs/events.md is out of date: run `python -m hotline.events`"
    for topic in ("call.ended", "agent.screen_popped", "workorder.dispatched"):
        assert f"### {topic}" in DOC.read_text()
