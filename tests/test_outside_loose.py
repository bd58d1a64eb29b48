"""Loose ends of the planner's workflow: 联户长 vs 十联户 groups, outside units, input messages."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from spatial.grids.workforce import staffing, ten_household_groups

CRS = "EPSG:32650"


@pytest.mark.parametrize(("households", "leads"), [(305, 31), (5, 1), (10, 1), (15, 2), (14, 2)])
def test_household_leads_and_ten_household_groups_agree(households, leads):
    # one grid, one unit, one household a point along a row
    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["g1"]},
                             geometry=[box(0, 0, 1000, 10)], crs=CRS)
    points = gpd.GeoDataFrame(geometry=[Point(1 + 3 * i, 5) for i in range(households)], crs=CRS)
    groups = ten_household_groups(points, units).groups
    table = staffing(pd.DataFrame({"grid_id": ["g1"], "households": [households], "n_buildings": [1]}))
    assert len(groups) == table["household_leads"].iloc[0] == leads


def test_a_large_building_point_does_not_swallow_a_group():
    # 305 households in 8 building points, one of 150: still 31 groups (one 联户长 each) would need
    # 31 points; with 8 points carrying households, 8 groups, each a building never split
    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["g1"]},
                             geometry=[box(0, 0, 100, 10)], crs=CRS)
    points = gpd.GeoDataFrame({"hh": [150, 20, 20, 20, 20, 25, 25, 25]},
                              geometry=[Point(5 + 10 * i, 5) for i in range(8)], crs=CRS)
    groups = ten_household_groups(points, units, households_col="hh").groups
    assert sorted(groups["households"].tolist()) == [20, 20, 20, 20, 25, 25, 25, 150]
    # 25 households, 3 points of which one of 20: the building of 20 is a group of its own and
    # the other 5 households one group (not groups of 3 and 2); staffing still counts
    # ceil(25 / 10) = 3 联户长 (docs/layers.md, the grids layer)
    few = points.iloc[:3].assign(hh=[20, 3, 2])
    groups = ten_household_groups(few, units, households_col="hh").groups
    assert sorted(groups["households"].tolist()) == [5, 20]


def _three_communities_and_an_outsider(tmp_path):
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2", "C3"]},
                                   geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
                                   crs=CRS)
    units = gpd.GeoDataFrame(
        {"unit_id": ["U1", "U2", "U3", "OUT"], "households": [100, 100, 100, 40]},
        geometry=[box(10, 10, 90, 90), box(110, 10, 190, 90), box(210, 10, 290, 90), box(400, 10, 440, 50)],
        crs=CRS,
    ).to_crs(4326)
    communities.to_crs(4326).to_file(tmp_path / "communities.gpkg")
    units.to_file(tmp_path / "units.gpkg")
    return tmp_path / "communities.gpkg", tmp_path / "units.gpkg"


def test_a_unit_outside_every_community_gets_one_report_row_in_the_cli(tmp_path):
    from spatial.cli import main

    comm, units = _three_communities_and_an_outsider(tmp_path)
    out = tmp_path / "grids.gpkg"
    assert main(["-q", "grids", str(comm), str(units), "--min", "50", "--max", "150",
                 "--out", str(out)]) == 0
    report = gpd.read_file(out, layer="report")
    rows = report[report["row_id"] == "OUT"]
    assert len(rows) == 1
    assert rows["problem"].iloc[0] == "outside every community (nearest: C3, 120 m away)"
    assert rows["action"].iloc[0].startswith("kept in the output with no community and no grid; fix the unit's")
    kept = gpd.read_file(out, layer="units").set_index("unit_id")
    assert len(kept) == 4 and kept.loc["OUT", "households"] == 40 and pd.isna(kept.loc["OUT", "grid_id"])


def test_a_unit_outside_every_community_gets_one_row_in_the_workbook(tmp_path):
    from spatial import run_project

    comm, units = _three_communities_and_an_outsider(tmp_path)
    (tmp_path / "p.toml").write_text(
        f'[project]\nname = "t"\noutput = "out"\n[inputs]\ncommunities = "{comm.name}"\nunits = "{units.name}"\n'
        "[grids]\nmin_households = 50\nmax_households = 150\n[outputs]\nmaps = false\npng = false\nworkbook = false\n",
        encoding="utf-8")
    result = run_project(tmp_path / "p.toml")
    # the table the workbook's 数据问题清单 is written from (a run with coverage writes the workbook)
    rows = result.layers["report"].query("row_id == 'OUT'")
    assert len(rows) == 1
    assert rows["problem_zh"].iloc[0] == "不在任何社区内（最近的社区：C3，相距 120 米）"
    assert rows["action_zh"].iloc[0].startswith("保留在结果中，但不属于任何社区、未划入网格；")
    assert result.layers["units"].set_index("unit_id").loc["OUT", "households"] == 40


# ------------------------------------------------------------- messages name the file and the ids


def _one_line_error(capsys, argv: list[str]) -> str:
    from spatial.cli import main

    assert main(["-q", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_duplicate_unit_ids_name_the_file_and_the_ids(tmp_path, capsys):
    comm, units = _three_communities_and_an_outsider(tmp_path)
    many = gpd.read_file(units)
    many = pd.concat([many] * 4, ignore_index=True)  # every id four times: U1, U2, U3, OUT
    many.to_file(tmp_path / "dup.gpkg")
    err = _one_line_error(capsys, ["grids", str(comm), str(tmp_path / "dup.gpkg"), "--out", str(tmp_path / "o.gpkg")])
    assert err == ("spatial grids: error: 'dup.gpkg' column 'unit_id' holds duplicate ids: U1, U2, U3, OUT; "
                   "give every row its own id")
    communities = gpd.read_file(comm)
    communities.loc[2, "community_id"] = "C1"
    communities.to_file(tmp_path / "cdup.gpkg")
    err = _one_line_error(capsys, ["grids", str(tmp_path / "cdup.gpkg"), str(units), "--out", str(tmp_path / "o.gpkg")])
    assert "'cdup.gpkg' column 'community_id' holds duplicate ids: C1;" in err
    assert not (tmp_path / "o.gpkg").exists()


def _building_points(tmp_path, last) -> str:
    points = gpd.GeoDataFrame({"楼号": ["B1", "B2", "B3", "B4"], "户数": [10, 20, 30, 5]},
                              geometry=[Point(50, 50), Point(150, 50), Point(250, 50), last], crs=CRS)
    points.to_crs(4326).to_file(tmp_path / "bp.gpkg")
    return str(tmp_path / "bp.gpkg")


def test_an_empty_household_point_is_named_by_its_building_number(tmp_path, capsys):
    comm, units = _three_communities_and_an_outsider(tmp_path)
    argv = ["grids", str(comm), str(units), "--out", str(tmp_path / "o.gpkg"), "--household-points"]
    err = _one_line_error(capsys, [*argv, _building_points(tmp_path, Point())])
    assert err == ("spatial grids: error: 'bp.gpkg': 楼号 B4 has an empty geometry: drop the row or give it "
                   "a location")
    err = _one_line_error(capsys, [*argv, _building_points(tmp_path, box(240, 40, 260, 60))])
    assert err == ("spatial grids: error: 'bp.gpkg' must be points; 楼号 B4 is a Polygon: give one point a row "
                   "(e.g. the building's centroid)")
    assert not (tmp_path / "o.gpkg").exists()


def test_household_points_without_an_id_column_are_named_by_row_number():
    from spatial import GeometryError

    units = gpd.GeoDataFrame({"unit_id": ["u1"], "grid_id": ["g1"]}, geometry=[box(0, 0, 100, 10)], crs=CRS)
    points = gpd.GeoDataFrame(geometry=[Point(5, 5), Point(), Point(7, 5), Point()], crs=CRS)
    with pytest.raises(GeometryError, match=r"^'homes': rows 2, 4 \(counting from 1 below the header\) have an "
                                            r"empty geometry: drop the rows or give them locations$"):
        ten_household_groups(points, units, name="homes")


def test_a_unit_without_a_location_is_named_in_its_file(tmp_path, capsys):
    comm, units = _three_communities_and_an_outsider(tmp_path)
    blank = gpd.read_file(units)
    blank.loc[1, "geometry"] = None
    blank.to_file(tmp_path / "blank.gpkg")
    err = _one_line_error(capsys, ["grids", str(comm), str(tmp_path / "blank.gpkg"), "--out", str(tmp_path / "o.gpkg")])
    assert err == ("spatial grids: error: 'blank.gpkg' has 1 row with empty or missing geometry (unit_id U2); "
                   "draw it or remove the row")


def test_once_per_row_of_no_rows_is_no_rows():
    from spatial.core.checks import REPORT_COLUMNS, once_per_row

    assert once_per_row(pd.DataFrame(columns=REPORT_COLUMNS)).empty  # was: ValueError from pandas


def test_the_editor_names_the_plan_file_and_the_point_units(tmp_path, capsys):
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "grid_id": ["G1", "G2"], "households": [100, 100]},
                             geometry=[Point(50, 50), Point(150, 50)], crs=CRS)
    units.to_crs(4326).to_file(tmp_path / "plan.gpkg")
    err = _one_line_error(capsys, ["editor", str(tmp_path / "plan.gpkg"), "--out", str(tmp_path / "e.html")])
    assert err.startswith("spatial editor: error: 'plan.gpkg' must be polygons to edit (unit_id U1, U2 are not); "
                          "give the communities (--communities)")
    assert not (tmp_path / "e.html").exists()


def test_a_community_of_the_wrong_kind_is_named_in_its_file(tmp_path, capsys):
    comm, units = _three_communities_and_an_outsider(tmp_path)
    communities = gpd.read_file(comm)
    communities.loc[1, "geometry"] = communities.geometry.iloc[1].centroid
    communities.to_file(tmp_path / "社区.gpkg")
    err = _one_line_error(capsys, ["grids", str(tmp_path / "社区.gpkg"), str(units), "--out", str(tmp_path / "o.gpkg")])
    assert err.startswith("spatial grids: error: '社区.gpkg' rows must be Polygon or MultiPolygon, but 1 are not "
                          "(community_id: C2 (Point)); ")


def test_spatial_run_names_the_units_file_of_a_unit_without_a_location(tmp_path, capsys):
    comm, units = _three_communities_and_an_outsider(tmp_path)
    blank = gpd.read_file(units)
    blank.loc[1, "geometry"] = None
    blank.to_file(tmp_path / "住宅.gpkg")
    (tmp_path / "p.toml").write_text(
        f'[project]\nname = "t"\noutput = "out"\n[inputs]\ncommunities = "{comm.name}"\nunits = "住宅.gpkg"\n'
        "[outputs]\nmaps = false\npng = false\nworkbook = false\n", encoding="utf-8")
    err = _one_line_error(capsys, ["run", str(tmp_path / "p.toml")])
    assert err == ("spatial run: error: '住宅.gpkg' has 1 row with empty or missing geometry (unit_id U2); "
                   "draw it or remove the row")
    assert not (tmp_path / "out").exists()


def test_grids_evaluate_names_the_units_file_and_the_unit_of_a_blank_geometry(tmp_path, capsys):
    comm, units = _three_communities_and_an_outsider(tmp_path)
    plan = gpd.read_file(units).assign(grid_id=["G1", "G2", "G3", "G3"])
    plan.to_file(tmp_path / "plan.gpkg")
    blank = gpd.read_file(units)
    blank.loc[2, "geometry"] = None
    blank.to_file(tmp_path / "blank.gpkg")
    err = _one_line_error(capsys, ["grids", str(comm), str(tmp_path / "blank.gpkg"), "--existing",
                                   str(tmp_path / "plan.gpkg"), "--evaluate", "--out", str(tmp_path / "o.gpkg")])
    # was: 'plan' has 1 rows with empty or missing geometry (ids: 2)
    assert err == ("spatial grids: error: 'blank.gpkg' has 1 row with empty or missing geometry (unit_id U3); "
                   "draw it or remove the row")


def test_a_plan_with_a_unit_in_two_grids_is_refused_by_name(tmp_path, capsys):
    # U3 is listed in G2 and again in G1: its 100 households would count twice (400 for 300) and the
    # unit would be in two grids at once; the scores are refused, naming the unit, its grids and
    # (on the command line) the file
    from spatial.cli import main
    from spatial.core.errors import DuplicateIdError
    from spatial.grids.evaluate import evaluate_grids

    cells = [box(100 * i, 0, 100 * i + 100, 100) for i in range(3)]
    plan = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3", "U3"], "grid_id": ["G1", "G1", "G2", "G1"],
                             "households": [100] * 4}, geometry=[*cells, cells[2]], crs=CRS)
    with pytest.raises(DuplicateIdError, match=r"'plan' column 'unit_id' holds duplicate ids: U3; U3 in G1 and G2"):
        evaluate_grids(plan, min_households=50, max_households=500)
    plan.to_file(tmp_path / "plan.gpkg")
    code = main(["grids", "--evaluate", str(tmp_path / "plan.gpkg"), "--out", str(tmp_path / "scores.gpkg")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "'plan.gpkg' column 'unit_id' holds duplicate ids: U3; U3 in G1 and G2" in err
    assert not (tmp_path / "scores.gpkg").exists()
    # one row a unit: scored as before
    res = evaluate_grids(plan.iloc[:3], min_households=50, max_households=500)
    assert res.grids.set_index("grid_id")["households"].to_dict() == {"G1": 200, "G2": 100}
