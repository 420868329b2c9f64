"""mail outbox and messages: mail written in the transaction that causes it, drained by a worker

mail_outbox holds each mail to send (pending → sending under a lease → sent / failed, with the
attempts and the last error); message holds an organiser's message to a group of delegates, one
outbox row per recipient (UNIQUE(message_id, delegate_id): exactly once per recipient).
New tables only, so SQLite needs no table copy.

Revision ID: outbox01_mail_outbox
Revises: names01_name_order
Create Date: 2026-12-01 15:10:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'outbox01_mail_outbox'
down_revision = 'names01_name_order'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("summit_id", sa.Integer(), sa.ForeignKey("summit.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject_zh", sa.String(200), nullable=False),
        sa.Column("subject_en", sa.String(200), nullable=False),
        sa.Column("body_zh", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("copy_focal_point", sa.Boolean(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("console_user.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("recipients >= 0", name="message_recipients_non_negative"),
    )
    op.create_index("ix_message_summit_created", "message", ["summit_id", "created_at"])
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("to", sa.String(254), nullable=False),
        sa.Column("cc", sa.String(254), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id", ondelete="CASCADE"), nullable=True),
        sa.Column("delegate_id", sa.Integer(), sa.ForeignKey("delegate.id", ondelete="SET NULL"), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending','sending','sent','failed')", name="outbox_status_known"),
        sa.CheckConstraint("attempts >= 0", name="outbox_attempts_non_negative"),
        sa.CheckConstraint("language IN ('zh','en')", name="outbox_language_known"),
        sa.UniqueConstraint("message_id", "delegate_id", name="uq_outbox_message_delegate"),
    )
    op.create_index("ix_outbox_status_due", "mail_outbox", ["status", "next_attempt_at"])


def downgrade():
    op.drop_index("ix_outbox_status_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index("ix_message_summit_created", table_name="message")
    op.drop_table("message")
