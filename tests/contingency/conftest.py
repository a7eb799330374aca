"""The call-center rig (real engine, call center, SIPp peers) for the emergency modes' call tests."""

from tests.callcenter.conftest import make_rig

__all__ = ["make_rig"]
