"""Units from buildings as a planner meets real footprints: gated estates cut by their own paths,
a footprint with a narrow neck, units that must stay one exact coverage, and bad footprints named.

Tiny layouts in metres with answers worked out by hand; one real street network (the demo's OSM
walking network of Futian, © OpenStreetMap contributors, ODbL 1.0) under the demo's synthetic
units shrunk into footprints. References are measured here with shapely, geopandas and networkx
on the raw inputs and the files written, never with the package's own objects.
"""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, box

from spatial.cli import main
from spatial.core.checks import Report
from spatial.grids.partition import partition_grids
from spatial.grids.tessellation import units_from_buildings

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0


def at(x0: float, y0: float, x1: float, y1: float):
    """A box given in metres from (X0, Y0)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def line(*xy):
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def _estate_across_two_paths():
    """A 300 x 100 m community cut by two footpaths 20 m apart (x = 140 and 160): three blocks, the
    middle one a lawn with no building. Estate 丽园 is one house west of the lawn and one east of
    it; two other houses, one each side."""
    comm = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[at(0, 0, 300, 100)], crs=UTM)
    bld = gpd.GeoDataFrame(
        {"楼号": ["W1", "W2", "E1", "E2"], "households": [60, 90, 60, 90], "gated": ["丽园", None, "丽园", None]},
        geometry=[at(100, 30, 130, 70), at(20, 30, 60, 70), at(170, 30, 200, 70), at(240, 30, 280, 70)], crs=UTM)
    paths = gpd.GeoDataFrame(geometry=[line((140, -5), (140, 105)), line((160, -5), (160, 105))], crs=UTM)
    return comm, bld, paths


def test_the_lawn_between_an_estates_buildings_joins_the_estate_so_no_grid_cuts_it():
    """Its houses were two units with the lawn's unit between them, so the estate was two pieces and
    the grids kept it whole only within each piece: two grids of 150 split 丽园 (W1+W2, E1+E2).
    The lawn now takes the estate's id (a report row says so) and the estate is one grid's."""
    comm, bld, paths = _estate_across_two_paths()
    report = Report()
    units = units_from_buildings(bld, comm, roads=paths, building_id_col="楼号", report=report)
    lawn = units[units["building_index"].isna()]
    assert len(lawn) == 1
    assert lawn["gated"].tolist() == ["丽园"]  # the land between the estate's houses
    assert shapely.area(shapely.intersection(lawn.geometry.iloc[0], at(140, 0, 160, 100))) == pytest.approx(2000, abs=1)
    rows = report.to_frame()
    assert rows["row_id"].tolist() == lawn["unit_id"].tolist()
    assert rows["problem"].str.contains("between the buildings of gated estate '丽园'").all()
    res = partition_grids(units, comm, n_grids=2, roads=paths)
    # reference: the grid holding each house's centre, by a spatial join of the raw footprints
    pts = gpd.GeoDataFrame(bld[["楼号", "gated"]], geometry=bld.geometry.centroid, crs=UTM)
    held = gpd.sjoin(pts, res.grids[["grid_id", "geometry"]], predicate="within").set_index("楼号")["grid_id"]
    assert held["W1"] == held["E1"]
    assert not res.report["problem"].str.contains("not contiguous").any()


def test_without_the_gated_column_the_lawn_stays_land_of_no_estate():
    comm, bld, paths = _estate_across_two_paths()
    units = units_from_buildings(bld, comm, roads=paths, gated_col=None)
    assert units.loc[units["building_index"].isna(), "gated"].isna().all()


def test_an_estate_cut_by_a_community_boundary_is_named():
    """The boundary of two communities through 丽园: no grid can hold it, and the report says so
    (before, only that a group of one community's units was not contiguous, or nothing)."""
    _, bld, paths = _estate_across_two_paths()
    comm = gpd.GeoDataFrame({"community_id": ["A", "B"]}, geometry=[at(0, 0, 150, 100), at(150, 0, 300, 100)],
                            crs=UTM)
    report = Report()
    units_from_buildings(bld, comm, roads=paths, building_id_col="楼号", report=report)
    rows = report.to_frame().set_index("row_id")["problem"]
    assert rows["丽园"] == "gated estate '丽园' has buildings in 2 communities (A, B)"


def test_a_footprint_with_a_narrow_neck_is_one_unit_of_one_piece():
    """Two 20 m squares joined by a corridor 0.5 m wide (shrunk by 0.4 m, the corridor is gone) with
    a house north and one south of the corridor: their cells met across it, and the dumbbell's unit
    was two pieces 20 m apart (5,011 m²), a grid holding it in two. It keeps the piece of its west
    square (ties: the first); the east piece joins the neighbour sharing most border with it."""
    dumbbell = shapely.union_all([at(20, 40, 40, 60), at(40, 49.75, 60, 50.25), at(60, 40, 80, 60)])
    bld = gpd.GeoDataFrame({"households": [40, 10, 10]}, crs=UTM,
                           geometry=[dumbbell, at(42, 53, 58, 97), at(42, 3, 58, 47)])
    comm = gpd.GeoDataFrame({"community_id": ["N"]}, geometry=[at(0, 0, 100, 100)], crs=UTM)
    units = units_from_buildings(bld, comm)
    assert (shapely.get_type_id(units.geometry.values) == 3).all()  # each one Polygon
    assert shapely.area(units.geometry.values).sum() == pytest.approx(10_000, abs=0.1)
    assert shapely.union_all(units.geometry.values).symmetric_difference(comm.geometry[0]).area < 0.1
    own = units.set_index("building_index").geometry
    assert own[0].contains(at(21, 41, 39, 59)) and sorted(units["households"]) == [10, 10, 40]


def test_units_on_a_real_street_network_stay_one_exact_coverage():
    """The demo's community C04 (Futian) with its 202 units shrunk 8 m into footprints, on the OSM
    walking network: GEOS 3.14's coverage cleaning at 1 mm emptied a unit 200 m x 4 m beside a path,
    so the community was left as tiled, with edges apart by hairlines (48 pieces of grids on the
    twelve communities touching the rest only at points). Now an exact coverage."""
    osmnx = pytest.importorskip("osmnx")
    data = os.path.join(os.path.dirname(__file__), os.pardir, "data")
    units = gpd.read_file(os.path.join(data, "demo.gpkg"), layer="units").query("community_id == 'C04'")
    comm = gpd.read_file(os.path.join(data, "demo.gpkg"), layer="communities").query("community_id == 'C04'")
    utm = units.estimate_utm_crs()
    shrunk = shapely.buffer(units.to_crs(utm).geometry.values, -8.0)
    small = shapely.is_empty(shrunk) | (shapely.area(shrunk) < 30)
    shrunk = np.where(small, shapely.point_on_surface(units.to_crs(utm).geometry.values), shrunk)
    shrunk = np.array([max(shapely.get_parts(g), key=lambda p: p.area) for g in shrunk], dtype=object)
    bld = gpd.GeoDataFrame({"households": units["households"].to_numpy()}, geometry=shrunk, crs=utm).to_crs(4326)
    roads = osmnx.graph_to_gdfs(osmnx.load_graphml(os.path.join(data, "futian_walk.graphml")), nodes=False)
    out = units_from_buildings(bld, comm, roads=roads[["geometry"]])
    metres = out.to_crs(utm).geometry.values
    assert shapely.coverage_is_valid(metres) and shapely.area(metres).min() >= 1.0
    assert (shapely.get_type_id(metres) == 3).all()
    assert shapely.union_all(metres).symmetric_difference(comm.to_crs(utm).geometry.iloc[0]).area < 1.0
    assert out["households"].sum() == units["households"].sum()


# ------------------------------------------------------------ bad footprints: one line naming the building


@pytest.fixture
def town(tmp_path):
    """Four houses in one community, as files; buildings as a Geofabrik OSM extract has them (osm_id,
    and a type "code" of 1500 in every row)."""
    comm = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[at(0, 0, 300, 100)], crs=UTM)
    _, bld, _ = _estate_across_two_paths()
    bld = bld.drop(columns="楼号").assign(osm_id=[901, 902, 903, 904], code=1500)
    comm.to_file(tmp_path / "c.gpkg")
    return tmp_path, bld


def _run(folder, bld, *extra):
    bld.to_file(folder / "b.gpkg")
    return main(["-q", "grids", str(folder / "c.gpkg"), str(folder / "b.gpkg"), "--from-buildings", "--min", "100",
                 "--max", "200", "--out", str(folder / "g.gpkg"), *extra])


def test_buildings_are_named_by_their_osm_id_not_by_a_repeated_type_code(town, capsys):
    folder, bld = town
    bld = pd.concat([bld, bld.iloc[[0]].assign(osm_id=905)], ignore_index=True)  # a survey's twin of W1
    assert _run(folder, bld) == 0, capsys.readouterr().err
    report = gpd.read_file(folder / "g.gpkg", layer="report")
    twin = report[report["layer"] == "buildings"]
    # by its id and its place in the file, as QGIS shows it (before: '1500', the code every building
    # has; then '905' alone)
    assert twin["row_id"].tolist() == ["osm_id 905 (fid 5)"]
    # and why it has no unit of its own (before: "too small, too close to others or mostly under ...")
    assert twin["problem"].tolist() == ["the same footprint as building osm_id 901 (fid 1) (drawn twice)"]


def test_buildings_with_no_id_are_named_by_the_fid_qgis_shows(town, capsys):
    """No id column: the report named a building by its 0-based row (W1's twin as "4", W1 as "0"),
    while the GeoPackage's fids (what QGIS shows) here run 11, 12, 14, 17, 20 (rows deleted in
    QGIS): "4" and "0" were no feature of the file. Now each is its fid, read here with sqlite3."""
    import sqlite3

    folder, bld = town
    bld = pd.concat([bld, bld.iloc[[0]]], ignore_index=True).drop(columns=["osm_id", "code"])
    assert _run(folder, bld.assign(fid=[11, 12, 14, 17, 20])) == 0, capsys.readouterr().err
    with sqlite3.connect(folder / "b.gpkg") as db:
        fids = [f for (f,) in db.execute("SELECT fid FROM b ORDER BY fid")]
    assert fids == [11, 12, 14, 17, 20]
    report = gpd.read_file(folder / "g.gpkg", layer="report")
    twin = report[report["layer"] == "buildings"]
    assert twin["row_id"].tolist() == ["fid 20"]
    assert twin["problem"].tolist() == ["the same footprint as building fid 11 (drawn twice)"]
    units = gpd.read_file(folder / "g.gpkg", layer="units")
    assert sorted(units["building_index"].dropna()) == ["fid 11", "fid 12", "fid 14", "fid 17"]
    assert units["households"].sum() == 300  # W1 counted once (60, not 120)


def test_buildings_with_no_id_in_a_geojson_are_named_by_their_row_from_1(town, capsys):
    folder, bld = town
    bld = pd.concat([bld, bld.iloc[[0]]], ignore_index=True).drop(columns=["osm_id", "code"])
    bld.to_file(folder / "b.geojson")
    assert main(["-q", "grids", str(folder / "c.gpkg"), str(folder / "b.geojson"), "--from-buildings", "--min", "100",
                 "--max", "200", "--out", str(folder / "g.gpkg")]) == 0, capsys.readouterr().err
    report = gpd.read_file(folder / "g.gpkg", layer="report")
    assert report.loc[report["layer"] == "buildings", "row_id"].tolist() == ["row 5"]  # the 5th feature


def test_a_building_over_the_band_alone_is_named_with_what_to_do(town, capsys):
    """A block of 250 households with the band at 100-200: its unit is never split, so no plan puts
    its grid in the band. The grids' row named only the unit built (C-0003), a number that changes
    on each run; a row now names the building by its osm_id and says to give its entrances."""
    folder, bld = town
    bld.loc[2, "households"] = 250
    assert _run(folder, bld) == 0, capsys.readouterr().err
    report = gpd.read_file(folder / "g.gpkg", layer="report")
    units = gpd.read_file(folder / "g.gpkg", layer="units")
    over = bld.loc[bld["households"] > 200, "osm_id"]  # reference: pandas on the raw buildings
    rows = report[(report["layer"] == "buildings") & report["problem"].str.contains("more than a grid's most")]
    assert rows["row_id"].tolist() == [f"osm_id {v} (fid {k + 1})" for k, v in over.items()] == ["osm_id 903 (fid 3)"]
    uid = units.loc[units["osm_id"] == 903, "unit_id"].item()
    assert rows["problem"].item() == (f"its unit {uid} alone holds 250 households, more than a grid's most (200): no "
                                      "plan can put the grid holding it in the band")
    assert "give its entrances (单元)" in rows["action"].item()


def test_a_line_drawn_as_a_building_stops_the_command_naming_it(town, capsys):
    folder, bld = town
    bld.loc[2, "geometry"] = line((170, 30), (200, 30))
    assert _run(folder, bld) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "(osm_id 903 (fid 3) (LineString))" in err and "remove the rows" in err
    assert not (folder / "g.gpkg").exists()


def test_degrees_saved_under_a_metric_crs_are_said_as_such(town, capsys):
    folder, bld = town
    lonlat = bld.to_crs(4326).set_crs(UTM, allow_override=True)
    assert _run(folder, lonlat) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "none of the 4 buildings lies inside a community" in err
    assert "read as longitude and latitude though their CRS EPSG:32650 is in metres" in err


def test_a_building_id_column_named_is_used_repeats_and_all_and_a_missing_one_is_refused(town, capsys):
    """--building-id-col names another column (here 楼号, where osm_id would be found first); ids
    that repeat (1栋 in two estates) are told apart by the fid. Before 8 December 2026 a repeated
    id named with --unit-id-col was refused. A column not there is refused in one line."""
    folder, bld = town
    bld = bld.assign(楼号=["1栋", "2栋", "1栋", "3栋"])
    bld = pd.concat([bld, bld.iloc[[0]].assign(osm_id=905, 楼号="1栋")], ignore_index=True)  # W1's twin
    for option in ("--building-id-col", "--unit-id-col"):  # (the older spelling does the same)
        assert _run(folder, bld, option, "楼号") == 0, capsys.readouterr().err
        report = gpd.read_file(folder / "g.gpkg", layer="report")
        rows = report[report["layer"] == "buildings"]
        assert rows["row_id"].tolist() == ["楼号 1栋 (fid 5)"]
        assert rows["problem"].tolist() == ["the same footprint as building 楼号 1栋 (fid 1) (drawn twice)"]
        units = gpd.read_file(folder / "g.gpkg", layer="units")
        assert sorted(units["building_index"].dropna()) == ["楼号 1栋 (fid 1)", "楼号 1栋 (fid 3)", "楼号 2栋 (fid 2)",
                                                            "楼号 3栋 (fid 4)"]
    capsys.readouterr()
    assert _run(folder, bld, "--building-id-col", "栋号") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "has no column '栋号' (given as --building-id-col)" in err
    assert "it has: " in err and "楼号" in err.split("it has: ")[1]  # (the columns there are)


def test_the_demos_footprints_in_parts_leave_no_unit_and_no_grid_in_pieces():
    """The demo's community C08 with its units shrunk 8 m into footprints (no roads): the shrink cut
    7 units at a neck into footprints in parts with other buildings' land between them, each unit
    then in parts and grid C08-08 in two pieces 762 m apart. Now every unit is one polygon, each
    such building a report row, and no grid is in pieces (networkx on the units' shared edges)."""
    import networkx as nx

    data = os.path.join(os.path.dirname(__file__), os.pardir, "data")
    units = gpd.read_file(os.path.join(data, "demo.gpkg"), layer="units").query("community_id == 'C08'")
    comm = gpd.read_file(os.path.join(data, "demo.gpkg"), layer="communities").query("community_id == 'C08'")
    utm = units.estimate_utm_crs()
    shrunk = shapely.buffer(units.to_crs(utm).geometry.values, -8.0)
    bld = gpd.GeoDataFrame({"households": units["households"].to_numpy()}, geometry=shrunk, crs=utm)
    bld = bld[~bld.is_empty].reset_index(drop=True)
    in_parts = {str(k) for k in np.flatnonzero(shapely.get_num_geometries(bld.geometry.values) > 1)}
    assert len(in_parts) == 7
    report = Report()
    out = units_from_buildings(bld, comm, report=report)
    assert (shapely.get_type_id(out.to_crs(utm).geometry.values) == 3).all()
    frame = report.to_frame()
    said = set(frame.loc[frame["problem"].str.contains("its footprint is in"), "row_id"])
    assert said and said <= in_parts  # (a part holding under 0.1% of a footprint goes unsaid)
    assert out["households"].sum() == bld["households"].sum()
    res = partition_grids(out, comm)
    metric = res.units.to_crs(utm)
    for gid, rows in metric.groupby("grid_id"):
        geoms = list(rows.geometry)
        graph = nx.Graph()
        graph.add_nodes_from(range(len(geoms)))
        for a in range(len(geoms)):
            for b in range(a + 1, len(geoms)):
                if shapely.intersection(geoms[a].boundary, geoms[b].buffer(1e-3)).length >= 1.0:
                    graph.add_edge(a, b)
        assert nx.is_connected(graph), gid
