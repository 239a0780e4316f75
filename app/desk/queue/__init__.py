"""The campaign queue: who calls which account next, under a lease.

The queue's entries belong to their campaign (``app.campaigns.models.QueueEntry``; they are
added by ``app.campaigns.queueing``); this package holds what the desk and the board do
with them. The verbs:

- ``claim`` / ``claim_next``: lease the next account to an agent; ``renew_lease`` keeps it;
  ``release`` gives it back, ``release_held`` lets a supervisor do it (``leases``);
- ``end_call`` / ``reschedule``: place the entry after an outcome and record the call
  (``ending``);
- ``queue_depth``: the queue at a glance (``depth``);

The two hot writes, the claim and the end of a call, are set-based SQL (``claim_sql``,
``finish_sql``, sharing ``sql``), run on PostgreSQL as prepared statements (``prepared``).
Services flush and never commit: the caller commits once, which releases the row locks.
See ``docs/queue.md``.
"""

from app.desk.queue.depth import QueueDepth, queue_depth
from app.desk.queue.ending import Ended, Rescheduled, end_call, reschedule
from app.desk.queue.leases import (
    LeaseLost,
    claim,
    claim_next,
    release,
    release_held,
    renew_lease,
)
from app.desk.queue.sql import Claimed

__all__ = [
    "Claimed",
    "Ended",
    "LeaseLost",
    "QueueDepth",
    "Rescheduled",
    "claim",
    "claim_next",
    "end_call",
    "queue_depth",
    "release",
    "release_held",
    "renew_lease",
    "reschedule",
]
