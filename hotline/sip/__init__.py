"""SIP signaling for the hotline: parsing, transports, transactions, dialogs, registrar and the B2BUA.

We wrote this focused asyncio SIP layer by hand instead of using PyPI ``sippy``. sippy works (it passed
a registrar + answering-server trial against SIPp at 200 calls/s) but it is not asyncio: it runs its
own singleton reactor (``ED2.loop()``) plus worker threads, sends UDP from several threads (so a 180
can leave after the 200 OK), ships no registrar, installs a top-level ``tests`` package into
site-packages and pulls in flask. Embedding it in ``hotline serve`` would mean a second event loop and
thread hops for every call-control action, whereas the rest of the process (bus, web, IVR, ACD) lives
on one asyncio loop. The layer here is plain asyncio end to end: ``message`` (parse/serialize),
``sdp``, ``transport`` (UDP and TCP), ``transaction`` (RFC 3261 timers), ``dialog``, ``auth`` (digest),
``registrar``, ``ratelimit``, and the B2BUA, a one-way stack where each layer imports only those
below it and states what it uses of the engine as a Protocol: ``leg`` (one party: answer, play,
collect, hold, hang up) ← ``b2bua`` (calls: bridge, record, mix) ← ``indialog`` (requests inside a
dialog) and ``outbound``/``qualify`` (what we originate: INVITEs and their answers, OPTIONS pings)
← ``routing`` (default route, first answer, blind transfer) ← ``inbound`` (a new INVITE becomes a
call) ← ``periodic`` (timeouts, RTCP, mixing clock) ← ``engine`` (listening and dispatch);
``standalone`` runs it as ``hotline telephony``.
"""
