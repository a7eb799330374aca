"""The SIPp call-center rig of tests/callcenter, for the end-to-end quality test."""

from tests.callcenter.conftest import make_rig  # noqa: F401
