"""The toll-fraud dial plan, table-driven: numbers × role → allowed or refused, with the class that
decided it; normalisation (+86, dashes, full-width); callbacks per queue; settings from the
environment; anything that is not a number (a SIP URI) refused whatever the configuration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.config import DialPlanSettings, Settings
from hotline.dialplan.plan import Category, DialPlan, NumberRefused, dialable, normalise

PLAN = DialPlan(DialPlanSettings())
EXTENSIONS = frozenset({"1001", "2001"})

# (number as typed, role, allowed, class)
TABLE = [
    # always allowed: emergency numbers, for every role that can dial at all
    ("110", "agent", True, "emergency"),
    ("120", "agent", True, "emergency"),
    ("119", "supervisor", True, "emergency"),
    ("122", "admin", True, "emergency"),
    ("120", "analyst", True, "emergency"),
    # the center's extensions (users' extensions, and the 4-digit pattern)
    ("1001", "agent", True, "extension"),
    ("2001", "agent", True, "extension"),
    ("1900", "agent", True, "extension"),  # the demo supervisor's extension, not premium
    # domestic: local fixed lines, mobiles, national fixed lines, service numbers
    ("88123456", "agent", True, "local"),
    ("6123456", "agent", True, "local"),
    ("13812345678", "agent", True, "mobile"),
    ("19912345678", "agent", True, "mobile"),
    ("+8613812345678", "agent", True, "mobile"),
    ("008613812345678", "agent", True, "mobile"),
    ("138-1234-5678", "agent", True, "mobile"),
    ("１３８１２３４５６７８", "agent", True, "mobile"),
    ("013812345678", "agent", True, "mobile"),
    ("01012345678", "agent", True, "national"),
    ("075512345678", "agent", True, "national"),
    ("+86 10 1234 5678", "agent", True, "national"),
    ("12345", "agent", True, "service"),
    ("12349", "agent", True, "service"),
    ("12315", "agent", True, "service"),
    ("10086", "agent", True, "service"),
    ("95588", "agent", True, "service"),
    ("96166", "agent", True, "service"),
    # off by default: international, satellite, premium
    ("0090900123456", "agent", False, "international"),
    ("0090900123456", "supervisor", False, "international"),
    ("0090900123456", "admin", False, "international"),
    ("+14155550100", "agent", False, "international"),
    ("+88212345678", "agent", False, "satellite"),
    ("0088212345678", "supervisor", False, "satellite"),
    ("+8816123456789", "agent", False, "satellite"),
    ("+870772123456", "admin", False, "satellite"),
    ("19001234567", "agent", False, "premium"),
    ("16812345", "agent", False, "premium"),
    ("12590123", "agent", False, "premium"),
    ("95105888", "agent", False, "premium"),
    ("9610123", "supervisor", False, "premium"),
    # roles without a dial plan ring emergency numbers only
    ("13812345678", "analyst", False, "mobile"),
    ("1001", "department_handler", False, "extension"),
    # never numbers at all
    ("sip:x@evil.example", "agent", False, "invalid"),
    ("sip:13812345678@any-host", "admin", False, "invalid"),
    ("*72", "agent", False, "invalid"),
    ("abc", "agent", False, "invalid"),
    ("", "agent", False, "invalid"),
    ("123456789012345678", "agent", False, "invalid"),
    ("0", "agent", False, "invalid"),
]


@pytest.mark.parametrize(("number", "role", "allowed", "category"), TABLE)
def test_dial_plan_table(number: str, role: str, allowed: bool, category: str) -> None:
    decision = PLAN.check(number, role, EXTENSIONS)
    assert (decision.allowed, decision.category.value) == (allowed, category), decision.reason
    if not allowed:
        err = decision.error()
        assert err.status == 403 and err.code == "number_refused"
        assert err.detail_zh.startswith("该号码不允许呼出") and err.title_zh == "号码不允许呼出"
        assert "13812345678" not in err.detail_zh  # masked as in the logs


def test_refusal_reasons_name_the_role_and_class() -> None:
    d = PLAN.check("+88212345678", "agent")
    assert d.reason == "satellite numbers are off for role agent"
    assert d.reason_zh == "话务员未开通卫星/国际非地理号码呼出"
    assert d.masked == "008******5678"
    sip = PLAN.check("sip:13812345678@evil.example", "agent")
    assert sip.masked == "sip:***@evil.example" and "SIP" in sip.reason_zh


def test_normalise() -> None:
    assert normalise("+86 138-1234-5678") == "13812345678"
    assert normalise("（010）1234 5678") == "01012345678"
    assert normalise("+882 1234") == "008821234"
    assert normalise("sip:1@h") is None and normalise("١٢٣") is None  # Arabic-Indic digits: not ours
    assert dialable("138 1234 5678") == "13812345678"
    with pytest.raises(NumberRefused):
        dialable("sip:x@evil.example")


def test_transfer_to_an_agent_needs_an_extension() -> None:
    assert PLAN.check("1001", "agent", EXTENSIONS, extension_only=True).allowed
    d = PLAN.check("13812345678", "agent", EXTENSIONS, extension_only=True)
    assert not d.allowed and d.reason_zh == "不是本中心分机"


def test_callbacks_per_queue() -> None:
    plan = DialPlan(DialPlanSettings(callback_queues={"disability": ["mobile"]}))
    assert plan.check_callback("13812345678", "elderly").allowed
    assert plan.check_callback("88123456", "elderly").allowed
    assert not plan.check_callback("88123456", "disability").allowed
    assert (
        plan.check_callback("88123456", "disability").reason_zh == "队列 disability 的回拨未开通本地固话呼出"
    )
    for number in ("+88212345678", "0090900123456", "19001234567", "1001", "sip:x@evil.example"):
        assert not plan.check_callback(number, "elderly").allowed, number
    emergency = plan.check_callback("120", "elderly")
    assert not emergency.allowed and emergency.reason_zh == "紧急号码不能作为回拨号码"


def test_international_can_be_turned_on_per_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DIAL_PLAN__ROLES", '{"supervisor": ["mobile", "international"]}')
    plan = DialPlan(Settings().dial_plan)
    assert plan.check("0090900123456", "supervisor").allowed
    assert not plan.check("+88212345678", "supervisor").allowed  # satellite is its own class
    assert not plan.check("0090900123456", "agent").allowed  # the agent has no plan now: 120 only
    assert plan.check("120", "agent").allowed
    monkeypatch.setenv("HOTLINE_DIAL_PLAN__ROLES", '{"agent": ["moon"]}')
    with pytest.raises(ValueError, match="moon"):
        Settings()


def test_config_names_every_class_but_emergency_and_invalid() -> None:
    from typing import get_args

    from hotline.config import DialCategory

    assert set(get_args(DialCategory)) == {c.value for c in Category} - {"emergency", "invalid"}


@given(st.text(min_size=1, max_size=30).filter(lambda t: any(c.isalpha() or c in ":@;" for c in t)))
def test_nothing_but_numbers_is_ever_allowed(text: str) -> None:
    wide = DialPlan(
        DialPlanSettings(
            roles={
                "admin": [
                    "extension",
                    "service",
                    "local",
                    "mobile",
                    "national",
                    "international",
                    "premium",
                    "satellite",
                ]
            }
        )
    )
    assert not wide.check(text, "admin").allowed
    assert not wide.check("sip:" + text, "admin").allowed
