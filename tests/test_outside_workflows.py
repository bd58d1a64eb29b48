"""A planner's grid workflows over weeks: a plan edited outside the tool and redrawn, departmental
layers merged, and a project file the planner edits by hand between runs."""

import logging
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spatial import SpatialError
from spatial.grids.redraw import redraw_grids
from spatial.project.config import load_project

_PROJECT = """
[project]
name = "街道网格"
[inputs]
communities = { path = "数据 文件/社区.gpkg", layer = "communities" }
units = { path = "数据 文件/社区.gpkg", layer = "units" }
"""


def _project_file(tmp_path: Path, text: str) -> Path:
    (tmp_path / "数据 文件").mkdir(exist_ok=True)
    (tmp_path / "数据 文件" / "社区.gpkg").write_bytes(b"")
    path = tmp_path / "项目 文件.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, said", [
    (_PROJECT + "[grids]\nmin_houshold = 300\n", r"\[grids\] has unknown key\(s\) \['min_houshold'\] "
                                                 r"\(did you mean 'min_households'\?\)"),
    (_PROJECT + "[grid]\nmin_households = 300\n", r"unknown section\(s\) \['grid'\] \(did you mean 'grids'\?\)"),
    (_PROJECT.replace('layer = "units"', 'layr = "units"'), r"input 'units' has unknown key\(s\) \['layr'\] "
                                                             r"\(did you mean 'layer'\?\)"),
    (_PROJECT.replace("communities = {", "communties = {"), r"unknown input 'communties' "
                                                            r"\(did you mean 'communities'\?\)"),
    (_PROJECT + "[grids]\nmin_housholds = 300\nmax_housholds = 500\n",
     r"\(did you mean 'max_households' for 'max_housholds', 'min_households' for 'min_housholds'\?\)"),
])
def test_a_misspelt_project_key_is_named_with_the_key_it_was_meant_to_be(tmp_path, text, said):
    with pytest.raises(SpatialError, match=said):
        load_project(_project_file(tmp_path, text))


def test_a_key_like_no_known_one_gets_no_guess(tmp_path):
    with pytest.raises(SpatialError, match=r"unknown key\(s\) \['colour'\]; known keys") as err:
        load_project(_project_file(tmp_path, _PROJECT + "[grids]\ncolour = 'red'\n"))
    assert "did you mean" not in str(err.value)


def test_an_output_folder_reused_without_shapefiles_keeps_none_of_the_earlier_shapefiles_parts(tmp_path):
    from spatial.core.atomic import atomic_folder

    out = tmp_path / "输出 结果"
    parts = ["grids.shp", "grids.shx", "grids.dbf", "grids.prj", "grids.cpg", "grids.fields.csv"]
    with atomic_folder(out) as tmp:  # the first run: shapefile = true (its log lists the .shp)
        (tmp / "shapefile").mkdir()
        for name in parts:
            (tmp / "shapefile" / name).write_text("old")
        (tmp / "results.gpkg").write_text("old")
        (tmp / "run_log.json").write_text('{"outputs": ["results.gpkg", "shapefile/grids.shp"]}')
    (out / "说明.txt").write_text("the planner's own note")
    with atomic_folder(out) as tmp:  # the second run: shapefile = false
        (tmp / "results.gpkg").write_text("new")
        (tmp / "run_log.json").write_text('{"outputs": ["results.gpkg"]}')
    assert sorted(p.name for p in out.rglob("*")) == ["results.gpkg", "run_log.json", "说明.txt"]
    assert (out / "results.gpkg").read_text() == "new"


def test_an_earlier_shapefile_in_a_folder_holding_the_planners_own_files_leaves_those(tmp_path):
    from spatial.core.atomic import atomic_folder

    out = tmp_path / "out"
    with atomic_folder(out) as tmp:
        (tmp / "shapefile").mkdir()
        for name in ["units.shp", "units.dbf", "units.shx"]:
            (tmp / "shapefile" / name).write_text("old")
        (tmp / "run_log.json").write_text('{"outputs": ["shapefile/units.shp"]}')
    (out / "shapefile" / "units_edited.shp").write_text("the planner's")
    with atomic_folder(out) as tmp:
        (tmp / "run_log.json").write_text('{"outputs": []}')
    assert sorted(p.name for p in (out / "shapefile").iterdir()) == ["units_edited.shp"]


def _row_of_eight() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Eight 100 m squares of 100 households in a row, in one community (UTM 50N, Shenzhen)."""
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(8)], "community_id": "C1", "households": 100},
                             geometry=[shapely.box(500_000 + 100 * i, 2_500_000, 500_100 + 100 * i, 2_500_100)
                                       for i in range(8)], crs=32650)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(500_000, 2_500_000, 500_800, 2_500_100)],
                            crs=32650)
    return units, comm


def test_a_redraw_reads_grid_cells_excel_left_a_space_in_as_the_planner_typed_them(caplog):
    # the plan A A A A | B B B B re-saved from Excel: "A " with a trailing space, U3 a cell of one space
    units, comm = _row_of_eight()
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": ["A", "A", "A ", " ", "B", "B", "B", "B"]})
    with caplog.at_level(logging.WARNING, logger="spatial.grids.redraw"):
        res = redraw_grids(units, comm, plan, min_households=300, max_households=500, code_layout=None)
    assert sorted(res.grids["grid_id"]) == ["A", "B"]  # not 4 grids, "A " and " " of 100 households each
    assert res.grids.set_index("grid_id")["households"].sum() == 800
    assert res.moves[["unit_id", "reason"]].values.tolist() == [["U3", "not in the plan"]]
    assert "1 unit has a blank grid (U3)" in caplog.text


def test_a_split_grid_s_report_row_gives_its_households_in_the_plan_not_only_those_it_held_midway():
    # plan: A = 120+180+80+150+60 = 590 households (over 500), B = 80+180+100 = 360; the redraw passes a
    # unit from A to B first, then splits A: the row said "held 530 households > 500" and its Chinese
    # "原有 530 户" (had 530 at first), where the planner's table says 590
    hhs = [120, 180, 80, 150, 60, 80, 180, 100]
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(8)], "community_id": "C1", "households": hhs},
                             geometry=[shapely.box(500_000 + 100 * i, 2_500_000, 500_100 + 100 * i, 2_500_100)
                                       for i in range(8)], crs=32650)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(500_000, 2_500_000, 500_800, 2_500_100)],
                            crs=32650)
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": list("AAAAABBB")})
    in_plan = units.assign(grid_id=plan["grid_id"]).groupby("grid_id")["households"].sum()
    res = redraw_grids(units, comm, plan, min_households=300, max_households=500, code_layout=None)
    row = res.report[(res.report["row_id"] == "A") & res.report["action"].str.startswith("split")].iloc[0]
    m = re.fullmatch(r"held (\d+) households > 500 \((\d+) in the plan; (\d+) passed on to neighbouring grids\)",
                     row["problem"])
    assert m, row["problem"]
    held, was, passed = map(int, m.groups())
    assert was == in_plan["A"] == 590 and held + passed == 590 and passed > 0
    assert f"原方案 {was} 户" in row["problem_zh"] and "原有" not in row["problem_zh"]
    new_grid = res.report[res.report["row_id"] == "A-a"]
    assert len(new_grid) and not new_grid["problem"].str.contains("in the plan").any()


@pytest.fixture
def row_files(tmp_path):
    """The eight-square row as files: units.gpkg, communities.gpkg, a plan A A A A | B B B B (CSV)."""
    units, comm = _row_of_eight()
    units.to_file(tmp_path / "units.gpkg")
    comm.to_file(tmp_path / "communities.gpkg")
    pd.DataFrame({"unit_id": units["unit_id"], "grid_id": list("AAAABBBB")}).to_csv(tmp_path / "plan.csv", index=False)
    return tmp_path


def _cli_redraw(d: Path, lock: str, *more) -> int:
    from spatial.cli import main

    (d / "lock.csv").write_text(lock, encoding="gbk")
    return main(["grids", str(d / "communities.gpkg"), str(d / "units.gpkg"), "--existing", str(d / "plan.csv"),
                 "--lock", str(d / "lock.csv"), "--min", "200", "--max", "500", "--out", str(d / "out.gpkg"), "-q",
                 *more])


def test_a_lock_file_of_grid_ids_locks_every_unit_of_those_grids(row_files):
    # grid A (U0-U3, 400 households) locked; B grown to 700 must give units away, but not to A:
    # before, the file was refused: "'lock' has no unit_id column ... Pass the column with --unit-id-col"
    units = gpd.read_file(row_files / "units.gpkg")
    units.loc[units["unit_id"].isin(["U4", "U5", "U6"]), "households"] = 200  # B: 200*3 + 100 = 700
    units.to_file(row_files / "units.gpkg")
    assert _cli_redraw(row_files, "网格编号\nA\n") == 0
    out = gpd.read_file(row_files / "out.gpkg", layer="units").set_index("unit_id")
    assert (out.loc[["U0", "U1", "U2", "U3"], "grid_id"] == "A").all()
    assert out["locked"].tolist() == [True] * 4 + [False] * 4
    grids = gpd.read_file(row_files / "out.gpkg", layer="grids").set_index("grid_id")
    assert grids.loc["A", "households"] == 400 and grids["households"].sum() == 1100


def test_a_lock_file_naming_a_grid_the_plan_lacks_is_refused_naming_it(row_files, capsys):
    assert _cli_redraw(row_files, "grid_id\nA\nC\n") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--lock 'lock.csv' lists grids the plan does not have: C (its grids: A, B)" in err


def test_evaluating_an_edited_plan_names_each_grid_out_of_the_band_with_its_households(row_files, capsys):
    # the planner moved U4 into A: A = 5 x 100 = 500 households, B = 300; band 350-450. Before, the
    # screen counted them (n_over 1, n_under 1) and named only the grids in pieces
    from spatial.cli import main

    pd.DataFrame({"unit_id": [f"U{i}" for i in range(8)], "grid_id": list("AAAAABBB")}).to_csv(
        row_files / "plan.csv", index=False, encoding="gbk")
    assert main(["grids", str(row_files / "communities.gpkg"), str(row_files / "units.gpkg"), "--existing",
                 str(row_files / "plan.csv"), "--evaluate", "--min", "350", "--max", "450",
                 "--out", str(row_files / "scores.gpkg")]) == 0
    said = capsys.readouterr()
    said = said.out + said.err
    assert "grids over the band (> 450): A (500)" in said and "grids under the band (< 350): B (300)" in said
    scores = gpd.read_file(row_files / "scores.gpkg", layer="grid_scores").set_index("grid_id")
    assert scores["band_status"].to_dict() == {"A": "over", "B": "under"}


def test_a_department_s_grid_ids_read_as_floats_are_mapped_as_it_writes_them():
    # 城管's grids 1 and 2 come back 1.0 and 2.0 from its shapefile (a blank id row, since deleted):
    # the mapping and the conflicts named them "1.0" and "2.0", matching none of 城管's own table
    from spatial.grids.merge import merge_grid_layers

    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(500_000, 2_500_000, 500_400, 2_500_200)],
                            crs=32650)
    zz = gpd.GeoDataFrame({"grid_id": ["Z1", "Z2"]}, geometry=[shapely.box(500_000, 2_500_000, 500_200, 2_500_200),
                                                               shapely.box(500_200, 2_500_000, 500_400, 2_500_200)],
                          crs=32650)
    cg_boxes = [shapely.box(500_000, 2_500_000, 500_250, 2_500_200), shapely.box(500_250, 2_500_000, 500_400, 2_500_200)]
    cg = gpd.GeoDataFrame({"grid_id": [1.0, 2.0]}, geometry=cg_boxes, crs=32650)
    res = merge_grid_layers({"综治": zz, "城管": cg}, comm)
    mapping = res.mapping[res.mapping["layer"] == "城管"]
    assert sorted(mapping["grid_id"].unique()) == ["1", "2"]
    one = mapping[mapping["grid_id"] == "1"].set_index("unified_id")["area_m2"].sort_values()
    # 1 = [0, 250] x [0, 200]: 200 x 200 in Z1's unified grid, 50 x 200 in Z2's (shapely, not the merge)
    expected = sorted([shapely.intersection(cg_boxes[0], z).area for z in zz.geometry])
    assert one.to_numpy() == pytest.approx(expected, abs=0.01) and expected == [10_000, 40_000]
    cut = res.conflicts[res.conflicts["kind"] == "cut"]
    assert set(cut["grid_b"].astype(str)) <= {"1", "2"} and len(cut)


def test_merge_names_the_department_s_own_id_column_where_grids_have_no_id(tmp_path, capsys):
    # before: "'cg.gpkg' column 'grid_id' is empty in rows 2": the file has no column grid_id, but 网格编号
    from spatial.cli import main

    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(500_000, 2_500_000, 500_400, 2_500_200)],
                            crs=32650)
    boxes = [shapely.box(500_000, 2_500_000, 500_200, 2_500_200), shapely.box(500_200, 2_500_000, 500_400, 2_500_200)]
    comm.to_file(tmp_path / "comm.gpkg")
    gpd.GeoDataFrame({"grid_id": ["Z1", "Z2"]}, geometry=boxes, crs=32650).to_file(tmp_path / "zz.gpkg")
    gpd.GeoDataFrame({"网格编号": ["1", None]}, geometry=boxes, crs=32650).to_crs(4326).to_file(tmp_path / "cg.gpkg")
    assert main(["merge", str(tmp_path / "comm.gpkg"), f"综治={tmp_path / 'zz.gpkg'}", f"城管={tmp_path / 'cg.gpkg'}",
                 "--out", str(tmp_path / "m.gpkg"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "layer 城管" in err and "column '网格编号' is empty in row 2 (" in err
    assert not (tmp_path / "m.gpkg").exists()
