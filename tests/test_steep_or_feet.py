"""A hill town as steep as the steepest and a gentler one whose DEM is in feet it does not say
give the same heights' pattern (feet scale every slope and the relief alike): the ``dem`` row
says both, calmly, with the fix for feet, and says neither of a town under 20%.

The town: ten 100 m edges of one street east from a river at 300 m, up a bank climbing 25% (a
valley side of 从江 or 黎平, the whole street on it: median 25%), or 7% with heights written in
feet (read as metres: 7% / 0.3048 = 23%). DEMs are written cell by cell with rasterio from the
known ground; the medians and heights are worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
from affine import Affine

UTM = "EPSG:32649"
X0, Y0 = 320_000.0, 2_850_000.0
FOOT = 0.3048


def _dem(path, climb, scale=1.0, cell=10.0):
    left, bottom, right, top = X0 - 200, Y0 - 200, X0 + 1200, Y0 + 200
    w, h = int((right - left) / cell), int((top - bottom) / cell)
    x = left + (np.arange(w) + 0.5) * cell
    z = (300.0 + climb * np.clip(x - X0 - 0, 0, None)) * scale
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=UTM,
                       transform=Affine(cell, 0, left, 0, -cell, top), nodata=-9999.0) as dst:
        dst.write(np.broadcast_to(z, (h, w)).astype("float32"), 1)
    return path


@pytest.fixture(scope="module")
def street():
    from spatial.network.graph import network_from_arrays

    xs = X0 + np.arange(0.0, 1001, 100)
    return network_from_arrays(np.c_[xs, np.full_like(xs, Y0)], np.arange(10), np.arange(1, 11), crs=UTM)


@pytest.mark.parametrize("name, climb, scale, median, heights", [
    ("steep.tif", 0.25, 1.0, "25%", "(301–550 read as metres; in metres 92–168 m)"),  # a real 25% bank (nodes sampled bilinearly: 300.6 m at the river)
    ("feet.tif", 0.07, 1 / FOOT, "23%", "(985–1,214 read as metres; in metres 300–370 m)"),  # 7% in feet
])
def test_a_street_median_over_20_percent_says_steep_town_or_feet(tmp_path, street, name, climb, scale, median,
                                                                   heights):
    from spatial.network.elevation import edge_times

    row = edge_times(street, _dem(tmp_path / name, climb, scale)).report.iloc[0]
    assert (f"the streets' median slope is {median}, as steep as the steepest hill towns' (their streets mostly "
            "climb under 20%; stepped lanes and village paths up a valley side more): if the town is that steep, "
            f"nothing is wrong; if not, the heights may be feet {heights}: gdal_edit.py -scale 0.3048 {name} and "
            "run again") in row["problem"]
    assert "steeper than the steepest" not in row["problem"]
    assert "如当地确实这么陡，无需处理" in row["problem_zh"] and "比最陡的山城" not in row["problem_zh"]


def test_a_town_under_20_percent_is_said_nothing_of(tmp_path, street):
    from spatial.network.elevation import edge_times

    row = edge_times(street, _dem(tmp_path / "bank.tif", 0.15)).report.iloc[0]
    assert "feet" not in row["problem"] and "英尺" not in row["problem_zh"]
