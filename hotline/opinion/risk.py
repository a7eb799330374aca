"""The risk score of an item, 0..100: how negative × how fast the story spreads × how sensitive.

    risk = 100 × negative × (0.25 + 0.75 × sensitive) × (0.4 + 0.6 × velocity)

`sensitive` is the weight of the sensitive terms found (虐待, 死亡, 曝光, 投诉无果, …; capped at
1), `velocity` the copies of the story seen in the last `WINDOW` on a log scale (1 copy 0.24,
3 copies 0.49, 16 or more 1.0). Each factor has a floor, so a lone, very negative post about abuse
is still noticed (~52) while an alert (`HIGH` = 60) needs either spread or several signals; a
calm notice with a sensitive word stays low because it is not negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from hotline.opinion.rules import fold

HIGH = 60.0
WINDOW = timedelta(hours=24)
SATURATION = 16  # copies within the window at which spread counts in full

# Terms a supervisor must not miss, and how much each weighs (sum capped at 1).
SENSITIVE: dict[str, float] = {
    "虐待": 1.0,
    "死亡": 1.0,
    "身亡": 1.0,
    "猝死": 1.0,
    "跳楼": 1.0,
    "自杀": 1.0,
    "殴打": 0.8,
    "投诉无果": 0.8,
    "曝光": 0.6,
    "不作为": 0.6,
    "失踪": 0.6,
    "冻死": 1.0,
    "饿死": 1.0,
    "克扣": 0.5,
    "维权": 0.4,
    "举报": 0.4,
    "欠薪": 0.4,
    "冷漠": 0.3,
}


@dataclass(frozen=True)
class Risk:
    score: float
    terms: list[str]
    sensitive: float
    velocity: float


def sensitive_terms(text: str) -> list[str]:
    folded = fold(text)
    return [t for t in SENSITIVE if t in folded]


def velocity(copies_in_window: int) -> float:
    return min(1.0, math.log2(1 + max(copies_in_window, 0)) / math.log2(1 + SATURATION))


def score(negative: float, copies_in_window: int, text: str) -> Risk:
    terms = sensitive_terms(text)
    sens = min(1.0, sum(SENSITIVE[t] for t in terms))
    vel = velocity(copies_in_window)
    value = 100.0 * max(0.0, min(1.0, negative)) * (0.25 + 0.75 * sens) * (0.4 + 0.6 * vel)
    return Risk(round(value, 1), terms, sens, round(vel, 3))
