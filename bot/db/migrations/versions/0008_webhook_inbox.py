"""webhook inbox: updates stored before they are acknowledged, handled in order per resident

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_webhook_inbox")),
    )
    op.create_index(
        "ix_webhook_inbox_chat_key_update_id", "webhook_inbox", ["chat_key", "update_id"], unique=False
    )
    op.create_index(op.f("ix_webhook_inbox_received_at"), "webhook_inbox", ["received_at"], unique=False)
    op.create_index(op.f("ix_webhook_inbox_handled_at"), "webhook_inbox", ["handled_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_inbox_handled_at"), table_name="webhook_inbox")
    op.drop_index(op.f("ix_webhook_inbox_received_at"), table_name="webhook_inbox")
    op.drop_index("ix_webhook_inbox_chat_key_update_id", table_name="webhook_inbox")
    op.drop_table("webhook_inbox")
