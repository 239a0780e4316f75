"""Importing account files: upload, column mapping, the import job (clean, match, de-duplicate,
write, apply the do-not-call list) and the doubts it leaves for a person."""
