"""Skip conditions to and from LimeSurvey's relevance equations (ExpressionScript), for the subset
both sides share: comparisons of a question (or a multiple-choice option, or a matrix row) with a
literal, `is_empty`, `and`/`or`/`!` and parentheses. Parsed by a small recursive-descent parser,
never evaluated: an equation outside the subset is a 422 naming the question, never code run.

Multiple choice in LimeSurvey is one subquestion per option ("Y" when ticked), so "Q2 includes
other" is written `Q2_other == "Y"` and read back as `{q: Q2, op: in, value: [other]}`.
"""

from __future__ import annotations

import re
from typing import Any

from hotline.surveys.definition import Condition, Question

_OPS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_BACK = {v: k for k, v in _OPS.items()}
_TOKEN = re.compile(
    r'\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(?P<op>==|!=|>=|<=|>|<|(?:eq|ne|gt|ge|lt|le)\b)'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)|(?P<punct>[()!]|&&|\|\|))"
)


def _lit(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_expression(cond: Condition, questions: dict[str, Question]) -> str:
    """The relevance equation of a condition."""
    if cond.all is not None:
        return "(" + " and ".join(to_expression(c, questions) for c in cond.all) + ")"
    if cond.any is not None:
        return "(" + " or ".join(to_expression(c, questions) for c in cond.any) + ")"
    if cond.not_ is not None:
        return "!(" + to_expression(cond.not_, questions) + ")"
    code, _, row = (cond.q or "").partition(".")
    var = f"{code}_{row}" if row else code
    q = questions.get(code)
    if cond.op in ("answered", "unanswered"):
        if q is not None and q.type == "multiple":
            inner = " or ".join(f'{code}_{o.code} == "Y"' for o in q.options)
            return f"({inner})" if cond.op == "answered" else f"!({inner})"
        return f"!is_empty({var}.NAOK)" if cond.op == "answered" else f"is_empty({var}.NAOK)"
    values = cond.value if isinstance(cond.value, list) else [cond.value]
    if q is not None and q.type == "multiple":
        inner = " or ".join(f'{code}_{v} == "Y"' for v in values)
        positive = cond.op in ("eq", "in")
        return f"({inner})" if positive else f"!({inner})"
    if cond.op in ("in", "not_in"):
        inner = " or ".join(f"{var}.NAOK == {_lit(v)}" for v in values)
        return f"({inner})" if cond.op == "in" else f"!({inner})"
    return f"({var}.NAOK {_OPS[str(cond.op)]} {_lit(values[0])})"


class _Parser:
    def __init__(self, text: str, questions: dict[str, Question]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ValueError(f"cannot read {text[pos : pos + 20]!r}")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.questions = questions

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ValueError("unexpected end")
        self.i += 1
        return tok

    def parse(self) -> dict[str, Any]:
        out = self.disjunction()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()}")
        return out

    def disjunction(self) -> dict[str, Any]:
        parts = [self.conjunction()]
        while self.peek() in (("word", "or"), ("punct", "||")):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def conjunction(self) -> dict[str, Any]:
        parts = [self.unary()]
        while self.peek() in (("word", "and"), ("punct", "&&")):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def unary(self) -> dict[str, Any]:
        tok = self.peek()
        if tok in (("punct", "!"), ("word", "not")):
            self.take()
            return {"not": self.unary()}
        if tok == ("punct", "("):
            self.take()
            inner = self.disjunction()
            if self.take() != ("punct", ")"):
                raise ValueError("missing )")
            return inner
        if tok == ("word", "is_empty"):
            self.take()
            if self.take() != ("punct", "("):
                raise ValueError("is_empty needs (")
            ref = self.ref(self.take())
            if self.take() != ("punct", ")"):
                raise ValueError("missing )")
            return {"q": ref, "op": "unanswered"}
        return self.comparison()

    def ref(self, tok: tuple[str, str]) -> str:
        if tok[0] != "word":
            raise ValueError(f"expected a question, got {tok[1]!r}")
        name = tok[1]
        for suffix in (".NAOK", ".value", ".code"):
            name = name.removesuffix(suffix)
        return name

    def comparison(self) -> dict[str, Any]:
        name = self.ref(self.take())
        kind, op = self.take()
        if kind != "op":
            raise ValueError(f"expected a comparison after {name}")
        vkind, raw = self.take()
        if vkind == "num":
            value: Any = float(raw) if "." in raw else int(raw)
        elif vkind == "str":
            value = raw[1:-1].replace('\\"', '"').replace("\\'", "'").replace("\\\\", "\\")
        else:
            raise ValueError(f"expected a literal after {name} {op}")
        op = _BACK.get(op, op)
        code, sub = name, ""
        if name not in self.questions:
            owner = max((c for c in self.questions if name.startswith(c + "_")), key=len, default=None)
            if owner is not None:
                code, sub = owner, name[len(owner) + 1 :]
        q = self.questions.get(code)
        if q is not None and q.type == "multiple" and sub:
            ticked = value == "Y"
            positive = (op == "eq") == ticked
            return {"q": code, "op": "in" if positive else "not_in", "value": [sub]}
        if q is not None and q.type == "matrix" and sub:
            return {"q": f"{code}.{sub}", "op": op, "value": value}
        return {"q": name, "op": op, "value": value}


def from_expression(text: str, questions: dict[str, Question]) -> dict[str, Any] | None:
    """A condition (raw, checked later with the definition) from a relevance equation; None for
    an always-true one ("", "1")."""
    text = (text or "").strip()
    if text in ("", "1"):
        return None
    return _Parser(text, questions).parse()
