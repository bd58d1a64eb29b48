"""The last merges used as their users would (an outside review, fifth round): a redrawing planner
whose demolished estate was taken out of the units layer, and a hill-town planner whose road layer
says Y/N (HERE's streets) or 是/否 in its bridge and tunnel fields."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from test_grids import community, squares
from test_outside_redraw import redraw_project

from spatial.cli import main

from spatial.grids.redraw import redraw_grids
from spatial.network.read import read_network

UTM = "EPSG:32650"
X0, Y0 = 320_000.0, 2_850_000.0


def row_of_nine(hh):
    """Grids A | B | C of three 100 m squares each, in a row; ``hh`` per unit, west to east."""
    units = squares(1, 9, [hh])
    plan = pd.DataFrame({"unit_id": list(units["unit_id"]), "grid_id": list("AAABBBCCC")})
    return units, community(shapely.box(0, 0, 900, 100)), plan


# ------------------------------------------------------------------ a grid whose units were all removed


def test_a_grid_whose_units_were_all_taken_out_of_the_units_is_named_in_the_report():
    # C's estate was demolished and its three blocks deleted from the units layer. Before, grid C
    # was gone from the redraw with no row on it: only three rows on units U06-U08, where the same
    # estate left in with 0 households gets "C: merged into B"
    units, comm, plan = row_of_nine([120] * 9)
    res = redraw_grids(units.iloc[:6], comm, plan)
    assert res.grids["grid_id"].tolist() == ["A", "B"]
    rows = res.report[res.report["layer"] == "grids"]
    assert rows[["row_id", "problem"]].values.tolist() == [
        ["C", "all 3 of its units in the plan are no longer among the units"]]
    assert rows["problem_zh"].tolist() == ["原方案中该网格的 3 个单元均已不在现有单元中"]
    # the units' own rows are still there
    assert res.report.loc[res.report["layer"] == "plan", "row_id"].tolist() == ["U06", "U07", "U08"]


def test_a_grid_that_lost_some_of_its_units_has_no_such_row():
    units, comm, plan = row_of_nine([150] * 9)
    res = redraw_grids(units.drop(index=8), comm, plan)
    assert "C" in set(res.grids["grid_id"])
    assert not res.report["problem"].str.contains("all .* of its units", regex=True).any()


# ------------------------------------------------------------------ Y/N and 是/否 bridge and tunnel fields


def t_junction(bridge, tunnel):
    """A 400 m street west-east and a 200 m street from its middle north, with these fields."""
    return gpd.GeoDataFrame({"highway": ["residential"] * 2, "bridge": bridge, "tunnel": tunnel},
                            geometry=[shapely.LineString([(X0, Y0), (X0 + 400, Y0)]),
                                      shapely.LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 200)])], crs=UTM)


@pytest.mark.parametrize("no", ["N", "n", "否"])
def test_a_bridge_field_saying_n_or_fou_is_no_bridge(no):
    # a road layer with HERE's BRIDGE/TUNNEL fields (Y/N) or a 是/否 field: before, every street
    # with bridge=N was a bridge (on a DEM walking the straight line between its ends over any
    # dip) and one with an empty cell beside it was on another level: not joined at the
    # T-junction, the network fell in two
    net = read_network(t_junction([None, no], [None, no]), keep="all")
    assert net.n_edges == 3 and set(net.component.tolist()) == {0}
    assert not net.off_ground.any()
    assert "levels" not in set(net.report["row_id"])


@pytest.mark.parametrize("yes, no", [("Y", "N"), ("是", "否")])
def test_a_tunnel_field_saying_y_or_shi_is_a_tunnel(yes, no):
    # before, tunnel=Y was no tunnel: the street in it was joined to the one above its mouth
    # and, on a DEM, walked over the hill
    net = read_network(t_junction([no, no], [yes, no]), keep="all")
    assert sorted(net.off_ground_kind.tolist()) == [0, 2]
    assert "levels" in set(net.report["row_id"])
    bridge = read_network(t_junction([yes, no], [no, no]), keep="all")
    assert sorted(bridge.off_ground_kind.tolist()) == [0, 1]


# ------------------------------------------------------------------ what 调入单元数 counts


def test_units_moved_in_counts_new_units_and_its_definition_says_so():
    # C's three blocks are new since the plan (an estate built): B took them over the band and
    # split them off as B-a, whose 调入单元数 is 3 though no other grid gave it a unit (调出 sums
    # to 0). Before, the workbook's and popups' definition said "从其他网格调入" only, and a
    # planner looked for the grid that lost them
    from spatial.io.workbook import COLUMNS

    units, comm, plan = row_of_nine([120] * 9)
    res = redraw_grids(units, comm, plan.iloc[:6])
    g = res.grids.set_index("grid_id")
    assert g.loc["B-a", "units_moved_in"] == 3 and g["units_moved_out"].sum() == 0
    assert res.moves["reason"].tolist() == ["not in the plan"] * 3
    _, _, zh, en = COLUMNS["units_moved_in"]
    assert "新增" in zh and "new since the plan" in en


# ------------------------------------------------------------------ README.txt of a redraw's folder


def test_the_readme_of_a_run_that_redrew_a_plan_says_so_with_the_figures_of_the_run_s_line(tmp_path, capsys):
    # the official sent the folder reads README.txt; it gave the grids' band and listed moves.csv,
    # but not that the plan was redrawn, how many units moved nor how many households keep their
    # grid, which the run's line gives. U08 is new since the plan (150 households, which had no grid
    # to keep): all 1,020 of the plan's keep theirs (until December 2026 "87.2%", of 1,170)
    units, comm, plan = row_of_nine([120] * 6 + [150, 150, 150])
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    plan[plan["unit_id"] != "U08"].to_csv(tmp_path / "plan.csv", index=False)
    assert main(["run", str(redraw_project(tmp_path, '{ path = "plan.csv" }'))]) == 0
    assert "(plan redrawn: 0 units moved, 1 new unit placed, 100.0% of households keep their grid)" in capsys.readouterr().out
    lines = (tmp_path / "out" / "README.txt").read_text(encoding="utf-8-sig").splitlines()
    assert lines[2:4] == ["共 3 个网格：3 个在 300–500 户之间，0 个不足，0 个超出。",
                          "按原方案调整：0 个居民单元调整了网格，1 个新增单元划入网格，100.0% 的户保持原网格。"]


# ------------------------------------------------------------------ a new estate in a plan that already has C1-new1


def test_a_new_estate_in_a_plan_with_last_year_s_new_grid_is_the_next_new_grid():
    # last year's redraw made C1-new1 (an estate across the river); this year a second estate no
    # grid reaches was named C1-new12 (C1-new1 with a 2 on its end), read as the twelfth new grid
    old = squares(1, 9, [[120] * 9])
    new = squares(1, 3, [[120] * 3], x0=1000, prefix="N")
    units = gpd.GeoDataFrame(pd.concat([old, new], ignore_index=True), crs=old.crs)
    plan = dict(zip(old["unit_id"], ["C1-01"] * 3 + ["C1-02"] * 3 + ["C1-new1"] * 3))
    res = redraw_grids(units, community(shapely.box(0, 0, 1400, 100), code="440304001002"), plan)
    got = res.units.groupby("grid_id")["unit_id"].apply(list).to_dict()
    assert got == {"C1-01": ["U00", "U01", "U02"], "C1-02": ["U03", "U04", "U05"], "C1-new1": ["U06", "U07", "U08"],
                   "C1-new2": ["N00", "N01", "N02"]}
    assert res.moves["new_grid"].tolist() == ["C1-new2"] * 3


# ------------------------------------------------------------------ a chain's row on a grid that grew since the plan


def test_a_chain_s_row_says_what_the_grid_out_of_the_band_held_in_the_plan():
    # A held 420 in the plan (in the band); a new block of 150 beside it took it to 570 and the
    # chains passed units on. Before, the row said only "A (570)", which the planner's sheet of
    # the plan (A: 420) contradicts; the merge rows already said what a grid held in the plan
    units = squares(1, 9, [[140, 140, 140, 150, 120, 120, 120, 120, 120]])
    plan = pd.DataFrame({"unit_id": ["U00", "U01", "U02", "U04", "U05", "U06", "U07", "U08"],
                         "grid_id": list("AAABBBCC")})
    res = redraw_grids(units, community(shapely.box(0, 0, 900, 100)), plan)
    assert "".join(res.units["grid_id"]) == "AAABBBCCC"
    rows = res.report[res.report["layer"] == "grids"]
    assert rows[["row_id", "problem", "problem_zh"]].values.tolist() == [[
        "B、C",
        "out of the band 300–500: A (570; 420 in the plan; 150 more passed on from neighbouring grids or new since), "
        "C (240)",
        "户数不在 300–500 区间内：A（570 户；原方案 420 户；另有 150 户由相邻网格传入或为新增单元）、C（240 户）"]]
