"""external normalisation: the source kind ``external``

An outside data company's corrections land as an import batch of kind ``external``
(``app/external``): the provenance of the field changes and of the accounts it found.
See docs/imports.md, "The external company's file back".

Revision ID: c27b2e1d4f5a
Revises: e4b1c7a9d2f5
Create Date: 2026-12-12 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c27b2e1d4f5a'
down_revision = 'e4b1c7a9d2f5'
branch_labels = None
depends_on = None

KINDS = ('customer_base', 'warranty', 'financing', 'purchased_list', 'demo', 'api')
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
    _replace_checks((*KINDS, 'external'))


def downgrade():
    # The company's batches stay, as purchased lists: their field changes keep a batch.
    op.execute(
        "UPDATE import_batches SET source_kind = 'purchased_list' WHERE source_kind = 'external'"
    )
    op.execute(
        "UPDATE account_sources SET source_kind = 'purchased_list' "
        "WHERE source_kind = 'external'"
    )
    _replace_checks(KINDS)
