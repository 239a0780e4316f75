"""The agent desk."""
