"""accounts qualified elsewhere: the batch and day an earlier qualification came from

An import of earlier qualification results marks the accounts it qualified (a contact and
a horizon within the age staff chose, kept on the batch). See docs/imports.md, "Earlier
qualification results".

Revision ID: b27a1f0c3d2e
Revises: e4b1c7a9d2f5
Create Date: 2026-12-12 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b27a1f0c3d2e'
down_revision = 'e4b1c7a9d2f5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualified_within_months', sa.Integer(), server_default=sa.text('12'), nullable=False))
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualified_elsewhere_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('qualified_elsewhere_batch_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_accounts_qualified_elsewhere_batch_id'), ['qualified_elsewhere_batch_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_accounts_qualified_elsewhere_batch_id_import_batches'), 'import_batches', ['qualified_elsewhere_batch_id'], ['id'])


def downgrade():
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_accounts_qualified_elsewhere_batch_id_import_batches'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_accounts_qualified_elsewhere_batch_id'))
        batch_op.drop_column('qualified_elsewhere_batch_id')
        batch_op.drop_column('qualified_elsewhere_on')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('qualified_within_months')
