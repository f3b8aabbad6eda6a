"""Evidence kinds, which file types each accepts, and the per-claim completeness checklist.

Carriers and marketplaces decide on what they are sent, so a claim must be complete the
first time.  The rules file names what a claim needs as *document slugs*
(``parceldesk.domain.rules.DOCUMENT_SLUGS``); a seller collects *evidence items* of a
given ``EvidenceKind``.  This module is the bridge: which kinds satisfy which slug, and
what is still missing for one claim.  It also says which media types a kind may hold, so
that a "buyer photo" that is really a PDF (or an HTML page) is refused at the door.

Pure: no I/O.  Type detection from file content happens in ``adapters/storage/uploads``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from parceldesk.domain.errors import DomainError
from parceldesk.domain.rules import DOCUMENT_SLUGS, ClaimType

__all__ = [
    "DAMAGE_CLAIM_TYPES",
    "FACT_SLUGS",
    "KEEP_PACKAGING",
    "MEDIA_TYPES",
    "SLUG_KINDS",
    "Checklist",
    "ChecklistItem",
    "EvidenceKind",
    "EvidenceRef",
    "MediaFamily",
    "PhotoSubject",
    "UploadRejected",
    "accepted_families",
    "check_media_type",
    "completeness",
    "family_of",
]


class UploadRejected(DomainError):
    """An upload was refused; the message names the file and the reason, for the user."""


class EvidenceKind(StrEnum):
    TRACKING_SNAPSHOT = "tracking_snapshot"
    PROOF_OF_VALUE = "proof_of_value"
    INVOICE = "invoice"
    SALES_RECORD = "sales_record"
    INSURANCE_PROOF = "insurance_proof"
    BUYER_PHOTO = "buyer_photo"
    BUYER_VIDEO = "buyer_video"
    PACKING_PHOTO = "packing_photo"
    PACKING_VIDEO = "packing_video"
    COMMUNICATION_LOG = "communication_log"
    MAILING_RECEIPT = "mailing_receipt"
    INQUIRY_APPROVAL = "inquiry_approval"
    TRACE_RESULT = "trace_result"
    CONSIGNEE_STATEMENT = "consignee_statement"
    SERIAL_NUMBERS = "serial_numbers"
    INSPECTION_REPORT = "inspection_report"
    POST_OFFICE_CERTIFICATE = "post_office_certificate"
    RELEASE_LETTER = "release_letter"
    CLAIM_LETTER = "claim_letter"
    CLAIM_RECEIPT = "claim_receipt"
    CARRIER_CORRESPONDENCE = "carrier_correspondence"
    DISPUTE_STATEMENT = "dispute_statement"
    OTHER = "other"


class PhotoSubject(StrEnum):
    """What a damage photo or video shows; carriers ask for all three."""

    OUTER_BOX = "outer_box"
    INNER_PACKING = "inner_packing"
    ITEM = "item"


class MediaFamily(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    PDF = "pdf"
    TEXT = "text"
    JSON = "json"


#: The only media types evidence may have.  Raster images only: SVG can carry script and
#: is refused like HTML.  HEIC/QuickTime are what phones record by default.
MEDIA_TYPES: dict[str, MediaFamily] = {
    "image/jpeg": MediaFamily.IMAGE,
    "image/png": MediaFamily.IMAGE,
    "image/webp": MediaFamily.IMAGE,
    "image/heic": MediaFamily.IMAGE,
    "image/heif": MediaFamily.IMAGE,
    "video/mp4": MediaFamily.VIDEO,
    "video/quicktime": MediaFamily.VIDEO,
    "video/webm": MediaFamily.VIDEO,
    "application/pdf": MediaFamily.PDF,
    "text/plain": MediaFamily.TEXT,
    "message/rfc822": MediaFamily.TEXT,
    "application/json": MediaFamily.JSON,
}

_I, _V, _P, _T, _J = (
    MediaFamily.IMAGE,
    MediaFamily.VIDEO,
    MediaFamily.PDF,
    MediaFamily.TEXT,
    MediaFamily.JSON,
)
_DOC = frozenset({_P, _I})  # a scan or a photo of a paper document
_DOC_OR_TEXT = frozenset({_P, _I, _T})

_ACCEPTS: dict[EvidenceKind, frozenset[MediaFamily]] = {
    EvidenceKind.TRACKING_SNAPSHOT: frozenset({_P, _I, _J}),
    EvidenceKind.PROOF_OF_VALUE: _DOC,
    EvidenceKind.INVOICE: _DOC,
    EvidenceKind.SALES_RECORD: frozenset({_P, _I, _T, _J}),
    EvidenceKind.INSURANCE_PROOF: _DOC_OR_TEXT,
    EvidenceKind.BUYER_PHOTO: frozenset({_I}),
    EvidenceKind.BUYER_VIDEO: frozenset({_V}),
    EvidenceKind.PACKING_PHOTO: frozenset({_I}),
    EvidenceKind.PACKING_VIDEO: frozenset({_V}),
    EvidenceKind.COMMUNICATION_LOG: _DOC_OR_TEXT,
    EvidenceKind.MAILING_RECEIPT: _DOC,
    EvidenceKind.INQUIRY_APPROVAL: _DOC_OR_TEXT,
    EvidenceKind.TRACE_RESULT: _DOC_OR_TEXT,
    EvidenceKind.CONSIGNEE_STATEMENT: _DOC_OR_TEXT,
    EvidenceKind.SERIAL_NUMBERS: _DOC_OR_TEXT,
    EvidenceKind.INSPECTION_REPORT: _DOC,
    EvidenceKind.POST_OFFICE_CERTIFICATE: _DOC,
    EvidenceKind.RELEASE_LETTER: _DOC,
    EvidenceKind.CLAIM_LETTER: frozenset({_P}),
    EvidenceKind.CLAIM_RECEIPT: _DOC_OR_TEXT,
    EvidenceKind.CARRIER_CORRESPONDENCE: _DOC_OR_TEXT,
    EvidenceKind.DISPUTE_STATEMENT: frozenset({_P, _T}),
    EvidenceKind.OTHER: frozenset({_P, _I, _V, _T}),
}

_FAMILY_WORDS = {
    _I: "an image",
    _V: "a video",
    _P: "a PDF",
    _T: "plain text",
    _J: "JSON",
}


def accepted_families(kind: EvidenceKind) -> frozenset[MediaFamily]:
    return _ACCEPTS[kind]


def family_of(media_type: str) -> MediaFamily | None:
    return MEDIA_TYPES.get(media_type)


def check_media_type(kind: EvidenceKind, media_type: str, display_name: str) -> MediaFamily:
    """The family of ``media_type`` if ``kind`` accepts it; else ``UploadRejected``."""
    allowed = _ACCEPTS[kind]
    family = MEDIA_TYPES.get(media_type)
    if family is None or family not in allowed:
        expected = " or ".join(_FAMILY_WORDS[f] for f in MediaFamily if f in allowed)
        raise UploadRejected(
            f"{kind} {display_name!r} rejected: content is {media_type}, expected {expected}"
        )
    return family


# --------------------------------------------------------------------------- completeness

#: Slugs satisfied by a known fact of the case rather than by a file.
FACT_SLUGS = frozenset({"tracking_number", "order_number"})
#: The buyer (or whoever holds the parcel) keeps the item and packaging until settled:
#: an attestation, recorded as a fact, not a file.
KEEP_PACKAGING = "keep_packaging"
DAMAGE_CLAIM_TYPES = frozenset({ClaimType.DAMAGED, ClaimType.MISSING_CONTENTS})

_K = EvidenceKind
_ANY_SUBJECT = frozenset({None, *PhotoSubject})
_PACKAGING = frozenset({PhotoSubject.OUTER_BOX, PhotoSubject.INNER_PACKING})
#: slug -> (kinds that satisfy it, photo subjects that count; None = subject not recorded).
SLUG_KINDS: dict[str, tuple[frozenset[EvidenceKind], frozenset[PhotoSubject | None]]] = {
    "tracking_number": (frozenset({_K.TRACKING_SNAPSHOT}), _ANY_SUBJECT),
    "order_number": (frozenset({_K.SALES_RECORD, _K.INVOICE}), _ANY_SUBJECT),
    "proof_of_value": (frozenset({_K.PROOF_OF_VALUE, _K.INVOICE, _K.SALES_RECORD}), _ANY_SUBJECT),
    "proof_of_insurance": (frozenset({_K.INSURANCE_PROOF}), _ANY_SUBJECT),
    # Damage photos show the item; an untagged buyer photo is taken at its word.
    "damage_photos": (
        frozenset({_K.BUYER_PHOTO, _K.BUYER_VIDEO}),
        frozenset({None, PhotoSubject.ITEM}),
    ),
    # Packaging photos: the buyer's photos of box and inner packing, or the seller's own
    # packing record (carriers refuse claims for parcels "not properly packed").
    "packaging_photos": (
        frozenset({_K.BUYER_PHOTO, _K.BUYER_VIDEO, _K.PACKING_PHOTO, _K.PACKING_VIDEO}),
        frozenset({None, *_PACKAGING}),
    ),
    "mailing_receipt": (frozenset({_K.MAILING_RECEIPT}), _ANY_SUBJECT),
    "inquiry_approval": (frozenset({_K.INQUIRY_APPROVAL}), _ANY_SUBJECT),
    "trace_completed": (frozenset({_K.TRACE_RESULT}), _ANY_SUBJECT),
    "consignee_statement": (frozenset({_K.CONSIGNEE_STATEMENT}), _ANY_SUBJECT),
    "serial_numbers": (frozenset({_K.SERIAL_NUMBERS}), _ANY_SUBJECT),
    "inspection_report": (frozenset({_K.INSPECTION_REPORT}), _ANY_SUBJECT),
    "claim_form": (frozenset({_K.CLAIM_LETTER}), _ANY_SUBJECT),
    "post_office_certificate": (frozenset({_K.POST_OFFICE_CERTIFICATE}), _ANY_SUBJECT),
    "release_letter": (frozenset({_K.RELEASE_LETTER}), _ANY_SUBJECT),
    KEEP_PACKAGING: (frozenset(), frozenset()),
}

_LABELS = {
    "tracking_number": "Tracking number",
    "order_number": "Order number",
    "proof_of_value": "Proof of value (invoice, receipt or sales record)",
    "proof_of_insurance": "Proof of insurance or declared value",
    "damage_photos": "Photos or video of the damaged item",
    "packaging_photos": "Photos of the outer box and inner packing",
    KEEP_PACKAGING: "Buyer keeps the item and all packaging until the claim is settled",
    "mailing_receipt": "Original mailing receipt",
    "inquiry_approval": "Inquiry approval from the carrier",
    "trace_completed": "Completed carrier trace",
    "consignee_statement": "Signed consignee (recipient) statement",
    "serial_numbers": "Serial numbers of the items",
    "inspection_report": "Carrier inspection report",
    "claim_form": "Completed claim form or letter",
    "post_office_certificate": "Certificate from the local post office",
    "release_letter": "Release letter from the party owning the claim rights",
}


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """What the checklist needs to know about one stored item."""

    kind: EvidenceKind
    subject: PhotoSubject | None = None


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    slug: str
    label: str
    present: bool
    #: kinds (or ``fact:<name>``) that satisfied it; empty when missing
    satisfied_by: tuple[str, ...]
    #: what would satisfy it, for a "missing" hint
    accepts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Checklist:
    items: tuple[ChecklistItem, ...]

    @property
    def present(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if i.present)

    @property
    def missing(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if not i.present)

    @property
    def complete(self) -> bool:
        return all(i.present for i in self.items)


def completeness(
    required_documents: Iterable[str],
    claim_type: ClaimType,
    evidence: Iterable[EvidenceRef],
    facts: Iterable[str] = (),
) -> Checklist:
    """What a claim has and lacks, slug by slug, in the rule's order.

    ``facts`` are slugs the case knows without a file (``tracking_number``,
    ``order_number``) and attestations such as ``keep_packaging``, recorded when the buyer
    confirms it.  A damage or missing-contents claim always lists ``keep_packaging``:
    carriers inspect the parcel and refuse the claim if it was thrown away or reshipped.
    """
    slugs = list(dict.fromkeys(required_documents))
    unknown = [s for s in slugs if s not in DOCUMENT_SLUGS]
    if unknown:
        raise DomainError(f"unknown required document slug(s): {', '.join(unknown)}")
    if claim_type in DAMAGE_CLAIM_TYPES and KEEP_PACKAGING not in slugs:
        slugs.append(KEEP_PACKAGING)
    known = frozenset(facts)
    refs = list(evidence)
    items = []
    for slug in slugs:
        kinds, subjects = SLUG_KINDS[slug]
        by: list[str] = []
        if slug in known:
            by.append(f"fact:{slug}")
        for ref in refs:
            if ref.kind in kinds and ref.subject in subjects and str(ref.kind) not in by:
                by.append(str(ref.kind))
        accepts = tuple(sorted(str(k) for k in kinds))
        if slug in FACT_SLUGS or slug == KEEP_PACKAGING:
            accepts = (f"fact:{slug}", *accepts)
        items.append(ChecklistItem(slug, _LABELS[slug], bool(by), tuple(by), accepts))
    return Checklist(tuple(items))
