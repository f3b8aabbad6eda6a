"""Poll carriers directly through karrio (the optional ``parceldesk[carriers]`` extra).

karrio is imported lazily, the first time a poller is built or asked: parceldesk runs
without it, and :class:`KarrioNotInstalled` tells the user what to install.

One :meth:`KarrioPoller.fetch` groups the (number, carrier) pairs by karrio gateway and
calls ``karrio.Tracking.fetch(...).from_(gateway)`` per group, in chunks a carrier
accepts (FedEx: 30 numbers per request; USPS/UPS/DHL: one request per number, 10 at a
time). Each call runs through a copy of the gateway whose proxy records the carrier's
raw response, because karrio's normalised model loses what :mod:`.mapping` needs: the
carrier's UTC offset of each scan, FedEx scans of all but one ``trackResults`` entry,
UPS's USPS last-mile number. The same recording is what is returned for storage as raw
payloads: each carrier response body untouched (USPS, UPS and DHL answer one number per
HTTP response, FedEx a whole call), with the numbers it answers and its updates.
(karrio's FedEx parser also requests the proof-of-delivery image of a delivered parcel:
one extra call we do not use.)

Credentials come from the environment (:data:`CARRIER_ENV`); nothing has a default.
karrio's own logging (loguru, to stderr) is switched off unless ``KARRIO_LOG_LEVEL`` is
set, so that debug output never shows request payloads by accident.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import logging
import os
import warnings
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from parceldesk.adapters.tracking.common import as_dict, as_list, as_text
from parceldesk.adapters.tracking.karrio_carriers.mapping import (
    CARRIERS,
    RAW_SCANS,
    carrier_aliases,
    karrio_carrier,
    normalise_number,
    to_update,
    ups_linked,
)
from parceldesk.services.tracking_records import TrackingUpdate
from parceldesk.services.tracking_refresh import PolledResponse, PollError

__all__ = [
    "CARRIER_ENV",
    "INSTALL_HINT",
    "KarrioNotInstalled",
    "KarrioPoller",
    "load_karrio",
    "settings_from_env",
]

INSTALL_HINT = "pip install 'parceldesk[carriers]'"

#: karrio gateway -> {karrio setting: environment variable}. Only tracking credentials.
CARRIER_ENV: dict[str, dict[str, str]] = {
    "usps": {
        "client_id": "PARCELDESK_USPS_CLIENT_ID",
        "client_secret": "PARCELDESK_USPS_CLIENT_SECRET",
    },
    "ups": {
        "client_id": "PARCELDESK_UPS_CLIENT_ID",
        "client_secret": "PARCELDESK_UPS_CLIENT_SECRET",
    },
    "fedex": {
        "track_api_key": "PARCELDESK_FEDEX_TRACK_API_KEY",
        "track_secret_key": "PARCELDESK_FEDEX_TRACK_SECRET_KEY",
    },
    "dhl_universal": {
        "consumer_key": "PARCELDESK_DHL_API_KEY",
        "consumer_secret": "PARCELDESK_DHL_API_SECRET",
    },
}
#: DHL's tracking API needs only the key; karrio's settings still want a secret field.
_OPTIONAL_ENV = frozenset({"PARCELDESK_DHL_API_SECRET"})
TEST_MODE_ENV = "PARCELDESK_KARRIO_TEST_MODE"

_PER_CALL = {"fedex": 30, "usps": 10, "ups": 10, "dhl_universal": 10}


class KarrioNotInstalled(ImportError):
    """The ``carriers`` extra (karrio and its carrier packages) is missing."""


def load_karrio() -> Any:
    """``karrio.sdk``, imported on first use (quietly: no import-time warnings or logs)."""
    try:
        found = importlib.util.find_spec("karrio") is not None
    except (ImportError, ValueError):  # ValueError: a stubbed-out module in sys.modules
        found = False
    if not found:
        raise KarrioNotInstalled(
            f"direct carrier polling needs karrio, which is not installed; "
            f"install it with: {INSTALL_HINT}"
        )
    try:
        with warnings.catch_warnings():
            # karrio imports PyPDF2, which warns that it is deprecated on import.
            warnings.simplefilter("ignore", DeprecationWarning)
            if "KARRIO_LOG_LEVEL" not in os.environ:
                importlib.import_module("loguru").logger.disable("karrio")
                logging.getLogger("jstruct").setLevel(logging.ERROR)
            return importlib.import_module("karrio.sdk")
    except ImportError as exc:
        raise KarrioNotInstalled(
            f"direct carrier polling needs karrio, which is not installed ({exc}); "
            f"install it with: {INSTALL_HINT}"
        ) from exc


def settings_from_env(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """karrio settings for every carrier whose credentials are all set in ``environ``.

    A carrier with only some of its variables set is a configuration error
    (``ValueError`` naming what is missing); one with none is simply not configured.
    """
    test_mode = environ.get(TEST_MODE_ENV, "").strip().lower() in {"1", "true", "yes"}
    out: dict[str, dict[str, Any]] = {}
    for carrier, fields in CARRIER_ENV.items():
        values = {name: environ.get(var, "").strip() for name, var in fields.items()}
        required = [var for var in fields.values() if var not in _OPTIONAL_ENV]
        missing = [var for var in required if not environ.get(var, "").strip()]
        if len(missing) == len(required):
            continue
        if missing:
            raise ValueError(f"{carrier}: {', '.join(missing)} not set")
        out[carrier] = {**values, "test_mode": test_mode}
    return out


class _RecordingProxy:
    """Stands in for a gateway's proxy: forwards ``get_tracking`` and keeps the response."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.settings = inner.settings
        self.responses: list[Any] = []

    def get_tracking(self, request: Any) -> Any:
        response = self._inner.get_tracking(request)
        self.responses.append(response)
        return response

    def bodies(self, numbers: Sequence[str]) -> list[tuple[bytes, tuple[str, ...]]]:
        """Each HTTP response body as the carrier sent it, with the numbers it answers."""
        out: list[tuple[bytes, tuple[str, ...]]] = []
        for response in self.responses:
            value = getattr(response, "value", response)
            if isinstance(value, str | bytes):
                out.append((_as_bytes(value), tuple(numbers)))
                continue
            for i, item in enumerate(value if isinstance(value, list | tuple) else [value]):
                if isinstance(item, list | tuple) and len(item) == 2:  # (number, body)
                    out.append((_as_bytes(item[1]), (as_text(item[0]),)))
                else:  # one body per number, in request order
                    asked = (numbers[i],) if i < len(numbers) else tuple(numbers)
                    out.append((_as_bytes(item), asked))
        return out

    def raw(self) -> list[Any]:
        out = []
        for response in self.responses:
            try:
                out.append(response.deserialize())
            except Exception:  # noqa: S112 - karrio reports the same failure as a message
                continue
        return out


class KarrioPoller:
    """A :class:`~parceldesk.services.tracking_refresh.TrackingPoller` over karrio
    gateways (``{"usps": gateway, ...}``, built by :meth:`from_settings`)."""

    def __init__(
        self, gateways: Mapping[str, Any], *, per_call: Mapping[str, int] | None = None
    ) -> None:
        unknown = sorted(set(gateways) - set(CARRIERS))
        if unknown:
            raise ValueError(f"unsupported karrio carriers: {', '.join(unknown)}")
        self._gateways = dict(gateways)
        self._per_call = {**_PER_CALL, **(per_call or {})}
        self._sdk: Any = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Mapping[str, Any]]) -> KarrioPoller:
        """Gateways from per-carrier karrio settings (see :func:`settings_from_env`)."""
        sdk = load_karrio()
        gateways: dict[str, Any] = {}
        for carrier, values in settings.items():
            if carrier not in CARRIERS:
                raise ValueError(f"unsupported karrio carrier: {carrier}")
            try:
                gateways[carrier] = sdk.gateway[carrier].create(dict(values))
            except Exception as exc:
                package = "karrio-" + carrier.replace("_", "-")
                raise KarrioNotInstalled(
                    f"karrio cannot set up {carrier!r} ({exc}); is {package} installed? "
                    f"{INSTALL_HINT}"
                ) from exc
        poller = cls(gateways)
        poller._sdk = sdk
        return poller

    @property
    def carriers(self) -> tuple[str, ...]:
        return tuple(sorted(self._gateways))

    def carrier_filter(self) -> list[str]:
        """Shipment ``carrier`` spellings this poller can track (for the refresh query)."""
        return carrier_aliases(self._gateways)

    def fetch(self, items: Sequence[tuple[str, str]]) -> list[PolledResponse]:
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        unsupported: dict[str, int] = defaultdict(int)
        for number, slug in items:
            name = karrio_carrier(slug)
            if name is None or name not in self._gateways:
                unsupported[slug or "(none)"] += 1
            else:
                groups[name].append((number, slug))
        responses: list[PolledResponse] = []
        problems: list[str] = []
        failed: list[str] = []
        for carrier, group in sorted(groups.items()):
            size = max(1, self._per_call.get(carrier, 10))
            for start in range(0, len(group), size):
                part = group[start : start + size]
                try:
                    got, problem, lost = self._track(carrier, part)
                except Exception as exc:  # one carrier's failure must not hide the others
                    got, problem, lost = [], f"{type(exc).__name__}: {exc}", [n for n, _ in part]
                responses.extend(got)
                failed.extend(lost)
                if problem:
                    problems.append(f"karrio {carrier}: {problem}")
        if unsupported:
            listed = ", ".join(f"{c} ({n})" for c, n in sorted(unsupported.items()))
            problems.append(f"karrio: no gateway configured for carrier {listed}")
        if problems:
            raise PollError("; ".join(problems), responses=responses, failed=failed)
        return responses

    # ------------------------------------------------------------------ internals

    def _track(
        self, carrier: str, part: Sequence[tuple[str, str]]
    ) -> tuple[list[PolledResponse], str, list[str]]:
        """(responses, problem text, numbers not answered at all) of one karrio call."""
        sdk = self._sdk if self._sdk is not None else load_karrio()
        self._sdk = sdk
        gateway = copy.copy(self._gateways[carrier])
        recorder = _RecordingProxy(gateway.proxy)
        gateway.proxy = recorder
        numbers = [n for n, _ in part]
        slugs = {normalise_number(n): (n, s) for n, s in part}
        details, messages = sdk.Tracking.fetch({"tracking_numbers": numbers}).from_(gateway).parse()
        details, messages = list(details or []), list(messages or [])
        packages = _packages(carrier, recorder.raw(), numbers)
        updates: list[TrackingUpdate] = []
        for item in details:
            reported = normalise_number(as_text(item.tracking_number))
            requested, package = packages.get(reported, ("", {}))
            if not requested and reported in slugs:
                requested = slugs[reported][0]
            if not requested and len(numbers) == 1 and len(details) == 1:
                requested = numbers[0]  # the carrier echoed the number in another spelling
            if not requested:
                continue
            slug = slugs.get(normalise_number(requested), (requested, carrier))[1]
            updates.append(
                to_update(
                    item,
                    carrier=carrier,
                    tracking_number=requested,
                    carrier_slug=slug,
                    scans=RAW_SCANS[carrier](package) if package else (),
                    linked=ups_linked(package) if carrier == "ups" and package else (),
                )
            )
        responses = _responses(carrier, recorder.bodies(numbers), updates)
        got = {normalise_number(u.tracking_number) for u in updates}
        missing = [n for n in numbers if normalise_number(n) not in got]
        if not missing or not messages:
            return responses, "", []
        named = {normalise_number(_message_number(m)) for m in messages} - {""}
        anonymous = [m for m in messages if not _message_number(m)]
        lost = [n for n in missing if normalise_number(n) not in named] if anonymous else []
        text = "; ".join(_message_text(m) for m in messages)
        problem = f"{len(missing)} of {len(numbers)} numbers without tracking: {text}"
        return responses, problem, lost


def _as_bytes(value: Any) -> bytes:
    """A response body as bytes: text as UTF-8; anything already decoded (a test double)
    as JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return orjson.dumps(value, default=str)


def _responses(
    carrier: str,
    bodies: Sequence[tuple[bytes, tuple[str, ...]]],
    updates: Sequence[TrackingUpdate],
) -> list[PolledResponse]:
    """One record per body; each update goes with the body that answered its number (the
    last body when none names it: FedEx answers a whole call in one)."""
    source = f"karrio:{carrier}"
    if not bodies:
        return [PolledResponse(source, None, tuple(updates))] if updates else []
    owner = {normalise_number(n): i for i, (_, asked) in enumerate(bodies) for n in asked}
    parts: list[list[TrackingUpdate]] = [[] for _ in bodies]
    for u in updates:
        parts[owner.get(normalise_number(u.tracking_number), len(bodies) - 1)].append(u)
    return [
        PolledResponse(source, body, tuple(part), orjson.dumps({"asked": list(asked)}).decode())
        for (body, asked), part in zip(bodies, parts, strict=True)
    ]


def _message_number(message: Any) -> str:
    details = getattr(message, "details", None)
    return as_text(details.get("tracking_number")) if isinstance(details, dict) else ""


def _message_text(message: Any) -> str:
    code, text = as_text(getattr(message, "code", "")), as_text(getattr(message, "message", ""))
    number = _message_number(message)
    return f"{code or 'error'}: {text or 'no message'}" + (f" [{number}]" if number else "")


def _packages(
    carrier: str, raws: Sequence[Any], numbers: Sequence[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Reported number (normalised) -> (number we asked for, the raw parcel document)."""
    asked = {normalise_number(n): n for n in numbers}
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for raw in raws:
        if carrier in {"usps", "ups"}:
            for pair in as_list(raw):
                if not isinstance(pair, list | tuple) or len(pair) != 2:
                    continue
                number, doc = as_text(pair[0]), as_dict(pair[1])
                for reported, package in _docs(carrier, doc, number):
                    out.setdefault(normalise_number(reported), (number, package))
        elif carrier == "fedex":
            output = as_dict(as_dict(raw).get("output"))
            for result in (as_dict(r) for r in as_list(output.get("completeTrackResults"))):
                reported = normalise_number(as_text(result.get("trackingNumber")))
                out.setdefault(reported, (asked.get(reported, ""), result))
        else:  # dhl_universal: one document per number, in request order
            for i, doc in enumerate(as_dict(d) for d in as_list(raw)):
                for shipment in (as_dict(s) for s in as_list(doc.get("shipments"))):
                    reported = normalise_number(as_text(shipment.get("id")))
                    number = asked.get(reported) or (numbers[i] if i < len(numbers) else "")
                    out.setdefault(reported, (number, shipment))
    return out


def _docs(carrier: str, doc: dict[str, Any], number: str) -> list[tuple[str, dict[str, Any]]]:
    if carrier == "usps":
        return [(as_text(doc.get("trackingNumber")) or number, doc)] if doc else []
    found = []
    for shipment in as_list(as_dict(doc.get("trackResponse")).get("shipment")):
        for package in (as_dict(p) for p in as_list(as_dict(shipment).get("package"))):
            found.append((as_text(package.get("trackingNumber")) or number, package))
    return found
