"""The automatic checks of one call, from its speech segments and the recording's hold marks.

Pure functions over `audio.AudioAnalysis`: talk ratio (the agent's share of all speech), talk-over
(both channels speaking at once), silences where nobody speaks (hold excluded: music on hold is
not dead air), time to greeting (the agent's first speech), hold time from the "hold"/"unhold"
marks, and loud peaks. `flags` are what sampling rules can ask for ("auto flags").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hotline.quality.audio import AudioAnalysis, Segment

FLAGS = ("long_silence", "talk_over", "late_greeting", "no_agent_speech", "loud", "long_hold")


@dataclass(frozen=True)
class CheckParams:
    silence_seconds: float = 5.0  # a silence longer than this is listed (and flagged)
    talk_over_min: float = 0.5  # an overlap shorter than this is a normal turn change
    talk_over_flag_seconds: float = 5.0  # total talk-over that flags the call
    late_greeting_seconds: float = 5.0
    loud_flag_windows: int = 3  # agent's loud windows that flag the call
    long_hold_seconds: float = 120.0


def total(segments: Iterable[Segment]) -> float:
    return sum(end - start for start, end in segments)


def intersect(a: list[Segment], b: list[Segment]) -> list[Segment]:
    """Where both lists of sorted, non-overlapping segments cover the same time."""
    out: list[Segment] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def union(a: list[Segment], b: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for start, end in sorted(a + b):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def gaps(covered: list[Segment], duration: float) -> list[Segment]:
    out: list[Segment] = []
    at = 0.0
    for start, end in covered:
        if start > at:
            out.append((at, start))
        at = max(at, end)
    if duration > at:
        out.append((at, duration))
    return out


def hold_periods(marks: Iterable[tuple[float, str]], duration: float) -> list[Segment]:
    """(start, end) of each hold from the recording's marks; a hold never resumed lasts to the end."""
    periods: list[Segment] = []
    started: float | None = None
    for offset, kind in sorted(marks):
        if kind == "hold" and started is None:
            started = offset
        elif kind == "unhold" and started is not None:
            periods.append((started, max(started, offset)))
            started = None
    if started is not None:
        periods.append((started, max(started, duration)))
    return periods


def _r(value: float) -> float:
    return round(value, 2)


def compute(
    audio: AudioAnalysis, marks: Iterable[tuple[float, str]] = (), params: CheckParams | None = None
) -> dict[str, Any]:
    p = params or CheckParams()
    caller, agent = audio.channels["caller"], audio.channels["agent"]
    duration = audio.duration
    holds = hold_periods(marks, duration)
    both = [s for s in intersect(caller.segments, agent.segments) if s[1] - s[0] >= p.talk_over_min]
    quiet = gaps(union(union(caller.segments, agent.segments), holds), duration)
    silences = [(_r(s), _r(e)) for s, e in quiet if e - s > p.silence_seconds]
    caller_talk, agent_talk = total(caller.segments), total(agent.segments)
    greeting = agent.segments[0][0] if agent.segments else None
    hold_seconds = total(holds)
    metrics: dict[str, Any] = {
        "duration": _r(duration),
        "caller_talk": _r(caller_talk),
        "agent_talk": _r(agent_talk),
        "talk_ratio": _r(agent_talk / (agent_talk + caller_talk)) if agent_talk + caller_talk else None,
        "talk_over": _r(total(both)),
        "talk_over_count": len(both),
        "silences": silences,
        "longest_silence": _r(max((e - s for s, e in quiet), default=0.0)),
        "time_to_greeting": None if greeting is None else _r(greeting),
        "hold_seconds": _r(hold_seconds),
        "holds": [(_r(s), _r(e)) for s, e in holds],
        "agent_loud_windows": len(agent.peaks),
        "caller_loud_windows": len(caller.peaks),
        "agent_max_dbfs": agent.max_dbfs,
        "caller_max_dbfs": caller.max_dbfs,
    }
    flags = []
    if silences:
        flags.append("long_silence")
    if total(both) >= p.talk_over_flag_seconds:
        flags.append("talk_over")
    if greeting is not None and greeting > p.late_greeting_seconds:
        flags.append("late_greeting")
    if greeting is None and duration > p.late_greeting_seconds:
        flags.append("no_agent_speech")
    if len(agent.peaks) >= p.loud_flag_windows:
        flags.append("loud")
    if hold_seconds > p.long_hold_seconds:
        flags.append("long_hold")
    metrics["flags"] = flags
    return metrics
