"""Background jobs: periodic work (deadline sweeps, article expiry, retention) run in the server.

Each domain may declare `JOBS: list[Job]` in a `hotline/<domain>/jobs.py` module; the runner finds
them. A job runs only where its lease is held (a row in `job_leases`, taken with one conditional
UPDATE), so several server processes on one database never run the same job at the same time.
"""

from hotline.jobs.runner import Job, JobRunner, discover_jobs, try_lease

__all__ = ["Job", "JobRunner", "discover_jobs", "try_lease"]
