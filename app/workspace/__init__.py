"""The staff's workspace over the account base: its state, the review of duplicate pairs
and of the values an import doubted (merging accounts, and undoing it), and segments put
into a campaign's queue.

It sits above the desk and the board: a merge moves the calls of the merged account and
recounts the board's tallies of the campaigns that called both.
"""
