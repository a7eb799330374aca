"""Printed by `make run` before the server starts: where to go and how to sign in."""

from __future__ import annotations

from hotline.config import get_settings
from hotline.demo import DEMO_LOGINS


def main() -> None:
    s = get_settings()
    base = f"http://{s.http_host}:{s.http_port}"
    print(f"\nhotline is starting\n  console   {base}/\n  API docs  {base}/docs\n  health    {base}/healthz")
    if s.sip.enabled:
        print(f"  SIP       sip:{s.sip.host}:{s.sip.port} (UDP and TCP)")
    print("\ndemo logins (username / password / role / extension):")
    for username, password, role, ext in DEMO_LOGINS:
        print(f"  {username:<10} {password:<10} {role:<19} {ext or ''}")
    print()


if __name__ == "__main__":
    main()
