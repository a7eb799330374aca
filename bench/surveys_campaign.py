"""Automated survey calls held at once: the campaign dialler (engine + dialler in one process,
uvloop, as `hotline serve`) rings N respondents through the outbound trunk with N lines, and one
SIPp UAS answers them all. Each phone presses its answers by RFC 4733 during the greeting, then
talks for 21 s (SIPp's 7 s speech pcap three times as one RTP stream, 30 ms A-law packets),
which the dialler records as the answer to the text question, ends it with # and hears the
thanks; the dialler reads every prompt (TTS) at 50 packets/s the other way.

Reported: calls held at once (the most interviews in progress together, sampled from the
database every 0.5 s), interviews completed with their answers stored, RTP loss on the engine's
receive side (sequence gaps over every leg, the engine's own counters), and the CPU of the
dialler process and of SIPp over the run (2 cores shared by both and the rest of the box).

Usage: .venv/bin/python -m bench.surveys_campaign [--calls 100]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.surveys.models import SurveyInterview, SurveyVoiceAnswer
from tests.sip.harness import free_port
from tests.surveys.campaign_helpers import phone_campaign
from tests.surveys.sipp_phones import PHONES_IP, Phones, answer, hang_up_after_bye, keys, speech

ROOT = Path(__file__).resolve().parents[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_phone(folder: Path) -> str:
    """Answer, press 1 and 4 during the greeting, then talk (3 x 7 s of speech, one RTP stream)
    and press # after it, then wait for the hotline's BYE."""
    steps = [
        answer(),
        '<pause milliseconds="300"/>',
        keys(folder, "14", gap_ms=300),  # a new pcap stops the one playing: keys first, then talk
        speech(),
        '<pause milliseconds="7100"/>',
        speech(folder, 1),
        '<pause milliseconds="7100"/>',
        speech(folder, 2),
        '<pause milliseconds="7100"/>',
        keys(folder, "#", gap_ms=0, first=2),
        hang_up_after_bye(),
    ]
    body = "\n".join(steps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="bench-phone">\n{body}\n</scenario>\n'


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100)
    args = ap.parse_args()
    n = args.calls
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        upgrade(url)
        db = Database(url)
        numbers = [f"1390000{i:04d}" for i in range(n)]
        _sid, cid = phone_campaign(db, numbers, max_lines=n, max_attempts=1, ring_seconds=30)
        phones = Phones(tmp, bench_phone(tmp), rtp_base=30000)
        stats_file = tmp / "stats.json"
        port = free_port()
        cmd = [sys.executable, "-m", "bench.surveys_campaign_proc", url, str(port), "40000", "44000"]
        cmd += [str(tmp), f"{PHONES_IP}:{phones.port}", str(stats_file)]
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        t0, cpu0, sipp0 = time.monotonic(), cpu_seconds(proc.pid), cpu_seconds(phones.proc.pid)
        held, done = 0, 0
        while time.monotonic() - t0 < 180:
            with db.session() as s:
                counts = dict(
                    s.execute(
                        select(SurveyInterview.state, func.count())
                        .where(SurveyInterview.campaign_id == cid)
                        .group_by(SurveyInterview.state)
                    ).all()
                )
            held = max(held, counts.get("in_progress", 0))
            if counts.get("pending", 0) == 0 and counts.get("in_progress", 0) == 0:
                break
            time.sleep(0.5)
        wall = time.monotonic() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        sipp_cpu = cpu_seconds(phones.proc.pid) - sipp0
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        phones.stop()
        stats = json.loads(stats_file.read_text())
        errors = tmp / "phones_errors.log"
        sipp_errors = errors.read_text(errors="replace").splitlines()[-3:] if errors.exists() else []
        with db.session() as s:
            done = s.scalar(
                select(func.count()).where(
                    SurveyInterview.campaign_id == cid, SurveyInterview.state == "completed"
                )
            )
            voices = s.scalar(select(func.count()).select_from(SurveyVoiceAnswer))
        rx, lost = stats["rx_packets"], stats["lost"]
        print(
            json.dumps(
                {
                    "calls": n,
                    "held_at_once": held,
                    "completed": done,
                    "voice_answers": voices,
                    "counts": counts,
                    "wall_s": round(wall, 1),
                    "rx_packets": rx,
                    "lost": lost,
                    "loss_pct": round(100 * lost / max(1, rx + lost), 4),
                    "foreign_dropped": stats["foreign_dropped"],
                    "dialler_cpu_pct_of_core": round(100 * cpu / wall, 1),
                    "sipp_cpu_pct_of_core": round(100 * sipp_cpu / wall, 1),
                    "load_avg": os.getloadavg()[0],
                    "causes": stats["causes"],
                    "sipp_errors": sipp_errors,
                },
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
