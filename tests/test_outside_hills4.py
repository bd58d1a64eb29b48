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
from test_outside_hills3 import UTM, X0, Y0, street, town, write_dem  # noqa: F401 - street, town: fixtures
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


# ------------------------------------------ 1: a gap on the slopes said in minutes as well


def town_walk_min(raster: Raster, hx: float) -> float:
    """Minutes from the home at X0 + hx (5 m off the street) down to the station at X0, at 4 km/h:
    the street's ten 100 m edges, the leg flat."""
    edges = [(X0 + a, X0 + a + 100) for a in range(0, 1000, 100)]
    return 5 / M_PER_MIN + street_walk_min(raster, X0 + hx, X0, edges=edges)


@pytest.fixture(scope="module")
def uphill_run(town):
    """``spatial run`` of hills3's town on a DEM falling 10% east of X0 + 100 (the homes walk up
    to the station at the river), at 4 km/h, with its maps, workbook, KMZ and CSVs."""
    from spatial.cli import main

    write_dem(town / "uphill.tif", climb=-0.10)
    (town / "up.toml").write_text(
        '[project]\nname = "丙妹镇 上坡试算"\noutput = "up"\n'
        '[inputs]\nnetwork = "street.gpkg"\nunits = { path = "units.gpkg", households_col = "households" }\n'
        'stations = "stations.gpkg"\ncommunities = "communities.gpkg"\n[grids]\nenabled = false\n'
        '[coverage]\nminutes = [5, 10, 15]\nspeed_kmh = 4.0\ndem = "uphill.tif"\n'
        '[outputs]\nmaps = true\nworkbook = true\npng = false\nkml = true\n', encoding="utf-8")
    assert main(["run", str(town / "up.toml")]) == 0
    return town / "up"


def test_a_gap_beyond_15_minutes_on_the_slopes_gives_its_walk_in_minutes_with_its_metres(town, uphill_run):
    # the homes at 750, 850 and 950 m walk up 10% to the station: beyond 15 minutes, though the
    # nearest is 755 m away (11.3 minutes on the flat). Before, every paper said only "755 m"
    raster = Raster(town / "uphill.tif")
    beyond = {hx: town_walk_min(raster, hx) for hx in (650.0, 750.0, 850.0, 950.0)}
    assert beyond[650.0] < 15 < beyond[750.0]
    want = beyond[750.0]
    shown = math.ceil(want * 10 - 1e-9) / 10  # tenths up, as every walk is shown
    gaps = gpd.read_file(uphill_run / "results.gpkg", layer="gaps")
    assert gaps["walk_to_station_min"].tolist() == [pytest.approx(want, rel=1e-6)]
    assert gaps["walk_to_station_m"].tolist() == [pytest.approx(755.0)]
    with open(uphill_run / "gaps.csv", encoding="utf-8-sig") as f:
        row = next(csv.DictReader(f))
    assert (row["walk_to_station_m"], row["walk_to_station_min"]) == ("755", f"{shown:.1f}")
    book = load_workbook(uphill_run / "summary.xlsx")
    sheet = list(book["盲区"].values)
    got = dict(zip(sheet[0], sheet[1]))
    assert got["距最近服务站步行（米）"] == 755 and got["距最近服务站步行（分钟）"] == shown
    notes = [r for r in book["说明"].values if r and "距最近服务站步行（分钟）" in r]
    assert notes and any("坡度" in str(c) for c in notes[0])
    kmz = next(iter(_kmz_descriptions(uphill_run / "results.kmz", "覆盖盲区").values()))
    assert "距最近服务站步行（米）: 755" in kmz and f"距最近服务站步行（分钟）: {shown:.1f}" in kmz
    layers, _ = _map(uphill_run / "coverage.html")
    (gap,) = layers["gaps"]  # the popup's rows, as the 盲区 sheet
    assert gap["properties"]["walk_to_station_m"] == 755 and gap["properties"]["walk_to_station_min"] == shown
    assert "距最近服务站步行（分钟）" in (uphill_run / "coverage.html").read_text(encoding="utf-8")


def test_on_the_flat_a_gap_s_minutes_are_its_metres_at_the_gap_s_speed(town, street):
    # no DEM: the minutes say what the metres say, at the speed the band is taken at (a band of
    # 10 minutes at the elderly 3 km/h on walks scored at 4 km/h: the gap's homes beyond 500 m)
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.walks import walking_coverage

    units = gpd.read_file(town / "units.gpkg")
    stations = gpd.read_file(town / "stations.gpkg")
    demand = walking_coverage(units, stations, street, speed_kmh=SPEED, minutes=[5, 10, 15])
    gaps = coverage_gaps(demand, street, band="10min")
    assert gaps[["walk_to_station_m", "walk_to_station_min"]].values.tolist() == [
        [pytest.approx(755.0), pytest.approx(755.0 / M_PER_MIN)]]  # 11.3 min: beyond 10
    elderly = coverage_gaps(demand, street, band="10min", speed_kmh=3.0)
    assert elderly[["walk_to_station_m", "walk_to_station_min"]].values.tolist() == [
        [pytest.approx(555.0), pytest.approx(555.0 / 50.0)]]  # 11.1 min at 3 km/h, not 8.3 at 4


def test_a_dask_run_s_gaps_give_the_minutes_on_the_slopes_too(town, street, tmp_path):
    # the demand a Dask run puts together from its parts: the gap's minutes are the slopes' walk,
    # not its metres at a speed read from their ratio
    from spatial.coverage.gaps import coverage_gaps
    from spatial.project.distributed import make_client, run_coverage_distributed

    dem = write_dem(tmp_path / "uphill.tif", climb=-0.10)
    units = gpd.read_file(town / "units.gpkg").assign(part=["west"] * 5 + ["east"] * 5)
    stations = gpd.read_file(town / "stations.gpkg")
    client = make_client(n_workers=1, processes=False)
    try:
        demand = run_coverage_distributed(units, stations, street, by="part", client=client, minutes=(5, 10, 15),
                                          speed_kmh=SPEED, dem=dem, workdir=tmp_path / "work")
    finally:
        client.close()
    gaps = coverage_gaps(demand, street, band="15min", speed_kmh=SPEED, dem=dem)
    assert gaps["walk_to_station_m"].tolist() == [pytest.approx(755.0)]
    assert gaps["walk_to_station_min"].tolist() == [pytest.approx(town_walk_min(Raster(dem), 750.0), rel=1e-6)]
