"""``parceldesk disputes ...``: register a marketplace dispute and build its response pack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from parceldesk.adapters.documents.packager import load_upload_limits
from parceldesk.domain.disputes import DisputeType
from parceldesk.entrypoints.cli.common import DbOption, console, parse_instant
from parceldesk.entrypoints.cli.locker_common import AsOf, desks
from parceldesk.services.package_ports import PackLimits

__all__ = ["app"]

app = typer.Typer(help="Marketplace disputes: register, build the response pack.",
                  no_args_is_help=True)  # fmt: skip


@app.command("open")
def open_cmd(
    case_id: Annotated[int, typer.Argument(help="Case number.")],
    platform: Annotated[str, typer.Option("--platform", help="shopee, amazon, tiktok ...")],
    market: Annotated[str, typer.Option("--market", help="Country code, e.g. SG.")],
    dispute_id: Annotated[str, typer.Option("--id", help="The platform's dispute/case id.")],
    dispute_type: Annotated[DisputeType, typer.Option("--type")],
    opened_at: Annotated[str, typer.Option("--opened-at", help="ISO 8601 with offset.")],
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Register a dispute; its deadlines come from the rules file (dispute_opened)."""
    when = parse_instant(opened_at)
    assert when is not None
    with desks(db, as_of) as d:
        dispute = d.disputes.open(case_id, platform=platform, market=market,
                                  dispute_id=dispute_id, dispute_type=dispute_type,
                                  opened_at=when)  # fmt: skip
    console.print(f"dispute #{dispute.id}: {dispute.platform} {dispute.market} "
                  f"{dispute.dispute_id} on case #{case_id}; see `cases show {case_id}` for "
                  "its deadlines", highlight=False)  # fmt: skip


@app.command("prepare")
def prepare_cmd(
    dispute: Annotated[int, typer.Argument(help="Dispute number (from disputes open).")],
    out: Annotated[Path | None, typer.Option("--out", help="ZIP to write.")] = None,
    max_files: Annotated[int | None, typer.Option("--max-files", min=1)] = None,
    max_file_bytes: Annotated[int | None, typer.Option("--max-file-bytes", min=1)] = None,
    max_total_bytes: Annotated[int | None, typer.Option("--max-total-bytes", min=1)] = None,
    as_of: AsOf = None,
    db: DbOption = None,
) -> None:
    """Draft the factual statement and pack it with the evidence, within upload limits."""
    path = out or Path.cwd() / f"dispute-{dispute}-response.zip"
    with desks(db, as_of) as d:
        platform = d.disputes.get(dispute).platform
        table = load_upload_limits()
        known = table.get(platform, table["*"])
        base = known.limits
        limits = PackLimits(
            max_files if max_files is not None else base.max_files,
            max_file_bytes if max_file_bytes is not None else base.max_file_bytes,
            max_total_bytes if max_total_bytes is not None else base.max_total_bytes,
            base.max_batches,
        )
        pack = d.disputes.prepare(dispute, path, limits)
    console.print(
        f"upload limits for {platform}: {limits.max_files} files, {limits.max_file_bytes} "
        f"bytes per file, {limits.max_total_bytes} per upload (confidence {known.confidence}: "
        f"{known.basis})", highlight=False, markup=False,
    )  # fmt: skip
    for name, reason in pack.excluded:
        console.print(f"left out {name}: {reason}", highlight=False, markup=False)
    files = pack.manifest["files"]
    assert isinstance(files, list)
    console.print(f"wrote {path} ({len(files)} files + manifest.json)", highlight=False)
