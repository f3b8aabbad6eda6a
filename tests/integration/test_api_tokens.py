"""API tokens on SQLite and PostgreSQL: only the hash is stored, scopes name known stores,
revocation is final, and ``parceldesk tokens`` issues a token the API accepts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from parceldesk.adapters.clock import FixedClock
from parceldesk.adapters.db.auth_tables import ApiToken
from parceldesk.adapters.db.token_repository import SqlTokenUnitOfWork
from parceldesk.domain.errors import ConflictError, InvalidValue
from parceldesk.services.api_tokens import (
    TOKEN_PREFIX,
    TokenNotFound,
    authenticate,
    issue_token,
    list_tokens,
    revoke_token,
)
from tests.conftest import NOW
from tests.fixtures.canonical import row, write_csv
from tests.integration.helpers import run_orders
from tests.integration.test_cli import run


@pytest.fixture
def stores(engine: Engine, uow_factory: object, tmp_path: Path) -> dict[str, int]:
    rows = [row(order_id="1", store="acme-us", tracking_number="YT0000000000000001"),
            row(order_id="2", store="beta-uk", tracking_number="YT0000000000000002")]  # fmt: skip
    run_orders(uow_factory, FixedClock(NOW), write_csv(tmp_path / "o.csv", rows))
    uow = SqlTokenUnitOfWork(engine)
    with uow:
        return uow.stores.ids_by_name(["acme-us", "beta-uk"])


def test_only_the_sha256_is_stored_and_the_token_authenticates(
    engine: Engine, stores: dict[str, int]
) -> None:
    issued = issue_token(SqlTokenUnitOfWork(engine), " alice ", ["acme-us", "acme-us"], NOW)
    assert issued.token.startswith(TOKEN_PREFIX) and len(issued.token) >= 40
    with engine.connect() as conn:
        stored = conn.execute(select(ApiToken)).one()
    assert stored.token_sha256 == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in str(tuple(stored))
    assert (stored.user_name, stored.stores) == ("alice", ["acme-us"])

    who = authenticate(SqlTokenUnitOfWork(engine), issued.token)
    assert who is not None
    assert (who.user, who.store_ids, who.token_id) == ("alice", (stores["acme-us"],), issued.id)
    everything = issue_token(SqlTokenUnitOfWork(engine), "root", None, NOW)
    root = authenticate(SqlTokenUnitOfWork(engine), everything.token)
    assert root is not None and root.store_ids is None
    with engine.connect() as conn:  # "all stores" is SQL NULL, not a JSON null
        nulls = conn.scalar(select(func.count()).where(ApiToken.stores.is_(None)))
    assert nulls == 1
    assert issue_token(SqlTokenUnitOfWork(engine), "x", None, NOW).token != everything.token


@pytest.mark.parametrize("token", ["", "pdt_", "pdt_wrong", "not-ours", TOKEN_PREFIX + "a" * 500])
def test_unknown_tokens_do_not_authenticate(
    engine: Engine, stores: dict[str, int], token: str
) -> None:
    issue_token(SqlTokenUnitOfWork(engine), "alice", None, NOW)
    assert authenticate(SqlTokenUnitOfWork(engine), token) is None


def test_scopes_must_name_known_stores(engine: Engine, stores: dict[str, int]) -> None:
    with pytest.raises(InvalidValue, match="no store named acme-uk"):
        issue_token(SqlTokenUnitOfWork(engine), "alice", ["acme-us", "acme-uk"], NOW)
    with pytest.raises(InvalidValue, match="at least one store"):
        issue_token(SqlTokenUnitOfWork(engine), "alice", [" "], NOW)
    with pytest.raises(InvalidValue, match="user name"):
        issue_token(SqlTokenUnitOfWork(engine), "  ", None, NOW)
    assert list_tokens(SqlTokenUnitOfWork(engine)) == []


def test_revocation_is_final(engine: Engine, stores: dict[str, int]) -> None:
    issued = issue_token(SqlTokenUnitOfWork(engine), "alice", ["beta-uk"], NOW)
    revoked = revoke_token(SqlTokenUnitOfWork(engine), issued.id, NOW)
    assert revoked.revoked_at == NOW
    assert authenticate(SqlTokenUnitOfWork(engine), issued.token) is None
    with pytest.raises(ConflictError, match="already revoked"):
        revoke_token(SqlTokenUnitOfWork(engine), issued.id, NOW)
    with pytest.raises(TokenNotFound):
        revoke_token(SqlTokenUnitOfWork(engine), issued.id + 1, NOW)
    [listed] = list_tokens(SqlTokenUnitOfWork(engine))
    assert (listed.user, listed.stores, listed.revoked_at) == ("alice", ("beta-uk",), NOW)


def test_cli_create_list_revoke(
    engine: Engine, stores: dict[str, int], db_url: str, tmp_path: Path
) -> None:
    created = run("tokens", "create", "--user", "alice", "--store", "acme-us", "--store",
                  "beta-uk", db=db_url, cwd=tmp_path)  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    who = authenticate(SqlTokenUnitOfWork(engine), token)
    assert who is not None and sorted(who.store_ids or ()) == sorted(stores.values())

    both = run("tokens", "create", "--user", "bob", "--store", "acme-us", "--all-stores",
               db=db_url, cwd=tmp_path)  # fmt: skip
    neither = run("tokens", "create", "--user", "bob", db=db_url, cwd=tmp_path)
    unknown = run("tokens", "create", "--user", "bob", "--store", "nope", db=db_url, cwd=tmp_path)
    assert all(r.returncode != 0 for r in (both, neither, unknown))
    assert "no store named nope" in unknown.stderr

    listed = run("tokens", "list", "--json", db=db_url, cwd=tmp_path)
    [entry] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert entry["user"] == "alice" and entry["stores"] == ["acme-us", "beta-uk"]
    assert token not in listed.stdout

    revoked = run("tokens", "revoke", str(entry["id"]), db=db_url, cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert authenticate(SqlTokenUnitOfWork(engine), token) is None
    again = run("tokens", "revoke", str(entry["id"]), db=db_url, cwd=tmp_path)
    assert again.returncode == 1 and "already revoked" in again.stderr
