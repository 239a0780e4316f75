"""Paper customer cards typed in by hand (issue 27): a sales secretary (a staff user) types
a salesperson's card, sees what the import's cleaning makes of it and which stored accounts
it looks like, and saves it; a second person validates it, and only then does it reach the
base, through the import itself (a new company) or the per-field applier with its field
changes (an edit). See docs/data-entry.md."""
