"""Background jobs of the intake channels (run by hotline.jobs under a lease)."""

from __future__ import annotations

from hotline.channels import notify_out, replies
from hotline.channels.inbox import retry_pending
from hotline.channels.mail_out import send_queued_mail
from hotline.channels.sms_out import send_queued
from hotline.jobs import Job

# Every 20 s, so a receipt leaves well inside GB/T 33358's 3 minutes.
JOBS = [
    Job("channels.send_sms_acks", 20, lambda db, now: send_queued(db, now)),
    # Mail left behind by the receiver (an order made by a later retry, a relay that was down).
    Job("channels.send_mail_acks", 60, lambda db, now: send_queued_mail(db, now)),
    # Departments' answers and closings back to the citizen over their own channel.
    Job("channels.send_replies", 20, lambda db, now: replies.run(db, now)),
    # Channel messages stored but not yet turned into orders (each failure backs off, then dead-letters).
    Job("channels.retry_inbox", 60, lambda db, now: retry_pending(db)),
    # Work-order notifications by mail/SMS to the staff who asked for them (its name kept from
    # when it ran in the work-orders package: the job lease is by name).
    Job("workorders.send_notifications", 15, lambda db, now: notify_out.run(db, now)),
]
