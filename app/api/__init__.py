"""The JSON API under ``/api/v1`` (docs/api.md): keys, scopes, problems, limits, cursors,
idempotency; the read endpoints; the administrator's pages for keys."""
