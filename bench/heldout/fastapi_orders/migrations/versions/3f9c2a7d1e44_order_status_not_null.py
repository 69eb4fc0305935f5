"""order status not null, drop legacy coupon column

Revision ID: 3f9c2a7d1e44
Revises: 8b1e0c5a9f12
Create Date: 2024-05-02 10:14:03.118204
"""
import sqlalchemy as sa
from alembic import op

revision = "3f9c2a7d1e44"
down_revision = "8b1e0c5a9f12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("currency", sa.String(3), nullable=False, server_default="EUR"))
    op.add_column("orders", sa.Column("notes", sa.Text(), nullable=True))
    op.alter_column("orders", "status", existing_type=sa.String(20), nullable=False)
    op.drop_column("orders", "coupon_code")
    op.create_index("ix_orders_status", "orders", ["status"])


def downgrade() -> None:
    op.drop_index("ix_orders_status", table_name="orders")
    op.add_column("orders", sa.Column("coupon_code", sa.String(40), nullable=True))
    op.alter_column("orders", "status", existing_type=sa.String(20), nullable=True)
    op.drop_column("orders", "notes")
    op.drop_column("orders", "currency")
