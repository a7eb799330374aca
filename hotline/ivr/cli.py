"""`hotline ivr ...`: walk a flow in text (`simulate`) and check a flow file (`check`)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

ivr_app = typer.Typer(help="IVR flows: simulate and check")


@ivr_app.command("simulate")
def simulate_cmd(
    flow: str = typer.Argument(..., help="flow name in the database, or a .json file"),
    digits: str = typer.Option("", help="key presses per prompt, comma-separated; empty = silence"),
    caller: str = typer.Option("", help="the calling number (care profile, contacts are looked up)"),
    at: str = typer.Option("", help="ISO time of the call (business hours); default now"),
    draft: bool = typer.Option(False, help="walk the draft instead of the published version"),
) -> None:
    """Walk FLOW with the given digits and print what the caller hears and where they end up."""
    from hotline.errors import HotlineError
    from hotline.ivr.flow import validate
    from hotline.ivr.runtime import load_flow, simulate_flow
    from hotline.store.db import get_database

    presses = digits.split(",") if digits else []
    when = datetime.fromisoformat(at) if at else None
    try:
        with get_database().session() as session:
            if flow.endswith(".json"):
                parsed = validate(json.loads(Path(flow).read_text(encoding="utf-8")))
            else:
                parsed = load_flow(session, flow, draft)
            result = simulate_flow(session, parsed, presses, caller, when)
    except HotlineError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    for line in result.transcript:
        typer.echo(line)


@ivr_app.command("check")
def check_cmd(path: Path) -> None:
    """Validate a flow JSON file: errors block publishing, warnings flag elderly-unfriendly menus."""
    from hotline.ivr.flow import check

    errors, warnings = check(json.loads(path.read_text(encoding="utf-8")))
    for w in warnings:
        typer.echo(f"warning: {w}")
    for e in errors:
        typer.echo(f"error: {e}")
    if errors:
        raise typer.Exit(1)
    typer.echo("ok")


@ivr_app.command("prompts")
def prompts_cmd() -> None:
    """Speak every prompt the flows and the waiting room use (espeak-ng), where no recording exists."""
    import asyncio

    from hotline.config import get_settings
    from hotline.ivr.prompts import all_prompts, generate
    from hotline.media.prompts import PromptError
    from hotline.store.db import get_database

    with get_database().session() as session:
        prompts = all_prompts(session)
    try:
        done = asyncio.run(generate(prompts, get_settings().prompts_dir))
    except (PromptError, OSError) as exc:
        typer.echo(f"error: {exc} (apt-get install espeak-ng sox)", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{len(done)} prompts ready in {get_settings().prompts_dir}")
