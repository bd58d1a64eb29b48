"""Specification of streets read from block outlines when no road layer is given (issue 14).

Units that are blocks of parcels separated by street gaps are neighbours across the gap, and
the gap is a street; units that tile the community follow a ``blocks`` column's block lines.
The references (which units form which block, where the streets run) are written down from
the drawings below, not computed by the code under test.
"""

from __future__ import annotations

import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.core.errors import ColumnError
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids

CRS = "EPSG:32650"
STREET_M = 12.0


def gap_town():
    """2 x 2 superblocks of uneven size (columns 120 and 80 m wide, rows 90 and 110 m tall)
    separated by 12 m streets, each cut into 2-3 parcels (the units), households uneven:
    left column 300 + 500, right column 100 + 700 (balanced only left against right)."""
    xs = [(0.0, 120.0), (120.0 + STREET_M, 212.0)]
    ys = [(0.0, 90.0), (90.0 + STREET_M, 212.0)]
    spec = {  # block (col, row): (parcels, split across x?, households per parcel)
        (0, 0): (3, True, [80, 120, 100]),
        (0, 1): (2, False, [260, 240]),
        (1, 0): (2, True, [40, 60]),
        (1, 1): (3, False, [250, 230, 220]),
    }
    recs = []
    for (c, r), (n, along_x, hh) in spec.items():
        (x0, x1), (y0, y1) = xs[c], ys[r]
        for p in range(n):
            if along_x:
                box = shapely.box(x0 + (x1 - x0) * p / n, y0, x0 + (x1 - x0) * (p + 1) / n, y1)
            else:
                box = shapely.box(x0, y0 + (y1 - y0) * p / n, x1, y0 + (y1 - y0) * (p + 1) / n)
            recs.append({"unit_id": f"B{c}{r}-{p}", "block": f"B{c}{r}", "households": hh[p], "geometry": box})
    units = gpd.GeoDataFrame(recs, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 212, 212)], crs=CRS)
    return units, comm


def tiled_town():
    """4 x 4 parcels of 50 x 45 m tiling a 200 x 180 m community, uneven households whose
    left/right halves and bottom/top halves both hold 800; blocks: rows split at y = 90 (the
    two halves), columns split at x = 50 (one column against three)."""
    hh = np.array([[150, 50, 120, 80], [90, 110, 60, 140], [100, 100, 130, 70], [60, 140, 90, 110]])
    recs = []
    for r in range(4):
        for c in range(4):
            recs.append({"unit_id": f"U{r}{c}", "households": int(hh[r, c]),
                         "block": f"{'S' if r < 2 else 'N'}{'W' if c < 1 else 'E'}",
                         "geometry": shapely.box(c * 50, r * 45, (c + 1) * 50, (r + 1) * 45)})
    units = gpd.GeoDataFrame(recs, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 200, 180)], crs=CRS)
    return units, comm


def groups(res, col="unit_id"):
    return sorted(sorted(g) for g in res.units.groupby("grid_id")[col].apply(set))


def check_polygons(res, units):
    """Every grid polygon holds all of its own units and none of another grid's."""
    polys = res.grids.set_index("grid_id").geometry
    for _, u in res.units.iterrows():
        own = polys[u["grid_id"]]
        assert shapely.difference(u.geometry, own).area < 1e-3
        others = polys.drop(u["grid_id"])
        assert shapely.intersection(u.geometry, shapely.union_all(others.values)).area < 1e-3


def test_blocks_across_a_street_gap_are_neighbours_and_the_cut_follows_the_gap():
    units, comm = gap_town()
    one = partition_grids(units, comm, n_grids=1)
    assert one.units["grid_id"].nunique() == 1  # one community, not four islands
    assert len(one.grids) == 1 and one.grids.geometry.iloc[0].geom_type == "Polygon"
    res = partition_grids(units, comm, n_grids=2)
    assert groups(res, "block") == [["B00", "B01"], ["B10", "B11"]]  # along the vertical street
    assert sorted(res.grids["households"]) == [800, 800]
    assert res.grids["road_share"].min() > 0.99  # the border between the grids is the street
    check_polygons(res, units)
    union = shapely.union_all(res.grids.geometry.values)
    assert abs(union.area - comm.geometry.iloc[0].area) < 1.0  # the streets are shared out, no gap
    assert res.report["problem"].str.contains("street gaps").any()
    assert not res.report["problem"].str.contains("separate pieces").any()


def test_a_community_drawn_on_the_street_middle_splits_its_outer_street_between_grids():
    # the community's outline runs along the middle of the streets around the town (6 m out):
    # that outer street goes to the units facing it, not all to one grid wrapped round the town
    units, _ = gap_town()
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(-6, -6, 218, 218)], crs=CRS)
    res = partition_grids(units, comm, n_grids=2)
    assert groups(res, "block") == [["B00", "B01"], ["B10", "B11"]]
    bounds = res.grids.set_index("grid_id").geometry.bounds
    left = res.units.loc[res.units["block"] == "B00", "grid_id"].iloc[0]
    # up to the middle of the 12 m street (within the 4 m spacing of the points that split it)
    assert bounds.loc[left].tolist() == pytest.approx([-6.0, -6.0, 126.0, 218.0], abs=0.5)
    assert (res.grids.geom_type == "Polygon").all()
    check_polygons(res, units)


def test_evaluate_on_the_units_agrees_with_the_partition_across_street_gaps():
    units, comm = gap_town()
    res = partition_grids(units, comm, n_grids=2)
    ev = evaluate_grids(res.units, comm, min_households=700, max_households=900)
    assert (ev.grids["components"] == 1).all()  # contiguous across the street, as the partition says
    got = ev.grids.set_index("grid_id")["road_share"]
    want = res.grids.set_index("grid_id")["road_share"]
    assert np.allclose(got.reindex(want.index), want, atol=0.02)
    one = partition_grids(units, comm, n_grids=1)
    assert int(evaluate_grids(one.units, comm).summary["n_not_contiguous"].iloc[0]) == 0


def test_tiling_units_follow_the_block_column():
    units, comm = tiled_town()
    free = partition_grids(units.drop(columns="block"), comm, n_grids=2)
    # without streets the shorter, more compact cut runs down the middle, through both blocks
    assert groups(free) == [["U00", "U01", "U10", "U11", "U20", "U21", "U30", "U31"],
                            ["U02", "U03", "U12", "U13", "U22", "U23", "U32", "U33"]]
    res = partition_grids(units, comm, n_grids=2, blocks="block")
    assert groups(res) == [["U00", "U01", "U02", "U03", "U10", "U11", "U12", "U13"],
                           ["U20", "U21", "U22", "U23", "U30", "U31", "U32", "U33"]]
    assert sorted(res.grids["households"]) == [800, 800]
    assert res.grids["road_share"].min() > 0.99
    check_polygons(res, units)
    ev = evaluate_grids(res.units, comm, blocks="block")
    assert ev.grids["road_share"].min() > 0.99
    assert float(ev.summary["mean_road_share"].iloc[0]) == pytest.approx(res.grids["road_share"].mean(), abs=0.02)
    # the unchanged plan scored against the same block lines: the middle cut is off the streets
    ev_free = evaluate_grids(free.units.assign(block=units["block"].to_numpy()), comm, blocks="block")
    assert ev_free.grids["road_share"].max() < 0.3


def test_no_roads_and_no_blocks_leaves_borders_unweighted_and_says_so():
    units, comm = tiled_town()
    res = partition_grids(units.drop(columns="block"), comm, n_grids=2)
    rows = res.report[res.report["layer"] == "roads"]
    assert len(rows) == 1 and rows["action"].str.contains("not weighted by streets").all()
    assert res.grids["road_share"].isna().all()
    # the same units with the block column given say where the streets came from
    named = partition_grids(units, comm, n_grids=2, blocks="block")
    assert named.report["problem"].str.contains("block outlines are the streets").any()


def test_a_missing_block_column_is_named():
    units, comm = tiled_town()
    with pytest.raises(ColumnError, match="no column 'jiefang' for blocks"):
        partition_grids(units, comm, blocks="jiefang")
    with pytest.raises(ValueError, match="blocks needs units"):
        evaluate_grids(partition_grids(units, comm, n_grids=2).grids, comm, blocks="block")


def test_roads_and_a_street_gap_town_redraw_with_blocks():
    units, comm = gap_town()
    plan = pd.Series({u: "A" for u in units["unit_id"]})
    from spatial.grids.redraw import redraw_grids

    res = redraw_grids(units, comm, plan, min_households=700, max_households=900)
    assert groups(res, "block") == [["B00", "B01"], ["B10", "B11"]]
    assert res.grids["road_share"].min() > 0.99


def test_cli_blocks_option_draws_along_block_lines_and_names_a_missing_column(tmp_path, capsys):
    from spatial.cli import main

    units, comm = tiled_town()
    units.to_file(tmp_path / "units.gpkg")
    comm.to_file(tmp_path / "comm.gpkg")
    out = tmp_path / "out.gpkg"
    args = ["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--grids", "2", "--out", str(out)]
    assert main([*args, "--blocks", "block"]) == 0
    grids = gpd.read_file(out, layer="grids")
    assert grids["road_share"].min() > 0.99
    got = gpd.read_file(out, layer="units").groupby("grid_id")["block"].apply(lambda b: sorted(set(b)))
    assert sorted(got) == [["NE", "NW"], ["SE", "SW"]]
    capsys.readouterr()
    assert main([*args, "--blocks", "jiefang"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'jiefang'" in err and "units.gpkg" in err
    # evaluate the plan just drawn against the same block lines
    scores = tmp_path / "scores.gpkg"
    assert main(["grids", "--evaluate", f"{out}:units", str(tmp_path / "comm.gpkg"), "--blocks", "block",
                 "--out", str(scores)]) == 0
    assert gpd.read_file(scores, layer="grid_scores")["road_share"].min() > 0.99


def test_irregular_parcels_in_uneven_blocks_with_streets_of_two_widths():
    # 3 x 3 blocks of uneven size, streets 10 and 16 m wide, each block a Voronoi tessellation of
    # 5-9 random parcels with 20-80 households: every grid connected (across streets where it
    # crosses one), every unit inside its own grid's polygon, the community tiled, households kept
    rng = np.random.default_rng(7)
    widths, heights, streets = [90.0, 140.0, 110.0], [120.0, 80.0, 100.0], [10.0, 16.0]
    xs = np.cumsum([0.0, widths[0], streets[0], widths[1], streets[1], widths[2]])
    ys = np.cumsum([0.0, heights[0], streets[1], heights[1], streets[0], heights[2]])
    recs = []
    for i in range(3):
        for j in range(3):
            block = shapely.box(xs[2 * i], ys[2 * j], xs[2 * i + 1], ys[2 * j + 1])
            x0, y0, x1, y1 = block.bounds
            n = int(rng.integers(5, 10))
            pts = shapely.multipoints(np.column_stack([rng.uniform(x0 + 1, x1 - 1, n), rng.uniform(y0 + 1, y1 - 1, n)]))
            cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=block)), block)
            for k, cell in enumerate(cells):
                recs.append({"unit_id": f"B{i}{j}-{k}", "block": f"B{i}{j}", "households": int(rng.integers(20, 81)),
                             "geometry": cell})
    units = gpd.GeoDataFrame(recs, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, xs[-1], ys[-1])], crs=CRS)
    res = partition_grids(units, comm)
    assert res.units["grid_id"].notna().all()
    assert res.grids["households"].sum() == units["households"].sum()
    assert (res.grids.geom_type == "Polygon").all()
    check_polygons(res, units)
    union = shapely.union_all(res.grids.geometry.values)
    assert abs(union.area - comm.geometry.iloc[0].area) < 1.0
    assert abs(res.grids.area.sum() - union.area) < 1.0  # no overlaps
    ev = evaluate_grids(res.units, comm)
    assert int(ev.summary["n_not_contiguous"].iloc[0]) == 0
    got = ev.grids.set_index("grid_id")["road_share"]
    want = res.grids.set_index("grid_id")["road_share"]
    assert np.allclose(got.reindex(want.index).fillna(-1), want.fillna(-1), atol=0.05)


def test_building_footprints_are_joined_across_their_gaps_but_not_read_as_blocks():
    # 3 x 3 footprints of 20 x 20 m, 15 m apart, flush with the community's outline: they cover
    # 9 * 400 / 90² = 44% of the land, so the gaps are not streets between blocks (the report
    # says so) yet every grid is connected across them
    recs = [{"unit_id": f"F{r}{c}", "households": 60 + 20 * ((r + c) % 3),
             "geometry": shapely.box(c * 35, r * 35, c * 35 + 20, r * 35 + 20)} for r in range(3) for c in range(3)]
    units = gpd.GeoDataFrame(recs, crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 90, 90)], crs=CRS)
    res = partition_grids(units, comm, n_grids=2)
    rows = res.report[res.report["layer"] == "communities"]
    assert rows["problem"].str.contains("cover only 44%").any()
    assert res.report["action"].str.contains("not weighted by streets").any()
    assert (res.grids.geom_type == "Polygon").all()
    check_polygons(res, units)
    assert int(evaluate_grids(res.units, comm).summary["n_not_contiguous"].iloc[0]) == 0


def test_street_gap_m_sets_how_wide_a_street_units_face_each_other_across(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "STREET_M", 40.0)  # an arterial 40 m across
    units, comm = gap_town()
    apart = partition_grids(units, comm, n_grids=1)
    assert apart.units["grid_id"].nunique() == 4  # wider than 30 m: four blocks, no grid crosses
    joined = partition_grids(units, comm, n_grids=1, street_gap_m=45.0)
    assert joined.units["grid_id"].nunique() == 1 and len(joined.grids) == 1
    assert joined.report["problem"].str.contains("street gaps narrower than 45 m").any()
    two = partition_grids(units, comm, n_grids=2, street_gap_m=45.0)
    assert groups(two, "block") == [["B00", "B01"], ["B10", "B11"]]  # along the vertical street
    scored = evaluate_grids(two.units, comm, street_gap_m=45.0).grids
    assert (scored["components"] == 1).all() and scored["road_share"].min() > 0.99
    assert (evaluate_grids(two.units, comm).grids["components"] == 2).all()  # at 30 m each grid is two blocks
    with pytest.raises(ValueError, match="street_gap_m must be a width in metres"):
        partition_grids(units, comm, n_grids=1, street_gap_m=0)


def test_cli_street_gap_m_is_a_width_in_metres(tmp_path, capsys):
    from spatial.cli import main

    units, comm = gap_town()
    units.to_file(tmp_path / "u.gpkg")
    comm.to_file(tmp_path / "c.gpkg")
    args = ["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--out", str(tmp_path / "g.gpkg"), "-q"]
    assert main(args + ["--street-gap-m", "0"]) == 2
    assert "--street-gap-m: expected a width in metres" in capsys.readouterr().err
    assert main(args + ["--grids", "1", "--street-gap-m", "20"]) == 0
    assert gpd.read_file(tmp_path / "g.gpkg", layer="grids").shape[0] == 1  # 12 m streets: one grid


def test_the_street_gaps_are_shared_to_the_nearest_unit_on_two_threads_as_on_one(monkeypatch):
    """The Voronoi diagram of the outline points runs in two halves, each with the points across
    the split that can be nearest to its side of the gap, and cells GEOS draws wrong are drawn
    again: no unit's share of the street reaches further from it than half the widest gap plus
    a step (GEOS once gave the corner unit of this town the whole 400 m strip along the town's
    edge), and the shares are the ones a single diagram gives (blocks of 30-60 m, streets of
    4-10 m, 4,000 outline points)."""
    import spatial.grids._blocks as blocks
    from spatial.core._voronoi import voronoi_cells

    rng = np.random.default_rng(5)
    xs = np.cumsum(np.r_[0, rng.uniform(30, 60, 10)])
    ys = np.cumsum(np.r_[0, rng.uniform(30, 60, 10)])
    cells = [shapely.box(x0 + rng.uniform(4, 10), y0 + rng.uniform(4, 10), x1, y1)
             for x0, x1 in zip(xs[:-1], xs[1:]) for y0, y1 in zip(ys[:-1], ys[1:])]
    pieces = np.array(cells, dtype=object)
    clip = shapely.box(0, 0, xs[-1], ys[-1])
    halves, _, gap = blocks._grow(pieces, clip, blocks.STREET_GAP_M, 0.1)
    reach = blocks.STREET_GAP_M / 2 + blocks._STEP_M
    assert shapely.covers(shapely.buffer(pieces, reach), halves).all()
    assert (shapely.area(halves) > shapely.area(pieces) + 50).all()  # every unit took its share

    def one_diagram(coords, closed, margin):
        return voronoi_cells(coords, closed), np.arange(len(coords))

    monkeypatch.setattr(blocks, "_SIMPLIFY_M", 0.0)  # compared before the 1 m thinning of the middles
    exact, _, _ = blocks._grow(pieces, clip, blocks.STREET_GAP_M, 0.1)
    monkeypatch.setattr(blocks, "_voronoi_halves", one_diagram)
    whole, _, gap_again = blocks._grow(pieces, clip, blocks.STREET_GAP_M, 0.1)
    assert gap == gap_again > 10_000
    assert shapely.area(shapely.symmetric_difference(exact, whole)).max() < 0.01


def test_shares_do_not_depend_on_where_each_ring_starts():
    """A GIS writing the units back starts their rings elsewhere. The drawing and the evaluation
    of the written units once shared the street gaps differently (one unit lost its whole share,
    met by another share only at a point), so the evaluation found a grid in two pieces."""
    from spatial.datasets.synthetic import voronoi_units
    from spatial.grids._blocks import _grow

    units, comms, _ = voronoi_units(32, n_communities=2, mean_households=10.0, seed=0, irregular=True)
    res = partition_grids(units, comms, min_households=100, max_households=200)

    def rotated(poly):  # the same ring, starting at its next vertex
        ring = list(poly.exterior.coords)[:-1]
        return shapely.Polygon(ring[1:] + ring[:1])

    moved = res.units.copy()
    moved["geometry"] = [rotated(p) for p in moved.geometry]
    for c, comm in comms.set_index("community_id").geometry.items():
        mine = (units["community_id"] == c).to_numpy()
        a = _grow(units.geometry.values[mine], comm, 30.0, 0.1)[0]
        b = _grow(moved.geometry.values[mine], comm, 30.0, 0.1)[0]
        assert shapely.area(shapely.symmetric_difference(a, b)).max() < 1e-6
    ev = evaluate_grids(moved, comms, min_households=100, max_households=200)
    assert int(ev.summary["n_not_contiguous"].iloc[0]) == 0
