"""paper cards: customer cards typed by hand, validated by a second person

The table ``paper_cards`` and the import batches' source kind ``card`` (the batch a
validated card is written through: its provenance). See docs/data-entry.md.

Revision ID: f1a2b3c4d5e6
Revises: b27a1f0c3d2e
Create Date: 2026-12-13 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a2b3c4d5e6'
down_revision = 'b27a1f0c3d2e'
branch_labels = None
depends_on = None

KINDS = ('customer_base', 'warranty', 'financing', 'purchased_list', 'demo', 'api', 'external')
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
    _replace_checks((*KINDS, 'card'))
    op.create_table(
        'paper_cards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('new', 'edit', name='card_kind', native_enum=False, create_constraint=True, length=12), nullable=False),
        sa.Column('status', sa.Enum('pending', 'validated', 'refused', name='card_status', native_enum=False, create_constraint=True, length=17), nullable=False),
        sa.Column('values', sa.JSON(), nullable=False),
        sa.Column('baseline', sa.JSON(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('distinct_from', sa.JSON(), nullable=False),
        sa.Column('scan', sa.LargeBinary(), nullable=True),
        sa.Column('scan_type', sa.String(length=40), nullable=True),
        sa.Column('scan_name', sa.String(length=255), nullable=True),
        sa.Column('scan_size', sa.Integer(), nullable=True),
        sa.Column('entered_by_id', sa.Integer(), nullable=False),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('refusal_reason', sa.Text(), nullable=True),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('replaces_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind = 'new' OR account_id IS NOT NULL", name=op.f('ck_paper_cards_edit_names_its_account')),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_paper_cards_account_id_accounts'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_paper_cards_batch_id_import_batches')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_paper_cards_decided_by_id_users')),
        sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_paper_cards_entered_by_id_users')),
        sa.ForeignKeyConstraint(['replaces_id'], ['paper_cards.id'], name=op.f('fk_paper_cards_replaces_id_paper_cards')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_cards')),
    )
    with op.batch_alter_table('paper_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_cards_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_cards_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_cards_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_cards_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_cards_entered_by_id'), ['entered_by_id'], unique=False)
        batch_op.create_index('ix_paper_cards_status_entered_at', ['status', 'entered_at'], unique=False)


def downgrade():
    with op.batch_alter_table('paper_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_paper_cards_status_entered_at')
        batch_op.drop_index(batch_op.f('ix_paper_cards_entered_by_id'))
        batch_op.drop_index(batch_op.f('ix_paper_cards_decided_by_id'))
        batch_op.drop_index(batch_op.f('ix_paper_cards_decided_at'))
        batch_op.drop_index(batch_op.f('ix_paper_cards_batch_id'))
        batch_op.drop_index(batch_op.f('ix_paper_cards_account_id'))
    op.drop_table('paper_cards')
    # The cards' batches stay, as purchased lists: their field changes keep a batch.
    op.execute(
        "UPDATE import_batches SET source_kind = 'purchased_list' WHERE source_kind = 'card'"
    )
    op.execute(
        "UPDATE account_sources SET source_kind = 'purchased_list' WHERE source_kind = 'card'"
    )
    _replace_checks(KINDS)
