"""accounts sent by an integration: the source kind ``api`` and a record's external id

An integration's records land as an import batch of kind ``api`` (``app/imports/intake``);
each source row keeps the record's id in that integration, indexed, so that the record
sent again updates its account. See docs/imports.md.

Revision ID: b7e2d4c91a06
Revises: c7d2e94a1f60
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2d4c91a06'
down_revision = 'c7d2e94a1f60'
branch_labels = None
depends_on = None

KINDS = ('customer_base', 'warranty', 'financing', 'purchased_list', 'demo')
CHECKS = (
    ('import_batches', 'ck_import_batches_source_kind'),
    ('import_mappings', 'ck_import_mappings_mapping_source_kind'),
)


def _replace_checks(values):
    """The CHECKs listing the source kinds, replaced (SQLite: by a copy of the table)."""
    listed = ', '.join(f"'{value}'" for value in values)
    for table, check in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(check), type_='check')
            batch_op.create_check_constraint(op.f(check), f'source_kind IN ({listed})')


def upgrade():
    _replace_checks((*KINDS, 'api'))
    with op.batch_alter_table('account_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=100), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_account_sources_external_id'), ['external_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('account_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_sources_external_id'))
        batch_op.drop_column('external_id')
    # The batches an integration sent stay, as purchased lists: their accounts are kept.
    op.execute("UPDATE import_batches SET source_kind = 'purchased_list' WHERE source_kind = 'api'")
    op.execute("UPDATE account_sources SET source_kind = 'purchased_list' WHERE source_kind = 'api'")
    _replace_checks(KINDS)
