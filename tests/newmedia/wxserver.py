"""A local stand-in for the WeChat official-account API that publishing uses, answering as the
documentation says: `cgi-bin/token`, `material/add_material` (multipart `media`), `draft/add`,
`freepublish/submit`, `freepublish/get` (publish_status 1 while publishing, then 0 with the
article's URL), `freepublish/delete` (the article_id it gave, once). Each call is checked the way
WeChat checks it (current access token, the thumb_media_id it issued, UTF-8 JSON) and recorded;
`fail` queues errcodes to answer a path with."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

SECRET = "app-secret"
PUBLISHED_URL = "https://mp.weixin.qq.com/s/AbCdEf123"


class WeChatPublishApi:
    def __init__(self, publishing_polls: int = 1) -> None:
        self.calls: list[str] = []
        self.drafts: list[dict[str, Any]] = []
        self.raw_drafts: list[bytes] = []
        self.covers: list[bytes] = []
        self.deleted: list[dict[str, Any]] = []
        self.token_n = 0
        self.failures: dict[str, list[int]] = defaultdict(list)
        self.polls_left = publishing_polls
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, data: dict[str, Any]) -> None:
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json; encoding=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                with api.lock:
                    api.calls.append(url.path)
                    if url.path != "/cgi-bin/token" or query.get("secret") != [SECRET]:
                        self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
                        return
                    api.token_n += 1
                    self._json({"access_token": f"TOKEN{api.token_n}", "expires_in": 7200})

            def do_POST(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                body = self.rfile.read(int(self.headers["content-length"]))
                with api.lock:
                    api.calls.append(url.path)
                    if query.get("access_token") != [f"TOKEN{api.token_n}"]:
                        self._json(
                            {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
                        )
                        return
                    if api.failures[url.path]:
                        code = api.failures[url.path].pop(0)
                        self._json({"errcode": code, "errmsg": "system error" if code == -1 else "refused"})
                        return
                    self._json(api.answer(url.path, query, body, self.headers.get("content-type", "")))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail(self, path: str, *codes: int) -> None:
        with self.lock:
            self.failures[path].extend(codes)

    def answer(self, path: str, query: dict[str, list[str]], body: bytes, ctype: str) -> dict[str, Any]:
        if path == "/cgi-bin/material/add_material":
            if query.get("type") != ["image"] or not ctype.startswith("multipart/form-data"):
                return {"errcode": 40004, "errmsg": "invalid media type"}
            if b'name="media"' not in body:
                return {"errcode": 41005, "errmsg": "media data missing"}
            self.covers.append(body)
            return {"media_id": f"THUMB{len(self.covers)}", "url": "http://mmbiz.qpic.cn/cover.png"}
        if path == "/cgi-bin/draft/add":
            data = json.loads(body.decode("utf-8"))
            article = data["articles"][0]
            if article.get("thumb_media_id") != f"THUMB{len(self.covers)}":
                return {"errcode": 40007, "errmsg": "invalid media_id"}
            if not article.get("title") or not article.get("content"):
                return {"errcode": 53404, "errmsg": "article missing title or content"}
            self.drafts.append(article)
            self.raw_drafts.append(body)
            return {"media_id": f"DRAFT{len(self.drafts)}"}
        if path == "/cgi-bin/freepublish/submit":
            data = json.loads(body)
            if data.get("media_id") != f"DRAFT{len(self.drafts)}":
                return {"errcode": 40007, "errmsg": "invalid media_id"}
            return {"errcode": 0, "errmsg": "ok", "publish_id": "2247483650"}
        if path == "/cgi-bin/freepublish/get":
            data = json.loads(body)
            if self.polls_left > 0:
                self.polls_left -= 1
                return {"publish_id": data["publish_id"], "publish_status": 1}
            return {
                "publish_id": data["publish_id"],
                "publish_status": 0,
                "article_id": "ARTICLE_ID_1",
                "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": PUBLISHED_URL}]},
                "fail_idx": [],
            }
        if path == "/cgi-bin/freepublish/delete":
            data = json.loads(body)
            if data.get("article_id") != "ARTICLE_ID_1" or data in self.deleted:
                return {"errcode": 53600, "errmsg": "Article ID 无效"}
            self.deleted.append(data)
            return {"errcode": 0, "errmsg": "ok"}
        return {"errcode": 48001, "errmsg": "api unauthorized"}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
