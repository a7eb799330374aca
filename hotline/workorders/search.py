"""Chinese text search over work orders: a token table, the same on SQLite and PostgreSQL.

Why a token table (`workorder_tokens(token, workorder_id, weight)`, primary key in that order) and
not FTS5 / tsvector: PostgreSQL has no Chinese parser in Debian and pg_trgm cannot index 2-character
words (低保, 养老); FTS5 `trigram` has the same hole and FTS5 exists only on SQLite. One table
works on both and is written by the same service call in the same transaction as the order (so
the index is never stale or ahead).

What is indexed, so that search finds what an agent types: every character bigram of each run of
Chinese characters (农合 inside 新农合, 到账 however jieba splits the sentence), every character
(a one-character query: 宋, 药), jieba's words of three characters and more (a whole-word match
ranks higher), letter/digit runs, and for phone-like digit runs (7–15 digits) their suffixes from
4 digits and prefixes from 7 (尾号 0112, 138103…). Besides the order's text: the contact's and the
registered caller's name and phone numbers. Text is normalised first (NFKC: full-width digits and
letters to ASCII; format characters — zero-width, bidi controls — removed) at index and query
time alike, so invisible characters cannot hide an order from search. `weight` is the term
frequency with title occurrences counted three times, for ranking (`ranking.py`).

A query needs every one of its terms: a Chinese run by bigrams covering it (one character by
itself), a number or word as typed; the remaining bigrams and jieba words only rank.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import jieba
from sqlalchemy import delete, exists, func, insert, intersect, literal, literal_column, select, union_all
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from hotline.errors import Invalid
from hotline.people.service import caller_identity
from hotline.workorders.models import SearchToken, WorkOrder

_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_ALNUM = re.compile(r"[a-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "我",
        "你",
        "他",
        "她",
        "在",
        "和",
        "有",
        "也",
        "就",
        "都",
        "而",
        "及",
        "与",
        "着",
        "或",
        "一个",
        "没有",
        "我们",
        "请",
        "吗",
        "呢",
        "啊",
    ]
)
MAX_TOKEN = 32
MAX_SCAN = 100_000
TITLE_WEIGHT = 3
MAX_WEIGHT = 30
PHONE_DIGITS = (7, 15)
MAX_REQUIRED = 6  # the rarest tokens of a long query suffice to match; the rest only rank
DF_CAP = 500  # postings counted per query token (for ordering and idf): enough to tell rare apart

jieba.setLogLevel(60)


def normalize(text: str) -> str:
    """NFKC, format characters (zero-width, bidi controls, soft hyphen) removed, lower case."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").lower()


def _clean(words: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for w in words:
        w = w.strip().lower()
        if not w or w in STOP or not _KEEP.search(w) or len(w) > MAX_TOKEN or w in seen:
            continue
        seen.add(w)
        out.append(w)
    return out


def jieba_tokens(text: str) -> list[str]:
    """jieba's words for a text (the former index; models trained on it still read text this way)."""
    return _clean(jieba.cut_for_search(text))


def _stop(tok: str) -> bool:
    """A stop word, or a bigram of two stop characters (的了, 我在)."""
    return tok in STOP or all(ch in STOP for ch in tok)


def _digit_terms(run: str) -> list[str]:
    out = [run]
    lo, hi = PHONE_DIGITS
    if lo <= len(run) <= hi:
        out += [run[-n:] for n in range(4, len(run))]
        out += [run[:n] for n in range(7, len(run))]
    return out


def terms(text: str) -> Counter[str]:
    """Index tokens of a text with their frequency."""
    text = normalize(text)
    out: Counter[str] = Counter()
    for run in _CJK.findall(text):
        out.update(ch for ch in run if ch not in STOP)
        out.update(b for b in (run[i : i + 2] for i in range(len(run) - 1)) if not _stop(b))
    for run in _ALNUM.findall(text):
        if len(run) <= MAX_TOKEN:
            out[run] += 1
        for digits in _DIGITS.findall(run):
            if digits != run:
                out[digits] += 1
            out.update(t for t in _digit_terms(digits)[1:])
    out.update(w for w in jieba.cut_for_search(text) if len(w) >= 3 and _CJK.fullmatch(w))
    return out


def index_tokens(text: str) -> list[str]:
    """Distinct tokens stored for a text."""
    return list(terms(text))


def order_text(order: Any) -> str:
    return f"{order.title}\n{order.content}\n{order.location or ''}\n{order.number}"


def weights(title: str, body: str, identity: Iterable[str] = ()) -> dict[str, int]:
    """token → weight for an order: frequency, title occurrences counted TITLE_WEIGHT times."""
    counts = terms(body)
    for tok, n in terms(title).items():
        counts[tok] += TITLE_WEIGHT * n
    for part in identity:
        counts.update(terms(part))
    return {t: min(n, MAX_WEIGHT) for t, n in counts.items()}


INDEXED = (
    WorkOrder.id,
    WorkOrder.number,
    WorkOrder.title,
    WorkOrder.content,
    WorkOrder.location,
    WorkOrder.contact_name,
    WorkOrder.contact_phone,
    WorkOrder.contact_address,
    WorkOrder.caller_id,
)


def identity_of(session: Session, order: Any) -> list[str]:
    """Who the order is from: contact name, phone and address (mail, WeChat) and the registered
    caller's name and phones."""
    out = [order.contact_name or "", order.contact_phone or "", order.contact_address or ""]
    if order.caller_id is not None:
        name, phones = caller_identity(session, order.caller_id)
        out += [name, *phones]
    return [p for p in out if p]


def _write(session: Session, order: Any) -> None:
    """`order`: a WorkOrder or a row of the INDEXED columns."""
    session.execute(delete(SearchToken).where(SearchToken.workorder_id == order.id))
    body = f"{order.content}\n{order.location or ''}\n{order.number}"
    toks = weights(order.title, body, identity_of(session, order))
    if toks:
        rows = [{"token": t, "workorder_id": order.id, "weight": w} for t, w in toks.items()]
        session.execute(insert(SearchToken), rows)


def reindex(session: Session, order: WorkOrder) -> None:
    """Replace the tokens of one order (call after any change of its text, same transaction)."""
    session.flush()
    _write(session, order)


def reindex_all(session: Session, batch: int = 500, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild every order's tokens (after a change of what is indexed); returns the order count.
    Reads only the indexed columns, so a migration can run it whatever columns come later."""
    done, last = 0, 0
    while True:
        chunk = session.execute(
            select(*INDEXED).where(WorkOrder.id > last).order_by(WorkOrder.id).limit(batch)
        ).all()
        if not chunk:
            return done
        for row in chunk:
            _write(session, row)
        last, done = chunk[-1].id, done + len(chunk)
        if progress is not None:
            progress(done)


@dataclass
class Plan:
    """A query: tokens every match holds (rarest first), tokens that only rank, their posting
    counts (capped at DF_CAP) and the number of orders (for idf)."""

    required: list[str]
    optional: list[str] = field(default_factory=list)
    df: dict[str, int] = field(default_factory=dict)
    total: int = 1


def query_terms(text: str) -> tuple[list[str], list[str]]:
    """(required, optional) tokens of a query, before any database look-up."""
    text = normalize(text)
    required: list[str] = []
    optional: list[str] = []
    for run in _CJK.findall(text):
        if len(run) == 1:
            required.append(run)
            continue
        grams = [run[i : i + 2] for i in range(len(run) - 1)]
        # Bigrams at even offsets (plus the last) cover every character; the others only rank.
        cover = set(range(0, len(grams), 2)) | {len(grams) - 1}
        required += [g for i, g in enumerate(grams) if i in cover]
        if len(run) <= 4:  # in longer runs jieba's whole words say enough about adjacency
            optional += [g for i, g in enumerate(grams) if i not in cover]
        optional += [w for w in jieba.cut(run) if len(w) >= 3]
    required += [w for w in _ALNUM.findall(text) if len(w) <= MAX_TOKEN]
    req = [t for t in dict.fromkeys(required) if not _stop(t)]
    opt = [t for t in dict.fromkeys(optional) if not _stop(t) and t not in req]
    return req, opt


def plan(session: Session, text: str) -> Plan:
    """The query's plan; a query of only common words (的, 我们, 没有) or no letters at all is a
    clear 422, never silently "no filter" nor "nothing"."""
    required, optional = query_terms(text)
    optional = optional[: 2 * MAX_REQUIRED]
    if not required:
        raise Invalid(
            f"the search text {text!r} holds only very common words or no letters or digits; "
            "add a more specific word",
            f"检索词“{text}”只有“的、了、我们、没有”这类常用字词或不含文字，无法检索，请换一个更具体的词",
        )
    # Posting counts of the required tokens only: ranking-only ones count as common (DF_CAP).
    toks = required
    arms = [
        select(literal(t).label("token"), func.count().label("n")).select_from(
            select(literal(1)).where(SearchToken.token == t).limit(DF_CAP).subquery()
        )
        for t in toks
    ]
    df = dict.fromkeys(optional, DF_CAP)
    df.update({str(t): int(n) for t, n in session.execute(union_all(*arms))})
    total = int(session.scalar(select(func.max(WorkOrder.id))) or 1)
    # The rarest token drives the scan (PostgreSQL) and is cheapest to intersect from.
    required.sort(key=lambda t: (df.get(t, 0), -len(t)))
    return Plan(required[:MAX_REQUIRED], optional + required[MAX_REQUIRED:], df, total)


def id_chunk(session: Session, toks: list[str], before: int | None, n: int) -> list[int]:
    """The next `n` ids (descending, below `before`) of orders holding every token.

    One token: a backward range scan of its primary-key range. Several on SQLite: a compound
    INTERSECT, which SQLite runs as a merge of the sorted index ranges — linear in the lists even
    when the words never co-occur, stopping as soon as `n` ids are out. On PostgreSQL (whose
    INTERSECT hashes both lists whole) an EXISTS per other token, which its planner runs as a merge
    semi-join of the sorted posting lists (or key probes when the first token is rare).
    """

    def arm(tok: str) -> Select[Any]:
        stmt = select(SearchToken.workorder_id).where(SearchToken.token == tok)
        return stmt if before is None else stmt.where(SearchToken.workorder_id < before)

    if len(toks) == 1:
        stmt = arm(toks[0]).order_by(SearchToken.workorder_id.desc()).limit(n)
        return list(session.scalars(stmt))
    if session.get_bind().dialect.name == "sqlite":
        compound = intersect(*(arm(t) for t in toks)).order_by(literal_column("workorder_id").desc()).limit(n)
        return [int(r[0]) for r in session.execute(compound)]
    driver = aliased(SearchToken)
    stmt = select(driver.workorder_id).where(driver.token == toks[0])
    if before is not None:
        stmt = stmt.where(driver.workorder_id < before)
    for tok in toks[1:]:
        other = aliased(SearchToken)
        stmt = stmt.where(exists().where(other.token == tok, other.workorder_id == driver.workorder_id))
    return list(session.scalars(stmt.order_by(driver.workorder_id.desc()).limit(n)))


def visible_matches(session: Session, toks: list[str], ids: list[int]) -> set[int]:
    """Of `ids`, those that match without the caller's identity where it is hidden from the viewer
    (confidential orders seen by a department): their identity must not be a search oracle."""
    hidden = session.execute(
        select(WorkOrder.id, WorkOrder.title, WorkOrder.content, WorkOrder.location, WorkOrder.number).where(
            WorkOrder.id.in_(ids), WorkOrder.confidential.is_(True)
        )
    ).all()
    need = set(toks)
    drop = {
        r.id
        for r in hidden
        if not need <= terms(f"{r.title}\n{r.content}\n{r.location or ''}\n{r.number}").keys()
    }
    return set(ids) - drop


class TextScan:
    """Ids of orders matching `toks` and `stmt`'s filters, newest first, in growing id chunks.

    Filters are applied per chunk (`id IN (...)`), so a page costs a few chunks, not the whole
    posting list. After `max_scan` ids the scan stops; `before` then says where to resume (the
    page's cursor), so a rare filter on a common word cannot make one request unbounded.
    `hide_identity`: the viewer may not match confidential orders by who they are from.
    """

    def __init__(
        self,
        session: Session,
        stmt: Select[Any],
        toks: list[str],
        before: int | None = None,
        hide_identity: bool = False,
        first: int = 64,
    ) -> None:
        self.session, self.stmt, self.toks = session, stmt, toks
        self.first = first
        self.before = before
        self.hide_identity = hide_identity
        self.capped = False

    def chunks(self) -> Iterator[list[int]]:
        """Matching ids, newest first, a chunk at a time."""
        n, scanned = self.first, 0
        ids_only = self.stmt.with_only_columns(WorkOrder.id)
        while True:
            if scanned >= MAX_SCAN:
                self.capped = True
                return
            ids = id_chunk(self.session, self.toks, self.before, n)
            if not ids:
                return
            scanned += len(ids)
            found = list(self.session.scalars(ids_only.where(WorkOrder.id.in_(ids))))
            if self.hide_identity and found:
                keep = visible_matches(self.session, self.toks, found)
                found = [i for i in found if i in keep]
            if found:
                yield sorted(found, reverse=True)
            self.before = ids[-1]
            if len(ids) < n:
                return
            n = min(n * 4, 4096)

    def __iter__(self) -> Iterator[WorkOrder]:
        for chunk in self.chunks():
            yield from self.session.scalars(
                select(WorkOrder).where(WorkOrder.id.in_(chunk)).order_by(WorkOrder.id.desc())
            )


def search_ids(session: Session, text: str, limit: int = 50) -> list[int]:
    """Newest order ids containing every term of `text`."""
    return id_chunk(session, plan(session, text).required, None, limit)
