"""Hill towns of Guizhou (从江, 黎平), fourth pass from outside: a gap on the slopes said in metres
only, and an SRTM void on a steep street that made the whole street flat.

DEMs are written here with rasterio cell by cell; expected walks come from this file's own
bilinear sampling, Tobler's function and networkx's Dijkstra on the raw pieces, never from the
project's objects.
"""

from __future__ import annotations

import csv
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import rasterio
import shapely
from affine import Affine
from openpyxl import load_workbook
from test_outside_hills3 import X0, Y0, UTM, town, write_dem  # noqa: F401 - town is a fixture used here
from test_outside_officials2 import _map
from test_outside_officials3 import _kmz_descriptions

SPEED = 4.0
M_PER_MIN = SPEED * 1000 / 60


def tobler(slope: float) -> float:
    """Tobler's walking speed on ``slope`` over the flat speed: exp(-3.5|S+0.05|) / exp(-3.5·0.05)."""
    return math.exp(-3.5 * abs(slope + 0.05)) / math.exp(-3.5 * 0.05)


# ------------------------------------------------------------------ own DEM reading and walks


class Raster:
    """A north-up DEM read back with rasterio: bilinear between cell centres, the nearest cell's
    own value next to nodata (the documented rule), NaN in nodata."""

    def __init__(self, path):
        with rasterio.open(path) as src:
            self.z = src.read(1).astype(float)
            self.z[self.z == src.nodata] = np.nan
            self.t = src.transform

    def at(self, x: float, y: float) -> float:
        col = (x - self.t.c) / self.t.a - 0.5
        row = (y - self.t.f) / self.t.e - 0.5
        c0, r0 = int(math.floor(col)), int(math.floor(row))
        fc, fr = col - c0, row - r0
        z = self.z
        top = z[r0, c0] * (1 - fc) + z[r0, c0 + 1] * fc
        v = top * (1 - fr) + (z[r0 + 1, c0] * (1 - fc) + z[r0 + 1, c0 + 1] * fc) * fr
        if math.isnan(v):
            v = z[int(round(row)), int(round(col))]
        return float(v)


def street_walk_min(raster: Raster, x_from: float, x_to: float, *, edges, fill_m: float = 0.0) -> float:
    """Minutes from ``x_from`` to ``x_to`` along a street on y = Y0 made of ``edges`` ((x0, x1)
    pairs), each sampled every cell width (30 m) from its start as the docs say; voids (NaN) up to
    ``fill_m`` between the heights on either side filled linearly, a longer one walking its edge
    flat; the route by networkx's Dijkstra over the pieces."""
    g = nx.DiGraph()
    for x0, x1 in edges:
        n = math.ceil((x1 - x0) / 30.0)
        xs = [x0 + (x1 - x0) * j / n for j in range(n + 1)]
        zs = np.array([raster.at(x, Y0) for x in xs])
        bad = np.flatnonzero(np.isnan(zs))
        if len(bad):
            ok = np.flatnonzero(~np.isnan(zs))
            if not len(ok) or bad.min() < ok.min() or bad.max() > ok.max():
                zs[:] = 0.0  # a void at an end: flat
            else:
                for i in bad:
                    p, q = ok[ok < i].max(), ok[ok > i].min()
                    if xs[q] - xs[p] > fill_m:
                        zs[:] = 0.0
                        break
                    zs[i] = zs[p] + (zs[q] - zs[p]) * (xs[i] - xs[p]) / (xs[q] - xs[p])
        for a, b, za, zb in zip(xs[:-1], xs[1:], zs[:-1], zs[1:]):
            run = b - a
            g.add_edge(a, b, minutes=run / tobler((zb - za) / run) / M_PER_MIN)
            g.add_edge(b, a, minutes=run / tobler((za - zb) / run) / M_PER_MIN)
    return nx.dijkstra_path_length(g, x_from, x_to, weight="minutes")


def points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(xy, float)), crs=UTM)


# ------------------------------------------------- 2: a short DEM void on a steep street


def void_dem(path, void: tuple[float, float]):
    """A plane climbing 10.5% east (500 m at X0), 30 m cells whose edges fall at X0 + 10 + 30k;
    the cells whose centres lie in ``void`` (metres east of X0) are nodata."""
    left, bottom, w, h, cell = X0 - 200, Y0 - 150, 30, 10, 30.0
    x = left + (np.arange(w) + 0.5) * cell
    z = np.broadcast_to(500 + 0.105 * (x - X0), (h, w)).astype("float32").copy()
    z[:, (x - X0 >= void[0]) & (x - X0 < void[1])] = -9999.0
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32", crs=UTM,
                       transform=Affine(cell, 0, left, 0, -cell, bottom + h * cell), nodata=-9999.0) as dst:
        dst.write(z, 1)
    return path


@pytest.fixture(scope="module")
def steep_street():
    """One 390 m edge east from X0, climbing 10.5% on the DEM, after a 100 m edge up to X0."""
    from spatial.network.graph import network_from_arrays

    xy = np.array([[X0 - 100, Y0], [X0, Y0], [X0 + 390, Y0]])
    return network_from_arrays(xy, np.array([0, 1]), np.array([1, 2]), crs=UTM)


def test_a_120_m_void_on_a_steep_street_is_filled_from_the_heights_either_side(tmp_path, steep_street):
    # SRTM's void on the valley side: 4 cells (120 m) on the 390 m street. Before, the whole edge
    # was walked flat: up the street in 5.93 min instead of 8.54
    from spatial.coverage.walks import walking_coverage
    from spatial.network.elevation import NODATA, edge_times

    dem = void_dem(tmp_path / "srtm_void.tif", (130, 250))
    times = edge_times(steep_street, dem)
    assert times.has_elevation.all()
    row = times.report.iloc[0]
    assert "1 edge across DEM voids up to 300 m long: heights filled linearly along the edge" in row["problem"]
    assert "1 条路段上长不超过 300 米的高程空洞按两侧高程沿路段线性补齐" in row["problem_zh"]
    assert NODATA not in set(times.report["problem"])
    home = points([[X0 - 100, Y0 + 5]], households=[10])  # at the foot of the street, 5 m off it
    station = points([[X0 + 390, Y0]], station_id=["S"])  # at its top
    got = walking_coverage(home, station, steep_street, dem=times, speed_kmh=SPEED, minutes=[5, 10, 15])
    r = Raster(dem)
    edges = [(X0 - 100, X0), (X0, X0 + 390)]
    want = 5 / M_PER_MIN + street_walk_min(r, X0 - 100, X0 + 390, edges=edges, fill_m=300)
    assert got["walk_min"].item() == pytest.approx(want, rel=1e-6)
    assert want > 8.5  # (the flat walk is 495 m: 7.43 min)
    # and down: a station at the foot, a home at the top
    down = walking_coverage(points([[X0 + 390, Y0 + 5]], households=[10]), points([[X0 - 100, Y0]], station_id=["S"]),
                            steep_street, dem=times, speed_kmh=SPEED, minutes=[5, 10, 15])
    want = 5 / M_PER_MIN + street_walk_min(r, X0 + 390, X0 - 100, edges=edges, fill_m=300)
    assert down["walk_min"].item() == pytest.approx(want, rel=1e-6)


def test_a_void_longer_than_300_m_keeps_its_edge_flat_and_reported(tmp_path, steep_street):
    from spatial.coverage.walks import walking_coverage
    from spatial.network.elevation import NODATA, edge_times

    dem = void_dem(tmp_path / "long_void.tif", (40, 370))  # 11 cells: heights 360 m apart either side
    times = edge_times(steep_street, dem)
    flat = times.report.iloc[1:]
    assert flat["problem"].tolist() == [NODATA] and flat["action"].tolist() == ["walked flat"]
    assert "filled" not in times.report.iloc[0]["problem"]
    got = walking_coverage(points([[X0 - 100, Y0 + 5]], households=[10]), points([[X0 + 390, Y0]], station_id=["S"]),
                           steep_street, dem=times, speed_kmh=SPEED, minutes=[5, 10, 15])
    want = 5 / M_PER_MIN + street_walk_min(Raster(dem), X0 - 100, X0 + 390, edges=[(X0 - 100, X0), (X0, X0 + 390)],
                                           fill_m=300)
    assert got["walk_min"].item() == pytest.approx(want, rel=1e-6)
    assert times.forward_m[1] == times.backward_m[1] == pytest.approx(390)  # the street itself flat


def test_a_void_at_the_end_of_an_edge_is_not_filled_from_one_side(tmp_path, steep_street):
    # the top node of the street sits in the void: no height beyond it on the edge, nothing to
    # draw a line to; the edge stays flat and reported
    from spatial.network.elevation import NODATA, edge_times

    dem = void_dem(tmp_path / "top_void.tif", (310, 700))
    times = edge_times(steep_street, dem)
    assert times.report.iloc[1:]["problem"].tolist() == [NODATA]
    assert times.forward_m[1] == pytest.approx(390)
