"""The claimed amount follows the carrier's limit (issue 6), on SQLite and PostgreSQL.

By default the claim is the value at risk capped at what the rules file says the carrier
pays; the letter and ``checklist.json`` then state the full value, the limit and its
basis. An explicit amount wins, and is flagged when it is above the limit.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parceldesk.adapters.rules_loader import load_rulebook
from parceldesk.domain.claim_documents import ClaimLimit
from parceldesk.domain.money import Money
from parceldesk.services.claims import default_claim
from tests.integration.test_evidence_claims import World

OVERRIDE = """\
[[rule]]
carrier = "yunexpress"
service = "*"
scope = "international"
claim_type = "lost"
default_liability = { amount = "20.00", currency = "USD", basis = "test liability 20 USD" }
"""


@pytest.fixture
def capped_world(uow_factory: Callable[[], Any], tmp_path: Path) -> World:
    """The evidence world (a lost YunExpress parcel worth 2 x 12.50 USD), with a rule
    that says YunExpress pays at most 20.00 USD for a lost parcel."""
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(OVERRIDE, encoding="utf-8")
    world = World(uow_factory, tmp_path)
    world.env = replace(world.env, book=load_rulebook(overrides))
    return world


def _letter_and_checklist(path: Path) -> tuple[str, dict[str, Any]]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        letter = zf.read(next(n for n in names if n.endswith(".pdf") and "claim-letter" in n))
        checklist = json.loads(zf.read(next(n for n in names if n.endswith("checklist.json"))))
    reader = pypdf.PdfReader(io.BytesIO(letter))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(text.split()), checklist


def test_default_claim_is_capped_at_the_limit_and_says_so(
    capped_world: World, tmp_path: Path
) -> None:
    _, claims, _ = capped_world.desks()
    prepared = claims.prepare(capped_world.case_id, tmp_path / "c.zip")
    usd = "USD"
    assert prepared.value == Money(Decimal("25.00"), usd)
    assert prepared.claimed == Money(Decimal("20.00"), usd)
    assert prepared.capped is True and prepared.over_limit is False
    text, checklist = _letter_and_checklist(tmp_path / "c.zip")
    assert "full value is 25.00 USD" in text and "test liability 20 USD" in text
    assert "remaining 5.00 USD is not recoverable" in text
    assert checklist["claimed"] == {"amount": "20.00", "currency": usd}
    assert checklist["full_value"] == {"amount": "25.00", "currency": usd}
    assert checklist["capped_to_limit"] is True
    assert checklist["carrier_limit"]["basis"] == "carrier default liability: test liability 20 USD"
    with capped_world.uow_factory() as uow:
        [claim] = uow.claims.for_case(capped_world.case_id)
        prepared_entry = [e for e in uow.cases.timeline(capped_world.case_id)
                          if e.action == "claim_prepared"][-1]  # fmt: skip
    assert claim.claimed == Money(Decimal("20.00"), usd)
    assert prepared_entry.detail["capped"] == "yes"
    assert prepared_entry.detail["full_value"] == "25.00 USD"


def test_explicit_amount_wins_and_is_flagged_above_the_limit(
    capped_world: World, tmp_path: Path
) -> None:
    _, claims, _ = capped_world.desks()
    asked = Money(Decimal("25.00"), "USD")
    prepared = claims.prepare(capped_world.case_id, tmp_path / "c.zip", amount=asked)
    assert prepared.claimed == asked and prepared.capped is False
    assert prepared.over_limit is True
    text, checklist = _letter_and_checklist(tmp_path / "c.zip")
    assert "exceeds the carrier's limit of 20.00 USD" in text
    assert "full value is" not in text  # no cap note: the seller chose the amount
    assert checklist["claimed_exceeds_limit"] is True
    assert checklist["capped_to_limit"] is False


def test_without_a_known_limit_the_full_value_is_claimed(
    uow_factory: Callable[[], Any], tmp_path: Path
) -> None:
    world = World(uow_factory, tmp_path)  # the shipped YunExpress rule gives no figure
    _, claims, _ = world.desks()
    prepared = claims.prepare(world.case_id, tmp_path / "c.zip")
    assert prepared.limit is None and prepared.capped is False
    assert prepared.claimed == prepared.value == Money(Decimal("25.00"), "USD")


_amounts = st.decimals(min_value="0.01", max_value="100000", places=2)
_currencies = st.sampled_from(["USD", "SGD"])


@given(value=_amounts, cap=_amounts, value_ccy=_currencies, cap_ccy=_currencies)
def test_default_claim_never_exceeds_a_comparable_limit(
    value: Decimal, cap: Decimal, value_ccy: str, cap_ccy: str
) -> None:
    limit = ClaimLimit(Money(cap, cap_ccy), "basis")
    claimed, capped = default_claim(Money(value, value_ccy), limit)
    assert claimed is not None
    if value_ccy == cap_ccy:
        assert claimed.amount == min(value, cap) and capped == (value > cap)
    else:  # not comparable: the full value, not capped
        assert claimed == Money(value, value_ccy) and not capped
    assert default_claim(None, limit) == (None, False)
    assert default_claim(Money(value, value_ccy), None) == (Money(value, value_ccy), False)
