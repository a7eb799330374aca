"""The IVR simulator: walk a flow in text with a list of key presses, no phone needed.

Used by `hotline ivr simulate FLOW --digits 1,0 --caller 138...` and the editor's API. Each entry
of `digits` answers one prompt that collects input; an empty entry (or running out) is silence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from hotline.ivr.flow import Flow
from hotline.ivr.interpreter import CollectDigits, Environment, Outcome, PlayPrompt, run

# The outcome kinds in the editor's language (the transcript is shown to administrators as is).
KIND_ZH = {
    "enqueue": "进入队列",
    "transfer": "转接",
    "voicemail": "留言",
    "hangup": "挂机",
    "emergency": "紧急呼叫",
    "survey": "满意度调查",
    "callback": "预约回呼",
}


@dataclass
class Simulation:
    transcript: list[str]
    outcome: Outcome
    transcript_zh: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "transcript_zh": self.transcript_zh,
            "outcome": asdict(self.outcome),
        }


def simulate(
    flow: Flow, env: Environment, digits: list[str], labels: dict[str, str] | None = None
) -> Simulation:
    """Walk `flow`; `labels` names targets (queue code -> label) in the Chinese transcript."""
    transcript: list[str] = []
    zh: list[str] = []
    feed = list(digits)
    walker = run(flow, env)
    answer: str | None = None
    try:
        instr = next(walker)
        while True:
            if isinstance(instr, PlayPrompt):
                transcript.append(f"[play {instr.prompt}] {instr.text}".rstrip())
                zh.append(f"【放音】{instr.text or instr.prompt}")
                answer = None
            elif isinstance(instr, CollectDigits):
                answer = feed.pop(0) if feed else ""
                transcript.append(f"[ask {instr.prompt}] {instr.text}".rstrip())
                transcript.append(f"  caller: {answer or '(silence)'}")
                zh.append(f"【提示按键】{instr.text or instr.prompt}")
                zh.append(f"  来电人：{f'按 {answer}' if answer else '（未按键）'}")
            instr = walker.send(answer)
    except StopIteration as stop:
        outcome: Outcome = stop.value
    what = outcome.kind + (f" -> {outcome.target}" if outcome.target else "")
    if outcome.numbers:
        what += f" ringing {', '.join(outcome.numbers)}"
    transcript.append(f"=> {what} (priority {outcome.priority})")
    target = (labels or {}).get(outcome.target or "", outcome.target)
    what_zh = KIND_ZH.get(outcome.kind, outcome.kind) + (f"：{target}" if target else "")
    if outcome.numbers:
        what_zh += f"，呼叫 {'、'.join(outcome.numbers)}"
    zh.append(f"⇒ {what_zh}（优先级 {outcome.priority}）")
    return Simulation(transcript, outcome, zh)
