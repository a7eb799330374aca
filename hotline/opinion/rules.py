"""Topic rules: boolean expressions of keywords, and the tester the console calls.

    (养老院 OR 敬老院 OR 福利院) AND (虐待 OR 殴打) AND NOT 演习
    东城区 "投诉无果"                     (juxtaposition is AND; quotes keep spaces in a phrase)

Operators are AND, OR, NOT (also 且 / 或 / 非, and `&`, `|`, `-` before a term) with the usual
precedence NOT > AND > OR and parentheses. A keyword matches where it appears in the text after
NFKC and lower-casing (full-width letters and digits match half-width ones); district and
institution names are keywords like any other. `compile_rule` turns a malformed expression into a
422 naming the position; `evaluate` says whether the text matches and which keywords were found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from hotline.errors import Invalid

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|([^\s()"]+))')
_OPS = {"and": "AND", "且": "AND", "&": "AND", "or": "OR", "或": "OR", "|": "OR", "not": "NOT", "非": "NOT"}
MAX_LEN = 2000


@dataclass(frozen=True)
class Term:
    word: str


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = Term | Not | And | Or


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _tokens(expr: str) -> list[tuple[str, str, int]]:
    """(kind, value, position): kinds ( ) AND OR NOT TERM."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if m is None:
            raise _bad(expr, pos, "unbalanced quote")
        start = m.start() + len(m.group(0)) - len(m.group(0).lstrip())
        if m.group(1):
            out.append(("(", "(", start))
        elif m.group(2):
            out.append((")", ")", start))
        elif m.group(3) is not None:
            if not m.group(3).strip():
                raise _bad(expr, start, "empty phrase")
            out.append(("TERM", fold(m.group(3)), start))
        else:
            word = m.group(4)
            op = _OPS.get(word.lower())
            if op:
                out.append((op, word, start))
            elif word.startswith("-") and len(word) > 1:
                out.append(("NOT", "-", start))
                out.append(("TERM", fold(word[1:]), start + 1))
            else:
                out.append(("TERM", fold(word), start))
        pos = m.end()
    return out


def _bad(expr: str, pos: int, what: str) -> Invalid:
    return Invalid(
        f"rule expression: {what} at position {pos + 1}",
        f"规则表达式第 {pos + 1} 个字符处有误：{what}",
        position=pos + 1,
    )


class _Parser:
    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.toks = _tokens(expr)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def where(self) -> int:
        return self.toks[self.i][2] if self.i < len(self.toks) else len(self.expr)

    def parse(self) -> Node:
        if not self.toks:
            raise _bad(self.expr, 0, "empty rule")
        node = self.or_()
        if self.peek() is not None:
            raise _bad(self.expr, self.where(), f"unexpected {self.toks[self.i][1]!r}")
        return node

    def or_(self) -> Node:
        parts = [self.and_()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_(self) -> Node:
        parts = [self.not_()]
        while self.peek() in ("AND", "NOT", "TERM", "("):
            if self.peek() == "AND":
                self.take()
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_(self) -> Node:
        if self.peek() == "NOT":
            self.take()
            return Not(self.not_())
        return self.atom()

    def atom(self) -> Node:
        kind = self.peek()
        if kind == "(":
            self.take()
            node = self.or_()
            if self.peek() != ")":
                raise _bad(self.expr, self.where(), "missing )")
            self.take()
            return node
        if kind == "TERM":
            return Term(self.take()[1])
        raise _bad(self.expr, self.where(), "a keyword or ( expected")


def compile_rule(expr: str) -> Node:
    if len(expr) > MAX_LEN:
        raise Invalid("rule expression too long", "规则表达式过长")
    return _Parser(expr).parse()


def terms(node: Node) -> list[str]:
    if isinstance(node, Term):
        return [node.word]
    if isinstance(node, Not):
        return terms(node.inner)
    return [w for p in node.parts for w in terms(p)]


def _eval(node: Node, text: str) -> bool:
    if isinstance(node, Term):
        return node.word in text
    if isinstance(node, Not):
        return not _eval(node.inner, text)
    if isinstance(node, And):
        return all(_eval(p, text) for p in node.parts)
    return any(_eval(p, text) for p in node.parts)


@dataclass(frozen=True)
class Verdict:
    matched: bool
    found: list[str]  # keywords of the rule that appear in the text (NOT ones included)


def evaluate(node: Node, text: str) -> Verdict:
    folded = fold(text)
    found = list(dict.fromkeys(w for w in terms(node) if w in folded))
    return Verdict(_eval(node, folded), found)
