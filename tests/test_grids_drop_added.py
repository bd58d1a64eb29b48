"""A grid a redraw split off that the band can do without is handed back to the grids round it
(``_chains.drop_added``): known answers on a row of cells, and the lumpy estate where a redraw made
nine grids where eight hold every household in the band."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import sparse

from spatial.core.checks import Report
from spatial.grids._chains import drop_added
from spatial.grids.redraw import _fix_band

DATA = Path(__file__).parent / "data"


def _row(n: int) -> sparse.csr_matrix:
    """A row of ``n`` cells, each sharing an edge of cut cost 1 with the next."""
    m = sparse.coo_matrix((np.ones(n - 1), (np.arange(n - 1), np.arange(1, n))), shape=(n, n))
    return (m + m.T).tocsr()


def _drop(hh, lab, added, *, lo, hi, fixed=None):
    hh = np.asarray(hh, dtype=float)
    fixed = np.zeros(len(hh), dtype=bool) if fixed is None else np.asarray(fixed)
    out, dropped = drop_added(_row(len(hh)), hh, np.asarray(lab), set(added), fixed, min_hh=lo, max_hh=hi)
    return out.tolist(), dropped


def test_an_added_grid_the_others_can_hold_is_handed_to_its_neighbour():
    # 600 households in three grids of 200; two grids of 200-400 hold them all
    assert _drop([100] * 6, [0, 0, 1, 1, 2, 2], {2}, lo=200, hi=400) == ([0, 0, 1, 1, 1, 1], [2])


def test_the_chains_even_out_what_the_neighbour_took():
    # band 250-350: grid 1 takes grid 2's cells (400) and hands one on to grid 0: 300 and 300
    assert _drop([100] * 6, [0, 0, 1, 1, 2, 2], {2}, lo=250, hi=350) == ([0, 0, 0, 1, 1, 1], [2])


def test_an_added_grid_stays_when_the_others_cannot_hold_its_households():
    # two grids hold at most 560 of the 600
    lab = [0, 0, 1, 1, 2, 2]
    assert _drop([100] * 6, lab, {2}, lo=200, hi=280) == (lab, [])


def test_grids_of_the_plan_and_grids_with_locked_units_stay():
    lab = [0, 0, 1, 1, 2, 2]
    assert _drop([100] * 6, lab, set(), lo=200, hi=400) == (lab, [])  # none added: the plan's grids stay
    locked = [False, False, False, False, True, False]
    assert _drop([100] * 6, lab, {2}, lo=200, hi=400, fixed=locked) == (lab, [])


def test_a_lumpy_estate_redrawn_keeps_eight_grids_where_it_had_split_to_nine():
    """89 nodes of one community (stand-in households of towers and 里弄 rows on Huangpu's streets,
    estates of 173-307 households kept whole) whose plan of seven grids grew from 2,794 to 3,431
    households. The split loop split grid 4 (633) in two, the chains left one half at 509, and it
    was split again: nine grids. Eight hold every household in the band (373-493)."""
    z = np.load(DATA / "redraw_towers.npz")
    sub = sparse.csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(len(z["hh"]),) * 2)
    names = [f"G{i}" for i in range(int(z["lab"].max()) + 1)]
    report = Report()
    lab, out_names = _fix_band(sub, z["hh"], z["xy"], z["lab"].copy(), names, z["fixed"], 300, 500, 0, report,
                               planned=z["planned"])
    ph = np.bincount(lab, weights=z["hh"])
    assert len(out_names) == 8 and ph.sum() == 3431
    assert ((ph >= 300) & (ph <= 500)).all()
    # the second split's grid stays, named as the first part split off G3 (G3-a-a until December
    # 2026, beside a row on a G3-a handed back): one row on G3 names it
    assert [n for n in out_names if n not in names] == ["G3-a"]
    rows = report.to_frame()
    assert rows[["row_id", "problem", "action"]].values.tolist() == [["G3", "held 633 households > 500",
                                                                      "split; new grid G3-a"]]
    for g in range(len(out_names)):  # every grid in one piece
        nodes = np.flatnonzero(lab == g)
        assert sparse.csgraph.connected_components(sub[nodes][:, nodes], directed=False)[0] == 1
