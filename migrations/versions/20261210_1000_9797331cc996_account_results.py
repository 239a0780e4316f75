"""account results: what happened after the hand-off

``account_results`` holds what a salesperson or a CRM says happened to a handed-off account
(visited, offer made, sold, lost, not reachable), several per account over time. See
docs/metrics.md, "Results after the hand-off".

Revision ID: 9797331cc996
Revises: dc9e4d389d74
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9797331cc996'
down_revision = 'dc9e4d389d74'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('visited', 'offer_made', 'sold', 'lost', 'not_reachable', name='result_outcome', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('vehicles', sa.Integer(), nullable=True),
    sa.Column('value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('reason', sa.Enum('price', 'competitor', 'no_budget', 'postponed', 'no_need', 'other', name='lost_reason', native_enum=False, create_constraint=True, length=18), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('wave_id', sa.Integer(), nullable=True),
    sa.Column('salesperson_id', sa.Integer(), nullable=True),
    sa.Column('external_ref', sa.String(length=120), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('value IS NULL OR value >= 0', name=op.f('ck_account_results_value_not_negative')),
    sa.CheckConstraint('vehicles IS NULL OR vehicles >= 1', name=op.f('ck_account_results_vehicles_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_results_account_id_accounts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_account_results_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['salesperson_id'], ['salespeople.id'], name=op.f('fk_account_results_salesperson_id_salespeople')),
    sa.ForeignKeyConstraint(['wave_id'], ['waves.id'], name=op.f('fk_account_results_wave_id_waves')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_results')),
    sa.UniqueConstraint('external_ref', name=op.f('uq_account_results_external_ref'))
    )
    with op.batch_alter_table('account_results', schema=None) as batch_op:
        batch_op.create_index('ix_account_results_account_latest', ['account_id', 'occurred_on', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_results_wave_id'), ['wave_id'], unique=False)



def downgrade():
    with op.batch_alter_table('account_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_results_wave_id'))
        batch_op.drop_index('ix_account_results_account_latest')

    op.drop_table('account_results')
