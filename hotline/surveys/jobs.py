"""Background jobs of the questionnaires (run by hotline.jobs under a lease)."""

from __future__ import annotations

from hotline.jobs import Job
from hotline.surveys import invites

# Survey links by SMS / WeChat, at the gateway's pace (invites.SEND_PER_MINUTE).
JOBS = [Job("surveys.send_invites", 20, lambda db, now: invites.send_due(db, now))]
