"""The supervisor board."""
