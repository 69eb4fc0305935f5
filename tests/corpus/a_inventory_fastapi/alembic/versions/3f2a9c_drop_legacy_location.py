"""drop legacy location, require sku

Revision ID: 3f2a9c
Revises: 1b7e44
"""
import sqlalchemy as sa
from alembic import op

revision = "3f2a9c"
down_revision = "1b7e44"


def upgrade():
    op.drop_column("item", "legacy_location")
    op.alter_column("item", "sku", existing_type=sa.String(32), nullable=False)
    op.alter_column("item", "reserved", existing_type=sa.Integer(), nullable=False, server_default="0")
    op.add_column("item", sa.Column("unit", sa.String(8), nullable=True))
    with op.batch_alter_table("bin") as batch_op:
        batch_op.drop_column("old_label")


def downgrade():
    op.drop_column("item", "unit")
    op.add_column("item", sa.Column("legacy_location", sa.String(64)))
    op.drop_table("bin_archive")
