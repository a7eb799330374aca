"""The WeChat official-account API calls publishing needs, with WeChat's errcode handling.

Every call carries the account's access token (shared with the channels' customer-service
messages: `channels.wechat_out.access_token`, since fetching a new token retires the old one at
WeChat); a token WeChat calls invalid or expired (40001/40014/42001) is fetched again and the call
made once more. Then each errcode is either passing (-1 system busy, 45009/45011 quota reached,
network errors, HTTP 5xx, a body that is not JSON: `Retry`, the publication backs off) or final
(anything else, e.g. 40007 invalid media_id, 48001 API not authorised: `Fatal`, the publication
fails with the code). JSON goes out as UTF-8 without \\u escapes: WeChat stores the bytes it gets,
so an escaped title would be published as `\\u9ad8...`.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from hotline.channels import wechat_out
from hotline.channels.settings import ChannelSettings

TOKEN_INVALID = wechat_out.TOKEN_INVALID
PASSING = {-1, 45009, 45011}


class Retry(Exception):
    """This attempt failed for a passing reason; try again later."""


class Fatal(Exception):
    """WeChat refused the call for good (the message names its errcode)."""


class WxApi:
    def __init__(self, settings: ChannelSettings, client: httpx.Client) -> None:
        self.settings = settings
        self.client = client
        self.base = settings.wechat_api_base.rstrip("/")

    def call(
        self,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """POST to `path` with the token; WeChat's answer when errcode is 0 (or absent)."""
        for fresh in (False, True):
            try:
                token = wechat_out.access_token(self.settings, self.client, fresh)
            except wechat_out.Failed as exc:
                raise Retry(str(exc)) from exc
            query = {"access_token": token, **(params or {})}
            try:
                if files is not None:
                    resp = self.client.post(self.base + path, params=query, files=files)
                else:
                    content = json.dumps(body or {}, ensure_ascii=False).encode()
                    headers = {"Content-Type": "application/json; charset=utf-8"}
                    resp = self.client.post(self.base + path, params=query, content=content, headers=headers)
                if resp.status_code >= 500:
                    raise Retry(f"{path}: HTTP {resp.status_code}")
                data = resp.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise Retry(f"{path}: {exc}") from exc
            if not isinstance(data, dict):
                raise Retry(f"{path}: unexpected answer")
            code = int(data.get("errcode", 0) or 0)
            if code == 0:
                return data
            if code in TOKEN_INVALID and not fresh:
                continue
            message = f"{path}: errcode {code} {data.get('errmsg', '')}".strip()
            raise Retry(message) if code in PASSING else Fatal(message)
        raise Retry(f"{path}: access token refused twice")

    def add_image_material(self, filename: str, data: bytes, content_type: str) -> str:
        """Permanent image material (the article's cover): its media_id."""
        media = {"media": (filename, data, content_type)}
        found = self.call("/cgi-bin/material/add_material", files=media, params={"type": "image"})
        return _field(found, "media_id")

    def add_draft(self, article: dict[str, Any]) -> str:
        return _field(self.call("/cgi-bin/draft/add", body={"articles": [article]}), "media_id")

    def submit_publish(self, media_id: str) -> str:
        return _field(self.call("/cgi-bin/freepublish/submit", body={"media_id": media_id}), "publish_id")

    def publish_status(self, publish_id: str) -> dict[str, Any]:
        return self.call("/cgi-bin/freepublish/get", body={"publish_id": publish_id})

    def delete_published(self, article_id: str) -> None:
        """Take a published article off the account (index 0: every article of the message)."""
        self.call("/cgi-bin/freepublish/delete", body={"article_id": article_id, "index": 0})


def _field(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value in (None, ""):
        raise Fatal(f"WeChat's answer has no {key}: {str(data)[:200]}")
    return str(value)
