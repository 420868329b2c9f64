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


def upgrade():
    with op.batch_alter_table('summit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_mode', sa.String(length=12), nullable=False,
                                      server_default='open'))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.create_check_constraint(batch_op.f('ck_summit_registration_mode_known'),
                                         "registration_mode IN ('open','approval','invitation')")

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

    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accreditation', sa.String(length=12), nullable=False,
                                      server_default='approved'))
        batch_op.add_column(sa.Column('protocol_level', sa.String(length=32), nullable=False,
                                      server_default='delegate'))
        batch_op.add_column(sa.Column('title', sa.String(length=40), nullable=False, server_default=''))
        batch_op.create_check_constraint(batch_op.f('ck_delegate_accreditation_known'),
                                         "accreditation IN ('pending','approved','rejected')")
        batch_op.create_foreign_key('fk_delegate_protocol_level', 'protocol_level',
                                    ['summit_id', 'protocol_level'], ['summit_id', 'code'], ondelete='RESTRICT')
        batch_op.create_index('ix_delegate_summit_accreditation', ['summit_id', 'accreditation'], unique=False)


def downgrade():
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
