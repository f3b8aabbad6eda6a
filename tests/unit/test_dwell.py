"""The dwell model: time base, life table, loss probability, shrinkage, weekends, as-of."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parceldesk.domain.detection.dwell import (
    DwellConfig,
    DwellModel,
    group_path,
    stage_of,
)
from parceldesk.domain.detection.fitting import DwellModelBuilder
from parceldesk.domain.detection.timebase import (
    EDGES,
    HORIZON_HOURS,
    N_BUCKETS,
    WeekProfile,
    bucket_of,
    hour_of_week,
)

H = 3600.0
AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC).timestamp()  # a Friday
PATH_A = group_path("yunexpress", "YunExpress US Standard", "US")
PATH_B = group_path("yunexpress", "YunExpress US Economy", "US")  # a sibling channel
PATH_NEW = group_path("yunexpress", "YunExpress US Brand New", "US")


def histories(
    path_builder: DwellModelBuilder,
    path: tuple[str, ...],
    *,
    n: int,
    median_hours: float,
    lost_share: float,
    seed: int,
    sigma: float = 0.5,
    start_days_ago: float = 90,
) -> None:
    """``n`` parcels scanned at "origin_facility", then (unless lost) at the next node
    after a log-normal dwell. Lost ones never scan again."""
    rng = random.Random(seed)
    for _ in range(n):
        t0 = AS_OF - rng.uniform(10, start_days_ago) * 86400
        events = [(t0, "in_transit", "origin_facility", None)]
        if rng.random() >= lost_share:
            t1 = t0 + median_hours * H * math.exp(sigma * rng.gauss(0, 1))
            events.append((min(t1, AS_OF - 1), "delivered", "delivered", None))
        path_builder.add_history(path, events)


def fitted(**kwargs: float) -> DwellModel:
    b = DwellModelBuilder(AS_OF)
    histories(b, PATH_A, n=2000, median_hours=12, lost_share=0.02, seed=1, **kwargs)
    return b.build()


def test_buckets_cover_zero_to_the_horizon_without_gaps() -> None:
    assert EDGES[0] == 0 and EDGES[-1] == HORIZON_HOURS
    assert all(a < b for a, b in itertools.pairwise(EDGES))
    for hours in (0, 0.1, 0.5, 1, 7.3, 24, 99.9, 1000, HORIZON_HOURS - 1e-6):
        b = bucket_of(hours)
        assert EDGES[b] <= hours < EDGES[b + 1]
    assert bucket_of(10 * HORIZON_HOURS) == N_BUCKETS - 1


def test_hour_of_week_starts_on_monday() -> None:
    monday = datetime(2026, 11, 16, tzinfo=UTC).timestamp()
    assert hour_of_week(monday) == 0
    assert hour_of_week(monday + 3 * 24 * H + 5 * H) == 77
    assert hour_of_week(0) == 72  # 1970-01-01 was a Thursday


@given(
    st.floats(0, 5e9), st.floats(0, 2000), st.lists(st.floats(0.01, 10), min_size=168, max_size=168)
)
def test_calendar_hours_inverts_effective_hours(
    start: float, effective: float, weights: list[float]
) -> None:
    profile = WeekProfile.from_weights(weights)
    calendar = profile.calendar_hours(start, effective)
    assert profile.effective_hours(start, start + calendar * H) == pytest.approx(
        effective, rel=1e-6, abs=1e-5
    )


def test_uniform_profile_is_calendar_time() -> None:
    p = WeekProfile.uniform()
    assert p.effective_hours(AS_OF, AS_OF + 50 * H) == pytest.approx(50)
    assert p.effective_hours(AS_OF, AS_OF - 5) == 0


def test_stage_marks_exceptions_and_skips_what_is_not_a_dwell() -> None:
    assert stage_of("in_transit", "import_customs") == "import_customs"
    assert stage_of("exception", "import_customs") == "import_customs/x"
    assert stage_of("info_received", None) == "label_created"
    assert stage_of("delivered", "delivered") is None
    assert stage_of("returning", None) is None


def test_loss_probability_rises_with_silence_and_matches_the_data() -> None:
    model = fitted()
    curve = [
        model.assess(PATH_A, "origin_facility", AS_OF - h * H, AS_OF)
        for h in (1, 12, 24, 48, 96, 240)
    ]
    probabilities = [a.probability for a in curve]
    assert probabilities == sorted(probabilities)
    assert probabilities[0] < 0.05  # 1 h: normal
    assert probabilities[-1] > 0.95  # 10 days for a 12 h median dwell: lost
    # the 95th percentile of log-normal(12 h, 0.5) is 12 * e^(1.645 * 0.5) = 27.3 h
    assert curve[0].normal_hours == pytest.approx(27.3, rel=0.2)
    assert curve[0].described_as == "this channel's parcels"


def test_recent_parcels_still_silent_are_censored_not_lost() -> None:
    """A thousand parcels scanned an hour ago must not look like a thousand losses."""
    plain = fitted()
    b = DwellModelBuilder(AS_OF)
    histories(b, PATH_A, n=2000, median_hours=12, lost_share=0.02, seed=1)
    for i in range(1000):
        b.add_history(PATH_A, [(AS_OF - (1 + i % 3) * H, "in_transit", "origin_facility", None)])
    busy = b.build()
    for hours in (24, 48, 96):
        p_plain = plain.assess(PATH_A, "origin_facility", AS_OF - hours * H, AS_OF).probability
        p_busy = busy.assess(PATH_A, "origin_facility", AS_OF - hours * H, AS_OF).probability
        assert p_busy == pytest.approx(p_plain, abs=0.05)


def test_silent_past_the_horizon_is_lost_and_a_declaration_ends_a_dwell_as_lost() -> None:
    b = DwellModelBuilder(AS_OF)
    for i in range(200):  # everyone moves in ~12 h, except 20 silent for 70 days ...
        t0 = AS_OF - (80 + i % 5) * 86400
        if i < 20:
            b.add_history(PATH_A, [(AS_OF - 70 * 86400, "in_transit", "origin_facility", None)])
        elif i < 40:  # ... and 20 the carrier declared lost after 30 days
            b.add_history(
                PATH_A,
                [
                    (t0, "in_transit", "origin_facility", None),
                    (t0 + 30 * 86400, "exception", None, "lost"),
                    (t0 + 31 * 86400, "in_transit", "last_mile_facility", None),
                ],
            )
        else:
            b.add_history(
                PATH_A,
                [
                    (t0, "in_transit", "origin_facility", None),
                    (t0 + 12 * H, "delivered", "delivered", None),
                ],
            )
    model = b.build(DwellConfig(shrink_strength=0, prior_strength=0.01))
    fit, _ = model.group(PATH_A, "origin_facility")
    assert math.exp(fit.log_survival[-1]) == pytest.approx(40 / 200, abs=0.01)
    assert model.group(PATH_A, "last_mile_facility")[0].observations == 0  # nothing after "lost"


def test_events_after_the_as_of_instant_are_ignored() -> None:
    b1, b2 = DwellModelBuilder(AS_OF), DwellModelBuilder(AS_OF)
    history = [(AS_OF - 50 * H, "in_transit", "origin_facility", None)]
    b1.add_history(PATH_A, history)
    b2.add_history(PATH_A, [*history, (AS_OF + H, "in_transit", "last_mile_facility", None)])
    p1 = b1.build().assess(PATH_A, "origin_facility", AS_OF - 50 * H, AS_OF)
    p2 = b2.build().assess(PATH_A, "origin_facility", AS_OF - 50 * H, AS_OF)
    assert p1 == p2


def test_sparse_group_borrows_from_its_parent() -> None:
    """A new line with 30 parcels: close to its siblings where it has no evidence of its
    own, moved towards its own data where it has some."""
    b = DwellModelBuilder(AS_OF)
    histories(b, PATH_B, n=3000, median_hours=12, lost_share=0.01, seed=2)
    histories(b, PATH_NEW, n=29, median_hours=12, lost_share=0.0, seed=3)
    b.add_history(PATH_NEW, [(AS_OF - 70 * 86400, "in_transit", "origin_facility", None)])
    model = b.build()
    sibling = model.assess(PATH_B, "origin_facility", AS_OF - 72 * H, AS_OF)
    new = model.assess(PATH_NEW, "origin_facility", AS_OF - 72 * H, AS_OF)
    assert new.probability == pytest.approx(sibling.probability, abs=0.1)
    assert new.described_as == "this channel's parcels"

    def lost_share(m: DwellModel, path: tuple[str, ...]) -> float:
        return math.exp(m.group(path, "origin_facility")[0].log_survival[-1])

    # one loss in 30 parcels is 3.3 % raw; shrunk, it stays near the siblings' 1 %
    raw = b.build(DwellConfig(shrink_strength=0, prior_strength=0.0001))
    assert lost_share(raw, PATH_NEW) == pytest.approx(1 / 30, rel=0.01)
    assert lost_share(model, PATH_B) == pytest.approx(0.01, abs=0.004)
    assert lost_share(model, PATH_NEW) < 0.02

    slow = DwellModelBuilder(AS_OF)
    histories(slow, PATH_B, n=3000, median_hours=12, lost_share=0.01, seed=2)
    histories(slow, PATH_NEW, n=30, median_hours=60, lost_share=0.0, seed=4)
    slower = slow.build().assess(PATH_NEW, "origin_facility", AS_OF - 72 * H, AS_OF)
    assert slower.probability < new.probability - 0.2  # its own slowness counts


def test_unseen_group_and_stage_fall_back_to_parent_then_prior() -> None:
    model = fitted()
    unseen_channel = group_path("yunexpress", "Never Seen", "US")
    assert (
        model.group(unseen_channel, "origin_facility")[0]
        is model.group(group_path("yunexpress", "", "US"), "origin_facility")[0]
    )
    prior = model.assess(PATH_A, "pickup_point", AS_OF - 2 * H, AS_OF)
    assert prior.observations == 0 and prior.probability < 0.05
    assert model.assess(PATH_A, "pickup_point", AS_OF - 40 * 86400, AS_OF).probability > 0.9


def test_empty_database_gives_cautious_answers() -> None:
    model = DwellModelBuilder(AS_OF).build()
    ps = [
        model.assess(PATH_A, "import_customs", AS_OF - d * 86400, AS_OF).probability
        for d in (0.5, 3, 30)
    ]
    assert ps[0] < 0.05 and ps == sorted(ps) and ps[2] > 0.8


def _weekday_world() -> DwellModel:
    """A delivery station that scans Monday to Saturday, 08:00-12:00 UTC: a parcel that
    arrives leaves at the next opening (or the one after)."""
    rng = random.Random(5)
    b = DwellModelBuilder(AS_OF)
    for _ in range(3000):
        t0 = AS_OF - rng.uniform(8, 80) * 86400
        t = datetime.fromtimestamp(t0, UTC)
        day = t.replace(hour=8, minute=0, second=0) + timedelta(days=1 + (rng.random() < 0.1))
        while day.weekday() == 6:
            day += timedelta(days=1)
        t1 = (day + timedelta(minutes=rng.uniform(0, 240))).timestamp()
        b.add_history(
            PATH_A,
            [
                (t0, "in_transit", "last_mile_facility", None),
                (t1, "out_for_delivery", "out_for_delivery", None),
            ],
        )
    for _ in range(30):  # a few lost
        b.add_history(
            PATH_A,
            [(AS_OF - rng.uniform(61, 80) * 86400, "in_transit", "last_mile_facility", None)],
        )
    return b.build()


def test_a_sunday_without_scans_counts_less_than_a_weekday() -> None:
    model = _weekday_world()
    saturday_scan = datetime(2026, 11, 14, 14, 0, tzinfo=UTC).timestamp()
    tuesday_scan = datetime(2026, 11, 10, 14, 0, tzinfo=UTC).timestamp()
    hours = 44  # to Monday 10:00 / Thursday 10:00: the first opening since was missed ...
    weekend = model.assess(PATH_A, "last_mile_facility", saturday_scan, saturday_scan + hours * H)
    weekday = model.assess(PATH_A, "last_mile_facility", tuesday_scan, tuesday_scan + hours * H)
    assert weekend.silent_hours == weekday.silent_hours == hours
    assert weekend.working_hours < weekday.working_hours
    # ... on a Monday morning after a Sunday, a parcel is still in its normal window
    assert weekend.probability < weekday.probability
    assert weekend.normal_hours > weekday.normal_hours  # "normal" spans the Sunday


def test_working_hours_for_inverts_the_loss_probability() -> None:
    fit, _ = fitted().group(PATH_A, "origin_facility")
    for p in (0.05, 0.3, 0.5, 0.9):
        hours = fit.working_hours_for(p)
        assert fit.loss_probability(hours * 1.001) >= p > fit.loss_probability(hours * 0.999)
    assert fit.working_hours_for(1.0) == pytest.approx(HORIZON_HOURS, rel=0.2)
