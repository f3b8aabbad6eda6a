"""The README's main command, ``parceldesk demo``, end to end, and the hand-checked
walk-through in ``docs/cases-and-deadlines.md`` against what the demo really computes.

If the simulator, the rules file or the deadline engine changes what the demo shows, the
walk-through is out of date: this test fails and names the case and the clock.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.integration.test_cli import run

AS_OF = "2026-10-30T00:00:00+00:00"
DOC = Path(__file__).resolve().parents[2] / "docs" / "cases-and-deadlines.md"
NEW_YORK, SHANGHAI = ZoneInfo("America/New_York"), ZoneInfo("Asia/Shanghai")

#: case id -> (tracking number prefix, kind, {clock key: (status, due in local time)}), as
#: the walk-through states them
DOCUMENTED = {
    31: ("9400", "lost", {
        "claim:usps:lost:opens": ("open", datetime(2026, 9, 25, tzinfo=NEW_YORK)),
        "claim:usps:lost:closes": (
            "pending", datetime(2026, 11, 9, 23, 59, 59, 999999, tzinfo=NEW_YORK)),
        "buyer:first_update": ("pending", datetime(2026, 10, 31, tzinfo=ZoneInfo("UTC"))),
    }),
    19: ("4PX", "lost", {
        "claim:4px:lost:opens": ("open", datetime(2026, 10, 27, tzinfo=SHANGHAI)),
    }),
    18: ("", "lost", {
        "claim:china_post:lost:closes": (
            "pending", datetime(2027, 2, 28, 23, 59, 59, 999999, tzinfo=SHANGHAI)),
    }),
}  # fmt: skip


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    where = tmp_path_factory.mktemp("demo")
    db_file = where / "demo.sqlite"
    made = run("demo", "--db-file", str(db_file), db=f"sqlite:///{where}/unused.sqlite", cwd=where)
    assert made.returncode == 0, made.stderr
    # the work queue is printed, nearest deadline first, with the commands to go further
    assert "first message to the buyer" in made.stdout
    assert "parceldesk cases show" in made.stdout
    return f"sqlite:///{db_file}"


def show(case_id: int, db: str, tmp_path: Path) -> dict[str, object]:
    result = run("cases", "show", str(case_id), "--json", "--as-of", AS_OF, db=db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    view: dict[str, object] = json.loads(result.stdout)
    return view


@pytest.mark.parametrize("case_id", sorted(DOCUMENTED))
def test_walkthrough_clocks_are_what_the_demo_computes(
    case_id: int, demo_db: str, tmp_path: Path
) -> None:
    prefix, kind, clocks = DOCUMENTED[case_id]
    view = show(case_id, demo_db, tmp_path)
    assert str(view["tracking_number"]).startswith(prefix) and view["kind"] == kind
    assert view["chain_intact"] is True
    deadlines = {d["key"]: d for d in view["deadlines"]}  # type: ignore[attr-defined]
    for key, (status, due) in clocks.items():
        assert key in deadlines, f"case {case_id}: no clock {key}; has {sorted(deadlines)}"
        got = deadlines[key]
        assert got["status"] == status, f"case {case_id} {key}"
        assert datetime.fromisoformat(got["due_at"]) == due, f"case {case_id} {key}"
        if key.startswith("claim:"):
            assert got["confidence"] and got["source"], f"case {case_id} {key}: ungraded rule"


def test_the_walkthrough_names_the_cases_this_test_checks() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = {int(n) for n in re.findall(r"^## Case (\d+)", text, flags=re.MULTILINE)}
    assert named == set(DOCUMENTED)


def test_queue_is_ordered_by_nearest_deadline_then_value(demo_db: str, tmp_path: Path) -> None:
    listed = run("cases", "list", "--json", "--as-of", AS_OF, db=demo_db, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) >= 20  # a few thousand simulated orders give dozens of cases
    keys = [
        (datetime.fromisoformat(r["next_due_at"]), -float(r["value_at_risk"]["amount"]))
        for r in rows
        if r["next_due_at"] and r["value_at_risk"]
    ]
    assert keys == sorted(keys)
