"""A planner's grids on data we did not make: the band held, islands measured by their own mean,
and the band-fit row said first by every command that draws grids.

Found on libpysal's 32 Mexican states (``mexicojoin.shp``) with made-up households (below):
``--balance equal`` asked for 8 grids left one at 297 households, and for 7 one at 517, "try
another --seed", though plans with every grid in 300-500 exist (the first: every restart's plan
was in the band before the finish's block re-cut took two grids of 319 and 320 to 297 and 342;
the second: every seed's plan held 517, and moving units one at a time, never raising the
households out of the band, reaches 404-499). A community in two islands measured each grid
against the community's mean (a grid of 337 on the island of 674 "53% under"), where no plan
can do better; the band-fit row ("is 'BIR74' households?") was missing from ``--redraw`` and
not first in ``spatial run``'s report.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse

from benchmarks.band_real_probe import made_up
from spatial import run_project
from spatial.cli import main
from spatial.grids._bandwalk import walk_into_band
from spatial.grids._objective import band_out, held_band
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids
from spatial.grids.redraw import redraw_grids

CRS = "EPSG:32650"


def _row_graph(n):
    i = np.arange(n - 1)
    return sparse.csr_matrix((np.ones(2 * (n - 1)), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(n, n))


def _rook(geoms, min_m=1.0) -> nx.Graph:
    """My own rook rule: polygons sharing at least 1 m of boundary."""
    g = nx.Graph()
    g.add_nodes_from(range(len(geoms)))
    for a in range(len(geoms)):
        for b in range(a + 1, len(geoms)):
            if shapely.length(shapely.intersection(geoms[a].boundary, geoms[b].boundary)) >= min_m:
                g.add_edge(a, b)
    return g


# ------------------------------------------------------------------ the band, a hard rule


def test_a_step_that_takes_a_grid_out_of_the_band_is_not_kept():
    hh = np.array([160.0, 160, 160, 160])
    before = np.array([0, 0, 1, 1])  # 320, 320: both in 300-500
    after = np.array([0, 0, 0, 1])  # 480, 160: nearer some mean, one out
    assert band_out(after, hh, 300, 500) == (1, 140.0)
    assert held_band(before, after, hh, 300, 500) is before
    assert held_band(after, before, hh, 300, 500) is before  # back into the band is kept
    # as many out, by fewer households, is kept too
    assert held_band(np.array([0, 0, 0, 1]), np.array([0, 0, 0, 0]), np.array([200.0, 200, 200, 120]), 300, 500
                     ).tolist() == [0, 0, 0, 0]


def test_the_walk_finds_the_one_plan_in_the_band_where_single_moves_help_no_further():
    # a row of 200, 200, 150, 150, 200, 200 households as 700 | 200 | 200: only 400 | 300 | 400 is in 300-500
    hh = np.array([200.0, 200, 150, 150, 200, 200])
    lab = walk_into_band(_row_graph(6), hh, np.array([0, 0, 0, 0, 1, 2]), min_hh=300, max_hh=500)
    assert pd.Series(hh).groupby(lab).sum().sort_index().tolist() == [400, 300, 400]
    assert lab.tolist() == [0, 0, 1, 1, 2, 2]


def test_the_walk_gives_nothing_where_no_plan_puts_fewer_households_out():
    # 600 in one unit: over the band in any plan; the other grid in it already
    hh = np.array([600.0, 200, 200])
    assert walk_into_band(_row_graph(3), hh, np.array([0, 1, 1]), min_hh=300, max_hh=500) is None
    # already in the band: nothing to do
    assert walk_into_band(_row_graph(3), np.array([100.0, 200, 400]), np.array([0, 0, 1]), min_hh=300,
                          max_hh=500) is None


def mexico(seed: int):
    """libpysal's Mexican states (shipped with libpysal) in UTM 14N, each made up ``households``:
    lognormal about 60 (numpy's generator of ``seed``), 8% of them towers of 180-419, 12% empty
    lots (0), capped at 480; and two estates (``gated`` E0, E1) of a state and up to two
    neighbours, each brought under 450 households."""
    examples = pytest.importorskip("libpysal.examples")
    try:
        g = gpd.read_file(examples.get_path("mexicojoin.shp"))
    except Exception as exc:  # not installed here
        pytest.skip(f"libpysal's mexico example is not installed: {exc}")
    g = (g.set_crs("EPSG:4326", allow_override=True) if g.crs is None else g)[["geometry"]].to_crs("EPSG:32614")
    return made_up(g.reset_index(drop=True), seed)


@pytest.mark.parametrize("seed, n_grids", [(1, 8), (1, 7)])
def test_equal_grids_of_uneven_states_end_in_the_band_where_a_plan_in_it_exists(seed, n_grids):
    units, comm = mexico(seed)
    res = partition_grids(units, comm, n_grids=n_grids, gated_col="gated", balance="equal")
    # my own sums of the units' households per grid, the grids' table and the band
    sums = units.assign(grid_id=res.units["grid_id"].to_numpy()).groupby("grid_id")["households"].sum()
    assert sums.sort_index().tolist() == res.grids.set_index("grid_id")["households"].sort_index().tolist()
    assert len(sums) == n_grids and sums.sum() == units["households"].sum()
    assert sums.between(300, 500).all(), sums.tolist()
    assert not res.report["action"].str.contains("another --seed").any()
    # every estate whole
    assert units.assign(g=res.units["grid_id"].to_numpy()).dropna(subset=["gated"]).groupby("gated")["g"].nunique(
        ).eq(1).all()


# ------------------------------------------------------------------ islands: each grid against its own piece


def two_islands():
    """Island A: 3 x 5 cells of 100 m (14 of 100 households, one of 89: 1,489); island B, 500 m
    east: 2 x 3 cells (5 of 112, one of 114: 674); one community over both."""
    geo = [shapely.box(100 * (i % 5), 100 * (i // 5), 100 * (i % 5) + 100, 100 * (i // 5) + 100) for i in range(15)]
    geo += [shapely.box(1000 + 100 * (i % 3), 100 * (i // 3), 1100 + 100 * (i % 3), 100 * (i // 3) + 100)
            for i in range(6)]
    units = gpd.GeoDataFrame({"unit_id": [f"U{i:02d}" for i in range(21)],
                              "households": [100] * 14 + [89] + [112] * 5 + [114]}, geometry=geo, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(-10, -10, 1310, 310)], crs=CRS)
    return units, comm


def _island_reference(units, grid_of):
    """Each grid's target: households of its island (my rook rule, networkx) over its grids there."""
    g = _rook(list(units.geometry))
    island = np.zeros(len(units), dtype=int)
    for n, comp in enumerate(nx.connected_components(g)):
        island[list(comp)] = n
    t = pd.DataFrame({"grid": grid_of, "island": island, "hh": units["households"].to_numpy()})
    per = t.groupby("grid").agg(hh=("hh", "sum"), island=("island", "first"))
    per["target"] = per.groupby("island")["hh"].transform("mean")
    return per


def test_a_grid_on_an_island_is_measured_against_its_islands_mean_grid_and_the_report_gives_both():
    units, comm = two_islands()
    res = partition_grids(units, comm, n_grids=5)
    ref = _island_reference(units, res.units["grid_id"].to_numpy())
    got = res.grids.set_index("grid_id").sort_index()
    np.testing.assert_allclose(got["target_households"], ref["target"].sort_index())
    np.testing.assert_allclose(got["deviation_pct"], 100 * (ref["hh"] - ref["target"]).sort_index()
                               / ref["target"].sort_index())
    assert sorted(ref.groupby("island").size().tolist()) == [2, 3]  # 1,489 in 3 grids, 674 in 2
    assert got["deviation_pct"].abs().max() < 5  # where the community's mean (433) made the 337s 22% off
    row = res.report[(res.report["row_id"] == "C1") & res.report["problem"].str.contains("pieces")]
    assert row["problem"].tolist() == ["its units are in 2 pieces that share no edge, of 1,489 and 674 households "
                                       "in 3 and 2 grids"]
    assert row["action"].iloc[0].startswith("each grid's target_households is the mean grid of its own piece "
                                            "(496 and 337), not of the community (433)")
    # evaluate_grids keeps the same rule on the units, and says it in the same row
    ev = evaluate_grids(res.units, comm)
    scored = ev.grids.set_index("grid_id").sort_index()
    np.testing.assert_allclose(scored["target_households"], got["target_households"])
    np.testing.assert_allclose(scored["deviation_pct"], got["deviation_pct"])
    assert ev.report["problem"].str.startswith("its units are in 2 pieces that share no edge").sum() == 1
    # the grid polygons alone tile the community across the water: one piece, the community's mean
    outlines = evaluate_grids(res.grids[["grid_id", "households", "geometry"]], comm).grids
    np.testing.assert_allclose(outlines["target_households"], 2163 / 5)


def test_a_community_in_one_piece_keeps_its_mean_grid_and_no_row():
    units, comm = two_islands()
    units, comm = units.iloc[:15], comm.assign(geometry=[shapely.box(-10, -10, 510, 310)])
    res = partition_grids(units, comm, n_grids=3)
    assert np.allclose(res.grids["target_households"], 1489 / 3)
    assert not res.report["problem"].str.contains("pieces that share no edge").any()


# ------------------------------------------------------------------ the band-fit row, first everywhere


def _births():
    """Four units in a row, three over 500 ('births', not households), one community."""
    units = gpd.GeoDataFrame({"unit_id": ["U0", "U1", "U2", "U3"], "births": [600, 700, 800, 100]},
                             geometry=[shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(4)], crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 400, 100)], crs=CRS)
    return units, comm


FIT = "3 of 4 units with households hold more than 500 households each (median 650): is 'births' a count of households?"


def test_a_redraw_says_the_column_does_not_fit_the_band_once_first():
    units, comm = _births()
    plan = pd.DataFrame({"unit_id": ["U0", "U1", "U2", "U3"], "grid_id": ["A", "A", "B", "B"]})
    res = redraw_grids(units, comm, plan, households_col="births")
    assert res.report["problem"].iloc[0] == FIT
    assert (res.report["problem"] == FIT).sum() == 1


def test_spatial_grids_redraw_says_it_first(tmp_path):
    units, comm = _births()
    units.to_file(tmp_path / "u.gpkg")
    comm.to_file(tmp_path / "c.gpkg")
    pd.DataFrame({"unit_id": ["U0", "U1", "U2", "U3"], "grid_id": ["A", "A", "B", "B"]}).to_csv(
        tmp_path / "plan.csv", index=False)
    out = tmp_path / "out.gpkg"
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--households-col", "births",
                 "--existing", str(tmp_path / "plan.csv"), "--redraw", "--out", str(out)]) == 0
    report = gpd.read_file(out, layer="report")
    assert report["problem"].iloc[0] == FIT and (report["problem"] == FIT).sum() == 1


def test_spatial_run_says_it_first_above_the_validations_rows(tmp_path):
    units, comm = _births()
    units.to_file(tmp_path / "u.gpkg")
    comm.to_file(tmp_path / "c.gpkg")
    project = tmp_path / "p.toml"
    project.write_text('[project]\nname = "t"\noutput = "out"\n[inputs]\ncommunities = "c.gpkg"\n'
                       'units = { path = "u.gpkg", households_col = "births" }\n'
                       "[outputs]\nmaps = false\nworkbook = false\npng = false\n", encoding="utf-8")
    report = run_project(project).layers["report"]
    assert report["problem"].iloc[0] == FIT and (report["problem"] == FIT).sum() == 1


def test_the_editor_measures_an_islands_grids_against_the_islands_mean_as_the_grids_layer_does(tmp_path):
    pytest.importorskip("selenium.webdriver")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_editor_browser import _chrome, _move, _open, _stats

    from spatial.maps.editor import save_grid_editor

    units, comm = two_islands()
    res = partition_grids(units, comm, n_grids=5)
    page = save_grid_editor(res.units.assign(community_id="C1"), tmp_path / "islands.html", lang="en",
                            max_deviation_pct=5)
    want = res.grids.set_index("grid_id")["deviation_pct"].round(1).to_dict()
    driver = _chrome(tmp_path, 1400, 900)
    try:
        _open(driver, page)
        assert {g: s["deviation_pct"] for g, s in _stats(driver).items()} == want
        # a unit moved between the island's two grids: each off the island's mean (337) by the move
        small = sorted(res.units.loc[res.units["unit_id"] >= "U15", "grid_id"].unique())
        u = res.units.loc[res.units["grid_id"] == small[0], "unit_id"]
        moved = next(x for x in u if _move(driver, [x], small[1])["moved"] == [x])
        hh = float(units.set_index("unit_id").loc[moved, "households"])
        dev = {g: s["deviation_pct"] for g, s in _stats(driver).items()}
        h0 = res.grids.set_index("grid_id")["households"]
        assert dev[small[0]] == round(100 * (h0[small[0]] - hh - 337) / 337, 1)
        assert dev[small[1]] == round(100 * (h0[small[1]] + hh - 337) / 337, 1)
    finally:
        driver.quit()
