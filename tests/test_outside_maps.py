"""What an outside tester found on the maps and outputs officials read, pinned: a community without
households shown as ``nan`` % in the coverage table."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from spatial.maps._data import coverage_table

UTM = "EPSG:32650"


def test_a_community_without_households_shows_a_dash_not_nan_in_the_coverage_table():
    table = pd.DataFrame({"level": ["overall", "community", "community"], "id": ["all", "C1", "C2"],
                          "households": [100, 100, 0],
                          "pct_hh_15min": [80.0, 80.0, float("nan")]})
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "name": ["香蜜社区", "竹园社区"]},
                                   geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=UTM)
    html = coverage_table(table, ["15min"], communities, "zh")
    assert "nan" not in html.lower()
    row = html.split("竹园社区")[1].split("</tr>")[0]
    assert ">0<" in row and ">—<" in row                         # 0 households, no share to show
    assert ">80.0<" in html
