"""delegate: a pending manage secret from a lost-link request, and when it expires

A lost-link request no longer replaces the working manage secret: it stores a pending one,
which becomes the manage secret only when the delegate opens it (services/new_links.py).

Revision ID: links01_pending_manage_token
Revises: accounts01_sessions
Create Date: 2026-11-22 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'links01_pending_manage_token'
down_revision = 'accounts01_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_manage_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('pending_manage_token_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_delegate_pending_manage_token_hash'),
                                          ['pending_manage_token_hash'])
        batch_op.create_check_constraint(
            batch_op.f('ck_delegate_pending_manage_token_expires'),
            "(pending_manage_token_hash IS NULL) = (pending_manage_token_expires_at IS NULL)")


def downgrade():
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_delegate_pending_manage_token_expires'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_delegate_pending_manage_token_hash'), type_='unique')
        batch_op.drop_column('pending_manage_token_expires_at')
        batch_op.drop_column('pending_manage_token_hash')
