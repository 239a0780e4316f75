"""accounts qualified elsewhere: the batch and day an earlier qualification came from

An import of earlier qualification results marks the accounts it qualified (a contact and
a horizon within the age staff chose, kept on the batch). See docs/imports.md, "Earlier
qualification results".

Revision ID: b27a1f0c3d2e
Revises: c27b2e1d4f5a
Create Date: 2026-12-12 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b27a1f0c3d2e'
down_revision = 'c27b2e1d4f5a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualified_within_months', sa.Integer(), server_default=sa.text('12'), nullable=False))
    op.add_column('accounts', sa.Column('qualified_elsewhere_on', sa.Date(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its REFERENCES clause in place; a batch rebuild of
        # "accounts" would have to drop a table other tables point at.
        op.execute(
            "ALTER TABLE accounts ADD COLUMN qualified_elsewhere_batch_id INTEGER"
            " CONSTRAINT fk_accounts_qualified_elsewhere_batch_id_import_batches"
            " REFERENCES import_batches (id)"
        )
    else:
        op.add_column('accounts', sa.Column('qualified_elsewhere_batch_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_accounts_qualified_elsewhere_batch_id_import_batches'), 'accounts', 'import_batches', ['qualified_elsewhere_batch_id'], ['id'])
    op.create_index(op.f('ix_accounts_qualified_elsewhere_batch_id'), 'accounts', ['qualified_elsewhere_batch_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_accounts_qualified_elsewhere_batch_id'), table_name='accounts')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE accounts DROP COLUMN qualified_elsewhere_batch_id")  # SQLite >= 3.35
        op.execute("ALTER TABLE accounts DROP COLUMN qualified_elsewhere_on")
    else:
        op.drop_constraint(op.f('fk_accounts_qualified_elsewhere_batch_id_import_batches'), 'accounts', type_='foreignkey')
        op.drop_column('accounts', 'qualified_elsewhere_batch_id')
        op.drop_column('accounts', 'qualified_elsewhere_on')
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('qualified_within_months')
