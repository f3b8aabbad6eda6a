"""``docs/walkthrough-lost-parcel-to-paid-claim.md`` is executed, so it cannot rot.

Every fenced ```bash block is taken in document order and the blocks are run as one
script (``bash -e -o pipefail``) in an empty temporary directory -- what a reader does by
pasting them into one terminal; variables such as ``$CASE`` carry from block to block.
The installed ``parceldesk`` (the virtual environment's) comes first on ``PATH``. Then
the database the walk-through wrote is opened to check the end state: the claim is paid,
the money is recorded as recovered on the case, and the evidence verifies. SQLite only:
the walk-through is about the commands, which the other tests run on both databases.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from parceldesk.adapters.clock import SystemClock
from parceldesk.adapters.documents.packager import ZipPackager
from parceldesk.adapters.documents.render import PdfRenderer
from parceldesk.adapters.storage.uploads import CheckedIntake
from parceldesk.bootstrap import build
from parceldesk.config import Settings
from parceldesk.domain.cases.states import CaseState
from parceldesk.domain.claims import ClaimStatus
from parceldesk.services.claims import ClaimDesk
from parceldesk.services.evidence import EvidenceDesk

DOC = Path(__file__).resolve().parents[2] / "docs" / "walkthrough-lost-parcel-to-paid-claim.md"
_BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def bash_blocks(markdown: str) -> list[str]:
    return [m.group(1) for m in _BLOCK.finditer(markdown)]


def test_blocks_are_found_in_order() -> None:
    text = "intro\n```bash\necho one\n```\n```python\nx = 1\n```\n```bash\necho two\n```\n"
    assert bash_blocks(text) == ["echo one\n", "echo two\n"]


def test_the_walkthrough_runs_from_a_lost_parcel_to_a_paid_claim(tmp_path: Path) -> None:
    blocks = bash_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    script = "\n".join(
        f'echo "### block {n}" >&2\n{block}' for n, block in enumerate(blocks, start=1)
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARCELDESK_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    failed_in = re.findall(r"### block \d+", done.stderr)[-1:] or ["before block 1"]
    assert done.returncode == 0, f"{failed_in[0]}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    out = done.stdout
    case_id = int(re.search(r"is case #(\d+)", out).group(1))  # type: ignore[union-attr]
    claim_id = int(re.search(r"draft claim #(\d+) for", out).group(1))  # type: ignore[union-attr]
    assert f"case #{case_id}: OK" in out  # evidence verify's last word

    pd = build(Settings(database_url=f"sqlite:///{tmp_path / 'walkthrough.sqlite'}"))
    try:
        store = pd.blob_store
        assert store.root == tmp_path / "walkthrough-evidence"
        common = (pd.uow_factory, pd.case_env, SystemClock(), "test")
        renderer = PdfRenderer()
        claims = ClaimDesk(*common, store, CheckedIntake(store), renderer, ZipPackager(store))
        [claim] = claims.for_case(case_id)
        assert claim.id == claim_id and claim.party == "ups"
        assert claim.status is ClaimStatus.PAID and claim.number == "UPS-CLM-0001"
        assert claim.paid == claim.approved == claim.claimed
        assert claim.paid is not None and claim.paid.amount > Decimal(0)
        with pd.uow_factory() as uow:
            stored = uow.cases.get(case_id, None)
            timeline = uow.cases.timeline(case_id)
        assert stored is not None and stored.case.state is CaseState.CLAIM_DECIDED
        recovered = [e.detail["amount"] for e in timeline if e.action == "money_recovered"]
        assert recovered == [str(claim.paid)]
        evidence = EvidenceDesk(*common, store, CheckedIntake(store), renderer)
        verdict = evidence.verify(case_id)
        assert verdict.ok and verdict.items >= 6  # snapshot, proof, PDFs, letter, receipt
        kinds = {i.kind.value for i in evidence.items(case_id)}
        assert {"tracking_snapshot", "claim_letter", "claim_receipt"} <= kinds
    finally:
        pd.close()
    assert (tmp_path / "claim.zip").is_file()
