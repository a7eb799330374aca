"""SIPp scenarios for calls through the edge proxy: a trunk caller whose ACK and BYE follow the
dialog's route set (Record-Route of Kamailio, then the node's Contact), pressing DTMF keys."""

from __future__ import annotations

from tests.callcenter.rig import _INVITE, DTMF

_IN_DIALOG = """{method} [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: {cseq} {method}
Contact: <sip:{number}@[local_ip]:[local_port]>
[routes]
Max-Forwards: 70
Content-Length: 0
"""


def edge_caller_xml(number: str, digits: str, hold_ms: int, settle_ms: int = 800) -> str:
    """Dial through the edge, wait `settle_ms`, press `digits` (one per 600 ms), stay `hold_ms`,
    hang up."""
    steps = [f'<send retrans="500"><![CDATA[\n{_INVITE.format(number=number)}\n]]></send>']
    steps += ['<recv response="100" optional="true"/>', '<recv response="180" optional="true"/>']
    steps += ['<recv response="183" optional="true"/>', '<recv response="200" rtd="true" rrs="true"/>']
    steps.append(f"<send><![CDATA[\n{_IN_DIALOG.format(method='ACK', cseq=1, number=number)}\n]]></send>")
    steps.append(f'<pause milliseconds="{settle_ms}"/>')
    for d in digits:
        steps.append(f'<nop><action><exec play_pcap_audio="{DTMF.format(d)}"/></action></nop>')
        steps.append('<pause milliseconds="600"/>')
    steps.append(f'<pause milliseconds="{hold_ms}"/>')
    steps.append(
        f'<send retrans="500"><![CDATA[\n{_IN_DIALOG.format(method="BYE", cseq=2, number=number)}\n]]></send>'
    )
    steps.append('<recv response="200" crlf="true"/>')
    body = "\n".join(steps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="edge caller">\n{body}\n</scenario>\n'
