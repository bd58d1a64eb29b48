"""The PNG overview for printed reports: uncovered units are drawn in red, covered ones are not."""

import geopandas as gpd
import numpy as np
from matplotlib.image import imread
from shapely.geometry import Point, box

from spatial.maps.static import overview_png

RED = np.array([0xE0, 0x31, 0x31]) / 255


def _red_pixels(path) -> int:
    img = imread(path)[..., :3]
    return int((np.abs(img - RED).max(axis=-1) < 0.02).sum())


def _layers(bands):
    crs = "EPSG:32650"
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)], crs=crs)
    demand = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "band": bands},
                              geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=crs)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(50, 50)], crs=crs)
    return communities, demand, stations


def test_uncovered_units_are_red(tmp_path):
    communities, demand, stations = _layers(["5min", "beyond"])
    path = overview_png(tmp_path / "o.png", communities=communities.to_crs(4326),
                        demand=demand.to_crs(4326), stations=stations.to_crs(4326), lang="en")
    assert _red_pixels(path) > 1000


def test_fully_covered_area_has_no_red(tmp_path):
    communities, demand, stations = _layers(["5min", "15min"])
    path = overview_png(tmp_path / "o.png", communities=communities.to_crs(4326),
                        demand=demand.to_crs(4326), stations=stations.to_crs(4326), lang="en")
    assert _red_pixels(path) == 0
