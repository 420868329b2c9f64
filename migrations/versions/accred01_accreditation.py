"""accreditation: registration modes, protocol levels, a delegate's accreditation, level and title

summit.registration_mode (open, the behaviour before, for every existing summit) and contact_email;
the protocol_level table (from the summit file; each existing summit gets its default level,
"delegate", so every existing delegate can refer to it); delegate.accreditation (approved for
every existing delegate: they came in under the open mode), delegate.protocol_level (a code of the
delegate's summit's levels, held by a composite foreign key) and delegate.title (an honorific).

Revision ID: accred01_accreditation
Revises: badges01_job_queue
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'accred01_accreditation'
down_revision = 'badges01_job_queue'
branch_labels = None
depends_on = None


MODE_CHECK = "registration_mode IN ('open','approval','invitation')"
ACCREDITATION_CHECK = "accreditation IN ('pending','approved','rejected')"
#: on SQLite, the composite foreign key delegate(summit_id, protocol_level) → protocol_level(summit_id, code)
#: is held by triggers instead (see _sqlite_level_triggers)
LEVEL_TRIGGERS = ("trg_delegate_protocol_level_insert", "trg_delegate_protocol_level_update")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _sqlite_level_triggers():
    """SQLite cannot add a table constraint without rebuilding the table, and rebuilding summit or delegate
    drops the old table, whose implicit DELETE cascades (foreign_keys is on) to every delegate and booking.
    So on SQLite the columns are added in place, their CHECKs as column constraints, and the level's
    foreign key is two triggers that refuse what the foreign key would (a failed RAISE is an IntegrityError)."""
    for name, event in zip(LEVEL_TRIGGERS, ("INSERT", "UPDATE OF protocol_level, summit_id")):
        op.execute(f"""
            CREATE TRIGGER {name} BEFORE {event} ON delegate
            WHEN NOT EXISTS (SELECT 1 FROM protocol_level
                             WHERE protocol_level.summit_id = NEW.summit_id AND protocol_level.code = NEW.protocol_level)
            BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: fk_delegate_protocol_level'); END""")


def upgrade():
    if _sqlite():
        op.execute("ALTER TABLE summit ADD COLUMN registration_mode VARCHAR(12) DEFAULT 'open' NOT NULL "
                   f"CONSTRAINT ck_summit_registration_mode_known CHECK ({MODE_CHECK})")
        op.add_column('summit', sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
    else:
        with op.batch_alter_table('summit', schema=None) as batch_op:
            batch_op.add_column(sa.Column('registration_mode', sa.String(length=12), nullable=False,
                                          server_default='open'))
            batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
            batch_op.create_check_constraint(batch_op.f('ck_summit_registration_mode_known'), MODE_CHECK)

    op.create_table(
        'protocol_level',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('badge_colour', sa.String(length=7), nullable=False),
        sa.Column('badge_pattern', sa.String(length=20), nullable=False),
        sa.CheckConstraint('rank >= 1', name=op.f('ck_protocol_level_rank_positive')),
        sa.CheckConstraint('length(badge_colour) = 7', name=op.f('ck_protocol_level_badge_colour_hex')),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_protocol_level_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_protocol_level')),
        sa.UniqueConstraint('summit_id', 'code', name='uq_protocol_level_code'),
    )
    # Every existing summit gets the default level before any delegate refers to it; `flask seed`
    # then gives it the summit file's names and colours, and adds the other levels.
    op.execute("INSERT INTO protocol_level (summit_id, code, name_zh, name_en, rank, badge_colour, badge_pattern) "
               "SELECT id, 'delegate', '代表', 'Delegate', 2, '#1f5fa8', 'solid' FROM summit")

    if _sqlite():
        op.execute("ALTER TABLE delegate ADD COLUMN accreditation VARCHAR(12) DEFAULT 'approved' NOT NULL "
                   f"CONSTRAINT ck_delegate_accreditation_known CHECK ({ACCREDITATION_CHECK})")
        op.add_column('delegate', sa.Column('protocol_level', sa.String(length=32), nullable=False,
                                            server_default='delegate'))
        op.add_column('delegate', sa.Column('title', sa.String(length=40), nullable=False, server_default=''))
        _sqlite_level_triggers()
        op.create_index('ix_delegate_summit_accreditation', 'delegate', ['summit_id', 'accreditation'])
        return
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accreditation', sa.String(length=12), nullable=False,
                                      server_default='approved'))
        batch_op.add_column(sa.Column('protocol_level', sa.String(length=32), nullable=False,
                                      server_default='delegate'))
        batch_op.add_column(sa.Column('title', sa.String(length=40), nullable=False, server_default=''))
        batch_op.create_check_constraint(batch_op.f('ck_delegate_accreditation_known'), ACCREDITATION_CHECK)
        batch_op.create_foreign_key('fk_delegate_protocol_level', 'protocol_level',
                                    ['summit_id', 'protocol_level'], ['summit_id', 'code'], ondelete='RESTRICT')
        batch_op.create_index('ix_delegate_summit_accreditation', ['summit_id', 'accreditation'], unique=False)


def downgrade():
    if _sqlite():
        # in place as well (SQLite 3.35+ drops a column whose only constraint is its own CHECK)
        op.drop_index('ix_delegate_summit_accreditation', table_name='delegate')
        for name in LEVEL_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        for column in ('title', 'protocol_level', 'accreditation'):
            op.drop_column('delegate', column)
        op.drop_table('protocol_level')
        for column in ('contact_email', 'registration_mode'):
            op.drop_column('summit', column)
        return
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.drop_index('ix_delegate_summit_accreditation')
        batch_op.drop_constraint('fk_delegate_protocol_level', type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('ck_delegate_accreditation_known'), type_='check')
        batch_op.drop_column('title')
        batch_op.drop_column('protocol_level')
        batch_op.drop_column('accreditation')
    op.drop_table('protocol_level')
    with op.batch_alter_table('summit', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_summit_registration_mode_known'), type_='check')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('registration_mode')
