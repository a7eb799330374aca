"""`hotline ivr ...`: check a flow file (`check`) and speak the prompts (`prompts`).

`hotline ivr simulate` walks a flow for a caller number as a live call would, so it looks the
caller up with the call center's facts: it is `hotline.calls.cli.simulate_cmd`, added to this group
by `hotline.cli`.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

ivr_app = typer.Typer(help="IVR flows: simulate and check")


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
