"""A questionnaire on the telephone keypad: what the IVR says for each question, which keys it
waits for, and what the keys mean as an answer (pure: no telephony, no database).

Keys of a choice: the option codes themselves when every code is one digit (a designer who wrote
"满意请按1" in the phone wording keeps that promise), else the options' places 1-9 in the order
they are read. A question the designer set to "randomise options" is read in the respondent's
own order (`logic.shuffled` with the response's seed, the order the web shows that respondent;
`fixed` options stay in place), so a call that is tried again reads the same order with the same
keys; digit codes keep their keys and only the reading order moves. A question with its own
phone wording or a recorded prompt is read as written (the designer's words fix the order, and
the keys follow it).
Single choice and rating scales up to 9 take one key; multiple choice, numbers, NPS (0-10) and
dates are keyed and ended with #; a date is 8 digits (20261203); a matrix is asked row by row as
single choices; text questions are answered by voice (`VOICE`, recorded until # or silence).
The walk (`next_question`) follows the same skip logic as the web (`logic.visible`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.surveys import logic
from hotline.surveys.definition import TEXT_TYPES, Definition, Option, Question

MAX_KEYS = 12
VOICE = "voice"


@dataclass(frozen=True)
class Ask:
    """One thing to ask: a question, or one row of a matrix (`row`)."""

    question: Question
    row: Option | None = None
    seed: int | None = None  # the response's seed: the order of a randomised question's options

    @property
    def key(self) -> str:
        return f"{self.question.code}.{self.row.code}" if self.row else self.question.code


def order_seed(ask: Ask) -> int | None:
    """The seed the options are read in: the respondent's only where the IVR words the options
    itself (the designer's phone wording or recording names them in the designed order)."""
    q = ask.question
    return None if ask.row is None and (q.phone_text or q.prompt) else ask.seed


def option_keys(q: Question, seed: int | None = None) -> dict[str, str]:
    """key -> option code, in the order the options are read."""
    order = logic.shuffled(q, seed) if seed is not None else list(q.options)
    if all(len(o.code) == 1 and o.code.isdigit() for o in q.options) and len(q.options) <= 10:
        return {o.code: o.code for o in order}
    return {str(i): o.code for i, o in enumerate(order[:9], start=1)}


def spoken(ask: Ask) -> str:
    """The words the IVR reads: the phone wording (or the screen text) and how to answer."""
    q = ask.question
    text = q.wording(phone=True).strip()
    if ask.row is not None:
        text = f"{text}。{ask.row.label}"
    if q.type in ("single", "matrix") and not (q.phone_text and ask.row is None):
        labels = {o.code: o.label for o in q.options}
        text += (
            "。"
            + "，".join(f"{labels[code]}请按{key}" for key, code in option_keys(q, order_seed(ask)).items())
            + "。"
        )
    elif q.type == "multiple" and not q.phone_text:
        labels = {o.code: o.label for o in q.options}
        choices = "，".join(f"{labels[code]}按{key}" for key, code in option_keys(q, order_seed(ask)).items())
        text += f"。可多选：{choices}，选完请按井号键。"
    elif q.type == "rating" and not q.phone_text:
        lo, hi = q.scale()
        text += f"。请按{lo}到{hi}打分，{hi}分最高。"
    elif q.type == "nps" and not q.phone_text:
        text += "。请按0到10打分，10分表示非常愿意，按完请按井号键。"
    elif q.type == "number" and not q.phone_text:
        text += "。请输入数字，以井号键结束。"
    elif q.type == "date" and not q.phone_text:
        text += "。请输入八位日期，例如二零二六年十二月三日输入20261203。"
    elif q.type in TEXT_TYPES and not q.phone_text:
        text += "。请在提示音后说出您的回答，说完请按井号键。"
    return text


@dataclass(frozen=True)
class Keys:
    """How many keys to wait for, and which key ends the entry early."""

    max_digits: int
    terminators: str


def keys_for(ask: Ask) -> Keys:
    q = ask.question
    if q.type in ("single", "matrix") or (q.type == "rating" and q.scale()[1] <= 9):
        return Keys(1, "")
    if q.type == "date":
        return Keys(8, "#")
    return Keys(MAX_KEYS, "#")


def parse(ask: Ask, digits: str) -> Any:
    """The answer the keys make (None: not an answer to this question)."""
    q = ask.question
    if not digits:
        return None
    if q.type in ("single", "matrix"):
        return option_keys(q, order_seed(ask)).get(digits)
    if q.type == "multiple":
        keys = option_keys(q, order_seed(ask))
        chosen: list[str] = []
        for d in digits:
            code = keys.get(d)
            if code is None:
                return None
            if code not in chosen:
                chosen.append(code)
        return chosen
    if q.type in ("rating", "nps", "number"):
        if not digits.isdigit():
            return None
        return int(digits)
    if q.type == "date" and len(digits) == 8 and digits.isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"
    return None


def valid(ask: Ask, value: Any) -> bool:
    """Whether `value` answers `ask` (a matrix row: one of the options)."""
    if value is None:
        return False
    if ask.row is not None:
        return value in {o.code for o in ask.question.options}
    return logic.check_answer(ask.question, value) is None


def next_question(
    defn: Definition, answers: dict[str, Any], asked: set[str], seed: int | None = None
) -> Ask | None:
    """The next thing to ask: the first visible question (or matrix row) not asked yet, walking
    the pages in order with the skip logic over the answers so far; None when done. `seed`: the
    response's, for randomised options."""
    _, kept = logic.visible(defn, answers)
    for page in defn.pages:
        if page.visible_if and not logic.evaluate(page.visible_if, kept):
            continue
        for q in logic.visible_questions(page, kept):
            if q.type == "matrix":
                for row in q.rows:
                    ask = Ask(q, row, seed)
                    if ask.key not in asked:
                        return ask
            elif q.code not in asked:
                return Ask(q, None, seed)
    return None


def merge(answers: dict[str, Any], ask: Ask, value: Any) -> dict[str, Any]:
    """The answers with this one added (a matrix row into its question's object)."""
    out = dict(answers)
    if ask.row is not None:
        rows = dict(out.get(ask.question.code) or {})
        rows[ask.row.code] = value
        out[ask.question.code] = rows
    else:
        out[ask.question.code] = value
    return out


def voice_text(seconds: float) -> str:
    """What a spoken answer stands for in the text results (the recording is beside it)."""
    return f"[语音回答 {seconds:.0f} 秒]"
