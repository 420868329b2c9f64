"""calendar revisions: what each event UID and each feed last published, so SEQUENCE and Last-Modified only grow

calendar_event_revision: per event UID, SEQUENCE, LAST-MODIFIED and a hash of its content;
calendar_feed_revision: per feed, the HTTP Last-Modified and the hash of the body last served.
New tables only, so SQLite needs no table copy.

Revision ID: calrev01_event_revisions
Revises: outbox01_mail_outbox
Create Date: 2026-12-01 18:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'calrev01_event_revisions'
down_revision = 'outbox01_mail_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_event_revision",
        sa.Column("uid", sa.String(200), primary_key=True),
        sa.Column("delegate_id", sa.Integer(), sa.ForeignKey("delegate.id", ondelete="CASCADE"), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sequence >= 0", name="sequence_non_negative"),
    )
    op.create_index("ix_calendar_event_revision_delegate", "calendar_event_revision", ["delegate_id"])
    op.create_table(
        "calendar_feed_revision",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade():
    op.drop_table("calendar_feed_revision")
    op.drop_index("ix_calendar_event_revision_delegate", table_name="calendar_event_revision")
    op.drop_table("calendar_event_revision")
