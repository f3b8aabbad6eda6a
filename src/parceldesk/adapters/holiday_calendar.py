"""Public holidays from the ``holidays`` package, behind the domain's HolidayCalendar.

The domain cannot import ``holidays`` (import-linter forbids it), so business/working-day
deadlines ask this adapter.  One ``holidays`` object is cached per country; it grows
itself (``expand=True``) when asked about a year it has not computed yet.

Which days count as holidays is a choice, not a fact.  By default only the package's
``public`` category is used.  Brazil is the case that matters: Carnival Monday/Tuesday
and Ash Wednesday are *not* national public holidays (``holidays`` files them under
``optional`` -- "ponto facultativo"), yet most carriers and Correios do not work then.
Pass ``categories={"BR": ("public", "optional")}`` to treat them as non-working days, or
``subdivisions={"BR": "RJ"}`` for state holidays (RJ has Carnival Tuesday only).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date

import holidays

from parceldesk.domain.errors import InvalidValue

__all__ = ["HolidaysCalendar"]


class HolidaysCalendar:
    """``HolidayCalendar`` backed by ``holidays.country_holidays``."""

    def __init__(
        self,
        *,
        categories: Mapping[str, Sequence[str]] | None = None,
        subdivisions: Mapping[str, str] | None = None,
    ) -> None:
        self._categories = {k.upper(): tuple(v) for k, v in (categories or {}).items()}
        self._subdivisions = {k.upper(): v for k, v in (subdivisions or {}).items()}
        self._cache: dict[str, holidays.HolidayBase] = {}
        self._lock = threading.Lock()

    def _for(self, country: str, year: int) -> holidays.HolidayBase:
        code = country.strip().upper()
        with self._lock:
            cached = self._cache.get(code)
            if cached is None:
                if not code:
                    raise InvalidValue("a country code is needed to look up public holidays")
                try:
                    cached = holidays.country_holidays(
                        code,
                        subdiv=self._subdivisions.get(code),
                        years=year,
                        categories=self._categories.get(code, ("public",)),
                    )
                except NotImplementedError:
                    raise InvalidValue(f"no holiday data for country {country!r}") from None
                self._cache[code] = cached
            return cached

    def is_holiday(self, country: str, day: date) -> bool:
        calendar = self._for(country, day.year)
        with self._lock:  # membership may expand the object with a new year
            return day in calendar
