"""ACD: queues (skill groups), agents and their states, routing strategies, overflow, callback.

The routing core (`engine.Acd`) is pure and in memory: it takes events with an explicit clock and
returns actions (offer this call to that agent, overflow that call), so it is table- and
property-tested without a phone. `hotline.calls.center` drives it from the telephony engine.
"""
