"""The `hotline` command: serve, db, demo, user, and the domain tools registered by each package."""

from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

import typer

from hotline import __version__
from hotline.calls.cli import simulate_cmd
from hotline.config import get_settings
from hotline.ivr.cli import ivr_app

app = typer.Typer(help="hotline: public-service hotline platform", no_args_is_help=True)
db_app = typer.Typer(help="database migrations")
demo_app = typer.Typer(help="demo data")
user_app = typer.Typer(help="user accounts")
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
ivr_app.command("simulate")(simulate_cmd)
app.add_typer(ivr_app, name="ivr")
knowledge_app = typer.Typer(help="knowledge base maintenance")
workorders_app = typer.Typer(help="work-order maintenance")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(workorders_app, name="workorders")
analytics_app = typer.Typer(help="reports and rollups")
app.add_typer(analytics_app, name="analytics")
tls_app = typer.Typer(help="certificates for SIP over TLS (and WSS)")
app.add_typer(tls_app, name="tls")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hotline {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="show version"),
) -> None:
    """hotline: calls, work orders and knowledge for public-service hotlines."""


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database."""
    from hotline.store.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    typer.echo("database is up to date")


@demo_app.command("load")
def demo_load(force: bool = typer.Option(False, help="load even if demo data is present")) -> None:
    """Load demo departments, queues, users (with the published demo passwords) and ~50 callers (once)."""
    from hotline.demo import DEMO_SIP_FILE, load_demo
    from hotline.store.db import get_database

    if get_settings().env == "production":
        typer.echo("error: demo data has published passwords; not in production (HOTLINE_ENV)", err=True)
        raise typer.Exit(2)

    data_dir = get_settings().data_dir
    loaded, sip = load_demo(get_database(), force=force, data_dir=data_dir)
    typer.echo("demo data loaded" if loaded else "demo data already present; nothing to do")
    if sip:
        typer.echo(f"SIP passwords of the demo extensions (kept in {data_dir / DEMO_SIP_FILE}):")
        for ext, password in sorted(sip.items()):
            typer.echo(f"  {ext}  {password}")


@user_app.command("add")
def user_add(
    username: str,
    role: str = typer.Option(..., help="agent|supervisor|qa_inspector|department_handler|analyst|admin"),
    display_name: str = typer.Option("", help="name shown in the console"),
    password: str = typer.Option("", help="password (asked if empty)"),
    extension: str = typer.Option("", help="SIP extension for agents"),
    sip_password: str = typer.Option("", help="SIP phone password"),
) -> None:
    """Create a user."""
    from pydantic import ValidationError

    from hotline.audit.service import Actor
    from hotline.errors import HotlineError
    from hotline.people.schemas import UserIn
    from hotline.people.service import create_user
    from hotline.store.db import get_database

    password = password or getpass.getpass("password: ")
    try:
        data = UserIn(
            username=username,
            display_name=display_name or username,
            password=password,
            role=role,
            extension=extension or None,
            sip_password=sip_password or None,
        )
        with get_database().session() as session:
            user = create_user(session, Actor(None, "cli"), data)
            typer.echo(f"created user {user.username} (id {user.id}, role {user.role})")
    except (ValidationError, HotlineError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@user_app.command("passwd")
def user_passwd(
    username: str, password: str = typer.Option("", help="new password (asked if empty)")
) -> None:
    """Set a user's password."""
    from hotline.audit.service import Actor
    from hotline.people.service import set_password, user_by_username
    from hotline.store.db import get_database

    password = password or getpass.getpass("new password: ")
    if len(password) < 8:
        typer.echo("error: the password needs at least 8 characters", err=True)
        raise typer.Exit(2)
    with get_database().session() as session:
        user = user_by_username(session, username)
        if user is None:
            typer.echo(f"error: no user {username}", err=True)
            raise typer.Exit(2)
        set_password(session, Actor(None, "cli"), user.id, password)
    typer.echo(f"password changed for {username}")


@knowledge_app.command("reindex")
def knowledge_reindex() -> None:
    """Rebuild the knowledge search index from the database (safe at any time)."""
    import time

    from hotline.knowledge import index
    from hotline.store.db import get_database

    settings, db = get_settings(), get_database()
    started = time.monotonic()
    with db.session() as session:
        count = index.rebuild_index(session, index.get_index(settings.data_dir, db.url))
    typer.echo(f"indexed {count} articles in {time.monotonic() - started:.1f} s")


@workorders_app.command("train")
def workorders_train() -> None:
    """Retrain the category and department suggestions on the closed work orders."""
    from hotline.store.db import get_database
    from hotline.workorders.jobs import retrain

    for target, samples in retrain(get_database()).items():
        typer.echo(f"{target}: trained on {samples} closed orders")


@workorders_app.command("reindex")
def workorders_reindex() -> None:
    """Rebuild the work-order search tokens (safe at any time; each batch of 500 commits with
    the rest of the run)."""
    import time

    from hotline.store.db import get_database
    from hotline.workorders.jobs import reindex

    started = time.monotonic()
    count = reindex(get_database(), lambda n: typer.echo(f"  {n} orders ...") if n % 10_000 == 0 else None)
    typer.echo(f"reindexed {count} work orders in {time.monotonic() - started:.1f} s")


@analytics_app.command("rebuild")
def analytics_rebuild() -> None:
    """Recompute the report rollups from the call log and the work orders (safe at any time:
    each rollup is replaced in one transaction)."""
    from hotline.analytics.rollup import rebuild
    from hotline.store.db import get_database

    done = rebuild(get_database())
    typer.echo(
        f"rolled up {done.lines} queue-log lines and {done.days} days of work orders in {done.seconds:.1f} s"
    )


@tls_app.command("cert")
def tls_cert(
    host: list[str] = typer.Option([], help="a name or address phones reach the server at (repeat)"),
    if_missing: bool = typer.Option(False, "--if-missing", help="keep an existing certificate"),
) -> None:
    """Write a self-signed certificate and key for development (SIP over TLS, WSS): to the files of
    HOTLINE_SIP__TLS_CERTFILE/_KEYFILE, else var/tls/sip.crt and sip.key."""
    from hotline.sip.certs import self_signed, tls_files

    settings = get_settings()
    cert, key = tls_files(settings.sip.tls_certfile, settings.sip.tls_keyfile, settings.data_dir)
    if if_missing and cert.exists() and key.exists():
        typer.echo(f"keeping {cert}")
        return
    self_signed(cert, key, [settings.sip.host, *host])
    typer.echo(f"wrote {cert} and {key} (self-signed: phones must be told to trust it)")


def raise_open_files_limit() -> tuple[int, int]:
    """Raise the soft limit on open files to the hard one: every SIP/TCP phone, RTP port, HTTP
    client and database connection is a file descriptor, and the usual soft limit of 1024 runs out
    long before the hard one (the transports' connection caps then keep the rest in reserve)."""
    import logging
    import resource

    log = logging.getLogger("hotline.serve")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            log.info("open files limit raised from %s to %s", soft, wanted)
            soft = wanted
        except (ValueError, OSError) as exc:
            log.warning("open files limit stays at %s (hard %s): %s", soft, hard, exc)
    else:
        log.info("open files limit is %s (hard %s)", soft, hard)
    return soft, hard


@app.command("backup")
def backup_cmd(
    to: Path = typer.Option(Path("var/backups"), help="folder the backup is written under"),
    keep: int = typer.Option(0, help="then keep only the newest N backups there (0: keep all)"),
) -> None:
    """Consistent online backup: database snapshot, recordings, prompts, manifest of checksums."""
    from hotline.store.backup import backup, prune

    done = backup(get_settings(), to)
    typer.echo(f"backup written to {done}")
    if keep > 0:
        for gone in prune(to, keep):
            typer.echo(f"removed old backup {gone}")


@app.command("restore")
def restore_cmd(
    source: Path = typer.Argument(..., help="a backup folder written by `hotline backup`"),
) -> None:
    """Restore a backup (checksums verified first) into an empty data folder and database."""
    from hotline.store.backup import BackupError, restore

    try:
        manifest = restore(source, get_settings())
    except BackupError as exc:
        typer.echo(f"restore refused: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"restored {len(manifest['files'])} files from {source} ({manifest['created_at']})")


@app.command("watchdog")
def watchdog_cmd(
    sip: str = typer.Option("", help="the engine's SIP address host:port to probe (empty: lease only)"),
    every: float = typer.Option(5.0, help="seconds between checks"),
    grace: float = typer.Option(10.0, help="seconds a lapsed leader lease may stay untaken"),
    rounds: int = typer.Option(0, help="stop after N checks (0: run until stopped)"),
) -> None:
    """Tell the people on duty when the telephony engine is gone (run outside the engine: on the
    standby node, under systemd): the leader lease lapsed or taken over, the SIP port silent."""
    from hotline.contingency.watchdog import Watchdog
    from hotline.store.db import get_database

    host, _, port = sip.rpartition(":")
    dog = Watchdog(get_database(), (host, int(port)) if sip else None, grace_seconds=grace)
    dog.run(every, rounds or None)


@app.command()
def serve(
    host: str = typer.Option("", help="HTTP address (default from settings)"),
    port: int = typer.Option(0, help="HTTP port (default from settings)"),
) -> None:
    """Run the whole center: web service, telephony engine and background jobs."""
    import uvicorn

    from hotline.banner import render as render_banner
    from hotline.demo import demo_sip_passwords
    from hotline.logs import setup_logging
    from hotline.safety import (
        DatabaseNotReady,
        InsecureDefaults,
        bootstrap_admin,
        demo_password_users,
        enforce,
        warning_box,
    )
    from hotline.store.db import get_database
    from hotline.web.app import create_app

    settings = get_settings()
    setup_logging(settings.log_json)
    raise_open_files_limit()
    db = get_database()
    try:
        demo = demo_password_users(db)  # argon2 checks: once, for the warnings and the banner
    except DatabaseNotReady as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        findings = enforce(settings, db, demo)
    except InsecureDefaults as exc:
        typer.echo(warning_box(exc.findings).replace("WARNING", "REFUSED (HOTLINE_ENV=production)"), err=True)
        raise typer.Exit(2) from exc
    # Only once the server will start: a refused start must not use up the one-time password.
    initial = bootstrap_admin(db)
    typer.echo(render_banner(settings, demo, demo_sip_passwords(settings.data_dir)))
    if initial:
        typer.echo(
            f"first start: created user admin with temporary password {initial}\n"
            "  (首次启动：已创建管理员 admin，临时密码如上，首次登录须修改)",
            err=True,
        )
    if findings:
        typer.echo(warning_box(findings), err=True)
    application = create_app(settings, db, startup_checks=False)
    uvicorn.run(
        application,
        host=host or settings.http_host,
        port=port or settings.http_port,
        log_config=None,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        access_log=False,
        # Proxy headers are resolved by hotline.web.clientip from `trusted_proxies` only; uvicorn's
        # own handling would believe X-Forwarded-For from any local process (127.0.0.1).
        proxy_headers=False,
        server_header=False,
    )


@app.command()
def telephony() -> None:
    """Run only the telephony engine (SIP/RTP), with agents' credentials from the users table;
    its events go on the bus the settings name (`ha.bus_url`: the Redis bus the consoles' nodes
    read), like `hotline serve`'s."""
    import os

    from hotline.logs import setup_logging
    from hotline.plugins import Context, Host, default_plugins, run_until_stopped
    from hotline.redisbus import bus_for, connect, disconnect
    from hotline.store.db import get_database

    settings = get_settings()
    setup_logging(settings.log_json)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a pinned dependency
        pass
    raise_open_files_limit()
    sip = settings.sip.model_copy(update={"enabled": True})
    if not sip.trunk_user and os.environ.get("HOTLINE_SIP_TRUNK_USER"):  # the older variable names
        sip.trunk_user = os.environ["HOTLINE_SIP_TRUNK_USER"]
        sip.trunk_password = os.environ.get("HOTLINE_SIP_TRUNK_PASSWORD", "")
    settings = settings.model_copy(update={"sip": sip, "jobs_enabled": False})
    # The telephony plug-in alone, from the same list `hotline serve` uses.
    plugins = [p for p in default_plugins(settings) if p.name == "telephony"]
    bus = bus_for(settings)

    async def main() -> None:
        await connect(bus)
        try:
            await run_until_stopped(Host(Context(settings, get_database(), bus), plugins))
        finally:
            await disconnect(bus)

    asyncio.run(main())


def run() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
