"""Background jobs: periodic work (deadline sweeps, article expiry, retention) run in the server.

Each domain declares its `JOBS: list[Job]` in `hotline/<domain>/jobs.py` and hands them to its
plug-in (`Plugin(jobs=...)`); the plug-in host runs them. A job runs only where its lease is held
(a row in `job_leases`, taken with one conditional UPDATE), so several server processes on one
database never run the same job at the same time.
"""

from hotline.jobs.runner import Job, JobRunner, try_lease

__all__ = ["Job", "JobRunner", "try_lease"]
