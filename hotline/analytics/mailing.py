"""Scheduled reports mailed through the SMTP relay, once per period: the Excel (the API's figures,
`workbook.py`) and/or a PDF with charts (`reportpdf.py`) attached, as the schedule's `formats` say.

Exactly once across restarts and nodes: the job runs under the runner's lease, and a period's
report is first *claimed* by inserting its run row (unique per schedule × period × seq) with
status `sending`, committed with its audit row before anything is generated; whoever loses the
insert skips it. Only then is the mail generated and sent, and the row marked `sent`. A send that
failed (relay down, refused) is `failed` and retried with back-off up to `MAX_ATTEMPTS`; a row
still `sending` after `STALE` was a process that stopped mid-send: it becomes `unknown` and is
never sent again on its own (the mail may have gone out), to be regenerated on demand if missing.
An on-demand regeneration (`regenerate`, audited) is a new run with the next `seq`."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import make_msgid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from hotline.analytics import reportpdf, reports, rollup, workbook
from hotline.analytics.models import ReportRun, ReportSchedule
from hotline.analytics.periods import KIND_ZH, Kind, Period
from hotline.analytics.schedule import Frequency, latest_due, period_of
from hotline.audit.service import SYSTEM, Actor, record
from hotline.channels import mail_out
from hotline.channels.settings import ChannelSettings, get_channel_settings
from hotline.errors import Conflict, HotlineError, NotFound
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=5)
STALE = timedelta(minutes=10)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROLLUP_ZH = {"calls": "话务", "orders": "工单"}
FILTERS = {
    "calls": ("queue", "agent_id"),
    "orders": ("category_id", "district", "department_id", "channel", "state"),
}


@dataclass(frozen=True)
class Built:
    subject: str
    text: str
    xlsx: bytes | None
    pdf: bytes | None
    report: dict[str, Any]

    def attachments(self, stem: str) -> tuple[tuple[str, str, bytes], ...]:
        files = ((f"{stem}.xlsx", XLSX, self.xlsx), (f"{stem}.pdf", "application/pdf", self.pdf))
        return tuple((name, mime, data) for name, mime, data in files if data is not None)


def report_of(session: Any, schedule: ReportSchedule, period: Period) -> dict[str, Any]:
    """The report exactly as `GET /api/analytics/{calls|orders}` answers it for this period."""
    rollup_ = reports.CALLS if schedule.rollup == "calls" else reports.ORDERS
    filters = {name: schedule.filters.get(name) for name in FILTERS[schedule.rollup]}
    return reports.report(session, rollup_, period, filters, schedule.by)


def title_of(schedule: ReportSchedule, period: Period) -> str:
    span = period.first.isoformat() if period.days == 1 else f"{period.first} 至 {period.last}"
    return f"{schedule.name}（{ROLLUP_ZH[schedule.rollup]}{KIND_ZH[period.kind]} {span}）"


def build(db: Database, schedule_id: int, period: Period) -> Built:
    with db.session() as s:
        schedule = s.get(ReportSchedule, schedule_id)
        if schedule is None:
            raise NotFound(f"no report schedule {schedule_id}", f"没有定时报表 {schedule_id}")
        report = report_of(s, schedule, period)
        title = title_of(schedule, period)
        stem = f"{schedule.rollup}-{period.kind.value}-{period.first.isoformat()}"
        formats = set(schedule.formats or ("xlsx", "pdf"))
    lines = [title, ""]
    if report.get("note_zh"):
        lines.append(report["note_zh"])
    for name, value in list(report["totals"].items())[:6]:
        change = report["mom"].get(name)
        lines.append(
            f"{workbook.FIGURE_ZH.get(name, name)}：{reportpdf.fmt(name, value)}"
            f"（环比 {reportpdf.fmt_change(change)}）"
        )
    files = [f"{stem}.xlsx（数据）" for f in ("xlsx",) if f in formats]
    files += [f"{stem}.pdf（图表）" for f in ("pdf",) if f in formats]
    lines += ["", f"附件：{'、'.join(files)}。", "本邮件由系统自动发送。"]
    return Built(
        subject=title,
        text="\n".join(lines),
        xlsx=workbook.report_xlsx(report, title) if "xlsx" in formats else None,
        pdf=reportpdf.report_pdf(report, title) if "pdf" in formats else None,
        report=report,
    )


def _claim(
    db: Database, schedule_id: int, period: Period, seq: int, now: datetime, actor: Actor, action: str
) -> int | None:
    """Insert the run row (status `sending`) with its audit row, committed; None if it exists."""
    with db.session() as s:
        run = ReportRun(
            schedule_id=schedule_id,
            period_kind=period.kind.value,
            period_first=period.first,
            period_last=period.last,
            seq=seq,
            status="sending",
            attempts=1,
            requested_by=actor.id,
            claimed_at=now,
            created_at=now,
        )
        try:
            with s.begin_nested():
                s.add(run)
                s.flush()
        except IntegrityError:
            return None
        record(
            s,
            actor,
            action,
            "analytics_report_run",
            run.id,
            after={"schedule_id": schedule_id, "period": [period.first.isoformat(), period.last.isoformat()]},
        )
        return run.id


def _send(db: Database, run_id: int, now: datetime, settings: ChannelSettings) -> str:
    """Generate and mail one claimed run; returns its final status."""
    with db.session() as s:
        run = s.get(ReportRun, run_id)
        assert run is not None
        schedule = s.get(ReportSchedule, run.schedule_id)
        recipients = list(schedule.recipients) if schedule else []
        schedule_id, name = run.schedule_id, schedule.rollup if schedule else "report"
        period = Period(Kind(run.period_kind), run.period_first, run.period_last)
        attempts = run.attempts
        message_id = run.message_id or make_msgid(domain=settings.mailbox_address.split("@")[-1])
    error: str | None = None
    try:
        if not recipients:
            raise ValueError("the schedule has no recipients")
        built = build(db, schedule_id, period)
        stem = f"{name}-{period.kind.value}-{period.first.isoformat()}"
        mail_out.send_notice(
            settings,
            ", ".join(recipients),
            built.subject,
            built.text,
            message_id,
            attachments=built.attachments(stem),
        )
    except (OSError, smtplib.SMTPException, HotlineError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("report run %s failed (attempt %s): %s", run_id, attempts, error)
    with db.session() as s:
        run = s.get(ReportRun, run_id)
        assert run is not None
        run.message_id = message_id
        if error is None:
            run.status, run.sent_at, run.error, run.next_try_at = "sent", utcnow(), None, None
        else:
            run.status, run.error = "failed", error
            run.next_try_at = now + RETRY_BASE * 2 ** (attempts - 1) if attempts < MAX_ATTEMPTS else None
        return run.status


def deliver_due(db: Database, now: datetime, settings: ChannelSettings | None = None) -> int:
    """Claim and send every report due at `now`, retry failed ones that are due, settle stale
    claims as `unknown`; returns how many mails went out."""
    settings = settings or get_channel_settings()
    claimed: list[int] = []
    with db.session() as s:
        s.execute(
            update(ReportRun)
            .where(ReportRun.status == "sending", ReportRun.claimed_at < now - STALE)
            .values(status="unknown", error="the sender stopped mid-send; regenerate if it did not arrive")
        )
        schedules = list(
            s.execute(
                select(ReportSchedule.id, ReportSchedule.frequency, ReportSchedule.created_at).where(
                    ReportSchedule.active.is_(True)
                )
            )
        )
        retry = list(
            s.scalars(
                select(ReportRun.id).where(
                    ReportRun.status == "failed",
                    ReportRun.next_try_at.is_not(None),
                    ReportRun.next_try_at <= now,
                )
            )
        )
    due = []
    for schedule_id, frequency, created_at in schedules:
        period, due_at = latest_due(Frequency(frequency), now)
        if due_at >= created_at:  # no backlog for a new subscription
            due.append((schedule_id, period))
    with db.session() as s:  # most minutes nothing is due: look before inserting
        rows = s.execute(
            select(ReportRun.schedule_id, ReportRun.period_first).where(
                ReportRun.seq == 0, ReportRun.period_first.in_(sorted({p.first for _, p in due}))
            )
        )
        done = {(int(sid), first) for sid, first in rows}
    for schedule_id, period in due:
        if (schedule_id, period.first) in done:
            continue
        run_id = _claim(db, schedule_id, period, 0, now, SYSTEM, "report_run.create")
        if run_id is not None:
            claimed.append(run_id)
    for run_id in retry:
        with db.session() as s:
            result = s.execute(
                update(ReportRun)
                .where(ReportRun.id == run_id, ReportRun.status == "failed")
                .values(status="sending", attempts=ReportRun.attempts + 1, claimed_at=now)
            )
            if getattr(result, "rowcount", 0) == 1:
                claimed.append(run_id)
    if claimed:
        rollup.catch_up(db)  # the figures up to now, not up to the last nudge
    return sum(_send(db, run_id, now, settings) == "sent" for run_id in claimed)


def job(db: Database, now: datetime) -> None:
    deliver_due(db, now)


def regenerate(
    db: Database,
    actor: Actor,
    schedule_id: int,
    on: date | None,
    now: datetime | None = None,
    settings: ChannelSettings | None = None,
) -> dict[str, Any]:
    """Generate and mail a schedule's report again now (the period holding `on`, default the
    latest due one), as a new run; audited."""
    now = now or utcnow()
    with db.session() as s:
        schedule = s.get(ReportSchedule, schedule_id)
        if schedule is None:
            raise NotFound(f"no report schedule {schedule_id}", f"没有定时报表 {schedule_id}")
        frequency = Frequency(schedule.frequency)
        period = period_of(frequency, on) if on is not None else latest_due(frequency, now)[0]
        seq = s.scalar(
            select(func.coalesce(func.max(ReportRun.seq) + 1, 0)).where(
                ReportRun.schedule_id == schedule_id, ReportRun.period_first == period.first
            )
        )
    run_id = _claim(db, schedule_id, period, int(seq or 0), now, actor, "report_run.regenerate")
    if run_id is None:
        raise Conflict("another regeneration of this report just started", "该报表正在重新生成，请稍后刷新")
    rollup.catch_up(db)
    _send(db, run_id, now, settings or get_channel_settings())
    with db.session() as s:
        run = s.get(ReportRun, run_id)
        assert run is not None
        return run_out(run)


def run_out(run: ReportRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "schedule_id": run.schedule_id,
        "period_kind": run.period_kind,
        "period_first": run.period_first.isoformat(),
        "period_last": run.period_last.isoformat(),
        "seq": run.seq,
        "status": run.status,
        "attempts": run.attempts,
        "requested_by": run.requested_by,
        "error": run.error,
        "sent_at": run.sent_at.isoformat() if run.sent_at else None,
        "created_at": run.created_at.isoformat(),
    }
