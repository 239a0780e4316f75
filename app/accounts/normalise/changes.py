"""What a normalisation did to a field, or could not decide."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    """A field changed, with a reason code (stable, for reports and translation)."""

    field: str
    before: str | None
    after: str | None
    reason: str


@dataclass(frozen=True)
class Flag:
    """A field left as it was because it could not be decided; a person reviews it."""

    field: str
    value: str | None
    reason: str


@dataclass
class Cleaned:
    """The result of cleaning one field or group of fields."""

    values: dict[str, str | None]
    changes: list[Change] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def set(self, name: str, before: str | None, after: str | None, reason: str) -> None:
        """Store ``after`` and record the change when it differs from ``before``."""
        self.values[name] = after
        if (before or None) != (after or None):
            self.changes.append(Change(name, before, after, reason))

    def flag(self, name: str, value: str | None, reason: str) -> None:
        self.flags.append(Flag(name, value, reason))


def squash(text: str | None) -> str:
    """Trim and collapse whitespace (including non-breaking spaces and tabs)."""
    return " ".join((text or "").replace("\u00a0", " ").split())
