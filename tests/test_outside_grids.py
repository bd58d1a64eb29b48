"""Grids as an outside planner uses them on awkward inputs: codes, merges, evaluations and redraws.

Each test builds a tiny input whose answer is known by hand (or by a reference computed here with
shapely and pandas), never from spatial's own report.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from spatial import assign_grid_codes, evaluate_grids, merge_grid_layers, partition_grids, redraw_grids

CRS = "EPSG:32650"
CODE = "440304001002"


def _lattice(nx, ny, households, *, size=100.0, community=None):
    rows = [{"unit_id": f"u{i}_{j}", "households": households,
             "geometry": box(i * size, j * size, (i + 1) * size, (j + 1) * size)}
            for i in range(nx) for j in range(ny)]
    units = gpd.GeoDataFrame(rows, crs=CRS)
    if community is not None:
        units["community_id"] = [community(i, j) for i in range(nx) for j in range(ny)]
    return units


def _community(code=CODE, bounds=(0, 0, 600, 600)):
    return gpd.GeoDataFrame({"community_id": ["C1"], "code": [code]}, geometry=[box(*bounds)], crs=CRS)


# --- grid codes ---------------------------------------------------------------------------------

def test_a_plan_whose_grids_are_named_up_to_99_redraws_with_codes_that_fit_cjt349():
    # an office's plan numbers its two grids C1-98 and C1-99; both are over the band, so the
    # redraw adds a grid: it cannot be number 100 in a 2-digit grid part
    units = _lattice(6, 6, 30)
    units["grid_id"] = np.where(units.geometry.centroid.x < 300, "C1-98", "C1-99")
    res = redraw_grids(units, _community())
    codes = dict(zip(res.grids["grid_id"], res.grids["grid_code"]))
    assert len(codes) == 3 and all(len(c) == 20 and c.isdigit() for c in codes.values())
    assert codes["C1-98"].endswith("98") and codes["C1-99"].endswith("99")  # kept names keep their codes
    new = next(c for g, c in codes.items() if g not in ("C1-98", "C1-99"))
    assert new.endswith("01")  # the lowest free number
    assert res.grids["grid_seq"].is_unique


def test_a_grid_named_past_the_layouts_numbers_gets_a_number_that_fits():
    cells = [box(x, y, x + 100, y + 100) for y in (100, 0) for x in (0, 100)]
    grids = gpd.GeoDataFrame({"grid_id": ["C1-150", "C1-01", "a", "b"], "community_id": "C1"}, geometry=cells,
                             crs=CRS)
    out = assign_grid_codes(grids, _community(bounds=(0, 0, 200, 200)))
    assert sorted(out["grid_seq"]) == [1, 2, 3, 4]
    assert out["grid_code"].str.len().eq(20).all()
    assert dict(zip(out["grid_id"], out["grid_seq"]))["C1-01"] == 1


def test_a_community_code_typed_in_full_width_digits_gives_an_ascii_code():
    units = _lattice(6, 6, 100)
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in CODE)  # ４４０３０４００１００２
    res = partition_grids(units, _community(code=full_width))
    codes = res.grids["grid_code"]
    assert codes.map(lambda c: c.isascii() and c.isdigit() and len(c) == 20).all()
    assert codes.str[6:18].eq(CODE).all()


# --- 多网合一 -------------------------------------------------------------------------------------

def test_merge_keeps_an_island_of_a_grid_in_that_grid_not_a_grid_of_its_own():
    island = box(300, 0, 320, 20)  # land across water: touches nothing else in the community
    land = box(0, 0, 200, 100)
    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.union(land, island)], crs=CRS)
    civil = gpd.GeoDataFrame({"grid_id": ["A", "B"]},
                             geometry=[shapely.union(box(0, 0, 100, 100), island), box(100, 0, 200, 100)], crs=CRS)
    police = gpd.GeoDataFrame({"grid_id": [1]}, geometry=[community.geometry[0]], crs=CRS)
    res = merge_grid_layers({"综治": civil, "公安": police}, community)
    assert len(res.unified) == 2  # one unified grid per civil grid, the island in A's
    holder = res.unified[res.unified.intersects(island.centroid)]
    assert holder["reference_grid"].tolist() == ["A"]
    assert holder.geometry.iloc[0].area == (100 * 100 + 20 * 20)
    assert not res.report["problem"].str.contains("no reference grid").any()
    row = res.report[res.report["row_id"] == "C1/A"]
    assert row["action"].str.contains("kept in it").all() and not row["action"].str.contains("joined").any()
