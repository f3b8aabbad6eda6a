"""Ingestion service on SQLite and PostgreSQL: dedup, ordering, unmatched, links, payloads."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import tables as t
from parceldesk.adapters.db.engine import make_engine
from parceldesk.adapters.db.unit_of_work import SqlUnitOfWork
from parceldesk.adapters.tracking.webhooks import WEBHOOK_SOURCES
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from parceldesk.domain.tracking import TrackingEvent, derive_state
from parceldesk.services.bulk_ingest import ingest_update_stream
from parceldesk.services.ingestion import (
    InboundMessage,
    ingest_message,
    ingest_messages,
    record_dead_letter,
)
from parceldesk.services.tracking_records import LinkedLeg, TrackingUpdate
from tests.fixtures.canonical import row, write_csv
from tests.integration.helpers import run_orders

CN = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=CN)
EVENTS = (
    TrackingEvent(T0, "已揽收", Status.IN_TRANSIT, Node.FIRST_MILE_PICKUP, location="Shenzhen"),
    TrackingEvent(
        T0 + timedelta(hours=20), "离开【深圳转运中心】", Status.IN_TRANSIT, Node.ORIGIN_FACILITY
    ),
    TrackingEvent(T0 + timedelta(days=2), "航班已起飞", Status.IN_TRANSIT, Node.LINEHAUL_DEPARTED),
    TrackingEvent(
        T0 + timedelta(days=5),
        "Held by customs",
        Status.EXCEPTION,
        Node.IMPORT_CUSTOMS,
        ExceptionReason.CUSTOMS_HOLD,
    ),
    TrackingEvent(
        T0 + timedelta(days=7),
        "Customs clearance completed",
        Status.IN_TRANSIT,
        Node.CUSTOMS_RELEASED,
    ),
)


def pushes(number: str = "YT2530821234567890") -> list[bytes]:
    """Full-history pushes, as 17TRACK sends them: push k carries events 0..k."""
    return [f"push-{number}-{k}".encode() for k in range(len(EVENTS))]


def update_for(body: bytes) -> TrackingUpdate:
    number, k = body.decode().split("-")[1], int(body.decode().split("-")[2])
    return TrackingUpdate(
        source="17track", tracking_number=number, carrier="yunexpress", events=EVENTS[: k + 1]
    )


def ingest(uow_factory, clock, body: bytes):  # type: ignore[no-untyped-def]
    return ingest_message(
        uow_factory(),
        source="17track",
        body=body,
        headers="{}",
        updates=[update_for(body)],
        clock=clock,
    )


def stored_state(
    engine: Engine,
) -> tuple[list[tuple[str, str]], tuple[str, str | None, str | None, int]]:
    with engine.connect() as conn:
        events = sorted(
            conn.execute(select(t.TrackingEvent.dedup_key, t.TrackingEvent.status)).all()
        )
        ship = conn.execute(
            select(t.Shipment.status, t.Shipment.node, t.Shipment.reason, t.Shipment.event_count)
        ).one()
    return [tuple(e) for e in events], tuple(ship)  # type: ignore[return-value]


def test_full_history_pushes_store_each_event_once(
    engine: Engine, uow_factory, clock: FixedClock
) -> None:
    totals = [ingest(uow_factory, clock, body) for body in pushes()]
    assert [r.events_new for r in totals] == [1, 1, 1, 1, 1]
    assert [r.events_duplicate for r in totals] == [0, 1, 2, 3, 4]
    events, ship = stored_state(engine)
    assert len(events) == 5
    assert ship == ("in_transit", "customs_released", None, 5)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(t.InboundPayload)) == 5
        first = conn.execute(select(t.TrackingEvent).order_by(t.TrackingEvent.occurred_at)).first()
    assert first is not None and first.occurred_at == datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    assert first.utc_offset_minutes == 480


def test_same_message_twice_changes_nothing(engine: Engine, uow_factory, clock) -> None:
    body = pushes()[3]
    assert ingest(uow_factory, clock, body).events_new == 4
    again = ingest(uow_factory, clock, body)
    assert again.messages_duplicate == 1 and again.events_new == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(t.InboundPayload)) == 1


def test_aftership_event_id_makes_redelivery_idempotent(engine: Engine, uow_factory, clock) -> None:
    upd = update_for(pushes()[1])
    for body in (b'{"v":1}', b'{"v":1, "retry":2}'):
        ingest_message(
            uow_factory(),
            source="aftership",
            body=body,
            headers="{}",
            updates=[upd],
            clock=clock,
            message_id="evt-1",
        )
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(t.InboundPayload)) == 1


def test_out_of_order_delivery_gives_in_order_state(engine: Engine, uow_factory, clock) -> None:
    for body in reversed(pushes()):
        ingest(uow_factory, clock, body)
    assert stored_state(engine)[1] == ("in_transit", "customs_released", None, 5)


def test_unknown_number_is_kept_listed_and_attached_by_later_import(
    tmp_path: Path, engine: Engine, uow_factory, clock
) -> None:
    result = ingest(uow_factory, clock, pushes()[2])
    assert result.unmatched_updates == 1 and result.shipments_created == 1
    with uow_factory() as uow:
        listed = uow.tracking.unmatched(10)
    assert [u.tracking_number for u in listed] == ["YT2530821234567890"]
    report = run_orders(uow_factory, clock, write_csv(tmp_path / "o.csv", [row()]))
    assert report.shipments_attached == 1
    with uow_factory() as uow:
        assert uow.tracking.unmatched(10) == []
    assert stored_state(engine)[1][3] == 3


def test_linked_last_mile_leg(engine: Engine, uow_factory, clock) -> None:
    upd = TrackingUpdate(source="17track", tracking_number="YT2530821234567890", carrier="yunexpress",
                         events=EVENTS[:2], linked=(LinkedLeg("9400111899223197428490", "usps"),))  # fmt: skip
    result = ingest_message(
        uow_factory(), source="17track", body=b"x", headers="{}", updates=[upd], clock=clock
    )
    assert result.links_made == 1 and result.shipments_created == 2
    with engine.connect() as conn:
        first = conn.execute(
            select(t.Shipment).where(t.Shipment.tracking_number == "YT2530821234567890")
        ).one()
        last = conn.execute(
            select(t.Shipment).where(t.Shipment.tracking_number == "9400111899223197428490")
        ).one()
    assert (
        first.linked_leg_id == last.id
        and first.leg_role == "first_mile"
        and last.leg_role == "last_mile"
    )
    again = ingest_message(
        uow_factory(), source="17track", body=b"y", headers="{}", updates=[upd], clock=clock
    )
    assert again.links_made == 0


def test_a_new_last_mile_leg_joins_the_order_and_a_claimed_one_keeps_its_own(
    engine: Engine, uow_factory, clock, tmp_path: Path
) -> None:
    orders = [
        row(order_id="A-1", tracking_number="YT2530820000000001"),
        row(order_id="B-2", tracking_number="9400111899220000000002"),
    ]
    assert run_orders(uow_factory, clock, write_csv(tmp_path / "o.csv", orders)).ok
    pushes = [
        ("YT2530820000000001", "9400111899220000000099"),  # a number nobody claimed
        ("YT2530820000000001", "9400111899220000000002"),  # order B's own parcel
    ]
    made = [
        ingest_message(
            uow_factory(), source="17track", body=f"p{i}".encode(), headers="{}", clock=clock,
            updates=[TrackingUpdate(source="17track", tracking_number=first, carrier="yunexpress",
                                    events=EVENTS[:1], linked=(LinkedLeg(last, "usps"),))],
        ).links_made
        for i, (first, last) in enumerate(pushes)
    ]  # fmt: skip
    assert made == [1, 1]
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.Shipment.tracking_number, t.Order.platform_order_id, t.Shipment.leg_role)
            .outerjoin(t.Order, t.Order.id == t.Shipment.order_id)
        ).all()  # fmt: skip
        first = conn.execute(
            select(t.Shipment.linked_leg_id).where(
                t.Shipment.tracking_number == "YT2530820000000001"
            )
        ).scalar_one()
        last_id = conn.execute(
            select(t.Shipment.id).where(t.Shipment.tracking_number == "9400111899220000000002")
        ).scalar_one()
    assert set(rows) == {
        ("YT2530820000000001", "A-1", "first_mile"),
        ("9400111899220000000099", "A-1", "last_mile"),  # inherited the first leg's order
        ("9400111899220000000002", "B-2", "last_mile"),  # already an order's: kept it
    }
    assert first == last_id  # the later link replaced the earlier one


def test_dead_letter_is_kept(engine: Engine, uow_factory, clock) -> None:
    record_dead_letter(
        uow_factory(),
        source="aftership",
        body=b"{not json",
        headers="{}",
        reason="not JSON",
        clock=clock,
    )
    with engine.connect() as conn:
        dead = conn.execute(select(t.DeadLetter)).one()
    assert dead.body == b"{not json" and dead.reason == "not JSON"


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(order=st.permutations(range(5)), dupes=st.lists(st.integers(0, 4), max_size=4))
def test_any_permutation_and_duplication_yields_same_events_and_status(
    sqlite_template: Path, tmp_path_factory, order: list[int], dupes: list[int]
) -> None:
    path = tmp_path_factory.mktemp("perm") / "db.sqlite"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    clock = FixedClock(datetime(2026, 11, 22, tzinfo=UTC))
    bodies = pushes()
    for k in [*order, *dupes]:
        ingest(lambda: SqlUnitOfWork(engine), clock, bodies[k])
    events, ship = stored_state(engine)
    engine.dispose()
    assert len(events) == 5
    assert ship == ("in_transit", "customs_released", None, 5)


def test_messages_written_together_report_each_on_its_own(
    engine: Engine, uow_factory, clock
) -> None:
    """Group commit (the webhook batches concurrent deliveries): one transaction, one
    result per message, same stored events and state as one message at a time."""
    bodies = pushes()
    message = [InboundMessage("17track", body, "{}", [update_for(body)]) for body in bodies[:3]]
    results = ingest_messages(uow_factory(), [message[2], message[0], message[2]], clock=clock)
    assert [(r.events_new, r.events_duplicate) for r in results] == [(3, 0), (0, 1), (0, 0)]
    assert [r.messages_duplicate for r in results] == [0, 0, 1]
    assert [r.shipments_created for r in results] == [1, 0, 0]
    assert results[0].unmatched_numbers == {"YT2530821234567890"}
    later = [InboundMessage("17track", b, "{}", [update_for(b)]) for b in bodies[3:]]
    ingest_messages(uow_factory(), later, clock=clock)
    events, ship = stored_state(engine)
    assert len(events) == 5
    assert ship == ("in_transit", "customs_released", None, 5)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(t.InboundPayload)) == 4


def test_a_big_batch_stores_the_same_rows_as_small_ones(engine: Engine, uow_factory, clock) -> None:
    """Batches of 1,000+ new events go by COPY on PostgreSQL (executemany elsewhere):
    same rows, same times and offsets, same derived states as a small batch."""
    parcels = [f"YT25308212345{n:05d}" for n in range(240)]
    updates = [
        TrackingUpdate(
            source="events_csv", tracking_number=number, carrier="yunexpress", events=EVENTS
        )
        for number in parcels
    ]
    report = ingest_update_stream(uow_factory, [*updates, (241, "bad row")], clock=clock)
    assert report.totals.events_new == 240 * len(EVENTS) and report.rejected == 1
    again = ingest_update_stream(uow_factory, updates[:2], clock=clock)
    assert (again.totals.events_new, again.totals.events_duplicate) == (0, 2 * len(EVENTS))
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.Shipment.tracking_number, t.TrackingEvent.occurred_at,
                t.TrackingEvent.utc_offset_minutes, t.TrackingEvent.dedup_key,
                t.TrackingEvent.node,
            )
            .join(t.Shipment, t.Shipment.id == t.TrackingEvent.shipment_id)
            .order_by(t.Shipment.tracking_number, t.TrackingEvent.occurred_at)
        ).all()  # fmt: skip
        states = set(
            conn.execute(select(t.Shipment.status, t.Shipment.node, t.Shipment.event_count)).all()
        )
    assert len(rows) == 240 * len(EVENTS)
    first = rows[0]
    assert first.occurred_at == T0 and first.utc_offset_minutes == 480
    assert first.dedup_key == EVENTS[0].dedup_key and first.node == "first_mile_pickup"
    assert states == {("in_transit", "customs_released", 5)}


def test_a_big_batch_of_later_events_advances_cached_states(
    engine: Engine, uow_factory, clock
) -> None:
    """Over 50 parcels a batch, PostgreSQL locks and reads cached states by one array
    parameter (no SQLAlchemy type processing): the cached times must come back aware,
    so that later events advance the state exactly as ``derive_state`` would."""
    parcels = [f"YT25308299999{n:05d}" for n in range(80)]
    first = [TrackingUpdate("events_csv", n, "yunexpress", events=EVENTS[:3]) for n in parcels]
    ingest_update_stream(uow_factory, first, clock=clock)
    later = [TrackingUpdate("events_csv", n, "yunexpress", events=EVENTS[3:]) for n in parcels]
    report = ingest_update_stream(uow_factory, later, clock=clock)
    assert report.totals.events_new == 80 * (len(EVENTS) - 3)
    expected = derive_state(EVENTS)
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                t.Shipment.status, t.Shipment.node, t.Shipment.event_count,
                t.Shipment.first_event_at, t.Shipment.last_event_at,
            ).where(t.Shipment.tracking_number.in_(parcels))
        ).all()  # fmt: skip
    assert len(rows) == 80
    assert set(rows) == {
        (
            expected.status.value, expected.node.value if expected.node else None,
            expected.event_count, expected.first_event_at, expected.last_event_at,
        )
    }  # fmt: skip


def _edd_revise(event_id: str, ts: int | None, edd: str) -> bytes:
    doc: dict[str, object] = {
        "event": "edd_revise", "event_id": event_id,
        "msg": {"tracking_number": "9400100000000000000026", "slug": "usps",
                "destination_country_iso3": "USA", "destination_state": "CA",
                "aftership_estimated_delivery_date": edd, "checkpoints": []},
    }  # fmt: skip
    if ts is not None:
        doc["ts"] = ts
    return json.dumps(doc).encode()


def _stored_edd(engine: Engine) -> tuple[datetime | None, datetime | None]:
    with engine.connect() as conn:
        edd, as_of = conn.execute(
            select(t.Shipment.carrier_edd, t.Shipment.carrier_edd_as_of)
        ).one()
    return edd, as_of


def test_an_older_estimate_delivered_late_does_not_replace_a_newer_one(
    engine: Engine, uow_factory, clock
) -> None:
    """AfterShip dates each message (``ts``); the estimate stated last wins, whatever the
    order of delivery. Undated estimates only replace undated ones."""
    parse = WEBHOOK_SOURCES["aftership"].parse

    def deliver(body: bytes) -> None:
        ingest_message(
            uow_factory(), source="aftership", body=body, headers="{}", updates=parse(body),
            clock=clock, message_id=parse(body)[0].message_id,
        )  # fmt: skip

    newer, older = 1_785_000_000, 1_784_000_000
    deliver(_edd_revise("e-2", newer, "2026-08-12"))
    deliver(_edd_revise("e-1", older, "2026-08-09"))  # arrives second, said first
    edd, as_of = _stored_edd(engine)
    assert edd is not None and edd.date() == date(2026, 8, 12)
    assert as_of == datetime.fromtimestamp(newer, UTC)
    deliver(_edd_revise("e-0", None, "2026-08-01"))  # undated: the dated one stays
    assert _stored_edd(engine)[0] == edd
    deliver(_edd_revise("e-3", newer + 60, "2026-08-14"))  # said later: replaces
    edd, as_of = _stored_edd(engine)
    assert edd is not None and edd.date() == date(2026, 8, 14)
    assert as_of == datetime.fromtimestamp(newer + 60, UTC)
