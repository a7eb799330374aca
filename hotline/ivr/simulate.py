"""The IVR simulator: walk a flow in text with a list of key presses, no phone needed.

Used by `hotline ivr simulate FLOW --digits 1,0 --caller 138...` and the editor's API. Each entry
of `digits` answers one prompt that collects input; an empty entry (or running out) is silence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hotline.ivr.flow import Flow
from hotline.ivr.interpreter import CollectDigits, Environment, Outcome, PlayPrompt, run


@dataclass
class Simulation:
    transcript: list[str]
    outcome: Outcome

    def as_dict(self) -> dict[str, Any]:
        return {"transcript": self.transcript, "outcome": asdict(self.outcome)}


def simulate(flow: Flow, env: Environment, digits: list[str]) -> Simulation:
    transcript: list[str] = []
    feed = list(digits)
    walker = run(flow, env)
    answer: str | None = None
    try:
        instr = next(walker)
        while True:
            if isinstance(instr, PlayPrompt):
                transcript.append(f"[play {instr.prompt}] {instr.text}".rstrip())
                answer = None
            elif isinstance(instr, CollectDigits):
                answer = feed.pop(0) if feed else ""
                transcript.append(f"[ask {instr.prompt}] {instr.text}".rstrip())
                transcript.append(f"  caller: {answer or '(silence)'}")
            instr = walker.send(answer)
    except StopIteration as stop:
        outcome: Outcome = stop.value
    what = outcome.kind + (f" -> {outcome.target}" if outcome.target else "")
    if outcome.numbers:
        what += f" ringing {', '.join(outcome.numbers)}"
    transcript.append(f"=> {what} (priority {outcome.priority})")
    return Simulation(transcript, outcome)
