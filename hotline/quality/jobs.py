"""Quality inspection's jobs: catch up on recordings the call-ended subscription missed (a
restart, a process without the subscription), and run the enabled sampling plans; both
idempotent (`checks.check_pending`, `sampling.sampling_job`)."""

from __future__ import annotations

from hotline.jobs import Job
from hotline.quality.checks import check_pending
from hotline.quality.sampling import sampling_job

JOBS = [Job("quality.audio_checks", 60.0, check_pending), Job("quality.sampling", 900.0, sampling_job)]
