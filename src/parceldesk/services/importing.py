"""Use case: import an order export (any platform) idempotently.

Pipeline::

    OrderSource.records()  -> LineRecord | RowError      (adapter: one row at a time)
      group adjacent rows by (store, order id)           (continuation rows inherit fields)
      build a domain Order                               (validation, with row + column)
      cross-row checks (a tracking number on two orders) (in file and against the DB)
      batches of orders -> OrderRepository.save_batch    (unchanged orders are skipped)

Memory stays flat: only the current order, one batch and a map of tracking numbers to
their order are held. By default one invalid row makes the whole import roll back (an
import is all-or-nothing, like a bank file); ``skip_invalid`` imports every valid order
and reports the rejected rows, and an order with one bad row is rejected whole, since
storing half an order would understate what is at risk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.orders import (
    Address,
    Buyer,
    Order,
    OrderLine,
    ShipmentPlan,
    normalise_tracking_number,
)
from parceldesk.services.import_grouping import (
    Group,
    content_hash,
    field_of,
    first,
    groups,
    money,
    text,
)
from parceldesk.services.import_records import LineRecord, OrderSource, RowError
from parceldesk.services.ports import Clock, ImportRunRecord, OrderWrite, UnitOfWork

__all__ = ["ImportOptions", "ImportReport", "import_orders"]

_ADDRESS_FIELDS = (
    "ship_to_line1",
    "ship_to_line2",
    "ship_to_city",
    "ship_to_state",
    "ship_to_postal_code",
    "ship_to_country",
)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    dry_run: bool = False
    skip_invalid: bool = False
    default_currency: str | None = None
    batch_size: int = 2000
    #: at most this many errors are kept for display; all are counted
    keep_errors: int = 10_000


@dataclass(slots=True)
class ImportReport:
    file: str
    format: str
    rows: int = 0
    orders_new: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    shipments_new: int = 0
    shipments_attached: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: row number -> reasons, for the ``--skip-invalid`` side file
    rejected_rows: dict[int, list[str]] = field(default_factory=dict)
    committed: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, error: RowError, keep: int) -> None:
        self.error_count += 1
        if len(self.errors) < keep:
            self.errors.append(error)
        self.rejected_rows.setdefault(error.row, []).append(f"{error.column}: {error.reason}")


def import_orders(
    uow: UnitOfWork,
    source: OrderSource,
    *,
    clock: Clock,
    file_sha256: str,
    options: ImportOptions | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``source`` in one transaction; see the module docstring for the rules."""
    options = options or ImportOptions()
    started = clock.now()
    report = ImportReport(file=source.path.name, format=source.format_name, dry_run=options.dry_run)
    run = _ImportRun(uow, clock, options, report, file_name=report.file)
    with uow:
        for group in groups(source.records(), report, on_progress):
            run.add_group(group)
        run.flush()
        writes_valid = report.ok or options.skip_invalid
        if writes_valid and not options.dry_run:
            uow.import_runs.add(
                ImportRunRecord(
                    kind="orders",
                    file_name=report.file,
                    file_sha256=file_sha256,
                    format=report.format,
                    started_at=started,
                    finished_at=clock.now(),
                    rows=report.rows,
                    orders_new=report.orders_new,
                    orders_updated=report.orders_updated,
                    orders_unchanged=report.orders_unchanged,
                    shipments_new=report.shipments_new,
                    rows_rejected=len(report.rejected_rows),
                )
            )
            uow.commit()
            report.committed = True
        else:
            uow.rollback()
    return report


class _ImportRun:
    """State of one import: batches, stores seen, tracking numbers claimed so far."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        options: ImportOptions,
        report: ImportReport,
        file_name: str,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.options = options
        self.report = report
        self.file_name = file_name
        self.batch: list[tuple[Order, Group]] = []
        self.store_ids: dict[str, int] = {}
        self.claimed: dict[str, tuple[str, str, int]] = {}  # tracking -> (store, order, row)
        self.written: set[tuple[str, str]] = set()
        self.batch_keys: set[tuple[str, str]] = set()

    def add_group(self, group: Group) -> None:
        order = None if group.errors else self._build(group)
        if order is None:
            self._reject(group)
            return
        key = (order.store, order.order_id)
        if key in self.batch_keys:  # the same order again, further down the file
            self.flush()
        self.batch.append((order, group))
        self.batch_keys.add(key)
        if len(self.batch) >= self.options.batch_size:
            self.flush()

    def _reject(self, group: Group) -> None:
        first = group.errors[0]
        for error in group.errors:
            self.report.add_error(error, self.options.keep_errors)
        failed_rows = {e.row for e in group.errors}
        for rec in group.records:
            if rec.row not in failed_rows:
                self.report.rejected_rows.setdefault(rec.row, []).append(
                    f"order {rec.order_id} rejected because of row {first.row}"
                )

    def _fail(
        self, group: Group, rec: LineRecord, field_name: str, reason: str, value: object = ""
    ) -> None:
        shown = "" if value in (None, "") else str(value)
        group.errors.append(
            RowError(
                self.file_name, rec.row, rec.column_for(field_name), reason, shown, rec.order_id
            )
        )

    def _build(self, group: Group) -> Order | None:
        records = group.records
        head = records[0]
        currency = text(records, "currency") or self.options.default_currency
        store = text(records, "store")
        if not store:
            self._fail(group, head, "store", "no store: fill the column or pass --store")
        if not currency:
            self._fail(group, head, "currency", "no currency: fill the column or pass --currency")
        if not store or not currency:
            return None
        order_date = first(records, "order_date")
        try:
            order = Order(
                store=store,
                platform=head.platform,
                order_id=head.order_id,
                order_date=order_date if isinstance(order_date, datetime) else None,
                currency=currency,
                buyer=Buyer(
                    *(text(records, f) for f in ("buyer_name", "buyer_email", "buyer_phone"))
                ),
                ship_to=Address(*(text(records, f) for f in _ADDRESS_FIELDS)),
            )
        except InvalidValue as exc:
            self._fail(group, head, field_of(exc), str(exc))
            return None
        for rec in group.records:
            self._add_line(order, group, rec)
            self._add_shipment(order, group, rec)
        return None if group.errors else order

    def _add_line(self, order: Order, group: Group, rec: LineRecord) -> None:
        if rec.quantity is None:
            if rec.sku or rec.item_name:
                self._fail(group, rec, "quantity", "quantity is missing for this item")
            return
        try:
            order.add_line(
                OrderLine(
                    sku=rec.sku,
                    name=rec.item_name,
                    quantity=rec.quantity,
                    unit_price=money(rec.unit_price, rec.currency or order.currency),
                    unit_cost=money(rec.unit_cost, rec.currency or order.currency),
                )
            )
        except InvalidValue as exc:
            self._fail(group, rec, exc.field or "currency", str(exc))

    def _add_shipment(self, order: Order, group: Group, rec: LineRecord) -> None:
        if not rec.tracking_number:
            return
        try:
            number = normalise_tracking_number(rec.tracking_number)
            value_currency = rec.currency or order.currency
            plan = ShipmentPlan(
                tracking_number=number,
                carrier=rec.carrier.casefold(),
                channel=rec.channel,
                service=rec.service,
                origin_country=rec.origin_country,
                destination_country=order.ship_to.country,
                ship_date=rec.ship_date,
                promised_date=rec.promised_date,
                declared_value=money(rec.declared_value, value_currency),
                insured_value=money(rec.insured_value, value_currency),
                signature_required=bool(rec.signature_required),
            )
        except InvalidValue as exc:
            self._fail(group, rec, exc.field or "tracking_number", str(exc), rec.tracking_number)
            return
        owner = self.claimed.get(number)
        key = (order.store, order.order_id)
        if owner is not None and owner[:2] != key:
            self._fail(
                group,
                rec,
                "tracking_number",
                f"tracking number {number} is already claimed by order {owner[1]} (row {owner[2]})",
                number,
            )
            return
        self.claimed.setdefault(number, (*key, rec.row))
        order.add_shipment(plan)

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        self.batch_keys.clear()
        now = self.clock.now()
        writes: list[OrderWrite] = []
        for order, _group in batch:
            store_id = self._store_id(order, now)
            writes.append(
                OrderWrite(
                    store_id,
                    order,
                    content_hash(order),
                    merge=(order.store, order.order_id) in self.written,
                )
            )
        existing = self.uow.orders.existing(writes)
        unchanged = [
            w
            for w in writes
            if not w.merge
            and existing.get((w.store_id, w.order.order_id), ("", ""))[1] == w.content_hash
        ]
        if len(unchanged) != len(writes):  # only what will be written can conflict
            keep = {id(w) for w in unchanged}
            to_check = [w for w in writes if id(w) not in keep]
            writes = unchanged + self._drop_db_conflicts(to_check, {id(o): g for o, g in batch})
        if not (self.report.ok or self.options.skip_invalid):
            return  # the import will roll back; keep validating, stop writing
        result = self.uow.orders.save_batch(writes, now, existing=existing)
        for w in writes:
            self.written.add((w.order.store, w.order.order_id))
        self.report.orders_new += result.new
        self.report.orders_updated += result.updated
        self.report.orders_unchanged += result.unchanged
        self.report.shipments_new += result.shipments_new
        self.report.shipments_attached += result.shipments_attached

    def _store_id(self, order: Order, now: datetime) -> int:
        store_id = self.store_ids.get(order.store)
        if store_id is None:
            store_id = self.uow.stores.get_or_create(order.store, order.platform, now)
            self.store_ids[order.store] = store_id
        return store_id

    def _drop_db_conflicts(
        self, writes: Sequence[OrderWrite], groups: dict[int, Group]
    ) -> list[OrderWrite]:
        """Refuse orders whose tracking number the database already gives to another order."""
        numbers = [s.tracking_number for w in writes for s in w.order.shipments]
        owners = self.uow.shipments.owners(numbers) if numbers else {}
        kept: list[OrderWrite] = []
        for w in writes:
            group = groups[id(w.order)]
            for plan in w.order.shipments:
                owner = owners.get(plan.tracking_number)
                if owner is not None and owner != (w.store_id, w.order.order_id):
                    rec = next(
                        r
                        for r in group.records
                        if r.tracking_number
                        and normalise_tracking_number(r.tracking_number) == plan.tracking_number
                    )
                    self._fail(
                        group,
                        rec,
                        "tracking_number",
                        f"tracking number {plan.tracking_number} already belongs to order "
                        f"{owner[1]} in the database",
                        plan.tracking_number,
                    )
            if group.errors:
                self._reject(group)
            else:
                kept.append(w)
        return kept
