"""Use cases. The one layer that owns transactions (through the UnitOfWork port)."""
