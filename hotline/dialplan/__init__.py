"""The dial plan: which numbers the call center may ring (`plan.py`).

Its own package because two domains ring numbers: the call center (an agent's dial, consult,
transfer, a callback) and the IVR (a flow's transfer and emergency numbers, checked before a flow is
published). Both depend on it; it depends on neither.
"""
