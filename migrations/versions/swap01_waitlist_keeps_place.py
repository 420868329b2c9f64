"""waiting for a full route while keeping a confirmed place; the venue and the routes' details

route_booking: a delegate may have a second row, waitlisted with keeps_place, beside a confirmed
place on another route (UNIQUE(delegate_id) becomes UNIQUE(delegate_id, keeps_place)); promotion
swaps the two (services/visits/capacity.py).  summit: the venue's address, coordinates, map and
directions; visit_route: the meeting point's address, coordinates and directions, a description,
the transport and what to bring.  SQLite copies route_booking (batch mode) to change its constraints.

Revision ID: swap01_waitlist_keeps_place
Revises: calrev01_event_revisions
Create Date: 2026-12-01 18:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'swap01_waitlist_keeps_place'
down_revision = 'calrev01_event_revisions'
branch_labels = None
depends_on = None

_SUMMIT_TEXT = (("venue_address_zh", 300), ("venue_address_en", 300), ("venue_map", 200))
_SUMMIT_LONG = ("venue_directions_zh", "venue_directions_en")
_ROUTE_TEXT = (("meeting_address_zh", 300), ("meeting_address_en", 300), ("transport_zh", 200),
               ("transport_en", 200), ("bring_zh", 300), ("bring_en", 300))
_ROUTE_LONG = ("meeting_directions_zh", "meeting_directions_en", "description_zh", "description_en")


def upgrade():
    with op.batch_alter_table("summit") as batch:
        for name, size in _SUMMIT_TEXT:
            batch.add_column(sa.Column(name, sa.String(size), nullable=False, server_default=""))
        for name in _SUMMIT_LONG:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("venue_latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("venue_longitude", sa.Float(), nullable=True))
    with op.batch_alter_table("visit_route") as batch:
        for name, size in _ROUTE_TEXT:
            batch.add_column(sa.Column(name, sa.String(size), nullable=False, server_default=""))
        for name in _ROUTE_LONG:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("meeting_latitude", sa.Float(), nullable=True))
        batch.add_column(sa.Column("meeting_longitude", sa.Float(), nullable=True))
    with op.batch_alter_table("route_booking") as batch:
        batch.add_column(sa.Column("keeps_place", sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch.drop_constraint("uq_route_booking_delegate_id", type_="unique")
        batch.create_unique_constraint("uq_route_booking_delegate_keeps_place", ["delegate_id", "keeps_place"])
        batch.create_check_constraint("kept_place_waits", "NOT keeps_place OR status = 'waitlisted'")


def downgrade():
    op.execute("DELETE FROM route_booking WHERE keeps_place")
    with op.batch_alter_table("route_booking") as batch:
        batch.drop_constraint("kept_place_waits", type_="check")
        batch.drop_constraint("uq_route_booking_delegate_keeps_place", type_="unique")
        batch.create_unique_constraint("uq_route_booking_delegate_id", ["delegate_id"])
        batch.drop_column("keeps_place")
    # Dropped in place (SQLite 3.35+ and PostgreSQL alike: these columns carry no constraint): a batch
    # copy of summit would turn its column CHECKs into table CHECKs, and the older migrations' own
    # in-place drops (accred01's registration_mode) would then fail on the way further down.
    for name in [n for n, _ in _ROUTE_TEXT] + list(_ROUTE_LONG) + ["meeting_latitude", "meeting_longitude"]:
        op.drop_column("visit_route", name)
    for name in [n for n, _ in _SUMMIT_TEXT] + list(_SUMMIT_LONG) + ["venue_latitude", "venue_longitude"]:
        op.drop_column("summit", name)
