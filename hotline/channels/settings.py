"""Channel secrets and endpoints, from `HOTLINE_CHANNELS_*` environment variables.

Kept apart from `hotline.config` so the channel package can be configured without touching the
shared settings; the web router reads them through `get_channel_settings` (tests override it).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_CHANNELS_", extra="ignore")

    # SMS gateway webhook: HMAC-SHA256 over "<timestamp>.<body>" with this secret.
    sms_secret: str = ""
    sms_replay_window_s: int = 300
    # Where SMS receipts are POSTed (signed like the webhook); empty keeps them queued.
    sms_gateway_url: str = ""
    # WeChat official account (公众号): the token and 43-character EncodingAESKey from its console.
    wechat_token: str = ""
    wechat_aes_key: str = ""
    wechat_app_id: str = ""
    # Mailbox (政府信箱): where the SMTP receiver listens, and the relay that sends replies.
    mailbox_address: str = "xinxiang@hotline.local"
    mailbox_host: str = "127.0.0.1"
    mailbox_port: int = 2525
    smtp_relay_host: str = "127.0.0.1"
    smtp_relay_port: int = 25
    mailbox_max_bytes: int = 5 * 1024 * 1024


@lru_cache
def get_channel_settings() -> ChannelSettings:
    return ChannelSettings()
