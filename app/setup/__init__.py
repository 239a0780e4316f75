"""Setting up campaigns in the browser: the campaigns with their settings, outcome sets,
teams and status (``campaign_views``), and the call scripts with their versions
(``script_views``). Staff and administrators change them; supervisors see them.

It sits above the board and the do-not-call list: a campaign's page shows its redemption
against target and its last do-not-call check, and activating it checks both.
"""
