"""Fixtures: the call-center rig of tests/callcenter (real engine, call center, SIPp peers), and
the fake-engine call center of tests/calls (`running`, for the live socket)."""

from tests.callcenter.conftest import make_rig
from tests.calls.conftest import running

__all__ = ["make_rig", "running"]
