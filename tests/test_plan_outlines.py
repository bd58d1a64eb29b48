"""An existing plan given as the old grids' outlines (a 网格边界 shapefile, a KML drawn in 奥维),
not as unit labels: each unit goes to the grid covering most of it, units outside every outline
and units an outline cuts are reported, and a redraw from the outlines equals the redraw from
the labels they were drawn from."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from spatial import ColumnError, Report
from spatial.cli import main
from spatial.grids.plan import is_outline_plan, plan_from_polygons, read_plan

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _units(hh=None):
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for j in range(3) for i in range(6)]
    return gpd.GeoDataFrame({"unit_id": [f"U{k:02d}" for k in range(18)], "community_id": "C1",
                             "households": hh if hh is not None else [100] * 18}, geometry=cells, crs=UTM)


def test_units_go_to_the_outline_covering_most_of_them_and_the_rest_is_reported():
    units = _units()
    # G1 covers columns 0-1 and 40% of column 2; G2 covers 60% of column 2 and columns 3-4;
    # column 5 lies outside both
    outlines = gpd.GeoDataFrame({"网格编号": ["G1", "G2"]}, crs=UTM, geometry=[
        box(X0, Y0, X0 + 240, Y0 + 300), box(X0 + 240, Y0, X0 + 500, Y0 + 300)]).to_crs(4326)
    report = Report()
    plan = plan_from_polygons(outlines, units, report=report)
    col = plan.set_index("unit_id")["grid_id"]
    assert [col[f"U{k:02d}"] for k in range(6)] == ["G1", "G1", "G2", "G2", "G2", None]
    assert plan.set_index("unit_id").loc["U02", "share"] == pytest.approx(0.6, abs=1e-6)
    rows = report.to_frame().set_index("row_id")
    assert set(rows.index) == {"U05", "U11", "U17"}  # the outside column only: 60% is most of U02
    assert rows.loc["U05", "problem"].startswith("outside every grid outline")


def test_a_cut_unit_is_reported_with_its_share():
    units = _units()
    thirds = [box(X0, Y0, X0 + 250, Y0 + 300), box(X0 + 250, Y0, X0 + 400, Y0 + 300),
              box(X0 + 400, Y0, X0 + 600, Y0 + 150), box(X0 + 400, Y0 + 150, X0 + 600, Y0 + 300)]
    grids = gpd.GeoDataFrame({"grid_id": ["A", "B", "C", "C"]}, geometry=thirds, crs=UTM)  # C in two pieces
    report = Report()
    plan = plan_from_polygons(grids, units, report=report).set_index("unit_id")
    assert plan.loc["U02", "grid_id"] == "A" and plan.loc["U02", "share"] == pytest.approx(0.5)
    assert plan.loc["U04", "grid_id"] == "C" and plan.loc["U17", "grid_id"] == "C"
    assert plan["grid_id"].notna().all() and len(report.rows) == 0  # exactly half is not "under half"


def test_kml_outlines_with_placemark_ids_are_outlines_and_unit_layers_are_not():
    units = _units()
    kml = gpd.GeoDataFrame({"id": ["网格边界.1", "网格边界.2"], "Name": ["第一网格", "第二网格"]}, crs=4326,
                           geometry=[box(114.0, 22.5, 114.01, 22.51), box(114.01, 22.5, 114.02, 22.51)])
    assert is_outline_plan(kml, units)
    assert not is_outline_plan(units.assign(grid_id="A"), units)
    assert not is_outline_plan(units.rename(columns={"unit_id": "编号"}).assign(grid_id="A"), units)
    with pytest.raises(ColumnError, match=r"holds grid outlines but no grid id or name column \(it has: 面积\)"):
        plan_from_polygons(gpd.GeoDataFrame({"面积": [1.0]}, geometry=[box(0, 0, 1, 1)], crs=UTM), units)


def test_redraw_from_outlines_equals_redraw_from_labels(tmp_path):
    units = _units()
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 600, Y0 + 300)], crs=UTM)
    comm.to_file(tmp_path / "c.gpkg")
    units.to_file(tmp_path / "u.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--min", "300", "--max", "500",
                 "--out", str(tmp_path / "old.gpkg")]) == 0
    old = gpd.read_file(tmp_path / "old.gpkg", layer="grids")
    old[["grid_id", "geometry"]].rename(columns={"grid_id": "网格编号"}).to_file(tmp_path / "网格边界.shp",
                                                                                  encoding="gbk")
    labels = gpd.read_file(tmp_path / "old.gpkg", layer="units")[["unit_id", "grid_id"]]
    labels.to_csv(tmp_path / "plan.csv", index=False)
    assert read_plan(tmp_path / "网格边界.shp", units).tolist() == labels["grid_id"].tolist()
    grown = units.assign(households=[100] * 6 + [180] * 6 + [100] * 6)  # the middle row grows 80%
    grown.to_file(tmp_path / "grown.gpkg")
    for plan in ("plan.csv", "网格边界.shp"):
        assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "grown.gpkg"), "--existing",
                     str(tmp_path / plan), "--min", "300", "--max", "500", "--out", str(tmp_path / f"{plan}.gpkg")]) == 0
    a, b = (gpd.read_file(tmp_path / f"{p}.gpkg", layer="moves") for p in ("plan.csv", "网格边界.shp"))
    assert len(a) > 0 and pd.DataFrame(a).equals(pd.DataFrame(b))


def test_spatial_run_redraws_a_plan_given_as_outlines(tmp_path, capsys):
    # the row of three grids (460 | 400 | 340) kept as an office would: three hand-drawn outlines
    # named 甲/乙/丙 whose borders miss the units' by 10 m, and the last unit outside them all
    from test_project import GRIDS_ONLY
    from test_redraw import row_of_three_grids

    units, comm, plan = row_of_three_grids()
    last = units["unit_id"].iloc[-1]  # the 100 m squares run from x = 0 to 1,400
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    outlines = gpd.GeoDataFrame({"Name": ["甲", "乙", "丙"]}, crs=units.crs, geometry=[
        box(-10, -10, 510, 110), box(510, -10, 990, 110), box(990, -10, 1300, 110)]).to_crs(4326)
    outlines.to_file(tmp_path / "outlines.geojson")
    (tmp_path / "p.toml").write_text(f"""[project]
name = "redraw"
output = "out"
[inputs]
communities = {{ path = "town.gpkg", layer = "communities" }}
units = {{ path = "town.gpkg", layer = "units" }}
plan = "outlines.geojson"
[grids]
max_deviation_pct = 5
""" + GRIDS_ONLY, encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml")]) == 0
    moves = pd.read_csv(tmp_path / "out" / "moves.csv")
    report = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="report")
    outside = report[report["row_id"] == last]
    assert len(outside) == 1 and outside["problem"].iloc[0].startswith("outside every grid outline")
    grids = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids")
    assert sorted(grids["households"]) == [400, 400, 400] and last in set(moves["unit_id"])


def test_the_editor_opens_a_plan_given_as_outlines(tmp_path):
    units = _units()
    units.to_file(tmp_path / "u.gpkg")
    gpd.GeoDataFrame({"网格编号": ["东", "西"]}, crs=UTM, geometry=[
        box(X0, Y0, X0 + 300, Y0 + 300), box(X0 + 300, Y0, X0 + 600, Y0 + 300)]).to_file(tmp_path / "边界.shp",
                                                                                          encoding="gbk")
    out = tmp_path / "editor.html"
    assert main(["-q", "editor", str(tmp_path / "边界.shp"), "--units", str(tmp_path / "u.gpkg"), "--min", "800",
                 "--max", "1000", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert '"东"' in page and '"西"' in page


def test_a_project_of_buildings_redraws_a_plan_given_as_outlines(tmp_path):
    # units are built from the buildings after the inputs are read: the outlines wait for them
    from test_project import GRIDS_ONLY, buildings_town, project_file

    hh = buildings_town(tmp_path)  # a community of 400 x 200 m at (500,000, 2,500,000)
    x0, y0 = 500_000, 2_500_000
    gpd.GeoDataFrame({"网格编号": ["西", "东"]}, crs=UTM, geometry=[
        box(x0, y0, x0 + 200, y0 + 200), box(x0 + 200, y0, x0 + 400, y0 + 200)]).to_file(tmp_path / "边界.gpkg")
    project_file(tmp_path, "buildings", 'communities = "c.gpkg"\nbuildings = { path = "b.gpkg", households_col = "户数" }\n'
                 'plan = "边界.gpkg"\n', GRIDS_ONLY)
    assert main(["-q", "run", str(tmp_path / "p.toml")]) == 0
    units = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="units")
    moves = pd.read_csv(tmp_path / "out" / "moves.csv")
    kept = units[~units["unit_id"].isin(moves["unit_id"])]
    assert units["households"].sum() == hh.sum() and len(kept) > 0
    # a unit the redraw left alone is in the grid whose outline covers its centroid's side
    x = kept.to_crs(UTM).geometry.centroid.x
    assert ((x < x0 + 200) == (kept["grid_id"] == "西")).all()


def test_a_hand_drawn_outline_that_crosses_itself_still_gives_a_plan():
    from shapely.geometry import Polygon

    units = _units()
    bowtie = Polygon([(X0, Y0), (X0 + 600, Y0 + 300), (X0 + 600, Y0), (X0, Y0 + 300)])  # crosses at the middle
    plan = plan_from_polygons(gpd.GeoDataFrame({"grid_id": ["G"]}, geometry=[bowtie], crs=UTM), units)
    assert not bowtie.is_valid and (plan["grid_id"].notna().sum() > 0)


def test_evaluate_scores_a_plan_given_as_outlines_and_reports_what_they_leave(tmp_path):
    units = _units()
    units.to_file(tmp_path / "u.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 600, Y0 + 300)],
                     crs=UTM).to_file(tmp_path / "c.gpkg")
    gpd.GeoDataFrame({"网格编号": ["G1", "G2"]}, crs=UTM, geometry=[
        box(X0, Y0, X0 + 240, Y0 + 300), box(X0 + 240, Y0, X0 + 500, Y0 + 300)]).to_file(tmp_path / "边界.gpkg")
    out = tmp_path / "scores.gpkg"
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--existing",
                 str(tmp_path / "边界.gpkg"), "--evaluate", "--min", "500", "--max", "800", "--out", str(out)]) == 0
    scores = gpd.read_file(out, layer="grid_scores").set_index("grid_id")
    assert scores.loc["G1", "households"] == 600 and scores.loc["G2", "households"] == 900  # U02 is 60% in G2
    report = gpd.read_file(out, layer="report")
    outside = report[report["problem"].str.startswith("outside every grid outline")]
    assert sorted(outside["row_id"]) == ["U05", "U11", "U17"]
