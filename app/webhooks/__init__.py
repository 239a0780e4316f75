"""Webhooks: events recorded in the caller's transaction, sent signed by a job after the
commit, retried, logged, replayable; see docs/webhooks.md."""
