"""Port for generated evidence documents (tracking snapshot, proof of value, claim letter,
dispute statement).  The adapter is ``parceldesk.adapters.documents.render.PdfRenderer``.

Rendering is deterministic: the same input gives the same bytes (capture and preparation
times are inputs, never read from a clock here), so a document can be regenerated and
compared with the one that was filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from parceldesk.domain.claim_documents import (
    ClaimLetterInput,
    DisputeStatementInput,
    ProofOfValueInput,
    SnapshotInput,
)

__all__ = ["DocumentRenderer", "RenderedDocument"]


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    filename: str
    media_type: str
    data: bytes
    #: things the reader should know, e.g. characters no installed font could show
    notes: tuple[str, ...] = ()


class DocumentRenderer(Protocol):
    def tracking_snapshot_pdf(self, snapshot: SnapshotInput) -> RenderedDocument: ...

    def tracking_snapshot_png(self, snapshot: SnapshotInput) -> RenderedDocument: ...

    def proof_of_value_pdf(self, proof: ProofOfValueInput) -> RenderedDocument: ...

    def claim_letter_pdf(self, letter: ClaimLetterInput) -> RenderedDocument: ...

    def dispute_statement_text(self, statement: DisputeStatementInput) -> RenderedDocument: ...

    def dispute_statement_pdf(self, statement: DisputeStatementInput) -> RenderedDocument: ...
