"""End-to-end fixtures: the real `hotline serve` on a temp SQLite with demo data, and headless Chromium.

The server runs as a subprocess exactly as `make run` starts it (migrations, demo load, serve), on
a free port. The browser is Debian's /usr/bin/chromium driven by the Python Playwright package
(no browser download); Playwright gives each launch a fresh temporary profile. Pages are opened
at http://localhost:PORT so the Secure session cookie is accepted over plain HTTP (Chromium
treats localhost as a secure context).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotline.demo import demo_sip_passwords
from tests.e2e.zh import COUNT_FETCHES

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "dist"
SCREENSHOTS = FRONTEND / "e2e" / "screenshots"
AXE_JS = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
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
HOTLINE = str(Path(sys.executable).with_name("hotline"))
# Demo users (hotline/demo.py): username -> (password, role).
DEMO_USERS: dict[str, tuple[str, str]] = {
    "admin": ("admin1234", "admin"),
    "banzhang": ("demo1234", "supervisor"),
    "agent1": ("demo1234", "agent"),
    "zhijian": ("demo1234", "qa_inspector"),
    "yanglao": ("demo1234", "department_handler"),
    "fenxi": ("demo1234", "analyst"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def free_sip_port() -> int:
    """A port free for both UDP and TCP (the telephony engine binds both)."""
    for _ in range(50):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free UDP+TCP port")


def _ensure_console_built() -> None:
    if (DIST / "index.html").exists():
        return
    if shutil.which("npm") is None:
        pytest.skip("frontend/dist is not built and npm is missing (run scripts/frontend.sh build)")
    subprocess.run([str(ROOT / "scripts" / "frontend.sh"), "build"], check=True, timeout=300)


SMS_SECRET = "e2e-sms-secret"


def send_sms(base_url: str, message_id: str, sender: str, text: str) -> dict[str, Any]:
    """A citizen's SMS as the gateway's signed webhook delivers it (hotline.channels.sms)."""
    from hotline.channels.sms import sign

    body = json.dumps({"message_id": message_id, "from": sender, "text": text}).encode()
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Hotline-Timestamp": ts,
        "X-Hotline-Signature": sign(SMS_SECRET, ts, body),
    }
    resp = httpx.post(
        base_url.replace("localhost", "127.0.0.1") + "/api/channels/sms", content=body, headers=headers
    )
    assert resp.status_code < 300, resp.text
    out: dict[str, Any] = resp.json()
    return out


# Where the running server listens: "sip_port" (telephony engine, UDP+TCP on 127.0.0.1);
# "sip_passwords", the demo extensions' SIP passwords `hotline demo load` generated for this server;
# "relay", the SMTP relay (aiosmtpd) its outgoing mail goes through, with the messages it took.
SERVER_INFO: dict[str, Any] = {}


class Relay:
    """The mail relay the server sends through: keeps every message (staff notifications, acks)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def _start(env: dict[str, str], tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `hotline serve` on free ports; retry when a port was taken meanwhile (parallel suites)."""
    for _attempt in range(3):
        port, sip_port = free_port(), free_sip_port()
        env = {**env, "HOTLINE_HTTP_PORT": str(port), "HOTLINE_SIP__PORT": str(sip_port)}
        SERVER_INFO["sip_port"] = sip_port
        SERVER_INFO["log"] = tmp / "serve.log"
        with (tmp / "serve.log").open("wb") as log:
            proc = subprocess.Popen(
                [HOTLINE, "serve"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return proc, f"http://localhost:{port}"
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        proc.kill()
        proc.wait()
    raise RuntimeError("hotline serve did not start:\n" + (tmp / "serve.log").read_text()[-3000:])


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    """Base URL of a running hotline with demo data."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (make test installs it)")
    _ensure_console_built()
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-"))
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp / 'hotline.db'}",
        "HOTLINE_DATA_DIR": str(tmp),
        "HOTLINE_HTTP_HOST": "127.0.0.1",
        "HOTLINE_LOG_JSON": "true",
        # SIPp phones do not answer OPTIONS: a qualify probe landing on one would count as its
        # (failed) call and end the phone's scenario, making call tests depend on timing.
        "HOTLINE_SIP__QUALIFY_SECONDS": "0",
        # Calls here hear silence where a prompt would play (no `hotline ivr prompts`); a flow a
        # test publishes must not start speaking its prompts halfway through another test's call.
        "HOTLINE_IVR_SPEAK_ON_PUBLISH": "false",
        # Citizens write in by SMS (signed webhook, `send_sms`); with no gateway to answer them, an
        # answer's first failed try is its last, so the answers' outbox has a dead one to retry.
        "HOTLINE_CHANNELS_SMS_SECRET": SMS_SECRET,
        "HOTLINE_CHANNELS_REPLY_MAX_ATTEMPTS": "1",
        "HOTLINE_CHANNELS_MAILBOX_PORT": str(free_port()),
    }
    if shutil.which("rtpengine"):
        # Browser phones: SIP over WebSocket and the engine's own rtpengine as the WebRTC bridge
        # (its RTP ports in this worker's slice).
        from tests.parallel import rtp_block

        base = rtp_block(1000)
        SERVER_INFO["ws_port"] = free_port()
        env |= {
            "HOTLINE_SIP__WS_ENABLED": "true",
            "HOTLINE_SIP__WS_PORT": str(SERVER_INFO["ws_port"]),
            "HOTLINE_SIP__WEBRTC_BRIDGE": SERVER_INFO.setdefault(
                "webrtc_bridge", f"127.0.0.1:{free_sip_port()}"
            ),
            "HOTLINE_SIP__WEBRTC_BRIDGE_START": "true",
            "HOTLINE_SIP__WEBRTC_PORT_MIN": str(base),
            "HOTLINE_SIP__WEBRTC_PORT_MAX": str(base + 998),
            # Opus to the browser (off by default): real Chromium takes it, the bridge transcodes
            "HOTLINE_SIP__WEBRTC_OPUS": "true",
        }
    from aiosmtpd.controller import Controller

    relay = Relay()
    relay_ctl = Controller(relay, hostname="127.0.0.1", port=free_port())
    relay_ctl.start()
    SERVER_INFO["relay"] = relay
    env["HOTLINE_CHANNELS_SMTP_RELAY_PORT"] = str(relay_ctl.port)
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([HOTLINE, *args], env=env, cwd=tmp, check=True, capture_output=True, timeout=180)
    SERVER_INFO["sip_passwords"] = demo_sip_passwords(tmp)
    proc, base = _start(env, tmp)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        relay_ctl.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def server_log(*needles: str, limit: int = 40) -> str:
    """The running server's log lines that mention any of `needles` (the last `limit`): what a
    failing call test prints beside SIPp's side of the story."""
    path = SERVER_INFO.get("log")
    if path is None or not Path(path).exists():
        return ""
    lines = Path(path).read_text("utf-8", "replace").splitlines()
    hits = [line for line in lines if any(n in line for n in needles)] if needles else lines
    return "\n".join(hits[-limit:])


# Module scope, not session: Playwright's sync API keeps an asyncio loop marked as running in
# this thread while it is open, which would break every later test that calls asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Any, server: str) -> Iterator[Callable[[], Any]]:
    """Factory of pages, each in its own context (own cookies), zh-CN, 1440x900."""
    contexts: list[Any] = []

    def make() -> Any:
        ctx = browser.new_context(
            base_url=server,
            locale="zh-CN",
            viewport={"width": 1440, "height": 900},
            timezone_id="Asia/Shanghai",
        )
        ctx.set_default_timeout(10_000)
        ctx.add_init_script(COUNT_FETCHES)  # for tests.e2e.zh.settled_text
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def login(page: Any, username: str) -> None:
    password = DEMO_USERS[username][0]
    page.goto("/login")
    page.get_by_test_id("username").fill(username)
    page.get_by_test_id("password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.get_by_test_id("current-user").wait_for()
    # Tests' own API calls (page.request) send the CSRF token as the console's fetch client does.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "hotline_csrf")
    page.context.set_extra_http_headers({"X-CSRF-Token": csrf})


# The agent states in which a call is on the agent's phone (ringing, talking, on hold).
IN_A_CALL = ("ringing", "talking", "hold")


def agent_at_rest(page: Any) -> dict[str, Any]:
    """The agent signed in on `page` as a test that has not touched them yet expects to find them:
    signed out of the queues, not in a call or wrap-up, answering on the desk phone. The e2e
    server is shared, so an earlier test may have left them ready, in wrap-up, in a call its
    SIPp caller never ended, or on the browser phone. Done through the API the console uses;
    returns the server's view of the agent once it says so."""
    me: dict[str, Any] = page.request.get("/api/calls/agent/me").json()
    deadline = time.monotonic() + 15
    while me["state"] != "logged_out":
        if me["state"] in IN_A_CALL:
            page.request.post("/api/calls/agent/hangup")  # an earlier test's call: wrap-up next
        else:
            assert page.request.post("/api/calls/agent/logout").ok
        me = page.request.get("/api/calls/agent/me").json()
        assert me["state"] == "logged_out" or time.monotonic() < deadline, me
        if me["state"] != "logged_out":
            page.wait_for_timeout(200)
    phone = page.request.get("/api/telephony/phone")
    if phone.ok and phone.json()["mode"] != "desk":
        assert page.request.put("/api/telephony/phone", data={"mode": "desk"}).ok
        # A console opened in browser mode registered its own phone: reopen it without one.
        page.reload()
        page.get_by_test_id("current-user").wait_for()
    return me


def agent_ready(page: Any) -> dict[str, Any]:
    """The agent signed in on `page` freshly signed in to the queues and 示闲 (from `agent_at_rest`),
    for a test whose subject is a call rather than 签入 itself."""
    agent_at_rest(page)
    me: dict[str, Any] = page.request.post("/api/calls/agent/login").json()
    assert me["state"] == "ready", me
    return me


def end_leftover_calls(page: Any) -> None:
    """End every call earlier tests left in the call center (as a supervisor, the wallboard's force
    hang-up): a caller who hung up while queued is owed a callback that rings the first agent to
    sign in, so a test about its own call must start with none."""
    for call in page.request.get("/api/calls/live").json():
        page.request.post(f"/api/calls/live/{call['call_id']}/hangup")  # 404 if it ended meanwhile
    deadline = time.monotonic() + 15
    while left := page.request.get("/api/calls/live").json():
        assert time.monotonic() < deadline, left
        page.wait_for_timeout(200)


@pytest.fixture
def no_calls_left(new_page: Callable[[], Any]) -> None:
    """`end_leftover_calls` before the test, from a shift lead's page of its own."""
    sup = new_page()
    login(sup, "banzhang")
    end_leftover_calls(sup)


def clear_emergencies(page: Any) -> None:
    """Acknowledge the emergency alerts earlier tests left open (as a supervisor, through the API):
    a test that raises its own must find the wallboard without them."""
    for alert in page.request.get("/api/calls/emergencies").json():
        assert page.request.post(f"/api/calls/emergencies/{alert['call_id']}/ack").ok
    assert page.request.get("/api/calls/emergencies").json() == []


def screenshot(page: Any, name: str) -> Path | None:
    """The committed screenshot `name`, refreshed only when asked (`HOTLINE_SCREENSHOTS=1`): an
    ordinary run must leave the tree clean, and pixels differ from run to run (clocks, timers)."""
    page.wait_for_load_state("networkidle")
    if os.environ.get("HOTLINE_SCREENSHOTS") != "1":
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(r => ({
  violations: r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').slice(0, 300)),
  })),
}))"""


def axe_serious(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current page."""
    if not AXE_JS.exists():
        pytest.skip("axe-core is not installed (npm ci in frontend/)")
    # Colours are judged as painted: an element still fading in (opacity < 1) would fail contrast
    # for a moment, so let finite transitions and animations finish first.
    # Two frames first: a transition a click just asked for (a popover fading in) starts on the
    # next frame, and would not be among the animations to wait for yet.
    page.evaluate(
        """() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))
            .then(() => Promise.race([
            Promise.all(document.getAnimations()
                .filter((a) => a.effect && a.effect.getComputedTiming().iterations !== Infinity)
                .map((a) => a.finished.catch(() => null))),
            new Promise((resolve) => setTimeout(resolve, 3000)),
        ]))"""
    )
    # Evaluated through the DevTools protocol, not as an inline <script> that the console's
    # Content-Security-Policy (script-src 'self') rightly refuses.
    page.evaluate(AXE_JS.read_text() + "\n;undefined")
    result: dict[str, Any] = page.evaluate(AXE_RUN)
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Any) -> None:
    violations = axe_serious(page)
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in violations
    )
    assert not violations, report


def submit_order(page: Any, button: str = "wo-dispatch") -> None:
    """Click 派单 (or 保存) in the workspace form and wait for the new order's toast. Earlier tests on
    this shared server may have filed a similar order for the same caller: the form then asks
    whether this is a new matter (duplicate confirmation), answered "仍然新建" here."""
    page.get_by_test_id(button).click()
    box = page.locator(".el-message-box", has_text="疑似重复")
    toast = page.locator(".el-message", has_text="工单已创建")
    box.or_(toast).first.wait_for()
    if box.is_visible():
        box.get_by_role("button", name="仍然新建").click()
    toast.wait_for()


@pytest.fixture
def sipp_dir() -> Iterator[Path]:
    """A scratch directory for SIPp scenarios and logs (skips without sipp)."""
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (make test installs sip-tester)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-sipp-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def shift_page(new_page: Callable[[], Any], user: str) -> Any:
    """A signed-in page at 1366×768, the smallest screen a role works its day on."""
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, user)
    return page
