"""Telephony administration: trunks, extensions (agents' phones) and voice prompts."""
