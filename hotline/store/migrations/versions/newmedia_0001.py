"""newmedia: WeChat auto-reply turns, posts, publications

Revision ID: newmedia_0001
Revises: 0001_foundation
Create Date: 2026-12-04 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import hotline.store.base


revision: str = 'newmedia_0001'
down_revision: str | Sequence[str] | None = '0001_foundation'
branch_labels: str | Sequence[str] | None = ('newmedia',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('newmedia_wechat_turns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('openid', sa.String(length=128), nullable=False),
    sa.Column('msg_id', sa.String(length=255), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('article_title', sa.String(length=300), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=True),
    sa.Column('created_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newmedia_wechat_turns')),
    sa.UniqueConstraint('msg_id', name=op.f('uq_newmedia_wechat_turns_msg_id'))
    )
    op.create_index('ix_newmedia_wechat_turns_created_at', 'newmedia_wechat_turns', ['created_at'], unique=False)
    op.create_index(op.f('ix_newmedia_wechat_turns_openid'), 'newmedia_wechat_turns', ['openid'], unique=False)
    op.create_table('newmedia_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=64), nullable=False),
    sa.Column('author', sa.String(length=16), nullable=True),
    sa.Column('digest', sa.String(length=120), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('cover', sa.LargeBinary(), nullable=True),
    sa.Column('cover_type', sa.String(length=32), nullable=True),
    sa.Column('knowledge_article_id', sa.Integer(), nullable=True),
    sa.Column('planned_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('published_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newmedia_posts'))
    )
    op.create_index('ix_newmedia_posts_planned_at', 'newmedia_posts', ['planned_at'], unique=False)
    op.create_index('ix_newmedia_posts_state', 'newmedia_posts', ['state'], unique=False)
    op.create_table('newmedia_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('thumb_media_id', sa.String(length=128), nullable=True),
    sa.Column('media_id', sa.String(length=128), nullable=True),
    sa.Column('publish_id', sa.String(length=128), nullable=True),
    sa.Column('remote_article_id', sa.String(length=128), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', hotline.store.base.UTCDateTime(), nullable=False),
    sa.Column('published_at', hotline.store.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['post_id'], ['newmedia_posts.id'], name=op.f('fk_newmedia_publications_post_id_newmedia_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_newmedia_publications'))
    )
    op.create_index('ix_newmedia_publications_status', 'newmedia_publications', ['status'], unique=False)
    op.create_index('uq_newmedia_publications_post_id', 'newmedia_publications', ['post_id', 'target'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_newmedia_publications_post_id', table_name='newmedia_publications')
    op.drop_index('ix_newmedia_publications_status', table_name='newmedia_publications')
    op.drop_table('newmedia_publications')
    op.drop_index('ix_newmedia_posts_state', table_name='newmedia_posts')
    op.drop_index('ix_newmedia_posts_planned_at', table_name='newmedia_posts')
    op.drop_table('newmedia_posts')
    op.drop_index(op.f('ix_newmedia_wechat_turns_openid'), table_name='newmedia_wechat_turns')
    op.drop_index('ix_newmedia_wechat_turns_created_at', table_name='newmedia_wechat_turns')
    op.drop_table('newmedia_wechat_turns')
