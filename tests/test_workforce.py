"""Staffing ratios and 十联户 household groups."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from spatial import ColumnError, CRSError, GeometryError
from spatial.grids.workforce import staffing, ten_household_groups

CRS = "EPSG:32650"


def _grids():
    return gpd.GeoDataFrame(
        {"grid_id": ["g1", "g2", "g3"], "n_buildings": [3, 4, 0], "households": [401, 20, 0]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs=CRS,
        index=[10, 20, 30],
    )


def test_staffing_defaults():
    out = staffing(_grids())
    assert list(out.index) == [10, 20, 30]
    assert out["full_time_workers"].tolist() == [1, 1, 1]
    assert out["part_time_workers"].tolist() == [1, 1, 1]
    assert out["building_leads"].tolist() == [2, 2, 0]  # ceil(3/2), 4/2, 0
    assert out["household_leads"].tolist() == [41, 2, 0]  # ceil(401/10), 20/10, 0
    assert "households" in out and out.crs == _grids().crs


def test_staffing_ratios_are_options():
    out = staffing(_grids(), full_time_per_grid=2, part_time_per_grid=0,
                   buildings_per_building_lead=1, households_per_household_lead=15)
    assert out["full_time_workers"].tolist() == [2, 2, 2]
    assert out["part_time_workers"].tolist() == [0, 0, 0]
    assert out["building_leads"].tolist() == [3, 4, 0]
    assert out["household_leads"].tolist() == [27, 2, 0]


def test_staffing_bad_input():
    with pytest.raises(ColumnError, match="'n_buildings'"):
        staffing(_grids().drop(columns="n_buildings"))
    bad = _grids()
    bad.loc[20, "households"] = -1
    with pytest.raises(ColumnError, match="'households' must be a number >= 0.*bad rows: g2="):
        staffing(bad)
    with pytest.raises(ValueError, match="households_per_household_lead must be a number > 0"):
        staffing(_grids(), households_per_household_lead=0)


def _units():
    # two grids: gA = two units west, gB = one unit east
    return gpd.GeoDataFrame(
        {"unit_id": ["u1", "u2", "u3"], "grid_id": ["gA", "gA", "gB"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
        crs=CRS,
    )


def _points(xy):
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=CRS)


def test_groups_of_ten_never_cross_grids():
    rng = np.random.default_rng(1)
    xy = np.column_stack([rng.uniform(1, 299, 95), rng.uniform(1, 99, 95)])
    res = ten_household_groups(_points(xy), _units())
    pts = res.households
    assert pts["group_id"].notna().all()
    # each group lies in a single grid, and its id names that grid
    per_group = pts.groupby("group_id")["grid_id"].nunique()
    assert (per_group == 1).all()
    assert all(g.startswith(pts.loc[pts.group_id == g, "grid_id"].iloc[0]) for g in per_group.index)
    n_a = int((xy[:, 0] < 200).sum())
    assert (pts["grid_id"] == "gA").sum() == n_a
    assert res.groups["households"].sum() == 95
    assert (res.groups.groupby("grid_id")["households"].sum() == pts.groupby("grid_id").size()).all()
    # sizes: ceil(H/10) groups per grid (one 联户长 each, as staffing counts them), near-equal
    for gid, part in res.groups.groupby("grid_id"):
        h = part["households"].sum()
        assert len(part) == -(-h // 10)
        assert part["households"].max() - part["households"].min() <= 1
    assert (res.groups.geom_type == "Polygon").all()


def test_groups_are_spatially_compact():
    # 40 points in 4 tight clusters at the corners of one grid: each cluster is one group
    corners = [(5, 5), (95, 5), (5, 95), (95, 95)]
    xy = [(cx + dx, cy + dy) for cx, cy in corners for dx in (0, 1) for dy in (0, 1, 2, 3, 4)]
    units = _units().iloc[:1]
    res = ten_household_groups(_points(xy), units)
    assert len(res.groups) == 4
    assert (res.groups.area < 100).all()


def test_weighted_points_and_reporting():
    pts = _points([(10, 10), (20, 10), (30, 10), (500, 500), (250, 50)])
    pts["hh"] = [12, 3, 5, 7, 4]
    units = _units()
    units.loc[2, "grid_id"] = None
    res = ten_household_groups(pts, units, households_col="hh")
    assert res.households["group_id"].isna().tolist() == [False, False, False, True, True]
    assert set(res.report["row_id"]) == {"3", "4"}
    assert res.report["problem"].str.contains("farther than 50.0 m|has no 'grid_id'").all()
    # 20 households in gA -> 2 groups; the 12-household point is never split
    assert res.groups["households"].tolist() == [12.0, 8.0] or res.groups["households"].tolist() == [8.0, 12.0]


def test_point_near_a_unit_snaps_to_it():
    res = ten_household_groups(_points([(50, 120)]), _units(), max_snap_m=30)
    assert res.households["unit_id"].iloc[0] == "u1"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.5, 299.5), st.floats(0.5, 99.5), st.integers(0, 30)), min_size=1, max_size=60),
    st.integers(1, 15),
)
def test_every_household_in_exactly_one_group(rows, size):
    pts = _points([(x, y) for x, y, _ in rows])
    pts["hh"] = [h for _, _, h in rows]
    res = ten_household_groups(pts, _units(), group_size=size, households_col="hh")
    out = res.households
    assert out["group_id"].notna().all()
    total = res.groups.set_index("group_id")["households"]
    assert total.sum() == pts["hh"].sum()
    assert (out.groupby("group_id")["hh"].sum().reindex(total.index) == total).all()
    assert (out.groupby("group_id")["grid_id"].nunique() == 1).all()
    # a group of no households only where its whole grid has none
    empty = res.groups[res.groups["households"] == 0]
    assert (out.groupby("grid_id")["hh"].sum().reindex(empty["grid_id"]) == 0).all()


def test_a_point_with_no_households_joins_a_neighbouring_group():
    pts = _points([(10, 10), (20, 10), (30, 10)])
    pts["hh"] = [100, 0, 100]  # a building of no homes between two blocks of flats
    res = ten_household_groups(pts, _units(), households_col="hh")
    assert sorted(res.groups["households"].tolist()) == [100.0, 100.0]
    assert res.households["group_id"].iloc[1] == res.households["group_id"].iloc[0]


def test_households_bad_input():
    with pytest.raises(CRSError, match="'households' has no CRS"):
        ten_household_groups(gpd.GeoDataFrame(geometry=[Point(0, 0)]), _units())
    with pytest.raises(ColumnError, match="'units' has no column 'grid_id'"):
        ten_household_groups(_points([(1, 1)]), _units().drop(columns="grid_id"))
    with pytest.raises(GeometryError, match="must be points"):
        ten_household_groups(gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=CRS), _units())
    with pytest.raises(ValueError, match="group_size"):
        ten_household_groups(_points([(1, 1)]), _units(), group_size=0)
