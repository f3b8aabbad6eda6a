"""Use case: attach parcels to orders already imported (Shopify and Amazon order exports
carry no tracking; it arrives in a separate tracking file or an Amazon Fulfilled
Shipments report). Same all-or-nothing rules and error reporting as order import.
"""

from __future__ import annotations

from dataclasses import dataclass

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money
from parceldesk.domain.orders import ShipmentPlan, normalise_tracking_number
from parceldesk.services.import_records import LineRecord, OrderSource, RowError
from parceldesk.services.importing import ImportOptions, ImportReport
from parceldesk.services.ports import Clock, ImportRunRecord, SaveResult, UnitOfWork

__all__ = ["import_shipments"]


@dataclass(slots=True)
class _Pending:
    rec: LineRecord
    plan: ShipmentPlan


def import_shipments(
    uow: UnitOfWork,
    source: OrderSource,
    *,
    clock: Clock,
    file_sha256: str,
    store_id: int | None = None,
    options: ImportOptions | None = None,
) -> ImportReport:
    options = options or ImportOptions()
    started = clock.now()
    report = ImportReport(file=source.path.name, format=source.format_name, dry_run=options.dry_run)
    result = SaveResult()
    claimed: dict[str, tuple[str, int]] = {}
    with uow:
        batch: list[_Pending] = []
        for item in source.records():
            report.rows += 1
            if isinstance(item, RowError):
                report.add_error(item, options.keep_errors)
                continue
            pending = _plan(item, report, options, claimed)
            if pending is not None:
                batch.append(pending)
            if len(batch) >= options.batch_size:
                _write(uow, batch, store_id, report, result, options, clock)
                batch = []
        _write(uow, batch, store_id, report, result, options, clock)
        report.shipments_new = result.shipments_new
        report.shipments_attached = result.shipments_attached
        if (report.ok or options.skip_invalid) and not options.dry_run:
            uow.import_runs.add(
                ImportRunRecord(
                    "shipments",
                    report.file,
                    file_sha256,
                    report.format,
                    started,
                    clock.now(),
                    report.rows,
                    0,
                    0,
                    0,
                    result.shipments_new,
                    len(report.rejected_rows),
                )
            )
            uow.commit()
            report.committed = True
        else:
            uow.rollback()
    return report


def _error(report: ImportReport, rec: LineRecord, field: str, reason: str, keep: int) -> None:
    error = RowError(report.file, rec.row, rec.column_for(field), reason, "", rec.order_id)
    report.add_error(error, keep)


def _plan(
    rec: LineRecord,
    report: ImportReport,
    options: ImportOptions,
    claimed: dict[str, tuple[str, int]],
) -> _Pending | None:
    keep = options.keep_errors
    if not rec.tracking_number:
        _error(report, rec, "tracking_number", "tracking number is empty", keep)
        return None
    currency = rec.currency or options.default_currency
    try:
        number = normalise_tracking_number(rec.tracking_number)
        value = (
            Money(rec.declared_value, currency)
            if rec.declared_value is not None and currency
            else None
        )
        if rec.declared_value is not None and value is None:
            raise InvalidValue(
                "declared value needs a currency column or --currency", field="currency"
            )
        plan = ShipmentPlan(
            tracking_number=number,
            carrier=rec.carrier.casefold(),
            channel=rec.channel,
            service=rec.service,
            ship_date=rec.ship_date,
            promised_date=rec.promised_date,
            declared_value=value,
        )
    except InvalidValue as exc:
        _error(report, rec, exc.field or "tracking_number", str(exc), keep)
        return None
    owner = claimed.setdefault(number, (rec.order_id, rec.row))
    if owner[0] != rec.order_id:
        reason = f"tracking number {number} is already claimed by order {owner[0]} (row {owner[1]})"
        _error(report, rec, "tracking_number", reason, keep)
        return None
    return _Pending(rec, plan)


def _write(
    uow: UnitOfWork,
    batch: list[_Pending],
    store_id: int | None,
    report: ImportReport,
    result: SaveResult,
    options: ImportOptions,
    clock: Clock,
) -> None:
    if not batch:
        return
    keep = options.keep_errors
    orders = uow.orders.find_ids({p.rec.order_id for p in batch}, store_id)
    owners = uow.shipments.owners(p.plan.tracking_number for p in batch)
    writes: list[tuple[int, int, ShipmentPlan]] = []
    for p in batch:
        matches = orders.get(p.rec.order_id, [])
        if not matches:
            _error(report, p.rec, "order_id", f"order {p.rec.order_id} is not imported yet", keep)
            continue
        if len(matches) > 1:
            reason = f"order id {p.rec.order_id} exists in {len(matches)} stores: pass --store"
            _error(report, p.rec, "order_id", reason, keep)
            continue
        order_pk, order_store = matches[0]
        owner = owners.get(p.plan.tracking_number)
        if owner is not None and owner != (order_store, p.rec.order_id):
            reason = f"tracking number {p.plan.tracking_number} already belongs to order {owner[1]}"
            _error(report, p.rec, "tracking_number", reason, keep)
            continue
        writes.append((order_pk, order_store, p.plan))
    if writes and (report.ok or options.skip_invalid):
        uow.orders.save_shipments(writes, clock.now(), result)
