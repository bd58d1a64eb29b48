"""Grids out of the band: found where a plan exists, proved where none does.

On libpysal's polygons with made-up households (``tests/test_outside_band_islands.py``'s recipe),
the report said "try another --seed" for grids no plan can put in the band, and
``balance="band"`` left a grid out where a plan in the band exists. Whether a plan exists is
decided here by my own code: every labelling of a tiny town into connected grids (networkx), or
on the real polygons a plan checked by my own sums and my own rook graph.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from benchmarks.band_real_probe import made_up
from spatial.grids.partition import partition_grids

sys.path.insert(0, str(Path(__file__).parent))
from test_outside_band_islands import mexico  # noqa: E402  (the made-up households of that file)

CRS = "EPSG:32650"


def _row_town(households, gated=None):
    """Squares of 100 m in a row, one community."""
    n = len(households)
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(n)], "households": households,
                              "gated": gated if gated is not None else [None] * n},
                             geometry=[shapely.box(100 * i, 0, 100 * i + 100, 100) for i in range(n)], crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 100 * n, 100)], crs=CRS)
    return units, comm


def _grid_town(households, cols):
    """Squares of 100 m, ``cols`` a row, filled row by row; one community."""
    n = len(households)
    geo = [shapely.box(100 * (i % cols), 100 * (i // cols), 100 * (i % cols) + 100, 100 * (i // cols) + 100)
           for i in range(n)]
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(n)], "households": households,
                              "gated": [None] * n}, geometry=geo, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.union_all(geo).buffer(0.01)], crs=CRS)
    return units, comm


def _rook(geoms) -> nx.Graph:
    """My own rook rule: polygons sharing at least 1 m of boundary."""
    g = nx.Graph()
    g.add_nodes_from(range(len(geoms)))
    for a, b in itertools.combinations(range(len(geoms)), 2):
        if shapely.length(shapely.intersection(geoms[a].boundary, geoms[b].boundary)) >= 1:
            g.add_edge(a, b)
    return g


def _plans_in_band(units, k, lo=300, hi=500):
    """Every labelling of the units into ``k`` connected grids with all in ``lo``-``hi`` (brute force:
    labels in order of first use, each grid checked by networkx)."""
    g, hh = _rook(list(units.geometry)), units["households"].to_numpy()
    n, found = len(units), []
    for lab in itertools.product(range(k), repeat=n - 1):
        lab = (0, *lab)
        if max(lab) != k - 1 or any(lab[i] > max(lab[:i]) + 1 for i in range(1, n)):
            continue
        sums = np.bincount(lab, weights=hh, minlength=k)
        if ((sums >= lo) & (sums <= hi)).all() and all(
                nx.is_connected(g.subgraph([i for i in range(n) if lab[i] == p])) for p in range(k)):
            found.append(lab)
    return found


def test_units_behind_one_unit_beside_an_estate_are_proved_out_of_the_band():
    # 33 | 93 | 23 | 352 | 400 | 300: the first three reach the rest only through the third, and
    # hold 149; any grid holding them holds the 352 beyond (501). Three grids of a mean 400.
    units, comm = _row_town([33, 93, 23, 352, 400, 300])
    assert _plans_in_band(units, 3) == []  # my own proof: no plan puts all three in 300-500
    res = partition_grids(units, comm, n_grids=3)
    rows = res.report[res.report["row_id"] == "U0, U1, U2"]
    assert rows["problem"].tolist() == [
        "these 3 units (33, 93, 23 households, 149 in all) reach the rest of their community only through U2, so "
        "one grid holds them all: under 300 with all the lighter units they could join, and over 500 with any "
        "neighbour of more than 351 households; the lightest neighbour beyond holds 352, 501 in all"]
    assert rows["action"].iloc[0].startswith("no grid holding them can be in the band, in any plan")
    assert not res.report["action"].str.contains("another --seed").any()
    # the grid out of the band is the one holding them, and its own row points to theirs
    grid = res.units.loc[res.units["unit_id"] == "U0", "grid_id"].iloc[0]
    assert res.grids.set_index("grid_id").loc[grid, "households"] == 501
    assert res.report.loc[res.report["row_id"] == grid, "action"].str.contains("the rows on it").all()


def test_too_many_units_that_cannot_share_a_grid_for_the_count_asked_are_proved_by_counting():
    # 400, 405, 405 (no two fit one grid of 500) and three of 95: four grids leave the fourth
    # 285 households at most, under 300. Mean 374, in the band: the count's own row says nothing.
    units, comm = _grid_town([400, 95, 405, 95, 405, 95], cols=3)
    assert _plans_in_band(units, 4) == []  # my own proof
    assert _plans_in_band(units, 3) != []  # and the fewer grids the row asks for do fit
    res = partition_grids(units, comm, n_grids=4)
    row = res.report[(res.report["layer"] == "communities") & res.report["problem"].str.contains("no two fit")]
    assert row["problem"].tolist() == [
        "3 units or estates hold 400–405 households each and no two fit one grid (any two pass 500): 3 of the 4 "
        "grids hold one each, and the other 1 must be made of the remaining 285 households, short of the 300 the "
        "band asks (300 each)"]
    assert row["action"].tolist() == ["no plan of 4 grids is in the band: ask for fewer grids, or lower the minimum"]
    assert not res.report["action"].str.contains("another --seed").any()


def test_more_units_that_cannot_share_a_grid_than_grids_asked_says_how_many_are_needed():
    # four towers of 310 (two pass 500) in three grids: the mean (413) is in the band, no plan is
    units, comm = _grid_town([310, 310, 310, 310], cols=2)
    assert _plans_in_band(units, 3) == [] and _plans_in_band(units, 4) != []
    res = partition_grids(units, comm, n_grids=3)
    row = res.report[(res.report["layer"] == "communities") & res.report["problem"].str.contains("no two fit")]
    assert row["problem"].tolist() == ["4 units or estates hold 310 households each and no two fit one grid "
                                       "(any two pass 500): 3 grids cannot hold them"]
    assert row["action"].tolist() == ["no plan of 3 grids is in the band: ask for 4 grids or more, or widen the band"]


def test_a_town_where_a_plan_in_the_band_exists_gets_no_proof_row():
    units, comm = _grid_town([400, 95, 405, 95, 405, 95], cols=3)
    res = partition_grids(units, comm, n_grids=3)
    assert res.grids["households"].between(300, 500).all()
    assert not res.report["problem"].str.contains("no two fit|only through").any()


# ------------------------------------------------------------------ real polygons


def columbus(seed: int):
    """libpysal's 49 Columbus neighbourhoods (coordinates read as km, scaled to metres) with the
    households of ``test_outside_band_islands.mexico``'s recipe for ``seed``."""
    examples = pytest.importorskip("libpysal.examples")
    try:
        g = gpd.read_file(examples.get_path("columbus.shp"))
    except Exception as exc:  # not installed here
        pytest.skip(f"libpysal's columbus example is not installed: {exc}")
    g = gpd.GeoDataFrame(geometry=g.geometry.scale(1000, 1000, origin=(0, 0)).values, crs="EPSG:32617")
    return made_up(g, seed)


def test_band_balance_on_columbus_finds_the_plan_in_the_band_its_first_run_missed():
    # seed 0's run and every walk from it left one grid at 288; a plan with all 13 in the band exists
    units, comm = columbus(3)
    res = partition_grids(units, comm, n_grids=13, gated_col="gated", balance="band")
    grid = res.units["grid_id"].to_numpy()
    sums = units.assign(g=grid).groupby("g")["households"].sum()  # my own sums
    assert len(sums) == 13 and sums.between(300, 500).all(), sorted(sums.tolist())
    g = _rook(list(units.geometry))  # each grid connected on my own rook graph, each estate whole
    assert all(nx.is_connected(g.subgraph(np.flatnonzero(grid == x).tolist())) for x in sums.index)
    assert units.assign(g=grid).dropna(subset=["gated"]).groupby("gated")["g"].nunique().eq(1).all()


@pytest.mark.parametrize("balance", ["equal", "band"])
def test_mexican_states_behind_one_state_beside_an_estate_are_named_not_another_seed(balance):
    units, comm = mexico(3)  # U013 (33), U014 (23), U016 (93) reach the rest only through U014, then E1 (352)
    res = partition_grids(units, comm, n_grids=6, gated_col="gated", balance=balance)
    row = res.report[res.report["row_id"] == "U013, U014, U016"]
    assert len(row) == 1 and "only through U014" in row["problem"].iloc[0]
    assert "149 in all" in row["problem"].iloc[0] and "352, 501 in all" in row["problem"].iloc[0]
    # my own check of the pocket: without U014 the other two touch no unit but each other
    g = _rook(list(units.geometry))
    ids = units["unit_id"].tolist()
    side = nx.node_connected_component(g.subgraph([i for i in g if ids[i] != "U014"]), ids.index("U013"))
    assert sorted(ids[i] for i in side) == ["U013", "U016"]
    assert not res.report["action"].str.contains("another --seed").any()


def test_nine_grids_of_mexican_states_are_proved_too_many_by_counting():
    units, comm = mexico(1)
    res = partition_grids(units, comm, n_grids=9, gated_col="gated", balance="band")
    row = res.report[res.report["problem"].str.contains("no two fit")]
    assert row["problem"].str.startswith("5 units or estates hold 292–438 households each").all() and len(row) == 1
    # my own count: the five heaviest (estates whole) and what the others hold
    groups = units.assign(key=units["gated"].fillna(units["unit_id"])).groupby("key")["households"].sum()
    heavy = groups.nlargest(5)
    assert heavy.nsmallest(2).sum() > 500 and groups.sum() - heavy.sum() == 1170
    assert f"remaining {groups.sum() - heavy.sum():,} households, short of the 1,208" in row["problem"].iloc[0]
    assert not res.report["action"].str.contains("another --seed").any()
