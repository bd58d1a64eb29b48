"""Specification: grids' loose ends (outside review).

* A grid's pieces are counted by one rule in the drawing, its report and ``evaluate_grids``: the
  pieces of its units' own land, parts sharing 1 m of edge within 0.1 m joined only inside one
  part of its drawn outline. Two parts of a unit meeting at a point (libpysal's Tokyo: u166's
  islands, whose edges run within 0.1 m of each other for a metre either side of it) are two
  pieces, as on the map, though the rook allowance alone would join them.
* ``evaluate_grids`` on grid polygons alone counts each outline's parts and cannot tell a unit's
  islands from units apart: the row on a grid in pieces says so, and what to score instead.
* A unit placed in its community by where it lies is clipped to it once (the drawing, the
  evaluation and the editor reuse the clip that placed it), with the same pieces as before.
* A plan of unit_id, grid_id (the editor's CSV) redrawn after communities merged, with no results
  file beside it to read the old codes from, names each grid of a merged community and what to
  pass for its old code.
"""

from __future__ import annotations


import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids

from test_outside_pieces import _pieces_rows

CRS = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0


def _at(g):
    return shapely.affinity.translate(g, X0, Y0)


def _pieces_reference(land_parts, outline_parts, *, by_outline=True) -> int:
    """Pieces of a grid's land (polygons), joined where two share 1 m of boundary within 0.1 m
    and (``by_outline``) lie in the same part of the outline."""
    def part_of(p):
        return int(np.argmax([p.intersection(o).area for o in outline_parts]))

    g = nx.Graph()
    g.add_nodes_from(range(len(land_parts)))
    for i in range(len(land_parts)):
        for j in range(i + 1, len(land_parts)):
            a, b = land_parts[i], land_parts[j]
            if a.distance(b) > 0.1 or (by_outline and part_of(a) != part_of(b)):
                continue
            if a.boundary.intersection(b.boundary.buffer(0.1)).length >= 1.0:
                g.add_edge(i, j)
    return nx.number_connected_components(g)


# -- one rule for a grid's pieces ---------------------------------------------------------------

# u0 (grid A) is in three parts: LL and LU meet at one point, (100, 50), at the tip of a notch no
# community covers (their edges run within 0.1 m of each other for 5 m); R lies past u1 (grid B),
# joined to LL's outline only by a 0.5 m strip no unit covers along the bottom.
LL = shapely.Polygon([(0, 0.5), (100, 0.5), (100, 50), (0, 49)])
LU = shapely.Polygon([(0, 51), (100, 50), (100, 100), (0, 100)])
R = shapely.box(200, 0.5, 300, 100)
NOTCH = shapely.Polygon([(100, 50), (0, 49), (0, 51)])


@pytest.fixture(scope="module")
def pinched():
    units = gpd.GeoDataFrame({"unit_id": ["u0", "u1"], "households": [10, 10]},
                             geometry=[_at(shapely.MultiPolygon([LL, LU, R])), _at(shapely.box(100, 0.5, 200, 100))],
                             crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[_at(shapely.box(0, 0, 300, 100).difference(NOTCH))],
                            crs=CRS)
    plan = partition_grids(units, comm, n_grids=2, min_households=0, max_households=100)
    return units, comm, plan


def test_the_pinched_grid_is_three_pieces_by_an_independent_reference(pinched):
    _, _, plan = pinched
    grid = plan.units.set_index("unit_id")["grid_id"]["u0"]
    outline = plan.grids.set_index("grid_id").geometry[grid]
    outline_parts = list(shapely.get_parts(outline))
    land = [_at(LL), _at(LU), _at(R)]
    assert len(outline_parts) == 2  # LL + strip + R, and LU touching it at a point
    assert _pieces_reference(land, outline_parts, by_outline=False) == 2  # the allowance alone joins LL, LU
    assert _pieces_reference(land, outline_parts) == 3


def test_drawing_and_evaluation_count_the_pinched_grid_as_three_pieces(pinched):
    # before: 2 (the allowance joined LL and LU, the outline joined LL and R: the most of the two)
    _, comm, plan = pinched
    grid = plan.units.set_index("unit_id")["grid_id"]["u0"]
    assert _pieces_rows(plan.report) == {grid: 3}
    row = plan.report.set_index("row_id").loc[grid, "problem"]
    assert row.endswith("its outline joins some of them only across gaps no unit covers")
    ev = evaluate_grids(plan.units, comm, min_households=0, max_households=100)
    assert _pieces_rows(ev.report) == {grid: 3}
    assert ev.grids.set_index("grid_id").loc[grid, "components"] == 3


@pytest.fixture(scope="module")
def tokyo_t53():
    """Tokyo's u164, u165, u166 and u176 (grid T-53 of the review) as one community."""
    from test_outside_pieces import tokyo_raw

    raw = tokyo_raw()
    keep = [164, 165, 166, 176]
    units = gpd.GeoDataFrame({"unit_id": [f"u{i:03d}" for i in keep], "households": [100] * 4},
                             geometry=raw.geometry.values[keep], crs=raw.crs)
    comm = gpd.GeoDataFrame({"community_id": ["T"]}, geometry=[units.union_all()], crs=units.crs)
    return units, comm, partition_grids(units, comm, n_grids=1, min_households=0, max_households=1000)


def test_tokyo_islands_meeting_at_points_are_pieces_as_the_outline_draws_them(tokyo_t53):
    units, comm, plan = tokyo_t53
    outline = plan.grids.geometry.iloc[0]
    outline_parts = list(shapely.get_parts(outline))
    land = [p for p in shapely.get_parts(shapely.union_all(shapely.make_valid(units.geometry.values)))
            if p.area >= 0.01]
    assert len(outline_parts) == 7
    assert _pieces_reference(land, outline_parts, by_outline=False) == 6  # two of u166's islands, touching
    assert _pieces_reference(land, outline_parts) == 7
    key = plan.grids["grid_id"].iloc[0]
    assert _pieces_rows(plan.report) == {key: 7}
    ev = evaluate_grids(plan.units, comm, min_households=0, max_households=1000)
    assert _pieces_rows(ev.report) == {key: 7} and ev.grids["components"].tolist() == [7]
    # and the grid polygon alone: its outline's parts, the same count
    alone = evaluate_grids(plan.grids[["grid_id", "households", "geometry"]], comm, min_households=0,
                           max_households=1000)
    assert alone.grids["components"].tolist() == [7]


# -- grid polygons alone ------------------------------------------------------------------------

def test_outlines_alone_say_their_pieces_may_be_a_units_islands(tokyo_t53):
    # before: "redraw it so its units connect", of seven islands of one plan nothing can connect
    _, comm, plan = tokyo_t53
    alone = evaluate_grids(plan.grids[["grid_id", "households", "geometry"]], comm, min_households=0,
                           max_households=1000)
    row = alone.report[alone.report["problem"].str.startswith("is 7 separate pieces")].iloc[0]
    assert "unless its parts are islands or exclaves of one unit" in row["action"]
    assert "grid outlines alone cannot tell" in row["action"] and "--existing" in row["action"]
    assert "岛或飞地" in row["action_zh"]
    on_units = evaluate_grids(plan.units, comm, min_households=0, max_households=1000).report
    assert on_units[on_units["row_id"] == row["row_id"]]["action"].str.startswith("nothing to fix").all()


def test_cli_evaluate_of_outlines_says_the_pieces_are_the_outlines_parts(tokyo_t53, tmp_path, capsys):
    from spatial.cli import main

    _, comm, plan = tokyo_t53
    plan.grids[["grid_id", "households", "geometry"]].to_file(tmp_path / "plan.gpkg", layer="grids")
    comm.to_file(tmp_path / "plan.gpkg", layer="communities")
    assert main(["grids", "--evaluate", f"{tmp_path / 'plan.gpkg'}:grids", f"{tmp_path / 'plan.gpkg'}:communities",
                 "--min", "0", "--max", "1000", "--out", str(tmp_path / "scores.gpkg")]) == 0
    out = capsys.readouterr()
    said = [line for line in (out.out + out.err).splitlines() if "grids in pieces" in line]
    assert len(said) == 1 and "the outlines' parts: some may be islands of one unit" in said[0]


# -- clipped once -------------------------------------------------------------------------------

def _placed_by_where_they_lie():
    # no community column: u0 and u1 lie in C1, u2 mostly in C2 (20 m of it past into C1)
    units = gpd.GeoDataFrame({"unit_id": ["u0", "u1", "u2"], "households": [100, 100, 100],
                              "grid_id": ["A", "A", "B"]},
                             geometry=[_at(shapely.box(0, 0, 100, 100)), _at(shapely.box(100, 0, 180, 100)),
                                       _at(shapely.box(180, 0, 300, 100))], crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1", "C2"]},
                            geometry=[_at(shapely.box(0, 0, 200, 100)), _at(shapely.box(200, 0, 300, 100))], crs=CRS)
    return units, comm


def _no_second_clip(monkeypatch):
    import spatial.grids._units as units_mod

    clipped = []
    real = units_mod._clip

    def counting(geoms, comms, ids, report, failed):
        clipped.extend(ids)
        return real(geoms, comms, ids, report, failed)

    monkeypatch.setattr(units_mod, "_clip", counting)
    return clipped


def test_the_drawing_clips_a_unit_placed_where_it_lies_once(monkeypatch):
    from spatial.core.checks import Report
    from spatial.grids._prep import prepare

    units, comm = _placed_by_where_they_lie()
    clipped = _no_second_clip(monkeypatch)
    prep = prepare(units.drop(columns="grid_id"), comm, Report())
    assert clipped == []  # each was clipped where community_of measured it
    expected = [_at(shapely.box(0, 0, 100, 100)), _at(shapely.box(100, 0, 180, 100)),
                _at(shapely.box(200, 0, 300, 100))]
    assert [p.symmetric_difference(e).area < 1e-6 for p, e in zip(prep.pieces, expected)] == [True] * 3
    assert prep.comm_of.tolist() == [0, 0, 1]


def test_a_unit_with_its_community_named_is_still_clipped(monkeypatch):
    from spatial.core.checks import Report
    from spatial.grids._prep import prepare

    units, comm = _placed_by_where_they_lie()
    clipped = _no_second_clip(monkeypatch)
    prep = prepare(units.drop(columns="grid_id").assign(community_id=["C1", "C1", "C1"]), comm, Report())
    assert sorted(clipped) == ["u0", "u1", "u2"]
    assert prep.pieces[2].symmetric_difference(_at(shapely.box(180, 0, 200, 100))).area < 1e-6


def test_evaluation_and_editor_clip_a_unit_placed_where_it_lies_once(monkeypatch):
    from spatial.maps.editor import editor_payload

    units, comm = _placed_by_where_they_lie()
    clipped = _no_second_clip(monkeypatch)
    ev = evaluate_grids(units, comm, min_households=0, max_households=1000)
    payload = editor_payload(units, comm)
    assert clipped == []
    grids = ev.grids.set_index("grid_id")
    assert grids.loc["A", "community_id"] == "C1" and grids.loc["B", "community_id"] == "C2"
    assert abs(grids.loc["B", "area_m2"] - 100 * 100) < 1e-3  # u2 scored as clipped to C2
    assert sorted(payload["units"]["id"]) == ["u0", "u1", "u2"]


# -- an editor CSV redrawn after a merge ----------------------------------------------------------

@pytest.fixture(scope="module")
def merged_town(tmp_path_factory):
    """Last year's plan of C1 and C2 (two grids each) and this year's communities."""
    from spatial.cli import main

    tmp = tmp_path_factory.mktemp("merge")
    units = gpd.GeoDataFrame({"unit_id": [f"u{i}" for i in range(8)], "households": [200] * 8},
                             geometry=[_at(shapely.box(100 * i, 0, 100 * (i + 1), 100)) for i in range(8)], crs=CRS)
    box1, box2 = _at(shapely.box(0, 0, 400, 100)), _at(shapely.box(400, 0, 800, 100))
    comm = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "code": ["440304001001", "440304001002"]},
                            geometry=[box1, box2], crs=CRS)
    town = tmp / "town.gpkg"
    units.to_file(town, layer="units")
    comm.to_file(town, layer="communities")
    gpd.GeoDataFrame({"community_id": ["C3"], "code": ["440304001009"]}, geometry=[box1.union(box2)],
                     crs=CRS).to_file(town, layer="merged")
    # C1 taken into C2, which keeps its id and code
    gpd.GeoDataFrame({"community_id": ["C2"], "code": ["440304001002"]}, geometry=[box1.union(box2)],
                     crs=CRS).to_file(town, layer="into_c2")
    assert main(["grids", f"{town}:communities", f"{town}:units", "--min", "300", "--max", "500", "--quiet",
                 "--out", str(tmp / "2025.gpkg")]) == 0
    plan = gpd.read_file(tmp / "2025.gpkg", layer="units")[["unit_id", "grid_id"]]
    (tmp / "edit").mkdir()
    plan.to_csv(tmp / "edit" / "plan.csv", index=False, encoding="utf-8-sig")  # as the editor exports it
    return tmp, town


def _redraw_report(tmp, town, communities, plan_csv, out):
    from spatial.cli import main

    assert main(["grids", f"{town}:{communities}", f"{town}:units", "--existing", str(plan_csv), "--min", "300",
                 "--max", "500", "--quiet", "--out", str(tmp / out)]) == 0
    return (gpd.read_file(tmp / out, layer="report"),
            gpd.read_file(tmp / out, layer="grids").set_index("grid_id")["grid_code"])


def test_an_editor_csv_redrawn_after_a_merge_names_each_grid_whose_code_may_have_changed(merged_town):
    # before: no row; the four grids were numbered under C3's code without a word
    tmp, town = merged_town
    report, codes = _redraw_report(tmp, town, "merged", tmp / "edit" / "plan.csv", "2026.gpkg")
    rows = report[report["problem"].str.startswith("grid code may have changed")].set_index("row_id")
    assert sorted(rows.index) == ["C1-01", "C1-02", "C2-01", "C2-02"]
    assert rows.loc["C2-01", "problem"] == (
        "grid code may have changed: C2-01 was drawn in community C2, which is no longer among the communities "
        f"(merged into C3); it is coded {codes['C2-01']} now, and the plan carries no grid codes (a table of "
        "unit_id, grid_id, as the editor exports it), so its old code is not known")
    assert codes["C2-01"].startswith("000000440304001009")
    assert "results.gpkg:units" in rows.loc["C2-01", "action"] and "(台账)" in rows.loc["C2-01", "action"]
    assert not report["problem"].str.startswith("grid code changed").any()


def test_a_community_taken_into_another_names_only_its_own_grids(merged_town):
    tmp, town = merged_town
    report, _ = _redraw_report(tmp, town, "into_c2", tmp / "edit" / "plan.csv", "into_c2.gpkg")
    rows = report[report["problem"].str.startswith("grid code may have changed")]
    assert sorted(rows["row_id"]) == ["C1-01", "C1-02"]
    assert rows["problem"].str.contains(r"\(merged into C2\)").all()


def test_grids_named_otherwise_say_nothing_of_codes(merged_town):
    tmp, town = merged_town
    plan = pd.read_csv(tmp / "edit" / "plan.csv", encoding="utf-8-sig")
    plan["grid_id"] = plan["grid_id"].map({"C1-01": "G-1", "C1-02": "G-2", "C2-01": "G-3", "C2-02": "G-4"})
    plan.to_csv(tmp / "edit" / "named.csv", index=False, encoding="utf-8-sig")
    report, _ = _redraw_report(tmp, town, "merged", tmp / "edit" / "named.csv", "named.gpkg")
    assert not report["problem"].str.startswith("grid code").any()


# -- the evaluation's summary lines ---------------------------------------------------------------

def test_cli_evaluate_says_the_share_in_band_to_one_decimal(tmp_path, capsys):
    # before: "pct_in_band: 66.667" beside "max_abs_deviation_pct: 40.0" (a share's three decimals)
    from spatial.cli import main

    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2", "G3"], "households": [400, 400, 200]},
                             geometry=[_at(shapely.box(100 * i, 0, 100 * (i + 1), 100)) for i in range(3)], crs=CRS)
    grids.to_file(tmp_path / "plan.gpkg", layer="grids")
    assert main(["grids", "--evaluate", f"{tmp_path / 'plan.gpkg'}:grids", "--out", str(tmp_path / "s.gpkg")]) == 0
    out = capsys.readouterr()
    lines = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in (out.out + out.err).splitlines())}
    assert lines["pct_in_band"] == "66.7" and lines["max_abs_deviation_pct"] == "40.0"


# -- units meeting only at a point ----------------------------------------------------------------

@pytest.fixture(scope="module")
def pinched_units():
    # units a and b meet only at (100, 50), the tip of a notch no community covers; c beside both
    units = gpd.GeoDataFrame({"unit_id": ["a", "b", "c"], "households": [10, 10, 20]},
                             geometry=[_at(shapely.Polygon([(0, 0), (100, 0), (100, 50), (0, 49)])),
                                       _at(shapely.Polygon([(0, 51), (100, 50), (100, 100), (0, 100)])),
                                       _at(shapely.box(100, 0, 200, 100))], crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C"]},
                            geometry=[_at(shapely.box(0, 0, 200, 100).difference(NOTCH))], crs=CRS)
    return units, comm


def test_units_meeting_at_a_point_are_a_grid_to_redraw_not_islands(pinched_units):
    # before: "is 2 separate pieces" / "nothing to fix: the pieces are parts of its own multi-part
    # units", of a grid whose units are each one polygon
    units, comm = pinched_units
    ev = evaluate_grids(units.assign(grid_id=["A", "A", "B"]), comm, min_households=0, max_households=100)
    row = ev.report[ev.report["row_id"] == "A"].iloc[0]
    assert row["problem"] == "is 2 separate pieces: its units fall into 2 groups that meet only at points"
    assert row["action"] == "redraw it so its units connect, or check the inputs"
    assert "仅在点上相接" in row["problem_zh"]


def test_the_drawing_says_the_same_of_units_meeting_at_a_point(pinched_units):
    units, comm = pinched_units
    plan = partition_grids(units, comm, n_grids=2, min_households=0, max_households=100)
    gid = plan.units.set_index("unit_id")["grid_id"]
    assert gid["a"] == gid["b"] != gid["c"]  # 20 and 20: the rook rule's 0.1 m makes a and b neighbours
    rows = plan.report[plan.report["row_id"] == gid["a"]]["problem"].tolist()
    assert rows == ["is 2 separate pieces: its units fall into 2 groups that meet only at points"]
