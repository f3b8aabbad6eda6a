"""Raw SQL of the ingestion hot path (``tracking_repository``), through the driver.

PostgreSQL statements take whole batches as array parameters joined by ``unnest``: one
array, not ``IN (...)`` of 500 parameters. psycopg prepares a statement run five times,
and PostgreSQL's generic plan for a freshly loaded (never analysed) table was a
sequential scan testing every row against the whole list one by one -- 0.6 s a query at
50,000 parcels, half the bulk CSV ingest. A join is a hash join or index lookups whatever
the statistics say. ``{marks}`` in the SQLite statements is filled by ``bulk.select_in``.
"""

from __future__ import annotations

REFS_PG = (
    "SELECT s.tracking_number, s.id, s.order_id, s.carrier, s.linked_leg_id"
    " FROM unnest(%s::text[]) AS n(num) JOIN shipments s ON s.tracking_number = n.num"
)
REFS = (
    "SELECT tracking_number, id, order_id, carrier, linked_leg_id FROM shipments"
    " WHERE tracking_number IN ({marks})"
)
#: which (parcel, dedup key) pairs are stored: index lookups of the candidates only
#: (``{pairs}``: ``(?, ?), ...``), not every key of every parcel
STORED_KEYS = (
    "SELECT e.shipment_id, e.dedup_key FROM (VALUES {pairs}) AS c"
    " JOIN tracking_events e ON e.shipment_id = c.column1 AND e.dedup_key = c.column2"
)
STORED_KEYS_PG = (
    "SELECT e.shipment_id, e.dedup_key FROM unnest(%s::int[], %s::text[]) AS c(id, k)"
    " JOIN tracking_events e ON e.shipment_id = c.id AND e.dedup_key = c.k"
)
FINGERPRINTS = (
    "SELECT tracking_number, event_fingerprints FROM shipments"
    " WHERE tracking_number IN ({marks}) AND event_fingerprints IS NOT NULL"
)
FINGERPRINTS_PG = (
    "SELECT s.tracking_number, s.event_fingerprints FROM unnest(%s::text[]) AS n(num)"
    " JOIN shipments s ON s.tracking_number = n.num WHERE s.event_fingerprints IS NOT NULL"
)
CREATE_PG = (
    "INSERT INTO shipments (tracking_number, carrier, channel, service, origin_country,"
    " destination_country, signature_required, leg_role, status, event_count, created_at,"
    " updated_at) SELECT u.n, u.c, '', '', '', '', false, 'single', 'pending', 0, %s, %s"
    " FROM unnest(%s::text[], %s::text[]) AS u(n, c) ON CONFLICT DO NOTHING"
)
SAVE_STATES_PG = (
    "UPDATE shipments AS s SET status = u.status, node = u.node, reason = u.reason,"
    " first_event_at = u.first_at, last_event_at = u.last_at, delivered_at = u.delivered_at,"
    " event_count = u.event_count, updated_at = %s,"
    " event_fingerprints = coalesce(u.fps, s.event_fingerprints)"
    " FROM unnest(%s::int[], %s::text[], %s::text[], %s::text[], %s::timestamptz[],"
    " %s::timestamptz[], %s::timestamptz[], %s::int[], %s::bytea[])"
    " AS u(id, status, node, reason, first_at, last_at, delivered_at, event_count, fps)"
    " WHERE s.id = u.id"
)

#: row locks and cached states of a batch's parcels on PostgreSQL, by one array parameter
LOCK_PG = (
    "SELECT s.id FROM unnest(%s::int[]) AS n(id) JOIN shipments s ON s.id = n.id"
    " ORDER BY s.id FOR UPDATE OF s"
)
STATES = (
    "SELECT id, status, node, reason, last_event_at, first_event_at, delivered_at,"
    " event_count FROM shipments WHERE id IN ({marks})"
)
STATES_PG = (
    "SELECT s.id, s.status, s.node, s.reason, s.last_event_at, s.first_event_at,"
    " s.delivered_at, s.event_count FROM unnest(%s::int[]) AS n(id)"
    " JOIN shipments s ON s.id = n.id"
)
