"""event day: zones, one entry per delegate, zone and day, the scan history, badge versions

zone: a summit's zones and who each admits (from the summit file); zone_entry: UNIQUE(delegate_id,
zone_id, day), the once-per-zone-and-day rule; scan: every scan at a door, with its outcome.
delegate gains badge_version (the version its code signs; a reissue bumps it) and badge_reissued_at.
Every existing summit gets its `venue` zone, and each delegate already checked in an entry at it (their
checked_in_at, on the summit's local day), so the check-in keeps its meaning across the upgrade.

Revision ID: zones01_event_day
Revises: outbox01_mail_outbox
Create Date: 2026-12-01 18:00:00

"""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'zones01_event_day'
down_revision = 'outbox01_mail_outbox'
branch_labels = None
depends_on = None

OUTCOME_CHECK = ("outcome IN ('checked_in','already_checked_in','not_admitted','not_accredited',"
                 "'badge_revoked','unknown_code','invalid_scanned_at')")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.create_table(
        'zone',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name_zh', sa.String(length=100), nullable=False),
        sa.Column('name_en', sa.String(length=100), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('levels', sa.JSON(), nullable=False),
        sa.Column('categories', sa.JSON(), nullable=False),
        sa.Column('banquet', sa.Boolean(), nullable=False),
        sa.Column('route_code', sa.String(length=16), nullable=True),
        sa.Column('days', sa.JSON(), nullable=False),
        sa.Column('everyone', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_zone_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_zone')),
        sa.UniqueConstraint('summit_id', 'code', name='uq_zone_code'),
    )
    op.create_table(
        'scan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=True),
        sa.Column('delegate_id', sa.Integer(), nullable=True),
        sa.Column('code_sha256', sa.String(length=64), nullable=False),
        sa.Column('outcome', sa.String(length=24), nullable=False),
        sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('device', sa.String(length=100), nullable=False, server_default=''),
        sa.Column('by_user_id', sa.Integer(), nullable=True),
        sa.Column('result_checked_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('conflict', sa.Boolean(), nullable=False),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('undo_reason', sa.Text(), nullable=True),
        sa.CheckConstraint(OUTCOME_CHECK, name=op.f('ck_scan_outcome_known')),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_scan_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], name=op.f('fk_scan_zone_id_zone'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_scan_delegate_id_delegate'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['by_user_id'], ['console_user.id'], name=op.f('fk_scan_by_user_id_console_user'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['undone_by_id'], ['console_user.id'],
                                name=op.f('fk_scan_undone_by_id_console_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scan')),
        sa.UniqueConstraint('uuid', name=op.f('uq_scan_uuid')),
    )
    op.create_index('ix_scan_summit_received', 'scan', ['summit_id', 'received_at'])
    op.create_index('ix_scan_delegate', 'scan', ['delegate_id'])
    op.create_table(
        'zone_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('zone_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
        sa.Column('first_scan_id', sa.Integer(), nullable=True),
        sa.Column('conflict', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_zone_entry_delegate_id_delegate'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['zone_id'], ['zone.id'], name=op.f('fk_zone_entry_zone_id_zone'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['checked_in_by_id'], ['console_user.id'],
                                name=op.f('fk_zone_entry_checked_in_by_id_console_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['first_scan_id'], ['scan.id'], name=op.f('fk_zone_entry_first_scan_id_scan'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_zone_entry')),
        sa.UniqueConstraint('delegate_id', 'zone_id', 'day', name='uq_zone_entry_once'),
    )
    op.create_index('ix_zone_entry_zone_day', 'zone_entry', ['zone_id', 'day'])

    if _sqlite():
        # in place: a new column with its own CHECK needs no table copy
        op.execute("ALTER TABLE delegate ADD COLUMN badge_version INTEGER DEFAULT 1 NOT NULL "
                   "CONSTRAINT ck_delegate_badge_version_positive CHECK (badge_version >= 1)")
        op.add_column('delegate', sa.Column('badge_reissued_at', sa.DateTime(timezone=True), nullable=True))
    else:
        with op.batch_alter_table('delegate', schema=None) as batch_op:
            batch_op.add_column(sa.Column('badge_version', sa.Integer(), nullable=False, server_default='1'))
            batch_op.add_column(sa.Column('badge_reissued_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.create_check_constraint(batch_op.f('ck_delegate_badge_version_positive'), 'badge_version >= 1')
    _venue_for_existing_summits()


def _venue_for_existing_summits():
    """Each summit's venue zone (flask seed refines it), and an entry for everyone already checked in."""
    bind = op.get_bind()
    summits = bind.execute(sa.text("SELECT id, timezone FROM summit")).all()
    zone = sa.table('zone', sa.column('summit_id'), sa.column('code'), sa.column('name_zh'), sa.column('name_en'),
                    sa.column('position'), sa.column('levels', sa.JSON), sa.column('categories', sa.JSON),
                    sa.column('banquet'), sa.column('route_code'), sa.column('days', sa.JSON), sa.column('everyone'))
    entry = sa.table('zone_entry', sa.column('delegate_id'), sa.column('zone_id'), sa.column('day'),
                     sa.column('checked_in_at', sa.DateTime(timezone=True)), sa.column('checked_in_by_id'),
                     sa.column('conflict'))
    for summit_id, tz in summits:
        bind.execute(zone.insert().values(summit_id=summit_id, code='venue', name_zh='会场', name_en='Venue',
                                          position=0, levels=[], categories=[], banquet=False, route_code=None,
                                          days=[], everyone=True))
        zone_id = bind.execute(sa.text("SELECT id FROM zone WHERE summit_id = :s AND code = 'venue'"),
                               {"s": summit_id}).scalar_one()
        rows = bind.execute(sa.text("SELECT id, checked_in_at, checked_in_by_id FROM delegate "
                                    "WHERE summit_id = :s AND checked_in_at IS NOT NULL"), {"s": summit_id}).all()
        for delegate_id, at, by in rows:
            if isinstance(at, str):
                at = datetime.fromisoformat(at)
            if at.tzinfo is None:
                at = at.replace(tzinfo=timezone.utc)
            day = at.astimezone(ZoneInfo(tz or "Asia/Shanghai")).date()
            stored = at.astimezone(timezone.utc)
            if _sqlite():
                stored = stored.replace(tzinfo=None)
            bind.execute(entry.insert().values(delegate_id=delegate_id, zone_id=zone_id, day=day,
                                               checked_in_at=stored, checked_in_by_id=by, conflict=False))


def downgrade():
    if _sqlite():
        op.drop_column('delegate', 'badge_reissued_at')
        op.drop_column('delegate', 'badge_version')
    else:
        with op.batch_alter_table('delegate', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_delegate_badge_version_positive'), type_='check')
            batch_op.drop_column('badge_reissued_at')
            batch_op.drop_column('badge_version')
    op.drop_index('ix_zone_entry_zone_day', table_name='zone_entry')
    op.drop_table('zone_entry')
    op.drop_index('ix_scan_delegate', table_name='scan')
    op.drop_index('ix_scan_summit_received', table_name='scan')
    op.drop_table('scan')
    op.drop_table('zone')
