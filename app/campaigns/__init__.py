"""Campaigns: their settings, outcome sets and calling hours, the flow of their statuses,
and their queues of accounts (``queueing`` puts accounts in)."""
