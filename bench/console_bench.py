"""Web console figures on loopback: first load of the agent workspace and wallboard update latency.

1. First load: headless Chromium (Debian's /usr/bin/chromium) opens /workspace with a fresh cache
   for each run (signed in already); we record the JavaScript it fetched (raw and gzip -9 size,
   as a CDN or reverse proxy would serve it), DOMContentLoaded, and time to interactive = the
   moment the workspace's inputs are rendered and enabled after the network went quiet.
   Reference in the same run: the sign-in page (the smallest page of the console).
2. Wallboard latency: with N agents signed in (demo agents plus generated ones, all in queues)
   and W real callers waiting in queue (SIPp, see bench/console_callers.py; the bench checks the
   wallboard shows all W before measuring), the supervisor's wallboard is open. Measured inside
   the page, from the request to the screen:
   - agent state changes made through the supervisor API -> the changed row (REST -> call
     center -> bus -> WebSocket -> Vue render);
   - queue events: a waiting caller hung up through the supervisor API -> their row gone from the
     waiting list (abandon in the ACD -> queue log + bus -> WebSocket -> refetch -> render); SIPp
     puts a new caller in the queue after each, so W are waiting again before the next one.
   References: the REST round trips alone, the server's own handler time for the same requests
   (its access log), and a plain GET /api/auth/me. Before timing, the bench reports how long the
   board took to catch up with the set-up burst (every agent signing in, the callers arriving).

Usage: .venv/bin/python -m bench.console_bench [--loads 5] [--agents 200] [--waiting 50]
       [--changes 60] [--queue-events 30] [--part all|load|wallboard]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
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
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.callcenter_cps import write_moh
from bench.console_callers import BOARD_JS, HANGUP_JS, QUEUE, WaitingCallers, add_wait_queue
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DIST, HOTLINE

ROOT = Path(__file__).resolve().parents[1]

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


def start_server(agents: int) -> tuple[subprocess.Popen[bytes], str, int, Path]:
    tmp = Path(tempfile.mkdtemp(prefix="hotline-console-bench-"))
    url = f"sqlite:///{tmp / 'hotline.db'}"
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": str(tmp),
        "HOTLINE_LOG_JSON": "true",
    }
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([HOTLINE, *args], env=env, cwd=tmp, check=True, capture_output=True, timeout=300)
    add_agents(env, agents)
    add_wait_queue(url)
    (tmp / "prompts").mkdir(exist_ok=True)
    write_moh(tmp / "prompts" / "moh.wav")  # as a deployment has (else built per call)
    port, sip_port = free_port(), free_port(udp=True)
    env |= {"HOTLINE_HTTP_PORT": str(port), "HOTLINE_SIP__PORT": str(sip_port)}
    log = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen([HOTLINE, "serve"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, f"http://localhost:{port}", sip_port, tmp
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


def report_loads(browser: Any, base: str, runs: int) -> None:
    agent_state = signed_in_state(browser, base, "agent1", "demo1234")
    loads = {
        "sign-in page (reference)": [
            first_load(browser, base, "/login", "[data-testid=login-submit]", None) for _ in range(runs)
        ],
        "agent workspace": [
            first_load(browser, base, "/workspace", "[data-testid=kb-input]", agent_state)
            for _ in range(runs)
        ],
    }
    all_js = list((DIST / "assets").glob("*.js"))
    all_gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in all_js)
    print(f"\nFirst load on loopback, {runs} runs each, fresh cache (median)")
    head = ("page", "JS files", "JS raw KB", "JS gzip KB", "DCL ms", "TTI ms")
    print(f"{head[0]:28} {head[1]:>8} {head[2]:>10} {head[3]:>11} {head[4]:>8} {head[5]:>8}")
    ref_tti = statistics.median(r["tti"] for r in loads["sign-in page (reference)"])
    for name, rows in loads.items():
        tti = statistics.median(r["tti"] for r in rows)
        dcl = statistics.median(r["dcl"] for r in rows)
        raw, gz = rows[0]["raw"] / 1024, rows[0]["gz"] / 1024
        print(
            f"{name:28} {rows[0]['files']:>8} {raw:>10.1f} {gz:>11.1f}"
            f" {dcl:>8.0f} {tti:>8.0f}  (x{tti / ref_tti:.2f})"
        )
    print(f"whole console: {len(all_js)} JS files, {all_gz / 1024:.1f} KB gzip")


def wait_board(page: Any, waiting: int, ready: int | None, timeout_s: float) -> dict[str, int]:
    """Until the wallboard shows `waiting` callers in its list and KPI (and `ready` agents as ready
    unless None), or the timeout. Polled inside the page, not with page.evaluate in a loop."""
    want = f"s.rows === {waiting} && s.kpi === {waiting}" + (
        "" if ready is None else f" && s.ready === {ready}"
    )
    check = f"() => {{ const s = ({BOARD_JS})(); return {want} }}"
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(check, polling=100, timeout=timeout_s * 1000)
    shown: dict[str, int] = page.evaluate(BOARD_JS)
    return shown


def waiting_calls(page: Any) -> list[dict[str, Any]]:
    live = page.request.get("/api/calls/live").json()
    return [c for c in live if c["state"] == "queued" and c["queue"] == QUEUE]


def server_times(log: Path) -> dict[str, list[float]]:
    """Handler times of the timed requests, from the server's JSON access log."""
    out: dict[str, list[float]] = {"state": [], "hangup": []}
    for line in log.read_text(errors="replace").splitlines():
        if '"hotline.access"' not in line or '"POST' not in line:
            continue
        entry = json.loads(line)
        path = str(entry.get("path", ""))
        if re.fullmatch(r"/api/calls/agents/\d+/state", path):
            out["state"].append(float(entry["ms"]))
        elif re.fullmatch(r"/api/calls/live/[^/]+/hangup", path):
            out["hangup"].append(float(entry["ms"]))
    return out


def measure_wallboard(browser: Any, base: str, sip_port: int, tmp: Path, args: Any) -> None:
    sup_state = signed_in_state(browser, base, "banzhang", "demo1234")
    ctx = browser.new_context(base_url=base, storage_state=sup_state, viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    page.goto("/wallboard")
    page.get_by_test_id("wall-live").wait_for(timeout=30_000)
    agents = page.request.get("/api/calls/agents").json()
    ids = [a["agent_id"] for a in agents]
    # Everyone signs in (ready), as on a busy shift, and the callers dial in at 10 calls/s: a
    # burst of events the board must catch up with before anything is timed.
    t0 = time.monotonic()
    for agent_id in ids:
        page.request.post(f"/api/calls/agents/{agent_id}/state", data={"state": "ready"})
    callers = None
    if args.waiting:
        total = args.waiting + args.queue_events + 20
        callers = WaitingCallers(sip_port, tmp, args.waiting, total)
    try:
        queued_after = None
        for _ in range(600):
            if len(waiting_calls(page)) == args.waiting:
                queued_after = time.monotonic() - t0
                break
            time.sleep(0.1)
        shown = wait_board(page, args.waiting, len(ids), 600)
        caught_up = time.monotonic() - t0
        if shown["rows"] != args.waiting or shown["kpi"] != args.waiting or shown["ready"] != len(ids):
            sipp = callers.failure() if callers else None
            api = len(waiting_calls(page))
            wrong = (
                f"the wallboard shows {shown}, not {args.waiting} waiting (API: {api}) and {len(ids)} ready"
            )
            raise SystemExit(f"{wrong}\n{sipp or ''}")
        page.wait_for_timeout(1500)
        me: list[float] = [page.evaluate(ME_JS) for _ in range(args.changes)]
        rows: dict[str, list[float]] = {"state": [], "state_rest": [], "queue": [], "queue_rest": []}
        errors = {"state": 0, "queue": 0}
        for k in range(args.changes):
            agent_id = ids[(k * 7) % len(ids)]
            state, label = ("not_ready", "示忙") if (k // len(ids)) % 2 == 0 else ("ready", "示闲")
            out = page.evaluate(CHANGE_JS, [agent_id, state, label])
            if "error" in out:
                errors["state"] += 1
                continue
            rows["state"].append(out["screen"])
            rows["state_rest"].append(out["rest"])
        during_changes = page.evaluate(BOARD_JS)
        for _ in range(args.queue_events):
            call = waiting_calls(page)[0]  # the longest waiting caller hangs up
            out = page.evaluate(HANGUP_JS, [call["call_id"], call["caller"]])
            if "error" in out:
                errors["queue"] += 1
            else:
                rows["queue"].append(out["screen"])
                rows["queue_rest"].append(out["rest"])
            if wait_board(page, args.waiting, None, 15)["rows"] != args.waiting:
                errors["queue"] += 1
        after = wait_board(page, args.waiting, None, 15)
    finally:
        ctx.close()
        if callers is not None:
            callers.stop()
    print(
        f"\nWallboard update latency, {len(ids)} agents on the board, {shown['rows']} callers waiting"
        f" (list {during_changes['rows']} / KPI {during_changes['kpi']} after the state changes,"
        f" {after['rows']} / {after['kpi']} at the end)"
    )
    print(
        f"set-up burst ({len(ids)} sign-ins, {args.waiting} callers at 10/s): all queued in the API after"
        f" {queued_after or float('nan'):.1f} s, the board showed it all after {caught_up:.1f} s"
    )
    print(f"{'path':52} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    after_rest = [a - b for a, b in zip(rows["state"], rows["state_rest"], strict=True)]
    queue_after = [a - b for a, b in zip(rows["queue"], rows["queue_rest"], strict=True)]
    served = server_times(tmp / "serve.log")
    for name, vals in (
        ("GET /api/auth/me round trip (reference)", me),
        ("agent state change: server time (access log)", served["state"][-args.changes :]),
        ("agent state change: REST round trip", rows["state_rest"]),
        ("agent state change: request -> row on screen", rows["state"]),
        ("  of which after the REST answer", after_rest),
        ("queue event (caller hung up): server time", served["hangup"]),
        ("queue event (caller hung up): REST round trip", rows["queue_rest"]),
        ("queue event: request -> caller gone from the list", rows["queue"]),
        ("  of which after the REST answer", queue_after),
    ):
        if vals:
            print(f"{name:52} {len(vals):>4} {pct(vals, 50):>8.1f} {pct(vals, 95):>8.1f} {max(vals):>8.1f}")
    print(f"errors/timeouts: state changes {errors['state']}, queue events {errors['queue']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--waiting", type=int, default=50)
    ap.add_argument("--changes", type=int, default=60)
    ap.add_argument("--queue-events", type=int, default=30)
    ap.add_argument("--part", choices=["all", "load", "wallboard"], default="all")
    args = ap.parse_args()
    if not (DIST / "index.html").exists():
        subprocess.run([str(ROOT / "scripts" / "frontend.sh"), "build"], check=True)
    from playwright.sync_api import sync_playwright

    proc, base, sip_port, tmp = start_server(args.agents)
    done = False
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            if args.part in ("all", "load"):
                report_loads(browser, base, args.loads)
            if args.part in ("all", "wallboard"):
                measure_wallboard(browser, base, sip_port, tmp, args)
            browser.close()
        done = True
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if done:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} (serve.log, sipp-callers.log)", file=sys.stderr)


if __name__ == "__main__":
    main()
