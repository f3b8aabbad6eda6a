"""Domain errors.

Hierarchy::

    DomainError               -- any broken business rule; message is shown to the user as is
    ├── InvalidValue          -- a value (money, currency, date, quantity) is malformed
    └── ConflictError         -- data contradicts what is already known (e.g. a tracking
                                 number claimed by two different orders)
"""

from __future__ import annotations

__all__ = ["ConflictError", "DomainError", "InvalidValue"]


class DomainError(Exception):
    """A business rule was broken. The message is meant for the user."""


class InvalidValue(DomainError, ValueError):
    """A single value is malformed. ``field`` names the canonical field when known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(DomainError):
    """New data contradicts stored data."""
