"""The agent desk: the queue's verbs (``queue``), the call in hand with its script, drafts
kept as the agent types, and the outcome recorded once."""
