"""Accounts and the staff workspace."""
