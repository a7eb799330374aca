"""LimeSurvey `.lss` structure files: export a questionnaire and import one, for the question types
both know (list → single, multiple choice, 5-point choice → rating, numerical input, short/long/huge
free text, date, array → matrix), written in the LimeSurvey 5/6 layout (l10n tables) and read in
that layout or the older one with texts inline.

What LimeSurvey lacks travels in question attributes it ignores (`hotline_type` for NPS and scales
other than 1-5, `hotline_phone_text`, `hotline_prompt`, `hotline_fixed`), so our own files
round-trip losslessly.
Skip conditions become relevance equations (`lss_expr.py`). An imported question of a type we do
not have is left out and named in the warnings. The parser refuses DTDs and entities (expat
handlers, as for WeChat XML) and files over 5 MB.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from typing import Any
from xml.parsers import expat

from hotline.errors import Invalid
from hotline.media.prompts import is_prompt_name
from hotline.surveys.definition import Definition, Question
from hotline.surveys.lss_expr import from_expression, to_expression

MAX_BYTES = 5 * 1024 * 1024
LANG = "zh-Hans"
Q_FIELDS = [
    "qid",
    "parent_qid",
    "sid",
    "gid",
    "type",
    "title",
    "preg",
    "other",
    "mandatory",
    "question_order",
    "scale_id",
    "same_default",
    "relevance",
    "encrypted",
    "question_theme_name",
]
SECTIONS: dict[str, list[str]] = {
    "answers": ["aid", "qid", "code", "sortorder", "assessment_value", "scale_id"],
    "answer_l10ns": ["id", "aid", "answer", "language"],
    "groups": ["gid", "sid", "group_order", "randomization_group", "grelevance"],
    "group_l10ns": ["id", "gid", "group_name", "description", "language"],
    "questions": Q_FIELDS,
    "subquestions": Q_FIELDS,
    "question_l10ns": ["id", "qid", "question", "help", "language"],
    "question_attributes": ["qid", "attribute", "value", "language"],
    "surveys": ["sid", "language", "additional_languages", "anonymized", "format"],
    "surveys_languagesettings": [
        "surveyls_survey_id",
        "surveyls_language",
        "surveyls_title",
        "surveyls_description",
    ],
}
_TO_LS = {
    "single": "L",
    "multiple": "M",
    "number": "N",
    "text": "S",
    "longtext": "T",
    "date": "D",
    "matrix": "F",
}
_FROM_LS = {
    "L": "single",
    "!": "single",
    "O": "single",
    "M": "multiple",
    "P": "multiple",
    "5": "rating",
    "N": "number",
    "S": "text",
    "T": "longtext",
    "U": "longtext",
    "D": "date",
    "F": "matrix",
}


# --- export --------------------------------------------------------------------------------------


class _Tables:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SECTIONS}

    def add(self, section: str, **values: Any) -> None:
        self.rows[section].append(values)

    def xml(self) -> bytes:
        doc = ET.Element("document")
        ET.SubElement(doc, "LimeSurveyDocType").text = "Survey"
        ET.SubElement(doc, "DBVersion").text = "480"
        langs = ET.SubElement(doc, "languages")
        ET.SubElement(langs, "language").text = LANG
        for name, fields in SECTIONS.items():
            if not self.rows[name]:
                continue
            sec = ET.SubElement(doc, name)
            f_el = ET.SubElement(sec, "fields")
            for field in fields:
                ET.SubElement(f_el, "fieldname").text = field
            rows = ET.SubElement(sec, "rows")
            for values in self.rows[name]:
                row = ET.SubElement(rows, "row")
                for field in fields:
                    if field in values and values[field] is not None:
                        ET.SubElement(row, field).text = str(values[field])
        ET.indent(doc)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(doc, encoding="utf-8")


def export_lss(defn: Definition, sid: int = 100001) -> bytes:
    t = _Tables()
    t.add("surveys", sid=sid, language=LANG, additional_languages="", anonymized="Y", format="G")
    t.add(
        "surveys_languagesettings",
        surveyls_survey_id=sid,
        surveyls_language=LANG,
        surveyls_title=defn.title,
        surveyls_description=defn.description,
    )
    known = {q.code: q for q in defn.questions()}
    ids = iter(range(1, 100_000))
    for gi, page in enumerate(defn.pages, start=1):
        relevance = to_expression(page.visible_if, known) if page.visible_if else ""
        t.add("groups", gid=gi, sid=sid, group_order=gi - 1, randomization_group="", grelevance=relevance)
        t.add(
            "group_l10ns", id=gi, gid=gi, group_name=page.title or f"第{gi}页", description="", language=LANG
        )
        for order, q in enumerate(page.questions):
            _export_question(t, q, sid, gi, order, next(ids), ids, known)
    return t.xml()


def _export_question(
    t: _Tables, q: Question, sid: int, gid: int, order: int, qid: int, ids: Any, known: dict[str, Question]
) -> None:
    lo, hi = q.scale() if q.type in ("rating", "nps") else (0, 0)
    five_point = q.type == "rating" and (lo, hi) == (1, 5)
    ls_type = "5" if five_point else "L" if q.type in ("rating", "nps") else _TO_LS[q.type]
    relevance = to_expression(q.visible_if, known) if q.visible_if else "1"
    t.add(
        "questions",
        qid=qid,
        parent_qid=0,
        sid=sid,
        gid=gid,
        type=ls_type,
        title=q.code,
        preg="",
        other="N",
        mandatory="Y" if q.required else "N",
        question_order=order,
        scale_id=0,
        same_default=0,
        relevance=relevance,
        encrypted="N",
        question_theme_name="",
    )
    t.add("question_l10ns", id=qid, qid=qid, question=q.text, help=q.help, language=LANG)
    attrs: dict[str, Any] = {
        "random_order": 1 if q.randomize else None,
        "hotline_phone_text": q.phone_text or None,
        "hotline_prompt": q.prompt or None,
        "hotline_fixed": ",".join(o.code for o in q.options if o.fixed) or None,
        "min_num_value_n": q.min if q.type == "number" else None,
        "max_num_value_n": q.max if q.type == "number" else None,
        "num_value_int_only": 1 if q.type == "number" and q.integer else None,
        "min_answers": q.min_choices or None,
        "max_answers": q.max_choices or None,
        "maximum_chars": q.max_length or None,
        "hotline_type": q.type if q.type in ("rating", "nps") and not five_point else None,
        "hotline_labels": f"{q.min_label}|{q.max_label}" if q.min_label or q.max_label else None,
    }
    for name, value in attrs.items():
        if value is not None:
            t.add(
                "question_attributes",
                qid=qid,
                attribute=name,
                value=f"{value:g}" if isinstance(value, float) else value,
                language="",
            )
    if q.type == "multiple" or q.type == "matrix":
        for sub_order, sub in enumerate(q.options if q.type == "multiple" else q.rows):
            sqid = next(ids)
            t.add(
                "subquestions",
                qid=sqid,
                parent_qid=qid,
                sid=sid,
                gid=gid,
                type="T",
                title=sub.code,
                preg="",
                other="N",
                mandatory="N",
                question_order=sub_order,
                scale_id=0,
                same_default=0,
                relevance="1",
                encrypted="N",
                question_theme_name="",
            )
            t.add("question_l10ns", id=sqid, qid=sqid, question=sub.label, help="", language=LANG)
    answers = (
        [(str(v), str(v)) for v in range(lo, hi + 1)]
        if ls_type == "L" and q.type in ("rating", "nps")
        else ([(o.code, o.label) for o in q.options] if q.type in ("single", "matrix") else [])
    )
    for sort, (code, label) in enumerate(answers):
        aid = next(ids)
        t.add("answers", aid=aid, qid=qid, code=code, sortorder=sort, assessment_value=0, scale_id=0)
        t.add("answer_l10ns", id=aid, aid=aid, answer=label, language=LANG)


# --- import --------------------------------------------------------------------------------------


def _read(data: bytes) -> dict[str, list[dict[str, str]]]:
    """section -> rows (field -> text) of an .lss document."""
    if len(data) > MAX_BYTES:
        raise Invalid("the file is over 5 MB", "文件超过 5 MB")
    sections: dict[str, list[dict[str, str]]] = {}
    path: list[str] = []
    row: dict[str, str] | None = None
    text: list[str] = []

    def refuse(*_: object) -> int:
        raise ValueError("DTDs and entities are not allowed")

    def start(name: str, _attrs: object) -> None:
        nonlocal row
        path.append(name)
        text.clear()
        if name == "row" and len(path) == 4 and path[2] == "rows":
            row = {}

    def end(name: str) -> None:
        nonlocal row
        if row is not None and len(path) == 5:
            row[name] = "".join(text)
        elif name == "row" and row is not None:
            sections.setdefault(path[1], []).append(row)
            row = None
        path.pop()
        text.clear()

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(data, True)
    except (ValueError, expat.ExpatError, LookupError) as exc:
        raise Invalid(
            f"not a LimeSurvey .lss file: {exc}", "不是有效的 LimeSurvey .lss 文件（或含有不允许的 DTD/实体）"
        ) from exc
    return sections


_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """LimeSurvey keeps texts as HTML: the words without tags."""
    return html.unescape(_TAG.sub("", text or "")).strip()


def import_lss(data: bytes) -> tuple[dict[str, Any], list[str]]:
    """(raw definition to be checked by `service.parse`, warnings about what was left out)."""
    s = _read(data)
    lang_rows = s.get("surveys_languagesettings", [])
    lang = (s.get("surveys") or [{}])[0].get("language") or (
        lang_rows[0].get("surveyls_language") if lang_rows else ""
    )

    def pick(rows: list[dict[str, str]], key: str, value: str) -> dict[str, str]:
        hits = [r for r in rows if r.get(key) == value]
        return next((r for r in hits if r.get("language", lang) == lang), hits[0] if hits else {})

    texts = s.get("question_l10ns", [])
    all_qs = s.get("questions", []) + s.get("subquestions", [])

    def qtext(q: dict[str, str]) -> tuple[str, str]:
        found = pick(texts, "qid", q["qid"]) if texts else q
        return _plain(found.get("question", "")), _plain(found.get("help", ""))

    attrs: dict[str, dict[str, str]] = {}
    for a in s.get("question_attributes", []):
        attrs.setdefault(a.get("qid", ""), {})[a.get("attribute", "")] = a.get("value", "")
    answer_texts = s.get("answer_l10ns", [])
    warnings: list[str] = []
    groups = sorted(
        s.get("groups", []), key=lambda g: (int(g.get("group_order") or 0), int(g.get("gid") or 0))
    )
    parents = [q for q in all_qs if q.get("parent_qid", "0") in ("0", "")]
    subs = [q for q in all_qs if q.get("parent_qid", "0") not in ("0", "")]
    pages: list[dict[str, Any]] = []
    questions: dict[str, Question] = {}
    pending: list[tuple[dict[str, Any], str]] = []
    for g in groups:
        title = _plain(
            pick(s.get("group_l10ns", []), "gid", g["gid"]).get("group_name", "") or g.get("group_name", "")
        )
        page: dict[str, Any] = {"title": title, "questions": []}
        if (g.get("grelevance") or "").strip() not in ("", "1"):
            pending.append((page, g["grelevance"]))
        members = sorted(
            (q for q in parents if q.get("gid") == g["gid"]), key=lambda q: int(q.get("question_order") or 0)
        )
        for q in members:
            built = _question(
                q, qtext, attrs.get(q["qid"], {}), subs, s.get("answers", []), answer_texts, pick, qtext
            )
            if built is None:
                warnings.append(
                    f"{q.get('title')}: LimeSurvey type {q.get('type')!r} is not supported, left out"
                )
                continue
            if (q.get("relevance") or "").strip() not in ("", "1"):
                pending.append((built, q["relevance"]))
            page["questions"].append(built)
            questions[built["code"]] = Question.model_validate(
                {k: v for k, v in built.items() if k != "visible_if"}
            )
        if page["questions"]:
            pages.append(page)
    for target, expression in pending:
        try:
            target["visible_if"] = from_expression(expression, questions)
        except ValueError as exc:
            warnings.append(f"condition {expression!r} not understood ({exc}); left out")
    title = _plain(lang_rows[0].get("surveyls_title", "")) if lang_rows else ""
    description = _plain(lang_rows[0].get("surveyls_description", "")) if lang_rows else ""
    return {"title": title or "导入的问卷", "description": description[:2000], "pages": pages}, warnings


def _question(
    q: dict[str, str],
    qtext: Any,
    a: dict[str, str],
    subs: list[dict[str, str]],
    answers: list[dict[str, str]],
    answer_texts: list[dict[str, str]],
    pick: Any,
    sub_text: Any,
) -> dict[str, Any] | None:
    kind = a.get("hotline_type") or _FROM_LS.get(q.get("type", ""))
    if kind is None:
        return None
    text, help_ = qtext(q)
    out: dict[str, Any] = {
        "code": q.get("title", ""),
        "type": kind,
        "text": text or q.get("title", ""),
        "help": help_[:500],
        "required": q.get("mandatory") == "Y",
    }
    if a.get("hotline_phone_text"):
        out["phone_text"] = a["hotline_phone_text"]
    if is_prompt_name(a.get("hotline_prompt", "")):  # another tool's odd value: no prompt, not a refusal
        out["prompt"] = a["hotline_prompt"]
    if a.get("random_order") == "1":
        out["randomize"] = True
    fixed = set(filter(None, a.get("hotline_fixed", "").split(",")))
    mine = sorted(
        (x for x in subs if x.get("parent_qid") == q["qid"]), key=lambda x: int(x.get("question_order") or 0)
    )
    own = sorted(
        (x for x in answers if x.get("qid") == q["qid"] and x.get("scale_id", "0") == "0"),
        key=lambda x: int(x.get("sortorder") or 0),
    )

    def label(ans: dict[str, str]) -> str:
        found = pick(answer_texts, "aid", ans.get("aid", "")) if answer_texts else ans
        return _plain(found.get("answer", "")) or ans.get("code", "")

    if kind in ("single", "matrix"):
        out["options"] = [{"code": x["code"], "label": label(x), "fixed": x["code"] in fixed} for x in own]
    if kind == "multiple":
        out["options"] = [
            {"code": x["title"], "label": sub_text(x)[0] or x["title"], "fixed": x["title"] in fixed}
            for x in mine
        ]
    if kind == "matrix":
        out["rows"] = [{"code": x["title"], "label": sub_text(x)[0] or x["title"]} for x in mine]
    if kind == "rating":
        ends = (own[0]["code"], own[-1]["code"]) if own else ("1", "5")  # "5": LimeSurvey's 1-5 choice
        out.update(min=float(ends[0]), max=float(ends[1]))
    if a.get("hotline_labels"):
        out["min_label"], _, out["max_label"] = a["hotline_labels"].partition("|")
    for attr, key in (("min_num_value_n", "min"), ("max_num_value_n", "max")):
        if a.get(attr):
            out[key] = float(a[attr])
    if a.get("num_value_int_only") == "1":
        out["integer"] = True
    for attr, key in (
        ("min_answers", "min_choices"),
        ("max_answers", "max_choices"),
        ("maximum_chars", "max_length"),
    ):
        if (a.get(attr) or "").isdigit():
            out[key] = int(a[attr])
    return out
