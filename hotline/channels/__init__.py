"""Intake channels (SMS gateway, WeChat official account, mailbox, web form): every inbound message
is first persisted raw in the inbox, then processed idempotently into a work order and acknowledged."""
