"""``parceldesk rules show|check`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.test_cli import run

DB = "sqlite:///unused.sqlite"


def test_rules_show_one_carrier_as_json(tmp_path: Path) -> None:
    shown = run("rules", "show", "ups", "--json", db=DB, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    lost = next(r for r in rows if r["claim_type"] == "lost")
    assert lost["latest"] == "60 calendar from scheduled_delivery"
    assert lost["confidence"] == "?" and lost["sources"]
    assert {r["carrier"] for r in rows} == {"ups"}
    platform = run("rules", "show", "shopee", "--json", db=DB, cwd=tmp_path)
    steps = [json.loads(line) for line in platform.stdout.splitlines()]
    assert {s["type"] for s in steps} == {"platform_step"}
    missing = run("rules", "show", "nosuchcarrier", db=DB, cwd=tmp_path)
    assert missing.returncode != 0 and "nosuchcarrier" in missing.stderr


def test_rules_check_reports_every_problem_and_accepts_a_valid_override(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'schema = 1\n[[rule]]\ncarrier = "usps"\nservice = "*"\nscope = "domestic"\n'
        'claim_type = "lost"\nchannel = "My 3PL"\nlatest_days = "soon"\n'
        '[[rule]]\ncarrier = "nosuch"\nservice = "*"\nscope = "domestic"\nclaim_type = "lost"\n',
        encoding="utf-8",
    )
    checked = run("rules", "check", str(bad), db=DB, cwd=tmp_path)
    assert checked.returncode == 1
    assert "latest_days must be a positive integer" in checked.stderr
    assert "nosuch" in checked.stderr
    good = tmp_path / "good.toml"
    good.write_text(
        'schema = 1\n[[rule]]\ncarrier = "usps"\nservice = "*"\nscope = "domestic"\n'
        'claim_type = "lost"\nchannel = "My 3PL"\nlatest_days = 5\nlatest_unit = "business"\n'
        'latest_anchor = "last_scan"\nsources = ["contract clause 7"]\nconfidence = "A"\n'
        "verified_on = 2026-11-01\n",
        encoding="utf-8",
    )
    ok = run("rules", "check", str(good), db=DB, cwd=tmp_path)
    assert ok.returncode == 0 and "valid" in ok.stdout, ok.stderr
    shown = run("rules", "show", "usps", "--json", "--overrides", str(good), db=DB, cwd=tmp_path)
    scoped = [json.loads(x) for x in shown.stdout.splitlines() if '"My 3PL"' in x]
    assert scoped and scoped[0]["latest"] == "5 business from last_scan"
