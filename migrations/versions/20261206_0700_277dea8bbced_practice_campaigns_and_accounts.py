"""practice campaigns and accounts

A practice campaign (``campaigns.practice``) trains agents at any hour of any day on
practice accounts (``accounts.practice``, invented companies): its calls stay out of the
live figures, of distribution and of the do-not-call list. Existing rows are live.

Revision ID: 277dea8bbced
Revises: 276590dff420
Create Date: 2026-12-06 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '277dea8bbced'
down_revision = '276590dff420'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (a constant default): SQLite need not copy the accounts table, whose
    # rows other tables reference.
    op.add_column('accounts', sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('campaigns', sa.Column('practice', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('practice')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_column('practice')
