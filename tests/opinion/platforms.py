"""Local stand-ins for platform APIs (Weibo open API v2, the Toutiao open platform's envelope):
an http.server in a thread on port 0 answering each path from a queue of scripted answers (the
last one repeats), recording every request's path and query (the access token is checked)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "2.00platform-token"


@dataclass
class Platform:
    answers: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *answers: tuple[int, Any]) -> None:
        self.answers[path] = list(answers)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        self.requests.append((path, query))
        if query.get("access_token") != [TOKEN]:
            return 403, {"error": "invalid_access_token", "error_code": 21332, "request": path}
        queue = self.answers.get(path) or [(404, {"error": "not found", "error_code": 10000})]
        return queue.pop(0) if len(queue) > 1 else queue[0]


@contextmanager
def serve_platform() -> Iterator[Platform]:
    platform = Platform()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, body = platform.answer(parts.path, parse_qs(parts.query))
            data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    platform.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="platform-api", daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
