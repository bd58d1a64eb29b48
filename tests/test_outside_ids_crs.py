"""Inputs an outside tester gave the command line (stop 42): a station without an id, and a
layer whose coordinates are metres under an EPSG:4326 label. Both used to get through: the
first gave 82 units no station and its station a load of 0 (exit 0), the second failed deep
inside with a GEOS error or "Unable to determine UTM CRS" (exit 1, traceback)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from spatial import CRSError, partition_grids, walking_coverage
from spatial.cli import main
from spatial.core.checks import require_unique
from spatial.core.errors import ColumnError

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


@pytest.fixture()
def town(tmp_path):
    """Eight square units, a street grid and two stations as a CSV of 经度/纬度."""
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8},
                             geometry=[box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
                                       for i in range(4) for j in range(2)], crs=UTM)
    lines = [LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
    lines += [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)]
    paths = {"units": tmp_path / "units.gpkg", "net": tmp_path / "roads.gpkg", "stations": tmp_path / "站点.csv"}
    units.to_file(paths["units"])
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(paths["net"])
    pts = gpd.GeoSeries([Point(X0 + 50, Y0 + 50), Point(X0 + 350, Y0 + 150)], crs=UTM).to_crs(4326)
    paths["lonlat"] = (pts.x.tolist(), pts.y.tolist())
    return units, paths


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_a_station_without_an_id_is_refused_naming_its_row(town, tmp_path, capsys, blank):
    _, p = town
    lon, lat = p["lonlat"]
    pd.DataFrame({"站点编号": ["S1", blank], "经度": lon, "纬度": lat}).to_csv(p["stations"], index=False)
    out = tmp_path / "out" / "cov.gpkg"
    assert main(["coverage", str(p["net"]), str(p["stations"]), str(p["units"]), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "'站点.csv' column '站点编号' is empty in row 2" in err and "give every row its own id" in err
    assert not out.exists()


def test_two_stations_without_ids_are_named_as_empty_not_as_duplicates():
    stations = pd.DataFrame({"id": [None, "S2", None, "S4"]})
    with pytest.raises(ColumnError, match=r"'stations' column 'id' is empty in rows 1, 3 \(counting"):
        require_unique(stations, "id", "stations")


def test_a_station_with_an_empty_id_is_refused_by_the_library(town):
    from spatial import read_network

    units, p = town
    stations = gpd.GeoDataFrame({"station_id": [""]}, geometry=[Point(X0 + 50, Y0 + 50)], crs=UTM)
    with pytest.raises(ColumnError, match="'stations' column 'station_id' is empty in row 1"):
        walking_coverage(units, stations, read_network(p["net"]))


def test_a_unit_without_an_id_is_refused_when_grids_are_drawn(town):
    units, _ = town
    units.loc[3, "unit_id"] = None
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    with pytest.raises(ColumnError, match="'units' column 'unit_id' is empty in row 4"):
        partition_grids(units.assign(community_id="C1"), communities)


def test_metres_labelled_as_degrees_are_refused_when_read(town, tmp_path, capsys):
    units, p = town
    wrong = tmp_path / "wrong.gpkg"
    units.set_crs("EPSG:4326", allow_override=True).to_file(wrong)
    for argv in (["coverage", str(p["net"]), str(p["units"]), str(wrong), "--out", str(tmp_path / "c.gpkg")],
                 ["grids", str(wrong), str(p["units"]), "--out", str(tmp_path / "g.gpkg")]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1
        assert "wrong.gpkg) declares degrees (EPSG:4326) but its coordinates reach x 800400, y 2490200" in err
        assert "save the layer with the CRS they are really in" in err
    assert not (tmp_path / "c.gpkg").exists() and not (tmp_path / "g.gpkg").exists()


def test_metres_labelled_as_degrees_are_refused_by_the_library(town):
    from spatial import read_network

    units, p = town
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 50, Y0 + 50)], crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"'stations' declares degrees \(EPSG:4326\) but its coordinates reach "
                                       r"x 800050, y 2490050.*allow_override=True"):
        walking_coverage(units, stations, read_network(p["net"]))


def test_longitudes_from_0_to_360_are_still_degrees():
    east = gpd.GeoDataFrame(geometry=[Point(250.0, 30.0)], crs="EPSG:4326")
    from spatial.core.checks import require_crs

    assert require_crs(east, "points").is_geographic


def test_one_row_with_longitude_and_latitude_swapped_is_named_as_swapped(town, tmp_path, capsys):
    units, p = town
    lon, lat = p["lonlat"]
    pd.DataFrame({"站点编号": ["S1", "S2"], "经度": [lon[0], lat[1]], "纬度": [lat[0], lon[1]]}).to_csv(
        p["stations"], index=False)
    assert main(["coverage", str(p["net"]), str(p["stations"]), str(p["units"]),
                 "--out", str(tmp_path / "c.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert "in row 3, 站点编号 'S2' (经度=22.49" in err and "经度 and 纬度 look swapped there" in err


def _coded_town():
    """24 units coded 0001-0024 in three grids of 400 households (8 units of 50 each)."""
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(6) for j in range(4)]
    units = gpd.GeoDataFrame({"unit_id": [f"{k + 1:04d}" for k in range(24)], "households": [50] * 24,
                              "community_id": "C1"}, geometry=cells, crs=UTM)
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 600, Y0 + 400)], crs=UTM)
    grids = ["G1"] * 8 + ["G2"] * 8 + ["G3"] * 8
    return units, communities, grids


@pytest.mark.parametrize("ids", ["numbers", "zeros_stripped_text"])
def test_a_redraw_matches_plan_ids_excel_turned_into_numbers(ids):
    """The plan's ids lost their zeros (1 for 0001) or came as numbers: the redraw used to find no
    unit in the plan, drew the community as one new grid and moved all 24 units."""
    from spatial import redraw_grids

    units, communities, grids = _coded_town()
    keys = list(range(1, 25)) if ids == "numbers" else [str(k) for k in range(1, 25)]
    res = redraw_grids(units, communities, pd.DataFrame({"unit_id": keys, "grid_id": grids}))
    assert len(res.moves) == 0
    assert res.units.set_index("unit_id")["grid_id"].str.endswith(tuple("123")).all()
    assert res.grids["households_kept_pct"].eq(100).all()


def test_a_redraw_keeps_the_plans_locks_when_its_ids_lost_their_zeros():
    from spatial import redraw_grids

    units, communities, grids = _coded_town()
    units.loc[0, "households"] = 400  # G1 now holds 750: it must shed units, but not the locked ones
    plan = pd.DataFrame({"unit_id": range(1, 25), "grid_id": grids, "locked": ["是"] * 8 + [""] * 16})
    res = redraw_grids(units, communities, plan)
    moved = set(res.moves["unit_id"]) if len(res.moves) else set()
    assert not moved & {f"{k:04d}" for k in range(1, 9)}


def test_the_command_line_redraws_a_plan_whose_ids_lost_their_zeros(tmp_path, capsys):
    units, communities, grids = _coded_town()
    units.to_file(tmp_path / "units.gpkg")
    communities.to_file(tmp_path / "comm.gpkg")
    pd.DataFrame({"unit_id": range(1, 25), "grid_id": grids}).to_csv(tmp_path / "plan.csv", index=False)
    out = tmp_path / "r.gpkg"
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"),
                 "--existing", str(tmp_path / "plan.csv"), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert "moved 0 of 24 units; 100.0% of households keep their grid" in printed.out
    assert printed.err.count("lost their leading zeros") == 1


def test_more_grids_asked_for_than_units_is_said_not_drawn_quietly(caplog):
    """--grids 1000 on 400 units drew 400 and the report spoke of "the 104 grids asked for" (each
    community's share after the cap), never of the 1000 the planner asked for."""
    units, communities, _ = _coded_town()
    with caplog.at_level("WARNING", logger="spatial.grids.partition"):
        res = partition_grids(units, communities, n_grids=30)
    assert len(res.grids) == 24
    row = res.report[res.report["problem"].str.startswith("30 grids asked for, 24 drawn")]
    assert len(row) == 1 and "C1 (24 units)" in row["problem"].iloc[0]
    assert "30 grids asked for, 24 drawn" in caplog.text


def test_fewer_grids_asked_for_than_communities_is_said_too():
    units, communities, _ = _coded_town()
    two = gpd.GeoDataFrame({"community_id": ["C1", "C2"]},
                           geometry=[box(X0, Y0, X0 + 300, Y0 + 400), box(X0 + 300, Y0, X0 + 600, Y0 + 400)], crs=UTM)
    units["community_id"] = ["C1"] * 12 + ["C2"] * 12
    res = partition_grids(units, two, n_grids=1)
    assert len(res.grids) == 2
    assert res.report["problem"].str.contains("1 grid asked for, 2 drawn: each of the 2 communities").any()


def test_roads_read_for_grid_borders_are_not_judged_as_a_walking_network(huangpu_osm):
    """`grids --roads huangpu_drive.osm` warned that walks follow the roads only and coverage
    reads low: true of walks, beside the point for grid borders (read with every class kept)."""
    from spatial import read_network

    for_walks = read_network(huangpu_osm)
    for_borders = read_network(huangpu_osm, exclude_highways=(), keep_private=True, keep="all")
    assert for_walks.report["problem"].str.contains("network for cars").any()
    assert not for_borders.report["problem"].str.contains("network for cars").any()


def test_from_buildings_names_buildings_by_their_ids_and_takes_unit_id_col_for_them(tmp_path, capsys):
    """`--from-buildings --unit-id-col id` applied the option to the units built (exit 2: "'units'
    column 'id' holds duplicate ids: nan"), and report rows named buildings by row number."""
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    homes = [box(X0 + 100 * i + 40, Y0 + 100 * j + 40, X0 + 100 * i + 60, Y0 + 100 * j + 60)
             for i in range(4) for j in range(2)]
    far = box(X0 + 5000, Y0, X0 + 5020, Y0 + 20)  # outside every community
    buildings = gpd.GeoDataFrame({"id": [f"B{k}" for k in range(9)], "households": [100] * 8 + [7]},
                                 geometry=homes + [far], crs=UTM)
    communities.to_file(tmp_path / "c.gpkg")
    buildings.to_file(tmp_path / "b.gpkg")
    out = tmp_path / "g.gpkg"
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "b.gpkg"), "--from-buildings",
                 "--unit-id-col", "id", "--out", str(out)]) == 0, capsys.readouterr().err
    report = gpd.read_file(out, layer="report")
    row = report[report.iloc[:, 2].astype(str).str.contains("outside every community|不在任何社区")]
    assert len(row) == 1 and row.iloc[0, 1] == "id B8 (fid 9)"  # its id, and where QGIS shows it
    units = gpd.read_file(out, layer="units")
    assert units["unit_id"].str.startswith("C1-").all() and units["households"].sum() == 800


def test_an_evaluated_unit_without_a_grid_is_named_by_its_id():
    """`grids --evaluate` reported a unit left out of every grid as `plan 5 no 'grid_id'` (its
    row number)."""
    from spatial import evaluate_grids

    units, communities, grids = _coded_town()
    plan = units.assign(grid_id=grids)
    plan.loc[5, "grid_id"] = None
    res = evaluate_grids(plan, communities)
    row = res.report[res.report["problem"] == "no 'grid_id'"]
    assert row["row_id"].tolist() == ["0006"]


def _plan_workbook(tmp_path, grids):
    units, communities, _ = _coded_town()
    units.to_file(tmp_path / "units.gpkg")
    communities.to_file(tmp_path / "comm.gpkg")
    book = tmp_path / "plans.xlsx"
    with pd.ExcelWriter(book) as xw:  # the old plan first, the new one on a second sheet
        pd.DataFrame({"unit_id": [f"{k + 1:04d}" for k in range(24)], "网格编号": ["G1"] * 24}).to_excel(
            xw, sheet_name="旧方案", index=False)
        pd.DataFrame({"unit_id": [f"{k + 1:04d}" for k in range(24)], "网格编号": grids}).to_excel(
            xw, sheet_name="新方案", index=False)
    return book


def test_evaluate_reads_the_plan_from_the_sheet_named(tmp_path, capsys):
    """`--existing plans.xlsx:新方案` read the first sheet whatever the name said."""
    _, _, grids = _coded_town()
    book = _plan_workbook(tmp_path, grids)
    out = tmp_path / "s.gpkg"
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"),
                 "--existing", f"{book}:新方案", "--evaluate", "--out", str(out)]) == 0, capsys.readouterr().err
    assert sorted(gpd.read_file(out, layer="grid_scores")["households"].tolist()) == [400, 400, 400]
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"),
                 "--existing", f"{book}:方案三", "--evaluate", "--out", str(out)]) == 2
    assert "sheet '方案三' of plan" in (err := capsys.readouterr().err) and "it has sheets: 旧方案, 新方案" in err


def test_a_grid_id_column_named_but_absent_is_refused_not_replaced(tmp_path, capsys):
    """A mistyped --grid-id-col quietly read another grid id column found by name."""
    _, _, grids = _coded_town()
    book = _plan_workbook(tmp_path, grids)
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"),
                 "--existing", f"{book}:新方案", "--evaluate", "--grid-id-col", "新网格号",
                 "--out", str(tmp_path / "s.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "has no column '新网格号'; it has: unit_id, 网格编号" in err and len(err.strip().splitlines()) == 1


def test_coverage_refuses_a_household_count_no_unit_reaches(town, tmp_path, capsys):
    """Grids and run refused 50,000,000 households in one unit (a wrong column); coverage took it."""
    units, p = town
    units.loc[3, "households"] = 50_000_000
    units.to_file(p["units"])
    lon, lat = p["lonlat"]
    pd.DataFrame({"站点编号": ["S1", "S2"], "经度": lon, "纬度": lat}).to_csv(p["stations"], index=False)
    assert main(["coverage", str(p["net"]), str(p["stations"]), str(p["units"]),
                 "--out", str(tmp_path / "c.gpkg")]) == 2
    assert "holds more than 1,000,000 in one row: U3=50000000" in capsys.readouterr().err


def _homes(tmp_path, counts):
    """The coded town's units under 编号/户数, and one household point at each unit's centre."""
    units, communities, _ = _coded_town()
    units = units.rename(columns={"unit_id": "编号", "households": "户数"})
    units.to_file(tmp_path / "units.gpkg")
    communities.to_file(tmp_path / "comm.gpkg")
    pts = gpd.GeoDataFrame({"户数": counts}, geometry=units.geometry.centroid.to_numpy()[: len(counts)], crs=UTM)
    pts.to_file(tmp_path / "住户点.geojson")
    return units


def test_household_points_are_told_their_units_by_the_units_own_ids(tmp_path):
    """With units whose id column is 编号, household_points.unit_id held row numbers ('0', '1', '10')."""
    units = _homes(tmp_path, [50] * 24)
    out = tmp_path / "g.gpkg"
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--out", str(out),
                 "--household-points", str(tmp_path / "住户点.geojson")]) == 0
    points = gpd.read_file(out, layer="household_points")
    assert sorted(points["unit_id"]) == sorted(units["编号"])


def test_a_bad_count_among_the_household_points_names_their_file_before_any_drawing(tmp_path, capsys):
    _homes(tmp_path, [50] * 23 + [-1])
    out = tmp_path / "g.gpkg"
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--out", str(out),
                 "--household-points", str(tmp_path / "住户点.geojson")]) == 2
    err = capsys.readouterr().err
    assert "'住户点.geojson' column '户数' must be a number >= 0" in err and "23=-1" in err
    assert not out.exists()


def test_ten_household_groups_refuses_units_without_their_id_column():
    from spatial import ten_household_groups

    units, _, grids = _coded_town()
    with pytest.raises(ColumnError, match="'units' has no column 'unit_id'"):
        ten_household_groups(gpd.GeoDataFrame(geometry=[Point(X0 + 50, Y0 + 50)], crs=UTM),
                             units.assign(grid_id=grids).drop(columns="unit_id"))


def _coded_communities():
    units, communities, grids = _coded_town()
    return units, communities.assign(code="440304001002"), grids


def test_a_grids_number_and_its_codes_sequence_agree_when_drawn():
    """C01-04 had grid_seq 2 and code ...02: the id numbered by unit centroids, the code by the
    standard's bands."""
    units, communities, _ = _coded_communities()
    res = partition_grids(units.assign(households=[40 + 7 * (k % 5) for k in range(24)]), communities,
                          min_households=150, max_households=260)
    g = res.grids
    assert len(g) >= 4
    assert (g["grid_id"].str.split("-").str[-1].astype(int) == g["grid_seq"]).all()
    assert set(res.units["grid_id"]) == set(g["grid_id"])


def test_a_redraw_keeps_the_codes_of_the_grids_it_keeps_and_numbers_new_ones_after():
    """Six grids that kept all their households got new codes after a redraw (the codes were
    renumbered by position, and a new grid shifted the rest)."""
    from spatial import redraw_grids

    units, communities, _ = _coded_communities()
    # the plan's grids named out of geographic order: their codes follow their names
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": ["C1-03"] * 8 + ["C1-01"] * 8 + ["C1-02"] * 8})
    grown = units.assign(households=[50] * 16 + [90] * 8)  # the last 8 units (grid C1-02) grow to 720: split
    res = redraw_grids(grown, communities, plan)
    g = res.grids.set_index("grid_id")
    assert g.loc["C1-03", "grid_code"].endswith("03") and g.loc["C1-01", "grid_code"].endswith("01")
    new = [i for i in g.index if i not in ("C1-01", "C1-02", "C1-03")]
    assert new and sorted(g.loc[new, "grid_seq"]) == list(range(4, 4 + len(new)))


def test_units_inside_no_community_are_one_line_not_a_numpy_error(tmp_path, capsys):
    """Units in another place (or a layer under the wrong CRS): 'UFuncTypeError: Cannot cast ufunc
    divide output', exit 1."""
    units, communities, _ = _coded_town()
    units.set_geometry(units.translate(xoff=100_000)).to_file(tmp_path / "units.gpkg")
    communities.to_file(tmp_path / "comm.gpkg")
    assert main(["-q", "grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"),
                 "--out", str(tmp_path / "g.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no unit lies inside any community: the 24 units span x 900000" in err


@pytest.mark.parametrize("n_grids", [0, -3, 2.5, {"C1": 0}])
def test_a_grid_count_below_one_is_refused(n_grids):
    from spatial import SpatialError

    units, communities, _ = _coded_town()
    with pytest.raises(SpatialError, match="n_grids must be a whole number of grids, 1 or more"):
        partition_grids(units, communities, n_grids=n_grids)


def _tiny_town(x0, y0, side, crs):
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8},
                             geometry=[box(x0 + side * i, y0 + side * j, x0 + side * (i + 1), y0 + side * (j + 1))
                                       for i in range(4) for j in range(2)], crs=crs)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(x0, y0, x0 + 4 * side, y0 + 2 * side)], crs=crs)
    units["community_id"] = "C1"
    return units, comm


def test_longitudes_and_latitudes_under_a_utm_label_are_told_to_be_degrees(caplog):
    """Units in longitude/latitude whose file declares UTM lie on Earth (near the equator) and got
    through: the rook rule's tolerances are in metres, so the 1 mm units shared no edge and the
    report held only a row per island unit and 'asked for 2 grids, drew 8'."""
    units, comm = _tiny_town(114.05, 22.54, 0.001, UTM)
    with caplog.at_level("WARNING", logger="spatial.grids._prep"):
        res = partition_grids(units, comm, n_grids=2, min_households=300, max_households=500)
    row = res.report[res.report["problem"].str.startswith("the units are implausibly small")]
    assert len(row) == 1
    assert "EPSG:32650" in row["problem"].iloc[0] and "half of the 8 unit polygons" in row["problem"].iloc[0]
    assert "fit longitude/latitude: if that is what they are, set_crs('EPSG:4326'" in row["action"].iloc[0]
    assert "implausibly small" in caplog.text


def test_units_a_few_metres_across_are_told_their_crs_may_be_wrong():
    """libpysal's columbus (coordinates of about 6 x 4) read as metres: units under 1 m² across."""
    units, comm = _tiny_town(X0, Y0, 0.5, UTM)
    res = partition_grids(units, comm, n_grids=2, min_households=300, max_households=500)
    row = res.report[res.report["problem"].str.startswith("the units are implausibly small")]
    assert len(row) == 1 and "about 0.5 m across" in row["problem"].iloc[0]
    assert "not in the unit this CRS declares" in row["action"].iloc[0]


def test_units_of_a_few_metres_are_not_told_anything_about_their_crs():
    units, comm = _tiny_town(X0, Y0, 2.0, UTM)  # 4 m² each: a kiosk, not a wrong CRS
    res = partition_grids(units, comm, n_grids=2, min_households=300, max_households=500)
    assert not res.report["problem"].str.contains("implausibly small").any()
