"""Which IANA zone a carrier-local time belongs to, from the place the scan happened.

Why this exists: AfterShip sends ``checkpoint_time`` *without* an offset -- it is the
wall-clock time at the checkpoint (see the AfterShip docs sample reproduced in
claim-rules-and-tracking-formats.md 3.1), and 17TRACK occasionally does the same in
``time_iso``. A Shenzhen -> Los Angeles -> Phoenix history therefore spans three offsets,
and assuming one zone per parcel would reorder scans and invent dwell times. The zone is
looked up from country (ISO 3166 alpha-2, alpha-3 or English name) plus state/province,
with the zone that covers most of a multi-zone state (Kentucky -> New York, Texas ->
Chicago); a few large cities on the other side of a state line are listed explicitly.

Only the standard library (``zoneinfo``, backed by the system tz database) is used, so
DST rules follow the host's tzdata. Unknown places give ``None``; callers fall back to
UTC and say so (``extra["assumed_utc"]``).
"""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = ["US_STATES", "country_code", "zone_for"]

# fmt: off
#: alpha-2 -> default zone (the zone most of the population lives in).
_DEFAULT: dict[str, str] = {
    "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "MO": "Asia/Macau", "TW": "Asia/Taipei",
    "US": "America/New_York", "SG": "Asia/Singapore", "PH": "Asia/Manila",
    "MY": "Asia/Kuala_Lumpur", "TH": "Asia/Bangkok", "ID": "Asia/Jakarta",
    "VN": "Asia/Ho_Chi_Minh", "BR": "America/Sao_Paulo", "GB": "Europe/London",
    "DE": "Europe/Berlin", "NL": "Europe/Amsterdam", "JP": "Asia/Tokyo", "KR": "Asia/Seoul",
    "AU": "Australia/Sydney", "CA": "America/Toronto", "MX": "America/Mexico_City",
    "FR": "Europe/Paris", "ES": "Europe/Madrid", "IT": "Europe/Rome", "BE": "Europe/Brussels",
    "PL": "Europe/Warsaw", "IE": "Europe/Dublin", "AE": "Asia/Dubai", "IN": "Asia/Kolkata",
    "NZ": "Pacific/Auckland",
}

_ALPHA3: dict[str, str] = {
    "CHN": "CN", "HKG": "HK", "MAC": "MO", "TWN": "TW", "USA": "US", "SGP": "SG",
    "PHL": "PH", "MYS": "MY", "THA": "TH", "IDN": "ID", "VNM": "VN", "BRA": "BR",
    "GBR": "GB", "DEU": "DE", "NLD": "NL", "JPN": "JP", "KOR": "KR", "AUS": "AU",
    "CAN": "CA", "MEX": "MX", "FRA": "FR", "ESP": "ES", "ITA": "IT", "BEL": "BE",
    "POL": "PL", "IRL": "IE", "ARE": "AE", "IND": "IN", "NZL": "NZ",
}

_NAMES: dict[str, str] = {
    "china": "CN", "mainland china": "CN", "people's republic of china": "CN", "中国": "CN",
    "hong kong": "HK", "hong kong sar": "HK", "hongkong": "HK", "香港": "HK", "macau": "MO",
    "macao": "MO", "taiwan": "TW", "united states": "US", "united states of america": "US",
    "usa": "US", "u.s.a.": "US", "america": "US", "美国": "US", "singapore": "SG",
    "philippines": "PH", "malaysia": "MY", "thailand": "TH", "indonesia": "ID",
    "vietnam": "VN", "viet nam": "VN", "brazil": "BR", "brasil": "BR",
    "united kingdom": "GB", "great britain": "GB", "uk": "GB", "england": "GB",
    "germany": "DE", "deutschland": "DE", "netherlands": "NL", "the netherlands": "NL",
    "japan": "JP", "south korea": "KR", "korea": "KR", "republic of korea": "KR",
    "australia": "AU", "canada": "CA", "mexico": "MX", "méxico": "MX", "france": "FR",
    "spain": "ES", "italy": "IT", "belgium": "BE", "poland": "PL", "ireland": "IE",
    "united arab emirates": "AE", "india": "IN", "new zealand": "NZ",
}

_NY, _CHI = "America/New_York", "America/Chicago"
_DEN, _LA = "America/Denver", "America/Los_Angeles"
#: US states, DC and territories -> the zone covering most of the state.
_US: dict[str, str] = {
    "AL": _CHI, "AK": "America/Anchorage", "AZ": "America/Phoenix", "AR": _CHI, "CA": _LA,
    "CO": _DEN, "CT": _NY, "DE": _NY, "DC": _NY, "FL": _NY, "GA": _NY,
    "HI": "Pacific/Honolulu", "ID": "America/Boise", "IL": _CHI,
    "IN": "America/Indiana/Indianapolis", "IA": _CHI, "KS": _CHI, "KY": _NY, "LA": _CHI,
    "ME": _NY, "MD": _NY, "MA": _NY, "MI": "America/Detroit", "MN": _CHI, "MS": _CHI,
    "MO": _CHI, "MT": _DEN, "NE": _CHI, "NV": _LA, "NH": _NY, "NJ": _NY, "NM": _DEN,
    "NY": _NY, "NC": _NY, "ND": _CHI, "OH": _NY, "OK": _CHI, "OR": _LA, "PA": _NY,
    "RI": _NY, "SC": _NY, "SD": _CHI, "TN": _CHI, "TX": _CHI, "UT": _DEN, "VT": _NY,
    "VA": _NY, "WA": _LA, "WV": _NY, "WI": _CHI, "WY": _DEN,
    "PR": "America/Puerto_Rico", "GU": "Pacific/Guam", "VI": "America/St_Thomas",
    "AS": "Pacific/Pago_Pago", "MP": "Pacific/Saipan",
}
_US_NAMES: dict[str, str] = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "washington dc": "DC", "washington d.c.": "DC", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
    "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY", "puerto rico": "PR", "guam": "GU",
}

#: Other multi-zone countries: (country, state code or folded name) -> zone.
_STATES: dict[tuple[str, str], str] = {
    # Brazil: everything not listed is UTC-3 like Sao Paulo (no DST since 2019).
    ("BR", "AM"): "America/Manaus", ("BR", "amazonas"): "America/Manaus",
    ("BR", "RO"): "America/Porto_Velho", ("BR", "rondônia"): "America/Porto_Velho",
    ("BR", "rondonia"): "America/Porto_Velho", ("BR", "RR"): "America/Boa_Vista",
    ("BR", "roraima"): "America/Boa_Vista", ("BR", "AC"): "America/Rio_Branco",
    ("BR", "acre"): "America/Rio_Branco", ("BR", "MS"): "America/Campo_Grande",
    ("BR", "mato grosso do sul"): "America/Campo_Grande", ("BR", "MT"): "America/Cuiaba",
    ("BR", "mato grosso"): "America/Cuiaba",
    # Australia
    ("AU", "NSW"): "Australia/Sydney", ("AU", "new south wales"): "Australia/Sydney",
    ("AU", "ACT"): "Australia/Sydney", ("AU", "VIC"): "Australia/Melbourne",
    ("AU", "victoria"): "Australia/Melbourne", ("AU", "QLD"): "Australia/Brisbane",
    ("AU", "queensland"): "Australia/Brisbane", ("AU", "SA"): "Australia/Adelaide",
    ("AU", "south australia"): "Australia/Adelaide", ("AU", "WA"): "Australia/Perth",
    ("AU", "western australia"): "Australia/Perth", ("AU", "TAS"): "Australia/Hobart",
    ("AU", "tasmania"): "Australia/Hobart", ("AU", "NT"): "Australia/Darwin",
    ("AU", "northern territory"): "Australia/Darwin",
    # Canada
    ("CA", "BC"): "America/Vancouver", ("CA", "british columbia"): "America/Vancouver",
    ("CA", "AB"): "America/Edmonton", ("CA", "alberta"): "America/Edmonton",
    ("CA", "SK"): "America/Regina", ("CA", "saskatchewan"): "America/Regina",
    ("CA", "MB"): "America/Winnipeg", ("CA", "manitoba"): "America/Winnipeg",
    ("CA", "ON"): "America/Toronto", ("CA", "ontario"): "America/Toronto",
    ("CA", "QC"): "America/Toronto", ("CA", "quebec"): "America/Toronto",
    ("CA", "NB"): "America/Moncton", ("CA", "new brunswick"): "America/Moncton",
    ("CA", "NS"): "America/Halifax", ("CA", "nova scotia"): "America/Halifax",
    ("CA", "PE"): "America/Halifax", ("CA", "NL"): "America/St_Johns",
    ("CA", "newfoundland and labrador"): "America/St_Johns",
    ("CA", "YT"): "America/Whitehorse", ("CA", "NT"): "America/Yellowknife",
    ("CA", "NU"): "America/Iqaluit",
    # Mexico (default Mexico City)
    ("MX", "BC"): "America/Tijuana", ("MX", "baja california"): "America/Tijuana",
    ("MX", "BCS"): "America/Mazatlan", ("MX", "baja california sur"): "America/Mazatlan",
    ("MX", "SON"): "America/Hermosillo", ("MX", "sonora"): "America/Hermosillo",
    ("MX", "SIN"): "America/Mazatlan", ("MX", "sinaloa"): "America/Mazatlan",
    ("MX", "NAY"): "America/Mazatlan", ("MX", "nayarit"): "America/Mazatlan",
    ("MX", "CHH"): "America/Chihuahua", ("MX", "chihuahua"): "America/Chihuahua",
    ("MX", "ROO"): "America/Cancun", ("MX", "quintana roo"): "America/Cancun",
    # Indonesia (default Jakarta, WIB)
    ("ID", "bali"): "Asia/Makassar", ("ID", "BA"): "Asia/Makassar",
    ("ID", "nusa tenggara barat"): "Asia/Makassar", ("ID", "nusa tenggara timur"): "Asia/Makassar",
    ("ID", "sulawesi selatan"): "Asia/Makassar", ("ID", "south sulawesi"): "Asia/Makassar",
    ("ID", "kalimantan timur"): "Asia/Makassar", ("ID", "east kalimantan"): "Asia/Makassar",
    ("ID", "kalimantan selatan"): "Asia/Makassar", ("ID", "south kalimantan"): "Asia/Makassar",
    ("ID", "papua"): "Asia/Jayapura", ("ID", "maluku"): "Asia/Jayapura",
}

#: Cities on the other side of their state's main zone line.
_CITIES: dict[tuple[str, str], str] = {
    ("US", "el paso"): _DEN, ("US", "pensacola"): _CHI, ("US", "panama city"): _CHI,
    ("US", "gary"): _CHI, ("US", "evansville"): _CHI, ("US", "knoxville"): _NY,
    ("US", "chattanooga"): _NY, ("US", "louisville"): _NY, ("US", "bowling green"): _CHI,
    ("US", "coeur d'alene"): _LA, ("US", "lewiston"): _LA,
}
# fmt: on

#: US state/territory postal codes (two-letter tokens that are not necessarily countries).
US_STATES: frozenset[str] = frozenset(_US)


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").split()).casefold()


@lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """ISO alpha-2 code for an alpha-2/alpha-3 code or an English country name ("" if unknown)."""
    raw = value.strip()
    if not raw:
        return ""
    upper = raw.upper()
    if len(upper) == 2 and upper.isascii() and upper.isalpha():
        return "GB" if upper == "UK" else upper
    if len(upper) == 3 and upper in _ALPHA3:
        return _ALPHA3[upper]
    return _NAMES.get(_fold(raw), "")


@lru_cache(maxsize=4096)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # zone missing from this host's tzdata
        return None


@lru_cache(maxsize=8192)
def zone_for(country: str, state: str = "", city: str = "") -> ZoneInfo | None:
    """The zone a scan in (``country``, ``state``, ``city``) is stamped in, or ``None``.

    ``country`` may be an alpha-2, alpha-3 or English name; ``state`` a postal code
    ("CA", "AM") or a name ("California", "Amazonas"). A known country with an unknown
    state gets the country's default zone.
    """
    cc = country_code(country)
    if not cc:
        return None
    folded_city = _fold(city)
    if folded_city and (cc, folded_city) in _CITIES:
        return _zone(_CITIES[cc, folded_city])
    st = state.strip()
    if st:
        if cc == "US":
            code = st.upper() if st.upper() in _US else _US_NAMES.get(_fold(st), "")
            if code:
                return _zone(_US[code])
        else:
            name = _STATES.get((cc, st.upper())) or _STATES.get((cc, _fold(st)))
            if name:
                return _zone(name)
    default = _DEFAULT.get(cc)
    return _zone(default) if default else None
