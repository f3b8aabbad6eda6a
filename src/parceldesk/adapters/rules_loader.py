"""Read the packaged rules files and a seller's overrides file into a ``RuleBook``.

The TOML is user-editable (overrides) and researcher-edited (packaged), so every error
names the file, the entry's 1-based index, its carrier/platform and the field, e.g.
``overrides.toml rule #2 (carrier=yunexpress): latest_days must be a positive integer,
got -3``.  Fields are checked one by one and all problems are reported, not just the first.

Overrides have the same shape as the packaged files.  An override matches a shipped entry
by key -- (carrier, service, scope, claim_type) for ``[[rule]]``, (platform, market, step)
for ``[[step]]`` -- and replaces only the fields it names.  Without ``store``/``channel``
it replaces the shipped entry; with them it is added next to it and only wins for that
store or forwarder channel.  An override matching nothing must be a complete entry.
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from parceldesk.domain.errors import InvalidValue
from parceldesk.domain.money import Money, parse_amount
from parceldesk.domain.rules import (
    Anchor,
    ClaimRule,
    ClaimType,
    Confidence,
    DayUnit,
    Liability,
    PlatformStep,
    RuleBook,
    Scope,
    Window,
)

__all__ = ["SCHEMA", "RulesFileError", "check_overrides", "load_rulebook", "parse_files"]

SCHEMA = 1
_PACKAGE = "parceldesk.rules"
_RULE_KEY = ("carrier", "service", "scope", "claim_type")
_STEP_KEY = ("platform", "market", "step")
_PROVENANCE = {"sources", "quote", "confidence", "verified_on", "notes"}
_RULE_FIELDS = {
    *_RULE_KEY,
    *(f"{e}_{p}" for e in ("earliest", "latest") for p in ("days", "unit", "anchor")),
    *("who_may_file", "required_documents", "default_liability", "insurance_max"),
    *("processing", "submit_via", "claimable", "store", "channel"),
    *_PROVENANCE,
}
_STEP_FIELDS = {*_STEP_KEY, "window", "unit", "anchor", "auto_outcome", "store", *_PROVENANCE}
_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


class RulesFileError(InvalidValue):
    """One or more entries in a rules or overrides file are invalid."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class _Reader:
    """Typed access to one TOML entry that records errors instead of raising."""

    where: str
    data: Mapping[str, Any]
    errors: list[str] = field(default_factory=list)

    def fail(self, name: str, problem: str) -> None:
        self.errors.append(f"{self.where}: {name} {problem}")

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, "is required")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(name, f"must be a non-empty string, got {value!r}")
            return ""
        return value

    def optional_text(self, name: str) -> str | None:
        return self.text(name) or None

    def flag(self, name: str, default: bool) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            self.fail(name, f"must be true or false, got {value!r}")
            return default
        return value

    def choice(self, name: str, kind: type[_E]) -> _E | None:
        value = self.data.get(name)
        allowed = [member.value for member in kind]
        if isinstance(value, str) and value in allowed:
            return kind(value)
        self.fail(name, f"must be one of {', '.join(allowed)}; got {value!r}")
        return None

    def strings(self, name: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(name, f"must be a list of strings, got {value!r}")
            return ()
        if required and not value:
            self.fail(name, "must list at least one source (URL or document)")
        return tuple(value)

    def checked_on(self) -> date | None:
        value = self.data.get("verified_on")
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        if not isinstance(value, date) or isinstance(value, datetime):
            self.fail("verified_on", f"must be a date like 2026-11-22, got {value!r}")
            return None
        return value

    def money(self, name: str) -> tuple[Money, str] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("amount"), str):
            self.fail(
                name,
                f'must be a table like {{ amount = "100.00", currency = "USD" }}, '
                f"with the amount as a string; got {value!r}",
            )
            return None
        try:
            amount = Money(parse_amount(value["amount"]), str(value.get("currency", "")))
        except InvalidValue as exc:
            self.fail(name, f"is invalid: {exc}")
            return None
        if amount.amount <= Decimal(0):
            self.fail(name, f"amount must be positive, got {amount.amount}")
            return None
        return amount, str(value.get("basis", ""))

    def window(self, days: str, unit: str, anchor: str) -> Window | None:
        present = [name for name in (days, unit, anchor) if name in self.data]
        if not present:
            return None
        if len(present) < 3:
            missing = [n for n in (days, unit, anchor) if n not in present]
            verb = "is" if len(missing) == 1 else "are"
            self.fail(" and ".join(missing), f"{verb} required when {present[0]} is given")
            return None
        count = self.data[days]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            self.fail(days, f"must be a positive integer, got {count!r}")
            count = None
        kind, start = self.choice(unit, DayUnit), self.choice(anchor, Anchor)
        if count is None or kind is None or start is None:
            return None
        return Window(count, kind, start)

    def unknown(self, allowed: set[str]) -> None:
        for name in sorted(set(self.data) - allowed):
            self.fail(repr(name), "is not a known field")

    def build(self, make: Callable[[], _T]) -> _T | None:
        """Construct the domain object; its own validation errors are recorded too."""
        try:
            return make()
        except InvalidValue as exc:
            self.errors.append(f"{self.where}: {exc}")
            return None


def _parse_rule(r: _Reader, origin: str, overridden: tuple[str, ...]) -> ClaimRule | None:
    r.unknown(_RULE_FIELDS)
    carrier, service = r.text("carrier", required=True), r.text("service", required=True)
    scope, claim_type = r.choice("scope", Scope), r.choice("claim_type", ClaimType)
    earliest = r.window("earliest_days", "earliest_unit", "earliest_anchor")
    latest = r.window("latest_days", "latest_unit", "latest_anchor")
    liability, insured = r.money("default_liability"), r.money("insurance_max")
    confidence, verified_on = r.choice("confidence", Confidence), r.checked_on()
    who, documents = r.strings("who_may_file"), r.strings("required_documents")
    processing, submit_via = r.text("processing"), r.text("submit_via")
    quote, notes, sources = r.text("quote"), r.text("notes"), r.strings("sources", required=True)
    claimable = r.flag("claimable", True)
    store, channel = r.optional_text("store"), r.optional_text("channel")
    if r.errors:
        return None
    # No error recorded means every required field parsed.
    assert scope is not None
    assert claim_type is not None
    assert confidence is not None
    assert verified_on is not None
    return r.build(
        lambda: ClaimRule(
            carrier=carrier,
            service=service,
            scope=scope,
            claim_type=claim_type,
            earliest=earliest,
            latest=latest,
            sources=sources,
            confidence=confidence,
            verified_on=verified_on,
            who_may_file=who,
            required_documents=documents,
            default_liability=Liability(*liability) if liability else None,
            insurance_max=insured[0] if insured else None,
            processing=processing,
            submit_via=submit_via,
            quote=quote,
            notes=notes,
            claimable=claimable,
            store=store,
            channel=channel,
            origin=origin,
            overridden=overridden,
        )
    )


def _parse_step(r: _Reader, origin: str, overridden: tuple[str, ...]) -> PlatformStep | None:
    r.unknown(_STEP_FIELDS)
    platform, market = r.text("platform", required=True), r.text("market", required=True)
    step = r.text("step", required=True)
    window = r.window("window", "unit", "anchor")
    confidence, verified_on = r.choice("confidence", Confidence), r.checked_on()
    outcome, quote, notes = r.text("auto_outcome"), r.text("quote"), r.text("notes")
    sources, store = r.strings("sources", required=True), r.optional_text("store")
    if r.errors:
        return None
    assert confidence is not None
    assert verified_on is not None
    return r.build(
        lambda: PlatformStep(
            platform=platform,
            market=market,
            step=step,
            window=window,
            sources=sources,
            confidence=confidence,
            verified_on=verified_on,
            auto_outcome=outcome,
            quote=quote,
            notes=notes,
            store=store,
            origin=origin,
            overridden=overridden,
        )
    )


@dataclass(frozen=True)
class _Kind:
    table: str  # "rule" | "step"
    key: tuple[str, ...]
    label_field: str
    parse: Callable[[_Reader, str, tuple[str, ...]], Any]


_RULES = _Kind("rule", _RULE_KEY, "carrier", _parse_rule)
_STEPS = _Kind("step", _STEP_KEY, "platform", _parse_step)


def _where(filename: str, kind: _Kind, index: int, entry: Mapping[str, Any]) -> str:
    return (
        f"{filename} {kind.table} #{index} ({kind.label_field}={entry.get(kind.label_field, '?')})"
    )


def _entries(doc: Mapping[str, Any], kind: _Kind, filename: str, errors: list[str]) -> list[Any]:
    entries = doc.get(kind.table, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        errors.append(f"{filename}: [[{kind.table}]] must be an array of tables")
        return []
    return entries


def _check_header(doc: Mapping[str, Any], filename: str, tables: set[str]) -> list[str]:
    errors = []
    if doc.get("schema", SCHEMA) != SCHEMA:
        errors.append(f"{filename}: schema must be {SCHEMA}, got {doc.get('schema')!r}")
    if not isinstance(doc.get("version", ""), str):
        errors.append(f"{filename}: version must be a string")
    for name in sorted(set(doc) - {"schema", "version", *tables}):
        errors.append(f"{filename}: unknown top-level key {name!r}")
    return errors


def _merge(
    kind: _Kind,
    base_doc: Mapping[str, Any],
    base_name: str,
    over_doc: Mapping[str, Any],
    override_name: str,
    errors: list[str],
) -> list[Any]:
    """Parse shipped entries, then apply overrides at the field level."""

    def parse(where: str, data: Mapping[str, Any], origin: str, changed: tuple[str, ...]) -> Any:
        reader = _Reader(where, data)
        parsed = kind.parse(reader, origin, changed)
        errors.extend(reader.errors)
        return parsed

    merged: dict[tuple[Any, ...], Any] = {}
    raw: dict[tuple[Any, ...], dict[str, Any]] = {}
    base = _entries(base_doc, kind, base_name, errors)
    overrides = _entries(over_doc, kind, override_name, errors)
    for i, entry in enumerate(base, start=1):
        where = _where(base_name, kind, i, entry)
        key = tuple(entry.get(k) for k in kind.key)
        if key in raw:
            errors.append(f"{where}: duplicate of an earlier entry with the same key")
        raw[key] = entry
        merged[(*key, None, None)] = parse(where, entry, "shipped", ())
    seen: set[tuple[Any, ...]] = set()
    for i, entry in enumerate(overrides, start=1):
        where = _where(override_name, kind, i, entry)
        missing = [k for k in kind.key if k not in entry]
        if missing:
            errors.append(f"{where}: {', '.join(missing)} required to match an entry")
            continue
        key = tuple(entry[k] for k in kind.key)
        slot = (*key, entry.get("store"), entry.get("channel"))
        if slot in seen:
            errors.append(f"{where}: duplicate override for the same key and store/channel")
            continue
        seen.add(slot)
        changed = tuple(sorted(set(entry) - set(kind.key) - {"store", "channel"}))
        origin = f"{override_name} {kind.table} #{i}"
        merged[slot] = parse(where, {**raw.get(key, {}), **entry}, origin, changed)
    return [value for value in merged.values() if value is not None]


def _read_packaged(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files(_PACKAGE).joinpath(name).read_text("utf-8"))


def parse_files(
    carriers: Mapping[str, Any],
    platforms: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    overrides_name: str = "overrides.toml",
) -> tuple[RuleBook | None, list[str]]:
    """Build a RuleBook from already-parsed TOML documents; return it and all errors."""
    over = overrides or {}
    errors = _check_header(carriers, "carriers.toml", {"rule"})
    errors += _check_header(platforms, "platforms.toml", {"step"})
    errors += _check_header(over, overrides_name, {"rule", "step"})
    rules = _merge(_RULES, carriers, "carriers.toml", over, overrides_name, errors)
    steps = _merge(_STEPS, platforms, "platforms.toml", over, overrides_name, errors)
    if errors:
        return None, errors
    try:
        return RuleBook(rules, steps, version=str(carriers.get("version", ""))), []
    except InvalidValue as exc:
        return None, [str(exc)]


def _read_overrides(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    try:
        return tomllib.loads(path.read_text("utf-8")), []
    except OSError as exc:
        return None, [f"{path}: cannot read: {exc.strerror or exc}"]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return None, [f"{path.name}: not valid TOML: {exc}"]


def _build(overrides: Path | None) -> tuple[RuleBook | None, list[str]]:
    doc: dict[str, Any] | None = None
    name = "overrides.toml"
    if overrides is not None:
        doc, errors = _read_overrides(Path(overrides))
        if doc is None:
            return None, errors
        name = Path(overrides).name
    carriers, platforms = _read_packaged("carriers.toml"), _read_packaged("platforms.toml")
    return parse_files(carriers, platforms, doc, name)


def check_overrides(path: Path) -> list[str]:
    """Every problem in an overrides file (merged against the shipped rules); [] if valid."""
    return _build(Path(path))[1]


def load_rulebook(overrides: Path | None = None) -> RuleBook:
    """The shipped rules, with ``overrides`` applied when given; raises RulesFileError."""
    book, errors = _build(overrides)
    if book is None:
        raise RulesFileError(errors)
    return book
