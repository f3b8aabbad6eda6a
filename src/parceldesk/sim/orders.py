"""Order flow: when orders arrive, what they contain, how they are split into parcels.

Orders are produced strictly in time order without holding the whole world in memory:
the day's count comes from cumulative rounding of a weekday-weighted expectation, and the
instants inside a day are *sorted uniforms generated sequentially* (the classic
``1 - U^(1/n)`` recursion), mapped through an hourly intensity profile. Memory is O(1) in
the number of orders, which is what lets 200,000 orders stream straight to disk.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from parceldesk.sim.catalog import FX, ITEMS, Item, buyer_for, local_price, street_for
from parceldesk.sim.clock import DAY, HOUR, Window, dwell_seconds, snap_into
from parceldesk.sim.lanes import CHANNELS, STORE_TEMPLATES, Channel, Store
from parceldesk.sim.places import (
    BR_CITIES,
    CN_TZ,
    PH_CITIES,
    SG_CITIES,
    US_CITIES,
    US_WAREHOUSES,
    Place,
)

__all__ = ["Line", "OrderDraft", "Parcel", "iter_orders", "make_stores"]

#: Relative order volume per weekday, Monday first. ASSUMPTION (Sunday-evening peak).
WEEKDAY_WEIGHT = (1.0, 0.98, 0.97, 0.96, 0.93, 0.95, 1.12)
#: Relative order intensity per UTC hour: US evenings (00-05 UTC) and Asian evenings
#: (11-15 UTC) both show up because the stores sell on both sides. ASSUMPTION.
HOUR_WEIGHT = (
    1.5, 1.6, 1.6, 1.4, 1.1, 0.8, 0.5, 0.4, 0.4, 0.5, 0.7, 0.9,
    1.1, 1.2, 1.2, 1.0, 0.9, 0.9, 1.0, 1.0, 1.0, 1.1, 1.2, 1.4,
)  # fmt: skip
LINES_PER_ORDER = ((1, 0.70), (2, 0.22), (3, 0.08))
QUANTITY = ((1, 0.85), (2, 0.12), (3, 0.03))
SPLIT_SHARE = 0.3  # share of multi-line orders shipped in two parcels. ASSUMPTION.
_CUM_HOURS = [sum(HOUR_WEIGHT[: i + 1]) / sum(HOUR_WEIGHT) for i in range(24)]
_SELLER_CN = Window(frozenset(range(6)), 9, 19, leak=0.05)
_SELLER_US = Window(frozenset(range(5)), 9, 18, leak=0.02)


@dataclass(frozen=True, slots=True)
class Line:
    item: Item
    quantity: int
    unit_price: int  # minor units of the order currency
    unit_cost: int


@dataclass(slots=True)
class Parcel:
    number: str
    lines: list[Line]
    label_ts: int

    @property
    def value(self) -> int:
        return sum(line.unit_price * line.quantity for line in self.lines)


@dataclass(slots=True)
class OrderDraft:
    order_id: str
    store: Store
    channel: Channel
    order_ts: int
    buyer: tuple[str, str, str]
    street: tuple[str, str]
    dest: Place
    postal: str
    origin: Place  # China hub is picked per parcel; US warehouse here for domestic
    lines: list[Line]
    parcels: list[Parcel]


def make_stores(count: int) -> list[Store]:
    """The first ``count`` store templates; more than six repeat with a numeric suffix."""
    if count < 1:
        raise ValueError("stores must be >= 1")
    out: list[Store] = []
    for i in range(count):
        base = STORE_TEMPLATES[i % len(STORE_TEMPLATES)]
        suffix = "" if i < len(STORE_TEMPLATES) else f"-{i // len(STORE_TEMPLATES) + 1}"
        out.append(
            Store(base.code + suffix, base.platform, base.country, base.currency, base.zone,
                  base.mix, base.weight)
        )  # fmt: skip
    return out


def _weighted(rng: random.Random, pairs: tuple[tuple[int, float], ...]) -> int:
    return rng.choices([v for v, _ in pairs], [w for _, w in pairs])[0]


def _dest(rng: random.Random, country: str) -> tuple[Place, str]:
    if country == "US":
        p = US_CITIES[rng.randrange(len(US_CITIES))]
        return p, p.postal
    if country == "SG":
        return SG_CITIES[0], f"{rng.randint(10, 82):02d}{rng.randint(0, 9999):04d}"
    if country == "PH":
        p = PH_CITIES[rng.randrange(len(PH_CITIES))]
        return p, p.postal
    p = BR_CITIES[rng.randrange(len(BR_CITIES))]
    return p, p.postal


def _order_id(rng: random.Random, store: Store, serial: int, ts: int) -> str:
    """An id shaped like the platform's; a per-store serial inside keeps it unique."""
    if store.platform == "shopify":
        return f"#{1000 + serial}"
    if store.platform == "amazon":
        return f"11{rng.randint(1, 4)}-{rng.randint(0, 9999999):07d}-{serial:07d}"
    if store.platform == "tiktok":
        return f"57{rng.randint(0, 9999999999):010d}{serial:06d}"
    t = time.gmtime(ts + 8 * HOUR)  # Shopee order SNs start with the yymmdd of +08:00
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    tail = ""
    n = serial
    for _ in range(4):
        n, r = divmod(n, len(alphabet))
        tail = alphabet[r] + tail
    head = "".join(rng.choice(alphabet) for _ in range(4))
    return f"{t.tm_year % 100:02d}{t.tm_mon:02d}{t.tm_mday:02d}{head}{tail}"


def _order_instants(rng: random.Random, start_ts: int, days: int, n: int) -> Iterator[int]:
    """``n`` order instants over ``days`` days, ascending, in O(1) memory."""
    weights = [WEEKDAY_WEIGHT[(start_ts // DAY + 3 + d) % 7] for d in range(days)]
    total = sum(weights)
    emitted = 0
    acc = 0.0
    for d, w in enumerate(weights):
        acc += w
        k = round(n * acc / total) - emitted
        emitted += k
        x = 0.0
        for i in range(k):
            x = x + (1.0 - x) * (1.0 - rng.random() ** (1.0 / (k - i)))
            hour = next((h for h, c in enumerate(_CUM_HOURS) if c >= x), 23)
            low = _CUM_HOURS[hour - 1] if hour else 0.0
            frac = min(1.0, (x - low) / (_CUM_HOURS[hour] - low))
            yield start_ts + d * DAY + int((hour + frac) * HOUR)


def iter_orders(
    rng: random.Random,
    stores: list[Store],
    start_ts: int,
    days: int,
    n: int,
    issue: Callable[[str, str], str],
) -> Iterator[OrderDraft]:
    """Orders in time order; ``issue(carrier, country)`` returns a tracking number."""
    store_weights = [s.weight for s in stores]
    serials = [0] * len(stores)
    for ts in _order_instants(rng, start_ts, days, n):
        si = rng.choices(range(len(stores)), store_weights)[0]
        store = stores[si]
        serials[si] += 1
        names = [c for c, _ in store.mix]
        channel = CHANNELS[rng.choices(names, [w for _, w in store.mix])[0]]
        dest, postal = _dest(rng, store.country)
        buyer = buyer_for(rng, store.country)
        street = street_for(rng, store.country)
        picks = rng.sample(range(len(ITEMS)), _weighted(rng, LINES_PER_ORDER))
        lines = []
        for idx in picks:
            item = ITEMS[idx]
            price = local_price(item.price_usd_cents, store.currency)
            cost = int(item.cost_usd_cents * FX[store.currency])
            lines.append(Line(item, _weighted(rng, QUANTITY), price, cost))
        if channel.domestic:
            origin = US_WAREHOUSES[0 if dest.gateway == 0 else 1]
            window, handling = _SELLER_US, (20.0, 0.6)
        else:
            origin = US_WAREHOUSES[0]
            window, handling = _SELLER_CN, (30.0, 0.6)
        zone = origin.zone if channel.domestic else CN_TZ
        label = snap_into(rng, ts + dwell_seconds(rng, *handling, tail_p=0.02), zone, window)
        groups = [lines]
        if len(lines) > 1 and rng.random() < SPLIT_SHARE:
            cut = rng.randint(1, len(lines) - 1)
            groups = [lines[:cut], lines[cut:]]
        parcels = []
        for g in groups:
            number = issue(channel.carrier, store.country)
            parcels.append(Parcel(number, g, label))
            label = snap_into(rng, label + dwell_seconds(rng, 20, 0.6), zone, window)
        yield OrderDraft(
            order_id=_order_id(rng, store, serials[si], ts),
            store=store,
            channel=channel,
            order_ts=ts,
            buyer=buyer,
            street=street,
            dest=dest,
            postal=postal,
            origin=origin,
            lines=lines,
            parcels=parcels,
        )
