"""travel: flights, pick-up list exports, hotels and their room blocks

flight: a delegate's arrival and departure (UNIQUE per direction); pickup_export: when the transport desk
exported a day's list, so later changes are flagged; hotel, hotel_night (rooms blocked and booked a night,
CHECK booked <= rooms, the capacity rule of routes) and room_night (one room a night per delegate).
summit gains pickup_window_minutes (the desk's default pick-up window).

Revision ID: tr_travel01_flights_hotels
Revises: tr_visa01_visa_letters
Create Date: 2026-12-01 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'tr_travel01_flights_hotels'
down_revision = 'tr_visa01_visa_letters'
branch_labels = None
depends_on = None

DIRECTION_CHECK = "direction IN ('arrival','departure')"


def upgrade():
    # in place on SQLite too: a plain new column needs no table copy
    op.add_column('summit', sa.Column('pickup_window_minutes', sa.Integer(), nullable=False, server_default='30'))
    op.create_table(
        'flight',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=9), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('flight', sa.String(length=8), nullable=False),
        sa.Column('airport', sa.String(length=3), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(DIRECTION_CHECK, name=op.f('ck_flight_direction_known')),
        sa.CheckConstraint("length(airport) = 3 OR airport = ''", name=op.f('ck_flight_airport_iata')),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_flight_delegate_id_delegate'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_flight')),
        sa.UniqueConstraint('delegate_id', 'direction', name='uq_flight_delegate_direction'),
    )
    op.create_index('ix_flight_direction_at', 'flight', ['direction', 'at'])
    op.create_table(
        'pickup_export',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('direction', sa.String(length=9), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('airport', sa.String(length=3), nullable=False),
        sa.Column('exported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('exported_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(DIRECTION_CHECK, name=op.f('ck_pickup_export_direction_known')),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_pickup_export_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['exported_by_id'], ['console_user.id'],
                                name=op.f('fk_pickup_export_exported_by_id_console_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pickup_export')),
    )
    op.create_index('ix_pickup_export_list', 'pickup_export',
                    ['summit_id', 'direction', 'day', 'airport', 'exported_at'])
    op.create_table(
        'hotel',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name_zh', sa.String(length=200), nullable=False),
        sa.Column('name_en', sa.String(length=200), nullable=False),
        sa.Column('address_zh', sa.String(length=300), nullable=False),
        sa.Column('address_en', sa.String(length=300), nullable=False),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('map', sa.String(length=200), nullable=False),
        sa.Column('distance_km', sa.Float(), nullable=False),
        sa.Column('placeholder', sa.Boolean(), nullable=False),
        sa.CheckConstraint('distance_km >= 0', name=op.f('ck_hotel_distance_non_negative')),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_hotel_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotel')),
        sa.UniqueConstraint('summit_id', 'code', name='uq_hotel_code'),
    )
    op.create_table(
        'hotel_night',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('summit_id', sa.Integer(), nullable=False),
        sa.Column('hotel_id', sa.Integer(), nullable=False),
        sa.Column('night', sa.Date(), nullable=False),
        sa.Column('rooms', sa.Integer(), nullable=False),
        sa.Column('booked', sa.Integer(), nullable=False),
        sa.CheckConstraint('rooms >= 0', name=op.f('ck_hotel_night_rooms_non_negative')),
        sa.CheckConstraint('booked >= 0', name=op.f('ck_hotel_night_booked_non_negative')),
        sa.CheckConstraint('booked <= rooms', name=op.f('ck_hotel_night_never_overbooked')),
        sa.ForeignKeyConstraint(['summit_id'], ['summit.id'], name=op.f('fk_hotel_night_summit_id_summit'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['hotel_id'], ['hotel.id'], name=op.f('fk_hotel_night_hotel_id_hotel'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_hotel_night')),
        sa.UniqueConstraint('hotel_id', 'night', name='uq_hotel_night'),
    )
    op.create_table(
        'room_night',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delegate_id', sa.Integer(), nullable=False),
        sa.Column('hotel_night_id', sa.Integer(), nullable=False),
        sa.Column('night', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['delegate_id'], ['delegate.id'], name=op.f('fk_room_night_delegate_id_delegate'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['hotel_night_id'], ['hotel_night.id'],
                                name=op.f('fk_room_night_hotel_night_id_hotel_night'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_room_night')),
        sa.UniqueConstraint('delegate_id', 'night', name='uq_room_night_delegate_night'),
    )
    op.create_index('ix_room_night_hotel_night', 'room_night', ['hotel_night_id'])


def downgrade():
    op.drop_index('ix_room_night_hotel_night', table_name='room_night')
    op.drop_table('room_night')
    op.drop_table('hotel_night')
    op.drop_table('hotel')
    op.drop_index('ix_pickup_export_list', table_name='pickup_export')
    op.drop_table('pickup_export')
    op.drop_index('ix_flight_direction_at', table_name='flight')
    op.drop_table('flight')
    op.drop_column('summit', 'pickup_window_minutes')
