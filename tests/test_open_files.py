"""`hotline serve` raises the open-files soft limit to the hard one (and says so in its log)."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging, resource
logging.basicConfig(level=logging.INFO, format="%(message)s")
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
from hotline.cli import raise_open_files_limit
raise_open_files_limit()
now = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
print("OK" if now == (hard if hard != resource.RLIM_INFINITY else 1 << 20) else f"BAD {now}")
"""


def test_soft_open_files_limit_raised_to_hard() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "OK", done.stdout + done.stderr
    assert "open files limit raised from 256" in done.stderr
