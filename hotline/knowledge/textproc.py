"""Chinese text handling for search: normalization, character n-grams, synonyms and abbreviations,
pinyin initials, and jieba word segmentation of queries.

Why character n-grams rather than words for the index: a word segmenter decides once, at index
time, where words end, and a caller's phrasing segmented differently then misses; 1- and 2-character
grams match any substring, so 1-character (“孤”) and 2-character (“低保”) queries always work.
Words (jieba) are still used on the query side, for phrase boosts and highlighting.
"""

from __future__ import annotations

import re
import unicodedata
from html import escape

# Synonym and abbreviation groups: any member found in a text makes the whole group searchable.
SYNONYMS: list[list[str]] = [
    ["最低生活保障", "低保", "低保金", "低保户"],
    ["特困人员救助供养", "特困供养", "特困人员", "五保", "五保户", "特困"],
    ["残疾人证", "残疾证", "残疾人证件"],
    ["残疾人两项补贴", "两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴", "残补"],
    ["高龄津贴", "高龄补贴", "老年人津贴", "长寿金", "高龄老人补贴"],
    ["临时救助", "急难救助", "应急救助"],
    ["孤儿基本生活费", "孤儿生活费", "孤儿补贴"],
    ["事实无人抚养儿童", "事实孤儿", "无人抚养儿童"],
    ["居家养老服务补贴", "居家养老补贴", "养老服务补贴", "居家养老"],
    ["养老机构", "养老院", "敬老院", "福利院", "老年公寓"],
    ["身份证", "身份证件", "居民身份证"],
    ["户口本", "户口簿", "户籍证明"],
    ["申请", "办理", "申领", "怎么办"],
    ["多少钱", "标准", "金额", "发多少"],
    ["老年人", "老人", "老年", "长者"],
    ["婚姻登记", "结婚登记", "离婚登记", "领证"],
    ["殡葬", "火化", "丧葬", "骨灰"],
    ["残疾人", "残障人士", "残疾人士"],
    ["医疗救助", "看病救助", "大病救助"],
    ["助餐", "老年食堂", "长者食堂", "助餐点"],
]

_MEMBER_TO_GROUP: dict[str, int] = {m: i for i, g in enumerate(SYNONYMS) for m in g}
# Longest first, so "最低生活保障" wins over a shorter member inside it.
_MEMBERS = sorted(_MEMBER_TO_GROUP, key=len, reverse=True)

_KEEP = re.compile(r"[0-9a-z\u3400-\u9fff]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
PINYIN_QUERY = re.compile(r"^[a-z]{2,12}$")


_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
_CN_NUMBER = re.compile(
    r"([一二两三四五六七八九])?百([零一二三四五六七八九])?|([一二三四五六七八九])?十([一二三四五六七八九])?"
)


def _cn_number(m: re.Match[str]) -> str:
    if "百" in m.group(0):
        hundreds = _DIGIT[m.group(1)] if m.group(1) else 1
        return str(hundreds * 100 + (_DIGIT[m.group(2)] if m.group(2) else 0))
    tens = _DIGIT[m.group(3)] if m.group(3) else 1
    return str(tens * 10 + (_DIGIT[m.group(4)] if m.group(4) else 0))


# Full-width letters and digits (Ａ１) to half-width: the part of NFKC that matters here (other
# full-width punctuation is dropped anyway). NFKC itself was the top cost of indexing, and even a
# translate table costs more than first checking whether there is anything to translate.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH_ALNUM = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, Chinese numbers with 十/百 to digits (callers say
    八十岁, policies write 80周岁), punctuation and spaces to single spaces."""
    if _FULLWIDTH_ALNUM.search(text):
        text = text.translate(_FULLWIDTH)
    text = text.lower()
    if "十" in text or "百" in text:
        text = _CN_NUMBER.sub(_cn_number, text)
    return " ".join(_KEEP.findall(text))


def runs(text: str) -> list[str]:
    return normalize(text).split()


def bigrams(text: str) -> list[str]:
    """Character bigrams within each run (a 1-character run yields itself), in order."""
    out: list[str] = []
    for run in runs(text):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def unigrams(text: str) -> list[str]:
    return [c for run in runs(text) for c in run]


def synonym_groups(text: str) -> set[int]:
    norm = normalize(text)
    return {_MEMBER_TO_GROUP[m] for m in _MEMBERS if m in norm}


def expansions(text: str) -> list[str]:
    """Every member of every synonym group that occurs in `text` (for the index's synonym field)."""
    return [m for g in sorted(synonym_groups(text)) for m in SYNONYMS[g]]


def query_variants(query: str, limit: int = 6) -> list[str]:
    """The query plus rewrites with each synonym member swapped for the others of its group."""
    norm = normalize(query)
    out = [norm]
    for member in _MEMBERS:
        if member not in norm or len(out) >= limit:
            continue
        for other in SYNONYMS[_MEMBER_TO_GROUP[member]]:
            if other != member and len(out) < limit:
                candidate = norm.replace(member, other)
                if candidate not in out:
                    out.append(candidate)
    return out


_INITIALS: dict[int, str] = {}


def _initials_table() -> dict[int, str]:
    """Code point -> first letter of its first listed reading, from pypinyin's own dictionary."""
    if not _INITIALS:
        from pypinyin.pinyin_dict import pinyin_dict

        for cp, readings in pinyin_dict.items():
            letter = unicodedata.normalize("NFD", readings.split(",")[0])[:1]
            if letter.isascii() and letter.isalpha():
                _INITIALS[cp] = letter
    return _INITIALS


def initials(text: str) -> str:
    """Pinyin first letters of the Chinese characters in `text` (“低保申请” -> “dbsq”).

    One reading per character (the first in pypinyin's dictionary) through `str.translate`:
    phrase-level conversion (which picks readings by context) costs ~0.5 ms a phrase and made
    indexing 100,000 articles take minutes; callers typing initials use the common reading.
    """
    return "".join(_CJK.findall(text)).translate(_initials_table())


def letter_bigrams(s: str) -> list[str]:
    if len(s) < 2:
        return [s] if s else []
    return [s[i : i + 2] for i in range(len(s) - 1)]


def is_pinyin_query(query: str) -> bool:
    return bool(PINYIN_QUERY.match(normalize(query).replace(" ", "")))


_jieba_ready = False


def words(query: str) -> list[str]:
    """jieba words of the query (loaded lazily, once), longest-first for highlighting."""
    global _jieba_ready
    import jieba

    if not _jieba_ready:
        jieba.setLogLevel(60)
        for group in SYNONYMS:
            for member in group:
                jieba.add_word(member)
        _jieba_ready = True
    found = {w for w in jieba.cut_for_search(normalize(query)) if w.strip()}
    return sorted(found, key=len, reverse=True)


def highlight(text: str, terms: list[str], width: int = 80) -> str:
    """A snippet of `text` around the first match with every term wrapped in <em>…</em>.

    Terms are matched case-insensitively on the raw text; overlapping matches merge; the text
    itself is HTML-escaped so only our <em> tags are markup.
    """
    spans: list[tuple[int, int]] = []
    lower = text.lower()
    for term in terms:
        if not term:
            continue
        start = lower.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = lower.find(term, start + 1)
    if not spans:
        return escape(text[:width]) + ("…" if len(text) > width else "")
    spans.sort()
    merged: list[tuple[int, int]] = [spans[0]]
    for s, e in spans[1:]:
        if s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    begin = max(0, merged[0][0] - width // 4)
    end = min(len(text), begin + width)
    out, pos = [], begin
    for s, e in merged:
        if s >= end:
            break
        s, e = max(s, pos), min(e, end)
        out.append(escape(text[pos:s]))
        out.append(f"<em>{escape(text[s:e])}</em>")
        pos = e
    out.append(escape(text[pos:end]))
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + "".join(out) + suffix
