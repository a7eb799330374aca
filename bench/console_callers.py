"""Real callers waiting in queue for bench/console_bench.py: SIPp trunk calls held in an ACD queue.

The target is stated for 200 agents *and* 50 waiting calls. Waiting calls only exist while no
agent can take them, yet the bench flips 200 agents between ready and not ready; so the callers
dial a bench number whose published IVR flow enqueues them straight into a queue of their own
(`bench_wait`, no timeout, no overflow, no agent with the skill). They are real calls all the
same: SIPp UACs on the server's trunk address (tests/callcenter/rig.caller_xml), answered by the
engine, walked through the IVR, queued by the ACD with music on hold, position announcements and
queue events, and shown in the wallboard's waiting list and KPIs. Each caller streams silence
(RTP) so the engine's RTP-silence timeout never hangs it up, and waits for the hotline's BYE.
SIPp keeps `count` calls up (`-l`): a caller hung up by the bench is replaced by a new one with a
new number.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from hotline.acd.schemas import QueueIn
from hotline.acd.service import create_queue
from hotline.audit.service import Actor
from hotline.ivr.service import create_flow, publish
from hotline.store.db import Database
from tests.callcenter.rig import caller_xml
from tests.sip.harness import free_port

QUEUE, QUEUE_LABEL, NUMBER = "bench_wait", "压测排队", "12399"
FLOW = {"start": "queue", "nodes": {"queue": {"type": "enqueue", "queue": QUEUE}}}
FIRST_CALLER = 17700000001  # 11 digits: masked as 177****NNNN, still unique per caller

# Runs in the wallboard page: hang a waiting caller up through the supervisor API, then wait until
# their row has left the waiting list (queue event -> bus -> WebSocket -> refetch -> render).
HANGUP_JS = """async ([callId, caller]) => {
  const shown = () => [...document.querySelectorAll('[data-testid=wall-waiting] li')]
    .some(li => li.textContent.includes(caller))
  const t0 = performance.now()
  const res = await fetch(`/api/calls/live/${callId}/hangup`, {
    method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, body: '{}',
  })
  const rest = performance.now() - t0
  if (!res.ok) return {error: res.status}
  while (shown()) {
    if (performance.now() - t0 > 5000) return {error: 'timeout', rest}
    await new Promise(r => requestAnimationFrame(r))
  }
  return {screen: performance.now() - t0, rest}
}"""

# What the wallboard shows: waiting callers (list and center KPI) and agents shown as ready.
BOARD_JS = """() => ({
  rows: document.querySelectorAll('[data-testid=wall-waiting] li:not(.muted)').length,
  kpi: Number(document.querySelector('[data-testid=center-waiting]')?.textContent.trim() ?? -1),
  ready: [...document.querySelectorAll('[data-testid=wall-agents] tbody .el-tag')]
    .filter(t => t.textContent.trim() === '示闲').length,
})"""


def add_wait_queue(url: str) -> None:
    """The bench queue and the flow answering NUMBER (created after the agents got their skills)."""
    db = Database(url)
    actor = Actor(None, "bench")
    with db.session() as s:
        create_queue(s, actor, QueueIn(name=QUEUE, label=QUEUE_LABEL, timeout_seconds=None))
        publish(s, actor, create_flow(s, actor, "bench_wait", FLOW, numbers=NUMBER).id)
    db.dispose()


class WaitingCallers:
    """`count` SIPp callers held in QUEUE, replaced as they are hung up (at most `total` calls)."""

    def __init__(self, sip_port: int, tmp: Path, count: int, total: int) -> None:
        (tmp / "silence.ulaw").write_bytes(b"\xff" * 8000)  # 1 s of u-law silence, looped
        numbers = "".join(f"{FIRST_CALLER + i};\n" for i in range(total))
        (tmp / "callers.csv").write_text("SEQUENTIAL\n" + numbers)
        stream = '<nop><action><exec rtp_stream="silence.ulaw,-1,0"/></action></nop>'
        xml = caller_xml("[field0]", "", None).replace('<pause milliseconds="800"/>', stream, 1)
        (tmp / "waiting_caller.xml").write_text(xml)
        cmd = ["sipp", f"127.0.0.1:{sip_port}", "-sf", "waiting_caller.xml", "-inf", "callers.csv"]
        cmd += ["-s", NUMBER, "-i", "127.0.0.1", "-p", str(free_port()), "-cp", str(free_port())]
        cmd += ["-l", str(count), "-m", str(total), "-r", "10", "-nostdin"]
        self.log = (tmp / "sipp-callers.log").open("wb")
        self.proc = subprocess.Popen(cmd, cwd=tmp, stdout=self.log, stderr=subprocess.STDOUT)

    def failure(self) -> str | None:
        """SIPp's last words if it has exited (it should run until stopped)."""
        if self.proc.poll() is None:
            return None
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-1500:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
