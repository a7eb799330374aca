"""The questionnaires' events (docs/events.md), published once the change committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("surveys.published")
@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyPublished(BusEvent):
    """A questionnaire's draft became a new immutable version (`number`)."""

    survey_id: int
    number: int


@topic("surveys.response_completed")
@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyResponseCompleted(BusEvent):
    """A respondent finished a questionnaire; its answers are counted in the results from now on."""

    survey_id: int
    response_id: int
    version_number: int
    channel: str
