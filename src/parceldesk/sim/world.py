"""The life of one parcel: scans, dwells, incidents and the ground-truth outcome.

A shipment is simulated forwards, node by node, with the clock advancing by a
heavy-tailed dwell that respects each node's working window (no customs release on a
Sunday, no delivery at 3 a.m.). Incidents bend that walk: a customs hold stretches one
dwell, an airline backlog another, a damage or a return branches off it.

A *loss* is applied afterwards, by truncation: the parcel is walked as if all went well,
then its history is cut after one ordinary scan. That is what makes losses genuinely
ambiguous -- the last scan of a lost parcel is a scan that a delivered parcel also had,
and the silence after it is indistinguishable, for a while, from a long normal dwell.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from parceldesk.sim.clock import ALWAYS, DAY, HOUR, Window, dwell_seconds, local_parts, snap_into
from parceldesk.sim.lanes import CARRIERS, Channel
from parceldesk.sim.model import OUTCOMES, Backlog, Shipment, SimEvent
from parceldesk.sim.numbers import TrackingNumbers
from parceldesk.sim.places import (
    CN_EXPORT,
    CN_HUBS,
    CN_POST_HUBS,
    US_HUBS,
    Place,
    facility,
    gateway_for,
    lm_hub_for,
)
from parceldesk.sim.texts import KINDS, describe

__all__ = ["OUTCOMES", "Backlog", "Shipment", "SimEvent", "simulate"]

_MON_SAT = frozenset(range(6))
_MON_FRI = frozenset(range(5))
CN_PICKUP = Window(_MON_SAT, 9, 20, leak=0.1)
US_PICKUP = Window(_MON_FRI, 12, 19, leak=0.05)
CUSTOMS = Window(_MON_FRI, 8, 18, leak=0.1)  # customs officers work weekdays
HANDOVER = Window(_MON_SAT, 6, 22, leak=0.2)
LAST_MILE = Window(_MON_SAT, 0, 24, leak=0.3)  # hubs run nights, rarely Sundays
OFD = Window(_MON_SAT, 6, 11, leak=0.03)
COUNTER = Window(_MON_SAT, 9, 18)
_GATEWAY_HUB = {0: 0, 1: 5, 2: 7}  # US gateway index -> US_HUBS index
_DAMAGE_KINDS = ("arrive_origin", "depart_origin", "dest_arrival", "lm_accept", "lm_last")
_DAMAGE_W = (0.15, 0.1, 0.15, 0.3, 0.3)
_DOM_DAMAGE_W = (0.3, 0.2, 0.0, 0.0, 0.5)


@dataclass(frozen=True, slots=True)
class _Incidents:
    hold: bool  # a customs hold stretches the import-customs dwell
    rts: str  # "", "customs", "refused" or "address_issue": why it goes back
    failed: bool  # a failed first delivery attempt
    backlogs: list[Backlog]  # this channel's linehaul backlog episodes


class _Run:
    """Mutable state of one forward walk (clock, events, which leg is reporting)."""

    def __init__(self, rng: random.Random, ch: Channel, lm: str, lm_number: str, zh: bool):
        self.rng = rng
        self.ch = ch
        self.zh = zh
        self.first = ch.first_family
        self.last = ch.last_family or (CARRIERS[lm].family if lm else ch.first_family)
        self.lm_name = CARRIERS[lm].name if lm else ""
        self.lm_number = lm_number
        self.second = False
        self.t = 0
        self.events: list[SimEvent] = []
        self.damage_kind = ""
        self.damage_at = 0
        self.damage_return = False

    def emit(self, kind: str, ts: int, place: Place, nxt: Place | None = None) -> None:
        family, zh = (self.last, False) if self.second else (self.first, self.zh)
        if not self.second and kind in self.ch.carrier_worded:
            family, zh = CARRIERS[self.ch.carrier].family, False
        fields = {
            "city": place.city,
            "fac": facility(place),
            "zcity": place.zh or place.city,
            "zfac": place.zh_facility or facility(place),
            "next": (nxt or place).city,
            "znext": (nxt or place).zh or (nxt or place).city,
            "lm": self.lm_name,
            "lmno": self.lm_number,
        }
        text = describe(self.rng, family, kind, zh, fields)
        leg = 1 if self.second and self.ch.two_providers else 0
        self.events.append(SimEvent(ts, kind, leg, place, text, family))

    def wait(self, key: str, place: Place, window: Window, extra: int = 0) -> int:
        median, sigma = self.ch.speed[key]
        t = self.t + dwell_seconds(self.rng, median, sigma) + extra
        self.t = max(snap_into(self.rng, t, place.zone, window), self.t + 60)
        return self.t

    def scan(
        self,
        kind: str,
        key: str,
        place: Place,
        window: Window,
        nxt: Place | None = None,
        extra: int = 0,
    ) -> bool:
        """Wait, emit ``kind``; returns True when a damage-and-return ended the walk here."""
        self.wait(key, place, window, extra)
        self.emit(kind, self.t, place, nxt)
        if kind != self.damage_kind or self.damage_at:
            return False
        self.t += dwell_seconds(self.rng, 3, 0.6, tail_p=0)
        self.damage_at = self.t
        self.emit("damaged", self.t, place)
        if self.damage_return:
            return True
        self.t += dwell_seconds(self.rng, 30, 0.6, tail_p=0)  # re-packing / inspection
        return False


def _return_flow(run: _Run, route: list[Place], home: Place, to_origin: bool) -> None:
    """Returning scans along ``route`` back to ``home`` (long when it goes back to China)."""
    rng = run.rng
    here = route[0]
    run.t = max(
        snap_into(rng, run.t + dwell_seconds(rng, 10, 0.6), here.zone, HANDOVER), run.t + 60
    )
    run.emit("returning", run.t, here)
    for hop in route[1:] or route:
        run.t += dwell_seconds(rng, 30, 0.6)
        run.emit("return_transit", run.t, hop)
    if to_origin:
        run.second = False
        run.t += dwell_seconds(rng, 400, 0.4)
    else:
        run.t += dwell_seconds(rng, 40, 0.6)
    run.t = snap_into(rng, run.t, home.zone, HANDOVER)
    run.emit("returned", run.t, home)


def _deliver(run: _Run, dest: Place, failed: bool, rts: str) -> bool:
    """Arrival at the delivery station, out for delivery, then delivered or refused.

    Returns True when a damage-and-return stopped the parcel at the delivery station.
    """
    rng = run.rng
    if run.scan("lm_last", "lm_last", dest, LAST_MILE):
        return True
    run.t = snap_into(rng, run.t + dwell_seconds(rng, 4, 0.5, tail_p=0), dest.zone, OFD)
    run.emit("ofd", run.t, dest)
    local = local_parts(run.t, dest.zone)
    since_midnight = local.tm_hour * HOUR + local.tm_min * 60
    cap = max(600, 20 * HOUR + 1800 - since_midnight)  # delivered the same day
    if rts:
        run.t += min(dwell_seconds(rng, 3, 0.5, tail_p=0), cap)
        run.emit(rts, run.t, dest)
        return False
    if failed:
        run.t += min(dwell_seconds(rng, 4, 0.5, tail_p=0), cap)
        run.emit("attempt_fail", run.t, dest)
        if run.last == "usps" and rng.random() < 0.5:
            run.t = snap_into(rng, run.t + 14 * HOUR, dest.zone, COUNTER)
            run.emit("ready_pickup", run.t, dest)
            run.t = snap_into(rng, run.t + dwell_seconds(rng, 40, 0.7), dest.zone, COUNTER)
            run.emit("picked_up", run.t, dest)
            return False
        run.t = snap_into(rng, run.t + 14 * HOUR, dest.zone, OFD)
        run.emit("ofd", run.t, dest)
        local = local_parts(run.t, dest.zone)
        cap = max(600, 20 * HOUR + 1800 - local.tm_hour * HOUR - local.tm_min * 60)
    median, sigma = run.ch.speed["deliver"]
    route = dwell_seconds(rng, median, sigma, tail_p=0)
    if route > cap:  # the van's last stops: spread over the final hours, not at one instant
        route = max(600, cap - rng.randrange(2 * HOUR))
    run.t += route
    run.emit("delivered", run.t, dest)
    return False


def _lm_route(dest: Place) -> tuple[Place, list[Place]]:
    """(acceptance facility, intermediate hubs) of the last mile for ``dest``."""
    if dest.country == "US":
        accept = US_HUBS[_GATEWAY_HUB[dest.gateway]]
        hops = [] if US_HUBS[dest.hub] == accept else [US_HUBS[dest.hub]]
        return accept, hops
    hub = lm_hub_for(dest)
    if dest.country == "SG":
        return dest, []
    return hub, [Place(dest.city, dest.state, dest.country, dest.zone, facility=facility(dest))]


def _walk_xb(run: _Run, hub: Place, dest: Place, inc: _Incidents) -> None:
    """Cross-border walk: China hub -> export -> flight -> import customs -> last mile."""
    rng, ch = run.rng, run.ch
    export = CN_EXPORT[rng.randrange(len(CN_EXPORT))]
    gateway = gateway_for(dest)
    home = gateway if ch.dest == "US" and ch.origin != "cn_post" else hub
    to_origin = home is hub
    if (
        run.scan("pickup", "pickup", hub, CN_PICKUP)
        or run.scan("arrive_origin", "origin_in", hub, ALWAYS)
        or run.scan("depart_origin", "origin_out", hub, ALWAYS, nxt=export)
    ):
        _return_flow(run, [hub], hub, False)
        return
    run.scan("export_customs", "export", export, ALWAYS)
    backlog = sum(
        int(b.extra_hours * HOUR * (0.5 + rng.random()))
        for b in inc.backlogs
        if b.start <= run.t < b.end
    )
    run.scan("flight_departed", "linehaul", export, ALWAYS, extra=backlog)
    if ch.lm_from == "dest_arrival":
        run.second = True
    if run.scan("dest_arrival", "flight", gateway, ALWAYS):
        _return_flow(run, [gateway], home, to_origin)
        return
    run.scan("import_customs", "import", gateway, ALWAYS)
    hold = 0
    if inc.hold:
        hold = dwell_seconds(rng, 240 if dest.country == "BR" else 160, 0.5, tail_p=0.1)
        if inc.rts == "customs" or rng.random() < ch.risk.hold_exception:
            run.emit("customs_hold", run.t + int(hold * (0.15 + 0.35 * rng.random())), gateway)
        if inc.rts == "customs":
            run.t += hold
            _return_flow(run, [gateway], home, to_origin)
            return
    run.scan("customs_released", "customs", gateway, CUSTOMS, extra=hold)
    released = run.t
    run.scan("handover", "handover", gateway, HANDOVER)
    run.second = True
    if ch.lm_own_number:
        label_ts = released + int((run.t - released) * (0.2 + 0.6 * rng.random()))
        run.emit("lm_label", label_ts, gateway)
    accept, hops = _lm_route(dest)
    if run.scan("lm_accept", "lm_accept", accept, LAST_MILE):
        _return_flow(run, [accept, gateway], home, to_origin)
        return
    _hops_and_deliver(run, hops, dest, inc, [accept, gateway], home, to_origin)


def _hops_and_deliver(
    run: _Run,
    hops: list[Place],
    dest: Place,
    inc: _Incidents,
    back: list[Place],
    home: Place,
    to_origin: bool,
) -> None:
    """Last-mile hub hops, then delivery; refusals and address failures go back home."""
    rng = run.rng
    for hop in hops:
        run.scan("lm_arrive", "lm_hop", hop, LAST_MILE)
        run.t += dwell_seconds(rng, 5, 0.6, tail_p=0.01)
        run.emit("lm_depart", run.t, hop)
    rts = "" if inc.rts == "customs" else inc.rts
    if _deliver(run, dest, inc.failed, rts) or rts:
        _return_flow(run, [dest, *hops[::-1], *back], home, to_origin)


def _walk_domestic(run: _Run, wh: Place, dest: Place, inc: _Incidents) -> None:
    """US domestic walk: warehouse -> origin hub -> (destination hub) -> delivery."""
    hub = US_HUBS[wh.hub]
    if (
        run.scan("pickup", "pickup", wh, US_PICKUP)
        or run.scan("arrive_origin", "origin_in", hub, ALWAYS)
        or run.scan("depart_origin", "origin_out", hub, ALWAYS)
    ):
        _return_flow(run, [hub], wh, False)
        return
    hops = [] if US_HUBS[dest.hub] == hub else [US_HUBS[dest.hub]]
    _hops_and_deliver(run, hops, dest, inc, [hub], wh, False)


def _draw_outcome(rng: random.Random, ch: Channel) -> str:
    r = ch.risk
    u = rng.random()
    for outcome, p in (
        ("never_picked_up", r.never_picked_up),
        ("lost", r.lost),
        ("damaged", r.damaged),
        ("returned", r.returned),
    ):
        if u < p:
            return outcome
        u -= p
    return "delivered"


def _cut_for_loss(rng: random.Random, ch: Channel, events: list[SimEvent]) -> int:
    """Index of the last scan a lost parcel gets (weighted by where losses happen)."""
    weights = ch.lost_nodes
    counts: dict[str, int] = {}
    for e in events:
        node = KINDS[e.kind].node
        if node is not None and KINDS[e.kind].real and node.value in weights:
            counts[node.value] = counts.get(node.value, 0) + 1
    candidates: list[int] = []
    cw: list[float] = []
    for i, e in enumerate(events[:-1]):
        node = KINDS[e.kind].node
        if node is not None and KINDS[e.kind].real and node.value in counts:
            candidates.append(i)
            cw.append(weights[node.value] / counts[node.value])
    return rng.choices(candidates, cw)[0] if candidates else 0


def simulate(
    rng: random.Random,
    ch: Channel,
    *,
    number: str,
    dest: Place,
    origin: Place,
    label_ts: int,
    backlogs: list[Backlog],
    numbers: TrackingNumbers,
) -> Shipment:
    """Walk one parcel of ``ch`` from label creation to its (possibly future) outcome."""
    lm = ""
    if ch.last_mile:
        names = [c for c, _ in ch.last_mile]
        lm = rng.choices(names, [w for _, w in ch.last_mile])[0]
    lm_number = numbers.issue(lm) if ch.lm_own_number else ""
    outcome = _draw_outcome(rng, ch)
    run = _Run(rng, ch, lm, lm_number, rng.random() < ch.zh_share)
    if ch.origin == "us_wh":
        hub = origin
    else:
        pool = CN_POST_HUBS if ch.origin == "cn_post" else CN_HUBS
        hub = pool[rng.randrange(len(pool))]
    run.t = label_ts
    run.emit("label", label_ts, hub)
    rts = ""
    if outcome == "returned":
        if not ch.domestic and rng.random() < ch.risk.hold_return:
            rts = "customs"
        else:
            rts = "refused" if rng.random() < ch.risk.refused_share else "address_issue"
    if outcome == "damaged":
        weights = _DOM_DAMAGE_W if ch.domestic else _DAMAGE_W
        run.damage_kind = rng.choices(_DAMAGE_KINDS, weights)[0]
        run.damage_return = rng.random() < ch.risk.damage_return
    hold = rts == "customs" or (not ch.domestic and rng.random() < ch.risk.customs_hold)
    inc = _Incidents(hold, rts, rng.random() < ch.risk.failed_attempt, backlogs)
    if outcome != "never_picked_up":
        if ch.domestic:
            _walk_domestic(run, origin, dest, inc)
        else:
            _walk_xb(run, hub, dest, inc)
    events = sorted(run.events, key=lambda e: e.ts)
    lost_at = ""
    outcome_at = label_ts
    if outcome == "lost":
        cut = _cut_for_loss(rng, ch, events)
        nxt = events[cut + 1].ts if cut + 1 < len(events) else events[cut].ts + DAY
        last = events[cut]
        node = KINDS[last.kind].node
        lost_at = node.value if node is not None else ""
        outcome_at = last.ts + int((nxt - last.ts) * (0.1 + 0.8 * rng.random()))
        events = events[: cut + 1]
        if rng.random() < ch.risk.lost_notice:
            notice = last.ts + int((21 + 39 * rng.random()) * DAY)
            family = last.family
            text = describe(rng, family, "lost_notice", False, {})
            events.append(SimEvent(notice, "lost_notice", last.leg, last.place, text, family))
    final = events[-1]
    delivered_at = final.ts if final.kind in ("delivered", "picked_up") else None
    if outcome == "delivered" and final.kind == "delivered" and rng.random() < ch.risk.dnr:
        outcome = "delivered_not_received"
    if outcome in ("delivered", "delivered_not_received") and delivered_at is not None:
        outcome_at = delivered_at
    elif outcome == "damaged":
        outcome_at = run.damage_at or final.ts
        if not run.damage_at:  # defensive: the damaged step never came
            outcome = "delivered"
            outcome_at = delivered_at or final.ts
    elif outcome == "returned":
        outcome_at = final.ts
    real = [e.ts for e in events if KINDS[e.kind].real]
    return Shipment(
        number=number,
        channel=ch,
        lm_carrier=lm,
        lm_number=lm_number,
        dest=dest,
        events=events,
        outcome=outcome,
        lost_at_node=lost_at,
        last_real_scan=max(real) if real else None,
        delivered_at=delivered_at,
        outcome_at=outcome_at,
    )
