"""The case REST API on SQLite and PostgreSQL, through FastAPI's TestClient.

Contract (``entrypoints/api/cases.py``): 401 without a valid bearer token; 404 for a case
or parcel outside the token's stores (indistinguishable from one that does not exist);
422 for malformed requests and values the domain refuses; 409 with the domain's message
for an illegal transition; every command answers with the case as committed, its new
timeline entry recorded under the token's user.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.exceptions import StarletteDeprecationWarning

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db import case_tables as ct
from parceldesk.adapters.db.token_repository import SqlTokenUnitOfWork
from parceldesk.bootstrap import App, build
from parceldesk.config import Settings
from parceldesk.domain.cases.states import (
    CaseKind,
    CaseState,
    IllegalTransition,
    MainCommand,
    next_main_state,
)
from parceldesk.entrypoints.api.app import create_app
from parceldesk.entrypoints.case_json import queue_row_json
from parceldesk.services.api_tokens import issue_token, revoke_token
from parceldesk.services.case_commands import CaseDesk
from tests.conftest import NOW
from tests.fixtures.canonical import row, write_csv
from tests.integration.helpers import run_orders

with warnings.catch_warnings():
    # Starlette asks for the ``httpx2`` fork under its TestClient (see test_webhook_api).
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

#: tracking number -> (store, unit price); two of each price are ordered per parcel
PARCELS = {
    "YT0000000000000AC1": ("acme-us", "10.00"),
    "YT0000000000000AC2": ("acme-us", "80.00"),
    "YT0000000000000AC3": ("acme-us", "40.00"),
    "YT0000000000000AC4": ("acme-us", "5.00"),
    "YT0000000000000BE1": ("beta-uk", "20.00"),
}
AC1, AC2, AC3, AC4, BE1 = PARCELS


@dataclass
class World:
    client: TestClient
    pd: App
    cases: dict[str, int]  # tracking number -> case id (AC4 has none)
    tokens: dict[str, str]  # alice: acme-us, bob: beta-uk, root: all stores, gone: revoked

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, path: str, who: str = "alice", **params: Any) -> httpx.Response:
        return self.client.get(path, headers=self.as_(who), params=params)

    def post(self, path: str, body: Any = None, who: str = "alice") -> httpx.Response:
        return self.client.post(path, headers=self.as_(who), json=body)

    def timeline(self, case_id: int) -> list[dict[str, Any]]:
        response = self.get(f"/api/cases/{case_id}", who="root")
        assert response.status_code == 200, response.text
        return list(response.json()["timeline"])

    def timeline_rows(self) -> int:
        with self.pd.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(ct.CaseTimelineEntry)) or 0


def _desk(pd: App, at: Any = NOW) -> CaseDesk:
    return CaseDesk(pd.uow_factory, pd.case_env, FixedClock(at), actor="seed")


@pytest.fixture
def world(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.delenv("PARCELDESK_USER", raising=False)
    pd = build(Settings(database_url=db_url), as_of=NOW)
    rows = [
        row(order_id=f"O-{number[-3:]}", store=store, tracking_number=number, unit_price=price)
        for number, (store, price) in PARCELS.items()
    ]
    report = run_orders(pd.uow_factory, FixedClock(NOW), write_csv(tmp_path / "o.csv", rows))
    assert report.error_count == 0 and report.shipments_new == len(PARCELS)
    # AC1, the cheapest, opened 12 hours earlier: its first buyer update falls due first.
    cases = {AC1: _desk(pd, NOW - timedelta(hours=12)).open(AC1, CaseKind.DELAYED).case_id}
    for number in (AC2, AC3, BE1):
        cases[number] = _desk(pd).open(number, CaseKind.DELAYED).case_id
    tokens = {}
    for who, stores in (("alice", ["acme-us"]), ("bob", ["beta-uk"]), ("root", None)):
        tokens[who] = issue_token(SqlTokenUnitOfWork(pd.engine), who, stores, NOW).token
    gone = issue_token(SqlTokenUnitOfWork(pd.engine), "gone", None, NOW)
    revoke_token(SqlTokenUnitOfWork(pd.engine), gone.id, NOW)
    tokens["gone"] = gone.token
    with TestClient(create_app(pd)) as client:
        yield World(client, pd, cases, tokens)
    pd.close()


# --------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer pdt_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
        {"Authorization": "revoked"},  # replaced below by the revoked token
        {"Authorization": "alice-without-scheme"},  # the token without "Bearer "
    ],
    ids=["none", "unknown", "empty", "basic", "revoked", "no-scheme"],
)
def test_requests_without_a_valid_token_are_401_and_change_nothing(
    world: World, headers: dict[str, str]
) -> None:
    if headers.get("Authorization") == "revoked":
        headers = world.as_("gone")
    elif headers.get("Authorization") == "alice-without-scheme":
        headers = {"Authorization": world.tokens["alice"]}
    case_id = world.cases[AC2]
    before = world.timeline_rows()
    for response in (
        world.client.get("/api/cases", headers=headers),
        world.client.get(f"/api/cases/{case_id}", headers=headers),
        world.client.post(f"/api/cases/{case_id}/notes", headers=headers, json={"text": "x"}),
    ):
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
    assert world.timeline_rows() == before
    assert world.get("/api/cases", who="alice").status_code == 200


def test_a_token_revoked_after_use_is_refused_from_the_next_request(world: World) -> None:
    issued = issue_token(SqlTokenUnitOfWork(world.pd.engine), "carol", ["acme-us"], NOW)
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert world.client.get("/api/cases", headers=headers).status_code == 200
    revoke_token(SqlTokenUnitOfWork(world.pd.engine), issued.id, NOW)
    assert world.client.get("/api/cases", headers=headers).status_code == 401


# --------------------------------------------------------------------------- scoping


def test_a_token_sees_and_changes_only_its_stores_cases(world: World) -> None:
    theirs = world.cases[BE1]
    ours = [world.cases[n] for n in (AC1, AC2, AC3)]
    listed = [c["id"] for c in world.get("/api/cases").json()["cases"]]
    assert sorted(listed) == sorted(ours)
    assert {c["store"] for c in world.get("/api/cases").json()["cases"]} == {"acme-us"}
    assert [c["id"] for c in world.get("/api/cases", who="bob").json()["cases"]] == [theirs]
    assert len(world.get("/api/cases", who="root").json()["cases"]) == 4

    missing = world.get("/api/cases/9999")
    hidden = world.get(f"/api/cases/{theirs}")
    assert (missing.status_code, hidden.status_code) == (404, 404)
    # Same answer as for a case that does not exist: nothing reveals that it does.
    assert hidden.json()["detail"] == missing.json()["detail"].replace("9999", str(theirs))

    before = world.timeline(theirs)
    for path, body in (
        (f"/api/cases/{theirs}/notes", {"text": "peeking"}),
        (f"/api/cases/{theirs}/assign", {"owner": "alice"}),
        (f"/api/cases/{theirs}/transitions", {"command": "investigate"}),
        (f"/api/cases/{theirs}/snooze", {"until": None}),
    ):
        response = world.post(path, body)
        assert response.status_code == 404, (path, response.text)
    assert world.timeline(theirs) == before
    # Nor can a case be opened on another store's parcel.
    opened = world.post("/api/cases", {"tracking_number": BE1, "kind": "lost"})
    assert opened.status_code == 404
    assert world.timeline(theirs) == before
    # The owner of the store can.
    assert world.post(f"/api/cases/{theirs}/notes", {"text": "mine"}, who="bob").status_code == 200


# --------------------------------------------------------------------------- queue


def _order_key(case: dict[str, Any]) -> tuple[bool, str, float]:
    amount = float(case["value_at_risk"]["amount"]) if case["value_at_risk"] else 0.0
    return (case["next_due_at"] is None, case["next_due_at"] or "", -amount)


def test_queue_is_ordered_like_the_cli_nearest_deadline_then_value(world: World) -> None:
    cases = world.get("/api/cases", who="root").json()["cases"]
    ids = [c["id"] for c in cases]
    # The cheapest case comes first because its deadline is nearest; then by value.
    assert ids == [world.cases[n] for n in (AC1, AC2, AC3, BE1)]
    assert cases == sorted(cases, key=_order_key)
    assert cases[0]["next_due_at"] < cases[1]["next_due_at"]
    cli = _desk(world.pd).queue(limit=50)  # what `parceldesk cases list --json` prints
    assert cases == [queue_row_json(r) for r in cli]


def test_queue_filters(world: World) -> None:
    ac2, ac3 = world.cases[AC2], world.cases[AC3]
    assert world.post(f"/api/cases/{ac2}/assign", {"owner": "alice"}).status_code == 200
    assert world.post(f"/api/cases/{ac3}/assign", {"owner": "dave"}).status_code == 200

    def ids(**params: Any) -> list[int]:
        response = world.get("/api/cases", **params)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["cases"]]

    assert ids(mine="true") == [ac2]
    assert ids(owner="dave") == [ac3]
    assert ids(limit=1) == [world.cases[AC1]]
    assert ids(due_within="13h") == [world.cases[AC1]]  # due at NOW + 12 h
    assert set(ids(due_within="2d")) == {world.cases[AC1], ac2, ac3}

    until = (NOW + timedelta(days=2)).isoformat()
    assert world.post(f"/api/cases/{ac3}/snooze", {"until": until}).status_code == 200
    assert ac3 not in ids()
    assert ac3 in ids(snoozed="true")
    closed = world.post(f"/api/cases/{ac2}/transitions", {"command": "close", "note": "moved"})
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert ac2 not in ids()
    assert ac2 in ids(closed="true")


# --------------------------------------------------------------------------- commands


def _last(view: dict[str, Any]) -> dict[str, Any]:
    return dict(view["timeline"][-1])


def test_open_by_hand_and_buyer_report(world: World) -> None:
    response = world.post("/api/cases", {"tracking_number": AC4.lower(), "kind": "lost",
                                         "note": "buyer called"})  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    case_id = body["case"]["id"]
    assert body["created"] is True and response.headers["location"] == f"/api/cases/{case_id}"
    assert body["case"]["tracking_number"] == AC4 and body["case"]["kind"] == "lost"
    first = body["case"]["timeline"][0]
    assert (first["action"], first["actor"], first["detail"]["why"]) == (
        "opened", "alice", "buyer called",
    )  # fmt: skip
    # A second manual open of the same parcel is a conflict, with the domain's message.
    again = world.post("/api/cases", {"tracking_number": AC4, "kind": "lost"})
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"case #{case_id} is already open for {AC4}; update it instead"
    )
    # A buyer report on an open delayed case escalates it (200, not created).
    reported = world.post("/api/cases/reports", {
        "tracking_number": AC2, "kind": "delivered_not_received",
        "reported_at": "2026-11-21T18:30:00-05:00", "note": "nothing at the door",
    })  # fmt: skip
    assert reported.status_code == 200, reported.text
    case = reported.json()["case"]
    assert reported.json()["created"] is False and case["id"] == world.cases[AC2]
    assert case["kind"] == "delivered_not_received"
    reported_at = datetime.fromisoformat(case["anchors"]["reported"])
    assert reported_at == datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    actions = [e["action"] for e in case["timeline"] if e["actor"] == "alice"]
    assert actions == ["kind_escalated", "anchor", "anchor", "note"]


def test_assign_note_contact_transition_snooze(world: World) -> None:
    case_id = world.cases[AC2]
    base = f"/api/cases/{case_id}"

    view = world.post(f"{base}/assign", {"owner": "dave"}).json()
    assert view["owner"] == "dave"
    assert _last(view) | {"hash": None} == _last(view) | {
        "action": "assigned", "actor": "alice", "before": None, "after": "dave", "hash": None,
    }  # fmt: skip
    view = world.post(f"{base}/assign", {"owner": None}).json()
    assert view["owner"] is None and _last(view)["before"] == "dave"

    view = world.post(f"{base}/notes", {"text": "  called the depot  "}).json()
    assert (_last(view)["action"], _last(view)["detail"]) == ("note", {"text": "called the depot"})

    contact = {"channel": "phone", "with": "carrier", "summary": "trace opened",
               "agent_id": "A-77", "reference": "T-123", "promise_hours": 48}  # fmt: skip
    response = world.post(f"{base}/contacts", contact)
    assert response.status_code == 200, response.text
    view = response.json()
    logged = next(e for e in view["timeline"] if e["action"] == "contact")
    assert logged["actor"] == "alice"
    assert logged["detail"] == {"channel": "phone", "direction": "outbound",
                                "counterparty": "carrier", "summary": "trace opened",
                                "agent_id": "A-77", "reference": "T-123"}  # fmt: skip
    promised = next(e for e in view["timeline"] if e["action"] == "update_promised")
    assert promised["after"] == (NOW + timedelta(hours=48)).isoformat()

    view = world.post(f"{base}/transitions", {"command": "investigate", "note": "n"}).json()
    assert view["state"] == "investigating"
    assert (_last(view)["action"], _last(view)["before"], _last(view)["after"]) == (
        "investigate", "detected", "investigating",
    )  # fmt: skip
    view = world.post(f"{base}/transitions", {"command": "contact_buyer"}).json()
    assert view["buyer_state"] == "buyer_contacted" and _last(view)["track"] == "buyer"

    until = "2026-11-24T09:00:00+08:00"
    view = world.post(f"{base}/snooze", {"until": until}).json()
    assert view["snoozed_until"] == "2026-11-24T01:00:00+00:00"
    assert _last(view)["action"] == "snoozed"
    view = world.post(f"{base}/snooze", {"until": None}).json()
    assert view["snoozed_until"] is None and _last(view)["action"] == "unsnoozed"
    assert view["chain_intact"] is True


def test_checklist_anchor_and_deadline_met(world: World) -> None:
    case_id = world.cases[AC3]
    base = f"/api/cases/{case_id}"
    response = world.post(f"{base}/checklist/query_carrier",
                          {"status": "done", "result": "no scan since", "agent_id": "Z9"})  # fmt: skip
    assert response.status_code == 200, response.text
    view = response.json()
    item = next(i for i in view["checklist"] if i["step"] == "query_carrier")
    assert item == {"step": "query_carrier", "status": "done", "result": "no scan since",
                    "agent_id": "Z9"}  # fmt: skip
    assert (_last(view)["action"], _last(view)["after"]) == ("checklist", "done")

    at = "2026-11-21T10:00:00+00:00"
    view = world.post(f"{base}/anchors", {"name": "request_opened", "at": at}).json()
    assert view["anchors"]["request_opened"] == at
    assert (_last(view)["action"], _last(view)["detail"]) == (
        "anchor", {"anchor": "request_opened"},
    )  # fmt: skip

    key = view["deadlines"][0]["key"]
    response = world.post(f"{base}/deadlines/{key}/met", {"note": "sent"})
    assert response.status_code == 200, response.text
    assert _last(response.json())["detail"] == {"deadline": key, "note": "sent"}
    again = world.post(f"{base}/deadlines/{key}/met")
    assert again.status_code == 409 and "already met" in again.json()["detail"]
    unknown = world.post(f"{base}/deadlines/no:such:deadline/met")
    assert unknown.status_code == 404


def test_illegal_transition_is_409_with_the_domain_message(world: World) -> None:
    case_id = world.cases[AC1]
    before = world.timeline(case_id)
    with pytest.raises(IllegalTransition) as expected:
        next_main_state(CaseState.DETECTED, MainCommand.FILE_CLAIM)
    response = world.post(f"/api/cases/{case_id}/transitions", {"command": "file_claim"})
    assert response.status_code == 409
    assert response.json()["detail"] == str(expected.value)
    assert world.timeline(case_id) == before


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("notes", {}, ["body", "text"]),
        ("notes", {"text": ""}, ["body", "text"]),
        ("notes", {"text": "x", "txet": "y"}, ["body", "txet"]),
        ("assign", {}, ["body", "owner"]),
        ("snooze", {"until": "2026-12-01T09:00:00"}, ["body", "until"]),  # no offset
        ("snooze", {"until": "next week"}, ["body", "until"]),
        ("snooze", {"until": "2026-11-01T09:00:00+00:00"}, ["body"]),  # past: the domain
        ("contacts", {"channel": "phone", "with": "neighbour", "summary": "s"}, ["body", "with"]),
        (
            "contacts",
            {"channel": "phone", "with": "buyer", "summary": "s", "promise_hours": -1},
            ["body", "promise_hours"],
        ),
        ("transitions", {"command": "teleport"}, ["body", "command"]),  # unknown: the domain
        ("checklist/verify_address", {"status": "finished"}, ["body", "status"]),
        ("checklist/bake_cake", {"status": "done"}, ["path", "step"]),
        ("anchors", {"name": "birthday", "at": "2026-11-21T10:00:00+00:00"}, ["body", "name"]),
    ],
)
def test_malformed_requests_are_422_and_change_nothing(
    world: World, path: str, body: dict[str, Any], where: list[str]
) -> None:
    case_id = world.cases[AC2]
    before = world.timeline_rows()
    response = world.post(f"/api/cases/{case_id}/{path}", body)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert errors[0]["loc"] == where and errors[0]["msg"], errors
    assert world.timeline_rows() == before


@pytest.mark.parametrize(
    ("method", "path", "params_or_body"),
    [
        ("get", "/api/cases", {"due_within": "soon"}),
        ("get", "/api/cases", {"due_within": "99999999w"}),
        ("get", "/api/cases", {"limit": 0}),
        ("get", "/api/cases", {"mine": "true", "owner": "dave"}),
        ("get", "/api/cases/0", {}),
        ("get", "/api/cases/abc", {}),
        ("get", "/api/cases/99999999999", {}),  # beyond the id column: not a 500
        ("post", "/api/cases", {"tracking_number": AC4, "kind": "vanished"}),
        (
            "post",
            "/api/cases/reports",
            {"tracking_number": AC4, "kind": "delayed", "reported_at": "2026-11-21T10:00:00+00:00"},
        ),
        ("post", "/api/cases/reports", {"tracking_number": AC4, "kind": "lost"}),
    ],
)
def test_malformed_queries_and_opens_are_422(
    world: World, method: str, path: str, params_or_body: dict[str, Any]
) -> None:
    if method == "get":
        response = world.get(path, **params_or_body)
    else:
        response = world.post(path, params_or_body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["msg"]


def test_openapi_documents_every_case_route_behind_bearer_auth(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    locker = ("/evidence", "/claims", "/disputes")  # api/locker.py, see test_locker_api
    case_paths = {
        p for p in schema["paths"] if p.startswith("/api/cases") and not any(t in p for t in locker)
    }
    assert case_paths == {
        "/api/cases", "/api/cases/reports", "/api/cases/{case_id}",
        *(f"/api/cases/{{case_id}}/{tail}" for tail in (
            "assign", "notes", "contacts", "transitions", "snooze", "checklist/{step}",
            "anchors", "deadlines/{key}/met",
        )),
    }  # fmt: skip
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    contact = schema["components"]["schemas"]["ContactLog"]
    assert "with" in contact["properties"] and "with" in contact["required"]
