"""The round trip with an outside data company: a segment's file out, its corrections back
by account key (docs/exports.md, docs/imports.md)."""
