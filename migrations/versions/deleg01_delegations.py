"""delegations: a delegation's places and its focal point's secret link; delegate.delegation_id

The delegation table (members_live is held below places by a CHECK, and kept by the conditional
UPDATE in services/accreditation/delegation_places.py), and delegate.delegation_id, NULL for every
existing delegate (they came in alone). ON DELETE SET NULL: the app revokes a delegation, never deletes
it; an operator who deletes one leaves its members registered as individual delegates.

Revision ID: deleg01_delegations
Revises: accred01_accreditation
Create Date: 2026-12-01 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'deleg01_delegations'
down_revision = 'accred01_accreditation'
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


#: on SQLite, delegate.delegation_id's foreign key (ON DELETE SET NULL) is held by triggers
TRIGGERS = ("trg_delegate_delegation_insert", "trg_delegate_delegation_update", "trg_delegation_delete")


def _sqlite_delegation_triggers():
    for name, event in zip(TRIGGERS[:2], ("INSERT", "UPDATE OF delegation_id")):
        op.execute(f"""
            CREATE TRIGGER {name} BEFORE {event} ON delegate
            WHEN NEW.delegation_id IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM delegation WHERE delegation.id = NEW.delegation_id)
            BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: fk_delegate_delegation_id_delegation'); END""")
    op.execute(f"""
        CREATE TRIGGER {TRIGGERS[2]} AFTER DELETE ON delegation
        BEGIN UPDATE delegate SET delegation_id = NULL WHERE delegation_id = OLD.id; END""")


def upgrade():
    op.create_table(
        'delegation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('name_zh', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('focal_name', sa.String(length=200), nullable=False),
        sa.Column('focal_email', sa.String(length=254), nullable=False),
        sa.Column('focal_language', sa.String(length=2), nullable=False, server_default='en'),
        sa.Column('places', sa.Integer(), nullable=False),
        sa.Column('members_live', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('places >= 0', name=op.f('ck_delegation_places_non_negative')),
        sa.CheckConstraint('members_live >= 0', name=op.f('ck_delegation_members_non_negative')),
        sa.CheckConstraint('members_live <= places', name=op.f('ck_delegation_never_overfilled')),
        sa.CheckConstraint('length(country) = 2', name=op.f('ck_delegation_country_alpha2')),
        sa.CheckConstraint("focal_language IN ('zh','en')", name=op.f('ck_delegation_focal_language_known')),
        sa.CheckConstraint('focal_email = lower(focal_email)', name=op.f('ck_delegation_focal_email_lower')),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_delegation_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_delegation_token_hash')),
    )
    op.create_index('ix_delegation_summit', 'delegation', ['summit_id'])

    if _sqlite():
        # In place, as accred01 does: rebuilding delegate would lose accred01's triggers, and SQLite cannot
        # drop a column that a REFERENCES clause names (the downgrade). So the foreign key is triggers.
        op.add_column('delegate', sa.Column('delegation_id', sa.Integer(), nullable=True))
        _sqlite_delegation_triggers()
        op.create_index('ix_delegate_delegation', 'delegate', ['delegation_id'])
        return
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delegation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_delegate_delegation_id_delegation'), 'delegation',
                                    ['delegation_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_delegate_delegation', ['delegation_id'], unique=False)


def downgrade():
    if _sqlite():
        op.drop_index('ix_delegate_delegation', table_name='delegate')
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.drop_column('delegate', 'delegation_id')
    else:
        with op.batch_alter_table('delegate', schema=None) as batch_op:
            batch_op.drop_index('ix_delegate_delegation')
            batch_op.drop_constraint(batch_op.f('fk_delegate_delegation_id_delegation'), type_='foreignkey')
            batch_op.drop_column('delegation_id')
    op.drop_index('ix_delegation_summit', table_name='delegation')
    op.drop_table('delegation')
