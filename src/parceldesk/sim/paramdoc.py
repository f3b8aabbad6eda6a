"""Render ``PARAMETERS.md``: every parameter of a generated world and where it comes from.

A synthetic world is only useful if its users know which of its properties are
calibrated on something and which are invented. Each number below therefore names its
source (the reference file and section, with the URL that file gives) or says
ASSUMPTION. The text is generated from the live tables, so it cannot drift from the
code; it contains nothing time-dependent, so it is part of the byte-for-byte output.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parceldesk.sim import clock
from parceldesk.sim.clock import iso_utc
from parceldesk.sim.lanes import CARRIERS, CHANNELS, Store
from parceldesk.sim.model import Backlog
from parceldesk.sim.orders import (
    HOUR_WEIGHT,
    LINES_PER_ORDER,
    QUANTITY,
    SPLIT_SHARE,
    WEEKDAY_WEIGHT,
)
from parceldesk.sim.payloads import DELIVERY

if TYPE_CHECKING:
    from parceldesk.sim.writer import WorldSummary

__all__ = ["render_parameters"]

REF = "/work/shared/reference/claim-rules-and-tracking-formats.md"
MKT = "/work/shared/reference/market-and-peers.md"
_STEPS = (
    "pickup", "origin_in", "origin_out", "export", "linehaul", "flight", "import",
    "customs", "handover", "lm_accept", "lm_hop", "lm_last", "deliver",
)  # fmt: skip
_FORMATS = {
    "yunexpress": "`YT` + yy + 14 digits",
    "4px": "`4PX30` + 11 digits + `CN`",
    "cainiao": "`LP00` + 12 digits",
    "yanwen": "UPU S10 `UG/UA/UD` + 8 digits + check + `YP`",
    "china_post": "UPU S10 `LX/LZ/LK` + 8 digits + check + `CN`",
    "usps": "`94001` + 16 digits + IMpb mod-10 check (22 digits)",
    "ups": "`1Z` + 6-char shipper + `03` + 7 digits + check",
    "fedex": "12 digits, last = FedEx 1-3-7 mod-11 check",
    "spx": "`SPXSG0` + 11 digits",
    "jt_express": "`JT` + 13 digits",
    "correios": "UPU S10 `NL/NB/QB` + 8 digits + check + `BR`",
}


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def render_parameters(
    summary: WorldSummary,
    stores: list[Store],
    backlogs: list[Backlog],
    provider_split: float,
    end_ts: int,
) -> str:
    """The Markdown text of PARAMETERS.md for one generated world."""
    out: list[str] = []
    add = out.append
    add("# Synthetic world: parameters and sources\n")
    add(
        f"Seed `{summary.seed}`, first order day {summary.start.isoformat()}, {summary.days} "
        f"days; the world is a snapshot at `{iso_utc(end_ts)}` (no event or push after it "
        "is emitted; `truth.csv` still knows every outcome).\n"
    )
    add(
        "Labels: **[ref]** = taken from a reference file (section and the source URL it "
        "cites are given); **ASSUMPTION** = our own synthesis, to be replaced by measured "
        "data when we have it.\n"
    )
    add("## Realised world\n")
    add(f"- orders {summary.orders}, order lines {summary.order_lines}, shipped parcels "
        f"{summary.shipments}, parcels not yet shipped at the snapshot "
        f"{summary.unshipped_parcels}")  # fmt: skip
    add(
        f"- pushes written: 17TRACK {summary.pushes['17track']}, AfterShip "
        f"{summary.pushes['aftership']}; deliveries in pushes.csv {summary.deliveries}"
    )
    late = summary.late_parcels / summary.delivered_parcels if summary.delivered_parcels else 0
    add(
        f"- parcels delivered (truth) {summary.delivered_parcels}, of which late vs "
        f"promised_date {summary.late_parcels} ({_pct(late)}); target 3-10% [ref: {REF} "
        "Task 4, ShipMatrix on-time 90.4-98.9%, "
        "http://universitylogistics.net/united_states_postal_service-15.html, "
        "https://www.freightwaves.com/news/large-parcel-carriers-improved-on-time-delivery-during-2025-peak-season]"
    )
    within = summary.late_within_3bd / summary.late_parcels if summary.late_parcels else 0
    add(
        f"- late parcels arriving within 3 business days of the promise: {_pct(within)}; "
        'the reference says "over 90%" (Australia Post, '
        "https://auspost.com.au/receiving/missing-damaged-or-delayed-items/find-a-missing-item). "
        "We stay below it on purpose: customs holds and airline backlogs make some parcels "
        "very late, which stall detection must see.\n"
    )
    add("| lane | " + " | ".join(summary.outcomes) + " |")
    add("|---" * (len(summary.outcomes) + 1) + "|")
    for lane, counts in summary.outcomes_by_lane.items():
        total = sum(counts.values()) or 1
        add(f"| {lane} | " + " | ".join(f"{v} ({_pct(v / total)})" for v in counts.values())
            + " |")  # fmt: skip
    add("")
    add("## Outcome and incident rates per channel\n")
    add(
        f'Calibration anchors [ref: {REF} Task 4]: "On average, 1% of all parcel shipments '
        'end up lost or damaged" '
        "(https://transportationinsight.com/resources/lost-damaged-shipments-how-to-recover-the-1-that-erodes-profit); "  # noqa: E501
        'package theft "one out of every 180" deliveries = 0.55% '
        "(https://capitaloneshopping.com/research/package-theft-statistics/) -> "
        "delivered-not-received; 8% of domestic first deliveries fail "
        "(https://chainstoreage.com/survey-e-commerce-grows-so-do-delivery-problems) -> failed "
        'attempts (ASSUMPTION: 5-6% for parcels); cross-border postal loss "several times '
        "higher, 2-5%\" is the reference's own suggested prior and is an ASSUMPTION. Per-"
        "channel splits (e.g. Cainiao economy above 4PX priority, Brazil highest, PH COD "
        "refusals) are ASSUMPTION.\n"
    )
    add("| channel | never picked up | lost | damaged | returned | DNR | customs hold | "
        "failed attempt | lost notice later | damaged->returned | refused share of RTS | "
        "customs share of RTS |")  # fmt: skip
    add("|---" * 12 + "|")
    for ch in CHANNELS.values():
        r = ch.risk
        add(f"| {ch.name} | {_pct(r.never_picked_up)} | {_pct(r.lost)} | {_pct(r.damaged)} | "
            f"{_pct(r.returned)} | {_pct(r.dnr)} | {_pct(r.customs_hold)} | "
            f"{_pct(r.failed_attempt)} | {_pct(r.lost_notice)} | {_pct(r.damage_return)} | "
            f"{_pct(r.refused_share)} | {'-' if ch.domestic else _pct(r.hold_return)} |"
        )  # fmt: skip
    add("")
    add(
        "Where losses happen (share by node; the last scan is an ordinary scan of that node, "
        "so a loss is indistinguishable from a long dwell until time passes) - ASSUMPTION, "
        'shaped on the seeds (us-lost-parcel-guide.zh.txt: "在某个转运中心、海关或派送点长时间'
        '停留"):\n'
    )
    for label, nodes in (
        ("cross-border", CHANNELS["YunExpress US Standard"].lost_nodes),
        ("US domestic", CHANNELS["USPS Ground Advantage"].lost_nodes),
    ):
        add(f"- {label}: " + ", ".join(f"{k} {_pct(v)}" for k, v in nodes.items()))
    add("")
    add("## Dwell times (hours: lognormal median / sigma)\n")
    add(
        "Each wait is `median * exp(sigma * N(0,1))`, and with probability "
        f"{_pct(clock.TAIL_P)} multiplied by a Pareto(alpha={clock.TAIL_ALPHA:g}) factor "
        f"capped at {clock.TAIL_CAP:g}x (the heavy tail). Waits are then snapped "
        "into the node's working window: pickups Mon-Sat 09-20 (China) / Mon-Fri 12-19 (US "
        "warehouses); import-customs releases Mon-Fri 08-18 local (10% leak); last-mile "
        "hubs Mon-Sat (Sunday scans only 30% of the time); out-for-delivery Mon-Sat 06-11, "
        "delivery the same day. ASSUMPTION throughout; transit totals are anchored on "
        f"[ref: {REF} Task 4]: China small-packet to BR 40-90 days vs dedicated lines 16-35 "
        "days (https://ssopdot.com/?p=15178, [C]); ~80% of inbound international "
        "receptacles tendered late to USPS ISCs "
        "(https://www.uspsoig.gov/document/delayed-inbound-international-mail) -> postal "
        "import customs is slow by design (5 silent days is normal there).\n"
    )
    add("| channel | " + " | ".join(_STEPS) + " | promised days |")
    add("|---" * (len(_STEPS) + 2) + "|")
    for ch in CHANNELS.values():
        cells = [f"{ch.speed[s][0]:g}/{ch.speed[s][1]:g}" if s in ch.speed else "-"
                 for s in _STEPS]  # fmt: skip
        add(f"| {ch.name} | " + " | ".join(cells) + f" | {ch.promised_days} |")
    add("")
    add(
        "Incidents: customs holds add a 160 h (Brazil 240 h) lognormal(0.5) dwell with a 10% "
        "heavy tail; airline backlog episodes add 2-5 days to a channel's departures for "
        "4-14 days, about one per channel per 45 days (ASSUMPTION). Episodes in this world:\n"
    )
    add("| channel | from | to | extra hours (median) |")
    add("|---|---|---|---|")
    for b in backlogs:
        add(f"| {b.channel} | {iso_utc(b.start)} | {iso_utc(b.end)} | {b.extra_hours:.0f} |")
    add("")
    add("## Channels, carriers and numbers\n")
    add("| channel | lane | number carrier | last mile | own last-mile number | "
        "Chinese origin events |")  # fmt: skip
    add("|---|---|---|---|---|---|")
    for ch in CHANNELS.values():
        lm = ", ".join(f"{c} {_pct(w)}" for c, w in ch.last_mile) or "same carrier"
        add(f"| {ch.name} | {ch.lane} | {ch.carrier} | {lm} | {ch.lm_own_number} | "
            f"{_pct(ch.zh_share)} |")  # fmt: skip
    add("")
    add("| carrier | 17TRACK key | key source | AfterShip slug | number format |")
    add("|---|---|---|---|---|")
    for c in CARRIERS.values():
        add(f"| {c.slug} | {c.t17_key} | {c.key_source} | {c.aftership_slug} "
            f"| {_FORMATS[c.slug]} |")  # fmt: skip
    add(
        "\nS10 check digit: weights 8 6 4 2 3 5 9 7, 11 - sum mod 11 (10 -> 0, 11 -> 5), "
        "per UPU S10. AfterShip slugs for SPX/J&T/Correios are ASSUMPTION. 17TRACK carrier "
        f"keys marked [ref] come from {REF} sections 1.12 and 3.2.\n"
    )
    add("## Orders\n")
    add("| store | platform | currency | share | channel mix |")
    add("|---|---|---|---|---|")
    total_w = sum(s.weight for s in stores)
    for s in stores:
        mix = ", ".join(f"{c} {_pct(w)}" for c, w in s.mix)
        add(f"| {s.code} | {s.platform} | {s.currency} | {_pct(s.weight / total_w)} | {mix} |")
    add(
        f"\n- weekday weights (Mon..Sun) {WEEKDAY_WEIGHT}; UTC hour weights {HOUR_WEIGHT} "
        f"- ASSUMPTION\n- lines per order {LINES_PER_ORDER}; quantity {QUANTITY}; "
        f"{_pct(SPLIT_SHARE)} of multi-line orders ship in two parcels - ASSUMPTION\n"
        "- handling (order -> label): median 30 h in China, 20 h in US warehouses, "
        "sigma 0.6, within seller working hours - ASSUMPTION\n"
        "- cross-border declared value = 50-100% of the merchandise value (under-"
        "declaration is common); insured_value set on 35% of parcels worth >= USD 100; "
        "signature on 60% of parcels >= USD 250 - ASSUMPTION\n"
        "- prices: a 30-item catalogue in USD converted at USD 1 = SGD 1.35 = PHP 57 = "
        "BRL 5.4 with local price endings - ASSUMPTION\n"
    )
    add("## Tracking providers and pushes\n")
    add(
        f"- payload shapes [ref: {REF} Task 3.1 (AfterShip webhook, "
        "https://www.aftership.com/docs/tracking/2025-01/webhook/webhook-specifications) and "
        "3.2 (17TRACK v2.2, https://asset.17track.net/api/document/v2.2_en/index.html, "
        "statuses https://help.17track.net/hc/en-us/articles/37471096573337)]. 17TRACK "
        "`milestone` lists all nine key stages with nulls for stages not reached, and "
        "`misc_info.local_number/local_provider/local_key` carry the last-mile number once "
        "it is known - ASSUMPTION (shape recalled from 17TRACK docs, not in the reference). "
        "The last-mile carrier is the first entry of `tracking.providers` - ASSUMPTION.\n"
        f"- provider split: {_pct(provider_split)} of cross-border forwarder parcels on "
        "17TRACK and of US-domestic/Shopee parcels on AfterShip, the rest on the other "
        "provider - ASSUMPTION\n"
        f"- one push per new event, each carrying the full history; delivery delay "
        f"lognormal median {DELIVERY.delay_median_min:g} min, sigma "
        f"{DELIVERY.delay_sigma:g}, capped at {DELIVERY.delay_cap_min / 60:g} h (AfterShip "
        f"polls carriers every 30 min - 2 h [ref: {MKT} F, "
        "https://help.aftership.com/hc/en-us/articles/115008491048]); "
        f"{_pct(DELIVERY.failed_first_attempt)} of pushes fail first and arrive by a retry, "
        f"{_pct(DELIVERY.duplicate)} arrive twice; retry delays follow AfterShip's "
        f'"2^n x 30 s" schedule [ref: {REF} Task 3.1; {MKT} F, '
        "https://www.aftership.com/docs/tracking/webhook/webhook-overview]. 17TRACK's retry "
        "policy is not in the reference; the same model is used - ASSUMPTION.\n"
    )
    add("## truth.csv semantics\n")
    add(
        "- `outcome_at`: delivered / delivered_not_received -> the delivery scan; damaged "
        "-> the damage event; returned -> the returned-to-sender scan; lost -> an instant "
        "between the last real scan and when the next scan would have come; "
        "never_picked_up -> label creation.\n"
        '- `last_real_scan_at` excludes label/pre-advice events and later carrier "lost" '
        "notices; it is empty for never_picked_up.\n"
        "- `lost_at_node` is the canonical `Node` of the last real scan of a lost parcel.\n"
        "- `value` is the parcel's merchandise value in the order currency.\n"
    )
    return "\n".join(out) + "\n"
