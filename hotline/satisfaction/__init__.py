"""Satisfaction (满意度): the agent-number announcement and the post-call survey of every queue."""
