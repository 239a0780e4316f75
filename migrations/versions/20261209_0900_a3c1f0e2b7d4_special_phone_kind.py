"""phones: the kind ``special`` (premium, shared-cost, toll-free, personal numbers)

A number of a kind no agent calls is kept with its E.164 form (for matching and the
do-not-call list) as ``special``, and never offered at the desk. See docs/imports.md.

Revision ID: a3c1f0e2b7d4
Revises: 5f998abdbf7d
Create Date: 2026-12-09 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a3c1f0e2b7d4'
down_revision = '5f998abdbf7d'
branch_labels = None
depends_on = None

KINDS = ('fixed', 'mobile', 'other', 'invalid')
CHECK = 'ck_account_phones_phone_kind'


def _replace_check(values):
    """The CHECK listing the kinds, replaced (SQLite: by a copy of the table)."""
    listed = ', '.join(f"'{value}'" for value in values)
    with op.batch_alter_table('account_phones', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.create_check_constraint(op.f(CHECK), f'kind IN ({listed})')


def upgrade():
    _replace_check((*KINDS, 'special'))


def downgrade():
    op.execute("UPDATE account_phones SET kind = 'invalid' WHERE kind = 'special'")
    _replace_check(KINDS)
