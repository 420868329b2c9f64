"""public reads' version; badge batch results in the database

read_version: one row, the version every writer of the public pages and feeds bumps in its own
transaction (summit/plumbing/read_versions.py); the cache of those reads is keyed by it.
badge_job_result_chunk: a finished batch's PDF, in 1 MiB chunks, so whichever host a download lands
on can stream it (it was a file in one host's instance folder).

Revision ID: perf_cache01_read_versions
Revises: tr_travel01_flights_hotels
Create Date: 2026-12-01 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'perf_cache01_read_versions'
down_revision = 'tr_travel01_flights_hotels'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'read_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_read_version')),
    )
    op.create_table(
        'badge_job_result_chunk',
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['badge_job.id'], name=op.f('fk_badge_job_result_chunk_job_id_badge_job'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('job_id', 'seq', name=op.f('pk_badge_job_result_chunk')),
    )


def downgrade():
    op.drop_table('badge_job_result_chunk')
    op.drop_table('read_version')
