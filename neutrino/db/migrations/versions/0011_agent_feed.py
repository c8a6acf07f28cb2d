"""agent feed: the database's identity and pruning mark, and the hosts' scopes

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 02:10:00

The identity is a random id written once, here (the first start of a server on
this database); every feed cursor carries it.
"""
import uuid

import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    state = op.create_table(
        'journal_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('database_id', sa.String(length=36), nullable=False),
        sa.Column('pruned_seq', sa.BigInteger(), nullable=False),
        sa.Column('pruned_txid', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_state')),
    )
    op.bulk_insert(state, [{'id': 1, 'database_id': str(uuid.uuid4()), 'pruned_seq': 0,
                            'pruned_txid': 0}])
    op.create_table(
        'feed_scopes',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('host', sa.String(length=255), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('used_at', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('digest', name=op.f('pk_feed_scopes')),
    )
    op.create_index(op.f('ix_feed_scopes_host'), 'feed_scopes', ['host'])
    op.create_index(op.f('ix_feed_scopes_used_at'), 'feed_scopes', ['used_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_feed_scopes_used_at'), table_name='feed_scopes')
    op.drop_index(op.f('ix_feed_scopes_host'), table_name='feed_scopes')
    op.drop_table('feed_scopes')
    op.drop_table('journal_state')
