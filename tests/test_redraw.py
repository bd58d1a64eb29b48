"""Specification of redraw (网格调整): few moves, chains of neighbours, locked units never move."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_grids import check_plan, community, squares

from spatial import ColumnError
from spatial.datasets.synthetic import voronoi_units
from spatial.grids.partition import partition_grids
from spatial.grids.redraw import redraw_grids


def row_of_twelve():
    """Grids A | B | C of four 100 m squares each, in a row: A over band, B full, C with room."""
    units = squares(1, 12, [[130] * 4 + [120] * 4 + [75] * 4])
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": ["A"] * 4 + ["B"] * 4 + ["C"] * 4})
    return units, community(shapely.box(0, 0, 1200, 100)), plan


def test_overflow_is_pushed_along_the_chain_of_neighbours():
    units, comm, plan = row_of_twelve()
    res = redraw_grids(units, comm, plan)
    moves = res.moves.set_index("unit_id")
    # A (520) hands its border unit to B, B hands its border unit to C: two moves, all in band
    assert list(moves.index) == ["U03", "U07"]
    assert moves.loc["U03", "old_grid"] == "A" and moves.loc["U03", "new_grid"] == "B"
    assert moves.loc["U07", "old_grid"] == "B" and moves.loc["U07", "new_grid"] == "C"
    hh = res.grids.set_index("grid_id")["households"]
    assert hh.to_dict() == {"A": 390, "B": 490, "C": 420}
    # cores kept: B keeps its three 120s of 490, C its four 75s of 420
    g = res.grids.set_index("grid_id")
    assert g["households_kept_pct"].round(2).to_dict() == {"A": 100.0, "B": round(100 * 360 / 490, 2),
                                                           "C": round(100 * 300 / 420, 2)}
    assert g["units_moved_in"].to_dict() == {"A": 0, "B": 1, "C": 1}
    assert g["units_moved_out"].to_dict() == {"A": 1, "B": 1, "C": 0}
    check_plan(res, units, comm)


def test_one_block_growing_60_percent_moves_few_units_and_keeps_the_cores():
    from test_grids_towns import BLOCK_HH, block_town

    units, comm, roads = block_town(BLOCK_HH)
    base = partition_grids(units, comm, roads=roads, n_grids=3)
    grown = base.units.copy()
    block = grown["block"] == "B10"  # 210 households -> 336: its grid goes over 500
    grown.loc[block, "households"] = (grown.loc[block, "households"] * 1.6).round().astype(int)
    res = redraw_grids(grown, comm, roads=roads)
    assert (res.grids["band_status"] == "in").all()
    assert 0 < len(res.moves) < 0.1 * len(units)
    old = grown.set_index("unit_id")["grid_id"]
    new = res.units.set_index("unit_id")["grid_id"]
    hh = grown.set_index("unit_id")["households"]
    assert hh[old == new].sum() >= 0.9 * hh.sum()
    assert (res.grids["households_kept_pct"] >= 80).all()


def test_plan_already_in_band_moves_nothing():
    units, comm, plan = row_of_twelve()
    units["households"] = 100
    res = redraw_grids(units, comm, plan)
    assert res.moves.empty
    assert sorted(res.grids["grid_id"]) == ["A", "B", "C"]


def test_locked_units_never_move():
    units, comm, plan = row_of_twelve()
    plan["locked"] = plan["unit_id"].isin(["U03", "U07"])
    res = redraw_grids(units, comm, plan)
    assert not res.moves["unit_id"].isin(["U03", "U07"]).any()
    got = res.units.set_index("unit_id")["grid_id"]
    assert got["U03"] == "A" and got["U07"] == "B"
    check_plan(res, units, comm)


def test_over_full_grid_is_split_when_no_neighbour_has_room():
    units = squares(2, 4, 150)  # one grid of 1200 households
    comm = community(shapely.box(0, 0, 400, 200))
    res = redraw_grids(units, comm, {u: "G" for u in units["unit_id"]})
    assert len(res.grids) >= 3 and (res.grids["band_status"] == "in").all()
    assert "G" in set(res.grids["grid_id"])  # the largest part keeps the old id
    assert res.report["action"].str.contains("split").any()
    check_plan(res, units, comm)


def test_a_grid_over_the_band_because_of_one_unit_says_so():
    units = squares(1, 4, [[520, 100, 200, 200]])  # U00 alone is over the band
    comm = community(shapely.box(0, 0, 400, 100))
    res = redraw_grids(units, comm, {"U00": "A", "U01": "A", "U02": "B", "U03": "B"})
    over = res.grids[res.grids["band_status"] == "over"]
    assert over["households"].tolist() == [520]  # its neighbour went next door; nothing else helps
    row = res.report[res.report["row_id"] == over["grid_id"].iloc[0]].iloc[0]
    assert "alone holds 520" in row["problem"] and "split that unit" in row["action"]
    check_plan(res, units, comm)


def test_a_grid_over_the_band_because_of_its_locked_units_says_so():
    units = squares(1, 4, [[200, 200, 200, 100]])
    comm = community(shapely.box(0, 0, 400, 100))
    plan = {"U00": "A", "U01": "A", "U02": "A", "U03": "B"}
    res = redraw_grids(units, comm, plan, locked=["U00", "U01", "U02"])  # 600 locked together
    row = res.report[(res.report["row_id"] == "A") & res.report["problem"].str.contains("locked")].iloc[0]
    assert "its locked units alone hold 600" in row["problem"] and "unlock some" in row["action"]
    # that row says it: no second row on A saying it is over the band (planner4)
    assert (res.report["row_id"] == "A").sum() == 1


def test_a_lock_that_matches_no_unit_is_refused_and_excel_s_lost_zeros_are_matched(caplog):
    units = squares(1, 4, [[200, 200, 200, 100]])
    comm = community(shapely.box(0, 0, 400, 100))
    plan = {"U00": "A", "U01": "A", "U02": "A", "U03": "B"}
    with pytest.raises(ColumnError, match="locked lists 2 unit ids, none of them among the units: U8, U9"):
        redraw_grids(units, comm, plan, locked=["U8", "U9"])   # the wrong list (one unit removed since: reported)
    units["unit_id"] = ["0100", "0101", "0102", "0103"]          # numeric codes; Excel drops the zero
    plan = dict(zip(units["unit_id"], "AAAB"))
    with caplog.at_level("WARNING", logger="spatial.grids.plan"):
        res = redraw_grids(units, comm, plan, locked=[100, 101, 102])
    assert "3 unit ids had lost their leading zeros" in caplog.text
    row = res.report[(res.report["row_id"] == "A") & res.report["problem"].str.contains("locked")].iloc[0]
    assert "its locked units alone hold 600" in row["problem"]      # the three are locked, as meant


def test_a_split_in_redraw_is_one_run_of_the_engine(monkeypatch):
    """Redraw moves as few units as it can: a grid it splits is cut once, not drawn from several
    seeds (the restarts of ``balance="equal"`` would re-cut it, slower, for other borders)."""
    import spatial.grids._engine as engine

    runs = []
    real = engine._one_seed
    monkeypatch.setattr(engine, "_one_seed", lambda state, seed: runs.append(seed) or real(state, seed))
    units = squares(2, 4, 150)
    redraw_grids(units, community(shapely.box(0, 0, 400, 200)), {u: "G" for u in units["unit_id"]})
    assert len(runs) >= 1 and set(runs) == {0}


def test_over_full_grid_is_split_with_no_floor_at_all():
    """--min 0 (a ceiling only) splits by the ceiling; it once divided by the zero floor."""
    units = squares(2, 4, 150)  # one grid of 1200 households
    comm = community(shapely.box(0, 0, 400, 200))
    res = redraw_grids(units, comm, {u: "G" for u in units["unit_id"]}, min_households=0, max_households=500)
    assert len(res.grids) >= 3 and (res.grids["households"] <= 500).all()
    check_plan(res, units, comm)


def test_under_full_grid_is_merged_when_nothing_can_be_pulled():
    units = squares(1, 4, [[100, 100, 150, 150]])
    comm = community(shapely.box(0, 0, 400, 100))
    plan = {"U00": "A", "U01": "A", "U02": "B", "U03": "B"}  # 200 + 300: A under, B cannot spare
    res = redraw_grids(units, comm, plan)
    assert len(res.grids) == 1 and res.grids["households"].iloc[0] == 500
    assert res.report["action"].str.contains("merged into").any()


def test_units_missing_from_the_plan_join_a_neighbouring_grid():
    units, comm, plan = row_of_twelve()
    units["households"] = 100
    plan = plan[plan["unit_id"] != "U05"]
    res = redraw_grids(units, comm, plan)
    mv = res.moves.set_index("unit_id")
    assert mv.loc["U05", "reason"] == "not in the plan" and mv.loc["U05", "new_grid"] == "B"


def test_plan_errors():
    units, comm, plan = row_of_twelve()
    with pytest.raises(ColumnError, match="'plan' has no column 'grid_id'"):
        redraw_grids(units, comm, plan.rename(columns={"grid_id": "g"}))
    with pytest.raises(ColumnError, match="more than once"):
        redraw_grids(units, comm, pd.concat([plan, plan.iloc[:1]]))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(20, 60), st.integers(0, 10_000), st.floats(0.5, 2.0), st.floats(0.0, 0.4))
@example(21, 130, 0.5, 0.25)  # a community of two grids whose mean lies under the band
@example(53, 9794, 0.5625, 0.0)  # the tidying once traded one grid's band for another's (96 | 118 -> 116 | 98)
def test_property_redraw_keeps_invariants_and_locked_units(n, seed, growth, lock_share):
    units, comms, _ = voronoi_units(n, n_communities=2, mean_households=30, seed=seed)
    base = partition_grids(units, comms, min_households=100, max_households=200, seed=seed)
    rng = np.random.default_rng(seed)
    grown = units.copy()
    grown["households"] = np.round(units["households"] * rng.uniform(1, growth + 1e-9, n) if growth >= 1
                                   else units["households"] * rng.uniform(growth, 1, n)).astype(int)
    plan = base.units[["unit_id", "grid_id"]].copy()
    plan["locked"] = rng.random(n) < lock_share
    res = redraw_grids(grown, comms, plan, min_households=100, max_households=200)
    check_plan(res, grown, comms)
    locked = plan.set_index("unit_id")["locked"]
    new = res.units.set_index("unit_id")["grid_id"]
    old = plan.set_index("unit_id")["grid_id"]
    assert (new[locked] == old[locked]).all()
    # the moves table lists exactly the units whose grid changed
    changed = set(new.index[new != old])
    assert changed == set(res.moves["unit_id"])
    # a rule near the mean moves more units, but never takes a grid the band alone left in it out
    near = redraw_grids(grown, comms, plan, min_households=100, max_households=200, max_deviation_pct=5)
    check_plan(near, grown, comms)
    in_band = res.grids.loc[res.grids["band_status"] == "in", "grid_id"]
    assert (near.grids.set_index("grid_id").loc[in_band, "band_status"] == "in").all()
    near_new = near.units.set_index("unit_id")["grid_id"]
    assert (near_new[locked] == old[locked]).all()
    assert set(near_new.index[near_new != old]) == set(near.moves["unit_id"])


def row_of_three_grids():
    """A (460) | B (400) | C (340) in a row of 100 m squares, all in the 300-500 band; mean 400."""
    hh = [100, 100, 100, 100, 60] + [60, 100, 100, 80, 60] + [100, 100, 80, 60]
    units = squares(1, 14, [hh])
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": ["A"] * 5 + ["B"] * 5 + ["C"] * 4})
    return units, community(shapely.box(0, 0, 1400, 100)), plan


def test_a_rule_near_the_mean_passes_units_along_the_chain_until_every_grid_is_within_it():
    units, comm, plan = row_of_three_grids()
    assert len(redraw_grids(units, comm, plan).moves) == 0  # the band alone: nothing to do
    res = redraw_grids(units, comm, plan, max_deviation_pct=5)
    # A hands its 60 to B, B its other 60 to C: 400 | 400 | 400, two units moved
    assert res.grids.set_index("grid_id")["households"].to_dict() == {"A": 400, "B": 400, "C": 400}
    moves = res.moves.set_index("unit_id")
    assert moves[["old_grid", "new_grid"]].to_dict("index") == {"U04": {"old_grid": "A", "new_grid": "B"},
                                                                 "U09": {"old_grid": "B", "new_grid": "C"}}
    assert moves["reason"].str.contains("within 5% of the mean").all()
    assert (res.grids["deviation_pct"] == 0).all()
    # no grid left beyond the rule; the one row on the grids the chains changed says why they did
    rows = res.report[res.report["problem"].str.contains("mean grid")]
    assert rows[["row_id", "problem"]].values.tolist() == [
        ["A、B、C", "further than 5% from the community's mean grid of 400 households: A (460), C (340)"]]
    check_plan(res, units, comm)


def test_a_grid_no_chain_can_bring_near_the_mean_is_reported_and_the_band_kept():
    # A: two buildings of 240 (480), B: two of 160 (320); mean 400. Moving either building takes
    # its grid out of the band, so nothing moves and both grids are listed with their largest units
    units = squares(1, 4, [[240, 240, 160, 160]])
    plan = {"U00": "A", "U01": "A", "U02": "B", "U03": "B"}
    res = redraw_grids(units, community(shapely.box(0, 0, 400, 100)), plan, max_deviation_pct=10)
    assert len(res.moves) == 0 and (res.grids["band_status"] == "in").all()
    rows = res.report[res.report["problem"].str.contains("mean grid")].set_index("row_id")["problem"]
    assert rows["A"].startswith("has 480 households, 20.0% over its community's mean grid of 400 (rule: within 10%)")
    # (U00, at the row's end, touches only U01: 240 alone, 480 with it; the rule wants 360-440)
    assert rows["A"].endswith("unit U00 holds 240 households: fewer than the 360 the rule needs, alone and with all "
                              "the lighter units it could join, and more than 440 with any neighbour of more than 200")
    assert rows["B"].startswith("has 320 households, 20.0% under")
    # a wider rule: both grids within it, no row
    wide = redraw_grids(units, community(shapely.box(0, 0, 400, 100)), plan, max_deviation_pct=20)
    assert not wide.report["problem"].str.contains("mean grid").any()


def test_a_far_grid_of_one_gated_estate_names_the_estate_as_one_unit():
    # A: a gated estate of four buildings of 120 (480), B: 100, 100 and 120 (320); mean 400
    units = squares(1, 7, [[120, 120, 120, 120, 100, 100, 120]])
    units["gated"] = ["E1"] * 4 + [None] * 3
    plan = {u: ("A" if i < 4 else "B") for i, u in enumerate(units["unit_id"])}
    res = redraw_grids(units, community(shapely.box(0, 0, 700, 100)), plan, max_deviation_pct=5)
    assert len(res.moves) == 0  # the estate moves only whole; B's buildings would take B out of the band
    rows = res.report[res.report["problem"].str.contains("mean grid")].set_index("row_id")["problem"]
    assert rows["A"].endswith("the 4 units kept together (U00, U01, U02, U03) alone hold 480 households, more than "
                              "the 420 the rule allows")
    # B's three buildings hold 320 together, and with the estate 800: no plan does better
    assert rows["B"].endswith("unit U06 holds 120 households: fewer than the 380 the rule needs, alone and with all "
                              "the lighter units it could join, and more than 420 with any neighbour of more than 300")


@pytest.mark.parametrize(("yes", "no"), [("是", "否"), ("1", "0"), (True, False), (1, 0), ("x", "FALSE"),
                                        ("locked", ""), ("yes", None)])
def test_locked_cells_read_as_a_planner_types_them(yes, no):
    # row_of_twelve: A (520) hands U03 on to B; locked, U03 stays and A has no other unit touching B
    units, comm, plan = row_of_twelve()
    plan["locked"] = [no] * 12
    assert "U03" in set(redraw_grids(units, comm, plan).moves["unit_id"])
    plan["locked"] = [no] * 3 + [yes] + [no] * 8
    assert "U03" not in set(redraw_grids(units, comm, plan).moves["unit_id"])


def test_cli_redraw_takes_the_rule_near_the_mean(tmp_path, capsys):
    from spatial.cli import main

    units, comm, plan = row_of_three_grids()
    units["grid_id"] = plan["grid_id"]
    units.to_file(tmp_path / "units.gpkg")
    comm.to_file(tmp_path / "comm.gpkg")
    out = tmp_path / "out.gpkg"
    args = ["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--redraw", "--out", str(out)]
    assert main([*args, "--max-deviation", "5"]) == 0
    assert "moved 2 of 14 units; 90.0% of households keep their grid" in capsys.readouterr().out  # 120 of 1,200
    assert sorted(gpd.read_file(out, layer="grids")["households"]) == [400, 400, 400]
    assert sorted(gpd.read_file(out, layer="moves")["unit_id"]) == ["U04", "U09"]
    assert main([*args, "--restarts", "2"]) == 2
    assert "--restarts is for drawing new grids" in capsys.readouterr().err
    # a plan typed with Chinese headers (单元编号, 网格号: the workbook's words) is read the same
    plan.rename(columns={"unit_id": "单元编号", "grid_id": "网格号"}).to_csv(tmp_path / "plan.csv", index=False)
    args = ["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--existing",
            str(tmp_path / "plan.csv"), "--redraw", "--max-deviation", "5", "--out", str(tmp_path / "zh.gpkg")]
    assert main(args) == 0
    assert sorted(gpd.read_file(tmp_path / "zh.gpkg", layer="moves")["unit_id"]) == ["U04", "U09"]


@pytest.mark.parametrize("bad", [0, 0.5, 101, "5", True])
def test_the_rule_near_the_mean_is_a_percentage(bad):
    units, comm, plan = row_of_three_grids()
    with pytest.raises(ValueError, match=r"max_deviation_pct must be a percentage from 1 to 100"):
        redraw_grids(units, comm, plan, max_deviation_pct=bad)


def test_moves_say_why():
    units, comm, plan = row_of_twelve()
    res = redraw_grids(units, comm, plan)
    assert set(res.moves["reason"]) == {"passed along a chain of neighbouring grids"}
    split = redraw_grids(squares(2, 4, 150), community(shapely.box(0, 0, 400, 200)),
                         {f"U{r}{c}": "G" for r in range(2) for c in range(4)})
    assert split.moves["reason"].str.fullmatch("grid G split").all()
    # a plan grid in two pieces: the smaller piece joins the grid it touches
    plan2 = plan.copy()
    plan2.loc[plan2["unit_id"] == "U00", "grid_id"] = "C"
    units["households"] = 100
    res2 = redraw_grids(units, comm, plan2)
    assert res2.moves.set_index("unit_id").loc["U00", "reason"] == "cut off from the rest of its grid"
    assert res2.moves.set_index("unit_id").loc["U00", "new_grid"] == "A"


def test_a_grid_split_into_more_than_26_parts_gets_letter_suffixes():
    units = squares(2, 30, 250)  # one grid of 15,000 households: 30 parts of at most 500
    res = redraw_grids(units, community(shapely.box(0, 0, 3000, 200)), {u: "G" for u in units["unit_id"]})
    ids = set(res.grids["grid_id"])
    assert len(ids) >= 27
    assert all(re.fullmatch(r"G(-[a-z]+)?", g) for g in ids), sorted(ids)
    assert {"G-aa"} & ids or {"G-ab"} & ids
    check_plan(res, units, community(shapely.box(0, 0, 3000, 200)))


def test_a_far_grid_of_one_unit_says_so():
    # A: one building of 480; B: 160 and 160 (mean 400): neither can move without leaving the band
    units = squares(1, 3, [[480, 160, 160]])
    res = redraw_grids(units, community(shapely.box(0, 0, 300, 100)), {"U00": "A", "U01": "B", "U02": "B"},
                       max_deviation_pct=5)
    rows = res.report[res.report["problem"].str.contains("mean grid")].set_index("row_id")["problem"]
    assert rows["A"].endswith("(rule: within 5%); unit U00 alone holds 480 households, more than the 420 the rule "
                              "allows")
    # U01 and U02 hold 320 together, and U00 would take them past 420: no plan does better
    assert rows["B"].endswith("unit U01 holds 160 households: fewer than the 380 the rule needs, alone and with all "
                              "the lighter units it could join, and more than 420 with any neighbour of more than 260")


def test_north_carolina_counties_one_grid_grown_come_within_the_rule():
    # third-party polygons (libpysal's sids2: 100 counties, births 1974 as households), 14 grids;
    # the counties of one grid grow 60% (47.7% over the mean, still in the 20,000-60,000 band).
    # Within 10% the first rounds (from 40%) leave a grid 18.1% off; tried again from 20% every
    # grid comes within the rule. Sums are checked against the file's own column.
    from test_grids_polygons import _nc_counties

    units = _nc_counties().to_crs(32617)  # UTM 17N, North Carolina's own zone
    comm = gpd.GeoDataFrame({"community_id": ["NC"]}, geometry=[shapely.union_all(units.buffer(1).values)],
                            crs=units.crs)
    base = partition_grids(units, comm, n_grids=14, min_households=20000, max_households=60000)
    grow = (base.units["grid_id"] == base.units["grid_id"].iloc[0]).to_numpy()
    grown = units.copy()
    grown.loc[grow, "households"] = (grown.loc[grow, "households"] * 1.6).round().astype(int)
    res = redraw_grids(grown, comm, base.units[["unit_id", "grid_id"]], min_households=20000, max_households=60000,
                       max_deviation_pct=10)
    assert res.grids["deviation_pct"].abs().max() <= 10 and (res.grids["band_status"] == "in").all()
    assert 0 < len(res.moves) <= 10
    sums = grown.assign(g=grown["unit_id"].map(dict(zip(res.units["unit_id"], res.units["grid_id"]))))
    assert sums.groupby("g")["households"].sum().to_dict() == res.grids.set_index("grid_id")["households"].to_dict()


def test_every_reason_a_move_gives_reads_in_chinese_for_the_workbook():
    from spatial.grids.redraw import _why, moves_in

    both = {"A", "B"}
    reasons = [_why(None, "A", False, both, both), _why("A", None, False, both, both),
               _why("A", "B", True, both, both), _why("A", "B", False, both, both, 5),
               _why("G", "G-a", False, {"G"}, {"G", "G-a"}), _why("G", "H-b", False, {"G", "H"}, {"G", "H", "H-b"}),
               _why("A", "B", False, both, {"B"}), _why("A", "B", False, both, both)]
    assert len(set(reasons)) == len(reasons)  # every branch of _why
    zh = moves_in(pd.DataFrame({"unit_id": range(len(reasons)), "reason": reasons}), "zh")["reason"].tolist()
    assert not [r for r in zh if re.search(r"[a-z]{3,}", r)], zh
    assert zh[3] == "沿相邻网格依次调整，使各网格户数与社区网格平均户数相差不超过±5%"
    assert zh[4] == "网格G拆分" and zh[6] == "网格A并入相邻网格"
    assert moves_in(pd.DataFrame({"reason": reasons}), "en")["reason"].tolist() == reasons


def test_an_under_band_grid_with_no_neighbour_says_why_not_that_neighbours_lack_room():
    """Units across water (no shared edge with the rest) and a community too small for the band:
    the redraw can do nothing for either, and says which of the two it is."""
    units = pd.concat([squares(2, 4, 100), squares(1, 2, 75, x0=600, prefix="I"),
                       squares(1, 2, 100, x0=1000, prefix="S")], ignore_index=True)
    comms = gpd.GeoDataFrame(
        {"community_id": ["C1", "SMALL"]},
        geometry=[shapely.MultiPolygon([shapely.box(0, 0, 400, 200), shapely.box(600, 0, 800, 100)]),
                  shapely.box(1000, 0, 1200, 100)], crs="EPSG:32650")
    units["grid_id"] = np.where(units["unit_id"].str.startswith("I"), "C1-03",
                                np.where(units["unit_id"].str.startswith("S"), "SMALL-01", "C1-01"))
    units.loc[units["unit_id"].isin(["U02", "U03", "U12", "U13"]), "grid_id"] = "C1-02"
    res = redraw_grids(units, comms)
    rows = res.report.set_index("row_id")
    assert rows.loc[["C1-03"], "problem"].iloc[0] == (
        "150 households < 300: its units share no edge with the rest of the community (an island, or land cut off "
        "by water or a gap wider than the street gap)")
    assert rows.loc[["SMALL-01"], "problem"].iloc[0] == "200 households < 300: the whole community holds no more"


def test_two_grids_of_towers_redrawn_within_the_rule_trade_towers():
    """Grids of towers of 130, 100 and 130 households (360) and of 140, 150 and 150 (440), the
    ground between them empty: no chain of single moves brings both within 5% of 400, a trade of
    towers through the ground between them does (the lump exchange), and nothing else moves."""
    hh = [[130, 0, 0, 150],
          [0, 100, 140, 0],
          [130, 0, 0, 150]]
    units = squares(3, 4, hh[::-1])  # squares() puts row 0 at the bottom
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": ["A", "A", "B", "B"] * 3})
    comm = community(shapely.box(0, 0, 400, 300))
    band = redraw_grids(units, comm, plan, min_households=300, max_households=500)
    assert band.moves.empty  # both grids are in the band: nothing to do without the rule
    res = redraw_grids(units, comm, plan, min_households=300, max_households=500, max_deviation_pct=5)
    sizes = res.grids.set_index("grid_id")["households"]
    assert sorted(sizes.index) == ["A", "B"] and (sizes - 400).abs().max() <= 20, sizes
    check_plan(res, units, comm)
    assert len(res.moves) < 12


def test_the_rules_passes_leave_borders_the_local_search_tidies():
    """A 2 x 4 strip, households only at the ends (the middle is empty ground). The rule's passes
    left grid A holding an empty cell of B's half: moving it back costs nothing and shortens the
    border, so the tidying does; a locked cell stays."""
    from scipy import sparse

    from spatial.grids.redraw import _tidy

    edges = [(r * 4 + c, r * 4 + c + 1) for r in range(2) for c in range(3)] + [(c, 4 + c) for c in range(4)]
    i, j = np.array(edges).T
    adj = sparse.csr_matrix((np.full(2 * len(edges), 100.0), (np.r_[i, j], np.r_[j, i])), shape=(8, 8))
    xy = np.array([[50.0 + 100 * c, 50.0 + 100 * r] for r in range(2) for c in range(4)])
    hh = np.array([200, 0, 0, 200, 200, 0, 0, 200], dtype=float)
    before = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    after = np.array([0, 0, 0, 1, 0, 0, 1, 1])  # cell 2 (empty) went to A
    none = np.zeros(8, dtype=bool)
    assert _tidy(adj, hh, xy, after, before, none, 300, 500, 5).tolist() == before.tolist()
    locked = none.copy()
    locked[2] = True
    assert _tidy(adj, hh, xy, after, before, locked, 300, 500, 5).tolist() == after.tolist()


def test_cli_redraw_says_new_units_apart_from_units_moved(tmp_path, capsys):
    # U013 (60 households, beside C only) is new since the plan: it joins C, and no unit of the
    # plan moves (the band alone). It said "moved 1 of 14 units", a move no planner made.
    from spatial.cli import main

    units, comm, plan = row_of_three_grids()
    units["grid_id"] = plan["grid_id"].where(units["unit_id"] != "U013")
    units.to_file(tmp_path / "units.gpkg")
    comm.to_file(tmp_path / "comm.gpkg")
    out = tmp_path / "out.gpkg"
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--redraw", "--out", str(out)]) == 0
    # C kept 280 of its 340 households, U013's 60 new to the plan: all 1,140 of the plan's households
    # keep their grid (until December 2026 "95.0%", the new unit's 60 counted as households that lost one)
    assert "moved 0 of 13 units, placed 1 new unit; 100.0% of households keep their grid" in capsys.readouterr().out
    assert gpd.read_file(out, layer="moves")[["unit_id", "new_grid"]].values.tolist() == [["U013", "C"]]


def test_the_last_walk_splits_the_heaviest_grid_when_no_walk_of_the_grids_as_they_are_reaches_the_band():
    from scipy import sparse

    from spatial.grids._walkin import walk_in

    # a row of 200 | 200 | 150 | 150 | 200 | 200 in grids of 700 and 400, band 300-500: two grids
    # cannot hold 1,100; the one plan of three grids in the band is 400 | 300 | 400 (worked out by hand)
    i = np.arange(5)
    adj = sparse.csr_matrix((np.ones(10), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(6, 6))
    hh = np.array([200.0, 200, 150, 150, 200, 200])
    xy = np.c_[np.arange(6) * 100.0 + 50, np.full(6, 50.0)]
    got = walk_in(adj, hh, xy, np.array([0, 0, 0, 0, 1, 1]), np.zeros(6, dtype=bool), 300, 500)
    assert got is not None
    lab, split = got
    assert split == 0 and len(np.unique(lab)) == 3
    assert np.bincount(lab, weights=hh)[lab].tolist() == [400.0, 400.0, 300.0, 300.0, 400.0, 400.0]
    # nothing to walk for when a locked unit sits in the only grid that could be split
    assert walk_in(adj, hh, xy, np.array([0, 0, 0, 0, 1, 1]), np.array([True] + [False] * 5), 300, 500) is None


def test_moves_that_go_back_only_together_are_sent_back_together():
    import networkx as nx
    from scipy import sparse

    from spatial.grids._walkin import send_back_groups

    # a ladder of 2 x 4 units of 100, A the west half, B the east half (400 | 400), band 350-450;
    # A's unit 1 went to B and B's unit 6 to A (both grids still 400: a sideways swap). Either going
    # back alone takes a grid to 500; both together give the plan back, no unit moved (by hand)
    g = nx.grid_2d_graph(2, 4)
    ids = {(r, c): 4 * r + c for r, c in g.nodes}
    edges = np.array([(ids[a], ids[b]) for a, b in g.edges])
    adj = sparse.csr_matrix((np.ones(2 * len(edges)), (np.r_[edges[:, 0], edges[:, 1]],
                                                       np.r_[edges[:, 1], edges[:, 0]])), shape=(8, 8))
    hh = np.full(8, 100.0)
    plan = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    swapped = np.array([0, 1, 1, 1, 0, 0, 0, 1])
    assert send_back_groups(adj, hh, swapped, plan, 350, 450).tolist() == plan.tolist()
    # with unit 6 new since the plan (-1: no grid to go back to), unit 1 cannot go back: A would hold 500
    assert send_back_groups(adj, hh, swapped, np.where(np.arange(8) == 6, -1, plan), 350, 450).tolist() \
        == swapped.tolist()
    # a row 100 | 100 | 50 | 150 | 300, plan A = 0-1, B = 2-4; units 2 and 3 went to A (400 | 300),
    # band 250-400. Both back: A 200; unit 3 back: B 450; unit 2 back alone is in band (350 | 350)
    # but cuts A in two (unit 3 left beyond it): nothing goes back
    path = sparse.csr_matrix((np.ones(8), (np.r_[0:4, 1:5], np.r_[1:5, 0:4])), shape=(5, 5))
    row = np.array([0, 0, 0, 0, 1])
    got = send_back_groups(path, np.array([100.0, 100, 50, 150, 300]), row, np.array([0, 0, 1, 1, 1]), 250, 400)
    assert got.tolist() == row.tolist()


def test_on_the_demo_grown_20_percent_the_walk_moves_few_units_and_says_for_which_grid():
    import networkx as nx

    import spatial
    from spatial.grids.redraw import moves_in

    # C06 of the demo, 20% more households: C06-18 (four units of 114-166) at 526, reaching the rest
    # only through C06-17; the chains leave it over the band, the last walk brings it in. Single
    # units sent back one at a time left 34 of C06's 167 units moved; moves that go back only
    # together (sideways, both grids in band) now go back too: 19
    demo = spatial.load_demo()
    comm = demo["communities"][demo["communities"]["community_id"] == "C06"]
    units = spatial.partition_grids(demo["units"][demo["units"]["community_id"] == "C06"], comm).units
    plan = units[["unit_id", "grid_id"]].copy()
    units["households"] = units["households"] * 6 // 5
    res = redraw_grids(units, comm)
    new = res.units[["unit_id", "grid_id"]]
    diff = plan.merge(new, on="unit_id", suffixes=("_old", "_new")).query("grid_id_old != grid_id_new")
    assert len(diff) == len(res.moves) == 19
    hh = new.assign(households=res.units["households"].to_numpy()).groupby("grid_id")["households"].sum()
    assert hh.between(300, 500).all()
    # each grid one piece on the units' shared edges (shapely), checked with networkx
    geoms = res.units.geometry.reset_index(drop=True)
    g = nx.Graph()
    g.add_nodes_from(range(len(geoms)))
    g.add_edges_from((i, int(j)) for i, a in enumerate(geoms) for j in geoms.sindex.query(a, predicate="intersects")
                     if j > i and a.intersection(geoms[j]).length > 0)
    for _, members in new.reset_index(drop=True).groupby("grid_id").groups.items():
        assert nx.is_connected(g.subgraph(list(members)))
    walked = res.moves[res.moves["reason"].str.startswith("moved to bring")]
    assert len(walked) > 0
    assert set(walked["reason"]) == {"moved to bring grid C06-18 from 526 households into the band"}
    assert set(moves_in(walked, "zh")["reason"]) == {"为使网格C06-18（调整前526户）户数回到规定区间而调整"}
    # the units a chain passed still say so; none reads as a chain that did not pass it
    assert set(res.moves["reason"]) == {"moved to bring grid C06-18 from 526 households into the band",
                                        "passed along a chain of neighbouring grids"}


def test_a_row_of_four_grids_where_one_unit_grew_moves_the_fewest_units_a_search_of_every_cut_finds():
    import itertools

    # A | B | C | D in a row, D's 150 grown to 240 (D 570): the fewest units moved, over every way of
    # cutting the row into four grids of 300-500 (itertools), is 3
    hh = [150, 170, 120, 120, 170, 160, 200, 150, 60, 240, 120]
    plan = list("AABBBCCDDDD")
    best = min(sum(a != b for a, b in zip(plan, np.repeat(list("ABCD"), np.diff((0, *cut, 11)))))
               for cut in itertools.combinations(range(1, 11), 3)
               if all(300 <= sum(hh[i:j]) <= 500 for i, j in zip((0, *cut), (*cut, 11))))
    assert best == 3
    units = squares(1, 11, [hh])
    res = redraw_grids(units, community(shapely.box(0, 0, 1100, 100)),
                       pd.DataFrame({"unit_id": units["unit_id"], "grid_id": plan}))
    assert len(res.moves) == best and res.grids["households"].between(300, 500).all()
