"""A small, deterministic PDF page builder on top of fpdf2.

Why a wrapper: every generated document needs the same things, done once: embedded
Unicode fonts with fallbacks, characters no font can show replaced and reported (not
dropped), a footer stamp (document id, page x/y) on every page, and fixed metadata so
that the same input produces the same bytes (fpdf2 derives the file id from content and
the creation date we pass; no wall clock is read).
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from parceldesk.adapters.documents.fonts import FontSet, discover_fonts

__all__ = ["DocumentPdf"]

# fpdf2 logs every missing glyph; we replace and report them ourselves.
logging.getLogger("fpdf.output").setLevel(logging.ERROR)

_SCRIPT_HINTS = (
    ("THAI", "Thai (install fonts-thai-tlwg or Noto Sans Thai)"),
    ("CJK", "Chinese/Japanese (install fonts-droid-fallback or Noto Sans CJK)"),
    ("HIRAGANA", "Japanese"),
    ("KATAKANA", "Japanese"),
    ("HANGUL", "Korean"),
)


def _script_hint(chars: frozenset[str]) -> str:
    names = {unicodedata.name(c, "") for c in chars}
    hints = sorted({hint for key, hint in _SCRIPT_HINTS for n in names if key in n})
    return "; ".join(hints) or "other scripts"


class _Fpdf(FPDF):
    stamp = ""
    body_family = "helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.body_family, size=7)
        self.set_text_color(110)
        self.cell(0, 5, f"{self.stamp}  ·  page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


class DocumentPdf:
    """Headings, paragraphs, label/value fields and tables, in one font setup."""

    def __init__(
        self, title: str, created_at: datetime, stamp: str, fonts: FontSet | None = None
    ) -> None:
        self.fonts = fonts if fonts is not None else discover_fonts()
        self._missing: set[str] = set()
        pdf = _Fpdf(format="A4")
        pdf.set_creation_date(created_at)
        pdf.set_title(self._clean(title))
        pdf.set_author("parceldesk")
        pdf.set_creator("parceldesk")
        pdf.set_margins(15, 15, 15)
        pdf.set_auto_page_break(auto=True, margin=18)
        if self.fonts.regular is not None:
            pdf.add_font("body", "", self.fonts.regular)
            pdf.add_font("body", "B", self.fonts.bold or self.fonts.regular)
            pdf.body_family = "body"
        #: fallbacks are embedded only once a character needs them (a CJK font is MBs)
        self._fallbacks: dict[Path, str] = {}
        pdf.stamp = self._clean(stamp)
        pdf.add_page()
        self.pdf = pdf
        self.heading(title, level=1)

    @property
    def notes(self) -> tuple[str, ...]:
        if not self._missing:
            return ()
        chars = "".join(sorted(self._missing))
        hint = _script_hint(frozenset(self._missing))
        return (
            f"{len(self._missing)} character(s) could not be shown with the installed fonts "
            f"and were printed as '?': {chars} ({hint})",
        )

    def _clean(self, text: str) -> str:
        if self.fonts.regular is not None and not text.isascii():
            for char in set(text):
                path = self.fonts.fallback_for(char)
                if path is not None and path not in self._fallbacks:
                    name = f"fallback{len(self._fallbacks)}"
                    self.pdf.add_font(name, "", path)
                    self._fallbacks[path] = name
                    self.pdf.set_fallback_fonts(list(self._fallbacks.values()), exact_match=False)
        shown, missing = self.fonts.coverage(text)
        self._missing |= missing
        return shown

    def _font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.pdf.body_family, "B" if bold else "", size)

    def heading(self, text: str, level: int = 2) -> None:
        size = {1: 16, 2: 12.5, 3: 10.5}[level]
        self.pdf.ln(2 if level > 1 else 0)
        self._font(size, bold=True)
        self.pdf.multi_cell(0, size * 0.55, self._clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1.5)

    def paragraph(self, text: str, size: float = 10, bold: bool = False) -> None:
        self._font(size, bold)
        for block in text.split("\n"):
            self.pdf.multi_cell(
                0, 5, self._clean(block), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.pdf.ln(1.5)

    def notice(self, text: str) -> None:
        """A framed paragraph for something the reader must not miss."""
        self._font(10, bold=True)
        self.pdf.set_fill_color(255, 244, 214)
        self.pdf.multi_cell(
            0, 5.5, self._clean(text), border=1, fill=True, padding=2, align="L",
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )  # fmt: skip
        self.pdf.ln(2)

    def fields(self, pairs: Sequence[tuple[str, str]], label_width: float = 48) -> None:
        for label, value in pairs:
            self._font(9.5, bold=True)
            y = self.pdf.get_y()
            self.pdf.multi_cell(
                label_width, 5, self._clean(label), new_x=XPos.RIGHT, new_y=YPos.TOP
            )
            self._font(9.5)
            self.pdf.set_y(y)
            self.pdf.set_x(self.pdf.l_margin + label_width)
            self.pdf.multi_cell(
                0, 5, self._clean(value or "-"), new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.pdf.ln(1.5)

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        align: Sequence[str] | None = None,
        size: float = 8.5,
    ) -> None:
        self._font(size)
        aligns = tuple(align) if align else ("LEFT",) * len(headers)
        with self.pdf.table(
            col_widths=tuple(widths),
            text_align=aligns,
            line_height=size * 0.5,
            padding=1,
            first_row_as_headings=True,
        ) as table:
            head = table.row()
            for cell in headers:
                head.cell(self._clean(cell))
            for values in rows:
                row = table.row()
                for cell in values:
                    row.cell(self._clean(cell))
        self.pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())
