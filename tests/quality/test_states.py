"""The score and form machines, exhaustively: every (state, action) pair not in the table is a
409 naming what is allowed; the listed ones lead where the table says."""

from __future__ import annotations

import itertools

import pytest

from hotline.errors import Conflict
from hotline.quality.states import FORM_TABLE, SCORE_TABLE, FormAction, FormState, ScoreAction, ScoreState

SCORE_MOVES = {
    ("draft", "save"): "draft",
    ("draft", "submit"): "submitted",
    ("submitted", "acknowledge"): "acknowledged",
    ("submitted", "appeal"): "appealed",
    ("appealed", "uphold"): "upheld",
    ("appealed", "change"): "changed",
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(ScoreState, ScoreAction)))
def test_score_table(state: ScoreState, action: ScoreAction) -> None:
    expected = SCORE_MOVES.get((state.value, action.value))
    if expected is None:
        with pytest.raises(Conflict):
            SCORE_TABLE.next(state, action)
    else:
        assert SCORE_TABLE.next(state, action) == expected


def test_form_table() -> None:
    moves = {(s.value, a.value): n.value for (s, a), n in FORM_TABLE}
    assert moves == {
        ("draft", "edit"): "draft",
        ("draft", "publish"): "published",
        ("published", "retire"): "retired",
    }
    for state, action in itertools.product(FormState, FormAction):
        assert FORM_TABLE.can(state, action) == ((state.value, action.value) in moves)
