"""The maps and the grid editor with data the demo never has, as an official sees them on a phone
and a planner on a desktop: odd names, empty and extreme results, big plans, odd output paths."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from spatial.maps._layers import BoxControl
from spatial.maps.interactive import coverage_map

UTM = "EPSG:32650"
X0, Y0 = 206_000, 2_495_000


def _boxes(m) -> dict[str, str]:
    """The map's legend and table boxes by kind, as the HTML they show."""
    out = {}
    for child in m._children.values():
        if isinstance(child, BoxControl):
            out["table" if "tablebox" in child.class_js else "legend"] = child.html_text
    return out


def _cells(row_html: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row_html)


def test_with_no_home_covered_the_table_still_shows_each_band_at_zero_as_the_summary_csv():
    # `spatial coverage --no-isochrones` where no home is within 5 or 10 minutes: the summary CSV
    # beside the map says 0.0 % for both bands; the map's table had no band column at all (the
    # bands were taken from the homes' bands, all 'beyond'), and its legend no band swatch.
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜社区"]},
                                   geometry=[box(X0, Y0, X0 + 400, Y0 + 400)], crs=UTM)
    demand = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "community_id": ["C1", "C1"], "households": [30, 70],
                               "band": ["beyond", "beyond"]},
                              geometry=[Point(X0 + 100, Y0 + 100), Point(X0 + 300, Y0 + 300)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜站"]},
                                geometry=[Point(X0 + 5000, Y0)], crs=UTM)
    summary = pd.DataFrame({"level": ["overall", "community"], "id": ["all", "C1"], "households": [100, 100],
                            "hh_5min": [0, 0], "pct_hh_5min": [0.0, 0.0],
                            "hh_10min": [0, 0], "pct_hh_10min": [0.0, 0.0]})
    boxes = _boxes(coverage_map(demand, stations, summary=summary, communities=communities))
    rows = boxes["table"].split("</tr>")
    assert _cells(rows[0]) == ["社区", "户数", "5分钟", "10分钟"]
    assert _cells(rows[1]) == ["全部", "100", "0.0", "0.0"]
    assert _cells(rows[2])[1:] == ["100", "0.0", "0.0"]
    assert "5分钟内" in boxes["legend"] and "10分钟内" in boxes["legend"]
