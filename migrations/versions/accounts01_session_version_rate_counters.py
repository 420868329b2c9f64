"""accounts: console sessions carry a version; rate counters shared by every worker replace the lock

Console accounts no longer lock after failed sign-ins (anyone could lock an organiser out):
sign-in attempts are counted per account and client address in rate_counter, which also holds
Flask-Limiter's counters when there is no Redis.  session_version is part of each session's
identity, so raising it ends every session of the account.

Revision ID: accounts01_sessions
Revises: 02bcf45c213f
Create Date: 2026-11-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'accounts01_sessions'
down_revision = '02bcf45c213f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_counter',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_counter'))
    )
    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.create_index('ix_rate_counter_expires_at', ['expires_at'], unique=False)

    with op.batch_alter_table('console_user', schema=None) as batch_op:
        # Sessions signed before this migration name no version: they end once, at the upgrade.
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('console_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column('session_version')

    with op.batch_alter_table('rate_counter', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_counter_expires_at')

    op.drop_table('rate_counter')
