"""The live floor: the supervisor's page of the agents signed in now, their state and
since when, the account in hand, today's calls, and the alerts that need someone (a pause
past its maximum, a call or a wrap-up past the campaign's limit, an agent waiting on an
empty queue); and the supervisor's actions on an agent (force a pause, sign them out, send
them a line on their desk).

``rows`` holds a row and its alerts (pure); ``live`` reads the floor once for all its
viewers (``board.cache``) from the open periods of the state log and the board's tallies
(``counts``); ``scope`` says whom a viewer sees; ``actions`` are the supervisor's changes,
audited; ``views`` the pages. See ``docs/floor.md``.
"""
