"""earlier qualification results: contacts, fleet lines and opportunities an import wrote

Contacts, fleet lines and opportunities name the import batch they came from (as a call's
name its attempt), and an opportunity from a file keeps when and by whom it was captured.
See docs/imports.md, "Earlier qualification results".

Revision ID: e4b1c7a9d2f5
Revises: b7e2a9c4d1f3
Create Date: 2026-12-11 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b1c7a9d2f5'
down_revision = 'b7e2a9c4d1f3'
branch_labels = None
depends_on = None

TABLES = ('contacts', 'fleet_lines', 'opportunities')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_import_batch_id'), ['import_batch_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_import_batch_id_import_batches'), 'import_batches', ['import_batch_id'], ['id'])
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qualified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('qualified_by', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_column('qualified_by')
        batch_op.drop_column('qualified_on')
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_import_batch_id_import_batches'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_import_batch_id'))
            batch_op.drop_column('import_batch_id')
