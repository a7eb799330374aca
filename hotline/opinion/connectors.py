"""Connectors for platforms with an API (Weibo, Toutiao), behind one interface.

A source whose `kind` names a connector is fetched by calling the platform's API with our key
(`HOTLINE_OPINION_<KIND>_ACCESS_TOKEN`) instead of crawling: the source's URL is the API call
(e.g. Weibo's `search/statuses/limited.json?q=养老院`), the connector adds the key, the fetcher's
pace, size cap and deadline still hold (robots.txt does not: it governs crawlers, an API its terms).
The answer is stored raw first (`opinion_raw`, role = the kind, its URL without the key), then
`Connector.entries` turns it into items like a feed's entries. An error document (HTTP 4xx/5xx or
an error object with 200) becomes `ApiError` with the platform's code and message, shown on the
source (`reason`) while the ingest run backs the source off (its interval doubles per failure).

Connector = `kind`, `credential(settings)`, `request_url(url, token)`, `entries(body, url)` and
`error(body)`; `CONNECTORS` lists them by kind. Adding a platform is one class and one line.

- Weibo (open.weibo.com API v2): `{"statuses": [{"idstr", "mid", "created_at": "Tue May 31 17:46:55
  +0800 2011", "text", "user": {"id", "screen_name"}, "retweeted_status": {...}, "reposts_count"}]}`;
  errors `{"error": "expired_token", "error_code": 21327, "request": "/2/..."}`. A repost carries its
  original's text, so near-duplicate grouping counts it as spread.
- Toutiao (the ByteDance open platform's envelope): `{"err_no": 0, "err_tips": "success", "data":
  {"list": [{"item_id", "title", "abstract", "article_url", "publish_time": <unix s>}]}}`; errors
  `{"err_no": 28001003, "err_tips": "access_token无效"}`. Toutiao's content search is a partner API
  without public documentation: the envelope and article fields are the open platform's, the
  endpoint is whatever URL the partner agreement gives (the source's URL).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.opinion.parse import Entry, Unparseable, clean

_TAG = re.compile(r"<[^>]+>")


class ConnectorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_OPINION_", extra="ignore")

    weibo_access_token: str = ""
    toutiao_access_token: str = ""


@lru_cache
def get_connector_settings() -> ConnectorSettings:
    return ConnectorSettings()


class ApiError(Unparseable):
    """The platform refused or failed the call; the message names its code (shown on the source)."""


class Connector(Protocol):
    kind: str

    def credential(self, settings: ConnectorSettings) -> str: ...

    def request_url(self, url: str, token: str) -> str: ...

    def entries(self, body: bytes, url: str) -> list[Entry]: ...

    def error(self, body: bytes) -> str | None: ...


def with_param(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Unparseable("garbage_json: the API answered with something that is not JSON") from exc


def _title(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return (first[:60] + "…" if len(first) > 60 else first) or "(无标题)"


class Weibo:
    kind = "weibo"

    def credential(self, settings: ConnectorSettings) -> str:
        return settings.weibo_access_token

    def request_url(self, url: str, token: str) -> str:
        return with_param(url, access_token=token)

    def error(self, body: bytes) -> str | None:
        try:
            data = _json(body)
        except Unparseable:
            return None
        if isinstance(data, dict) and "error_code" in data:
            return f"weibo error {data.get('error_code')}: {data.get('error', '')}"[:255]
        return None

    def entries(self, body: bytes, url: str) -> list[Entry]:
        reason = self.error(body)
        if reason:
            raise ApiError(reason)
        data = _json(body)
        statuses = data.get("statuses") if isinstance(data, dict) else None
        if not isinstance(statuses, list):
            raise Unparseable("weibo: no statuses in the answer")
        out = []
        for st in statuses:
            if not isinstance(st, dict) or not (st.get("idstr") or st.get("id")):
                continue
            sid = str(st.get("idstr") or st.get("id"))
            user = st.get("user") or {}
            text = _TAG.sub("", str(st.get("text", "")))
            original = st.get("retweeted_status")
            if isinstance(original, dict):  # a repost: its original's words are what spreads
                text = f"{text}\n{_TAG.sub('', str(original.get('text', '')))}"
            out.append(
                Entry(
                    guid=f"weibo:{sid}",
                    url=f"https://weibo.com/{user.get('id', 0)}/{st.get('mid') or sid}",
                    title=_title(text),
                    text=clean(text),
                    published_at=_weibo_time(st.get("created_at")),
                    encoding="utf-8",
                )
            )
        return out


def _weibo_time(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    except ValueError:
        return None


class Toutiao:
    kind = "toutiao"

    def credential(self, settings: ConnectorSettings) -> str:
        return settings.toutiao_access_token

    def request_url(self, url: str, token: str) -> str:
        return with_param(url, access_token=token)

    def error(self, body: bytes) -> str | None:
        try:
            data = _json(body)
        except Unparseable:
            return None
        if isinstance(data, dict) and data.get("err_no") not in (None, 0):
            return f"toutiao error {data.get('err_no')}: {data.get('err_tips', '')}"[:255]
        return None

    def entries(self, body: bytes, url: str) -> list[Entry]:
        reason = self.error(body)
        if reason:
            raise ApiError(reason)
        data = _json(body)
        items = (data.get("data") or {}).get("list") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise Unparseable("toutiao: no data.list in the answer")
        out = []
        for it in items:
            if not isinstance(it, dict) or not it.get("item_id"):
                continue
            stamp = it.get("publish_time")
            when = datetime.fromtimestamp(int(stamp), UTC) if isinstance(stamp, int) and stamp > 0 else None
            text = clean(f"{it.get('abstract', '')}\n{_TAG.sub('', str(it.get('content', '')))}")
            out.append(
                Entry(
                    guid=f"toutiao:{it['item_id']}",
                    url=str(it.get("article_url") or f"https://www.toutiao.com/article/{it['item_id']}/")[
                        :1000
                    ],
                    title=str(it.get("title") or _title(text))[:300],
                    text=text,
                    published_at=when,
                    encoding="utf-8",
                )
            )
        return out


CONNECTORS: dict[str, Connector] = {c.kind: c for c in (Weibo(), Toutiao())}
