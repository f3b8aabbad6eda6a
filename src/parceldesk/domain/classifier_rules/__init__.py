"""The ordered rule table behind :func:`parceldesk.domain.classifier.classify`.

Why a table: carrier wording is open-ended, so the mapping must be easy to read, to
extend and to test rule by rule (every rule is exercised by the test corpus). Why an
*ordered* table: scan texts overlap ("Delivery attempted" contains "deliver", "Out for
delivery" is not "delivered", "Customs clearance completed" mentions customs but is not a
hold). The first rule that matches wins, so rules run from the most specific or most
important for claims (lost, damaged, returned, held) down to generic movement scans.

Patterns run over the *normalised* text (NFKC, casefolded, 【】 folded to [], whitespace
collapsed; see ``classifier._normalise``), so they are written in lower case. Latin
alternatives use ``\\b``; Thai and CJK alternatives do not, because those scripts do not
put spaces between words.

The table is split by section (``exceptions``, ``cross_border``, ``movement``); the
sections are concatenated here in order, so the first-match-wins order is the order of
the modules and, inside each, of the rows. ``base`` holds the row type.
"""

from __future__ import annotations

from parceldesk.domain.classifier_rules.base import Direction, Rule
from parceldesk.domain.classifier_rules.cross_border import CROSS_BORDER_RULES
from parceldesk.domain.classifier_rules.exceptions import EXCEPTION_RULES
from parceldesk.domain.classifier_rules.movement import MOVEMENT_RULES

__all__ = ["RULES", "Direction", "Rule"]

RULES: tuple[Rule, ...] = EXCEPTION_RULES + CROSS_BORDER_RULES + MOVEMENT_RULES
