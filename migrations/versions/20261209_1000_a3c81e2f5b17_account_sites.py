"""account sites: a company's head office and its other sites

``account_sites`` holds each address a source gave a company at (one head office per
account); phones and source rows point at the site they belong to, and a call records the
site it qualified. Every existing account gets one site, its current address, as its head
office, and its phones are that site's. See docs/imports.md, "Sites".

Revision ID: a3c81e2f5b17
Revises: a3c1f0e2b7d4
Create Date: 2026-12-09 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c81e2f5b17'
down_revision = 'a3c1f0e2b7d4'
branch_labels = None
depends_on = None

ADDRESS = ('street', 'house_number', 'postcode', 'municipality', 'province', 'istat_code')


def upgrade():
    op.create_table('account_sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('head_office', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('house_number', sa.String(length=20), nullable=True),
    sa.Column('postcode', sa.String(length=10), nullable=True),
    sa.Column('municipality', sa.String(length=120), nullable=True),
    sa.Column('province', sa.String(length=40), nullable=True),
    sa.Column('istat_code', sa.String(length=6), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_sites_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_sites')),
    sa.UniqueConstraint('account_id', 'position', name=op.f('uq_account_sites_account_id_position'))
    )
    with op.batch_alter_table('account_sites', schema=None) as batch_op:
        batch_op.create_index('ix_account_sites_one_head_office', ['account_id'], unique=True, postgresql_where=sa.text('head_office'), sqlite_where=sa.text('head_office'))
    with op.batch_alter_table('account_phones', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_account_phones_site_id'), ['site_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_account_phones_site_id_account_sites'), 'account_sites', ['site_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('account_sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_account_sources_site_id'), ['site_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_account_sources_site_id_account_sites'), 'account_sites', ['site_id'], ['id'], ondelete='SET NULL')
    op.add_column('call_attempts', sa.Column('site_id', sa.Integer(), nullable=True))
    # Every account has one site so far: its address, its head office, with its phones.
    columns = ', '.join(ADDRESS)
    op.execute(
        f"INSERT INTO account_sites (account_id, position, head_office, {columns}, created_at) "
        f"SELECT id, 0, true, {columns}, created_at FROM accounts"
    )
    op.execute(
        "UPDATE account_phones SET site_id = (SELECT s.id FROM account_sites s "
        "WHERE s.account_id = account_phones.account_id)"
    )


def downgrade():
    with op.batch_alter_table('call_attempts', schema=None) as batch_op:
        batch_op.drop_column('site_id')
    with op.batch_alter_table('account_sources', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_account_sources_site_id_account_sites'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_account_sources_site_id'))
        batch_op.drop_column('site_id')
    with op.batch_alter_table('account_phones', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_account_phones_site_id_account_sites'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_account_phones_site_id'))
        batch_op.drop_column('site_id')
    with op.batch_alter_table('account_sites', schema=None) as batch_op:
        batch_op.drop_index('ix_account_sites_one_head_office', postgresql_where=sa.text('head_office'), sqlite_where=sa.text('head_office'))
    op.drop_table('account_sites')
