"""The questionnaires plug-in: designer, results and exports for staff, and the public answering
pages, over HTTP."""

from __future__ import annotations

from hotline.plugins import Plugin

PLUGIN = Plugin(
    "surveys",
    routers=(
        "hotline.web.routers.surveys",
        "hotline.web.routers.survey_results",
        "hotline.web.routers.survey_transfer",
        "hotline.web.routers.survey_cati",
        "hotline.web.routers.survey_answering",
    ),
)
