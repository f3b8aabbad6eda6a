"""Find fonts for generated documents and know which characters they can show.

Tracking descriptions arrive in Chinese, Portuguese, Thai and more.  PDF core fonts
cover Latin-1 only, so documents embed TrueType fonts found on the machine: DejaVu Sans
for Latin/Greek/Cyrillic, then any of a list of fallbacks for Thai and CJK (Debian
``fonts-thai-tlwg``, ``fonts-droid-fallback``, ``fonts-noto-*``).  Extra directories can be
given with ``PARCELDESK_FONT_DIRS`` (``os.pathsep``-separated).

A character no font can show is replaced by ``?`` and reported in the document's notes
(never dropped silently, never a crash), so a user knows to install a font.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

__all__ = ["FontSet", "discover_fonts"]

_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
_REGULAR = ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf", "Arial.ttf")
_BOLD = ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf")
#: Thai first (small), then CJK; TrueType only (fpdf2 reads .ttc too, but slowly).
_FALLBACKS = (
    "NotoSansThai-Regular.ttf",
    "Garuda.ttf",
    "Loma.ttf",
    "Waree.ttf",
    "NotoSansSC-Regular.ttf",
    "DroidSansFallbackFull.ttf",
    "DroidSansFallback.ttf",
    "wqy-microhei.ttc",
    "NotoSansCJK-Regular.ttc",
)


@dataclass(frozen=True, slots=True)
class FontSet:
    """Regular/bold base font and fallbacks; ``regular is None`` means core Helvetica."""

    regular: Path | None
    bold: Path | None
    fallbacks: tuple[Path, ...] = ()

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(p for p in (self.regular, *self.fallbacks) if p is not None)

    def fallback_for(self, char: str) -> Path | None:
        """The first fallback font that has ``char`` (None if the base font has it)."""
        if self.regular is None or ord(char) in _cmap(self.regular):
            return None
        return next((p for p in self.fallbacks if ord(char) in _cmap(p)), None)

    def coverage(self, text: str) -> tuple[str, frozenset[str]]:
        """``text`` with characters no font can show replaced by ``?``, and those chars."""
        covered = _covered(self.paths)
        missing = {c for c in text if not _shown(c, covered)}
        if not missing:
            return text, frozenset()
        return "".join("?" if c in missing else c for c in text), frozenset(missing)


def _shown(char: str, covered: frozenset[int] | None) -> bool:
    if char in "\n\t":
        return True
    if covered is None:  # core font: Latin-1 only
        return ord(char) < 256
    return ord(char) in covered


@lru_cache(maxsize=32)
def _cmap(path: Path) -> frozenset[int]:
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


@lru_cache(maxsize=8)
def _covered(paths: tuple[Path, ...]) -> frozenset[int] | None:
    if not paths:
        return None
    return frozenset().union(*(_cmap(p) for p in paths))


def _find(names: Iterable[str], dirs: tuple[Path, ...]) -> list[Path]:
    wanted = {n.lower(): i for i, n in enumerate(names)}
    found: dict[int, Path] = {}
    for base in dirs:
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            index = wanted.get(path.name.lower())
            if index is not None and index not in found and path.is_file():
                found[index] = path
    return [found[i] for i in sorted(found)]


@lru_cache(maxsize=4)
def _discover(dirs: tuple[Path, ...]) -> FontSet:
    regular = _find(_REGULAR, dirs)
    bold = _find(_BOLD, dirs)
    fallbacks = tuple(p for p in _find(_FALLBACKS, dirs) if p.suffix.lower() == ".ttf")
    if not regular:
        return FontSet(None, None, ())
    return FontSet(regular[0], bold[0] if bold else None, fallbacks)


def discover_fonts(extra_dirs: Iterable[Path] = ()) -> FontSet:
    env = os.environ.get("PARCELDESK_FONT_DIRS", "")
    dirs = (*extra_dirs, *(Path(p) for p in env.split(os.pathsep) if p), *_DIRS)
    return _discover(tuple(dirs))
