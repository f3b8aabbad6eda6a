"""The row type of the classifier's rule table, and fragments several rows share.

Split from the table itself (``classifier_rules``) so that each section of the table can
live in its own module and still build rows the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = ["ANY", "BACK_TO", "FACILITY", "LOC", "WHO", "Direction", "Rule", "rule"]


class Direction(Enum):
    """Where to look for "this scan happened in China" when a rule has an origin node.

    Customs wording is the same on both sides of the border, and Chinese carriers use
    Chinese for destination customs too, so customs rules trust the location only.
    Facility scans name their city in the text ("Departed Facility in SHENZHEN",
    "已到达【深圳转运中心】"), so facility rules may also read the description.
    """

    NONE = "none"
    LOCATION = "location"
    LOCATION_OR_TEXT = "location_or_text"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row: if ``pattern`` matches, the scan is (status, node, reason).

    ``origin_node`` replaces ``node`` when the scan happened in China (see
    :class:`Direction`): an "Arrived at Sort Facility" in Shenzhen is the origin
    facility, the same text in Los Angeles is the last-mile facility.
    """

    name: str
    pattern: re.Pattern[str]
    status: Status
    node: Node | None = None
    reason: ExceptionReason | None = None
    origin_node: Node | None = None
    direction: Direction = Direction.NONE


def rule(
    name: str,
    *alternatives: str,
    status: Status,
    node: Node | None = None,
    reason: ExceptionReason | None = None,
    origin_node: Node | None = None,
    direction: Direction = Direction.NONE,
) -> Rule:
    """Compile one row; alternatives are grouped by language for readability."""
    pattern = "|".join(f"(?:{alt})" for alt in alternatives)
    # NFKC so that a pattern typed with decomposed accents still matches normalised text.
    compiled = re.compile(unicodedata.normalize("NFKC", pattern))
    return Rule(name, compiled, status, node, reason, origin_node, direction)


LOC, ANY = Direction.LOCATION, Direction.LOCATION_OR_TEXT
WHO = r"(?:recipient|receiver|consignee|customer|addressee|buyer)"
BACK_TO = r"(?:the )?(?:original )?(?:sender|shipper|seller|merchant|consignor|origin)"
FACILITY = (
    r"facility|facilities|hub|warehouse|depot|gateway|terminal|sort(?:ing|ation)? ?cent(?:er|re)"
    r"|distribution cent(?:er|re)|processing cent(?:er|re)|transit cent(?:er|re)|station|branch"
)
