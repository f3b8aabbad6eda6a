"""The shipped rules files load, carry provenance, merge overrides and resolve lookups."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from parceldesk.adapters.rules_loader import RulesFileError, check_overrides, load_rulebook
from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.rules import (
    Anchor,
    ClaimRule,
    ClaimType,
    Confidence,
    DayUnit,
    PlatformStep,
    RuleBook,
    Scope,
    Window,
)

BOOK = load_rulebook()
CHECKED = date(2026, 11, 22)


def _rule(**changes: object) -> ClaimRule:
    fields: dict[str, object] = {
        "carrier": "usps",
        "service": "*",
        "scope": Scope.DOMESTIC,
        "claim_type": ClaimType.LOST,
        "earliest": None,
        "latest": Window(60, DayUnit.CALENDAR, Anchor.MAILING),
        "sources": ("https://example.test/usps",),
        "confidence": Confidence.B,
        "verified_on": CHECKED,
    }
    fields.update(changes)
    return ClaimRule(**fields)  # type: ignore[arg-type]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overrides.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------- shipped files


@pytest.mark.parametrize("name", ["carriers.toml", "platforms.toml"])
def test_packaged_file_header(name: str) -> None:
    doc = tomllib.loads(resources.files("parceldesk.rules").joinpath(name).read_text("utf-8"))
    assert doc["version"] == "2026.11.22"
    assert doc["schema"] == 1


def test_shipped_files_load_completely() -> None:
    assert BOOK.version == "2026.11.22"
    assert len(BOOK.all_claim_rules) == 78  # 68 carrier rules + 10 insurer rules
    assert len(BOOK.all_platform_steps) == 35
    carriers = {rule.carrier for rule in BOOK.all_claim_rules}
    assert {"usps", "ups", "fedex", "dhl_express", "4px", "shopee_sls"} <= carriers
    platforms = {step.platform for step in BOOK.all_platform_steps}
    assert platforms == {"shopee", "amazon", "tiktok", "ebay", "paypal", "shopify_payments"}


@pytest.mark.parametrize(
    "entry", [*BOOK.all_claim_rules, *BOOK.all_platform_steps], ids=lambda e: e.label
)
def test_every_shipped_entry_carries_provenance(entry: ClaimRule | PlatformStep) -> None:
    assert entry.sources
    assert all(url.startswith(("http://", "https://")) for url in entry.sources)
    assert entry.confidence in set(Confidence)
    assert entry.verified_on == CHECKED
    assert entry.origin == "shipped"


@pytest.mark.parametrize(
    "entry", [*BOOK.all_claim_rules, *BOOK.all_platform_steps], ids=lambda e: e.label
)
def test_conflicts_and_gaps_never_ship_as_confirmed(entry: ClaimRule | PlatformStep) -> None:
    # Convention in the rules files: a source conflict is flagged "CONFLICT" in notes.
    gap = "not found" in entry.notes and "Earliest filing day" not in entry.notes
    if "CONFLICT" in entry.notes or gap:
        assert entry.confidence is Confidence.UNKNOWN


def test_amazon_info_request_ships_safe_value_as_unconfirmed() -> None:
    [step] = [s for s in BOOK.platform_steps("amazon", "US") if s.step.endswith("info_request")]
    assert step.window == Window(48, DayUnit.HOURS, Anchor.INFO_REQUESTED)
    assert step.confidence is Confidence.UNKNOWN
    assert "72" in step.notes


# ------------------------------------------------------------------------------ lookups


def test_exact_service_beats_wildcard() -> None:
    pme = BOOK.claim_rule("usps", "priority_mail_express", "domestic", "lost")
    assert pme is not None
    assert pme.service == "priority_mail_express"
    assert pme.earliest == Window(7, DayUnit.CALENDAR, Anchor.MAILING)
    other = BOOK.claim_rule("USPS", "media_mail", Scope.DOMESTIC, ClaimType.LOST)
    assert other is not None
    assert other.service == "*"
    assert BOOK.claim_rule("ninja_van", "*", "domestic", "lost") is None
    with pytest.raises(InvalidValue, match="'overseas' is not a valid Scope"):
        BOOK.claim_rule("usps", "*", "overseas", "lost")


def test_claim_rules_returns_one_winner_per_claim_type() -> None:
    found = BOOK.claim_rules("fedex", "express", "domestic")
    assert [r.claim_type for r in found] == [
        ClaimType.LOST,
        ClaimType.DAMAGED,
        ClaimType.MISSING_CONTENTS,
        ClaimType.DELAY,
    ]
    by_type = {r.claim_type: r.service for r in found}
    assert by_type[ClaimType.DAMAGED] == "express"
    assert by_type[ClaimType.DELAY] == "*"


def test_store_and_channel_scoped_rules_only_win_in_scope() -> None:
    base = _rule()
    exact = _rule(service="priority_mail")
    store = _rule(store="shop1", latest=Window(30, DayUnit.CALENDAR, Anchor.MAILING))
    channel = _rule(channel="ch", latest=Window(20, DayUnit.CALENDAR, Anchor.MAILING))
    book = RuleBook([base, exact, store, channel])
    assert book.claim_rule("usps", "media_mail", "domestic", "lost") is base
    assert book.claim_rule("usps", "media_mail", "domestic", "lost", store="shop1") is store
    assert book.claim_rule("usps", "media_mail", "domestic", "lost", store="x") is base
    both = book.claim_rule("usps", "media_mail", "domestic", "lost", store="shop1", channel="ch")
    assert both is channel
    assert book.claim_rule("usps", "priority_mail", "domestic", "lost", store="shop1") is exact


def test_market_specific_step_beats_wildcard() -> None:
    br = {s.step: s for s in BOOK.platform_steps("shopee", "br")}
    assert br["respond_return_request"].window == Window(3, DayUnit.CALENDAR, Anchor.REQUEST_OPENED)
    assert br["respond_non_receipt"].market == "*"
    sg = {s.step: s for s in BOOK.platform_steps("shopee", "SG")}
    assert sg["respond_return_request"].window is not None
    assert sg["respond_return_request"].window.days == 2
    assert BOOK.platform_steps("shopee", "JP")[0].market == "*"


def test_duplicate_rules_are_rejected() -> None:
    with pytest.raises(InvalidValue, match=r"usps/\*/domestic/lost: duplicate"):
        RuleBook([_rule(), _rule()])


# --------------------------------------------------------------------- domain validation


def test_rule_validation_names_rule_and_field() -> None:
    with pytest.raises(InvalidValue, match=r"usps/\*/domestic/lost: sources"):
        _rule(sources=())
    with pytest.raises(InvalidValue, match="required_documents has unknown slug 'selfie'"):
        _rule(required_documents=("selfie",))
    with pytest.raises(InvalidValue, match=r"earliest .* must be before latest"):
        _rule(earliest=Window(60, DayUnit.CALENDAR, Anchor.MAILING))
    with pytest.raises(InvalidValue, match="carrier must be a lower-case slug"):
        _rule(carrier="USPS")
    with pytest.raises(InvalidValue, match="positive integer"):
        Window(0, DayUnit.CALENDAR, Anchor.MAILING)


# --------------------------------------------------------------------------- overrides

GOOD_OVERRIDES = """
schema = 1

[[rule]]
carrier = "usps"
service = "*"
scope = "domestic"
claim_type = "damaged"
latest_days = 30

[[rule]]
carrier = "yunexpress"
service = "*"
scope = "international"
claim_type = "lost"
channel = "yun_us_standard"
latest_days = 45
latest_unit = "calendar"
latest_anchor = "ship"
sources = ["forwarder contract 2026-03"]
confidence = "C"

[[step]]
platform = "shopee"
market = "SG"
step = "respond_return_request"
store = "shop1"
window = 1
"""


def test_overrides_merge_field_by_field(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD_OVERRIDES)
    assert check_overrides(path) == []
    book = load_rulebook(path)
    assert len(book.all_claim_rules) == len(BOOK.all_claim_rules) + 1

    damaged = book.claim_rule("usps", "*", "domestic", "damaged")
    assert damaged is not None
    assert damaged.latest == Window(30, DayUnit.CALENDAR, Anchor.MAILING)
    assert damaged.overridden == ("latest_days",)
    assert damaged.origin == "overrides.toml rule #1"
    shipped = BOOK.claim_rule("usps", "*", "domestic", "damaged")
    assert shipped is not None
    assert damaged.sources == shipped.sources

    yun = book.claim_rule("yunexpress", "*", "international", "lost", channel="yun_us_standard")
    assert yun is not None
    assert yun.latest == Window(45, DayUnit.CALENDAR, Anchor.SHIP)
    assert yun.confidence is Confidence.C
    unscoped = book.claim_rule("yunexpress", "*", "international", "lost")
    assert unscoped is not None
    assert unscoped.latest is None
    assert unscoped.confidence is Confidence.UNKNOWN

    steps = {s.step: s for s in book.platform_steps("shopee", "SG", store="shop1")}
    assert steps["respond_return_request"].window == Window(
        1, DayUnit.CALENDAR, Anchor.REQUEST_OPENED
    )
    other = {s.step: s for s in book.platform_steps("shopee", "SG")}
    assert other["respond_return_request"].store is None


BAD_OVERRIDES = """
[[rule]]
carrier = "usps"
service = "*"
scope = "domestic"
claim_type = "damaged"
latest_days = 30

[[rule]]
carrier = "yunexpress"
service = "*"
scope = "international"
claim_type = "lost"
latest_days = -3
latest_unit = "weeks"
latest_anchor = "ship"

[[rule]]
carrier = "ups"
service = "*"
scope = "domestic"
claim_type = "lost"
latest_day = 30
default_liability = { amount = 100.0, currency = "USD" }

[[rule]]
carrier = "ups"
scope = "domestic"
claim_type = "lost"

[[rule]]
carrier = "newco"
service = "*"
scope = "domestic"
claim_type = "lost"
earliest_days = 5
confidence = "A+"

[[step]]
platform = "ebay"
market = "*"
step = "escalate"
window = 0
"""


def test_check_overrides_reports_index_and_field(tmp_path: Path) -> None:
    errors = check_overrides(_write(tmp_path, BAD_OVERRIDES))
    expected = [
        "overrides.toml rule #2 (carrier=yunexpress): latest_days must be a positive "
        "integer, got -3",
        "overrides.toml rule #2 (carrier=yunexpress): latest_unit must be one of hours, "
        "calendar, business, working, months; got 'weeks'",
        "overrides.toml rule #3 (carrier=ups): 'latest_day' is not a known field",
        "overrides.toml rule #3 (carrier=ups): default_liability must be a table like",
        "overrides.toml rule #4 (carrier=ups): service required to match an entry",
        "overrides.toml rule #5 (carrier=newco): earliest_unit and earliest_anchor are required",
        "overrides.toml rule #5 (carrier=newco): confidence must be one of A, B, C, ?; got 'A+'",
        "overrides.toml rule #5 (carrier=newco): verified_on must be a date",
        "overrides.toml rule #5 (carrier=newco): sources must list at least one source",
        "overrides.toml step #1 (platform=ebay): window must be a positive integer, got 0",
    ]
    for message in expected:
        assert any(e.startswith(message) for e in errors), (message, errors)
    assert not any("rule #1 " in e for e in errors)
    assert len(errors) == len(expected)


def test_load_rulebook_refuses_bad_overrides(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError) as caught:
        load_rulebook(_write(tmp_path, BAD_OVERRIDES))
    assert len(caught.value.errors) == 10
    assert isinstance(caught.value, InvalidValue)


def test_check_overrides_unreadable_or_malformed(tmp_path: Path) -> None:
    [missing] = check_overrides(tmp_path / "nope.toml")
    assert "cannot read" in missing
    [broken] = check_overrides(_write(tmp_path, "[[rule]\ncarrier = "))
    assert broken.startswith("overrides.toml: not valid TOML")
    [schema] = check_overrides(_write(tmp_path, "schema = 2\n"))
    assert schema == "overrides.toml: schema must be 1, got 2"
