"""Cleaning imported account data: pure functions that return the value and each change made.

Nothing here touches the database. Every function returns the cleaned value with the
``Change``s it made (field, before, after, reason) and the ``Flag``s it raised for what it
could not decide, so that an import can record each correction and send doubts to review,
never guessing silently.
"""
