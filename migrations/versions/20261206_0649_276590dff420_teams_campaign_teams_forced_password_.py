"""teams, the teams allowed on a campaign, forced password change

A team (one outsourced call centre) groups agents and supervisors (``users.team_id``); a
campaign lists the teams allowed to work it (``campaign_teams``; none listed: every
agent, as before). ``users.must_change_password`` sends a user who signed in with a
temporary password to the change-password page until they have chosen their own.

Revision ID: 276590dff420
Revises: 2d9d836e7981
Create Date: 2026-12-06 06:49:35.237173

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '276590dff420'
down_revision = '2d9d836e7981'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('(true)'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('code', name=op.f('uq_teams_code'))
    )
    op.create_table('campaign_teams',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_teams_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_campaign_teams_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'team_id', name=op.f('pk_campaign_teams'))
    )
    op.create_index(op.f('ix_campaign_teams_team_id'), 'campaign_teams', ['team_id'], unique=False)

    op.add_column('users', sa.Column('must_change_password', sa.Boolean(), server_default=sa.text('(false)'), nullable=False))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite can add a column with its REFERENCES clause in place; a batch rebuild of
        # "users" would have to drop a table every other table points at.
        op.execute(
            "ALTER TABLE users ADD COLUMN team_id INTEGER"
            " CONSTRAINT fk_users_team_id_teams REFERENCES teams (id)"
        )
    else:
        op.add_column('users', sa.Column('team_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_users_team_id_teams'), 'users', 'teams', ['team_id'], ['id'])
    op.create_index(op.f('ix_users_team_id'), 'users', ['team_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_users_team_id'), table_name='users')
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE users DROP COLUMN team_id")  # SQLite >= 3.35
        op.execute("ALTER TABLE users DROP COLUMN must_change_password")
    else:
        op.drop_constraint(op.f('fk_users_team_id_teams'), 'users', type_='foreignkey')
        op.drop_column('users', 'team_id')
        op.drop_column('users', 'must_change_password')

    op.drop_index(op.f('ix_campaign_teams_team_id'), table_name='campaign_teams')
    op.drop_table('campaign_teams')
    op.drop_table('teams')
