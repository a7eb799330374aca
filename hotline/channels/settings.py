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
    # A signed WeChat URL is good for this many seconds either side of its timestamp.
    wechat_replay_window_s: int = 300
    # Mailbox (政府信箱): where the SMTP receiver listens, and the relay that sends replies.
    mailbox_address: str = "xinxiang@hotline.local"
    mailbox_host: str = "127.0.0.1"
    mailbox_port: int = 2525
    smtp_relay_host: str = "127.0.0.1"
    smtp_relay_port: int = 25
    # Room for 20 MB of attachments, base64-encoded (4/3) with the text around them.
    mailbox_max_bytes: int = 28 * 1024 * 1024
    # Other addresses that are ours (aliases): mail from any of them is a loop, never an order.
    mailbox_own_addresses: list[str] = []
    # New mail is refused with 452 while the data directory has less free space than this.
    mailbox_min_free_bytes: int = 512 * 1024 * 1024
    # At most this many acknowledgements per recipient (per channel) per hour; more are suppressed.
    ack_per_recipient_per_hour: int = 5
    # Processing retries: exponential back-off from `retry_base_s`, capped; dead letter after N.
    inbox_max_attempts: int = 8
    inbox_retry_base_s: int = 60
    inbox_retry_max_s: int = 6 * 3600
    # WeChat customer-service messages (客服消息) carry answers back: the API base (a test double in
    # tests), the account's AppSecret for the access token, and the window after the citizen's
    # last message in which WeChat accepts them (48 hours).
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_app_secret: str = ""
    wechat_reply_window_h: int = 48
    # Answers sent back to citizens: retries back off like the inbox's; a dead letter after N.
    reply_max_attempts: int = 8
    reply_retry_base_s: int = 60
    reply_retry_max_s: int = 6 * 3600
    # Mail attachments kept for the order: per file and per mail; other types are refused.
    attachment_max_bytes: int = 10 * 1024 * 1024
    attachments_max_total_bytes: int = 20 * 1024 * 1024
    # The console's address as staff reach it: links in work-order notifications sent by mail/SMS
    # (empty: http://<http_host>:<http_port>).
    console_url: str = ""
    # The text kept for the order (characters); longer messages are cut, the raw copy is whole.
    body_max_chars: int = 20_000


@lru_cache
def get_channel_settings() -> ChannelSettings:
    return ChannelSettings()
