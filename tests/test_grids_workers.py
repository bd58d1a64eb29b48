"""The grid engine on two cores, and its restarts from other seeds.

Jobs sent ahead to worker processes give the plan one core gives.

The passes that cut regions again (recombination, rebalancing, the first METIS bisection) send
their next jobs to forked workers while they decide in order; a job whose inputs changed since it
was sent is run again in turn. These tests run both ways on a lumpy town (towers of 120
households, walk-ups of 35 and empty lots, as the benchmark's uneven towns) and ask for the same
labels, with jobs actually sent ahead.

With ``balance="equal"`` small graphs are drawn from several seeds and the best plan is kept:
every grid within 5% of its size first, then the lowest objective.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from scipy import sparse

import spatial.core._procs as procs
from spatial.core._procs import Ahead
import spatial.grids._engine as engine
from spatial.grids._bisect import recursive_bisection
from spatial.grids._engine import partition
from spatial.grids._lumps import exchange_lumps
from spatial.grids._objective import BAND_WEIGHTS, EQUAL_WEIGHTS
from spatial.grids._rebalance import rebalance_worst
from spatial.grids._recombine import recombine
from spatial.grids._search import local_search

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def _job(state, x):
    return os.getpid(), state["base"] + x


def test_a_job_sent_ahead_runs_on_a_worker_that_sees_the_callers_state():
    with Ahead(_job, {"base": 100}, workers=2) as ahead:
        ahead.send("a", (1,), token="t")
        pid, val = ahead.take("a", (1,), fresh=lambda t: t == "t")
        assert pid != os.getpid() and val == 101
        ahead.send("b", (2,), token="old")
        pid, val = ahead.take("b", (2,), fresh=lambda t: t == "new")  # its inputs changed: run again here
        assert pid == os.getpid() and val == 102
        pid, val = ahead.take("c", (3,))  # never sent: run here
        assert pid == os.getpid() and val == 103


def test_one_worker_runs_everything_inline():
    with Ahead(_job, {"base": 0}, workers=1) as ahead:
        ahead.send("a", (5,))
        assert not ahead.room()
        assert ahead.take("a", (5,)) == (os.getpid(), 5)


def lumpy_town(side=36, seed=3):
    """A rook lattice of ``side`` x ``side`` units 40 m apart: towers of about 120 households,
    walk-ups of about 35 and empty lots, in patches of a kind (5 x 5 units), with cut cost 40 per
    shared edge and 10 between patches (the streets)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(3, size=(side // 6 + 1, side // 6 + 1), p=[0.45, 0.4, 0.15])
    r, c = np.divmod(np.arange(side * side), side)
    k = kind[r // 6, c // 6]
    hh = np.where(k == 0, np.round(rng.normal(120, 15, len(k))) * (rng.random(len(k)) < 0.5),
                  np.where(k == 1, np.round(rng.normal(35, 6, len(k))), 0.0))
    xy = np.column_stack([c * 40.0, r * 40.0])
    i = np.arange(side * side)
    right = i[c < side - 1]
    up = i[r < side - 1]
    a = np.r_[right, up]
    b = np.r_[right + 1, up + side]
    cost = np.where((r[a] // 6 != r[b] // 6) | (c[a] // 6 != c[b] // 6), 10.0, 40.0)
    adj = sparse.csr_matrix((np.r_[cost, cost], (np.r_[a, b], np.r_[b, a])), shape=(len(i), len(i)))
    return adj, hh, xy


@pytest.fixture(scope="module")
def town():
    adj, hh, xy = lumpy_town()
    k = int(round(hh.sum() / 400))
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    start = local_search(adj, hh, xy, recursive_bisection(adj, hh, xy, k, workers=1), **kw)
    return adj, hh, xy, start, kw


@pytest.fixture
def sends(monkeypatch):
    """How many jobs went to a worker."""
    count = [0]
    real = Ahead.send

    def send(self, key, args, token=None):
        if self.pool is not None and key not in self.sent:
            count[0] += 1
        return real(self, key, args, token)

    monkeypatch.setattr(Ahead, "send", send)
    return count


def test_recombination_on_two_cores_gives_the_plan_of_one(town, sends):
    adj, hh, xy, start, kw = town
    one = recombine(adj, hh, xy, start, **kw, workers=1)
    assert sends[0] == 0
    two = recombine(adj, hh, xy, start, **kw, workers=2)
    assert sends[0] > 10
    assert (one != start).any()  # it did cut pairs again
    np.testing.assert_array_equal(two, one)


def test_rebalancing_on_two_cores_gives_the_plan_of_one(town, sends):
    adj, hh, xy, start, kw = town
    ph = np.bincount(start, weights=hh)
    assert (np.abs(ph / ph.mean() - 1) > 0.05).sum() >= 5  # grids far off their size to draw again
    one = rebalance_worst(adj, hh, xy, start, **kw, workers=1)
    two = rebalance_worst(adj, hh, xy, start, **kw, workers=2)
    assert sends[0] > 5
    assert (one != start).any()
    np.testing.assert_array_equal(two, one)


def test_the_lump_exchange_on_two_cores_gives_the_plan_of_one(town, sends):
    adj, hh, xy, start, kw = town
    k = int(start.max()) + 1
    ph = np.bincount(start, weights=hh)
    target = np.full(k, ph.mean())
    assert (np.abs(ph / target - 1) > 0.05).sum() >= 5  # grids of towers off their size
    one = exchange_lumps(adj, hh, start, target=target, limit=0.05, workers=1)
    assert sends[0] == 0
    two = exchange_lumps(adj, hh, start, target=target, limit=0.05, workers=2)
    assert sends[0] >= 3  # pairs went ahead in batches
    assert (one != start).any()  # it did share lumps out again
    np.testing.assert_array_equal(two, one)


def test_the_first_cut_on_two_cores_gives_the_parts_of_one(town, sends):
    adj, hh, xy, start, kw = town
    k = int(start.max()) + 1
    one = recursive_bisection(adj, hh, xy, k, workers=1)
    two = recursive_bisection(adj, hh, xy, k, workers=2)
    assert sends[0] == 1
    np.testing.assert_array_equal(two, one)
    assert one.max() + 1 == k


def test_a_worker_runs_its_own_jobs_inline(monkeypatch):
    monkeypatch.setattr(procs, "_WORKER", True)  # as in a worker process
    with Ahead(_job, {"base": 0}, workers=2) as ahead:
        assert ahead.pool is None


def test_off_the_main_thread_jobs_run_inline():
    import threading

    seen = []
    t = threading.Thread(target=lambda: seen.append(Ahead(_job, {"base": 0}, workers=2).pool))
    t.start()
    t.join()
    assert seen == [None]


def _max_dev(hh, labels):
    ph = np.bincount(labels, weights=hh)
    return float(np.max(np.abs(ph / ph.mean() - 1)))


def test_equal_grids_keep_the_best_plan_of_several_seeds():
    adj, hh, xy = lumpy_town(side=12, seed=0)  # 144 units, 17 grids of about 400 households
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    plans = [partition(adj, hh, xy, 17, **kw, seed=s, restarts=0) for s in range(10)]
    assert _max_dev(hh, plans[0]) > 0.06  # seed 0 alone leaves a grid 6.9% off
    stuck = engine.hemmed_in(adj, hh, min_hh=300, max_hh=500)
    grades = [engine._grade(adj, hh, xy, p, stuck, **kw) for p in plans]
    out = partition(adj, hh, xy, 17, **kw, restarts=9)
    best = min(range(10), key=lambda i: grades[i])
    np.testing.assert_array_equal(out, plans[best])
    # of the plans with every grid within 5% (seed 6 is the first), the one of the lowest objective
    within = [i for i in range(10) if _max_dev(hh, plans[i]) <= 0.05]
    assert within and best in within
    assert grades[best][3] == min(grades[i][3] for i in within)


@pytest.mark.parametrize("seed", [1, 3, 6])
def test_restarts_keep_the_best_plan_never_a_worse_one(seed):
    adj, hh, xy = lumpy_town(side=14, seed=seed)  # seed 0 leaves grids 8.5-13% off; no restart reaches 5%
    k = int(round(hh.sum() / 400))
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    alone = partition(adj, hh, xy, k, **kw, restarts=0)
    out = partition(adj, hh, xy, k, **kw, restarts=4)
    assert _max_dev(hh, out) <= _max_dev(hh, alone)
    assert out.max() + 1 == k
    ph = np.bincount(out, weights=hh)
    assert ((ph >= 300) & (ph <= 500)).all()


def test_no_restarts_when_any_size_in_the_band_will_do():
    adj, hh, xy = lumpy_town(side=12, seed=0)
    kw = dict(min_hh=300, max_hh=500, weights=BAND_WEIGHTS)
    np.testing.assert_array_equal(partition(adj, hh, xy, 17, **kw), partition(adj, hh, xy, 17, **kw, restarts=0))


def test_restarts_count_the_parts_the_components_get_not_the_parts_asked_for(monkeypatch):
    # two towns of 4 x 100 households with no link: one grid asked for, two drawn (400 each, in
    # the band) although 800 in one grid is not; so the restarts run
    edges = [(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7)]
    i, j = np.array(edges).T
    adj = sparse.csr_matrix((np.full(12, 100.0), (np.r_[i, j], np.r_[j, i])), shape=(8, 8))
    hh = np.full(8, 100.0)
    xy = np.array([[x * 100.0 + (x > 3) * 500, 0.0] for x in range(8)])
    monkeypatch.setattr(engine, "PROCESSES", 1)
    runs = []
    real = engine._one_seed
    monkeypatch.setattr(engine, "_one_seed", lambda state, seed: runs.append(seed) or real(state, seed))
    out = partition(adj, hh, xy, 1, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    np.testing.assert_array_equal(out, [0, 0, 0, 0, 1, 1, 1, 1])
    assert len(runs) == 1 + engine._MAX_RESTARTS


def test_the_communities_of_a_call_share_one_budget_of_restarts(monkeypatch):
    # two communities of 2 x 3 units of 100 households (12 nodes in all), two grids each; with a
    # budget of 48 nodes, each alone would get 48 // 6 - 1 = 7 restarts; together 48 // 12 - 1 = 3
    import geopandas as gpd
    import shapely

    import spatial.grids.partition as grids

    boxes = [shapely.box(x * 100, y * 100, x * 100 + 100, y * 100 + 100) for x in range(6) for y in range(2)]
    units = gpd.GeoDataFrame({"unit_id": [f"U{i:02d}" for i in range(12)], "households": 100}, geometry=boxes,
                             crs="EPSG:32650")
    comms = gpd.GeoDataFrame({"community_id": ["A", "B"]}, crs="EPSG:32650",
                             geometry=[shapely.box(0, 0, 300, 200), shapely.box(300, 0, 600, 200)])
    monkeypatch.setattr(grids, "PROCESSES", 1)
    monkeypatch.setattr(engine, "PROCESSES", 1)
    monkeypatch.setattr(engine, "_RESTART_NODES", 48)
    runs = []
    real = engine._one_seed
    monkeypatch.setattr(engine, "_one_seed", lambda state, seed: runs.append(len(state[1])) or real(state, seed))
    res = grids.partition_grids(units, comms, n_grids=4, min_households=200, max_households=400)
    assert sorted(res.grids["households"]) == [300] * 4
    assert runs == [6] * 8  # 1 + 3 runs for each community of 6 nodes
    # the same community drawn alone has the budget to itself
    runs.clear()
    grids.partition_grids(units.iloc[:6], comms.iloc[:1], n_grids=2, min_households=200, max_households=400)
    assert runs == [6] * 8  # 1 + 7 runs


def test_restarts_on_two_cores_give_the_plan_of_one(monkeypatch, sends):
    adj, hh, xy = lumpy_town(side=24, seed=0)  # 576 units: restarts go to workers
    k = int(round(hh.sum() / 400))
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS, restarts=3)
    monkeypatch.setattr(engine, "PROCESSES", 1)
    one = partition(adj, hh, xy, k, **kw)
    assert sends[0] == 0
    monkeypatch.setattr(engine, "PROCESSES", 2)
    two = partition(adj, hh, xy, k, **kw)
    assert sends[0] >= 2
    np.testing.assert_array_equal(two, one)
    assert _max_dev(hh, one) < _max_dev(hh, partition(adj, hh, xy, k, **{**kw, "restarts": 0}))


def test_communities_drawn_on_workers_get_the_grids_of_one_core(monkeypatch, sends):
    import spatial
    import spatial.grids.partition as grids

    demo = spatial.load_demo()
    monkeypatch.setattr(grids, "PROCESSES", 1)
    monkeypatch.setattr(engine, "PROCESSES", 1)
    one = grids.partition_grids(demo["units"], demo["communities"])  # 12 communities
    assert sends[0] == 0
    monkeypatch.setattr(grids, "PROCESSES", 2)
    two = grids.partition_grids(demo["units"], demo["communities"])
    assert sends[0] >= 2
    assert one.units["grid_id"].tolist() == two.units["grid_id"].tolist()
    assert one.grids["households"].tolist() == two.grids["households"].tolist()


def test_each_seed_draws_from_seeds_of_its_own():
    adj, hh, xy = lumpy_town(side=14, seed=0)
    k = int(round(hh.sum() / 400))
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    plans = [partition(adj, hh, xy, k, **kw, seed=s, restarts=5) for s in range(3)]
    assert not np.array_equal(plans[0], plans[1]) and not np.array_equal(plans[1], plans[2])


def test_a_grid_no_plan_can_bring_into_the_band_does_not_decide_between_plans():
    adj, hh, xy = lumpy_town(side=10, seed=3)  # 100 units, 15 grids
    hh = hh.copy()
    hh[0] = 800.0  # one building over the band: its grid is 100% off in every plan
    k = int(round(hh.sum() / 400))
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)

    def worst_free(labels):  # the furthest grid from the mean among those not holding unit 0
        ph = np.bincount(labels, weights=hh)
        dev = np.abs(ph / ph.mean() - 1)
        dev[labels[0]] = 0
        return dev.max()

    def past_5(labels):  # how far past 5% that grid is, as the plans are graded (0: within)
        return round(max(worst_free(labels) - 0.05, 0.0), 3)

    plans = [partition(adj, hh, xy, k, **kw, seed=s, restarts=0) for s in range(4)]
    assert len({past_5(p) for p in plans}) > 1  # the seeds differ there (seed 0 is nearest) ...
    stuck = engine.hemmed_in(adj, hh, min_hh=300, max_hh=500)
    objectives = [engine._grade(adj, hh, xy, p, stuck, **kw)[3] for p in plans]
    assert np.argmin(objectives) != np.argmin([past_5(p) for p in plans])  # ... and the objective prefers another
    out = partition(adj, hh, xy, k, **kw, restarts=3)
    assert past_5(out) == min(past_5(p) for p in plans)


def _die_on_worker(state, x):
    if os.getpid() != state["parent"]:
        os._exit(3)  # as a worker killed for memory
    return x


def test_a_worker_that_dies_leaves_the_job_to_this_process(caplog):
    with Ahead(_die_on_worker, {"parent": os.getpid()}, workers=2) as ahead:
        ahead.send("a", (7,))
        assert ahead.take("a", (7,)) == 7
        assert ahead.pool is None and not ahead.room()
    assert "died" in caplog.text


def test_no_pool_to_be_had_runs_everything_here(monkeypatch, caplog):
    def no_pool(*a, **k):
        raise OSError("no semaphores")

    monkeypatch.setattr(procs, "ProcessPoolExecutor", no_pool)
    with Ahead(_job, {"base": 1}, workers=2) as ahead:
        assert ahead.pool is None
        assert ahead.take("a", (1,)) == (os.getpid(), 2)
    assert "one core" in caplog.text


def test_a_loop_inside_a_loop_runs_inline():
    with Ahead(_job, {"base": 0}, workers=2) as outer:
        assert outer.pool is not None
        with Ahead(_job, {"base": 0}, workers=2) as inner:
            assert inner.pool is None
    with Ahead(_job, {"base": 0}, workers=2) as again:  # the outer one closed: pools again
        assert again.pool is not None


def test_partition_grids_takes_restarts_for_equal_grids_only(monkeypatch):
    import spatial
    from spatial import SpatialError
    from spatial.grids.partition import partition_grids

    demo = spatial.load_demo()
    units = demo["units"][demo["units"]["community_id"] == demo["units"]["community_id"].iloc[0]]
    comms = demo["communities"][demo["communities"]["community_id"] == units["community_id"].iloc[0]]
    n = max(2, int(units["households"].sum() // 400))
    monkeypatch.setattr(engine, "PROCESSES", 1)  # every run here, to count them
    runs = []
    real = engine._one_seed
    monkeypatch.setattr(engine, "_one_seed", lambda state, seed: runs.append(seed) or real(state, seed))
    one = partition_grids(units, comms, n_grids=n, restarts=0)
    assert runs == [0]
    more = partition_grids(units, comms, n_grids=n, restarts=6)
    assert runs[1:] == [0, 1, 2, 3, 4, 5, 6]
    past_5 = [max(float((g.grids["households"] / g.grids["households"].mean() - 1).abs().max()) - 0.05, 0)
              for g in (one, more)]
    assert past_5[1] <= past_5[0] + 1e-3  # never further past 5% than one run
    with pytest.raises(SpatialError, match="restarts is for balance='equal'"):
        partition_grids(units, comms, restarts=3)
    with pytest.raises(SpatialError, match="whole number"):
        partition_grids(units, comms, n_grids=n, restarts=-1)
    with pytest.raises(SpatialError, match="from 0 to 99"):
        partition_grids(units, comms, n_grids=n, restarts=100)
    assert len(runs) == 8  # refused before any run


def test_the_grids_furthest_off_are_cut_again_from_more_seeds(town, monkeypatch):
    import spatial.grids._rebalance as rebalance

    adj, hh, xy, start, kw = town
    tried = []  # (grid, seed) of every region re-cut; none is kept, so every attempt is made

    def record(adj_, hh_, xy_, labels, region, tgt, better, allow, seed, kw_, nodes=None):
        tried.append((set(region.tolist()), seed))

    monkeypatch.setattr(rebalance, "_redraw_region", record)
    ph = np.bincount(start, weights=hh)
    order = np.argsort(-np.abs(ph / ph.mean() - 1), kind="stable")
    rebalance_worst(adj, hh, xy, start, **kw, workers=1, wider=2)
    seeds_of = {g: {s for region, s in tried if g in region} for g in order[:3].tolist()}
    assert max(seeds_of[order[0]]) == rebalance._WIDER_SEEDS - 1
    assert max(seeds_of[order[1]]) == rebalance._WIDER_SEEDS - 1
    # the third is tried from three seeds only (it may sit in the others' regions: look at its own)
    own = [s for region, s in tried if order[2] in region and order[0] not in region
           and order[1] not in region]
    assert own and max(own) <= 2


def test_graphs_too_large_for_restarts_give_their_worst_grids_wider_seeds(monkeypatch):
    adj, hh, xy = lumpy_town(side=12, seed=0)
    calls = []
    real = engine.rebalance_worst
    monkeypatch.setattr(engine, "rebalance_worst", lambda *a, **kw: calls.append(kw.get("wider", 0)) or real(*a, **kw))
    monkeypatch.setattr(engine, "PROCESSES", 1)
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    partition(adj, hh, xy, 17, **kw)  # 144 nodes: restarts, each run with three seeds a grid
    assert calls and set(calls) == {0}
    calls.clear()
    monkeypatch.setattr(engine, "_RESTART_MAX_NODES", 100)  # as if 144 nodes were too many for restarts
    partition(adj, hh, xy, 17, **kw)
    assert calls[0] == engine._WIDER_WORST  # the first rebalancing (the one after the kick takes none)


def test_a_region_not_kept_is_not_cut_again_as_it_stood(town, monkeypatch):
    """Cutting a region again from the same seed gives the same cut and the same verdict, so the
    rebalancing remembers the tries it did not keep: none is made twice, and the plan is the one
    drawn without that memory (every try made, repeats included)."""
    import hashlib

    import spatial.grids._rebalance as rebalance

    adj, hh, xy, start, kw = town
    tried = []  # each region cut: its seed, nodes and labels as they stood

    real = rebalance._redraw_region

    def record(adj_, hh_, xy_, labels, region, tgt, better, allow, seed, kw_, nodes=None):
        mine = np.flatnonzero(np.isin(labels, region))
        tried.append((seed, mine.tobytes(), labels[mine].tobytes()))
        return real(adj_, hh_, xy_, labels, region, tgt, better, allow, seed, kw_, nodes=nodes)

    monkeypatch.setattr(rebalance, "_redraw_region", record)
    kept = rebalance_worst(adj, hh, xy, start, **kw, workers=1, wider=2)
    assert len(tried) > 20 and len(set(tried)) == len(tried)  # no region cut twice as it stood

    class Forgetful:  # every key new: the memory never answers, so every try is made
        count = 0

        @classmethod
        def sha1(cls, data):
            cls.count += 1
            return hashlib.sha1(str(cls.count).encode())

    monkeypatch.setattr(rebalance, "hashlib", Forgetful)
    tried.clear()
    every = rebalance_worst(adj, hh, xy, start, **kw, workers=1, wider=2)
    assert len(set(tried)) < len(tried)  # without the memory some regions are cut again as they stood
    assert (kept != start).any()
    np.testing.assert_array_equal(kept, every)


def test_which_grids_touch_is_worked_out_once_per_plan_not_per_grid_tried(town, monkeypatch):
    """The table of which grids touch costs more than a ring's search at 10,000 units: the pass
    makes it once for each plan (at the start and after each region kept) and hands it to every
    grid tried on that plan, instead of each grid's tries making it again."""
    import spatial.grids._rebalance as rebalance

    adj, hh, xy, start, kw = town
    made, tried, kept = [0], [0], [0]
    real_touching, real_attempts = rebalance._touching, rebalance._attempts

    def touching(*a):
        made[0] += 1
        return real_touching(*a)

    def attempts(*a, **k):
        tried[0] += 1
        got = real_attempts(*a, **k)
        kept[0] += got[0] is not None
        return got

    monkeypatch.setattr(rebalance, "_touching", touching)
    monkeypatch.setattr(rebalance, "_attempts", attempts)
    out = rebalance_worst(adj, hh, xy, start, **kw, workers=1)
    assert tried[0] > kept[0] + 1  # more grids tried than plans: the table is not made per grid
    assert 1 <= made[0] <= kept[0] + 1
    assert (out != start).any()
