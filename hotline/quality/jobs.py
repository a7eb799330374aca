"""Quality inspection's jobs: catch up on recordings the call-ended subscription missed (a
restart, a process without the subscription), idempotently (`checks.check_pending`)."""

from __future__ import annotations

from hotline.jobs import Job
from hotline.quality.checks import check_pending

JOBS = [Job("quality.audio_checks", 60.0, check_pending)]
