"""The questionnaires plug-in: designer, results and exports for staff, the public answering
pages, the IVR campaigns and the invitations by SMS / WeChat over HTTP (their sending a job);
where the telephony engine runs (`hotline serve`), the campaign dialler (`dialer.Dialer`) on the
telephony's database pool, provided as `DIALER`."""

from __future__ import annotations

from hotline.media.prompts import PromptLibrary
from hotline.plugins import Context, Plugin, Service
from hotline.surveys.dialer import Dialer
from hotline.surveys.ivrcall import Interviewer
from hotline.surveys.jobs import JOBS
from hotline.telephony.plugin import ENGINE, TELEPHONY_DB

DIALER: Service[Dialer] = Service("surveys.dialer")


class SurveysPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        engine = ctx.find(ENGINE)
        if engine is None or not ctx.settings.jobs_enabled:
            return
        db = ctx.find(TELEPHONY_DB) or ctx.db
        prompts = PromptLibrary(getattr(engine, "prompts_dir", None) or ctx.settings.prompts_dir)
        interviewer = Interviewer(db, prompts, ctx.settings.data_dir / "survey-voice")
        dialer = Dialer(db, engine, interviewer)
        await dialer.start()
        ctx.provide(DIALER, dialer)

    async def stop(self, ctx: Context) -> None:
        dialer = ctx.find(DIALER)
        if dialer is not None:
            await dialer.stop()
            ctx.withdraw(DIALER)


PLUGIN = SurveysPlugin(
    "surveys",
    routers=(
        "hotline.web.routers.surveys",
        "hotline.web.routers.survey_results",
        "hotline.web.routers.survey_transfer",
        "hotline.web.routers.survey_cati",
        "hotline.web.routers.survey_campaigns",
        "hotline.web.routers.survey_answering",
        "hotline.web.routers.survey_invites",
    ),
    after=("telephony",),
    jobs=tuple(JOBS),
)
