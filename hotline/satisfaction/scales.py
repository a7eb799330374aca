"""The rating scales a caller answers on the keypad, and what each key means.

Two scales: 3 (press 1 满意, 2 基本满意, 3 不满意: what Chinese government hotlines play) and 5
(press 1 to 5, 5 the best). Every answer is kept as its key, a score where higher is better
(1..scale) and a level: satisfied, basically satisfied, dissatisfied, or unrated (未评价: no key,
a key not on the scale twice, or the caller hung up). The satisfaction rate counts satisfied and
basically satisfied among the rated answers (docs/kpi.md); on the 5-point scale 4-5 are
satisfied, 3 basically satisfied and 1-2 dissatisfied. The spoken words of each scale are here
too, so the prompt and the meaning of the keys never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

SCALES = (3, 5)
DIGIT_WORDS = "零一二三四五六七八九"


class Level(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"
    unrated = "unrated"


LEVEL_LABELS_ZH = {
    Level.satisfied: "满意",
    Level.basically_satisfied: "基本满意",
    Level.dissatisfied: "不满意",
    Level.unrated: "未评价",
}
RATED = (Level.satisfied, Level.basically_satisfied, Level.dissatisfied)
POSITIVE = (Level.satisfied, Level.basically_satisfied)  # counted in the satisfaction rate


@dataclass(frozen=True)
class Rating:
    key: str | None
    score: int | None
    level: Level


def rate(scale: int, key: str | None) -> Rating | None:
    """What `key` means on `scale`; None when it is not one of the scale's keys."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale}")
    if key is None or len(key) != 1 or not key.isdigit() or not 1 <= int(key) <= scale:
        return None
    n = int(key)
    if scale == 3:
        score = 4 - n  # 1 满意 is the best
        level = (Level.satisfied, Level.basically_satisfied, Level.dissatisfied)[n - 1]
    else:
        score = n
        level = Level.satisfied if n >= 4 else Level.basically_satisfied if n == 3 else Level.dissatisfied
    return Rating(key, score, level)


def unrated() -> Rating:
    return Rating(None, None, Level.unrated)


QUESTIONS = {
    3: "请您对本次服务进行评价。满意请按1，基本满意请按2，不满意请按3。",
    5: "请您为本次服务打分。非常满意请按5，满意请按4，一般请按3，不满意请按2，非常不满意请按1。",
}
THANKS = "感谢您的评价，再见。"
AGAIN = "您的按键有误，请重新评价。"


def question_prompt(scale: int) -> str:
    """The name of the scale's spoken question (a recorded WAV of this name wins over TTS)."""
    return f"satisfaction-survey-{scale}"


def spoken_digits(number: str) -> str:
    """An agent number read digit by digit, as callers hear numbers on the phone (1023: 一零二三)."""
    return "".join(DIGIT_WORDS[int(d)] if d.isdigit() else d for d in number)


def announcement(number: str) -> str:
    """What the caller hears when the agent connects: X号话务员为您服务."""
    return f"{spoken_digits(number)}号话务员为您服务。"


def announcement_prompt(number: str) -> str:
    return f"agent-number-{number}"
