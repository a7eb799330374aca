"""New-media settings, from `HOTLINE_NEWMEDIA_*` environment variables (tests override
`get_newmedia_settings`). The WeChat account's AppID/AppSecret and API base are the channels'
(`HOTLINE_CHANNELS_WECHAT_*`): one official account, one set of credentials."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class NewMediaSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_NEWMEDIA_", extra="ignore")

    # WeChat text messages are answered from the knowledge base when a served, valid article
    # matches at least this well (share of the question's content bigrams its title or question
    # variants cover); below it the message goes to an agent as intake.
    autoreply_enabled: bool = True
    autoreply_min_confidence: float = 0.6
    # Messages that ask for a person (compared after removing spaces and punctuation).
    handoff_words: list[str] = ["人工", "转人工", "人工服务", "人工客服", "找人工", "客服"]
    # How much of the conversation goes onto the order when the citizen asks for a person.
    handoff_context_minutes: int = 30
    handoff_context_turns: int = 5
    # Publishing calls: exponential back-off from `retry_base_s`, capped; given up after N tries.
    publish_retry_base_s: int = 30
    publish_retry_max_s: int = 3600
    publish_max_attempts: int = 8
    # WeChat publishes asynchronously: its state is polled this often, for at most this long.
    publish_poll_s: int = 30
    publish_poll_max_s: int = 6 * 3600
    # The website: its name and the public address its pages and feed link to.
    site_title: str = "民政服务热线"
    site_url: str = "http://127.0.0.1:8000/api/newmedia/site"


@lru_cache
def get_newmedia_settings() -> NewMediaSettings:
    return NewMediaSettings()
