"""Specification of the grid reports on real polygons that are not tidy: libpysal's examples.

* Virginia's counties and cities (``examples/virginia``): the Eastern Shore's two counties share
  no edge with the rest of the state (Chesapeake Bay lies between), so their grid cannot reach
  the band; the report must say so, not suggest another seed.
* Tokyo's 262 municipalities (``examples/tokyo``, a plane-rectangular CRS): many are in several
  parts (the Izu and Ogasawara islands), ten rings are invalid as drawn, and neighbours overlap
  each other. A community drawn as the union of the units must not be reported as having parts
  "in no grid" where islands of multi-part units lie, and the overlaps must be named pair by pair.

References are computed here from the raw files with shapely and networkx.
"""

from __future__ import annotations

import importlib.util
import os

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from spatial.grids.partition import partition_grids
from spatial.io.validate import validate_inputs


def _example(*path):
    spec = importlib.util.find_spec("libpysal")  # located, not imported (importing it takes seconds)
    if spec is None:
        pytest.skip("libpysal (test extra) is not installed")
    return gpd.read_file(os.path.join(os.path.dirname(spec.origin), "examples", *path))


def _units(raw, households):
    return gpd.GeoDataFrame({"unit_id": [f"u{i:03d}" for i in range(len(raw))], "households": households},
                            geometry=raw.geometry.values, crs=raw.crs)


def _rook_parts(units) -> list[set]:
    """Groups of units joined by shared boundaries of 1 m or more (metres: the local UTM zone)."""
    g = shapely.make_valid(units.to_crs(units.estimate_utm_crs()).geometry.values)
    a, b = shapely.STRtree(g).query(g, predicate="dwithin", distance=0.1)
    keep = a < b
    a, b = a[keep], b[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(g[a]), shapely.buffer(shapely.boundary(g[b]), 0.1)))
    graph = nx.Graph()
    graph.add_nodes_from(range(len(g)))
    graph.add_edges_from(zip(a[shared >= 1], b[shared >= 1]))
    return [set(units["unit_id"].iloc[sorted(c)]) for c in nx.connected_components(graph)]


def test_virginia_units_across_the_bay_are_named_as_the_reason_their_grid_is_under_the_band():
    units = _units(_example("virginia", "virginia.shp"), 60)
    community = gpd.GeoDataFrame({"community_id": ["VA"]}, geometry=[units.union_all()], crs=units.crs)
    cut_off = [p for p in _rook_parts(units) if 60 * len(p) < 300]
    assert len(cut_off) == 1 and len(cut_off[0]) == 2  # the Eastern Shore, by the reference
    res = partition_grids(units, community, n_grids=20)
    row = res.report[res.report["row_id"] == ", ".join(sorted(cut_off[0]))]
    assert row["problem"].str.startswith("these 2 units share no edge with the rest of community VA").all()
    assert len(row) == 1 and row["problem"].str.endswith("hold 120 households < 300").all()
    grid = res.units.loc[res.units["unit_id"].isin(cut_off[0]), "grid_id"].unique()
    assert len(grid) == 1
    band = res.report[(res.report["row_id"] == grid[0]) & res.report["problem"].str.contains("outside 300")]
    assert band["action"].str.endswith("the rows on it, its units or community say why").all() and len(band) == 1


def test_tokyo_islands_are_their_units_land_and_overlapping_units_are_named():
    raw = _example("tokyo", "tokyomet262.shp")
    units = _units(raw, 50)
    community = gpd.GeoDataFrame({"community_id": ["TOKYO"]}, geometry=[units.union_all()], crs=units.crs)
    _, report = validate_inputs(communities=community, units=units)
    frame = report.to_frame()
    # every part of the community holds some unit's land (islands included), so none is "in no grid"
    assert not frame["problem"].str.contains("holds no unit").any()
    # the reference: pairs of (repaired) units sharing more than 1 m² of land
    g = shapely.make_valid(units.geometry.values)
    a, b = shapely.STRtree(g).query(g, predicate="intersects")
    keep = a < b
    area = shapely.area(shapely.intersection(g[a[keep]], g[b[keep]]))
    expected = {(units["unit_id"].iloc[i], units["unit_id"].iloc[j])
                for i, j, s in zip(a[keep], b[keep], area) if s > 1.0}
    rows = frame[frame["problem"].str.startswith("overlaps unit")]
    got = {(r, p.split()[2]) for r, p in zip(rows["row_id"], rows["problem"])}
    assert len(expected) > 100 and got == expected
