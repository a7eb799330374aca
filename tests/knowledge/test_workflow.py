"""The article workflow, exhaustively from its transition table, through the service layer."""

from __future__ import annotations

import pytest

from hotline.errors import Conflict
from hotline.knowledge import service
from hotline.knowledge.models import Article
from hotline.knowledge.workflow import ACTIONS, TRANSITIONS, State, transition
from hotline.store.db import Database
from tests.knowledge.helpers import ACTOR, make_article

EXPECTED = {(t.source, t.action): t.target for t in TRANSITIONS}
# How to bring a fresh draft into each state through legal actions.
PATH = {
    State.draft: [],
    State.in_review: ["submit"],
    State.published: ["submit", "publish"],
    State.retired: ["submit", "publish", "retire"],
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_transition_table(state: State, action: str) -> None:
    if (state, action) in EXPECTED:
        assert transition(state, action).target == EXPECTED[(state, action)]
    else:
        with pytest.raises(Conflict) as err:
            transition(state, action)
        assert "不能" in err.value.detail_zh


def test_every_state_and_action_through_the_service(db: Database) -> None:
    for state in State:
        for action in sorted(ACTIONS):
            article_id = make_article(db, publish=False)
            with db.session() as s:
                for step in PATH[state]:
                    a = s.get(Article, article_id)
                    assert a is not None
                    service.act(s, ACTOR, article_id, step, a.version)
            with db.session() as s:
                a = s.get(Article, article_id)
                assert a is not None and a.state == state
                legal = (state, action) in EXPECTED and action != "revise"
                if legal:
                    service.act(s, ACTOR, article_id, action, a.version)
                    assert a.state == EXPECTED[(state, action)]
                else:
                    with pytest.raises(Conflict):
                        service.act(s, ACTOR, article_id, action, a.version)


def test_stale_version_is_409(db: Database) -> None:
    article_id = make_article(db, publish=False)
    with db.session() as s:
        a = s.get(Article, article_id)
        assert a is not None
        version = a.version
        service.act(s, ACTOR, article_id, "submit", version)
    with db.session() as s, pytest.raises(Conflict) as err:
        service.act(s, ACTOR, article_id, "withdraw", version)
    assert err.value.extra["current_version"] == version + 1


def test_editing_published_keeps_serving_the_live_version(db: Database) -> None:
    from hotline.knowledge.content import served_content
    from hotline.knowledge.schemas import ArticlePatch

    article_id = make_article(db, answer_short="每月100元")
    with db.session() as s:
        a = s.get(Article, article_id)
        assert a is not None
        service.update_article(
            s, ACTOR, article_id, ArticlePatch(version=a.version, answer_short="每月200元")
        )
        assert a.state == State.draft and a.live_version == 1 and a.content_version == 2
        content, served = served_content(s, a)
        assert served and content["answer_short"] == "每月100元"
        service.act(s, ACTOR, article_id, "submit", a.version)
        service.act(s, ACTOR, article_id, "publish", a.version)
        content, served = served_content(s, a)
        assert served and content["answer_short"] == "每月200元" and a.live_version == 2
