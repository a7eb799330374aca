"""Calls: CDRs, legs, the queue event log, live KPIs, call control (CTI) and recordings."""
