"""Specification of evaluate_grids: scores a plan as it is, from grids or from units with grid_id."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from test_grids import CRS, community, squares

from spatial import ColumnError, CRSError
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids


def test_units_plan_scores_band_deviation_and_contiguity():
    units = squares(1, 4, [[100, 200, 150, 150]])
    units["grid_id"] = ["A", "B", "A", "B"]  # A = U00 + U02 (not touching), B = U01 + U03
    comm = community(shapely.box(0, 0, 400, 100))
    res = evaluate_grids(units, comm)
    g = res.grids.set_index("grid_id")
    assert g.loc["A", "households"] == 250 and g.loc["B", "households"] == 350
    assert g.loc["A", "band_status"] == "under" and g.loc["B", "band_status"] == "in"
    assert g.loc["A", "deviation_pct"] == pytest.approx(-100 * 50 / 300)
    assert (g["components"] == 2).all()
    s = res.summary.iloc[0]
    assert s["n_grids"] == 2 and s["n_in_band"] == 1 and s["pct_in_band"] == 50
    assert s["n_not_contiguous"] == 2
    assert s["gap_m2"] == pytest.approx(0, abs=1e-6) and s["overlap_m2"] == pytest.approx(0, abs=1e-6)
    assert s["max_abs_deviation_pct"] == pytest.approx(100 * 50 / 300)
    assert (res.report["problem"].str.contains("separate pieces")).sum() == 2


def test_grid_layer_gaps_overlaps_and_compactness():
    comm = community(shapely.box(0, 0, 400, 100))
    grids = gpd.GeoDataFrame(
        {"grid_id": ["A", "B"], "community_id": "C1", "households": [400, 400]},
        geometry=[shapely.box(0, 0, 220, 100), shapely.box(200, 0, 380, 100)],  # 20 m overlap, 20 m gap
        crs=CRS,
    )
    res = evaluate_grids(grids, comm)
    s = res.summary.iloc[0]
    assert s["gap_m2"] == pytest.approx(2000)
    assert s["gap_pct"] == pytest.approx(5.0)
    assert s["overlap_m2"] == pytest.approx(2000)
    g = res.grids.set_index("grid_id")
    assert g.loc["A", "overlap_m2"] == pytest.approx(2000)
    assert g.loc["A", "polsby_popper"] == pytest.approx(4 * np.pi * 22000 / 640**2)
    assert s["pct_in_band"] == 100 and np.isnan(s["mean_road_share"])
    assert res.grids.crs == grids.crs


def test_evaluate_agrees_with_partition_and_changes_nothing():
    units = squares(2, 4, 100)
    comm = community(shapely.box(0, 0, 400, 200))
    plan = partition_grids(units, comm)
    before = plan.grids.copy()
    res = evaluate_grids(plan.grids, comm)
    assert before.equals(plan.grids)
    s = res.summary.iloc[0]
    assert s["pct_in_band"] == 100 and s["n_not_contiguous"] == 0
    assert s["gap_pct"] < 1e-6 and s["overlap_pct"] < 1e-6
    assert s["mean_polsby_popper"] == pytest.approx(plan.grids["polsby_popper"].mean())
    by_units = evaluate_grids(plan.units, comm).summary.iloc[0]
    assert by_units["n_grids"] == 2 and by_units["max_abs_deviation_pct"] == 0


def test_road_share_of_internal_borders():
    units = squares(1, 2, 300)
    units["grid_id"] = ["A", "B"]
    roads = gpd.GeoDataFrame(geometry=[shapely.LineString([(100, -50), (100, 150)])], crs=CRS)
    res = evaluate_grids(units, community(shapely.box(0, 0, 200, 100)), roads=roads)
    assert (res.grids["road_share"] == 1.0).all()


def test_evaluate_errors():
    units = squares(1, 2, 300)
    with pytest.raises(ColumnError, match="'plan' has no column 'grid_id'"):
        evaluate_grids(units)
    units["grid_id"] = "A"
    with pytest.raises(CRSError, match="set_crs"):
        evaluate_grids(units.set_crs(None, allow_override=True))


def test_drawn_grids_carry_the_deviation_evaluate_gives_from_their_own_communitys_mean():
    # C1 (410 households) gets one grid; C2 (830) two: in a row 200 | 200 | 200 | 230 the most
    # even split is 400 | 430, each 15 from C2's mean grid of 415, not from the overall 413.3
    units = pd.concat([squares(1, 4, [[100, 100, 100, 110]], prefix="A"),
                       squares(1, 4, [[200, 200, 200, 230]], x0=400, prefix="B")], ignore_index=True)
    comms = pd.concat([community(shapely.box(0, 0, 400, 100), "C1"),
                       community(shapely.box(400, 0, 800, 100), "C2")], ignore_index=True)
    res = partition_grids(units, comms, n_grids=3, min_households=100, max_households=1000)
    g = res.grids.set_index("grid_id")
    assert sorted(zip(g["community_id"], g["households"], g["target_households"], g["deviation_pct"].round(3))) == [
        ("C1", 410, 410, 0.0), ("C2", 400, 415, round(-100 * 15 / 415, 3)), ("C2", 430, 415, round(100 * 15 / 415, 3))]
    scored = evaluate_grids(res.units, comms, min_households=100, max_households=1000).grids.set_index("grid_id")
    assert np.allclose(scored.loc[g.index, "deviation_pct"], g["deviation_pct"])


def test_a_rule_near_the_mean_counts_and_names_the_grids_beyond_it(tmp_path, capsys):
    # A 460, B 400, C 340 (mean 400): within 10% only B; within 20% all three
    from test_redraw import row_of_three_grids

    from spatial.cli import main

    units, comm, plan = row_of_three_grids()
    units["grid_id"] = plan["grid_id"]
    res = evaluate_grids(units, comm, max_deviation_pct=10)
    assert int(res.summary["n_beyond_rule"].iloc[0]) == 2
    rows = res.report.set_index("row_id")["problem"]
    assert rows["A"] == "has 460 households, 15.0% over its community's mean grid of 400 (rule: within 10%)"
    assert rows["C"].startswith("has 340 households, 15.0% under") and "B" not in rows.index
    assert int(evaluate_grids(units, comm, max_deviation_pct=20).summary["n_beyond_rule"].iloc[0]) == 0
    assert "n_beyond_rule" not in evaluate_grids(units, comm).summary.columns
    with pytest.raises(ValueError, match="max_deviation_pct must be a percentage from 1 to 100"):
        evaluate_grids(units, comm, max_deviation_pct=0)
    units.to_file(tmp_path / "plan.gpkg", layer="units")
    assert main(["grids", "--evaluate", str(tmp_path / "plan.gpkg"), "--max-deviation", "10",
                 "--out", str(tmp_path / "scores.gpkg")]) == 0
    assert re.search(r"n_beyond_rule: 2\b", capsys.readouterr().out)


def test_integer_grid_ids_read_back_as_floats_keep_their_names(tmp_path):
    """A GeoPackage column of grid ids 1, 2 with one unit in no grid reads back as 1.0, 2.0, NaN:
    the plan, a redraw and the editor call them 1 and 2, and so must the evaluation."""
    units = squares(1, 5, [[100, 200, 150, 150, 90]])
    units["grid_id"] = [1, 1, 2, 2, None]
    units.to_file(tmp_path / "plan.gpkg")
    back = gpd.read_file(tmp_path / "plan.gpkg")
    assert back["grid_id"].dtype == float  # what a planner's file gives
    res = evaluate_grids(back, community(shapely.box(0, 0, 500, 100)))
    assert sorted(res.grids["grid_id"]) == ["1", "2"]
    assert res.grids.set_index("grid_id")["households"].to_dict() == {"1": 300, "2": 300}
