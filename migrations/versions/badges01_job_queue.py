"""Badge jobs: one running batch per host, a heartbeat, and results that expire

Revision ID: badges01_job_queue
Revises: links01_pending_manage_token
Create Date: 2026-11-22 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'badges01_job_queue'
down_revision = 'links01_pending_manage_token'
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'running'")


def upgrade():
    # Jobs left running by the old code have no heartbeat: they can never finish now.
    op.execute("UPDATE badge_job SET status = 'failed', error = 'stopped by an upgrade', "
               "finished_at = CURRENT_TIMESTAMP WHERE status = 'running'")
    with op.batch_alter_table('badge_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('runner', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f('ck_badge_job_status_known'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_badge_job_status_known'), "status IN ('queued','running','done','failed','expired')")
        batch_op.create_check_constraint(
            op.f('ck_badge_job_running_has_runner'), "status <> 'running' OR (runner IS NOT NULL AND heartbeat_at IS NOT NULL)")
        batch_op.create_index(op.f('ix_badge_job_status_id'), ['status', 'id'], unique=False)
        batch_op.create_index(op.f('uq_badge_job_one_running_per_runner'), ['runner'], unique=True,
                              sqlite_where=RUNNING, postgresql_where=RUNNING)


def downgrade():
    op.execute("UPDATE badge_job SET status = 'failed' WHERE status = 'expired'")
    with op.batch_alter_table('badge_job', schema=None) as batch_op:
        batch_op.drop_index('uq_badge_job_one_running_per_runner')
        batch_op.drop_index('ix_badge_job_status_id')
        batch_op.drop_constraint(op.f('ck_badge_job_running_has_runner'), type_='check')
        batch_op.drop_constraint(op.f('ck_badge_job_status_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_badge_job_status_known'),
                                         "status IN ('queued','running','done','failed')")
        batch_op.drop_column('expires_at')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('runner')
