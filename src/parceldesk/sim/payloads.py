"""Webhook bodies exactly as 17TRACK (v2.2 ``TRACKING_UPDATED``) and AfterShip
(``tracking_update``) push them, plus when each push is delivered.

Providers resend the *whole* history on every push, so a parcel with 20 scans produces 20
bodies carrying 1, 2, ... 20 events. Each event is therefore serialised once, as a JSON
fragment, and pushes are assembled by joining fragments: the cost is the output size,
not the number of ``json.dumps`` calls.

Shapes follow claim-rules-and-tracking-formats.md section 3 (17TRACK newest-first events
with ``time_iso`` carrying an offset; AfterShip oldest-first checkpoints whose
``checkpoint_time`` is carrier-local *without* offset).
"""

from __future__ import annotations

import json
import math
import random
import uuid
from dataclasses import dataclass

from parceldesk.sim.clock import DAY, Zone, date_local, iso_local, iso_naive, iso_utc
from parceldesk.sim.lanes import CARRIERS
from parceldesk.sim.model import Shipment, SimEvent
from parceldesk.sim.places import COUNTRY3, COUNTRY_NAME, Place
from parceldesk.sim.texts import KINDS, raw_code

__all__ = ["DELIVERY", "Push", "render_17track", "render_aftership", "schedule_sends"]

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
STAGES = (
    "InfoReceived",
    "PickedUp",
    "Departure",
    "Arrival",
    "AvailableForPickup",
    "OutForDelivery",
    "Delivered",
    "Returning",
    "Returned",
)
_TERMINAL = frozenset({"delivered", "picked_up", "returned"})


@dataclass(frozen=True, slots=True)
class DeliveryModel:
    """How pushes reach the receiver. Delay: lognormal minutes (AfterShip polls carriers
    every 30 min - 2 h); retries follow AfterShip's documented ``2^n x 30 s`` schedule."""

    delay_median_min: float = 45.0
    delay_sigma: float = 1.0
    delay_cap_min: float = 36 * 60.0
    failed_first_attempt: float = 0.02  # delivered later by a retry -> may overtake
    duplicate: float = 0.01  # delivered twice (ack lost, provider retried)


DELIVERY = DeliveryModel()


@dataclass(frozen=True, slots=True)
class Push:
    body: str
    sends: list[int]  # delivery instants (UTC epoch s); more than one = duplicate


def schedule_sends(
    rng: random.Random, times: list[int], m: DeliveryModel
) -> list[tuple[int, list[int]]]:
    """For pushes triggered by events at ``times`` (ascending): (instant the body is made,
    instants it is delivered). A body delivered late by a retry keeps its own timestamps,
    which is how a receiver ends up seeing an older history after a newer one."""
    out: list[tuple[int, list[int]]] = []
    base = 0
    for t in times:
        minutes = m.delay_median_min * math.exp(m.delay_sigma * rng.gauss(0.0, 1.0))
        base = max(t + int(60 * min(minutes, m.delay_cap_min)), base + rng.randint(1, 30))
        first = base
        if rng.random() < m.failed_first_attempt:
            first += 30 * 2 ** rng.randint(1, 8)
        sends = [first]
        if rng.random() < m.duplicate:
            sends.append(first + 30 * 2 ** rng.randint(0, 4))
        out.append((base, sends))
    return out


def _s(text: str) -> str:
    return _dumps(text) if text else "null"


def _edd(ts: int, zone: Zone) -> str:
    return f"{date_local(ts, zone)}T00:00:00{iso_local(ts, zone)[-6:]}"


def _edd_window(shp: Shipment, label_ts: int, sent: int) -> tuple[int, int]:
    """A provider-style estimate: the channel's promise, pushed out once overdue."""
    days = shp.channel.promised_days
    lo, hi = label_ts + int(days * 0.6 * DAY), label_ts + days * DAY
    if sent > lo:
        lo = sent + DAY
        hi = max(hi, lo + 3 * DAY)
    return lo, hi


def _address(p: Place) -> str:
    return f'{{"country":"{p.country}","state":{_s(p.state)},"city":{_dumps(p.city)}}}'


def _t17_event(e: SimEvent) -> str:
    k = KINDS[e.kind]
    p = e.place
    stage = f'"{k.stage}"' if k.stage else "null"
    return (
        f'{{"time_iso":"{iso_local(e.ts, p.zone)}","time_utc":"{iso_utc(e.ts)}",'
        f'"description":{_dumps(e.text)},"location":{_dumps(p.label)},"stage":{stage},'
        f'"sub_status":"{k.sub_status}","address":{_address(p)}}}'
    )


def _provider(slug: str, sent_iso: str, events: str) -> str:
    c = CARRIERS[slug]
    country = {"usps": "US", "ups": "US", "fedex": "US", "correios": "BR"}.get(slug, "CN")
    return (
        f'{{"provider":{{"key":{c.t17_key},"name":{_dumps(c.name)},"alias":{_dumps(c.name)},'
        f'"tel":null,"homepage":null,"country":"{country}"}},"service_type":null,'
        f'"latest_sync_status":"Success","latest_sync_time":"{sent_iso}",'
        f'"events":[{events}]}}'
    )


def render_17track(
    rng: random.Random,
    shp: Shipment,
    order_ts: int,
    label_ts: int,
    end: int,
    m: DeliveryModel = DELIVERY,
) -> list[Push]:
    """One ``TRACKING_UPDATED`` body per visible event (newest-first events per provider)."""
    visible = [e for e in shp.events if e.ts <= end]
    sends = schedule_sends(rng, [e.ts for e in visible], m)
    ch = shp.channel
    carrier = CARRIERS[ch.carrier]
    lm_slug = shp.lm_carrier
    weight = f"{0.1 + 1.9 * rng.random():.2f}"
    origin = "US" if ch.domestic else "CN"
    shipping = (
        f'{{"shipper_address":{{"country":"{origin}","state":null,"city":null}},'
        f'"recipient_address":{{"country":"{shp.dest.country}","state":{_s(shp.dest.state)},'
        f'"city":{_dumps(shp.dest.city)}}}}}'
    )
    head = f'{{"event":"TRACKING_UPDATED","data":{{"number":"{shp.number}","carrier":{carrier.t17_key},"param":null,"tag":null,"track_info":{{"shipping_info":{shipping},'  # noqa: E501
    legs = ["", ""]
    milestones: dict[str, tuple[str, str]] = {}
    latest: SimEvent | None = None
    latest_frag = ""
    pickup_ts = 0
    local_known = False
    pushes: list[Push] = []
    for i, e in enumerate(visible):
        frag = _t17_event(e)
        legs[e.leg] = frag if not legs[e.leg] else f"{frag},{legs[e.leg]}"
        k = KINDS[e.kind]
        if k.stage and k.stage not in milestones:
            milestones[k.stage] = (iso_local(e.ts, e.place.zone), iso_utc(e.ts))
        if not k.advisory or latest is None:
            latest, latest_frag = e, frag
        if e.kind == "pickup" and not pickup_ts:
            pickup_ts = e.ts
        local_known = local_known or e.kind in ("handover", "lm_label")
        sent, deliveries = sends[i]
        if deliveries[0] > end:
            continue
        lk = KINDS[latest.kind]
        done = latest.kind in _TERMINAL
        if done:
            edd = '{"source":null,"from":null,"to":null}'
        else:
            lo, hi = _edd_window(shp, label_ts, sent)
            z = shp.dest.zone
            edd = f'{{"source":"17TRACK","from":"{_edd(lo, z)}","to":"{_edd(hi, z)}"}}'
        transit = (min(sent, latest.ts if done else sent) - pickup_ts) // DAY if pickup_ts else 0
        metrics = (
            f'{{"days_after_order":{(sent - order_ts) // DAY},"days_of_transit":{transit},'
            f'"days_of_transit_done":{transit if done else 0},'
            f'"days_after_last_update":{(sent - latest.ts) // DAY},'
            f'"estimated_delivery_date":{edd}}}'
        )
        stones = ",".join(
            f'{{"key_stage":"{st}","time_iso":"{milestones[st][0]}","time_utc":"{milestones[st][1]}"}}'
            if st in milestones
            else f'{{"key_stage":"{st}","time_iso":null,"time_utc":null}}'
            for st in STAGES
        )
        lm_name = CARRIERS[lm_slug].name if lm_slug and local_known else ""
        lm_key = str(CARRIERS[lm_slug].t17_key) if lm_slug and local_known else "null"
        misc = (
            f'{{"risk_factor":0,"service_type":{_dumps(ch.name)},"weight_raw":"{weight}",'
            f'"weight_kg":"{weight}","pieces":"1","dimensions":null,"customer_number":null,'
            f'"reference_number":null,"local_number":{_s(shp.lm_number if local_known else "")},'
            f'"local_provider":{_s(lm_name)},"local_key":{lm_key}}}'
        )
        providers = []
        sent_iso = iso_utc(sent)
        if legs[1]:
            providers.append(_provider(lm_slug, sent_iso, legs[1]))
        if legs[0]:
            providers.append(_provider(ch.carrier, sent_iso, legs[0]))
        body = (
            f'{head}"latest_status":{{"status":"{lk.status}","sub_status":"{lk.sub_status}",'
            f'"sub_status_descr":null}},"latest_event":{latest_frag},"time_metrics":{metrics},'
            f'"milestone":[{stones}],"misc_info":{misc},'
            f'"tracking":{{"providers":[{",".join(providers)}]}}}}}}}}'
        )
        pushes.append(Push(body, [s for s in deliveries if s <= end]))
    return pushes


def _checkpoint(e: SimEvent, slug: str, created: int) -> str:
    k = KINDS[e.kind]
    p = e.place
    location = ", ".join(x for x in (p.city, p.state, p.postal, COUNTRY3[p.country]) if x)
    return (
        f'{{"slug":"{slug}","checkpoint_time":"{iso_naive(e.ts, p.zone)}",'
        f'"created_at":"{iso_utc(created)[:-1]}+00:00","location":{_dumps(location)},'
        f'"city":{_dumps(p.city)},"state":{_s(p.state)},"zip":{_s(p.postal)},'
        f'"country_iso3":"{COUNTRY3[p.country]}","country_name":"{COUNTRY_NAME[p.country]}",'
        f'"message":{_dumps(e.text)},"tag":"{k.tag}","subtag":"{k.subtag}",'
        f'"subtag_message":"{k.subtag_message}","raw_tag":{_s(raw_code(e.family, e.kind) or "")}}}'
    )


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def render_aftership(
    rng: random.Random,
    shp: Shipment,
    order_id: str,
    label_ts: int,
    end: int,
    m: DeliveryModel = DELIVERY,
) -> list[Push]:
    """One ``tracking_update`` body per visible checkpoint (oldest-first, full history)."""
    visible = [e for e in shp.events if e.ts <= end and not KINDS[e.kind].advisory]
    sends = schedule_sends(rng, [e.ts for e in visible], m)
    ch = shp.channel
    carrier = CARRIERS[ch.carrier]
    tracking_id = rng.getrandbits(128).to_bytes(16, "big").hex()
    origin3 = "USA" if ch.domestic else "CHN"
    zone = shp.dest.zone
    cps = ""
    seen_tags: set[str] = set()
    pickup = delivered = ""
    pushes: list[Push] = []
    first_sent = sends[0][0] if sends else label_ts
    created = 0
    for i, e in enumerate(visible):
        sent, deliveries = sends[i]
        created = max(e.ts, sent - rng.randint(5, 120), created + 1)
        frag = _checkpoint(e, carrier.aftership_slug, created)
        cps = frag if not cps else f"{cps},{frag}"
        k = KINDS[e.kind]
        if e.kind == "pickup" and not pickup:
            pickup = iso_naive(e.ts, e.place.zone)
        if e.kind in ("delivered", "picked_up"):
            delivered = iso_naive(e.ts, e.place.zone)
        first_tag = k.tag not in seen_tags
        seen_tags.add(k.tag)
        event_id = _uuid(rng)
        if deliveries[0] > end:
            continue
        done = e.kind in _TERMINAL
        lo, hi = _edd_window(shp, label_ts, sent)
        edd = None
        if not done:
            edd = {
                "estimated_delivery_date": date_local(hi, zone),
                "confidence_code": None,
                "estimated_delivery_date_min": date_local(lo, zone),
                "estimated_delivery_date_max": date_local(hi, zone),
            }
        msg = {
            "id": tracking_id,
            "tracking_number": shp.number,
            "slug": carrier.aftership_slug,
            "active": not done,
            "tag": k.tag,
            "subtag": k.subtag,
            "subtag_message": k.subtag_message,
            "title": shp.number,
            "order_id": order_id,
            "order_number": order_id,
            "origin_country_iso3": origin3,
            "destination_country_iso3": COUNTRY3[shp.dest.country],
            "shipment_type": ch.name,
            "expected_delivery": date_local(hi, zone) if ch.domestic and not done else None,
            "aftership_estimated_delivery_date": edd,
            "shipment_pickup_date": pickup or None,
            "shipment_delivery_date": delivered or None,
            "return_to_sender": k.subtag in ("Exception_010", "Exception_011"),
            "signed_by": None,
            "created_at": iso_utc(first_sent)[:-1] + "+00:00",
            "updated_at": iso_utc(sent)[:-1] + "+00:00",
        }
        msg_json = _dumps(msg)[:-1]
        body = (
            f'{{"event":"tracking_update","event_id":"{event_id}",'
            f'"is_tracking_first_tag":{"true" if first_tag else "false"},'
            f'"msg":{msg_json},"checkpoints":[{cps}]}},"ts":{sent}}}'
        )
        pushes.append(Push(body, [s for s in deliveries if s <= end]))
    return pushes
