"""erasure and retention: delegate.erased_at, summit.retention_days

delegate.erased_at: when a delegate's personal data was erased (on request or by `flask purge`); the row
stays as an anonymous count.  summit.retention_days: how long after its end a summit keeps personal data
(from the summit file; existing summits get 180, the default, see summit/data/gstf-2024.toml).

Revision ID: pd_erase01_erasure
Revises: zones01_event_day
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'pd_erase01_erasure'
down_revision = "pd_consent01_consents"
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.add_column('delegate', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
    if _sqlite():
        # SQLite adds a column with its own CHECK in place; a table constraint would rebuild summit
        op.execute("ALTER TABLE summit ADD COLUMN retention_days INTEGER DEFAULT '180' NOT NULL "
                   "CONSTRAINT ck_summit_retention_days_non_negative CHECK (retention_days >= 0)")
        return
    op.add_column('summit', sa.Column('retention_days', sa.Integer(), nullable=False, server_default='180'))
    op.create_check_constraint(op.f('ck_summit_retention_days_non_negative'), 'summit', 'retention_days >= 0')


def downgrade():
    if _sqlite():
        # in place (SQLite 3.35+ drops a column whose only constraint is its own CHECK)
        op.drop_column('summit', 'retention_days')
        op.drop_column('delegate', 'erased_at')
        return
    op.drop_constraint(op.f('ck_summit_retention_days_non_negative'), 'summit', type_='check')
    op.drop_column('summit', 'retention_days')
    op.drop_column('delegate', 'erased_at')
