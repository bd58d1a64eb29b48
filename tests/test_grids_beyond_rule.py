"""Specification: grids that no plan can bring within the deviation rule.

A gated estate of 342 households whose only neighbours are a lot with no homes and, beyond it,
buildings of 103 households and more, where the mean grid is 399: alone its grid is 14% under,
with anything more at least 11.5% over. No plan puts it within 5% (the uneven benchmark town of
seed 20 at 2,000 units has such an estate). Such a grid is

- not what tells the restarts' plans apart (``_grade``: the other grids decide), and
- reported as beyond any plan, with the proof, rather than as "no move or swap found".

The known answers are worked out by hand from the drawings in each test.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import sparse

from spatial.grids import _engine
from spatial.grids._objective import EQUAL_WEIGHTS
from spatial.grids.partition import partition_grids

CRS = "EPSG:32650"


def path_graph(n: int) -> sparse.csr_matrix:
    i = np.arange(n - 1)
    m = sparse.coo_matrix((np.ones(n - 1), (i, i + 1)), shape=(n, n))
    return (m + m.T).tocsr()


def test_an_estate_every_neighbour_of_which_overshoots_is_beyond_the_rule():
    # 342 | lot 0 | 103 | 120 | 113 | 120: two parts of 399; within 5% means 379.05-418.95.
    # The estate alone (or with the lot) holds 342, with the lot and the 103 it holds 445.
    hh = np.array([342, 0, 103, 120, 113, 120], dtype=float)
    flags = _engine.unevenable(path_graph(6), hh, 2, within=0.05)
    assert flags.tolist() == [True, False, False, False, False, False]
    # within 12% (351-447) the estate with the lot and the 103 will do
    assert not _engine.unevenable(path_graph(6), hh, 2, within=0.12).any()


def test_a_component_of_one_part_is_never_beyond_the_rule():
    # two separate pieces: the first holds exactly its one part, whatever its size
    adj = sparse.block_diag([path_graph(2), path_graph(4)]).tocsr()
    hh = np.array([300, 20, 200, 200, 200, 200], dtype=float)
    assert not _engine.unevenable(adj, hh, 3, within=0.05).any()


def test_plans_are_graded_by_the_grids_a_plan_can_bring_within_the_rule():
    # estate 342 | lot 0 | 103 | 391 plots of 5: six parts of 400 (2,400 households); within 5%
    # means 380-420, so the estate's grid is 342 (14.5% under) or 445 and more (11.25% over).
    hh = np.r_[342.0, 0.0, 103.0, np.full(391, 5.0)]
    adj, xy = path_graph(len(hh)), np.column_stack([np.arange(len(hh), dtype=float), np.zeros(len(hh))])
    kw = dict(min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    stuck = _engine.hemmed_in(adj, hh, min_hh=300, max_hh=500)
    uneven = _engine.unevenable(adj, hh, 6, within=0.05)
    assert np.flatnonzero(uneven).tolist() == [0] and not stuck.any()
    # near: the estate's grid 445, the others 370 (7.5% under), 395, 395, 395 and 400
    near = np.r_[0, 0, 0, np.repeat([1, 2, 3, 4, 5], [74, 79, 79, 79, 80])]
    # even: the estate's grid 342, the others 403 (with the 103), 410, 415, 415 and 415
    even = np.r_[0, 0, 1, np.repeat([1, 2, 3, 4, 5], [60, 82, 83, 83, 83])]
    for plan, sizes in ((near, [445, 370, 395, 395, 395, 400]), (even, [342, 403, 410, 415, 415, 415])):
        assert np.bincount(plan, weights=hh).tolist() == sizes
    g_near, g_even = (_engine._grade(adj, hh, xy, p, stuck, uneven, **kw) for p in (near, even))
    # the estate's grid aside, near's furthest grid is 2.5 points past the rule and even's none:
    # even first, though its estate's grid is further off (14.5% against 11.25%)
    assert (g_near[2], g_even[2]) == (0.025, 0.0)
    assert g_even < g_near
    # without the proof the estate's grid decided: near first
    assert _engine._grade(adj, hh, xy, near, stuck, **kw) < _engine._grade(adj, hh, xy, even, stuck, **kw)


def row_town(gated: bool):
    """A row of 100 m plots in one community: an estate of 342 households (two plots of 171 when
    ``gated``, kept together), a lot with no homes, then plots of 103, 120, 113, 120 and 100,
    100, 99, 100; three grids of 399 (1,197 households; within 5%: 380-418 whole households)."""
    hh = ([171, 171] if gated else [342]) + [0, 103, 120, 113, 120, 100, 100, 99, 100]
    ids = [f"U{i:02d}" for i in range(len(hh))]
    units = gpd.GeoDataFrame({"unit_id": ids, "households": hh,
                              "gated": (["E", "E"] if gated else [None]) + [None] * (len(hh) - (2 if gated else 1))},
                             geometry=[shapely.box(100 * i, 0, 100 * i + 100, 100) for i in range(len(hh))], crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 100 * len(hh), 100)], crs=CRS)
    return units, comm


@pytest.mark.parametrize("gated", [False, True])
def test_a_grid_no_plan_brings_within_the_rule_is_reported_with_the_proof(gated):
    units, comm = row_town(gated)
    res = partition_grids(units, comm, n_grids=3)
    grid_of = res.units.set_index("unit_id")["grid_id"]
    estate = grid_of["U00"]
    rows = res.report[(res.report["layer"] == "grids") & res.report["problem"].str.contains("mean grid")]
    row = rows.set_index("row_id").loc[estate]
    what = "the 2 units kept together (U00, U01) hold" if gated else "unit U00 holds"
    assert row["problem"].endswith(f"; {what} 342 households: fewer than the 380 the rule needs, alone and with "
                                   f"all the lighter units {'they' if gated else 'it'} could join, and more than 418 "
                                   "with any neighbour of more than 76")
    assert row["action"].startswith("no plan puts a grid holding")
    assert "within 5% of the mean" in row["action"] and "--max-deviation" in row["action"]
    assert "342 户" in row["problem_zh"] and "任何方案中包含" in row["action_zh"]
    # a looser rule (12%: 351-447) lets the estate take the lot and the 103: no row on it
    loose = partition_grids(units, comm, n_grids=3, max_deviation_pct=12)
    assert not loose.report["action"].str.startswith("no plan puts a grid").any()
