"""One pool of worker processes for a whole call of the grid engine.

The passes that use the second core (the first cut, the recombinations, the rebalancing, the
block re-cut) each forked a pool of their own, five a call at 10,000 units, 0.1-0.3 s each
under load for forking and shutting down. Inside ``one_pool`` (the engine's call opens one) the
pool is forked once, when the first pass wants it; each pass publishes its state (pickled once,
read once by each worker), and the plan is the one a single core draws.
"""

from __future__ import annotations

import glob
import os
import sys
import tempfile
import time

import numpy as np
import pytest

import spatial.core._procs as procs
import spatial.grids._bisect as bisect_mod
import spatial.grids._blockcut as blockcut_mod
import spatial.grids._engine as engine
import spatial.grids._rebalance as rebalance_mod
import spatial.grids._recombine as recombine_mod
from spatial.core._procs import Ahead, one_pool
from spatial.grids._objective import EQUAL_WEIGHTS, Shapes
from test_grids_workers import lumpy_town

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def _job(state, x):
    return os.getpid(), state["base"] + x


def _slow(state, x):
    time.sleep(x)
    return state["base"]


def _die_on_worker(state, x):
    if os.getpid() != state["parent"]:
        os._exit(3)  # as a worker killed for memory
    return x


@pytest.fixture
def pools(monkeypatch):
    """The pools forked (each a ProcessPoolExecutor made by ``_procs``)."""
    made = []
    real = procs.ProcessPoolExecutor

    class Counted(real):
        def __init__(self, *a, **k):
            made.append(self)
            super().__init__(*a, **k)

    monkeypatch.setattr(procs, "ProcessPoolExecutor", Counted)
    return made


def _state_files():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "spatial-state-*")))


def test_loops_in_one_pool_share_its_workers_each_reading_its_own_state(pools, monkeypatch, tmp_path):
    # state files in a folder of this test's own: other tests running beside it write theirs
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = _state_files()
    assert before == set()
    with one_pool():
        with Ahead(_job, {"base": 100}, workers=2) as first:
            first.send("a", (1,))
            first.send("b", (2,))
            pid_a, a = first.take("a", (1,))
            pid_b, b = first.take("b", (2,))
        with Ahead(_job, {"base": 200}, workers=2) as second:  # the same workers, the next state
            second.send("a", (1,))
            pid_c, c = second.take("a", (1,))
        assert len(pools) == 1
        assert (a, b, c) == (101, 102, 201)
        assert os.getpid() not in (pid_a, pid_b, pid_c)
    assert _state_files() == before  # each loop's state file is gone with the pool


def test_a_job_left_running_does_not_mix_up_the_next_loops_state(pools):
    with one_pool():
        with Ahead(_slow, {"base": 1}, workers=2) as first:
            first.send("a", (0.3,))  # never taken: it ends on its own, its result unread
        with Ahead(_slow, {"base": 2}, workers=2) as second:
            second.send("a", (0.0,))
            second.send("b", (0.0,))
            assert [second.take("a", (0.0,)), second.take("b", (0.0,))] == [2, 2]
        assert len(pools) == 1


def test_one_pool_nested_or_in_a_worker_adds_nothing(pools, monkeypatch):
    with one_pool():
        scope = procs._SCOPE
        with one_pool():
            assert procs._SCOPE is scope
    assert procs._SCOPE is None
    monkeypatch.setattr(procs, "_WORKER", True)
    with one_pool():
        assert procs._SCOPE is None
    assert pools == []


def test_a_loop_outside_one_pool_has_a_pool_of_its_own(pools):
    for base in (1, 2):
        with Ahead(_job, {"base": base}, workers=2) as ahead:
            ahead.send("a", (1,))
            assert ahead.take("a", (1,))[1] == base + 1
    assert len(pools) == 2


def test_a_state_that_cannot_be_pickled_runs_on_one_core(pools, caplog):
    state = {"base": 5, "rule": lambda x: x}  # a closure cannot go to a worker
    with one_pool(), Ahead(_job, state, workers=2) as ahead:
        assert ahead.pool is None
        assert ahead.take("a", (1,)) == (os.getpid(), 6)
    assert "cannot be sent" in caplog.text and pools == []


def test_after_a_worker_dies_the_rest_of_the_call_runs_here(caplog):
    with one_pool():
        with Ahead(_die_on_worker, {"parent": os.getpid()}, workers=2) as ahead:
            ahead.send("a", (7,))
            assert ahead.take("a", (7,)) == 7
            assert ahead.pool is None
        with Ahead(_job, {"base": 0}, workers=2) as later:
            assert later.pool is None
            assert later.take("a", (3,)) == (os.getpid(), 3)
    assert caplog.text.count("died") == 1


def shaped_town(side=12, seed=3):
    """``test_grids_workers``' lumpy town (40 m cells in street blocks of 6 x 6) with the cells'
    shapes, so that the finish runs (annealing, the pairs cut for shape, the block re-cut)."""
    adj, hh, xy = lumpy_town(side=side, seed=seed)
    shared = adj.copy()
    shared.data = np.full(adj.nnz, 40.0)  # every shared edge is a whole 40 m side
    return adj, hh, xy, Shapes(np.full(len(hh), 1600.0), np.full(len(hh), 160.0), shared)


def _processes(monkeypatch, n):
    for mod in (procs, engine, bisect_mod, recombine_mod, rebalance_mod, blockcut_mod):
        monkeypatch.setattr(mod, "PROCESSES", n)


def test_a_call_of_the_engine_forks_its_workers_once_and_draws_the_plan_of_one_core(monkeypatch, pools):
    adj, hh, xy, shapes = shaped_town()
    k = int(round(hh.sum() / 400))
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS, restarts=0, shapes=shapes)
    for mod in (bisect_mod, recombine_mod, rebalance_mod, blockcut_mod):  # as if 144 nodes were 3,000
        monkeypatch.setattr(mod, "_AHEAD_NODES", 50)
    _processes(monkeypatch, 1)
    one = engine.partition(adj, hh, xy, k, **kw)
    assert pools == []
    sent = []
    real = Ahead.send

    def send(self, key, args, token=None):
        if self.pool is not None and key not in self.sent:
            sent.append(self.fn.__name__)
        return real(self, key, args, token)

    monkeypatch.setattr(Ahead, "send", send)
    _processes(monkeypatch, 2)
    two = engine.partition(adj, hh, xy, k, **kw)
    # every pass that uses the second core sent jobs, all to the one pool
    assert {"_bisect_nodes", "_best_cuts", "_attempts", "_recut"} <= set(sent)
    assert len(pools) == 1
    np.testing.assert_array_equal(two, one)
    assert one.max() + 1 == k


def test_no_room_to_write_a_state_runs_that_loop_on_one_core(pools, monkeypatch, caplog):
    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(procs.tempfile, "mkstemp", full)
    with one_pool(), Ahead(_job, {"base": 1}, workers=2) as ahead:
        assert ahead.pool is None
        assert ahead.take("a", (1,)) == (os.getpid(), 2)
    assert "No space left" in caplog.text and pools == []


def test_workers_forked_before_the_calls_own_work_serve_its_loops(pools):
    fork_pids = []
    with one_pool():
        procs.fork_now()
        assert len(pools) == 1  # forked now, before any loop wants them
        fork_pids = {p.pid for p in pools[0]._processes.values()}
        big = np.zeros(1_000_000)  # made after the fork: the workers read it from the state, not memory
        with Ahead(_job, {"base": big[0] + 10}, workers=2) as ahead:
            ahead.send("a", (1,))
            pid, got = ahead.take("a", (1,))
        assert got == 11 and pid in fork_pids
    assert len(pools) == 1


def test_fork_now_does_nothing_outside_one_pool_or_with_one_worker(pools, monkeypatch):
    procs.fork_now()
    with one_pool():
        procs.fork_now(workers=1)
    monkeypatch.setattr(procs, "_WORKER", True)  # (a worker of ours forks no pool of its own)
    with one_pool():
        procs.fork_now()
    assert pools == []



@pytest.mark.parametrize("left_running", [0.0, 30.0])
@pytest.mark.parametrize("handlers", ["default", "the command line's"])
def test_the_workers_end_with_the_call_and_leave_nothing_for_the_exit_to_wait_on(pools, handlers, left_running):
    """A shutdown that does not wait left the workers idle on their call queue: once in about 30
    calls of 10,000 units the process then hung at exit joining them (CPython gh-83386), its
    plan done. Ending them with SIGTERM then hung `spatial demo` at its exit for 17 minutes: the
    workers inherit the command line's Python handler for SIGTERM, which runs only between
    bytecodes, so a worker asleep on the call queue's lock (the other worker ended holding it)
    never ran it. The workers are killed with the call, a job left running too."""
    import multiprocessing as mp
    from contextlib import nullcontext

    from spatial.cli import _stops_as_interrupts

    with _stops_as_interrupts() if handlers != "default" else nullcontext():
        with one_pool():
            with Ahead(_slow, {"base": 1}, workers=2) as ahead:
                ahead.send("a", (left_running,))  # never taken: still running when the call ends, or done
                ahead.send("b", (0.0,))
                assert ahead.take("b", (0.0,)) == 1
            time.sleep(0.5)  # both idle (one reading the call queue, one asleep on its lock), or one busy
            workers = list(pools[0]._processes.values())
            assert len(workers) == 2 and all(w.is_alive() for w in workers)
        end = time.monotonic() + 10
        while any(w.exitcode is None for w in workers) and time.monotonic() < end:
            time.sleep(0.05)  # (the executor's own thread may be the one reaping them, a moment later)
    codes = sorted(w.exitcode for w in workers)  # killed (-9), or ended on their own end-of-work mark (0)
    assert set(codes) <= {-9, 0} and (left_running == 0 or codes[0] == -9), codes  # not a job's end 30 s later
    assert not [p for p in mp.active_children() if p in workers]
