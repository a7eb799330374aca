/**
 * Routes of the console. Each page names the permission(s) it needs in `meta.perm`; the
 * navigation menu and the guard both read them, so a role sees exactly the pages it may use.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useAuth } from '../stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    perm?: string | string[]
    title?: string
    group?: string
    nav?: boolean
    public?: boolean
  }
}

export const consoleRoutes: RouteRecordRaw[] = [
  { path: 'workspace', name: 'workspace', component: () => import('../views/AgentWorkspace.vue'),
    meta: { perm: 'calls.control', title: 'nav.workspace', group: 'desk', nav: true } },
  { path: 'wallboard', name: 'wallboard', component: () => import('../views/WallboardView.vue'),
    meta: { perm: 'kpi.read', title: 'nav.wallboard', group: 'desk', nav: true } },
  { path: 'workorders', name: 'workorders', component: () => import('../views/workorders/WorkOrderList.vue'),
    meta: { perm: ['workorders.read', 'workorders.handle'], title: 'nav.workorders', group: 'orders', nav: true } },
  { path: 'workorders/:id', name: 'workorder', component: () => import('../views/workorders/WorkOrderDetail.vue'),
    meta: { perm: ['workorders.read', 'workorders.handle'], title: 'nav.workorderDetail' } },
  // The user's own mail/SMS notification choices: whoever has the bell (department, supervisors).
  { path: 'notify-settings', name: 'notify-settings', component: () => import('../views/NotifySettingsView.vue'),
    meta: { perm: ['workorders.handle', 'workorders.supervise'], title: 'notify.title', group: 'orders', nav: true } },
  { path: 'returnvisits', name: 'returnvisits', component: () => import('../views/workorders/ReturnVisits.vue'),
    meta: { perm: 'workorders.write', title: 'nav.returnVisits', group: 'orders', nav: true } },
  // What citizens sent in and what went back to them: shift leads read, administrators retry.
  { path: 'channels', name: 'channels', component: () => import('../views/channels/ChannelsView.vue'),
    meta: { perm: 'channels.read', title: 'chan.title', group: 'orders', nav: true } },
  { path: 'knowledge', name: 'knowledge', component: () => import('../views/knowledge/KnowledgeSearch.vue'),
    meta: { perm: 'knowledge.read', title: 'nav.knowledge', group: 'knowledge', nav: true } },
  { path: 'knowledge/articles/:id', name: 'article', component: () => import('../views/knowledge/ArticleView.vue'),
    meta: { perm: 'knowledge.read', title: 'nav.article' } },
  { path: 'knowledge/edit/:id?', name: 'article-edit', component: () => import('../views/knowledge/ArticleEditor.vue'),
    meta: { perm: 'knowledge.write', title: 'nav.articleEdit' } },
  { path: 'knowledge/review', name: 'knowledge-review', component: () => import('../views/knowledge/ReviewQueue.vue'),
    meta: { perm: 'knowledge.review', title: 'nav.review', group: 'knowledge', nav: true } },
  { path: 'knowledge/expiry', name: 'knowledge-expiry', component: () => import('../views/knowledge/ExpiryDashboard.vue'),
    meta: { perm: ['knowledge.write', 'knowledge.review'], title: 'nav.expiry', group: 'knowledge', nav: true } },
  // 排班/值班: the agent's own shifts on the desk; planning, duty roster and handover for shift leads.
  { path: 'my-schedule', name: 'wf-mine', component: () => import('../views/workforce/MySchedule.vue'),
    meta: { perm: 'workforce.read', title: 'wf.mySchedule', group: 'desk', nav: true } },
  { path: 'workforce/staffing', name: 'wf-staffing', component: () => import('../views/workforce/StaffingView.vue'),
    meta: { perm: 'workforce.plan', title: 'wf.staffing', group: 'workforce', nav: true } },
  { path: 'workforce/rosters', name: 'wf-rosters', component: () => import('../views/workforce/RosterView.vue'),
    meta: { perm: 'workforce.plan', title: 'wf.rosters', group: 'workforce', nav: true } },
  { path: 'workforce/setup', name: 'wf-setup', component: () => import('../views/workforce/SetupView.vue'),
    meta: { perm: 'workforce.plan', title: 'wf.setup', group: 'workforce', nav: true } },
  { path: 'workforce/leave', name: 'wf-leave', component: () => import('../views/workforce/LeaveView.vue'),
    meta: { perm: 'workforce.leave', title: 'wf.leave', group: 'workforce', nav: true } },
  { path: 'workforce/adherence', name: 'wf-adherence', component: () => import('../views/workforce/AdherenceView.vue'),
    meta: { perm: 'workforce.plan', title: 'wf.adherence', group: 'workforce', nav: true } },
  { path: 'workforce/duty', name: 'wf-duty', component: () => import('../views/workforce/DutyView.vue'),
    meta: { perm: 'workforce.read', title: 'wf.duty', group: 'workforce', nav: true } },
  { path: 'workforce/handover', name: 'wf-handover', component: () => import('../views/workforce/HandoverView.vue'),
    meta: { perm: 'workforce.handover', title: 'wf.handover', group: 'workforce', nav: true } },
  { path: 'contingency', name: 'contingency', component: () => import('../views/ContingencyView.vue'),
    meta: { perm: 'contingency.read', title: 'nav.contingency', group: 'center', nav: true } },
  { path: 'ivr', name: 'ivr', component: () => import('../views/IvrEditor.vue'),
    meta: { perm: 'ivr.read', title: 'nav.ivr', group: 'center', nav: true } },
  { path: 'recordings', name: 'recordings', component: () => import('../views/RecordingsView.vue'),
    meta: { perm: 'recordings.read', title: 'nav.recordings', group: 'center', nav: true } },
  // 满意度: the 不满意 flags a shift lead handles, the answers and the rates.
  { path: 'satisfaction', name: 'satisfaction', component: () => import('../views/SatisfactionView.vue'),
    meta: { perm: 'satisfaction.read', title: 'sat.nav', group: 'center', nav: true } },
  // 质检: the inspectors' queue and scoring page, appeals for supervisors, scorecards.
  { path: 'quality/queue', name: 'quality-queue', component: () => import('../views/quality/QualityQueue.vue'),
    meta: { perm: 'quality.write', title: 'qa.navQueue', group: 'center', nav: true } },
  { path: 'quality/score/:callId', name: 'quality-score', component: () => import('../views/quality/ScoreView.vue'),
    meta: { perm: 'quality.write', title: 'qa.scoreTitle' } },
  { path: 'quality/forms', name: 'quality-forms', component: () => import('../views/quality/FormsView.vue'),
    meta: { perm: 'quality.manage', title: 'qa.navForms', group: 'center', nav: true } },
  { path: 'quality/plans', name: 'quality-plans', component: () => import('../views/quality/PlansView.vue'),
    meta: { perm: 'quality.manage', title: 'qa.navPlans', group: 'center', nav: true } },
  { path: 'quality/appeals', name: 'quality-appeals', component: () => import('../views/quality/AppealsView.vue'),
    meta: { perm: 'quality.decide', title: 'qa.navAppeals', group: 'center', nav: true } },
  { path: 'quality/scorecards', name: 'quality-scorecards', component: () => import('../views/quality/ScorecardsView.vue'),
    meta: { perm: 'quality.read', title: 'qa.navCards', group: 'center', nav: true } },
  // An agent's own scores: on the desk, beside the workspace.
  { path: 'quality/mine', name: 'quality-mine', component: () => import('../views/quality/MyScores.vue'),
    meta: { perm: 'quality.own', title: 'qa.navMine', group: 'desk', nav: true } },
  { path: 'admin/queues', name: 'queues', component: () => import('../views/admin/QueuesView.vue'),
    meta: { perm: 'acd.read', title: 'nav.queues', group: 'center', nav: true } },
  // Agents look callers up during calls: the records sit on the desk, not under administration.
  { path: 'callers', name: 'callers', component: () => import('../views/admin/CallersView.vue'),
    meta: { perm: 'callers.read', title: 'nav.callers', group: 'desk', nav: true } },
  { path: 'callers/:id(\\d+)', name: 'caller', component: () => import('../views/CallerDetail.vue'),
    meta: { perm: 'callers.read', title: 'c360.title' } },
  // Questionnaires (问卷调查): list, designer, results.
  { path: 'surveys', name: 'surveys', component: () => import('../views/surveys/SurveyList.vue'),
    meta: { perm: 'surveys.read', title: 'sv.title', group: 'surveys', nav: true } },
  { path: 'surveys/:id(\\d+)/design', name: 'survey-design', component: () => import('../views/surveys/SurveyDesigner.vue'),
    meta: { perm: 'surveys.write', title: 'sv.design' } },
  { path: 'surveys/:id(\\d+)/results', name: 'survey-results', component: () => import('../views/surveys/SurveyResults.vue'),
    meta: { perm: 'surveys.read', title: 'sv.results' } },
  { path: 'surveys/campaigns', name: 'survey-campaigns', component: () => import('../views/surveys/SurveyCampaigns.vue'),
    meta: { perm: 'surveys.run', title: 'svc.title', group: 'surveys', nav: true } },
  // 舆情: analysts and shift leads watch what citizens say elsewhere and work opinion incidents.
  { path: 'opinion', name: 'opinion', component: () => import('../views/opinion/OpinionView.vue'),
    meta: { perm: 'opinion.read', title: 'op.title', group: 'opinion', nav: true } },
  { path: 'opinion/incidents', name: 'opinion-incidents', component: () => import('../views/opinion/IncidentsView.vue'),
    meta: { perm: 'opinion.read', title: 'op.incidents', group: 'opinion', nav: true } },
  // 新媒体: posts reviewed before publishing, the content calendar, the official account's auto-replies.
  { path: 'newmedia', name: 'newmedia', component: () => import('../views/newmedia/NewMediaView.vue'),
    meta: { perm: 'newmedia.read', title: 'nm.title', group: 'opinion', nav: true } },
  { path: 'opinion/incidents/:id(\\d+)', name: 'opinion-incident', component: () => import('../views/opinion/IncidentDetail.vue'),
    meta: { perm: 'opinion.read', title: 'op.incident' } },
  // 统计分析: the analysts' home (this month's figures, hotspots), standard reports, the builder.
  { path: 'analytics', name: 'an-home', component: () => import('../views/analytics/AnalyticsHome.vue'),
    meta: { perm: 'analytics.read', title: 'an.home', group: 'analytics', nav: true } },
  ...['calls', 'agents', 'orders', 'ontime', 'satisfaction'].map((key): RouteRecordRaw => ({
    path: `analytics/reports/${key}`, name: `an-${key}`, component: () => import('../views/analytics/ReportView.vue'),
    props: { report: key }, meta: { perm: 'analytics.read', title: `an.reports.${key}`, group: 'analytics', nav: true },
  })),
  ...(['repeats', 'knowledge'] as const).map((key): RouteRecordRaw => ({
    path: `analytics/reports/${key}`, name: `an-${key}`, component: () => import('../views/analytics/UsageReportView.vue'),
    props: { report: key }, meta: { perm: 'analytics.read', title: `an.reports.${key}`, group: 'analytics', nav: true },
  })),
  { path: 'analytics/pivot', name: 'an-pivot', component: () => import('../views/analytics/PivotBuilder.vue'),
    meta: { perm: 'analytics.read', title: 'an.pivot', group: 'analytics', nav: true } },
  { path: 'analytics/subscriptions', name: 'an-subscriptions', component: () => import('../views/analytics/SubscriptionsView.vue'),
    meta: { perm: 'analytics.read', title: 'an.subscriptions', group: 'analytics', nav: true } },
  { path: 'analytics/drill', name: 'an-drill', component: () => import('../views/analytics/DrillView.vue'),
    meta: { perm: 'analytics.read', title: 'an.drill' } },
  { path: 'admin/users', name: 'users', component: () => import('../views/admin/UsersView.vue'),
    meta: { perm: 'users.read', title: 'nav.users', group: 'admin', nav: true } },
  { path: 'admin/departments', name: 'departments', component: () => import('../views/admin/DepartmentsView.vue'),
    meta: { perm: 'departments.write', title: 'nav.departments', group: 'admin', nav: true } },
  { path: 'admin/telephony', name: 'telephony', component: () => import('../views/admin/TelephonyView.vue'),
    meta: { perm: 'telephony.admin', title: 'admin.trunks', group: 'admin', nav: true } },
  { path: 'admin/audit', name: 'audit', component: () => import('../views/admin/AuditView.vue'),
    meta: { perm: 'audit.read', title: 'nav.audit', group: 'admin', nav: true } },
  { path: 'admin/config', name: 'config', component: () => import('../views/admin/ConfigView.vue'),
    meta: { perm: 'workorders.admin', title: 'cfg.conf.title', group: 'admin', nav: true } },
]

/** The first page for a role: what that person spends the day on. */
const HOME_BY_ROLE: Record<string, string[]> = {
  agent: ['workspace'],
  supervisor: ['wallboard', 'workspace'],
  analyst: ['an-home', 'wallboard'],
  qa_inspector: ['recordings'],
  department_handler: ['workorders'],
  admin: ['users'],
}

export function homeFor(role: string, can: (perm: string | string[] | undefined) => boolean): string {
  const names = [...(HOME_BY_ROLE[role] ?? []), ...consoleRoutes.filter((r) => r.meta?.nav).map((r) => String(r.name))]
  for (const name of names) {
    const route = consoleRoutes.find((r) => r.name === name)
    if (route && can(route.meta?.perm)) return `/${route.path}`
  }
  return '/forbidden'
}

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('../views/LoginView.vue'), meta: { public: true } },
  // Signed in, outside the console shell: a user whose password an admin set may open nothing else.
  // The wallboard on a TV: full screen, no console frame, figures readable from 3 m.
  { path: '/tv', name: 'wallboard-tv', component: () => import('../views/WallboardView.vue'), props: { tv: true }, meta: { perm: 'kpi.read' } },
  { path: '/change-password', name: 'change-password', component: () => import('../views/ChangePasswordView.vue') },
  {
    path: '/',
    component: () => import('../layouts/ConsoleLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('../views/ForbiddenView.vue') },
      { path: 'forbidden', name: 'forbidden', component: () => import('../views/ForbiddenView.vue') },
      ...consoleRoutes,
      { path: 'admin/callers', redirect: '/callers' }, // the records' old address, under 系统管理
    ],
  },
  // A questionnaire answered by citizens: no sign-in, no console frame (the link is the credential).
  { path: '/s/:token', name: 'survey-answer', component: () => import('../views/surveys/SurveyAnswer.vue'), meta: { public: true } },
  { path: '/:pathMatch(.*)*', name: 'notfound', component: () => import('../views/NotFoundView.vue'), meta: { public: true } },
]

export function makeRouter() {
  const router = createRouter({ history: createWebHistory('/'), routes })
  router.beforeEach(async (to) => {
    const auth = useAuth()
    if (to.meta.public) return true
    if (!auth.checked) await auth.fetchMe()
    if (!auth.me) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
    if (auth.me.must_change_password) return to.name === 'change-password' ? true : { name: 'change-password' }
    if (to.name === 'change-password') return true
    if (to.name === 'home') return homeFor(auth.me.role, auth.can)
    if (!auth.can(to.meta.perm)) return { name: 'forbidden' }
    return true
  })
  return router
}
