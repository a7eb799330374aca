"""Web console figures on loopback: first load of the agent workspace and wallboard update latency.

1. First load: headless Chromium (Debian's /usr/bin/chromium) opens /workspace with a fresh cache
   for each run (signed in already); we record the JavaScript it fetched (raw and gzip -9 size,
   as a CDN or reverse proxy would serve it), DOMContentLoaded, and time to interactive = the
   moment the workspace's inputs are rendered and enabled after the network went quiet.
   Reference in the same run: the sign-in page (the smallest page of the console).
2. Wallboard latency: with N agents signed in (demo agents plus generated ones, all in queues),
   the supervisor's wallboard is open; the bench changes an agent's state through the supervisor
   API and measures, inside the page, from the request to the changed row on screen (REST ->
   call center -> bus -> WebSocket -> Vue render). Reference: the REST round trip alone.

Usage: .venv/bin/python -m bench.console_bench [--loads 5] [--agents 200] [--changes 60]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "frontend" / "dist"
HOTLINE = str(Path(sys.executable).with_name("hotline"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Runs in the page: change an agent's state through the API, then wait for its row to show it.
CHANGE_JS = """async ([agentId, state, label]) => {
  const sel = `.agent-${agentId} .el-tag`
  const t0 = performance.now()
  const res = await fetch(`/api/calls/agents/${agentId}/state`, {
    method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({state, reason: state === 'not_ready' ? 'bench' : null}),
  })
  const rest = performance.now() - t0
  if (!res.ok) return {error: res.status}
  while (true) {
    const el = document.querySelector(sel)
    if (el && el.textContent.trim() === label) break
    if (performance.now() - t0 > 5000) return {error: 'timeout', rest}
    await new Promise(r => requestAnimationFrame(r))
  }
  return {screen: performance.now() - t0, rest}
}"""


ME_JS = """async () => {
  const t0 = performance.now()
  await fetch('/api/auth/me', {credentials: 'same-origin'})
  return performance.now() - t0
}"""


def free_port(udp: bool = False) -> int:
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if not udp:
            return port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def add_agents(env: dict[str, str], count: int) -> None:
    """Generated agents with skills in every demo queue, created before the center starts."""
    code = f"""
from hotline.audit.service import Actor
from hotline.acd.schemas import SkillIn
from hotline.acd.service import set_skills
from hotline.acd.models import AcdQueue
from hotline.people.models import User
from hotline.people.schemas import UserIn
from hotline.people.service import create_user
from hotline.store.db import get_database
from sqlalchemy import func, select
actor = Actor(None, "bench")
with get_database().session() as s:
    have = s.scalar(select(func.count()).select_from(User).where(User.role == "agent"))
    queues = list(s.scalars(select(AcdQueue.name)))
    first = create_user(s, actor, UserIn(username="bench0", display_name="压测0", password="bench1234",
                        role="agent", extension="3000"))
    set_skills(s, actor, first.id, [SkillIn(queue=q, level=5) for q in queues])
    for i in range(1, {count} - have - 1 + 1):
        u = User(username=f"bench{{i}}", display_name=f"压测{{i}}", password_hash=first.password_hash,
                 role="agent", extension=str(3000 + i), active=True)
        s.add(u)
        s.flush()
        set_skills(s, actor, u.id, [SkillIn(queue=q, level=5) for q in queues])
"""
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, timeout=300)


def start_server(agents: int) -> tuple[subprocess.Popen[bytes], str, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="hotline-console-bench-"))
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp / 'hotline.db'}",
        "HOTLINE_DATA_DIR": str(tmp),
        "HOTLINE_LOG_JSON": "true",
    }
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([HOTLINE, *args], env=env, cwd=tmp, check=True, capture_output=True, timeout=300)
    add_agents(env, agents)
    port = free_port()
    env |= {"HOTLINE_HTTP_PORT": str(port), "HOTLINE_SIP__PORT": str(free_port(udp=True))}
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen([HOTLINE, "serve"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, f"http://localhost:{port}", tmp
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError((tmp / "serve.log").read_text()[-2000:])


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def signed_in_state(browser: Any, base: str, user: str, password: str) -> Any:
    ctx = browser.new_context(base_url=base)
    page = ctx.new_page()
    page.goto("/login")
    page.get_by_test_id("username").fill(user)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/login" not in url)
    state = ctx.storage_state()
    ctx.close()
    return state


def first_load(browser: Any, base: str, path: str, ready: str, state: Any) -> dict[str, Any]:
    ctx = browser.new_context(base_url=base, storage_state=state, viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    scripts: list[str] = []
    page.on("response", lambda r: scripts.append(r.url) if r.url.endswith(".js") else None)
    page.goto(path, wait_until="domcontentloaded")
    dcl = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    page.wait_for_selector(ready, state="visible")
    page.wait_for_load_state("networkidle")
    tti = page.evaluate("performance.now()")
    ctx.close()
    raw = gz = 0
    for url in set(scripts):
        data = (DIST / url.split(base, 1)[1].lstrip("/")).read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, 9))
    return {"dcl": dcl, "tti": tti, "files": len(set(scripts)), "raw": raw, "gz": gz}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--changes", type=int, default=60)
    args = ap.parse_args()
    if not (DIST / "index.html").exists():
        subprocess.run([str(ROOT / "scripts" / "frontend.sh"), "build"], check=True)
    from playwright.sync_api import sync_playwright

    proc, base, tmp = start_server(args.agents)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            agent_state = signed_in_state(browser, base, "agent1", "demo1234")
            loads = {
                "sign-in page (reference)": [
                    first_load(browser, base, "/login", "[data-testid=login-submit]", None)
                    for _ in range(args.loads)
                ],
                "agent workspace": [
                    first_load(browser, base, "/workspace", "[data-testid=kb-input]", agent_state)
                    for _ in range(args.loads)
                ],
            }
            all_js = [p for p in (DIST / "assets").glob("*.js")]
            all_gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in all_js)
            print(f"\nFirst load on loopback, {args.loads} runs each, fresh cache (median)")
            head = ("page", "JS files", "JS raw KB", "JS gzip KB", "DCL ms", "TTI ms")
            print(f"{head[0]:28} {head[1]:>8} {head[2]:>10} {head[3]:>11} {head[4]:>8} {head[5]:>8}")
            ref_tti = statistics.median(r["tti"] for r in loads["sign-in page (reference)"])
            for name, runs in loads.items():
                tti = statistics.median(r["tti"] for r in runs)
                dcl = statistics.median(r["dcl"] for r in runs)
                raw, gz = runs[0]["raw"] / 1024, runs[0]["gz"] / 1024
                print(
                    f"{name:28} {runs[0]['files']:>8} {raw:>10.1f} {gz:>11.1f}"
                    f" {dcl:>8.0f} {tti:>8.0f}  (x{tti / ref_tti:.2f})"
                )
            print(f"whole console: {len(all_js)} JS files, {all_gz / 1024:.1f} KB gzip")

            sup_state = signed_in_state(browser, base, "banzhang", "demo1234")
            ctx = browser.new_context(
                base_url=base, storage_state=sup_state, viewport={"width": 1440, "height": 900}
            )
            page = ctx.new_page()
            page.goto("/wallboard")
            page.get_by_test_id("wall-live").wait_for(timeout=30_000)
            agents = page.request.get("/api/calls/agents").json()
            ids = [a["agent_id"] for a in agents]
            for agent_id in ids:  # everyone signs in (ready), as on a busy shift
                page.request.post(f"/api/calls/agents/{agent_id}/state", data={"state": "ready"})
            page.wait_for_timeout(1500)
            screen: list[float] = []
            rest: list[float] = []
            after: list[float] = []
            me: list[float] = [page.evaluate(ME_JS) for _ in range(args.changes)]
            errors = 0
            for k in range(args.changes):
                agent_id = ids[(k * 7) % len(ids)]
                state, label = ("not_ready", "示忙") if (k // len(ids)) % 2 == 0 else ("ready", "示闲")
                out = page.evaluate(CHANGE_JS, [agent_id, state, label])
                if "error" in out:
                    errors += 1
                    continue
                screen.append(out["screen"])
                rest.append(out["rest"])
                after.append(out["screen"] - out["rest"])
            ctx.close()
            browser.close()
        print(f"\nWallboard update latency, {len(ids)} agents on the board, {args.changes} state changes")
        print(f"{'path':40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, vals in (
            ("GET /api/auth/me round trip (reference)", me),
            ("state change REST round trip", rest),
            ("state change request -> row on screen", screen),
            ("  of which after the REST answer", after),
        ):
            if vals:
                print(f"{name:40} {pct(vals, 50):>8.1f} {pct(vals, 95):>8.1f} {max(vals):>8.1f}")
        print(f"errors/timeouts: {errors}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
