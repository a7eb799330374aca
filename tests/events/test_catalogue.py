"""The event catalogue: every publish site in hotline/ uses a catalogued type, every subscription
and every topic the console handles names a catalogued topic, and topics follow the naming rule."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hotline.events import catalogue, check_topic
from hotline.events.scan import ROOT, scan


def test_every_publish_site_uses_a_catalogued_type() -> None:
    sites = scan()
    assert sites.problems == []
    unpublished = [t for t in catalogue() if not sites.publishers[t]]
    assert unpublished == [], "catalogued topics nobody publishes: remove them or publish them"


def test_topics_follow_the_naming_rule_and_payloads_are_json() -> None:
    for topic, cls in catalogue().items():
        check_topic(topic)
        assert topic == cls.TOPIC and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert (cls.__doc__ or "").strip(), f"{topic}: say what happened in the docstring"
    assert json.dumps(catalogue()["call.ended"](call_id="c", legs=[{"leg_id": "l"}]).payload())
    for bad in ("call.new", "screen_pop", "Call.Ended", "workorder.dispatch"):
        with pytest.raises(ValueError):
            check_topic(bad)


def test_every_topic_the_console_handles_is_catalogued() -> None:
    handled = set()
    for path in (ROOT / "frontend" / "src").rglob("*"):
        if path.suffix in (".ts", ".vue"):
            handled |= set(re.findall(r"type === '([a-z_]+\.[a-z_]+)'", path.read_text()))
    assert handled, "the console's event handlers moved: update this test"
    assert handled - set(catalogue()) == set()


def test_the_scanner_catches_strings_dicts_and_events_from_nowhere(tmp_path: Path) -> None:
    (tmp_path / "frontend" / "src").mkdir(parents=True)
    (tmp_path / "hotline" / "toy").mkdir(parents=True)
    (tmp_path / "hotline" / "toy" / "service.py").write_text(
        "from hotline.calls.topics import CdrWritten\n"
        "def ok(bus, session):\n"
        "    bus.publish(CdrWritten(call_id='c', outcome='x'))\n"
        "    event = CdrWritten(call_id='c', outcome='x')\n"
        "    publish_on_commit(session, event)\n"
        "def bad(bus, leg, session, thing):\n"
        "    bus.publish('cdr.written', {'call_id': 'c'})\n"
        "    leg.publish('leg.hangup')\n"
        "    self.engine.bus.publish(thing)\n"
        "    publish_on_commit(session, {'topic': 'x'})\n"
        "    bus.subscribe('call.nwe', print)\n"
        "HEARD = (topics.CallEnded,)  # a plug-in's types to subscribe to\n"
    )
    sites = scan(tmp_path)
    assert [p.split(":")[1] for p in sites.problems] == ["7", "8", "9", "10", "11"]
    assert sites.publishers["cdr.written"] == {"hotline/toy/service.py"}
    assert "hotline/toy/service.py" in sites.subscribers["call.ended"]
    assert "hotline/toy/service.py" not in sites.subscribers["cdr.written"]  # built, not read
