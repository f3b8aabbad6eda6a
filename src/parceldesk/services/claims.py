"""Carrier claims: prepare the package, record the submission, follow the decision.

``prepare`` renders any captured snapshot/proof still waiting for its PDF, then the claim
letter (with the timeline's chain head printed on it), stores the letter as evidence,
keeps a *draft* claim with the claimed amount, and writes the ZIP: letter, every
evidence file, the communication log, ``checklist.json`` and ``manifest.json``.

The claimed amount defaults to the parcel's value at risk capped at what the rules file
says the carrier pays (``claim_limit``: the insured value capped by ``insurance_max``,
else the default liability), because a claim above the cap is paid at the cap anyway and
a carrier agent may query it. The letter and ``checklist.json`` state the full value, the
limit and its basis whenever the cap lowered the claim, so the seller sees what is not
recoverable from the carrier (and may turn to insurance or the platform). An explicit
``amount`` wins, and is flagged in the letter when it is above the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from parceldesk.domain.cases.checklist import ItemStatus, Step
from parceldesk.domain.cases.clocks import claim_types_for
from parceldesk.domain.cases.states import CaseState, MainCommand
from parceldesk.domain.cases.timeline import TimelineEntry
from parceldesk.domain.claim_documents import (
    ClaimLetterInput,
    ClaimLimit,
    Party,
    claim_limit,
    exceeds_limit,
)
from parceldesk.domain.claim_documents import TimelineEntry as DocEvent
from parceldesk.domain.claims import DECIDED, Claim, ClaimStatus
from parceldesk.domain.errors import ConflictError, DomainError, InvalidValue
from parceldesk.domain.evidence import (
    Checklist,
    EvidenceKind,
)
from parceldesk.domain.evidence_log import EvidenceItem, evidence_added
from parceldesk.domain.money import Money
from parceldesk.domain.rules import ClaimRule, ClaimType
from parceldesk.services.case_clocks import CaseEnv, claim_context
from parceldesk.services.case_ports import ShipmentFacts
from parceldesk.services.claim_checklist import (
    cap_note,
    checklist_for,
    checklist_json,
    default_claim,
)
from parceldesk.services.document_ports import DocumentRenderer
from parceldesk.services.evidence import append_to_case, load_case
from parceldesk.services.evidence_capture import render_pending
from parceldesk.services.package_ports import PackageWriter, PackEntry, communication_log
from parceldesk.services.ports import Clock, UnitOfWork
from parceldesk.services.storage_ports import BlobStore, EvidenceIntake

__all__ = ["ClaimDesk", "ClaimNotFound", "Prepared", "checklist_for", "default_claim"]

_NOT_IN_CLAIMS = frozenset({EvidenceKind.CLAIM_LETTER, EvidenceKind.DISPUTE_STATEMENT})


class ClaimNotFound(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class Prepared:
    claim_id: int
    path: Path
    claim_type: ClaimType
    party: str
    claimed: Money
    limit: ClaimLimit | None
    over_limit: bool | None
    #: the parcel's value at risk before any cap (``None`` when the order has no prices)
    value: Money | None
    #: True when the default claim was lowered from ``value`` to the carrier's limit
    capped: bool
    checklist: Checklist
    head_hash: str
    rule: str
    manifest: dict[str, Any]


def _party(name: str, address: Sequence[str] = ()) -> Party:
    return Party(name or "-", tuple(a for a in address if a))


@dataclass(frozen=True)
class ClaimDesk:
    uow_factory: Callable[[], UnitOfWork]
    env: CaseEnv
    clock: Clock
    actor: str
    store: BlobStore
    intake: EvidenceIntake
    renderer: DocumentRenderer
    packager: PackageWriter
    store_ids: Sequence[int] | None = None

    # ---------------------------------------------------------------- prepare
    def prepare(
        self,
        case_id: int,
        out: Path,
        *,
        claim_type: ClaimType | None = None,
        amount: Money | None = None,
        description: str = "",
    ) -> Prepared:
        now = self.clock.now()
        with self.uow_factory() as uow:  # 1. lazily rendered snapshot / proof PDFs
            stored = load_case(uow, case_id, self.store_ids)
            entries = render_pending(
                uow, self.store, self.renderer, case_id, uow.evidence.for_case(case_id),
                actor=self.actor, now=now,
            )  # fmt: skip
            if entries:
                append_to_case(uow, stored, stored.case, entries, self.env, now)
                uow.commit()
        with self.uow_factory() as uow:
            stored = load_case(uow, case_id, self.store_ids)
            case = stored.case
            facts = uow.cases.facts([stored.refs.shipment_id])[stored.refs.shipment_id]
            items = uow.evidence.for_case(case_id)
            timeline = uow.cases.timeline(case_id)
            order = uow.evidence.order(facts.order_id) if facts.order_id is not None else None
            ctx = claim_context(facts, self.env)
            party, service = ctx.claim_carrier
            types = claim_types_for(case.kind)
            if claim_type is None:
                found = [t for t in types if self._rule(ctx, party, service, t) is not None]
                claim_type = (found or list(types) or [ClaimType.LOST])[0]
            rule = self._rule(ctx, party, service, claim_type)
            cover = facts.insured_value or None
            limit = claim_limit(rule, cover) if rule is not None else None
            value = facts.value_at_risk
            claimed, capped = (amount, False) if amount else default_claim(value, limit)
            if claimed is None or claimed.amount <= 0:
                raise InvalidValue(
                    f"case #{case_id}: the order has no prices, so the claim value is unknown; "
                    "give --amount (e.g. 49.90 USD)"
                )
            note = ""
            if capped:
                assert value is not None
                assert limit is not None
                note = cap_note(value, claimed, limit)
            keeps = case.item(Step.BUYER_KEEPS_ITEM)
            for_claim = [i for i in items if i.kind not in _NOT_IN_CLAIMS]
            checklist = checklist_for(
                rule, claim_type, for_claim, facts,
                keeps is not None and keeps.status is ItemStatus.DONE,
            )  # fmt: skip
            head = timeline[-1].hash if timeline else ""
            events = uow.tracking.events([facts.shipment_id]).get(facts.shipment_id, [])
            ship_to = facts.ship_to
            letter = ClaimLetterInput(
                case_ref=f"case #{case_id}", tracking_number=facts.tracking_number,
                carrier=party, claim_type=claim_type,
                claimant=_party(facts.store_name), sender=_party(facts.store_name),
                recipient=_party(facts.buyer_name, (ship_to.line1, ship_to.line2,
                                 " ".join(p for p in (ship_to.postal_code, ship_to.city) if p),
                                 ship_to.state, ship_to.country)),
                contents=order.lines if order else (), claimed_value=claimed,
                description=self._description(description, case.kind.value, facts, head,
                                              len(timeline), note),
                prepared_at=now, service=facts.service or facts.channel or "not specified",
                ship_date=facts.ship_date,
                delivery_date=facts.delivered_at.date() if facts.delivered_at else None,
                declared_value=facts.declared_value, limit=limit,
                order_id=facts.platform_order_id,
                timeline=tuple(DocEvent(e.occurred_at, e.description, e.location, e.status,
                                        e.raw_code) for e in events),
                enclosures=tuple(i.display_name for i in for_claim),
            )  # fmt: skip
            rendered = self.renderer.claim_letter_pdf(letter)
            ref = self.store.put_bytes(rendered.data)
            letter_item = EvidenceItem(
                case_id=case_id, kind=EvidenceKind.CLAIM_LETTER, sha256=ref.sha256,
                size=ref.size, media_type=rendered.media_type, display_name=rendered.filename,
                added_by=self.actor, added_at=now, captured_at=now,
                note=f"chain head printed: {head}",
            )  # fmt: skip
            uow.evidence.add(letter_item)
            claim = next(
                (c for c in uow.claims.for_case(case_id)
                 if c.status is ClaimStatus.DRAFT and c.party == party
                 and c.claim_type is claim_type),
                None,
            )  # fmt: skip
            if claim is None:
                claim = Claim(case_id, party, claim_type, claimed, now, letter_head_hash=head)
                claim = replace(claim, id=uow.claims.add(claim, now))
            else:
                claim = replace(claim, claimed=claimed, letter_head_hash=head)
                uow.claims.save(claim, now)
            over = exceeds_limit(claimed, limit)
            prepared_entry = TimelineEntry(
                seq=0, at=now, actor=self.actor, action="claim_prepared",
                detail={"claim": str(claim.id), "party": party, "claim_type": claim_type.value,
                        "claimed": str(claimed), "full_value": str(value or "-"),
                        "capped": "yes" if capped else "no",
                        "limit": f"{limit.amount} ({limit.basis})" if limit else "unknown",
                        "exceeds_limit": {True: "yes", False: "no", None: "unknown"}[over],
                        "letter_sha256": ref.sha256, "head_printed": head,
                        "missing": ", ".join(i.slug for i in checklist.missing) or "-"},
            )  # fmt: skip
            append_to_case(uow, stored, case, [evidence_added(letter_item), prepared_entry],
                           self.env, now)  # fmt: skip
            uow.commit()
        rule_label = rule.label if rule is not None else f"no rule for {party} ({ctx.scope})"
        files = [
            PackEntry(rendered.filename, EvidenceKind.CLAIM_LETTER, rendered.media_type, now,
                      ref.sha256),
            *(PackEntry(i.display_name, i.kind, i.media_type, i.captured_at or i.added_at,
                        i.sha256) for i in for_claim),
            PackEntry("communication-log.txt", EvidenceKind.COMMUNICATION_LOG, "text/plain",
                      now, data=communication_log(timeline, f"case #{case_id}")),
            PackEntry("checklist.json", EvidenceKind.OTHER, "application/json", now,
                      data=checklist_json(checklist, rule_label, limit, claimed, over,
                                           value, capped)),
        ]  # fmt: skip
        result = self.packager.write(
            out, files, purpose=f"{party} {claim_type.value} claim",
            reference=f"case #{case_id} / {facts.tracking_number}", created_at=now,
        )  # fmt: skip
        assert claim.id is not None
        return Prepared(claim.id, out, claim_type, party, claimed, limit, over, value, capped,
                        checklist, head, rule_label, result.manifest)  # fmt: skip

    def _rule(self, ctx: Any, party: str, service: str, claim_type: ClaimType) -> ClaimRule | None:
        return self.env.book.claim_rule(
            party, service, ctx.scope, claim_type, store=ctx.store, channel=ctx.channel
        )

    @staticmethod
    def _description(
        text: str, kind: str, facts: ShipmentFacts, head: str, n: int, cap_note: str
    ) -> str:
        base = text.strip() or (
            f"The parcel ({kind.replace('_', ' ')}) was sent to {facts.buyer_name or 'the buyer'}"
            f" in {facts.destination_country or '-'}; the carrier's last status is "
            f"{facts.status.value.replace('_', ' ')}"
            + (f", last scan {facts.last_event_at.isoformat()}" if facts.last_event_at else "")
            + "."
        )
        if cap_note:
            base = f"{base}\n\n{cap_note}"
        return (
            f"{base}\n\nCase history: {n} timeline entries, SHA-256 hash chain head "
            f"{head or '-'}. Every enclosed file is listed with its SHA-256 in manifest.json."
        )

    # ---------------------------------------------------------------- file
    def file(
        self,
        case_id: int,
        *,
        channel: str,
        number: str,
        receipt_name: str,
        receipt: BinaryIO,
        claim_id: int | None = None,
    ) -> Claim:
        """Record the submission: the draft claim (the newest, or ``claim_id``) becomes
        submitted, the receipt becomes evidence, and the case moves to ``claim_filed``
        through its transition table."""
        now = self.clock.now()
        with self.uow_factory() as uow:  # every check before the receipt is stored
            stored = load_case(uow, case_id, self.store_ids)
            claim = self._draft(uow, case_id, claim_id)
            claim.submit(channel=channel, number=number, at=now)
            stored.case.transition(MainCommand.FILE_CLAIM, actor=self.actor, at=now)
        accepted = self.intake.accept(EvidenceKind.CLAIM_RECEIPT, receipt_name, receipt)
        with self.uow_factory() as uow:
            stored = load_case(uow, case_id, self.store_ids)
            claim = self._draft(uow, case_id, claim_id).submit(
                channel=channel, number=number, at=now
            )
            uow.claims.save(claim, now)
            item = EvidenceItem(
                case_id=case_id, kind=EvidenceKind.CLAIM_RECEIPT, sha256=accepted.sha256,
                size=accepted.size, media_type=accepted.media_type,
                display_name=accepted.display_name, added_by=self.actor, added_at=now,
                captured_at=now, note=f"receipt for claim #{claim.id} ({number})",
            )  # fmt: skip
            uow.evidence.add(item)
            case, entries = stored.case.transition(
                MainCommand.FILE_CLAIM, actor=self.actor, at=now,
                note=f"{claim.party} claim {number} via {channel}",
            )  # fmt: skip
            submitted = TimelineEntry(
                seq=0, at=now, actor=self.actor, action="claim_submitted",
                detail={"claim": str(claim.id), "party": claim.party, "channel": claim.channel,
                        "number": claim.number, "claimed": str(claim.claimed)},
            )  # fmt: skip
            append_to_case(uow, stored, case, [*entries, submitted, evidence_added(item)],
                           self.env, now)  # fmt: skip
            uow.commit()
        return claim

    def _draft(self, uow: UnitOfWork, case_id: int, claim_id: int | None = None) -> Claim:
        drafts = [c for c in uow.claims.for_case(case_id) if c.status is ClaimStatus.DRAFT]
        if claim_id is not None:
            drafts = [c for c in drafts if c.id == claim_id]
            if not drafts:
                raise ConflictError(f"claim #{claim_id} is not a draft of case #{case_id}")
        if not drafts:
            raise ClaimNotFound(
                f"case #{case_id} has no draft claim; run `parceldesk claims prepare "
                f"{case_id}` first"
            )
        return drafts[-1]

    # ---------------------------------------------------------------- update
    def update(
        self,
        claim_id: int,
        *,
        status: ClaimStatus | None = None,
        approved: Money | None = None,
        paid: Money | None = None,
        follow_up_at: datetime | None = None,
        appeal_deadline: datetime | None = None,
    ) -> Claim:
        if all(v is None for v in (status, approved, paid, follow_up_at, appeal_deadline)):
            raise InvalidValue("nothing to change: give --status, an amount or a date")
        now = self.clock.now()
        with self.uow_factory() as uow:
            claim = uow.claims.get(claim_id, self.store_ids)
            if claim is None:
                raise ClaimNotFound(f"no claim #{claim_id} (or not in a store you may see)")
            stored = load_case(uow, claim.case_id, self.store_ids)
            new = claim.move(status or claim.status, at=now, approved=approved, paid=paid)
            new = new.with_dates(follow_up_at=follow_up_at, appeal_deadline=appeal_deadline)
            detail = {"claim": str(claim_id), "party": claim.party}
            for label, value in (("approved", new.approved), ("paid", new.paid)):
                if value is not None:
                    detail[label] = str(value)
            for label, when in (("follow_up_at", new.follow_up_at),
                                ("appeal_deadline", new.appeal_deadline)):  # fmt: skip
                if when is not None:
                    detail[label] = when.isoformat()
            entries = [TimelineEntry(
                seq=0, at=now, actor=self.actor, action="claim_status",
                before=claim.status.value, after=new.status.value, detail=detail,
            )]  # fmt: skip
            case = stored.case
            follow = _case_command(claim.status, new.status, case.state)
            if follow is not None:
                case, more = case.transition(
                    follow, actor=self.actor, at=now, note=f"claim #{claim_id} {new.status.value}"
                )
                entries += more
            if paid is not None:
                entries.append(TimelineEntry(
                    seq=0, at=now, actor=self.actor, action="money_recovered",
                    detail={"claim": str(claim_id), "amount": str(paid)},
                ))  # fmt: skip
            uow.claims.save(new, now)
            append_to_case(uow, stored, case, entries, self.env, now)
            uow.commit()
        return new

    def get(self, claim_id: int) -> Claim:
        with self.uow_factory() as uow:
            claim = uow.claims.get(claim_id, self.store_ids)
        if claim is None:
            raise ClaimNotFound(f"no claim #{claim_id} (or not in a store you may see)")
        return claim

    def listing(self, *, open_only: bool = False, limit: int = 100) -> list[tuple[Claim, str]]:
        with self.uow_factory() as uow:
            return uow.claims.listing(store_ids=self.store_ids, open_only=open_only, limit=limit)

    def for_case(self, case_id: int) -> list[Claim]:
        with self.uow_factory() as uow:
            load_case(uow, case_id, self.store_ids)
            return uow.claims.for_case(case_id)


def _case_command(before: ClaimStatus, after: ClaimStatus, state: CaseState) -> MainCommand | None:
    """The case's main-track step that follows a claim's decision, when the case is where
    that step starts (a person may have moved it meanwhile; then nothing is forced)."""
    if after is before:
        return None
    if after in DECIDED and state is CaseState.CLAIM_FILED:
        return MainCommand.DECIDE_CLAIM
    if after is ClaimStatus.APPEALED and state is CaseState.CLAIM_DECIDED:
        return MainCommand.APPEAL
    if after is ClaimStatus.WITHDRAWN and state is CaseState.CLAIM_FILED:
        return MainCommand.WITHDRAW_CLAIM
    return None
