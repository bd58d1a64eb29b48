"""A redraw whose chains and splits leave grids out of the band because a locked unit stands in
the way draws the community's grids again all together, keeping each grid's locked units
(``_recut.recut_whole``): known answers on a row of four units."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from scipy import sparse
from shapely.geometry import box

import spatial
from spatial.grids._recut import recut_whole

BAND = dict(min_households=150, max_households=250)


def _row():
    """Units u1..u4 of 100, 120, 90 and 110 households, 50 m wide, west to east; grids A = u1-u3
    (310, over the band) and B = u4 (110, under it)."""
    units = gpd.GeoDataFrame({"unit_id": ["u1", "u2", "u3", "u4"], "community_id": "C1",
                              "households": [100, 120, 90, 110], "grid_id": ["A", "A", "A", "B"]},
                             geometry=[box(50 * i, 0, 50 * (i + 1), 100) for i in range(4)], crs="EPSG:32650")
    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)], crs="EPSG:32650")
    return units, community


def test_a_lock_in_the_way_of_the_chains_gets_the_community_drawn_again():
    # unit 3 locked in A: no chain passes it to B, so A was split ({u1} 100 | {u2, u3} 210) and
    # two grids stayed under the band; A = {u3, u4} (200) and {u1, u2} (220) are both in it
    units, community = _row()
    r = spatial.redraw_grids(units, community, locked=["u3"], **BAND)
    grid = dict(zip(r.units["unit_id"], r.units["grid_id"]))
    assert grid == {"u1": "A-a", "u2": "A-a", "u3": "A", "u4": "A"}
    assert sorted(r.grids["households"].tolist()) == [200, 220]
    rows = r.report[r.report["action"].str.startswith("the community's grids drawn again all together")]
    assert rows["row_id"].tolist() == ["B、A-a"]
    assert r.moves.set_index("unit_id")["new_grid"].to_dict() == {"u1": "A-a", "u2": "A-a", "u4": "A"}


def test_without_the_lock_the_chains_do_it_and_nothing_is_drawn_again():
    units, community = _row()
    r = spatial.redraw_grids(units, community, **BAND)
    assert ((r.grids["households"] >= 150) & (r.grids["households"] <= 250)).all()
    assert not r.report["action"].str.startswith("the community's grids drawn again").any()


def test_no_cut_is_taken_that_would_put_two_grids_locked_units_together():
    # the one cut in the band ({u1, u2} | {u3, u4}) puts u1 (locked in A) with u2 (locked in B)
    adj = sparse.diags([np.ones(3), np.ones(3)], [-1, 1], shape=(4, 4), format="csr")
    hh = np.array([100.0, 120, 90, 110])
    xy = np.column_stack([np.arange(4) * 50.0 + 25, np.full(4, 50.0)])
    lab = np.array([0, 1, 1, 1])  # A = {u1} (100), B = {u2, u3, u4} (320)
    fixed = np.array([True, True, False, False])
    got = recut_whole(adj, hh, xy, lab, ["A", "B"], lab.copy(), fixed, 150, 250, 0, lambda n, names: n)
    assert got is None
    unlocked = recut_whole(adj, hh, xy, lab, ["A", "B"], lab.copy(), np.zeros(4, bool), 150, 250, 0,
                           lambda n, names: n)
    assert unlocked is not None and sorted(np.bincount(unlocked[0], weights=hh).tolist()) == [200, 220]
