"""What a server loads before it answers: heavy libraries used by one export, report or job load on
first use, not at start (each costs 0.2-2 s of CPU per `hotline serve`, and tests start dozens of
servers). Checked in a fresh interpreter that builds the plug-ins and the web app's routers."""

from __future__ import annotations

import json
import subprocess
import sys

ON_FIRST_USE = ("openpyxl", "matplotlib", "fpdf", "pandas", "snownlp", "trafilatura", "pyreadstat", "pypdf")

PROBE = """
import json, sys
from hotline.plugins import default_plugins
from hotline.web.app import router_modules
router_modules(default_plugins())
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in %r)))
"""


def test_heavy_libraries_load_on_first_use() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE % (ON_FIRST_USE,)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    loaded = {name.split(".")[0] for name in json.loads(out.stdout.strip().splitlines()[-1])}
    assert loaded == set(), f"loaded at server start: {sorted(loaded)}"
