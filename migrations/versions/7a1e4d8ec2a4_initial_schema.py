"""summit, programme, routes, delegates, bookings, console accounts

Revision ID: 7a1e4d8ec2a4
Revises: 
Create Date: 2026-11-21 02:04:57.910556

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1e4d8ec2a4'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('console_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('staff','organiser')", name=op.f('ck_console_user_role_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_console_user_email_lower')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_user')),
    sa.UniqueConstraint('email', name=op.f('uq_console_user_email'))
    )
    op.create_table('summit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('short_name_zh', sa.String(length=60), nullable=False),
    sa.Column('short_name_en', sa.String(length=60), nullable=False),
    sa.Column('theme_zh', sa.String(length=200), nullable=False),
    sa.Column('theme_en', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('city_zh', sa.String(length=100), nullable=False),
    sa.Column('city_en', sa.String(length=100), nullable=False),
    sa.Column('venue_zh', sa.String(length=200), nullable=False),
    sa.Column('venue_en', sa.String(length=200), nullable=False),
    sa.Column('organiser_zh', sa.String(length=200), nullable=False),
    sa.Column('organiser_en', sa.String(length=200), nullable=False),
    sa.Column('host_zh', sa.String(length=200), nullable=False),
    sa.Column('host_en', sa.String(length=200), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_summit_dates_ordered')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summit')),
    sa.UniqueConstraint('slug', name=op.f('uq_summit_slug'))
    )
    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['console_user.id'], name=op.f('fk_api_token_user_id_console_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_token_token_hash'))
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['console_user.id'], name=op.f('fk_audit_entry_user_id_console_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('delegate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('native_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('job_title', sa.String(length=150), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('banquet', sa.Boolean(), nullable=False),
    sa.Column('dietary_needs', sa.Text(), nullable=False),
    sa.Column('accessibility_needs', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('manage_token_hash', sa.String(length=64), nullable=False),
    sa.Column('calendar_token_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.Column('badge_printed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('badge_print_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("category IN ('government','international_organisation','enterprise','academia','media','other')", name=op.f('ck_delegate_category_known')),
    sa.CheckConstraint("language IN ('zh','en')", name=op.f('ck_delegate_language_known')),
    sa.CheckConstraint("status IN ('registered','cancelled')", name=op.f('ck_delegate_status_known')),
    sa.CheckConstraint('badge_print_count >= 0', name=op.f('ck_delegate_print_count_non_negative')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_delegate_email_lower')),
    sa.CheckConstraint('length(country) = 2', name=op.f('ck_delegate_country_alpha2')),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['console_user.id'], name=op.f('fk_delegate_checked_in_by_id_console_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_delegate_summit_id_summit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegate')),
    sa.UniqueConstraint('manage_token_hash', name=op.f('uq_delegate_manage_token_hash'))
    )
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.create_index('ix_delegate_summit_family', ['summit_id', 'family_name'], unique=False)
        batch_op.create_index('uq_delegate_live_email', ['summit_id', 'email'], unique=True, sqlite_where=sa.text("status = 'registered'"), postgresql_where=sa.text("status = 'registered'"))

    op.create_table('programme_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summit_id', sa.Integer(), nullable=False),
    sa.Column('seed_key', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title_zh', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('description_zh', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('venue_zh', sa.String(length=200), nullable=False),
    sa.Column('venue_en', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('opening','ministerial','thematic','banquet','visit','other')", name=op.f('ck_programme_item_kind_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_programme_item_ends_after_start')),
    sa.CheckConstraint('revision >= 0', name=op.f('ck_programme_item_revision_non_negative')),
    sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_programme_item_summit_id_summit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_item')),
    sa.UniqueConstraint('summit_id', 'seed_key', name='uq_programme_item_seed_key')
    )
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.create_index('ix_programme_item_summit_start', ['summit_id', 'starts_at'], unique=False)

    op.create_table('seed_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summit_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_seed_record_summit_id_summit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seed_record')),
    sa.UniqueConstraint('summit_id', 'key', name='uq_seed_record_key')
    )
    op.create_table('visit_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summit_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('stops', sa.JSON(), nullable=False),
    sa.Column('note_zh', sa.String(length=300), nullable=False),
    sa.Column('note_en', sa.String(length=300), nullable=False),
    sa.Column('departs_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('returns_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('meeting_point_zh', sa.String(length=200), nullable=False),
    sa.Column('meeting_point_en', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('confirmed', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_visit_route_capacity_non_negative')),
    sa.CheckConstraint('confirmed <= capacity', name=op.f('ck_visit_route_never_overbooked')),
    sa.CheckConstraint('confirmed >= 0', name=op.f('ck_visit_route_confirmed_non_negative')),
    sa.CheckConstraint('returns_at IS NULL OR departs_at IS NULL OR returns_at > departs_at', name=op.f('ck_visit_route_returns_after_departure')),
    sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_visit_route_summit_id_summit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_route')),
    sa.UniqueConstraint('summit_id', 'code', name='uq_visit_route_code')
    )
    op.create_table('route_booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('confirmed','waitlisted')", name=op.f('ck_route_booking_status_known')),
    sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_route_booking_delegate_id_delegate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['route_id'], ['visit_route.id'], name=op.f('fk_route_booking_route_id_visit_route'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_route_booking')),
    sa.UniqueConstraint('delegate_id', name=op.f('uq_route_booking_delegate_id'))
    )
    with op.batch_alter_table('route_booking', schema=None) as batch_op:
        batch_op.create_index('ix_route_booking_route_status', ['route_id', 'status', 'id'], unique=False)




def downgrade():
    
    with op.batch_alter_table('route_booking', schema=None) as batch_op:
        batch_op.drop_index('ix_route_booking_route_status')

    op.drop_table('route_booking')
    op.drop_table('visit_route')
    op.drop_table('seed_record')
    with op.batch_alter_table('programme_item', schema=None) as batch_op:
        batch_op.drop_index('ix_programme_item_summit_start')

    op.drop_table('programme_item')
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.drop_index('uq_delegate_live_email', sqlite_where=sa.text("status = 'registered'"), postgresql_where=sa.text("status = 'registered'"))
        batch_op.drop_index('ix_delegate_summit_family')

    op.drop_table('delegate')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_entity')

    op.drop_table('audit_entry')
    op.drop_table('api_token')
    op.drop_table('summit')
    op.drop_table('console_user')

