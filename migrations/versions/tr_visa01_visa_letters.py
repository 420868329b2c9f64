"""travel: passports (the number encrypted at rest), visa invitation letters and the host's letter settings

passport: one per delegate who asked for a letter; visa_letter: each letter (requested, issued, reissued,
revoked), at most one live per delegate (a partial unique index), a unique serial; visa_letter_settings:
the summit file's [letters] as seeded.

Revision ID: tr_visa01_visa_letters
Revises: pd_key01_sensitive_encrypted
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'tr_visa01_visa_letters'
down_revision = 'pd_key01_sensitive_encrypted'
branch_labels = None
depends_on = None

LIVE_LETTER = "status IN ('requested','issued','reissued')"


def upgrade():
    op.create_table(
        'passport',
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Text(), nullable=True),
        sa.Column('nationality', sa.String(length=2), nullable=True),
        sa.Column('date_of_birth', sa.Date(), nullable=True),
        sa.Column('expires_on', sa.Date(), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(nationality) = 2', name=op.f('ck_passport_nationality_alpha2')),
        sa.CheckConstraint('expires_on > date_of_birth', name=op.f('ck_passport_expires_after_birth')),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_passport_delegate_id_delegate'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('delegate_id', name=op.f('pk_passport')),
    )
    op.create_table(
        'visa_letter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('serial', sa.String(length=40), nullable=True),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('nationality', sa.String(length=2), nullable=False),
        sa.Column('number_last4', sa.String(length=4), nullable=False),
        sa.Column('stay_from', sa.Date(), nullable=True),
        sa.Column('stay_to', sa.Date(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_reason', sa.String(length=32), nullable=True),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('requested','issued','reissued','revoked')",
                           name=op.f('ck_visa_letter_status_known')),
        sa.CheckConstraint("status NOT IN ('issued','reissued') OR (serial IS NOT NULL AND issued_at IS NOT NULL)",
                           name=op.f('ck_visa_letter_issued_has_serial')),
        sa.CheckConstraint("(status = 'revoked') = (revoked_at IS NOT NULL)",
                           name=op.f('ck_visa_letter_revoked_has_time')),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_visa_letter_delegate_id_delegate'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_visa_letter_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['replaces_id'], ['visa_letter.id'],
                                name=op.f('fk_visa_letter_replaces_id_visa_letter'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visa_letter')),
        sa.UniqueConstraint('serial', name=op.f('uq_visa_letter_serial')),
    )
    op.create_index('uq_visa_letter_live_delegate', 'visa_letter', ['delegate_id'], unique=True,
                    sqlite_where=sa.text(LIVE_LETTER), postgresql_where=sa.text(LIVE_LETTER))
    op.create_index('ix_visa_letter_summit_status', 'visa_letter', ['summit_id', 'status'])
    op.create_table(
        'visa_letter_settings',
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('seeded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'],
                                name=op.f('fk_visa_letter_settings_summit_id_summit'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('summit_id', name=op.f('pk_visa_letter_settings')),
    )


def downgrade():
    op.drop_table('visa_letter_settings')
    op.drop_index('ix_visa_letter_summit_status', table_name='visa_letter')
    op.drop_index('uq_visa_letter_live_delegate', table_name='visa_letter')
    op.drop_table('visa_letter')
    op.drop_table('passport')
