"""Carriers, shipping channels (forwarder lines) and stores: the simulator's parameter table.

A *channel* is what a seller picks in the forwarder's portal ("YunExpress US Standard");
it fixes who issues the tracking number, who does the last mile, how fast each node is
and how often things go wrong. Differences between channels are the signal a per-node
dwell baseline has to learn, so they are large on purpose where reality has them large:
a postal line sits silently in import customs for days as a matter of routine, while a
commercial line clears in about a day.

Every number here is documented, with its source or the ASSUMPTION label, in the
``PARAMETERS.md`` the writer renders next to the generated files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parceldesk.sim.clock import Zone
from parceldesk.sim.places import BRT, CN_TZ, PACIFIC, PH_TZ, SG_TZ

__all__ = ["CARRIERS", "CHANNELS", "STORE_TEMPLATES", "Carrier", "Channel", "Risk", "Store"]


@dataclass(frozen=True, slots=True)
class Carrier:
    """A carrier as the two tracking providers know it."""

    slug: str  # parceldesk's canonical slug (orders.csv / truth.csv)
    name: str
    family: str  # wording family in sim.texts
    t17_key: int  # 17TRACK numeric carrier key
    aftership_slug: str
    key_source: str  # where t17_key comes from (PARAMETERS.md)


_REF = "claim-rules-and-tracking-formats.md 1.12/3.2"
_PUB = "public 17TRACK client code (two repos agree); ASSUMPTION until checked"
_GUESS = "ASSUMPTION: verify in https://res.17track.net/asset/carrier/info/apicarrier.all.json"

CARRIERS: dict[str, Carrier] = {
    c.slug: c
    for c in (
        Carrier("yunexpress", "YunExpress", "forwarder", 190107, "yunexpress", _REF),
        Carrier("4px", "4PX", "forwarder", 190094, "4px", _GUESS),
        Carrier("cainiao", "Cainiao", "forwarder", 190271, "cainiao", _REF),
        Carrier("yanwen", "Yanwen", "forwarder", 190012, "yanwen", _REF),
        Carrier("china_post", "China Post", "chinapost", 3011, "china-post", _REF),
        Carrier("usps", "USPS", "usps", 21051, "usps", _PUB),
        Carrier("ups", "UPS", "ups", 100002, "ups", _REF),
        Carrier("fedex", "FedEx", "fedex", 100003, "fedex", _PUB),
        Carrier("spx", "Shopee Xpress", "spx", 100274, "spx-sg", _GUESS),
        Carrier("jt_express", "J&T Express", "jt", 100232, "jtexpress-ph", _GUESS),
        Carrier("correios", "Correios", "correios", 2151, "brazil-correios", _GUESS),
    )
}


@dataclass(frozen=True, slots=True)
class Risk:
    """Per-shipment probabilities. Outcomes are exclusive; incidents are independent."""

    never_picked_up: float
    lost: float
    damaged: float
    returned: float
    dnr: float  # delivered-not-received, as a share of parcels delivered to the door
    customs_hold: float = 0.0
    hold_exception: float = 0.5  # share of holds that show a "Held by customs" event
    hold_return: float = 0.1  # share of holds that end returned to sender
    failed_attempt: float = 0.05
    lost_notice: float = 0.3  # share of lost parcels that later get a carrier "lost" event
    damage_return: float = 0.3  # share of damaged parcels returned instead of delivered
    refused_share: float = 0.3  # share of returns caused by refusal (else address issues)


Speed = dict[str, tuple[float, float]]  # step -> (median hours, lognormal sigma)

_XB_BASE: Speed = {
    "pickup": (20, 0.7),
    "origin_in": (6, 0.6),
    "origin_out": (12, 0.6),
    "export": (18, 0.6),
    "linehaul": (36, 0.7),
    "flight": (16, 0.2),
    "import": (10, 0.7),
    "customs": (26, 0.8),
    "handover": (20, 0.7),
    "lm_accept": (20, 0.6),
    "lm_hop": (18, 0.5),
    "lm_last": (12, 0.5),
    "deliver": (5, 0.5),
}
_DOM_BASE: Speed = {
    "pickup": (14, 0.6),
    "origin_in": (4, 0.5),
    "origin_out": (8, 0.5),
    "lm_hop": (20, 0.5),
    "lm_last": (10, 0.5),
    "deliver": (5, 0.5),
}


def _speed(base: Speed, **over: tuple[float, float]) -> Speed:
    """``base`` with some steps replaced (``import_`` stands for the keyword ``import``)."""
    out = dict(base)
    out.update({k.rstrip("_"): v for k, v in over.items()})
    return out


@dataclass(frozen=True, slots=True)
class Channel:
    """A forwarder line / carrier service as a seller books it."""

    name: str
    lane: str  # CN-US, CN-SG, CN-PH, CN-BR, US-US
    carrier: str  # who issues the tracking number (canonical slug)
    dest: str  # destination country, ISO 3166-1 alpha-2
    first_family: str  # wording of the first-mile events
    last_family: str  # wording once the last-mile carrier reports
    #: Last-mile carriers and weights; empty when the number's carrier delivers itself.
    last_mile: tuple[tuple[str, float], ...]
    lm_own_number: bool  # the last-mile carrier issues its own number, revealed at handover
    lm_from: str  # first step reported by the last-mile carrier ("lm_accept"/"dest_arrival")
    origin: str  # "cn", "cn_post" or "us_wh"
    zh_share: float  # share of parcels whose origin events are worded in Chinese
    speed: Speed
    risk: Risk
    promised_days: int  # calendar days from ship date to the promised date
    lost_nodes: dict[str, float] = field(default_factory=dict)
    #: Kinds of first-leg event worded by the number's own carrier (Correios "Objeto
    #: postado" on a Shopee BR parcel, while the rest of the Chinese leg is SLS wording).
    carrier_worded: frozenset[str] = frozenset()

    @property
    def domestic(self) -> bool:
        return self.lane == "US-US"

    @property
    def two_providers(self) -> bool:
        """17TRACK shows the last-mile carrier as a second provider entry."""
        return bool(self.last_mile)


# Where losses happen, by node (ASSUMPTION: shaped on the seeds' "转运中心、海关、派送点").
_XB_LOST = {
    "first_mile_pickup": 0.06,
    "origin_facility": 0.12,
    "export_customs": 0.04,
    "linehaul_departed": 0.08,
    "destination_arrival": 0.08,
    "import_customs": 0.08,
    "customs_released": 0.06,
    "last_mile_handover": 0.16,
    "last_mile_facility": 0.24,
    "out_for_delivery": 0.08,
}
_DOM_LOST = {
    "first_mile_pickup": 0.10,
    "origin_facility": 0.25,
    "last_mile_facility": 0.50,
    "out_for_delivery": 0.15,
}
_US_LM = (("usps", 0.8), ("ups", 0.1), ("fedex", 0.1))


@dataclass(frozen=True, slots=True)
class Store:
    """A seller's shop on one platform, with the channels its orders ship by."""

    code: str
    platform: str
    country: str
    currency: str
    zone: Zone
    mix: tuple[tuple[str, float], ...]
    weight: float


# fmt: off
CHANNELS: dict[str, Channel] = {c.name: c for c in (
    Channel(
        name="YunExpress US Standard", lane="CN-US", carrier="yunexpress", dest="US",
        first_family="forwarder", last_family="", last_mile=_US_LM, lm_own_number=True,
        lm_from="lm_accept", origin="cn", zh_share=0.3, speed=dict(_XB_BASE),
        risk=Risk(never_picked_up=0.004, lost=0.022, damaged=0.005, returned=0.008,
                  dnr=0.005, customs_hold=0.015),
        promised_days=19, lost_nodes=_XB_LOST,
    ),
    Channel(
        name="4PX Global Priority", lane="CN-US", carrier="4px", dest="US",
        first_family="forwarder", last_family="",
        last_mile=(("usps", 0.6), ("ups", 0.25), ("fedex", 0.15)), lm_own_number=True,
        lm_from="lm_accept", origin="cn", zh_share=0.5,
        speed=_speed(_XB_BASE, pickup=(16, 0.7), origin_in=(5, 0.6), origin_out=(10, 0.6),
                     export=(14, 0.6), linehaul=(22, 0.7), flight=(15, 0.2),
                     import_=(6, 0.6), customs=(18, 0.8), handover=(14, 0.7),
                     lm_accept=(16, 0.6), lm_hop=(16, 0.5)),
        risk=Risk(never_picked_up=0.003, lost=0.015, damaged=0.005, returned=0.006,
                  dnr=0.005, customs_hold=0.01),
        promised_days=14, lost_nodes=_XB_LOST,
    ),
    Channel(
        name="Cainiao Super Economy US", lane="CN-US", carrier="cainiao", dest="US",
        first_family="forwarder", last_family="", last_mile=(("usps", 1.0),),
        lm_own_number=True, lm_from="lm_accept", origin="cn", zh_share=0.9,
        speed=_speed(_XB_BASE, linehaul=(60, 0.8), customs=(30, 0.8), handover=(30, 0.7),
                     lm_hop=(22, 0.6)),
        risk=Risk(never_picked_up=0.005, lost=0.035, damaged=0.006, returned=0.01,
                  dnr=0.005, customs_hold=0.02),
        promised_days=23, lost_nodes=_XB_LOST,
    ),
    Channel(
        name="China Post ePacket US", lane="CN-US", carrier="china_post", dest="US",
        first_family="chinapost", last_family="usps", last_mile=(("usps", 1.0),),
        lm_own_number=False, lm_from="dest_arrival", origin="cn_post", zh_share=0.9,
        speed=_speed(_XB_BASE, pickup=(24, 0.7), origin_in=(10, 0.6), origin_out=(18, 0.6),
                     export=(30, 0.7), linehaul=(60, 0.8), import_=(20, 0.7),
                     customs=(84, 0.5), handover=(16, 0.6), lm_hop=(20, 0.5)),
        risk=Risk(never_picked_up=0.004, lost=0.03, damaged=0.006, returned=0.01,
                  dnr=0.005, customs_hold=0.03),
        promised_days=27, lost_nodes=_XB_LOST,
    ),
    Channel(
        name="USPS Ground Advantage", lane="US-US", carrier="usps", dest="US",
        first_family="usps", last_family="usps", last_mile=(), lm_own_number=False,
        lm_from="lm_accept", origin="us_wh", zh_share=0.0, speed=dict(_DOM_BASE),
        risk=Risk(never_picked_up=0.006, lost=0.004, damaged=0.004, returned=0.006,
                  dnr=0.0055, failed_attempt=0.06),
        promised_days=7, lost_nodes=_DOM_LOST,
    ),
    Channel(
        name="UPS Ground", lane="US-US", carrier="ups", dest="US",
        first_family="ups", last_family="ups", last_mile=(), lm_own_number=False,
        lm_from="lm_accept", origin="us_wh", zh_share=0.0,
        speed=_speed(_DOM_BASE, lm_hop=(24, 0.4)),
        risk=Risk(never_picked_up=0.005, lost=0.003, damaged=0.004, returned=0.005,
                  dnr=0.005),
        promised_days=7, lost_nodes=_DOM_LOST,
    ),
    Channel(
        name="FedEx Ground", lane="US-US", carrier="fedex", dest="US",
        first_family="fedex", last_family="fedex", last_mile=(), lm_own_number=False,
        lm_from="lm_accept", origin="us_wh", zh_share=0.0,
        speed=_speed(_DOM_BASE, lm_hop=(24, 0.4)),
        risk=Risk(never_picked_up=0.005, lost=0.003, damaged=0.003, returned=0.005,
                  dnr=0.005),
        promised_days=7, lost_nodes=_DOM_LOST,
    ),
    Channel(
        name="Shopee SLS SG", lane="CN-SG", carrier="spx", dest="SG",
        first_family="sls", last_family="spx", last_mile=(), lm_own_number=False,
        lm_from="lm_accept", origin="cn", zh_share=0.5,
        speed=_speed(_XB_BASE, pickup=(14, 0.6), export=(12, 0.6), linehaul=(20, 0.6),
                     flight=(6, 0.2), import_=(6, 0.6), customs=(14, 0.7), handover=(8, 0.6),
                     lm_accept=(10, 0.5), lm_hop=(12, 0.5), lm_last=(8, 0.5)),
        risk=Risk(never_picked_up=0.004, lost=0.015, damaged=0.005, returned=0.012,
                  dnr=0.003, customs_hold=0.01),
        promised_days=11, lost_nodes=_XB_LOST,
    ),
    Channel(
        name="Shopee SLS PH", lane="CN-PH", carrier="jt_express", dest="PH",
        first_family="sls", last_family="jt", last_mile=(), lm_own_number=False,
        lm_from="lm_accept", origin="cn", zh_share=0.5,
        speed=_speed(_XB_BASE, pickup=(14, 0.6), linehaul=(28, 0.7), flight=(5, 0.2),
                     customs=(30, 0.8), handover=(12, 0.6), lm_hop=(24, 0.6)),
        risk=Risk(never_picked_up=0.005, lost=0.025, damaged=0.006, returned=0.04,
                  dnr=0.004, customs_hold=0.015, refused_share=0.7),
        promised_days=18, lost_nodes=_XB_LOST,
    ),
    Channel(
        name="Shopee SLS BR", lane="CN-BR", carrier="correios", dest="BR",
        first_family="sls", last_family="correios", last_mile=(), lm_own_number=False,
        lm_from="dest_arrival", origin="cn", zh_share=0.5,
        speed=_speed(_XB_BASE, linehaul=(70, 0.8), flight=(24, 0.2), import_=(40, 0.8),
                     customs=(120, 0.7), handover=(24, 0.6), lm_hop=(48, 0.6)),
        risk=Risk(never_picked_up=0.005, lost=0.04, damaged=0.006, returned=0.015,
                  dnr=0.004, customs_hold=0.05, hold_return=0.15),
        promised_days=38, lost_nodes=_XB_LOST,
        carrier_worded=frozenset({"pickup", "flight_departed"}),
    ),
    Channel(
        name="Yanwen Economy BR", lane="CN-BR", carrier="yanwen", dest="BR",
        first_family="forwarder", last_family="correios", last_mile=(("correios", 1.0),),
        lm_own_number=True, lm_from="lm_accept", origin="cn", zh_share=0.9,
        speed=_speed(_XB_BASE, linehaul=(96, 0.8), flight=(24, 0.2), import_=(48, 0.8),
                     customs=(150, 0.7), handover=(30, 0.6), lm_hop=(56, 0.6)),
        risk=Risk(never_picked_up=0.006, lost=0.05, damaged=0.006, returned=0.015,
                  dnr=0.004, customs_hold=0.06, hold_return=0.15),
        promised_days=48, lost_nodes=_XB_LOST,
    ),
)}

STORE_TEMPLATES: tuple[Store, ...] = (
    Store("acme-us-shopify", "shopify", "US", "USD", CN_TZ,
          (("YunExpress US Standard", 0.35), ("4PX Global Priority", 0.2),
           ("Cainiao Super Economy US", 0.1), ("China Post ePacket US", 0.05),
           ("USPS Ground Advantage", 0.2), ("UPS Ground", 0.06), ("FedEx Ground", 0.04)),
          0.35),
    Store("acme-sg-shopee", "shopee", "SG", "SGD", SG_TZ, (("Shopee SLS SG", 1.0),), 0.2),
    Store("acme-amazon-us", "amazon", "US", "USD", PACIFIC,
          (("USPS Ground Advantage", 0.45), ("UPS Ground", 0.25), ("FedEx Ground", 0.15),
           ("YunExpress US Standard", 0.15)),
          0.25),
    Store("acme-ph-shopee", "shopee", "PH", "PHP", PH_TZ, (("Shopee SLS PH", 1.0),), 0.1),
    Store("acme-br-shopee", "shopee", "BR", "BRL", BRT,
          (("Shopee SLS BR", 0.85), ("Yanwen Economy BR", 0.15)), 0.1),
    Store("acme-us-tiktok", "tiktok", "US", "USD", PACIFIC,
          (("YunExpress US Standard", 0.4), ("4PX Global Priority", 0.3),
           ("USPS Ground Advantage", 0.3)),
          0.1),
)
# fmt: on
