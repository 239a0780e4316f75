"""What happened after the hand-off: the salesperson's or the CRM's results on the accounts
a wave handed out (visited, offer made, sold, lost, not reachable), how they are recorded
and loaded from files, and the conversion figures they give (docs/metrics.md)."""
