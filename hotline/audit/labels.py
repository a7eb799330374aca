"""Chinese names of audit actions and objects, for the console's audit log and its exports.

Actions are codes such as `create`, `login` or `workorder.approve_extension` (object prefix, then a
verb); the label joins the object's and the verb's names (工单·批准延期). A code not named here is
shown as it is, so a new action is never hidden.
"""

from __future__ import annotations

ENTITY_ZH = {
    "user": "用户",
    "department": "部门",
    "caller": "来电人",
    "workorder": "工单",
    "workorder_view": "工单筛选",
    "workorder_file": "工单附件",
    "workorder_category": "工单分类",
    "workorder_policy": "时限规则",
    "workorder_calendar": "节假日日历",
    "article": "知识",
    "knowledge": "知识",
    "acd_queue": "队列",
    "business_hours": "工作时间",
    "ivr_flow": "IVR 流程",
    "recording": "录音",
    "recording_mark": "录音标记",
    "sip_trunk": "中继",
    "agent_phone": "坐席话机",
    "prompt": "提示音",
    "api_token": "API 令牌",
    "call": "通话",
    "channel": "受理渠道",
    "channel_inbox": "受理收件箱",
    "channel_reply": "渠道答复",
    "workorder_notify": "工单通知",
    "workorder_notify_out": "通知发送",
    "agent": "座席",
    "audit": "审计日志",
    "survey": "问卷",
    "survey_response": "答卷",
    "survey_interview": "电话访问",
    "survey_campaign": "调查任务",
    "survey_cati_quotas": "电话访问配额",
    "ha": "主备切换",
    "analytics_report_schedule": "定时报表",
    "analytics_report_run": "定时报表发送",
    "report_run": "定时报表",
    "saved_report": "自定义报表",
}

VERB_ZH = {
    "lease_taken": "接管排队主节点",
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "login": "登录",
    "logout": "退出登录",
    "login_failed": "登录失败",
    "change_password": "修改密码",
    "set_password": "重置密码",
    "set_skills": "设置技能",
    "save_draft": "保存草稿",
    "publish": "发布",
    "rollback": "回滚",
    "play": "播放",
    "upload": "上传",
    "retention": "按保留期清理",
    "revoke": "吊销",
    "export": "导出",
    "lookup": "查询",
    "read": "查看",
    "link": "关联",
    "use": "通话使用",
    "vote": "评价",
    "revive": "重新处理",
    "retry": "重试",
    "release": "放行",
    "emergency_ack": "确认紧急告警",
    "hangup_force": "强拆",
    "set": "设置",
    "set_state": "改变状态",
    "transfer": "转接",
    # answers back to citizens over their channel (hotline/channels/replies.py)
    "reply_queue": "答复待发送",
    "reply_sent": "答复已发送",
    "reply_failed": "答复发送失败",
    "reply_dead": "答复停止重试",
    "reply_refused": "答复无法发送",
    "reply_skipped": "答复不发送",
    "reply_retry": "答复重新发送",
    # work-order notifications by mail/SMS (workorders/notify_prefs.py, channels/notify_out.py)
    "settings": "通知设置",
    "queue": "待发送",
    "sent": "已发送",
    "failed": "发送失败",
    "dead": "停止重试",
    "skipped": "不发送",
    "unknown": "发送结果未知",
    # work-order lifecycle (hotline/workorders/lifecycle.py Action)
    "accept": "受理",
    "resolve_on_call": "当场办结",
    "dispatch": "派单",
    "receive": "签收",
    "return": "退单",
    "request_extension": "申请延期",
    "approve_extension": "批准延期",
    "refuse_extension": "驳回延期",
    "reply": "答复",
    "start_return_visit": "开始回访",
    "return_visit": "回访",
    "close": "办结",
    "reopen": "重办",
    "supervise": "督办",
    "merge": "合并",
    "cancel": "撤销",
    # questionnaires (hotline/surveys/)
    "create_tokens": "生成答卷链接",
    "create_open_link": "生成公开链接",
    "survey_close": "停止收集",
    "survey_reopen": "恢复收集",
    "start": "开始作答",
    "resume": "继续作答",
    "save_page": "保存答卷页",
    "submit": "提交答卷",
    "build_frame": "生成样本",
    "edit_quotas": "修改配额",
    "add_respondents": "添加受访者",
    "interview_start": "领取访问",
    "interview_complete": "访问完成",
    "interview_refuse": "拒访",
    "interview_no_answer": "无人接听",
    "interview_busy": "占线",
    "interview_wrong_number": "号码错误",
    "interview_callback": "约定回拨",
    "interview_release": "退回待拨",
    # scheduled reports (hotline/analytics/mailing.py)
    "regenerate": "重新生成并发送",
}


def entity_zh(entity: str) -> str:
    return ENTITY_ZH.get(entity, entity)


def action_zh(action: str) -> str:
    """`workorder.approve_extension` -> 工单·批准延期; `login` -> 登录."""
    prefix, _, verb = action.rpartition(".")
    verb_zh = VERB_ZH.get(verb, verb)
    return f"{ENTITY_ZH.get(prefix, prefix)}·{verb_zh}" if prefix else verb_zh
