"""Skip conditions, answer checks and option shuffling, table-driven; the questionnaire state table
exhaustively."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.errors import Conflict
from hotline.surveys import logic
from hotline.surveys.definition import Condition, Definition, Question
from hotline.surveys.states import SURVEY_STATES, SurveyAction, SurveyState
from tests.surveys.helpers import SAMPLE

ANSWERS = {"Q1": "3", "Q2": ["meal", "other"], "Q3": 4, "Q8": {"r1": "good"}}


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        ({"q": "Q1", "op": "eq", "value": "3"}, True),
        ({"q": "Q1", "op": "eq", "value": 3}, True),
        ({"q": "Q1", "op": "ne", "value": "3"}, False),
        ({"q": "Q2", "op": "in", "value": ["other"]}, True),
        ({"q": "Q2", "op": "not_in", "value": ["bath", "clean"]}, True),
        ({"q": "Q3", "op": "ge", "value": 4}, True),
        ({"q": "Q3", "op": "lt", "value": 4}, False),
        ({"q": "Q5", "op": "gt", "value": 1}, False),  # unanswered never compares
        ({"q": "Q5", "op": "unanswered"}, True),
        ({"q": "Q5", "op": "ne", "value": "1"}, True),
        ({"q": "Q8.r1", "op": "eq", "value": "good"}, True),
        ({"q": "Q8.r2", "op": "answered"}, False),
        ({"all": [{"q": "Q1", "op": "eq", "value": "3"}, {"q": "Q3", "op": "gt", "value": 4}]}, False),
        ({"any": [{"q": "Q1", "op": "eq", "value": "1"}, {"q": "Q3", "op": "gt", "value": 3}]}, True),
        ({"not": {"q": "Q1", "op": "eq", "value": "3"}}, False),
    ],
)
def test_conditions(cond: dict[str, Any], expected: bool) -> None:
    assert logic.evaluate(Condition.model_validate(cond), ANSWERS) is expected


def _q(**kw: Any) -> Question:
    return Question.model_validate({"code": "X", "text": "t", **kw})


OPTS = [{"code": "a", "label": "A"}, {"code": "b", "label": "B"}, {"code": "c", "label": "C"}]


@pytest.mark.parametrize(
    ("question", "value", "ok"),
    [
        (_q(type="single", options=OPTS), "a", True),
        (_q(type="single", options=OPTS), ["a"], False),
        (_q(type="multiple", options=OPTS, max_choices=2), ["a", "b"], True),
        (_q(type="multiple", options=OPTS, max_choices=2), ["a", "b", "c"], False),
        (_q(type="multiple", options=OPTS), ["a", "a"], False),
        (_q(type="rating", min=1, max=5), 5, True),
        (_q(type="rating", min=1, max=5), 0, False),
        (_q(type="rating", min=1, max=5), True, False),
        (_q(type="nps"), 10, True),
        (_q(type="nps"), 11, False),
        (_q(type="number", min=0, max=120, integer=True), 80, True),
        (_q(type="number", min=0, max=120, integer=True), 80.5, False),
        (_q(type="number", max=10), "5", False),
        (_q(type="text", max_length=5), "12345", True),
        (_q(type="text", max_length=5), "123456", False),
        (_q(type="date"), "2026-02-30", False),
        (_q(type="date"), "2026-02-28", True),
        (_q(type="matrix", options=OPTS, rows=OPTS, required=True), {"a": "a", "b": "b", "c": "c"}, True),
        (_q(type="matrix", options=OPTS, rows=OPTS, required=True), {"a": "a"}, False),
        (_q(type="matrix", options=OPTS, rows=OPTS), {"z": "a"}, False),
        (_q(type="single", options=OPTS, required=True), None, False),
        (_q(type="single", options=OPTS), None, True),
    ],
)
def test_answer_checks(question: Question, value: Any, ok: bool) -> None:
    assert (logic.check_answer(question, value) is None) is ok


@given(st.integers(min_value=1, max_value=2**31 - 2))
def test_shuffle_keeps_fixed_options_and_is_stable_per_respondent(seed: int) -> None:
    q = Definition.model_validate(SAMPLE).question("Q2")
    assert q is not None
    order = logic.shuffled(q, seed)
    assert order == logic.shuffled(q, seed)
    assert sorted(o.code for o in order) == sorted(o.code for o in q.options)
    assert order[-1].code == "other"


def test_state_table_exhaustively() -> None:
    for state in SurveyState:
        for action in SurveyAction:
            if SURVEY_STATES.can(state, action):
                SURVEY_STATES.next(state, action)
            else:
                with pytest.raises(Conflict):
                    SURVEY_STATES.next(state, action)
    assert SURVEY_STATES.next(SurveyState.published, SurveyAction.close) is SurveyState.closed
    assert not SURVEY_STATES.can(SurveyState.draft, SurveyAction.close)
