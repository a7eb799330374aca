// Role -> permissions as in hotline/people/permissions.py (a subset that decides the home page).
export const ROLE_SAMPLE: [string, string[], string][] = [
  ['agent', ['calls.control', 'kpi.read', 'workorders.read', 'workorders.write', 'knowledge.read'], '/workspace'],
  ['supervisor', ['calls.control', 'calls.supervise', 'kpi.read', 'workorders.read', 'knowledge.review'], '/wallboard'],
  ['analyst', ['kpi.read', 'calls.read', 'workorders.read', 'analytics.read'], '/analytics'],
  ['qa_inspector', ['recordings.read', 'kpi.read', 'workorders.read'], '/recordings'],
  ['department_handler', ['workorders.handle', 'knowledge.read', 'departments.read'], '/workorders'],
  ['admin', ['users.read', 'calls.control', 'kpi.read'], '/admin/users'],
]
