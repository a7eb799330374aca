"""Terms of order texts and their clusters: jieba words (two characters or more, no stop words,
no digits), TF-IDF weights over a corpus, cosine similarity, and a single-pass centroid clustering (each text
joins the cluster whose centroid is most similar at or above a threshold, or starts one).

Pure functions plus a token cache the caller keeps (orders never change their words once
created, so tokenising each once per process is enough)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

_STOP_WORDS = (
    "我们 你们 他们 这个 那个 一个 没有 可以 希望 请求 反映 问题 情况 已经 进行 相关 有关 部门 "
    "市民 来电 咨询 要求 尽快 处理 解决 现在 目前 因为 所以 但是 如果 还是 就是 什么 怎么 一直 "
    "附近 这里 那里 时候 今天 昨天 每天 小区 社区 问一下 能否 是否 非常 严重 影响"
)
STOP = frozenset(_STOP_WORDS.split(" "))
_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$|^[a-z][a-z0-9]{2,}$")
_ready = False

Vector = dict[str, float]


def words(text: str) -> frozenset[str]:
    """The distinct content words of `text`."""
    global _ready
    import jieba

    if not _ready:
        jieba.setLogLevel(60)
        _ready = True
    norm = unicodedata.normalize("NFKC", text).lower()
    return frozenset(w for w in jieba.cut(norm) if _WORD.match(w) and w not in STOP)


class TokenCache:
    """Order id → its words, tokenised once."""

    def __init__(self) -> None:
        self._words: dict[int, frozenset[str]] = {}

    def get(self, order_id: int, text: str) -> frozenset[str]:
        found = self._words.get(order_id)
        if found is None:
            found = self._words[order_id] = words(text)
        return found


def idf(docs: Iterable[frozenset[str]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    n = 0
    for doc in docs:
        df.update(doc)
        n += 1
    return {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items()}


def vector(doc: frozenset[str], weights: Mapping[str, float]) -> Vector:
    v = {t: weights.get(t, 1.0) for t in doc}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {t: x / norm for t, x in v.items()}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(t, 0.0) for t, x in a.items())


def leader_clusters(vectors: list[Vector], threshold: float) -> list[list[int]]:
    """Indexes of `vectors` grouped: each joins the cluster whose centroid (the normalised sum of
    its members, so the words they share weigh most) is most similar, at or above `threshold`."""
    sums: list[Vector] = []
    centroids: list[Vector] = []
    members: list[list[int]] = []
    for i, v in enumerate(vectors):
        best, best_sim = -1, threshold
        for k, c in enumerate(centroids):
            sim = cosine(v, c)
            if sim >= best_sim:
                best, best_sim = k, sim
        if best < 0:
            sums.append(dict(v))
            centroids.append(dict(v))
            members.append([i])
            continue
        total = sums[best]
        for t, x in v.items():
            total[t] = total.get(t, 0.0) + x
        norm = math.sqrt(sum(x * x for x in total.values())) or 1.0
        centroids[best] = {t: x / norm for t, x in total.items()}
        members[best].append(i)
    return members


def top_terms(vectors: Iterable[Vector], n: int = 5) -> list[str]:
    total: dict[str, float] = {}
    for v in vectors:
        for t, x in v.items():
            total[t] = total.get(t, 0.0) + x
    return sorted(total, key=lambda t: (-total[t], t))[:n]


def poisson_sf(k: int, lam: float) -> float:
    """P(X ≥ k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    term = math.exp(-lam)
    below = term
    for i in range(1, k):
        term *= lam / i
        below += term
    return max(0.0, 1.0 - below) if below < 0.999 else _tail(k, lam)


def _tail(k: int, lam: float) -> float:
    """The upper tail summed directly (precise when it is tiny)."""
    term = math.exp(-lam + k * math.log(lam) - math.lgamma(k + 1)) if lam > 0 else 0.0
    total = 0.0
    i = k
    while term > 1e-300 and i < k + 1000:
        total += term
        i += 1
        term *= lam / i
    return total
