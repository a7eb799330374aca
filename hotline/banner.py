"""What `hotline serve` prints before it starts: where to go and, with demo data, how to sign in."""

from __future__ import annotations

from hotline.config import Settings
from hotline.demo import DEMO_LOGINS


def render(settings: Settings, demo_users: list[str], sip_passwords: dict[str, str] | None = None) -> str:
    """The banner; `demo_users` are the demo accounts whose demo password still works, shown with
    the SIP password generated for their extension (`sip_passwords`, from `hotline demo load`)."""
    sip = sip_passwords or {}
    base = f"http://{settings.http_host}:{settings.http_port}"
    lines = [
        "",
        "hotline is starting",
        f"  console   {base}/",
        f"  API docs  {base}/docs (signed in)",
        f"  health    {base}/healthz",
    ]
    if settings.sip.enabled:
        lines.append(f"  SIP       sip:{settings.sip.host}:{settings.sip.port} (UDP and TCP)")
        if settings.sip.tls_enabled:
            lines.append(f"  SIP/TLS   sip:{settings.sip.host}:{settings.sip.tls_port};transport=tls")
    shown = [login for login in DEMO_LOGINS if login[0] in demo_users]
    if shown:
        lines += ["", "demo logins (username / password / role / extension / SIP password):"]
        lines += [
            f"  {u:<10} {p:<10} {r:<19} {ext or '':<6} {sip.get(ext or '', '')}".rstrip()
            for u, p, r, ext in shown
        ]
    lines.append("")
    return "\n".join(lines)
