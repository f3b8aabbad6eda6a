"""Tracking numbers shaped like each carrier's real ones, with real check digits.

Importers and carrier auto-detection key on the *shape* of a number (``1Z`` + 16, ``9400``
+ 18 digits, UPU S10 ``LX123456785CN``), so synthetic numbers must have the same shape
and pass the same check-digit validation, or the detection code is never exercised.

Uniqueness is by construction rather than by remembering issued numbers: every carrier
has a serial that only moves forward (by a small random stride, like consecutive labels
printed by one warehouse), so memory stays flat however many parcels a world has.
"""

from __future__ import annotations

import random

__all__ = [
    "TrackingNumbers",
    "fedex_check_digit",
    "s10_check_digit",
    "s10_is_valid",
    "ups_check_digit",
    "usps_check_digit",
]

_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial8: str) -> int:
    """UPU S10 check digit over the 8-digit serial (weights 8 6 4 2 3 5 9 7, mod 11)."""
    total = sum(int(d) * w for d, w in zip(serial8, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return 0
    if check == 11:
        return 5
    return check


def s10_is_valid(number: str) -> bool:
    """True when ``number`` is ``AA`` + 8 digits + check digit + ``CC`` with a valid check."""
    if len(number) != 13 or not number[2:11].isdigit():
        return False
    if not (number[:2].isalpha() and number[11:].isalpha()):
        return False
    return s10_check_digit(number[2:10]) == int(number[10])


def usps_check_digit(body21: str) -> int:
    """USPS IMpb mod-10 check digit: from the right, weights 3,1,3,1..."""
    total = 0
    for i, ch in enumerate(reversed(body21)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def ups_check_digit(body15: str) -> int:
    """UPS ``1Z`` check digit over the 15 characters after ``1Z`` (letters -> (ord-63)%10)."""
    total = 0
    for i, ch in enumerate(body15):
        value = int(ch) if ch.isdigit() else (ord(ch) - 63) % 10
        total += value * (2 if i % 2 == 1 else 1)
    return (10 - total % 10) % 10


def fedex_check_digit(body11: str) -> int:
    """FedEx Express 12-digit check digit: weights 1,3,7 from the right, mod 11, mod 10."""
    weights = (1, 3, 7)
    total = sum(int(ch) * weights[i % 3] for i, ch in enumerate(reversed(body11)))
    return total % 11 % 10


class TrackingNumbers:
    """Issues unique, well-formed numbers per carrier from one seeded RNG."""

    def __init__(self, rng: random.Random, year: int) -> None:
        self._rng = rng
        self._yy = f"{year % 100:02d}"
        self._serial: dict[str, int] = {}
        letters = "ABCDEFGHJKLMNPRSTUVWXY0123456789"
        self._ups_shipper = "".join(rng.choice(letters) for _ in range(6))

    def _next_serial(self, key: str, digits: int) -> int:
        """Advance the carrier's serial by 1-40 (labels printed in runs) and return it."""
        if key not in self._serial:
            low = 10 ** (digits - 1)
            self._serial[key] = self._rng.randrange(low, low * 5)
        self._serial[key] += self._rng.randint(1, 40)
        return int(self._serial[key] % 10**digits)

    def _s10(self, key: str, prefixes: tuple[str, ...], suffix: str) -> str:
        serial = f"{self._next_serial(key, 8):08d}"
        prefix = prefixes[self._rng.randrange(len(prefixes))]
        return f"{prefix}{serial}{s10_check_digit(serial)}{suffix}"

    def issue(self, carrier: str, country: str = "") -> str:
        """A new number for ``carrier`` (canonical slug); ``country`` selects SPX variants."""
        if carrier == "yunexpress":
            return f"YT{self._yy}{self._next_serial(carrier, 14):014d}"
        if carrier == "4px":
            return f"4PX30{self._next_serial(carrier, 11):011d}CN"
        if carrier == "cainiao":
            return f"LP00{self._next_serial(carrier, 12):012d}"
        if carrier == "china_post":
            return self._s10(carrier, ("LX", "LZ", "LK"), "CN")
        if carrier == "yanwen":
            return self._s10(carrier, ("UG", "UA", "UD"), "YP")
        if carrier == "correios":
            return self._s10(carrier, ("NL", "NB", "QB"), "BR")
        if carrier == "usps":
            body = f"94001{self._next_serial(carrier, 16):016d}"
            return f"{body}{usps_check_digit(body)}"
        if carrier == "ups":
            body = f"{self._ups_shipper}03{self._next_serial(carrier, 7):07d}"
            return f"1Z{body}{ups_check_digit(body)}"
        if carrier == "fedex":
            body = f"{self._next_serial(carrier, 11):011d}"
            return f"{body}{fedex_check_digit(body)}"
        if carrier == "spx":
            cc = country or "SG"
            return f"SPX{cc}0{self._next_serial(carrier + cc, 11):011d}"
        if carrier == "jt_express":
            return f"JT{self._next_serial(carrier, 13):013d}"
        raise ValueError(f"no number format for carrier {carrier!r}")
