"""``parceldesk sim generate|evaluate``: synthetic worlds, and scoring detection on them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from parceldesk.entrypoints.cli.common import JsonOption, console, err_console

app = typer.Typer(
    help="Simulated worlds: generate one, evaluate detection on it.", no_args_is_help=True
)


@app.command("generate")
def generate_cmd(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the world into.")],
    orders: Annotated[int, typer.Option("--orders", min=1)] = 3000,
    days: Annotated[int, typer.Option("--days", min=1)] = 90,
    seed: Annotated[int, typer.Option("--seed")] = 1,
    stores: Annotated[int, typer.Option("--stores", min=1, help="Store templates used.")] = 3,
) -> None:
    """Write orders.csv, provider pushes, pushes.csv, truth.csv and PARAMETERS.md."""
    from parceldesk.sim import generate_world

    world = generate_world(out, orders=orders, days=days, seed=seed, stores=stores)
    outcomes = ", ".join(f"{k} {v}" for k, v in world.outcomes.items())
    console.print(
        f"{out}: {world.orders} orders, {world.shipments} parcels ({outcomes}); "
        f"{sum(world.pushes.values())} pushes, {world.deliveries} deliveries "
        f"({world.start} + {world.days} days, seed {world.seed})",
        highlight=False,
        soft_wrap=True,
    )


@app.command("evaluate")
def evaluate_cmd(
    world: Annotated[Path, typer.Argument(help="A directory written by `sim generate`.")],
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", min=0.0, max=1.0, help="Loss probability to flag at."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Replay into this database (default: a temporary SQLite file)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Replay the world day by day through import, ingestion and scan; score detection."""
    from dataclasses import replace

    from parceldesk.services.scan import ScanConfig
    from parceldesk.sim.evaluate import evaluate_world

    if not (world / "truth.csv").is_file():
        raise typer.BadParameter(f"{world}: not a simulated world (no truth.csv)")
    config = ScanConfig()
    if threshold is not None:
        config = replace(config, detection=replace(config.detection, loss_threshold=threshold))

    def progress(day: int, days: int) -> None:
        if day % 10 == 0 or day == days:
            err_console.print(f"replayed day {day}/{days}", highlight=False)

    report = evaluate_world(world, db_url=db, config=config, on_day=progress)
    if as_json:
        print(orjson.dumps(report.as_dict()).decode())
        return
    print(report.render())  # plain: a table that must not be re-wrapped
