"""Classify a raw tracking description when the provider gave no status.

Aggregators (AfterShip, 17TRACK) usually tag each checkpoint, but CSV imports, carrier
pages and some provider events arrive with a bare text such as "Departed Facility in
SHENZHEN" or "已到达【深圳转运中心】". The stall and claim logic needs the canonical
(status, node, reason) for those too, so this module maps text onto the taxonomy.

It is pure and deterministic: a normalised text is matched against the ordered rule table
in :mod:`parceldesk.domain.classifier_rules`, and the first matching rule wins. The
rule name is returned so that a surprising classification can be explained and fixed in
one place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from parceldesk.domain.classifier_rules import RULES, Direction
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = ["Classification", "classify"]


@dataclass(frozen=True, slots=True)
class Classification:
    """What a text says about a parcel; every field is ``None`` when it is not understood."""

    status: Status | None
    node: Node | None
    reason: ExceptionReason | None
    rule: str | None  # name of the rule that matched, for explanations/debugging


_UNKNOWN = Classification(None, None, None, None)

# NFKC folds full-width ASCII (（）１２ＡＢ) and the ideographic space, but not the CJK
# lenticular brackets or the ideographic full stop, which Chinese carriers wrap places in.
_PUNCTUATION = str.maketrans(
    {
        "【": "[",
        "】": "]",
        "〖": "[",
        "〗": "]",
        "「": "[",
        "」": "]",
        "『": "[",
        "』": "]",
        "〔": "[",
        "〕": "]",
        "。": ".",
        "、": ",",
    }
)

# A scan is "in China" when its place names a Chinese city, the country, or is written in
# Chinese characters. Hong Kong counts: most China -> US parcels leave through it.
_CHINA_PLACE = re.compile(
    r"\b(?:china|cn|chn|prc|hong ?kong|hk|hkg|szx|pvg|shenzhen|guangzhou|yiwu|shanghai|dongguan"
    r"|beijing|hangzhou|ningbo|xiamen|fuzhou|quanzhou|jinhua|foshan|zhongshan|huizhou|zhengzhou"
    r"|tianjin|qingdao|chengdu|chongqing|wuhan|nanjing|suzhou|kunming|shantou|jieyang|putian"
    r"|wenzhou)\b"
)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Chinese text that names a place abroad (or "destination") is not evidence of China.
_ABROAD_ZH = re.compile(
    "美国|巴西|墨西哥|泰国|菲律宾|马来西亚|新加坡|越南|印尼|印度尼西亚|台湾|日本|韩国|英国|德国|法国"
    "|加拿大|澳大利亚|洛杉矶|纽约|芝加哥|迈阿密|达拉斯|圣保罗|曼谷|马尼拉|吉隆坡|雅加达|胡志明|河内"
    "|目的|寄达|境外|海外|当地"
)


def _normalise(text: str) -> str:
    """Fold the spellings of one scan text into one form before matching.

    NFKC folds full-width and compatibility forms; casefold is the Unicode-correct
    lower-casing; NFKC again because casefolding can leave a string unnormalised; then
    CJK brackets become ASCII ones and all whitespace runs become one space.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.translate(_PUNCTUATION).split())


def _is_china(normalised: str) -> bool:
    """Does this (normalised) place or text clearly indicate China?"""
    if _CHINA_PLACE.search(normalised):
        return True
    return bool(_CJK.search(normalised)) and not _ABROAD_ZH.search(normalised)


def classify(description: str, location: str = "") -> Classification:
    """Map a raw tracking description onto the canonical taxonomy.

    ``location`` is only used to tell origin (China) from destination for scans whose
    wording is the same on both sides ("Arrived at Sort Facility", "Customs clearance
    completed"); when it does not clearly indicate China the destination side is assumed,
    because that is where stalls and claims happen.
    """
    text = _normalise(description)
    if not text:
        return _UNKNOWN
    for rule in RULES:
        if rule.pattern.search(text) is None:
            continue
        node = rule.node
        if rule.origin_node is not None and rule.direction is not Direction.NONE:
            in_china = _is_china(_normalise(location))
            if not in_china and rule.direction is Direction.LOCATION_OR_TEXT:
                in_china = _is_china(text)
            if in_china:
                node = rule.origin_node
        return Classification(rule.status, node, rule.reason, rule.name)
    return _UNKNOWN
