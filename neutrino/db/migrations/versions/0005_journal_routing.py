"""journal: routing columns (network_id, host) and the writing transaction's id

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 23:00:00

``txid`` lets readers on PostgreSQL return only rows of transactions older than
their snapshot's xmin (see neutrino/db/journal.py); it is filled in by the
database (pg_current_xact_id()), and stays NULL on SQLite, which serialises
writers.
"""
import sqlalchemy as sa
from alembic import op  # noqa: I001

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('journal') as batch:
        batch.add_column(sa.Column('network_id', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column(
            'txid', sa.BigInteger(), nullable=True,
            server_default=sa.text('(pg_current_xact_id()::text::bigint)') if postgres else None))
    op.create_index(op.f('ix_journal_network_id'), 'journal', ['network_id'])
    op.create_index(op.f('ix_journal_host'), 'journal', ['host'])


def downgrade() -> None:
    op.drop_index(op.f('ix_journal_host'), table_name='journal')
    op.drop_index(op.f('ix_journal_network_id'), table_name='journal')
    with op.batch_alter_table('journal') as batch:
        batch.drop_column('txid')
        batch.drop_column('host')
        batch.drop_column('network_id')
