"""mail outbox: every e-mail sent, its attempts; salespeople's language; floor alerts opt-in

``mail_messages`` keeps each message rendered, with its status, attempts and last error
(app/mail). Salespeople get the language of their e-mails (Italian by default), and users
the choice to receive the floor's alerts by e-mail. See README, "E-mail".

Revision ID: c7d2e94a1f60
Revises: 9797331cc996
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2e94a1f60'
down_revision = '9797331cc996'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=True),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('template', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sent', 'failed', name='mail_status', native_enum=False, create_constraint=True, length=14), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_to', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('key', name=op.f('uq_mail_messages_key'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index('ix_mail_messages_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_template'), ['template'], unique=False)
    # Plain ADD COLUMN (a constant default): SQLite need not copy the tables, which many
    # tables reference.
    op.add_column('salespeople', sa.Column('locale', sa.String(length=8), server_default='it', nullable=False))
    op.add_column('users', sa.Column('mail_floor_alerts', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade():
    for table, column in (('users', 'mail_floor_alerts'), ('salespeople', 'locale')):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # SQLite >= 3.35
        else:
            op.drop_column(table, column)
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_template'))
        batch_op.drop_index('ix_mail_messages_status_next')
    op.drop_table('mail_messages')
