"""Saying a number in Mandarin from a few recorded words (零 一 … 九 十 百 千 万).

`number_prompts(n)` gives the prompt names that read `n` aloud the usual way (十二, 二十, 一百零一,
一千零一十, 十万零五), so the waiting room can announce any place in line from fourteen short
recordings instead of one recording per number. `NUMBER_WORDS` is what each prompt says (for TTS).
"""

from __future__ import annotations

DIGITS = "零一二三四五六七八九"
UNITS = {10: "十", 100: "百", 1000: "千", 10000: "万"}
NUMBER_WORDS = {f"num-{i}": DIGITS[i] for i in range(10)} | {f"num-{u}": w for u, w in UNITS.items()}
LIMIT = 99_999_999  # 九千九百九十九万…: more than any queue will hold


def _below_10000(n: int, leading: bool) -> list[str]:
    """Prompts for 0 < n < 10000; `leading` when nothing is said before it (十二, not 一十二)."""
    out: list[str] = []
    gap = False  # a zero digit since the last one said: one 零 before the next
    for unit in (1000, 100, 10, 1):
        digit = n // unit % 10
        if digit == 0:
            gap = bool(out)
            continue
        if gap:
            out.append("num-0")
            gap = False
        if not (unit == 10 and digit == 1 and leading and not out):
            out.append(f"num-{digit}")
        if unit > 1:
            out.append(f"num-{unit}")
    return out


def number_prompts(n: int) -> list[str]:
    """Prompt names reading `n` (0 … 99,999,999; larger numbers are clamped) in Mandarin."""
    n = max(0, min(n, LIMIT))
    if n == 0:
        return ["num-0"]
    high, low = divmod(n, 10000)
    if not high:
        return _below_10000(low, leading=True)
    out = [*_below_10000(high, leading=True), "num-10000"]
    if low:
        if low < 1000:
            out.append("num-0")  # 一万零五, 十万零三百
        out += _below_10000(low, leading=False)
    return out


def say(n: int) -> str:
    """The words `number_prompts(n)` speak (for tests and the IVR simulator)."""
    return "".join(NUMBER_WORDS[p] for p in number_prompts(n))
