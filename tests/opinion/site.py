"""A local web site for the fetcher's tests: an http.server in a thread on a free port (bound to
port 0, so no two workers ever race for one), serving what a test puts in `routes`, honouring
If-None-Match, and recording every request's path and headers.

Special bodies: `SLOW` waits (until the site stops) before answering, `HUGE` streams 10 MB.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW = b"<slow>"
HUGE = b"<huge>"


@dataclass
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Site:
    routes: dict[str, Page] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in list(self.requests) if p == path]


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            page = site.routes.get(self.path)
            if page is None:
                self._send(404, b"not found", "text/plain")
                return
            if page.body == SLOW:
                site.stopping.wait(30)
                self._send(200, b"<html>late</html>", page.content_type)
                return
            if page.etag and self.headers.get("If-None-Match") == page.etag:
                self.send_response(304)
                self.send_header("ETag", page.etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if page.body == HUGE:
                self.send_response(200)
                self.send_header("Content-Type", page.content_type)
                self.end_headers()  # no length: the reader must count
                chunk = b"<p>" + "很长的页面".encode() * 4000 + b"</p>"
                try:
                    for _ in range(10_000_000 // len(chunk)):
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
                return
            extra = {}
            if page.etag:
                extra["ETag"] = page.etag
            if page.last_modified:
                extra["Last-Modified"] = page.last_modified
            self._send(page.status, page.body, page.content_type, extra)

        def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    return Handler


@contextmanager
def serve(routes: dict[str, Page] | None = None) -> Iterator[Site]:
    site = Site(routes=dict(routes or {}))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="opinion-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
