"""personal data: the versioned privacy notice, consents (processing, sensitive), the route history

privacy_notice: (summit, version) unique, the bilingual text as JSON; consent: one row per consent given,
kept after withdrawal (one in force per delegate and kind); booking_event: each change of a route place.
Delegates registered before this revision keep their consent_at (the one consent the form asked for);
the data copy shows it as their processing consent, given before notices were versioned.

Revision ID: pd_consent01_consents
Revises: zones01_event_day
Create Date: 2026-12-01 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'pd_consent01_consents'
down_revision = 'zones01_event_day'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'privacy_notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('version >= 1', name=op.f('ck_privacy_notice_notice_version_positive')),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_privacy_notice_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_notice')),
        sa.UniqueConstraint('summit_id', 'version', name='uq_privacy_notice_version'),
    )
    op.create_table(
        'consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('given_by', sa.String(length=12), server_default='delegate', nullable=False),
        sa.CheckConstraint("kind IN ('processing','sensitive')", name=op.f('ck_consent_consent_kind_known')),
        sa.CheckConstraint("given_by IN ('delegate','focal_point')", name=op.f('ck_consent_consent_given_by_known')),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_consent_delegate_id_delegate'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['notice_id'], ['privacy_notice.id'], name=op.f('fk_consent_notice_id_privacy_notice'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consent')),
    )
    op.create_index('uq_consent_live', 'consent', ['delegate_id', 'kind'], unique=True,
                    sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))
    op.create_table(
        'booking_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('route_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('booked','waiting','promoted','moved','left','cancelled')",
                           name=op.f('ck_booking_event_booking_event_kind_known')),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_booking_event_delegate_id_delegate'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['route_id'], ['visit_route.id'], name=op.f('fk_booking_event_route_id_visit_route'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_event')),
    )
    op.create_index('ix_booking_event_delegate', 'booking_event', ['delegate_id', 'at'])


def downgrade():
    op.drop_index('ix_booking_event_delegate', table_name='booking_event')
    op.drop_table('booking_event')
    op.drop_index('uq_consent_live', table_name='consent')
    op.drop_table('consent')
    op.drop_table('privacy_notice')
