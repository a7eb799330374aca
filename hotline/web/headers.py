"""Security headers on every HTTP response (a middleware of its own, outermost).

The Content-Security-Policy fits the built console: its scripts and styles are files from our own
origin (Element Plus sets inline `style` attributes, hence 'unsafe-inline' for styles only), images
and audio may be blob:/data: URLs (waveforms, recordings), and it talks only to its own origin
(fetch and the /api/calls/ws socket), plus the telephony engine's SIP WebSocket when browser phones are
on (`connect_src`). The Swagger page at /docs loads its assets from the jsDelivr
CDN, so it gets a policy of its own. Framing is refused everywhere (clickjacking); HSTS is sent only
on HTTPS, as seen by us or reported by a trusted proxy.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotline.web.clientip import in_networks, parse_networks

CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDN}; style-src 'self' 'unsafe-inline' {CDN}; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; frame-ancestors 'none'"
)
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), geolocation=(), payment=(), usb=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    def __init__(
        self, app: ASGIApp, trusted_proxies: tuple[str, ...] = (), connect_src: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.trusted = parse_networks(tuple(trusted_proxies))
        extra = "".join(f" {src}" for src in connect_src if src and all(c not in src for c in " ;'"))
        self.console_csp = CONSOLE_CSP.replace("connect-src 'self';", f"connect-src 'self'{extra};")

    def _https(self, scope: Scope) -> bool:
        if scope.get("scheme") == "https":
            return True
        peer = scope.get("client")
        if self.trusted and peer and in_networks(peer[0], self.trusted):
            proto = Headers(scope=scope).get("x-forwarded-proto", "")
            return proto.split(",")[-1].strip().lower() == "https"
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = DOCS_CSP if path == "/docs" else self.console_csp
        extra = [*COMMON, (b"content-security-policy", csp.encode())]
        if self._https(scope):
            extra.append(HSTS)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
