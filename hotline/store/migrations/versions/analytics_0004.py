"""analytics: the read-only reporting schema for the bureau's BI tools (PostgreSQL only)

Views in schema `reporting` over the rollups, with Chinese comments on every view and column, for
Metabase / Superset / Grafana (grant their user `USAGE` on the schema and `SELECT` on its views;
docs/analytics.md). SQLite has no schemas or comments: nothing to do there.

Revision ID: analytics_0004
Revises: analytics_0003
Create Date: 2026-12-04 10:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "analytics_0004"
down_revision: str | Sequence[str] | None = "analytics_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALL_COLUMNS = {
    "offered": "呼入（进入该队列的来电）",
    "entered": "进线（全中心口径，溢出来电只计一次）",
    "answered": "接通",
    "answered_15s": "15秒内接通",
    "abandoned": "放弃（等待5秒及以上挂机）",
    "short_abandoned": "短时放弃（5秒内挂机，不计入各项比率）",
    "lost": "溢出未接（队列口径）",
    "lost_center": "溢出未接（全中心口径：转留言或挂机）",
    "callbacks": "回呼登记",
    "completed": "完成通话",
    "wait_total": "接通来电等待总秒数",
    "talk_total": "通话总秒数",
}
VIEWS = {
    "calls_by_hour": (
        "话务按小时×队列汇总（本地时间 Asia/Shanghai）",
        "SELECT day, hour, queue, {m} FROM analytics_call_hours",
        {"day": "日期", "hour": "小时（0–23）", "queue": "队列", **CALL_COLUMNS},
    ),
    "calls_by_agent": (
        "话务按半小时×队列×座席汇总（agent_id 0 表示无座席的记录）",
        "SELECT day, slot, queue, agent_id, {m} FROM analytics_call_slots",
        {
            "day": "日期",
            "slot": "半小时段（0 = 00:00–00:30）",
            "queue": "队列",
            "agent_id": "座席用户ID",
            **CALL_COLUMNS,
        },
    ),
    "orders_by_day": (
        "工单按受理日×分类×区县×承办单位×渠道×当前状态汇总",
        "SELECT o.day, o.category_id, c.name AS category, NULLIF(o.district, '') AS district, "
        "o.department_id, d.name AS department, o.channel, o.state, o.orders, o.closed, "
        "o.closed_on_time, o.supervised, o.visited, o.satisfied FROM analytics_order_days o "
        "LEFT JOIN workorder_categories c ON c.id = o.category_id "
        "LEFT JOIN departments d ON d.id = o.department_id",
        {
            "day": "受理日期",
            "category_id": "分类ID（0 未分类）",
            "category": "分类名称",
            "district": "区县",
            "department_id": "承办单位ID（0 未派单）",
            "department": "承办单位名称",
            "channel": "渠道（phone 电话、web 网上留言、sms 短信、wechat 微信、mailbox 邮件）",
            "state": "当前状态",
            "orders": "工单数",
            "closed": "已办结",
            "closed_on_time": "按时办结",
            "supervised": "督办",
            "visited": "已回访",
            "satisfied": "满意及基本满意",
        },
    ),
    "hotspots": (
        "热点：类别×区县激增与相似诉求聚类",
        "SELECT id, kind, status, name, category_id, district, first_day, last_day, orders, baseline, "
        "p_value FROM analytics_hotspots",
        {
            "id": "热点ID",
            "kind": "类型（spike 激增，cluster 聚类）",
            "status": "状态（open 进行中，dismissed 已忽略，merged 已合并）",
            "name": "名称",
            "category_id": "主要分类ID",
            "district": "主要区县",
            "first_day": "首次发现日期",
            "last_day": "最近出现日期",
            "orders": "涉及工单数",
            "baseline": "基线期望值 λ",
            "p_value": "泊松检验 p 值",
        },
    ),
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE SCHEMA IF NOT EXISTS reporting")
    op.execute("COMMENT ON SCHEMA reporting IS " + _quote("12345热线报表数据（只读视图，供 BI 工具使用）"))
    measures = ", ".join(CALL_COLUMNS)
    for name, (comment, sql, columns) in VIEWS.items():
        op.execute(f"CREATE VIEW reporting.{name} AS {sql.format(m=measures)}")
        op.execute(f"COMMENT ON VIEW reporting.{name} IS {_quote(comment)}")
        for column, text in columns.items():
            op.execute(f"COMMENT ON COLUMN reporting.{name}.{column} IS {_quote(text)}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP SCHEMA IF EXISTS reporting CASCADE")
