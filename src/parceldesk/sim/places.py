"""Where scans happen: origin hubs, export airports, gateways, last-mile hubs, buyer cities.

Every place carries its own UTC-offset rule, because the point of the tracking payloads is
that times are *carrier-local* (17TRACK gives the offset, AfterShip does not), and a
parser that assumes one zone per parcel must visibly break on a Shenzhen -> Los Angeles ->
Phoenix history. Phoenix (no DST) and Manaus (UTC-4) are in the pools on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from parceldesk.sim.clock import Zone

__all__ = [
    "BR_CITIES",
    "CN_EXPORT",
    "CN_HUBS",
    "CN_POST_HUBS",
    "COUNTRY3",
    "COUNTRY_NAME",
    "PH_CITIES",
    "SG_CITIES",
    "US_CITIES",
    "US_GATEWAYS",
    "US_HUBS",
    "US_WAREHOUSES",
    "Place",
    "facility",
    "gateway_for",
    "lm_hub_for",
]

CN_TZ = Zone(480)
SG_TZ = Zone(480)
PH_TZ = Zone(480)
BRT = Zone(-180)
AMT = Zone(-240)
PACIFIC = Zone(-480, us_dst=True)
MOUNTAIN = Zone(-420, us_dst=True)
ARIZONA = Zone(-420)
CENTRAL = Zone(-360, us_dst=True)
EASTERN = Zone(-300, us_dst=True)

COUNTRY3 = {"CN": "CHN", "HK": "HKG", "US": "USA", "SG": "SGP", "PH": "PHL", "BR": "BRA"}
COUNTRY_NAME = {
    "CN": "China",
    "HK": "Hong Kong",
    "US": "United States",
    "SG": "Singapore",
    "PH": "Philippines",
    "BR": "Brazil",
}


@dataclass(frozen=True, slots=True)
class Place:
    """A city (and optionally the facility in it) as carriers print it."""

    city: str
    state: str
    country: str
    zone: Zone
    postal: str = ""
    zh: str = ""
    facility: str = ""
    zh_facility: str = ""
    #: Index into US_HUBS / gateway for US buyer cities; hub name for others.
    hub: int = 0
    gateway: int = 0

    @property
    def label(self) -> str:
        """``LOS ANGELES, CA, US`` -- the 17TRACK ``location`` string."""
        parts = [self.city.upper()]
        if self.state:
            parts.append(self.state)
        parts.append(self.country)
        return ", ".join(parts)


def _cn(city: str, zh: str, state: str, facility: str, zh_facility: str) -> Place:
    return Place(city, state, "CN", CN_TZ, zh=zh, facility=facility, zh_facility=zh_facility)


CN_HUBS: tuple[Place, ...] = (
    _cn("Shenzhen", "深圳", "GD", "Shenzhen Sorting Center", "深圳转运中心"),
    _cn("Guangzhou", "广州", "GD", "Guangzhou Sorting Center", "广州分拨中心"),
    _cn("Yiwu", "义乌", "ZJ", "Yiwu Sorting Center", "义乌分拨中心"),
    _cn("Dongguan", "东莞", "GD", "Dongguan Processing Center", "东莞处理中心"),
    _cn("Shanghai", "上海", "SH", "Shanghai Sorting Center", "上海转运中心"),
)
CN_POST_HUBS: tuple[Place, ...] = (
    _cn(
        "Guangzhou",
        "广州",
        "GD",
        "Guangzhou International Mail Processing Center",
        "广州国际邮件处理中心",
    ),
    _cn(
        "Shanghai",
        "上海",
        "SH",
        "Shanghai International Mail Processing Center",
        "上海国际邮件处理中心",
    ),
    _cn(
        "Shenzhen",
        "深圳",
        "GD",
        "Shenzhen International Mail Processing Center",
        "深圳国际邮件处理中心",
    ),
)
CN_EXPORT: tuple[Place, ...] = (
    Place("Hong Kong", "", "HK", CN_TZ, zh="香港", facility="HKG Airport", zh_facility="香港机场"),
    _cn("Shenzhen", "深圳", "GD", "SZX Airport", "深圳宝安机场"),
    _cn("Guangzhou", "广州", "GD", "CAN Airport", "广州白云机场"),
    _cn("Shanghai", "上海", "SH", "PVG Airport", "上海浦东机场"),
)

US_GATEWAYS: tuple[Place, ...] = (
    Place("Los Angeles", "CA", "US", PACIFIC, "90045", facility="ISC LOS ANGELES CA(USPS)"),
    Place("Chicago", "IL", "US", CENTRAL, "60666", facility="ISC CHICAGO IL(USPS)"),
    Place("New York", "NY", "US", EASTERN, "11430", facility="ISC NEW YORK NY(USPS)"),
)

US_HUBS: tuple[Place, ...] = (
    Place("Los Angeles", "CA", "US", PACIFIC, "90052"),
    Place("Seattle", "WA", "US", PACIFIC, "98168"),
    Place("Phoenix", "AZ", "US", ARIZONA, "85043"),
    Place("Denver", "CO", "US", MOUNTAIN, "80266"),
    Place("Dallas", "TX", "US", CENTRAL, "75260"),
    Place("Chicago", "IL", "US", CENTRAL, "60808"),
    Place("Atlanta", "GA", "US", EASTERN, "30320"),
    Place("Jersey City", "NJ", "US", EASTERN, "07097"),
    Place("Philadelphia", "PA", "US", EASTERN, "19176"),
    Place("Miami", "FL", "US", EASTERN, "33152"),
)

US_WAREHOUSES: tuple[Place, ...] = (
    Place("Ontario", "CA", "US", PACIFIC, "91761", hub=0),
    Place("Edison", "NJ", "US", EASTERN, "08817", hub=7),
)


def _us(city: str, state: str, postal: str, zone: Zone, hub: int, gateway: int) -> Place:
    return Place(city, state, "US", zone, postal, hub=hub, gateway=gateway)


US_CITIES: tuple[Place, ...] = (
    _us("Los Angeles", "CA", "90011", PACIFIC, 0, 0),
    _us("San Diego", "CA", "92105", PACIFIC, 0, 0),
    _us("San Jose", "CA", "95122", PACIFIC, 0, 0),
    _us("Phoenix", "AZ", "85032", ARIZONA, 2, 0),
    _us("Las Vegas", "NV", "89110", PACIFIC, 0, 0),
    _us("Seattle", "WA", "98103", PACIFIC, 1, 0),
    _us("Portland", "OR", "97206", PACIFIC, 1, 0),
    _us("Denver", "CO", "80219", MOUNTAIN, 3, 0),
    _us("Salt Lake City", "UT", "84104", MOUNTAIN, 3, 0),
    _us("Chicago", "IL", "60629", CENTRAL, 5, 1),
    _us("Houston", "TX", "77084", CENTRAL, 4, 1),
    _us("Dallas", "TX", "75217", CENTRAL, 4, 1),
    _us("Austin", "TX", "78745", CENTRAL, 4, 1),
    _us("Minneapolis", "MN", "55407", CENTRAL, 5, 1),
    _us("St. Louis", "MO", "63116", CENTRAL, 5, 1),
    _us("Nashville", "TN", "37211", CENTRAL, 6, 1),
    _us("New York", "NY", "10025", EASTERN, 7, 2),
    _us("Brooklyn", "NY", "11226", EASTERN, 7, 2),
    _us("Philadelphia", "PA", "19120", EASTERN, 8, 2),
    _us("Boston", "MA", "02124", EASTERN, 7, 2),
    _us("Atlanta", "GA", "30349", EASTERN, 6, 2),
    _us("Miami", "FL", "33186", EASTERN, 9, 2),
    _us("Orlando", "FL", "32828", EASTERN, 9, 2),
    _us("Charlotte", "NC", "28269", EASTERN, 6, 2),
    _us("Columbus", "OH", "43229", EASTERN, 8, 1),
    _us("Detroit", "MI", "48228", EASTERN, 5, 1),
    _us("Baltimore", "MD", "21215", EASTERN, 8, 2),
)

SG_CITIES: tuple[Place, ...] = (Place("Singapore", "", "SG", SG_TZ, facility="Tuas Hub"),)

PH_CITIES: tuple[Place, ...] = (
    Place("Quezon City", "Metro Manila", "PH", PH_TZ, "1100", facility="Quezon City DC"),
    Place("Manila", "Metro Manila", "PH", PH_TZ, "1000", facility="Manila DC"),
    Place("Makati", "Metro Manila", "PH", PH_TZ, "1200", facility="Makati DC"),
    Place("Pasig", "Metro Manila", "PH", PH_TZ, "1600", facility="Pasig DC"),
    Place("Caloocan", "Metro Manila", "PH", PH_TZ, "1400", facility="Caloocan DC"),
    Place("Antipolo", "Rizal", "PH", PH_TZ, "1870", facility="Antipolo DC"),
    Place("Cebu City", "Cebu", "PH", PH_TZ, "6000", facility="Cebu Hub"),
    Place("Davao City", "Davao del Sur", "PH", PH_TZ, "8000", facility="Davao Hub"),
)
PH_GATEWAY = Place("Pasay", "Metro Manila", "PH", PH_TZ, "1300", facility="NAIA Gateway")
PH_HUB = Place("Valenzuela", "Metro Manila", "PH", PH_TZ, "1440", facility="South Luzon Hub")

BR_CITIES: tuple[Place, ...] = (
    Place("Sao Paulo", "SP", "BR", BRT, "01310-100"),
    Place("Campinas", "SP", "BR", BRT, "13015-904"),
    Place("Rio de Janeiro", "RJ", "BR", BRT, "20040-002"),
    Place("Belo Horizonte", "MG", "BR", BRT, "30130-010"),
    Place("Curitiba", "PR", "BR", BRT, "80010-000"),
    Place("Porto Alegre", "RS", "BR", BRT, "90010-150"),
    Place("Salvador", "BA", "BR", BRT, "40020-000"),
    Place("Recife", "PE", "BR", BRT, "50030-230"),
    Place("Fortaleza", "CE", "BR", BRT, "60060-170"),
    Place("Brasilia", "DF", "BR", BRT, "70040-010"),
    Place("Goiania", "GO", "BR", BRT, "74015-010"),
    Place("Manaus", "AM", "BR", AMT, "69005-010"),
)
BR_GATEWAY = Place("Curitiba", "PR", "BR", BRT, facility="Unidade de Tratamento Internacional")
BR_HUB = Place("Cajamar", "SP", "BR", BRT, facility="Centro de Tratamento")
SG_GATEWAY = Place("Singapore", "", "SG", SG_TZ, facility="Changi Airfreight Centre")


def gateway_for(dest: Place) -> Place:
    """The airport / office of exchange where a parcel for ``dest`` enters its country."""
    if dest.country == "US":
        return US_GATEWAYS[dest.gateway]
    if dest.country == "PH":
        return PH_GATEWAY
    if dest.country == "BR":
        return BR_GATEWAY
    return SG_GATEWAY


def lm_hub_for(dest: Place) -> Place:
    """The regional last-mile hub that serves ``dest``."""
    if dest.country == "US":
        return US_HUBS[dest.hub]
    if dest.country == "PH":
        return PH_HUB
    if dest.country == "BR":
        return BR_HUB
    return dest


def facility(p: Place) -> str:
    """How a carrier names the facility at ``p``."""
    if p.facility:
        return p.facility
    if p.country == "US":
        return f"{p.city.upper()} {p.state} DISTRIBUTION CENTER"
    return f"{p.city} Hub"
