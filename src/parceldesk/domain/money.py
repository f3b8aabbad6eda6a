"""Money as ``Decimal`` + ISO 4217 code. Never float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from parceldesk.domain.errors import InvalidValue

__all__ = ["Money", "parse_amount"]

#: codes that passed the check below: an import builds hundreds of thousands of Money
#: objects in a handful of currencies, and a set lookup is cheaper than four str tests
_CHECKED_CODES: set[str] = set()


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. Arithmetic across currencies is an error, not a guess."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise InvalidValue(f"money amount must be a Decimal, got {type(self.amount).__name__}")
        if not self.amount.is_finite():
            raise InvalidValue(f"money amount must be finite, got {self.amount}")
        code = self.currency
        if code in _CHECKED_CODES:
            return
        if not (len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()):
            raise InvalidValue(f"currency must be a 3-letter ISO 4217 code, got {self.currency!r}")
        if type(code) is str:  # a str subclass may redefine what equality means
            _CHECKED_CODES.add(code)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * factor, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidValue(f"cannot combine {self.currency} and {other.currency}")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def parse_amount(text: str) -> Decimal:
    """Parse a plain decimal string (``12.50``, ``-3``) into a Decimal; reject anything else."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidValue(f"not a number: {text!r}") from None
    if not value.is_finite():
        raise InvalidValue(f"not a finite number: {text!r}")
    return value
