"""the live floor: forced pauses, supervisors' messages, campaign limits

The state log's moments gain ``force_pause`` (a supervisor paused the agent from the
floor); ``floor_messages`` holds the lines supervisors send agents, shown on their desk;
campaigns gain two optional limits in minutes, a call's and a wrap-up's, past which the
floor shows an alert. See docs/floor.md.

Revision ID: 5f998abdbf7d
Revises: d6eabfd04c35
Create Date: 2026-12-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f998abdbf7d'
down_revision = 'd6eabfd04c35'
branch_labels = None
depends_on = None

MOMENTS = ('sign_in', 'take', 'dial', 'answer', 'hang_up', 'outcome', 'pause_after_call',
           'give_back', 'pause', 'resume', 'sign_out', 'lapse', 'revoke', 'back')
CHECK = 'ck_agent_states_agent_moment'


def _check(values):
    listed = ', '.join(f"'{value}'" for value in values)
    return f'moment IN ({listed})'


def _replace_check(values):
    """The CHECK listing the moments, replaced (SQLite: by a copy of the table)."""
    with op.batch_alter_table('agent_states', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(CHECK), type_='check')
        batch_op.create_check_constraint(op.f(CHECK), _check(values))


def upgrade():
    op.add_column('campaigns', sa.Column('call_limit_minutes', sa.Integer(), nullable=True))
    op.add_column('campaigns', sa.Column('wrap_up_limit_minutes', sa.Integer(), nullable=True))
    op.create_table('floor_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_floor_messages_agent_id_users')),
    sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'], name=op.f('fk_floor_messages_sent_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_floor_messages'))
    )
    with op.batch_alter_table('floor_messages', schema=None) as batch_op:
        batch_op.create_index('ix_floor_messages_agent_sent', ['agent_id', 'sent_at'], unique=False)
    _replace_check((*MOMENTS, 'force_pause'))


def downgrade():
    op.execute("UPDATE agent_states SET moment = 'pause' WHERE moment = 'force_pause'")
    _replace_check(MOMENTS)
    with op.batch_alter_table('floor_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_floor_messages_agent_sent')
    op.drop_table('floor_messages')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_column('wrap_up_limit_minutes')
        batch_op.drop_column('call_limit_minutes')
