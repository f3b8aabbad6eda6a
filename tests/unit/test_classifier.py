"""The event-text classifier: a corpus of real-looking scans plus property tests."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parceldesk.domain.classifier import Classification, classify
from parceldesk.domain.classifier_rules import RULES
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status
from tests.unit.classifier_corpus import CORPUS

UNKNOWN = Classification(None, None, None, None)
PROPERTY = settings(max_examples=300, deadline=None, database=None)


def _expected(
    status: str | None, node: str | None, reason: str | None
) -> tuple[Status | None, Node | None, ExceptionReason | None]:
    return (
        None if status is None else Status(status),
        None if node is None else Node(node),
        None if reason is None else ExceptionReason(reason),
    )


def _fullwidth(text: str) -> str:
    """ASCII -> the full-width forms East Asian carrier pages use (NFKC folds them back)."""
    return "".join(
        "\u3000" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text
    )


# --- Corpus ------------------------------------------------------------------------


def test_corpus_is_large_and_unambiguous() -> None:
    assert len(CORPUS) >= 180
    keys = [(desc, loc) for desc, loc, *_ in CORPUS]
    assert len(keys) == len(set(keys)), "a (description, location) pair appears twice"


@pytest.mark.parametrize(
    ("description", "location", "status", "node", "reason"),
    CORPUS,
    ids=[f"{i:03d}-{row[0][:40]}" for i, row in enumerate(CORPUS)],
)
def test_corpus(
    description: str, location: str, status: str | None, node: str | None, reason: str | None
) -> None:
    got = classify(description, location)
    assert (got.status, got.node, got.reason) == _expected(status, node, reason), got.rule


def test_every_rule_is_exercised_by_the_corpus() -> None:
    """A rule no corpus row reaches is either dead (shadowed by an earlier rule) or untested."""
    used = {classify(desc, loc).rule for desc, loc, *_ in CORPUS}
    assert {rule.name for rule in RULES} - used == set()


def test_rule_names_are_unique() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))


def test_corpus_covers_every_status_and_reason() -> None:
    got = [classify(desc, loc) for desc, loc, *_ in CORPUS]
    statuses = {c.status for c in got}
    assert set(Status) - statuses == {Status.PENDING, Status.EXPIRED}  # never said by a scan
    assert set(ExceptionReason) <= {c.reason for c in got}


# --- Classic traps -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Out for delivery",
        "Delivery attempted",
        "Undelivered",
        "Not delivered - recipient absent",
        "Your package will be delivered tomorrow",
        "Your parcel is being delivered",
        "Delivered to UPS Access Point",
        "Delivered to agent for final delivery",
        "Delivered to local carrier",
        "Delivered to airline",
        "Objeto não entregue",
        "No entregado",
        "未妥投",
        "拒签",
        "Giao hàng không thành công",
        "นำส่งไม่สำเร็จ",
        "Paket telah diterima di gudang Jakarta",
    ],
)
def test_texts_that_mention_delivery_are_not_delivered(text: str) -> None:
    assert classify(text).status is not Status.DELIVERED


def test_customs_completed_is_released_not_held() -> None:
    assert classify("Customs clearance completed").node is Node.CUSTOMS_RELEASED
    assert classify("Customs clearance completed").status is Status.IN_TRANSIT
    assert classify("Held in customs").reason is ExceptionReason.CUSTOMS_HOLD


def test_arrived_at_destination_is_not_a_facility_scan() -> None:
    assert classify("Arrived at destination").node is Node.DESTINATION_ARRIVAL
    assert classify("Arrived at facility").node is Node.LAST_MILE_FACILITY


@pytest.mark.parametrize(
    "location",
    [
        "SHENZHEN, CN",
        "Guangzhou",
        "Yiwu, Zhejiang",
        "SHANGHAI",
        "Dongguan",
        "HONG KONG",
        "Hong Kong SAR, China",
        "CN",
        "深圳市",
        "广东省东莞市",
    ],
)
def test_location_in_china_makes_a_facility_scan_the_origin(location: str) -> None:
    assert classify("Arrived at Sort Facility", location).node is Node.ORIGIN_FACILITY
    assert classify("Customs clearance completed", location).node is Node.EXPORT_CUSTOMS


@pytest.mark.parametrize(
    "location",
    ["", "LOS ANGELES, CA, US", "Chino, CA", "Lincoln, NE", "Canton, OH", "Bangkok", "美国洛杉矶"],
)
def test_location_outside_china_makes_a_facility_scan_the_last_mile(location: str) -> None:
    assert classify("Arrived at Sort Facility", location).node is Node.LAST_MILE_FACILITY
    assert classify("Customs clearance completed", location).node is Node.CUSTOMS_RELEASED


def test_chinese_customs_text_alone_does_not_mean_export() -> None:
    """Chinese lines describe destination customs in Chinese too; only a place can say China."""
    assert classify("海关扣留").node is Node.IMPORT_CUSTOMS
    assert classify("海关扣留", "深圳").node is Node.EXPORT_CUSTOMS


@pytest.mark.parametrize("text", ["", "   ", "\u3000", "Lorem ipsum dolor", "12345", "【】", "-"])
def test_unknown_text_is_unclassified(text: str) -> None:
    assert classify(text) == UNKNOWN


def test_brackets_and_fullwidth_are_folded() -> None:
    assert classify("已到达【洛杉矶转运中心】") == classify("已到达[洛杉矶转运中心]")
    assert classify("ＤＥＬＩＶＥＲＥＤ").status is Status.DELIVERED


# --- Properties -----------------------------------------------------------------------


@PROPERTY
@given(description=st.text(), location=st.text())
def test_never_raises_and_is_all_or_nothing(description: str, location: str) -> None:
    got = classify(description, location)
    assert isinstance(got, Classification)
    assert (got.status is None) == (got.rule is None)
    if got.status is None:
        assert got == UNKNOWN


@st.composite
def _respelled(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """A corpus row and the same texts re-cased, re-spaced and possibly made full-width."""
    description, location, *_ = draw(st.sampled_from(CORPUS))

    def respell(text: str) -> str:
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        out = "".join(
            ch.upper() if flip else ch.lower() for ch, flip in zip(text, flips, strict=True)
        )
        if draw(st.booleans()):
            out = _fullwidth(out)
        pad = st.text(alphabet=" \t\n\r\u3000\u00a0", max_size=4)
        return draw(pad) + out + draw(pad)

    return description, location, respell(description), respell(location)


@PROPERTY
@given(_respelled())
def test_invariant_to_case_whitespace_and_width(row: tuple[str, str, str, str]) -> None:
    description, location, new_description, new_location = row
    assert classify(new_description, new_location) == classify(description, location)


@PROPERTY
@given(
    prefix=st.text(),
    phrase=st.sampled_from(["out for delivery", "Out for Delivery", "OUT FOR DELIVERY"]),
    suffix=st.text(),
    location=st.text(),
)
def test_out_for_delivery_is_never_delivered(
    prefix: str, phrase: str, suffix: str, location: str
) -> None:
    assert classify(prefix + phrase + suffix, location).status is not Status.DELIVERED


@PROPERTY
@given(
    prefix=st.sampled_from(["", "Delivered. ", "Package delivered, ", "已签收 "]),
    suffix=st.sampled_from(["", " - delivered", ", signed for by JOHN", " Entregue"]),
)
def test_out_for_delivery_beats_delivered_wording(prefix: str, suffix: str) -> None:
    assert classify(prefix + "Out for delivery" + suffix).status is Status.OUT_FOR_DELIVERY


def _digit_free(pattern: str) -> bool:
    """No digit in a pattern except inside ``{m,n}`` quantifiers and ``\\uXXXX`` escapes."""
    source = re.sub(r"\{\d+(?:,\d*)?\}|\\u[0-9a-fA-F]{4}", "", pattern)
    return not re.search(r"[0-9]|\\d|\\D", source)


def test_no_pattern_names_a_digit() -> None:
    """What lets ``common.classify_text`` share one memo between texts that differ only
    in their digits (a parcel's own number in every handover text)."""
    from parceldesk.domain import classifier

    patterns = [r.pattern.pattern for r in RULES]
    patterns += [
        classifier._CHINA_PLACE.pattern,
        classifier._CJK.pattern,
        classifier._ABROAD_ZH.pattern,
    ]
    assert all(_digit_free(p) for p in patterns)
    assert not _digit_free(r"usps 9400") and _digit_free(r"\bx\b.{0,40}y[\u4e00-\u9fff]")


CORPUS_TEXTS = sorted({case[0] for case in CORPUS})
_with_digits = st.lists(
    st.sampled_from([*CORPUS_TEXTS, " ", "9400 1000 0000 0000 0000 02", "12", "第3次", "１２"]),
    min_size=1, max_size=4,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_with_digits, st.sampled_from(["", "Shenzhen 518000", "Los Angeles, CA 90001, US"]))
def test_digits_never_change_a_classification(text: str, location: str) -> None:
    zero = str.maketrans("123456789", "000000000")
    assert classify(text, location) == classify(text.translate(zero), location.translate(zero))
    from parceldesk.adapters.tracking.common import classify_text

    assert classify_text(text, location) == classify(text, location)
