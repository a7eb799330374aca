"""The Chinese-text scan shared by the e2e tests: the rendered text of a zh-CN page must show
neither raw i18n keys (`admin.wrapUp`, `body.username`) nor internal English codes
(`longest_idle`, `published`, `answered`...).

Cells that legitimately show a code (the 编码 column, a prompt's file name) carry the class
`raw-ok` and are left out of the scan; so are inputs' values (what a user typed).
"""

from __future__ import annotations

import re
import time
from typing import Any

NAMESPACES = (
    "app|common|roles|nav|auth|agent|wo|kb|wall|ivr|rec|hours|tel|admin|emergency|body|query|cfg|inbox|c360"
    "|chan|notify|wf|sv|svr|an"
)
RAW_KEY = re.compile(rf"\b(?:{NAMESPACES})\.[a-zA-Z_]+\b")
# Internal codes that must be shown through a label, never as they are.
CODES = [
    "longest_idle",
    "round_robin",
    "fewest_calls",
    "least_talk_time",
    "ring_all",
    "skill_level",
    "linear",
    "published",
    "draft",
    "answered",
    "abandoned",
    "inquiry",
    "normal",
    "rest",
    "elderly",
    "general",
    "voicemail",
    "callback",
    "hangup",
    "enqueue",
    "no_input",
    "target_kind",
    "retries",
    "options",
    "cases",
    "default",
    "prompt",
    "text",
    "timeout",
    "login",
    "hotline",
    "help_request",
    "complaint",
    "approve_extension",
    "workorder_view",
    "business_hours",
    "unreachable",
    "points",
    "missing",
]
CODE_RE = re.compile(r"(?<![A-Za-z0-9_.\-/])(" + "|".join(CODES) + r")(?![A-Za-z0-9_\-/])")

VISIBLE_TEXT = """() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('.raw-ok, script, style, input, textarea').forEach(e => e.remove());
  // innerText needs layout: measure the clone off-screen.
  clone.style.position = 'absolute'; clone.style.left = '-99999px';
  document.documentElement.appendChild(clone);
  const text = clone.innerText;
  clone.remove();
  return text;
}"""


def problems(text: str) -> list[str]:
    found = {m.group(0) for m in RAW_KEY.finditer(text)} | {m.group(1) for m in CODE_RE.finditer(text)}
    return sorted(found)


def context(text: str, word: str) -> str:
    """The first place `word` stands in the page's text, with some text around it (for the report)."""
    i = text.find(word)
    return f"{word} «{text[max(0, i - 30) : i + len(word) + 30]}»".replace("\n", " ")


# Installed in every e2e browser context (tests/e2e/conftest.py): counts the page's fetches in flight.
COUNT_FETCHES = """(() => {
  let inflight = 0;
  const fetch = window.fetch;
  window.fetch = (...args) => {
    inflight++;
    return fetch.apply(window, args).finally(() => { inflight--; });
  };
  Object.defineProperty(window, '__inflight', { get: () => inflight });
})()"""


def settled_text(page: Any, quiet_ms: int = 250, most_s: float = 15) -> str:
    """The page's visible text once no fetch is in flight and the text stayed the same for
    `quiet_ms`. Playwright's "networkidle" alone is not enough: it resolves at once when the
    navigation's idle moment has passed, and on a busy CPU that moment can come before the route's
    component has even asked for its data (the recordings list then showed queue codes that its
    labels, still loading, replace). A page that never stops changing (a clock) is read after `most_s`."""
    page.wait_for_load_state("networkidle")
    deadline = time.monotonic() + most_s
    last: str | None = None
    while True:
        text: str = page.evaluate(VISIBLE_TEXT)
        idle = page.evaluate("() => (window.__inflight || 0) === 0")
        if (idle and text == last) or time.monotonic() > deadline:
            return text
        last = text if idle else None
        page.wait_for_timeout(quiet_ms)


def scan(page: Any, where: str, report: dict[str, list[str]]) -> None:
    text = settled_text(page)
    found = problems(text)
    if found:
        report[where] = [context(text, word) for word in found]


def assert_chinese(page: Any, where: str) -> None:
    """The page as rendered now has no raw key or English code (for one page of a shift walk)."""
    report: dict[str, list[str]] = {}
    scan(page, where, report)
    assert not report, f"{where}: {', '.join(report.get(where, []))}"


def check_page(page: Any, where: str) -> None:
    """One stop of a shift walk: the page in Chinese and axe-clean (serious/critical) as it is now."""
    from tests.e2e.conftest import assert_accessible

    assert_chinese(page, where)
    assert_accessible(page)
