"""Development prompts: every prompt the IVR flows and the waiting room name, spoken by TTS.

Flows name their prompts and carry their words (`text`); the waiting room names `position-N` (and,
past 20, `position-ahead` + digit words + `position-callers`), `wait-minutes-M`,
`callback-confirmed` and the goodbyes before an overflow hang-up. This makes each missing one
with espeak-ng (through `hotline.media.prompts`), once per text; a recorded WAV of the same name
in the prompts folder always wins, so a real deployment only drops its recordings there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import HotlineError
from hotline.ivr.flow import parse
from hotline.ivr.models import IvrFlowVersion
from hotline.ivr.numbers import NUMBER_WORDS
from hotline.media.prompts import PromptLibrary

# What the waiting room says (calls/waiting.py), slowly and plainly for elderly callers. Places
# past 20 are composed: position-ahead, the number's words (ivr/numbers.py), position-callers.
WAITING_ROOM = {
    "callback-confirmed": "已为您登记回电，轮到您时我们会给您打回来，请保持电话畅通。再见。",
    "queue-timeout-goodbye": "非常抱歉，现在来电较多，座席都在忙。请您稍后再拨，感谢您的耐心。再见。",
    "no-agent-goodbye": "非常抱歉，现在没有座席为您服务。请您在工作时间再拨，感谢您的来电。再见。",
    "position-ahead": "您前面还有",
    "position-callers": "位来电人。",
    **NUMBER_WORDS,
    **{f"position-{n}": f"您前面还有{n}位来电人。" for n in range(1, 21)},
    **{f"wait-minutes-{m}": f"预计等待{m}分钟。如需我们回电，请按1。" for m in range(1, 31)},
}


def flow_prompts(definition: dict[str, Any]) -> dict[str, str]:
    """prompt name -> words, for every node of a flow that names a prompt and has text."""
    out: dict[str, str] = {}
    for node in parse(definition).nodes.values():
        name, text = getattr(node, "prompt", None), getattr(node, "text", "")
        if name and text:
            out[name] = text
    return out


def all_prompts(session: Session) -> dict[str, str]:
    prompts = dict(WAITING_ROOM)
    for definition in session.scalars(select(IvrFlowVersion.definition)):
        try:
            prompts.update(flow_prompts(definition))
        except HotlineError:
            continue  # a draft that does not validate yet has no prompts to speak
    return prompts


async def generate(prompts: dict[str, str], prompts_dir: Path) -> list[str]:
    """Make the WAVs that are missing or whose words changed; returns the names now available."""
    library = PromptLibrary(prompts_dir)
    done = []
    for name, text in sorted(prompts.items()):
        await library.ensure(name, text)
        done.append(name)
    return done
