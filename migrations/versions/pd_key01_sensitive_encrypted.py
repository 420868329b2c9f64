"""sensitive fields encrypted at rest: delegate.dietary_needs and accessibility_needs hold Fernet tokens

data_key_check: one row, a known plain text under the current DATA_KEY, read at start so a wrong key
refuses to start (summit/plumbing/data_key.py).  The existing plain-text needs are encrypted in place with
the app's key (this runs under `flask db upgrade`, inside the app); downgrade decrypts them back.  The
column type stays TEXT: a token is longer than the text but has no limit to outgrow.

Revision ID: pd_key01_sensitive_encrypted
Revises: zones01_event_day
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = 'pd_key01_sensitive_encrypted'
down_revision = 'pd_erase01_erasure'
branch_labels = None
depends_on = None

COLUMNS = ("dietary_needs", "accessibility_needs")
BATCH = 1000


def _cipher():
    from summit.plumbing.data_key import EXTENSION
    return current_app.extensions[EXTENSION]


def _rewrite(change) -> None:
    """Every non-empty need through ``change`` (encrypt or decrypt), a batch of rows at a time."""
    bind = op.get_bind()
    delegate = sa.table("delegate", sa.column("id", sa.Integer), *(sa.column(name, sa.Text) for name in COLUMNS))
    last = 0
    while True:
        rows = bind.execute(sa.select(delegate).where(delegate.c.id > last).order_by(delegate.c.id)
                            .limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            values = {name: change(getattr(row, name)) for name in COLUMNS if getattr(row, name)}
            if values:
                bind.execute(delegate.update().where(delegate.c.id == row.id).values(**values))
        last = rows[-1].id


def upgrade():
    op.create_table(
        'data_key_check',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('sample', sa.Text(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_data_key_check_single_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_key_check')),
    )
    from summit.plumbing.data_key import CHECK_PLAINTEXT

    cipher = _cipher()
    _rewrite(cipher.encrypt)
    op.execute(sa.table('data_key_check', sa.column('id', sa.Integer), sa.column('sample', sa.Text))
               .insert().values(id=1, sample=cipher.encrypt(CHECK_PLAINTEXT)))


def downgrade():
    _rewrite(_cipher().decrypt)
    op.drop_table('data_key_check')
