"""Use case: fit the dwell model from the parcels in the database, as of an instant.

Cheap refit instead of incremental state: every scan refits from event histories that
had occurred -- and reached us -- by the as-of instant, so a scan as of T can never see
anything after T, and the answer does not depend on which scans ran before (nothing is
cached between scans).

What keeps it cheap on a large database is a deterministic, stratified sample: parcels
created within ``window_days`` before the as-of instant (recent behaviour, and a fact
that later events cannot change), at most ``per_group_cap`` per leaf group (channel,
else carrier, else destination), at most ``total_cap`` overall. Small groups are always
taken whole -- they are the ones shrinkage needs to see -- while a channel with 50,000
parcels is well described by 3,000 of them (a scan over 200,000 parcels refits from
~240,000 events, not 4 million). Membership is a hash of the parcel id: the same
database gives the same sample, and a sampled parcel stays sampled while its group's
size is stable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from parceldesk.domain.detection.dwell import DwellConfig, DwellModel, GroupPath, group_path
from parceldesk.domain.detection.fitting import DwellModelBuilder
from parceldesk.services.ports import ExceptionRepository

__all__ = ["FitSummary", "TrainingConfig", "fit_dwell_model", "sample_rate"]

_GOLDEN = 2654435761  # Knuth's multiplicative hash: consecutive ids spread evenly


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    window_days: float = 120.0
    per_group_cap: int = 3_000
    total_cap: int = 12_000


@dataclass(frozen=True, slots=True)
class FitSummary:
    candidates: int
    sampled: int
    observations: int
    groups: int


def sample_rate(sizes: Counter[str], config: TrainingConfig) -> dict[str, float]:
    """Share of each stratum to keep: whole when small, capped when large, scaled down
    together when the capped total still exceeds ``total_cap``."""
    capped = {k: min(n, config.per_group_cap) for k, n in sizes.items()}
    total = sum(capped.values())
    scale = min(1.0, config.total_cap / total) if total else 1.0
    return {k: scale * capped[k] / n for k, n in sizes.items() if n}


def _kept(shipment_id: int, rate: float) -> bool:
    return rate >= 1.0 or ((shipment_id * _GOLDEN) & 0xFFFFFFFF) / 4294967296.0 < rate


def fit_dwell_model(
    repo: ExceptionRepository,
    as_of: datetime,
    *,
    training: TrainingConfig | None = None,
    dwell: DwellConfig | None = None,
) -> tuple[DwellModel, FitSummary]:
    """Fit a ``DwellModel`` from events that occurred by ``as_of``."""
    cfg = training or TrainingConfig()
    candidates = repo.training_shipments(as_of - timedelta(days=cfg.window_days), as_of)
    paths: dict[int, GroupPath] = {}
    sizes: Counter[str] = Counter()
    for sid, carrier, channel, destination in candidates:
        path = group_path(carrier, channel, destination)
        paths[sid] = path
        sizes[path[-1]] += 1
    rates = sample_rate(sizes, cfg)
    chosen = [sid for sid, path in paths.items() if _kept(sid, rates[path[-1]])]
    builder = DwellModelBuilder(as_of.timestamp())
    for sid, history in repo.event_histories(chosen, as_of):
        builder.add_history(paths[sid], history)
    model = builder.build(dwell)
    return model, FitSummary(len(candidates), len(chosen), builder.observations, model.group_count)
