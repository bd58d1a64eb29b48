"""Specification of the loose ends of the last closing note: module sizes, overlapping units in the
library's report, unknown floor areas, the sites' coordinates and the service areas' default."""

from __future__ import annotations

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from spatial.maps._data import decode
from spatial.maps._layers import VectorLayer
from spatial.maps.interactive import overview_map

UTM = "EPSG:32650"  # Shenzhen
X0, Y0 = 206_000, 2_495_000


# ----------------------------------------------------------------------------- the siting map
def test_site_popup_gives_wgs84_longitude_and_latitude_to_six_decimals():
    """An official finds a suggested site by its coordinates: 经度/纬度 in WGS84, 6 decimals."""
    sites = gpd.GeoDataFrame({"site_id": ["N1", "N2"], "rank": [1, 2], "gain_households": [130, 50]},
                             geometry=[Point(X0 + 700, Y0 + 100), Point(X0 + 800, Y0 + 150)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 50, Y0 + 50)], crs=UTM)
    demand = gpd.GeoDataFrame({"unit_id": ["u1"], "households": [100], "band": ["5min"], "walk_m": [120.0]},
                              geometry=[Point(X0 + 100, Y0 + 100)], crs=UTM)
    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "community_id": ["C1"], "households": [100]},
                             geometry=[box(X0, Y0, X0 + 900, Y0 + 300)], crs=UTM)
    m = overview_map(grids, demand, stations, sites=sites, lang="zh")
    layer = next(c for c in m._children.values() if isinstance(c, VectorLayer) and c.options["key"] == "sites")
    to_wgs84 = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    want = [tuple(f"{v:.6f}" for v in to_wgs84.transform(X0 + dx, Y0 + dy)) for dx, dy in ((700, 100), (800, 150))]
    got = [(f["properties"]["lon"], f["properties"]["lat"]) for f in decode(layer.data_js)]
    assert got == want
    assert 113 < float(got[0][0]) < 115 and 22 < float(got[0][1]) < 23  # Shenzhen
    labels = {column: label for column, label, _ in layer.fields}
    assert labels["lon"] == "经度（WGS84）" and labels["lat"] == "纬度（WGS84）"
