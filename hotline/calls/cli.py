"""`hotline ivr simulate`: walk an IVR flow in text for a caller number, as a live call would.

Here rather than in `hotline.ivr.cli` because the caller is looked up with the call center's facts
(care profile, repeat call, open work orders); `hotline.cli` adds it to the `ivr` group.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer


def simulate_cmd(
    flow: str = typer.Argument(..., help="flow name in the database, or a .json file"),
    digits: str = typer.Option("", help="key presses per prompt, comma-separated; empty = silence"),
    caller: str = typer.Option("", help="the calling number (care profile, contacts are looked up)"),
    at: str = typer.Option("", help="ISO time of the call (business hours); default now"),
    draft: bool = typer.Option(False, help="walk the draft instead of the published version"),
) -> None:
    """Walk FLOW with the given digits and print what the caller hears and where they end up."""
    from hotline.calls.facts import simulate
    from hotline.errors import HotlineError
    from hotline.ivr.flow import validate
    from hotline.ivr.runtime import load_flow
    from hotline.store.db import get_database

    presses = digits.split(",") if digits else []
    when = datetime.fromisoformat(at) if at else None
    try:
        with get_database().session() as session:
            if flow.endswith(".json"):
                parsed = validate(json.loads(Path(flow).read_text(encoding="utf-8")))
            else:
                parsed = load_flow(session, flow, draft)
            result = simulate(session, parsed, presses, caller, when)
    except HotlineError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    for line in result.transcript:
        typer.echo(line)
