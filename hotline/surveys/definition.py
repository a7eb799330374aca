"""The questionnaire definition: pages of typed questions, their options, skip conditions and phone
wording, as strict pydantic models, and the checks a definition must pass before it is saved.

One definition serves every way of answering: the web page shows `text`, an agent (CATI) or the
IVR reads `phone_text` (falling back to `text`); the IVR plays a question's recorded `prompt`
(a prompt library name) instead of speaking it, where the recording exists. A question's `code`
is its variable name in answers, exports and conditions (LimeSurvey's "title", SPSS's
variable), so it is restricted to what all three accept.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from hotline.errors import Invalid
from hotline.media.prompts import PROMPT_NAME
from hotline.schemas import StrictIn

QuestionType = Literal["single", "multiple", "rating", "nps", "number", "text", "longtext", "date", "matrix"]
CHOICE_TYPES = frozenset({"single", "multiple", "matrix"})
NUMERIC_TYPES = frozenset({"rating", "nps", "number"})
TEXT_TYPES = frozenset({"text", "longtext"})
CODE = r"^[A-Za-z][A-Za-z0-9_]{0,31}$"
OPTION_CODE = r"^[A-Za-z0-9_]{1,20}$"
Op = Literal["eq", "ne", "in", "not_in", "gt", "ge", "lt", "le", "answered", "unanswered"]
MAX_QUESTIONS = 300


class Option(StrictIn):
    code: str = Field(pattern=OPTION_CODE)
    label: str = Field(min_length=1, max_length=200)
    # "Other" / "don't know" keep their place when the rest is shuffled.
    fixed: bool = False


class Condition(StrictIn):
    """A structured condition on earlier answers: a leaf `{q, op, value}` or a group `all`/`any`/`not`.
    `q` names a question code, or `CODE.ROW` for one row of a matrix."""

    q: str | None = Field(None, max_length=64)
    op: Op | None = None
    value: str | float | list[str] | list[float] | None = None
    all: list[Condition] | None = Field(None, max_length=20)
    any: list[Condition] | None = Field(None, max_length=20)
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [self.q is not None, self.all is not None, self.any is not None, self.not_ is not None]
        if sum(kinds) != 1:
            raise ValueError("a condition is exactly one of: q+op, all, any, not")
        if self.q is not None and self.op is None:
            raise ValueError("a condition on a question needs op")
        return self


class Question(StrictIn):
    code: str = Field(pattern=CODE)
    type: QuestionType
    text: str = Field(min_length=1, max_length=1000)
    phone_text: str = Field("", max_length=1000, description="wording read by the IVR or an agent")
    prompt: str = Field(
        "",
        pattern=f"^({PROMPT_NAME.pattern})?$",
        description="a recorded prompt's name (prompt library) the IVR plays instead of TTS",
    )
    help: str = Field("", max_length=500)
    required: bool = False
    options: list[Option] = Field(default_factory=list, max_length=100)
    rows: list[Option] = Field(default_factory=list, max_length=50, description="matrix rows")
    randomize: bool = False
    min: float | None = Field(None, description="number: lowest; rating: scale start (default 1)")
    max: float | None = Field(None, description="number: highest; rating: scale end (default 5)")
    integer: bool = False
    min_label: str = Field("", max_length=50)
    max_label: str = Field("", max_length=50)
    max_length: int = Field(0, ge=0, le=5000, description="text: 0 = 200 (short) or 2000 (long)")
    min_choices: int = Field(0, ge=0, le=100)
    max_choices: int = Field(0, ge=0, le=100, description="multiple: 0 = no limit")
    visible_if: Condition | None = None

    def wording(self, phone: bool = False) -> str:
        return (self.phone_text or self.text) if phone else self.text

    def scale(self) -> tuple[int, int]:
        """The integer range of a rating or NPS question."""
        if self.type == "nps":
            return 0, 10
        return int(self.min if self.min is not None else 1), int(self.max if self.max is not None else 5)

    def text_limit(self) -> int:
        return self.max_length or (200 if self.type == "text" else 2000)


class Page(StrictIn):
    title: str = Field("", max_length=200)
    visible_if: Condition | None = None
    questions: list[Question] = Field(min_length=1, max_length=100)


class Definition(StrictIn):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    pages: list[Page] = Field(min_length=1, max_length=50)

    def questions(self) -> list[Question]:
        return [q for p in self.pages for q in p.questions]

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions() if q.code == code), None)


def _cond_refs(cond: Condition) -> list[Condition]:
    if cond.q is not None:
        return [cond]
    out: list[Condition] = []
    for sub in (cond.all or []) + (cond.any or []) + ([cond.not_] if cond.not_ else []):
        out += _cond_refs(sub)
    return out


def _check_condition(
    cond: Condition, earlier: dict[str, Question], where: str, errors: list[dict[str, Any]]
) -> None:
    for leaf in _cond_refs(cond):
        code, _, row = (leaf.q or "").partition(".")
        target = earlier.get(code)
        if target is None:
            errors.append(
                _err(
                    where,
                    f"condition refers to {leaf.q!r}, not an earlier question",
                    f"条件引用的 {leaf.q} 不是前面的题目",
                )
            )
            continue
        if row and (target.type != "matrix" or row not in {r.code for r in target.rows}):
            errors.append(
                _err(where, f"{leaf.q!r} is not a row of a matrix question", f"{leaf.q} 不是矩阵题的行")
            )
            continue
        if leaf.op in ("answered", "unanswered"):
            continue
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        if target.type in CHOICE_TYPES:
            codes = {o.code for o in target.options}
            bad = [v for v in values if str(v) not in codes]
            if bad:
                errors.append(
                    _err(where, f"{bad[0]!r} is not an option of {code}", f"{bad[0]} 不是 {code} 的选项")
                )
        elif (
            target.type in NUMERIC_TYPES
            and leaf.op in ("gt", "ge", "lt", "le")
            and not all(isinstance(v, int | float) for v in values)
        ):
            errors.append(_err(where, "compare numbers with a number", "数值比较需要数字"))


def _err(loc: str, msg: str, msg_zh: str) -> dict[str, Any]:
    return {"loc": loc.split("."), "msg": msg, "type": "definition", "field_zh": loc, "rule_zh": msg_zh}


def check(defn: Definition) -> None:
    """Refuse (422 naming the place) what cannot be answered: duplicate codes, choice questions
    without options, impossible ranges, conditions on later or unknown questions."""
    errors: list[dict[str, Any]] = []
    earlier: dict[str, Question] = {}
    if len(defn.questions()) > MAX_QUESTIONS:
        errors.append(_err("pages", f"at most {MAX_QUESTIONS} questions", f"题目最多 {MAX_QUESTIONS} 道"))
    for pi, page in enumerate(defn.pages):
        if page.visible_if:
            _check_condition(page.visible_if, earlier, f"pages.{pi}.visible_if", errors)
        for qi, q in enumerate(page.questions):
            at = f"pages.{pi}.questions.{qi}"
            if q.code in earlier:
                errors.append(
                    _err(f"{at}.code", f"duplicate question code {q.code}", f"题目编号 {q.code} 重复")
                )
            if q.visible_if:
                _check_condition(q.visible_if, earlier, f"{at}.visible_if", errors)
            _check_question(q, at, errors)
            earlier[q.code] = q
    if errors:
        raise Invalid(
            "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)[:500],
            "；".join(f"{e['field_zh']}：{e['rule_zh']}" for e in errors)[:500],
            errors=errors,
        )


def _check_question(q: Question, at: str, errors: list[dict[str, Any]]) -> None:
    if q.type in CHOICE_TYPES:
        if len(q.options) < 2:
            errors.append(
                _err(
                    f"{at}.options", "a choice question needs at least two options", "选择题至少需要两个选项"
                )
            )
        if len({o.code for o in q.options}) != len(q.options):
            errors.append(_err(f"{at}.options", "duplicate option codes", "选项编号重复"))
    elif q.options:
        errors.append(_err(f"{at}.options", f"a {q.type} question has no options", "该题型没有选项"))
    if q.type == "matrix":
        if not q.rows or len({r.code for r in q.rows}) != len(q.rows):
            errors.append(
                _err(f"{at}.rows", "a matrix needs rows with distinct codes", "矩阵题需要编号不重复的行")
            )
    elif q.rows:
        errors.append(_err(f"{at}.rows", "only a matrix has rows", "只有矩阵题有行"))
    if q.type == "rating":
        lo, hi = q.scale()
        if not (lo < hi and hi - lo <= 10 and lo >= 0):
            errors.append(
                _err(
                    f"{at}.max",
                    "a rating scale runs up 2 to 11 steps from 0 or more",
                    "评分范围须为 0 以上的 2 至 11 级",
                )
            )
    if q.type == "number" and q.min is not None and q.max is not None and q.min > q.max:
        errors.append(_err(f"{at}.min", "min is above max", "最小值大于最大值"))
    if q.type == "multiple" and q.max_choices and q.max_choices < max(q.min_choices, 1):
        errors.append(_err(f"{at}.max_choices", "max_choices below min_choices", "最多可选数小于最少可选数"))
