"""Evidence kinds, media rules, the completeness checklist and the claim cap."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from parceldesk.adapters.rules_loader import load_rulebook
from parceldesk.domain.claim_documents import (
    ClaimLimit,
    SnapshotInput,
    TimelineEntry,
    claim_limit,
    exceeds_limit,
)
from parceldesk.domain.errors import DomainError, InvalidValue
from parceldesk.domain.evidence import (
    KEEP_PACKAGING,
    MEDIA_TYPES,
    SLUG_KINDS,
    EvidenceKind,
    EvidenceRef,
    MediaFamily,
    PhotoSubject,
    UploadRejected,
    accepted_families,
    check_media_type,
    completeness,
)
from parceldesk.domain.money import Money
from parceldesk.domain.rules import DOCUMENT_SLUGS, ClaimType

BOOK = load_rulebook()
K = EvidenceKind


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def test_every_rules_file_slug_maps_to_a_checklist_entry() -> None:
    assert set(SLUG_KINDS) == set(DOCUMENT_SLUGS)
    used = {doc for rule in BOOK.all_claim_rules for doc in rule.required_documents}
    assert used <= set(SLUG_KINDS)


def test_every_kind_accepts_something_and_photos_only_images() -> None:
    for kind in EvidenceKind:
        assert accepted_families(kind)
    assert accepted_families(K.BUYER_PHOTO) == {MediaFamily.IMAGE}
    assert accepted_families(K.PACKING_VIDEO) == {MediaFamily.VIDEO}
    assert MediaFamily.VIDEO not in accepted_families(K.INVOICE)
    assert "image/svg+xml" not in MEDIA_TYPES and "text/html" not in MEDIA_TYPES


def test_check_media_type_names_file_and_reason() -> None:
    assert check_media_type(K.BUYER_PHOTO, "image/jpeg", "box.jpg") is MediaFamily.IMAGE
    with pytest.raises(UploadRejected) as err:
        check_media_type(K.BUYER_PHOTO, "application/pdf", "box.jpg")
    assert str(err.value) == (
        "buyer_photo 'box.jpg' rejected: content is application/pdf, expected an image"
    )
    with pytest.raises(UploadRejected, match="expected an image or a PDF"):
        check_media_type(K.INVOICE, "video/mp4", "inv.pdf")
    with pytest.raises(UploadRejected, match="content is text/html"):
        check_media_type(K.OTHER, "text/html", "x.png")


def test_ups_damage_checklist_from_rules_file() -> None:
    rule = BOOK.claim_rule("ups", "ground", "domestic", "damaged")
    assert rule is not None
    evidence = [
        EvidenceRef(K.INVOICE),
        EvidenceRef(K.BUYER_PHOTO, PhotoSubject.OUTER_BOX),
    ]
    checklist = completeness(
        rule.required_documents, rule.claim_type, evidence, facts={"tracking_number"}
    )
    status = {i.slug: i.present for i in checklist.items}
    assert status == {
        "tracking_number": True,
        "proof_of_value": True,
        "damage_photos": False,  # the outer-box photo does not show the item
        "packaging_photos": True,
        "keep_packaging": False,
    }
    assert not checklist.complete
    assert [i.slug for i in checklist.missing] == ["damage_photos", "keep_packaging"]
    by = {i.slug: i.satisfied_by for i in checklist.items}
    assert by["tracking_number"] == ("fact:tracking_number",)
    assert by["proof_of_value"] == ("invoice",)

    done = completeness(
        rule.required_documents,
        rule.claim_type,
        [*evidence, EvidenceRef(K.BUYER_VIDEO, PhotoSubject.ITEM)],
        facts={"tracking_number", KEEP_PACKAGING},
    )
    assert done.complete and len(done.present) == 5


def test_damage_claim_always_requires_keeping_packaging() -> None:
    # A rule that forgets keep_packaging still gets it for damage, not for loss.
    damaged = completeness(["proof_of_value"], ClaimType.DAMAGED, [EvidenceRef(K.INVOICE)])
    assert [i.slug for i in damaged.items] == ["proof_of_value", KEEP_PACKAGING]
    assert damaged.missing[0].label.startswith("Buyer keeps the item")
    missing_contents = completeness([], ClaimType.MISSING_CONTENTS, [])
    assert [i.slug for i in missing_contents.items] == [KEEP_PACKAGING]
    lost = completeness(["proof_of_value"], ClaimType.LOST, [])
    assert [i.slug for i in lost.items] == ["proof_of_value"]
    assert lost.missing[0].accepts == ("invoice", "proof_of_value", "sales_record")


def test_usps_international_lost_needs_inquiry_and_receipt() -> None:
    rules = [r for r in BOOK.all_claim_rules if "inquiry_approval" in r.required_documents]
    assert rules
    checklist = completeness(
        rules[0].required_documents,
        rules[0].claim_type,
        [EvidenceRef(K.CARRIER_CORRESPONDENCE), EvidenceRef(K.PROOF_OF_VALUE)],
    )
    missing = {i.slug for i in checklist.missing}
    assert {"inquiry_approval", "mailing_receipt"} <= missing
    assert "proof_of_value" not in missing


def test_completeness_refuses_unknown_slug() -> None:
    with pytest.raises(DomainError, match="unknown required document"):
        completeness(["selfie"], ClaimType.LOST, [])


def test_claim_limit_follows_rule_liability_and_insurance() -> None:
    rule = BOOK.claim_rule("ups", "ground", "domestic", "lost")
    assert rule is not None and rule.default_liability is not None
    uninsured = claim_limit(rule)
    assert uninsured is not None and uninsured.amount == usd("100.00")
    assert exceeds_limit(usd("150"), uninsured) is True
    assert exceeds_limit(usd("100.00"), uninsured) is False
    assert exceeds_limit(Money(Decimal("150"), "EUR"), uninsured) is None
    insured = claim_limit(rule, usd("400"))
    assert insured == ClaimLimit(usd("400"), "insured / declared value")

    usps = BOOK.claim_rule("usps", "*", "domestic", "damaged")
    assert usps is not None and usps.insurance_max == usd("5000.00")
    capped = claim_limit(usps, usd("9000"))
    assert capped is not None and capped.amount == usd("5000.00")
    assert "maximum insurance" in capped.basis
    assert exceeds_limit(usd("1"), None) is None


def test_snapshot_timeline_hash_ignores_input_order_and_needs_aware_times() -> None:
    a = TimelineEntry(datetime(2026, 1, 1, 8, tzinfo=UTC), "Picked up", "Shenzhen")
    b = TimelineEntry(datetime(2026, 1, 2, 8, tzinfo=UTC), "Departed", "Shenzhen")
    at = datetime(2026, 1, 3, tzinfo=UTC)
    one = SnapshotInput("LX1", "yun", at, (a, b))
    two = SnapshotInput("LX1", "yun", at, (b, a))
    assert one.timeline_sha256 == two.timeline_sha256
    assert one.ordered_events == (a, b)
    changed = SnapshotInput("LX1", "yun", at, (a,))
    assert changed.timeline_sha256 != one.timeline_sha256
    with pytest.raises(InvalidValue, match="timezone"):
        TimelineEntry(datetime(2026, 1, 1, 8), "naive")  # noqa: DTZ001
    with pytest.raises(InvalidValue, match="SHA-256"):
        SnapshotInput("LX1", "yun", at, (), payload_sha256=("ABC",))
