"""Media for the telephony engine: G.711, RTP/RTCP sessions, relay, playback, DTMF, mixing, recording.

Everything runs on the engine's asyncio loop with numpy for sample work; nothing here knows about SIP
beyond payload types negotiated by :mod:`hotline.sip.sdp`.
"""
