"""One fetch run over the sources that are due: fetch, store raw, parse into items.

Each source runs in its own thread (at most `workers` at once), so a source that times out or
serves 10 MB costs its own thread a few seconds while the others go on; whatever goes wrong in
one source becomes its `status`/`reason` and never reaches the others. Every body fetched is
committed to `opinion_raw` before it is parsed; a crash between the two leaves `received` rows
that `parse_pending` turns into items on the next run. A list page's validators (ETag,
Last-Modified) are saved only once its articles were fetched, so a run cut short fetches the page
in full again instead of being told 304 and never reaching the articles. A failing source backs
off: its interval doubles with each failure in a row, up to a day.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.opinion import connectors, parse
from hotline.opinion.fetch import Fetched, Fetcher
from hotline.opinion.models import OpinionItem, OpinionRaw, OpinionSource
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
MAX_BACKOFF = 86_400
# Sources being fetched by this process (the job and an operator's 立即采集 may ask at once):
# the second asker skips the source rather than fetching it twice.
_FETCHING: set[int] = set()
_FETCHING_LOCK = threading.Condition()


@dataclass
class Outcome:
    source_id: int
    status: str
    reason: str | None = None
    new_items: int = 0
    fetched: int = 0


@dataclass
class RunReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def new_items(self) -> int:
        return sum(o.new_items for o in self.outcomes)


def due_sources(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(OpinionSource.id)
            .where(
                OpinionSource.enabled,
                OpinionSource.kind != "wechat",  # pushed to us (`wechat.py`), never fetched
                or_(OpinionSource.next_fetch_at.is_(None), OpinionSource.next_fetch_at <= now),
            )
            .order_by(OpinionSource.next_fetch_at.is_not(None), OpinionSource.next_fetch_at, OpinionSource.id)
        )
    )


def run(
    db: Database,
    fetcher: Fetcher,
    now: datetime | None = None,
    *,
    workers: int = 4,
    articles_per_page: int = 20,
    only: list[int] | None = None,
) -> RunReport:
    now = now or utcnow()
    with db.session() as s:
        wanted = only if only is not None else due_sources(s, now)
    with _FETCHING_LOCK:
        ids = [i for i in wanted if i not in _FETCHING]
        _FETCHING.update(ids)
    report = RunReport()
    try:
        _fetch_all(db, fetcher, ids, now, workers, articles_per_page, report)
    finally:
        with _FETCHING_LOCK:
            _FETCHING.difference_update(ids)
            _FETCHING_LOCK.notify_all()
    parse_pending(db)
    return report


def wait_idle(source_id: int, timeout: float) -> bool:
    """Wait until this process is not fetching the source (False if still busy after `timeout`)."""
    with _FETCHING_LOCK:
        return _FETCHING_LOCK.wait_for(lambda: source_id not in _FETCHING, timeout)


def _fetch_all(
    db: Database,
    fetcher: Fetcher,
    ids: list[int],
    now: datetime,
    workers: int,
    per_page: int,
    report: RunReport,
) -> None:
    if ids:
        with ThreadPoolExecutor(max_workers=min(workers, len(ids)), thread_name_prefix="opinion-fetch") as ex:
            report.outcomes = list(ex.map(lambda sid: _guarded(db, fetcher, sid, now, per_page), ids))


def _guarded(db: Database, fetcher: Fetcher, source_id: int, now: datetime, per_page: int) -> Outcome:
    try:
        out = _one(db, fetcher, source_id, per_page)
    except Exception as exc:  # one source's surprise must not end the run for the others
        log.exception("opinion source %s failed", source_id)
        out = Outcome(source_id, "failed", f"error: {type(exc).__name__}")
    _finish(db, out, now)
    return out


def _one(db: Database, fetcher: Fetcher, source_id: int, per_page: int) -> Outcome:
    with db.session() as s:
        src = s.get(OpinionSource, source_id)
        if src is None:
            return Outcome(source_id, "failed", "source removed")
        kind, url, etag, modified = src.kind, src.url, src.etag, src.last_modified
    connector = connectors.CONNECTORS.get(kind)
    if connector is not None:
        return _api(db, fetcher, connector, source_id, url)
    with fetcher.client() as client:
        got = fetcher.get(client, url, etag=etag, last_modified=modified)
        if got.outcome != "ok":
            return Outcome(source_id, got.outcome, got.reason)
        raw_id = store_raw(db, source_id, got, "feed" if kind == "feed" else "list")
        if kind == "feed":
            new, reason = parse_raw(db, raw_id)
            out = Outcome(source_id, "failed" if reason else "ok", reason, new, 1)
        else:
            out = _list_page(db, fetcher, client, source_id, raw_id, got, per_page)
    if out.status == "ok":
        with db.session() as s:
            src = s.get(OpinionSource, source_id)
            if src is not None:
                src.etag, src.last_modified = got.etag, got.last_modified
    return out


def _list_page(
    db: Database,
    fetcher: Fetcher,
    client: httpx.Client,
    source_id: int,
    raw_id: int,
    page: Fetched,
    per_page: int,
) -> Outcome:
    try:
        links = parse.article_links(page.body, page.content_type, page.url, limit=per_page * 3)
    except parse.Unparseable as exc:
        _mark(db, raw_id, "failed", str(exc))
        return Outcome(source_id, "failed", str(exc), fetched=1)
    _mark(db, raw_id, "parsed", None)
    with db.session() as s:
        known = set(
            s.scalars(
                select(OpinionItem.guid).where(
                    OpinionItem.source_id == source_id, OpinionItem.guid.in_(links)
                )
            )
        )
    out = Outcome(source_id, "ok", fetched=1)
    bad: list[str] = []
    for link in [u for u in links if u not in known][:per_page]:
        got = fetcher.get(client, link)
        out.fetched += 1
        if got.outcome != "ok":
            bad.append(got.reason or got.outcome)
            continue
        new, reason = parse_raw(db, store_raw(db, source_id, got, "article"))
        out.new_items += new
        if reason:
            bad.append(reason)
    if bad:  # the page worked; say what did not
        out.reason = f"{len(bad)} article(s) skipped: {bad[0]}"[:255]
    return out


def _api(
    db: Database, fetcher: Fetcher, connector: connectors.Connector, source_id: int, url: str
) -> Outcome:
    """One call of a platform's API (`connectors.py`): stored raw (without the key), then parsed."""
    token = connector.credential(connectors.get_connector_settings())
    if not token:
        return Outcome(source_id, "failed", f"no access token for {connector.kind} (HOTLINE_OPINION_*)")
    with fetcher.client() as client:
        got = fetcher.get(client, connector.request_url(url, token), robots=False)
    if got.outcome != "ok":
        return Outcome(
            source_id, got.outcome, (connector.error(got.body) if got.body else None) or got.reason
        )
    raw_id = store_raw(db, source_id, dataclasses.replace(got, url=url), connector.kind)
    new, reason = parse_raw(db, raw_id)
    return Outcome(source_id, "failed" if reason else "ok", reason, new, 1)


def store_raw(db: Database, source_id: int, got: Fetched, role: str) -> int:
    with db.session() as s:
        raw = OpinionRaw(
            source_id=source_id,
            url=got.url[:1000],
            role=role,
            http_status=got.status,
            content_type=(got.content_type or "")[:255] or None,
            body=got.body,
        )
        s.add(raw)
        s.flush()
        return raw.id


def _mark(db: Database, raw_id: int, state: str, error: str | None) -> None:
    with db.session() as s:
        raw = s.get(OpinionRaw, raw_id)
        if raw is not None:
            raw.state, raw.error = state, (error or "")[:255] or None


def parse_raw(db: Database, raw_id: int) -> tuple[int, str | None]:
    """Items from one stored body (idempotent: known guids are skipped); (new items, failure)."""
    with db.session() as s:
        raw = s.get(OpinionRaw, raw_id)
        if raw is None or raw.state != "received":
            return 0, None
        try:
            if raw.role == "feed":
                entries = parse.feed_entries(raw.body, raw.content_type, raw.url)
            elif raw.role == "article":
                entries = [parse.article(raw.body, raw.content_type, raw.url)]
            elif raw.role in connectors.CONNECTORS:
                entries = connectors.CONNECTORS[raw.role].entries(raw.body, raw.url)
            else:
                entries = []  # a list page left by a crash: the next run fetches it again in full
        except parse.Unparseable as exc:
            raw.state, raw.error = "failed", str(exc)[:255]
            return 0, str(exc)
        guids = [e.guid for e in entries]
        known = set(
            s.scalars(
                select(OpinionItem.guid).where(
                    OpinionItem.source_id == raw.source_id, OpinionItem.guid.in_(guids)
                )
            )
        )
        new = 0
        for e in entries:
            if e.guid in known:
                continue
            known.add(e.guid)
            item = OpinionItem(
                source_id=raw.source_id,
                raw_id=raw.id,
                guid=e.guid,
                url=e.url,
                title=e.title,
                text=e.text,
                published_at=e.published_at,
                encoding=e.encoding,
                encoding_flag=e.encoding_flag,
            )
            try:
                with s.begin_nested():  # another process may have stored the same entry meanwhile
                    s.add(item)
            except IntegrityError:
                continue
            new += 1
        raw.state = "parsed"
        return new, None


def parse_pending(db: Database, limit: int = 500) -> int:
    with db.session() as s:
        ids = list(
            s.scalars(
                select(OpinionRaw.id)
                .where(OpinionRaw.state == "received")
                .order_by(OpinionRaw.id)
                .limit(limit)
            )
        )
    return sum(parse_raw(db, rid)[0] for rid in ids)


def _finish(db: Database, out: Outcome, now: datetime) -> None:
    with db.session() as s:
        src = s.get(OpinionSource, out.source_id)
        if src is None:
            return
        src.last_fetch_at = now
        src.reason = (out.reason or "")[:255] or None
        src.items_total += out.new_items
        if out.status in ("ok", "not_modified"):
            src.status, src.failures, src.last_ok_at = out.status, 0, now
            src.next_fetch_at = now + timedelta(seconds=src.every_seconds)
        else:
            src.status, src.failures = out.status, src.failures + 1
            backoff = min(src.every_seconds * 2 ** min(src.failures, 16), MAX_BACKOFF)
            src.next_fetch_at = now + timedelta(seconds=backoff)
