"""names: delegate.name_order (given_first | family_first), existing delegates defaulted by the rule

Every existing delegate gets the default a new registration gets (services/registration/names.py):
family name first for a country where that is the custom, or for a native name written in Han,
kana or Hangul; given name first otherwise. The rule is copied here, frozen, so that this revision
does the same thing whatever the service later becomes.

Revision ID: names01_name_order
Revises: deleg01_delegations
Create Date: 2026-12-01 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'names01_name_order'
down_revision = 'deleg01_delegations'
branch_labels = None
depends_on = None


NAME_ORDER_CHECK = "name_order IN ('given_first','family_first')"
#: as services/registration/names.py had it when this revision was written
FAMILY_FIRST_COUNTRIES = {"CN", "TW", "HK", "MO", "JP", "KR", "KP", "VN", "KH", "HU", "MN"}


def _family_first_script(text: str) -> bool:
    for ch in text or "":
        code = ord(ch)
        if (0x3400 <= code <= 0x4DBF or 0x4E00 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF
                or 0x20000 <= code <= 0x3FFFF or 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF
                or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F or 0xAC00 <= code <= 0xD7AF):
            return True
    return False


def _backfill():
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, country, native_name FROM delegate")).all()
    ids = [row.id for row in rows
           if (row.country or "").upper() in FAMILY_FIRST_COUNTRIES or _family_first_script(row.native_name)]
    for start in range(0, len(ids), 500):
        bind.execute(sa.text("UPDATE delegate SET name_order = 'family_first' WHERE id IN :ids")
                     .bindparams(sa.bindparam("ids", expanding=True)), {"ids": ids[start:start + 500]})


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # in place, the CHECK as a column constraint: rebuilding delegate would cascade its DROP (see accred01)
        op.execute("ALTER TABLE delegate ADD COLUMN name_order VARCHAR(12) DEFAULT 'given_first' NOT NULL "
                   f"CONSTRAINT ck_delegate_name_order_known CHECK ({NAME_ORDER_CHECK})")
    else:
        with op.batch_alter_table('delegate', schema=None) as batch_op:
            batch_op.add_column(sa.Column('name_order', sa.String(length=12), nullable=False,
                                          server_default='given_first'))
            batch_op.create_check_constraint(batch_op.f('ck_delegate_name_order_known'), NAME_ORDER_CHECK)
    _backfill()


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_column('delegate', 'name_order')  # SQLite 3.35+: its only constraint is its own CHECK
        return
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_delegate_name_order_known'), type_='check')
        batch_op.drop_column('name_order')
