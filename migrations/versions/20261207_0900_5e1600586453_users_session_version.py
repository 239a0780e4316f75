"""users.session_version: sessions ended on the server

Every session carries its user's session version; raising it (sign-out, a password change
or reset, deactivation, a role, zone or team change) ends every session of that user at
once. Existing users start at 1; sessions signed in before this revision carry no version
and end, so everyone signs in again once.

Revision ID: 5e1600586453
Revises: 277dea8bbced
Create Date: 2026-12-07 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1600586453'
down_revision = '277dea8bbced'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (a constant default): SQLite need not copy the users table, which
    # many tables reference.
    op.add_column('users', sa.Column('session_version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users DROP COLUMN session_version")  # SQLite >= 3.35
    else:
        op.drop_column('users', 'session_version')
