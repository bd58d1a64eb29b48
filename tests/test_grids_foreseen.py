"""Passes whose every turn is known at their start, drawn ahead on the second core.

The finish's FM passes (each pair of grids, as the plan stood at the pass's start, a pair one of
whose grids changed earlier in the pass left out) and block-piece moves (each piece paid back on
the round's start, its receiver chosen on the plan as it is) send their next turns to the
call's worker processes a batch at a time (``spatial.core._procs.Foreseen``) while the pass
decides in order: the labels are those one core gives, and the turns were drawn on workers.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

import spatial.core._procs as procs
from spatial.core._procs import Foreseen, one_pool
from spatial.grids._bisect import recursive_bisection
from spatial.grids._fm import fm_pass
from spatial.grids._objective import EQUAL_FINISH, EQUAL_WEIGHTS, Shapes
from spatial.grids._pieces import piece_pass
from spatial.grids._search import local_search
from test_grids_workers import lumpy_town

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def _square(state, x):
    return os.getpid(), state["base"] + x * x


def test_items_drawn_ahead_read_the_state_as_it_was_and_skipped_items_are_never_worked_out_here():
    state = {"base": 1000}
    asked = [i for i in range(40) if i % 3]  # the loop passes over every third item
    with Foreseen(_square, state, list(range(40)), workers=2, batch=4) as ahead:
        state["base"] = -1  # changed after the start: the workers have the state as it was
        got = [ahead.drawn(i) for i in asked]
    assert asked[:2] == [1, 2]  # the first batch (items 0-3) is this process's own ...
    assert [hit for hit, _ in got[:2]] == [False, False]  # ... worked out by the loop itself
    assert all(hit for hit, _ in got[2:])  # the others were drawn ahead
    assert [v for _, (pid, v) in got[2:]] == [1000 + i * i for i in asked[2:]]
    assert {pid for _, (pid, _) in got[2:]} - {os.getpid()}  # on workers


def test_get_works_an_item_out_here_when_not_drawn_ahead():
    state = {"base": 7}
    with Foreseen(_square, state, list(range(10)), workers=1, batch=4) as ahead:
        assert ahead.ahead.pool is None
        assert [ahead.get(i) for i in (0, 5, 9)] == [(os.getpid(), 7), (os.getpid(), 32), (os.getpid(), 88)]
        assert ahead.used == 0


@pytest.fixture(scope="module")
def shaped():
    """``test_grids_workers``' lumpy town (1,296 cells 40 m a side, towers, walk-ups and empty
    lots in street blocks) with the cells' shapes and a plan of 60 grids settled by the search."""
    adj, hh, xy = lumpy_town(side=36, seed=5)
    shared = adj.copy()
    shared.data = np.full(adj.nnz, 40.0)
    shapes = Shapes(np.full(len(hh), 1600.0), np.full(len(hh), 160.0), shared)
    k = int(round(hh.sum() / 400))
    start = local_search(adj, hh, xy, recursive_bisection(adj, hh, xy, k, workers=1), min_hh=300, max_hh=500,
                         weights=EQUAL_WEIGHTS)
    return adj, hh, xy, start, dict(min_hh=300, max_hh=500, weights=EQUAL_FINISH, shapes=shapes)


@pytest.fixture
def batches(monkeypatch):
    """The batches of turns sent to a worker."""
    sent = []
    real = procs.Ahead.send

    def send(self, key, args, token=None):
        if self.pool is not None and key not in self.sent and self.fn is procs._batch:
            sent.append(len(args[1]))
        return real(self, key, args, token)

    monkeypatch.setattr(procs.Ahead, "send", send)
    return sent


@pytest.mark.parametrize("pass_", [fm_pass, piece_pass])
def test_a_pass_drawn_ahead_on_two_cores_gives_the_plan_of_one(shaped, batches, pass_):
    adj, hh, xy, start, kw = shaped
    one = pass_(adj, hh, xy, start, **kw, workers=1)
    assert batches == []
    assert (one != start).any()  # it did change grids
    with one_pool():
        two = pass_(adj, hh, xy, start, **kw, workers=2)
    assert len(batches) >= 3  # turns went to the workers in batches
    np.testing.assert_array_equal(two, one)


def test_the_empty_grounds_flows_cut_in_halves_on_two_cores_give_the_plan_of_one(shaped, monkeypatch):
    """The matchings of pairs whose borders cross empty lots, cut in two halves at once (the
    second on a worker): each pair's minimum cut and score are its own, so the labels are the
    same."""
    import spatial.grids._ground as ground

    adj, hh, xy, start, kw = shaped
    sent = []
    real = procs.Ahead.send

    def send(self, key, args, token=None):
        if self.pool is not None and key not in self.sent and self.fn is ground._settle_half:
            sent.append(len(args[1]))
        return real(self, key, args, token)

    monkeypatch.setattr(procs.Ahead, "send", send)
    monkeypatch.setattr(ground, "_HALVES_PAIRS", 6)  # (the town's matchings hold about 20 pairs)
    one = ground.settle_ground(adj, hh, xy, start, weights=kw["weights"], shapes=kw["shapes"], workers=1)
    assert sent == []
    assert (one != start).any()  # borders did move onto the streets
    with one_pool():
        two = ground.settle_ground(adj, hh, xy, start, weights=kw["weights"], shapes=kw["shapes"], workers=2)
    assert len(sent) >= 2 and min(sent) >= 3  # halves of matchings went to a worker
    np.testing.assert_array_equal(two, one)
