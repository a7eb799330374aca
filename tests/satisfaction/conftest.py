"""Fixtures: the call-center rig of tests/callcenter (real engine, call center, SIPp peers)."""

from tests.callcenter.conftest import make_rig

__all__ = ["make_rig"]
