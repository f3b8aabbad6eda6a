"""Benchmark: loss detection on simulated worlds, several seeds (issue: exception detection).

For each seed: ``generate_world`` (orders, days), then ``evaluate_world`` -- the day-by-day
replay through import, ingestion and scan that ``parceldesk sim evaluate`` runs -- and
the figures it reports: recall of lost parcels within 30 days of their last scan, median
and 90th-percentile time to flag, false-alarm rate on delivered parcels, and the best
"no update for N days" rule at the same false-alarm rate.

Usage: python bench/evaluate.py [--seeds 21 22 23 24 25] [--orders 8000] [--days 120]
       [--jobs 2] [--threshold 0.5] [--out bench/out/evaluate.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def one_seed(seed: int, orders: int, days: int, threshold: float | None) -> dict[str, Any]:
    from parceldesk.services.scan import ScanConfig
    from parceldesk.sim import generate_world
    from parceldesk.sim.evaluate import evaluate_world

    config = ScanConfig()
    if threshold is not None:
        config = replace(config, detection=replace(config.detection, loss_threshold=threshold))
    with tempfile.TemporaryDirectory(prefix=f"pd-eval-{seed}-") as tmp:
        world = generate_world(Path(tmp), orders=orders, days=days, seed=seed)
        report = evaluate_world(Path(tmp), config=config)
    out = report.as_dict()
    out["seed"], out["lost_total"] = seed, world.outcomes["lost"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[21, 22, 23, 24, 25])
    ap.add_argument("--orders", type=int, default=8000)
    ap.add_argument("--days", type=int, default=120)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--out", type=Path, default=Path("bench/out/evaluate.json"))
    args = ap.parse_args()
    with ProcessPoolExecutor(args.jobs) as pool:
        runs = list(
            pool.map(
                one_seed,
                args.seeds,
                *zip(*[(args.orders, args.days, args.threshold)] * len(args.seeds), strict=True),
            )
        )
    print(f"worlds: {args.orders} orders x {args.days} days; seeds {args.seeds}")
    header = "seed  lost  recall   median  p90     FAR     | fixed N  median  FAR     | shorter"
    print(header)
    for r in runs:
        m, f = r["model"], r["fixed"]
        shorter = r["median_reduction"]
        print(
            f"{r['seed']:<5} {m['lost']:<5} {100 * m['recall']:5.1f} %  {m['median_days'] or float('nan'):5.2f}  "
            f"{m['p90_days'] or float('nan'):5.2f}  {100 * m['false_alarm_rate']:5.2f} % | "
            f"{r['fixed_days']:5.2f}  {f['median_days'] or float('nan'):6.2f}  "
            f"{100 * f['false_alarm_rate']:5.2f} % | {100 * (shorter or 0):5.1f} %  ({r['seconds']:.0f} s)"
        )
    reductions = [r["median_reduction"] or 0.0 for r in runs]
    recalls = [r["model"]["recall"] for r in runs]
    print(
        f"min recall {100 * min(recalls):.1f} %, median time to flag shorter by "
        f"{100 * min(reductions):.1f} % (worst seed) / {100 * statistics.median(reductions):.1f} % (median)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(runs, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
