"""Hill towns of Guizhou (从江, 黎平) tried again from outside: DEMs as offices and the internet give them.

Every expected walk is worked out here by hand from the slope and the distance (Tobler's hiking
function as docs/elevation.md states it: v = speed·exp(−3.5·(|S+0.05|−0.05))), never from the
project's own edge costs. DEMs are written with rasterio here, cell by cell from a known plane.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

from spatial.network.graph import network_from_arrays

UTM = "EPSG:32649"  # 从江 / 黎平 lie in UTM zone 49N
X0, Y0 = 320_000.0, 2_850_000.0  # about 109.2°E, 25.75°N
SPEED = 4.0
M_PER_MIN = SPEED * 1000 / 60  # 66.7 m a minute on the flat


def tobler(slope: float) -> float:
    """Walking speed on ``slope`` (rise over run, in the direction walked) over the flat speed."""
    return math.exp(-3.5 * abs(slope + 0.05)) / math.exp(-3.5 * 0.05)


def climb_10(x, y):
    """The hill: 200 m at X0, climbing 10% eastwards."""
    return 200.0 + 0.10 * (np.asarray(x) - X0)


def dem_file(path, z_of_xy=climb_10, *, crs=UTM, cell=30.0, bounds=(X0 - 300, Y0 - 300, X0 + 1300, Y0 + 900),
             dtype="float32", nodata=-9999.0, south_up=False, snap=True):
    """A GeoTIFF in ``crs`` covering ``bounds`` (UTM 49N metres), ``cell`` wide in the CRS's units,
    each cell holding ``z_of_xy`` of its centre (in UTM metres); south-up: first row at the south.
    ``snap``: its edges on a grid of whole cells from 0, as SRTM tiles are, so adjoining tiles line up."""
    to_dem = pyproj.Transformer.from_crs(UTM, crs, always_xy=True)
    to_utm = pyproj.Transformer.from_crs(crs, UTM, always_xy=True)
    xs, ys = to_dem.transform([bounds[0], bounds[2], bounds[0], bounds[2]], [bounds[1], bounds[1], bounds[3], bounds[3]])
    left, right, bottom, top = min(xs), max(xs), min(ys), max(ys)
    if snap:
        left, right = math.floor(left / cell) * cell, math.ceil(right / cell) * cell
        bottom, top = math.floor(bottom / cell) * cell, math.ceil(top / cell) * cell
    w, h = max(int(round((right - left) / cell)), 1), max(int(round((top - bottom) / cell)), 1)
    cx, cy = np.meshgrid(left + (np.arange(w) + 0.5) * cell, top - (np.arange(h) + 0.5) * cell)
    z = np.asarray(z_of_xy(*to_utm.transform(cx, cy)), dtype=np.float64)
    transform = Affine(cell, 0, left, 0, -cell, top)
    if south_up:
        z, transform = z[::-1], Affine(cell, 0, left, 0, cell, top - h * cell)
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype=dtype, crs=crs,
                       transform=transform, nodata=nodata) as dst:
        dst.write(z.astype(dtype), 1)
    return path


def line_net(xy):
    """A street through the points ``xy`` in order, one edge between each two."""
    xy = np.asarray(xy, dtype=np.float64)
    u = np.arange(len(xy) - 1)
    return network_from_arrays(xy, u, u + 1, crs=UTM)


def points(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(xy, float)), crs=UTM)


def walk_min(home_xy, station_xy, net, dem):
    from spatial.coverage.walks import walking_coverage

    got = walking_coverage(points([home_xy], households=[1]), points([station_xy], station_id=["S"]), net, dem=dem,
                           speed_kmh=SPEED, minutes=[5, 10, 15, 20, 30, 60])
    return got["walk_min"].item()


# a street of 1 km up the hill heading east-north-east (not along a row of the DEM): 10% along x,
# so along the street the slope is 0.10 · 1000 / 1166 = 8.6%
BEARING = np.array([1000.0, 600.0])
STREET = [(X0 + t * BEARING[0], Y0 + t * BEARING[1]) for t in np.linspace(0, 1, 11)]
RUN = float(np.hypot(*BEARING))
SLOPE = 100.0 / RUN


@pytest.mark.parametrize("crs, cell", [(UTM, 30.0), ("EPSG:4326", 1 / 3600), ("EPSG:4545", 30.0)])
def test_a_south_up_dem_is_read_under_a_street_that_is_not_along_its_rows(tmp_path, crs, cell):
    # before: "internal error: WindowError: Bounds and transform are inconsistent" for any network
    # whose box has a height in the DEM's CRS (rasterio's from_bounds refuses a south-up transform);
    # the earlier test passed only on a street exactly along one row of a UTM DEM
    net = line_net(STREET)
    north = dem_file(tmp_path / "north_up.tif", crs=crs, cell=cell)
    south = dem_file(tmp_path / "south_up.tif", crs=crs, cell=cell, south_up=True)
    down, up = RUN / tobler(-SLOPE) / M_PER_MIN, RUN / tobler(SLOPE) / M_PER_MIN
    for dem in (north, south):
        assert walk_min(STREET[-1], STREET[0], net, dem) == pytest.approx(down, rel=2e-3), dem.name
        assert walk_min(STREET[0], STREET[-1], net, dem) == pytest.approx(up, rel=2e-3), dem.name


def test_a_south_up_dem_is_one_clean_run_of_spatial_coverage(tmp_path, capsys):
    from spatial.cli import main

    files = write_street_files(tmp_path, STREET)
    dem = dem_file(tmp_path / "south_up.tif", crs="EPSG:4326", cell=1 / 3600, south_up=True)
    out = tmp_path / "out.gpkg"
    assert main(["coverage", *files, "--out", str(out), "--dem", str(dem), "--minutes", "5,10,15,20", "--no-isochrones"]) == 0
    assert "elevations on 100.0% of edges" in capsys.readouterr().out
    demand = gpd.read_file(out, layer="demand")
    assert demand["walk_min"].item() == pytest.approx(RUN / tobler(-SLOPE) / M_PER_MIN, rel=2e-3)


@pytest.mark.parametrize("shape", ["one row", "one column"])
def test_a_dem_of_one_row_of_big_cells_is_interpolated_along_it_not_made_a_cliff(tmp_path, shape):
    # a coarse DEM (1 km cells) clipped to the town: one row of two cells, centres at x = 200 m
    # (220 m high) and x = 1200 m (320 m). Before: each point took its nearest cell's height, so the
    # street had one 100 m cliff at x = 700 m: 48.5 min down the 1 km street and 63.2 min up it
    # (by hand on the hill: 15.0 and 21.3 min)
    if shape == "one row":
        xy, bounds = [(X0 + 100.0 * i, Y0) for i in range(11)], (X0 - 300, Y0 - 500, X0 + 1700, Y0 + 500)
        hill = climb_10
    else:  # the same hill turned north
        xy, bounds = [(X0, Y0 + 100.0 * i) for i in range(11)], (X0 - 500, Y0 - 300, X0 + 500, Y0 + 1700)

        def hill(x, y):
            return 200.0 + 0.10 * (np.asarray(y) - Y0)
    dem = dem_file(tmp_path / "coarse.tif", hill, cell=1000.0, bounds=bounds, snap=False)
    with rasterio.open(dem) as src:
        assert src.shape == ((1, 2) if shape == "one row" else (2, 1))
    net = line_net(xy)
    # linear between the two cell centres (x = 200 .. 1200 m): 800 m of the street at 10%, and flat
    # before the first centre, as bilinear interpolation holds the edge cells' value outside them
    assert walk_min(xy[-1], xy[0], net, dem) == pytest.approx((800 / tobler(-0.10) + 200) / M_PER_MIN, rel=1e-6)
    assert walk_min(xy[0], xy[-1], net, dem) == pytest.approx((800 / tobler(0.10) + 200) / M_PER_MIN, rel=1e-6)


def write_street_files(folder, xy):
    """The street through ``xy`` (GeoPackage), a station at its west end and homes at its east end."""
    net = line_net(xy)
    gpd.GeoDataFrame({"highway": ["footway"] * net.n_edges}, geometry=net.geometry, crs=UTM).to_file(
        folder / "street.gpkg")
    points([xy[0]], station_id=["S"]).to_file(folder / "stations.gpkg")
    points([xy[-1]], households=[30], unit_id=["top"]).to_file(folder / "homes.gpkg")
    return [str(folder / f) for f in ("street.gpkg", "stations.gpkg", "homes.gpkg")]


@pytest.mark.parametrize("command", ["coverage", "site"])
def test_two_srtm_tiles_given_as_two_dem_options_are_refused_saying_to_merge_them(tmp_path, capsys, command):
    # a town on the border of two SRTM tiles: before, `--dem west.tif --dem east.tif` read the last
    # one only and walked the west half of the street flat (50% of edges, a warning), the first tile
    # silently dropped
    from spatial.cli import main

    xy = [(X0 + 100.0 * i, Y0) for i in range(11)]
    args = write_street_files(tmp_path, xy)
    tile = {"crs": "EPSG:4326", "cell": 1 / 3600}
    west = dem_file(tmp_path / "N25E109.tif", bounds=(X0 - 300, Y0 - 300, X0 + 500, Y0 + 300), **tile)
    east = dem_file(tmp_path / "N25E110.tif", bounds=(X0 + 500, Y0 - 300, X0 + 1300, Y0 + 300), **tile)
    out = tmp_path / "out.gpkg"
    extra = ["--minutes", "5,10,15,20"] if command == "coverage" else ["--k", "1", "--band", "15min", "--no-exact"]
    assert main([command, *args, "--out", str(out), *extra, "--dem", str(west), "--dem", str(east)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert ("--dem is given 2 times; one DEM is read, not 2 tiles: merge them into one file first "
            f"(rio merge {west} {east} dem_merged.tif") in err[0]
    assert not out.exists()
    # the same two tiles as a shell gives `--dem N25E1*.tif`: said so, not "unrecognized arguments"
    assert main([command, *args, "--out", str(out), *extra, "--dem", str(west), str(east)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unrecognized" not in err[0], err
    assert f"--dem is given 2 files; one DEM is read, not 2 tiles: merge them into one file first (rio merge {west} {east}" in err[0]
    if command == "site":
        return
    # what it says to do works: the two tiles merged by rasterio (as `rio merge` does) are one DEM
    import warnings

    from rasterio.merge import merge

    with warnings.catch_warnings():  # rasterio's merge meets affine's pending deprecation
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        merge([str(west), str(east)], dst_path=tmp_path / "dem_merged.tif")
    assert main([command, *args, "--out", str(out), *extra, "--dem", str(tmp_path / "dem_merged.tif")]) == 0
    assert "elevations on 100.0% of edges (10 of 10)" in capsys.readouterr().out
    demand = gpd.read_file(out, layer="demand")
    assert demand["walk_min"].item() == pytest.approx(1000 / tobler(-0.1) / M_PER_MIN, rel=2e-3)


def test_a_project_file_naming_two_dem_tiles_says_to_merge_them(tmp_path):
    from spatial.core.errors import SpatialError
    from spatial.datasets.embedded import demo_paths
    from spatial.project.config import load_project

    layers = demo_paths()["layers"]
    (tmp_path / "p.toml").write_text(
        f'[inputs]\ncommunities = {{ path = "{layers}", layer = "communities" }}\n'
        f'units = {{ path = "{layers}", layer = "units" }}\n[coverage]\ndem = ["N25E109.tif", "N25E110.tif"]\n',
        encoding="utf-8")
    with pytest.raises(SpatialError, match=r"\[coverage\] key 'dem' must be a GeoTIFF path \(a string\), got the list "
                       r".*; one DEM is read, not 2 tiles: merge them into one file first \(rio merge N25E109\.tif "
                       r"N25E110\.tif dem_merged\.tif"):
        load_project(tmp_path / "p.toml")


def valley(x, y):
    """Banks at 250 m; a river valley 20 m deep and 200 m wide between x = 400 and 600 m."""
    d = np.abs(np.asarray(x) - (X0 + 500))
    return np.where(d < 100, 250 - 20 * (1 - d / 100), 250.0)


def test_a_bridge_over_the_river_valley_is_walked_on_its_deck_not_down_the_valley_and_up(tmp_path):
    # 风雨桥 over the river: before, the DEM under the bridge (the valley, 20 m down) was walked:
    # 200 m of bridge cost 310 m of flat walking each way, 1.6 minutes more per crossing
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    cell = 5.0
    dem = dem_file(tmp_path / "valley.tif", valley, cell=cell)
    lines = gpd.GeoDataFrame(
        {"highway": ["residential"] * 3, "bridge": ["", "yes", ""], "name": ["西岸路", "风雨桥", "东岸路"]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 400, Y0)]), shapely.LineString([(X0 + 400, Y0), (X0 + 600, Y0)]),
                  shapely.LineString([(X0 + 600, Y0), (X0 + 1000, Y0)])], crs=UTM)
    lines.to_file(tmp_path / "streets.gpkg")
    net = read_network(tmp_path / "streets.gpkg")
    bridge = int(np.flatnonzero(net.name == "风雨桥")[0])
    times = edge_times(net, dem)
    # the deck runs level from bank to bank (both ends 250 m, to the cell's interpolation)
    assert times.forward_m[bridge] == pytest.approx(200.0, rel=2e-3)
    assert times.backward_m[bridge] == pytest.approx(200.0, rel=2e-3)
    assert "1 edge on a bridge or in a tunnel (200 m) climbs straight from end to end" in times.report.iloc[0]["problem"]
    assert "1 条桥梁或隧道路段（200 米）按两端高程的直线坡度计算" in times.report.iloc[0]["problem_zh"]
    # the same street without the bridge tag is a dip down the valley and up again (by hand:
    # 100 m down 20% and 100 m up 20%, 123 + 174 = 297 m of flat walking)
    dip = 100 / tobler(-0.2) + 100 / tobler(0.2)
    untagged = edge_times(read_network(lines.drop(columns="bridge")), dem)
    assert untagged.forward_m[bridge] == pytest.approx(dip, rel=0.03)
    assert walk_min((X0 + 1000, Y0), (X0, Y0), net, times) == pytest.approx(1000 / M_PER_MIN, rel=2e-3)
    # an osmnx graph (.graphml) carries the tag as an edge attribute: the same deck
    import networkx as nx

    graph = nx.MultiDiGraph(crs=UTM)
    for i, x in enumerate((0, 400, 600, 1000)):
        graph.add_node(i, x=X0 + x, y=Y0)
    for a, b, tags in ((0, 1, {}), (1, 2, {"bridge": "yes", "name": "风雨桥"}), (2, 3, {})):
        graph.add_edge(a, b, highway="residential", **tags)
    from_graph = read_network(graph)
    deck = int(np.flatnonzero(from_graph.name == "风雨桥")[0])
    assert edge_times(from_graph, dem).forward_m[deck] == pytest.approx(200.0, rel=2e-3)


def test_a_tunnel_through_the_hill_climbs_straight_between_its_portals(tmp_path):
    # a footway tunnel (人行隧道) under a 40 m hill between two streets at 200 m and 210 m
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    def hill(x, y):
        d = np.abs(np.asarray(x) - (X0 + 500))
        base = 200 + 10 * np.clip((np.asarray(x) - X0 - 300) / 400, 0, 1)
        return base + np.where(d < 200, 40 * (1 - d / 200), 0.0)

    dem = dem_file(tmp_path / "hill.tif", hill, cell=5.0)
    osm = tmp_path / "tunnel.osm"
    nodes = "".join(f'<node id="{i + 1}" lat="{lat}" lon="{lon}"/>' for i, (lon, lat) in enumerate(
        zip(*pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(
            [X0, X0 + 300, X0 + 700, X0 + 1000], [Y0] * 4))))
    osm.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{nodes}'
        '<way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        '<way id="11"><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/><tag k="tunnel" v="yes"/>'
        '<tag k="layer" v="-1"/></way>'
        '<way id="12"><nd ref="3"/><nd ref="4"/><tag k="highway" v="footway"/></way></osm>', encoding="utf-8")
    net = read_network(osm)
    assert net.off_ground.tolist().count(True) == 1
    tunnel = int(np.flatnonzero(net.off_ground)[0])
    times = edge_times(net, dem)
    # 400 m from the west portal (200 m) to the east one (210 m): 2.5% up eastwards, by hand
    length = net.length_m[tunnel]
    assert length == pytest.approx(400, abs=1)
    rise = 10.0 if net.node_xy[net.edge_u[tunnel], 0] < net.node_xy[net.edge_v[tunnel], 0] else -10.0
    assert times.forward_m[tunnel] == pytest.approx(length / tobler(rise / length), rel=2e-3)
    assert times.backward_m[tunnel] == pytest.approx(length / tobler(-rise / length), rel=2e-3)


def test_a_river_of_zeros_the_dem_does_not_declare_is_no_cliff_under_an_untagged_bridge(tmp_path):
    # the river cells hold 0 (no nodata declared), the banks 250 m; the bridge is not tagged
    # (a planning bureau's road lines). Before: 100% of edges "got elevations", the bridge fell 250 m
    # in a cell and climbed back, and the home across the river walked 1.15e13 minutes
    from spatial.coverage.walks import walking_coverage
    from spatial.network.elevation import STEEP, edge_times
    from spatial.network.read import read_network

    def river_of_zeros(x, y):
        return np.where(np.abs(np.asarray(x) - (X0 + 500)) < 60, 0.0, 250.0)

    dem = dem_file(tmp_path / "river0.tif", river_of_zeros, crs="EPSG:4326", cell=1 / 3600, nodata=None)
    lines = gpd.GeoDataFrame(
        {"highway": ["residential"] * 3, "name": ["西岸路", "风雨桥", "东岸路"]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 400, Y0)]), shapely.LineString([(X0 + 400, Y0), (X0 + 600, Y0)]),
                  shapely.LineString([(X0 + 600, Y0), (X0 + 1000, Y0)])], crs=UTM)
    net = read_network(lines)
    times = edge_times(net, dem)
    flat = times.report.iloc[1:]
    bridge = np.flatnonzero(net.name == "风雨桥")[0]
    ids = np.asarray(net.node_id)
    assert flat["row_id"].tolist() == [f"{ids[net.edge_u[bridge]]}-{ids[net.edge_v[bridge]]}"]
    assert flat["problem"].tolist() == [STEEP] and flat["action"].tolist() == ["walked flat"]
    assert flat["problem_zh"].tolist() == ["无高程：高程数据坡度超过 100%（未标注的桥梁、陡崖，或空值被写成了高程）"]
    assert "elevations on 66.7% of edges (2 of 3)" in times.report.iloc[0]["problem"]
    # the banks are level: the home across the river walks 1,000 m and its 10 m leg, on the flat
    home = points([[X0 + 1000, Y0 + 10]], households=[1])
    got = walking_coverage(home, points([[X0, Y0]], station_id=["S"]), net, dem=times, speed_kmh=SPEED)
    assert got["walk_min"].item() == pytest.approx(1010 / M_PER_MIN, rel=1e-3)
    assert got["band"].item() == "beyond"  # 15.15 min: just past the 15-minute circle, as on the flat


def test_node_elevations_with_a_river_node_at_zero_walk_those_edges_flat_and_say_why():
    import networkx as nx

    from spatial.network.elevation import STEEP, edge_times

    # node elevations (osmnx.elevation.add_node_elevations_raster) of a street whose node 5, on the
    # bridge, took the river's undeclared 0 m: 250 m down in 100 m, walked as a 250% slope before
    xy = [(X0 + 100.0 * i, Y0) for i in range(11)]
    net = line_net(xy)
    graph = nx.Graph()
    graph.add_nodes_from((i, {"elevation": 0.0 if i == 5 else 250.0 + i}) for i in range(11))
    times = edge_times(net, graph)
    assert times.report.iloc[1:]["row_id"].tolist() == ["4-5", "5-6"]
    assert set(times.report.iloc[1:]["problem"]) == {STEEP}
    assert times.forward_m[[4, 5]].tolist() == pytest.approx([100.0, 100.0])
    assert times.forward_m[0] == pytest.approx(100 / tobler(0.01))


def test_the_workbook_and_the_map_of_a_hill_run_say_15_minutes_reach_1000_m_on_the_flat_only(tmp_path, capsys):
    # before: the 说明 sheet of `spatial coverage --dem` said "4.0 公里/小时（15 分钟约 1000 米）" and
    # "按路网最短步行距离计算" and nothing of the slopes, while a home 1,000 m down the hill walks to the
    # station in 15.0 min and one 1,000 m below it would walk 21.3 min up;
    # the map said 15 minutes are about 1000 m next to its slope model
    from openpyxl import load_workbook

    from spatial.cli import main

    xy = [(X0 + 100.0 * i, Y0) for i in range(11)]
    args = write_street_files(tmp_path, xy)
    dem = dem_file(tmp_path / "hill.tif")
    out = tmp_path / "out.gpkg"
    assert main(["coverage", *args, "--out", str(out), "--dem", str(dem), "--no-isochrones"]) == 0
    notes = load_workbook(tmp_path / "out_summary.xlsx")["说明"]
    text = " ".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "4.0 公里/小时（平地上 15 分钟约 1000 米）" in text
    assert "按路网上从住处到服务站最快的步行时间计算（计入坡度）" in text and "按路网最短步行距离计算" not in text
    assert "坡度模型 步行时间按 Tobler" in text
    page = tmp_path / "map.html"
    for lang, said in (("zh", "按步行速度 4.0 公里/小时计（平地上 15 分钟约 1000 米）"),
                       ("en", "At a walking speed of 4.0 km/h (15 min ≈ 1000 m on the flat)")):
        assert main(["map", "--coverage", str(out), "--out", str(page), "--lang", lang]) == 0
        assert said in page.read_text(encoding="utf-8"), lang
    # the home's own figures: 1,000 m down 10% to the station, 15.0 minutes (by hand)
    demand = gpd.read_file(out, layer="demand")
    assert demand["walk_m"].item() == pytest.approx(1000.0)
    assert demand["walk_min"].item() == pytest.approx(1000 / tobler(-0.1) / M_PER_MIN, rel=2e-3)


@pytest.mark.parametrize("scale, says", [(0.1, "-scale 0.1"), (0.01, "-scale 0.01")])
def test_an_int16_dem_of_decimetres_without_its_scale_is_refused_naming_the_file(tmp_path, capsys, scale, says):
    # heights in decimetres (2,500 for 250 m) in an int16 file that does not carry its scale: before,
    # every slope was 10x: the 9.6% street walked at 96% (1,044 m down it: 315 minutes, not 15.4),
    # with no word that anything was wrong
    from spatial.cli import main

    xy = [(X0 + 100.0 * i, Y0 + 30.0 * i) for i in range(11)]
    args = write_street_files(tmp_path, xy)
    dem = dem_file(tmp_path / "dem_dm.tif", lambda x, y: climb_10(x, y) / scale, dtype="int16", nodata=-32768,
                   bounds=(X0 - 300, Y0 - 300, X0 + 1200, Y0 + 600))  # up to 320 m: 32,000 cm fit an int16
    out = tmp_path / "out.gpkg"
    assert main(["coverage", *args, "--out", str(out), "--dem", str(dem)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert "its heights are not metres" in err[0] and f"gdal_edit.py {says} dem_dm.tif" in err[0]
    # decimetres: a median slope of 10 times the street's; centimetres: every height "above 9000 m"
    assert ("dem_dm.tif gives the streets a median slope of 96%" if scale == 0.1 else
            "dem_dm.tif holds heights up to 30750 over the network, read as metres (no land is above 9000 m)") in err[0]
    assert not out.exists()
    # the same heights with the scale set are read as metres
    with rasterio.open(dem, "r+") as dst:
        dst.scales = (scale,)
    assert main(["coverage", *args, "--out", str(out), "--dem", str(dem), "--no-isochrones"]) == 0
    run = float(np.hypot(100, 30)) * 10
    assert gpd.read_file(out, layer="demand")["walk_min"].item() == pytest.approx(
        run / tobler(-100 / run) / M_PER_MIN, rel=2e-3)


def test_a_dask_run_reads_the_bridges_as_the_single_process_run_does(tmp_path):
    # each part of a Dask run rebuilds its network from the edge file: the bridge tag goes with it
    from spatial.coverage.walks import walking_coverage
    from spatial.network.read import read_network
    from spatial.project.distributed import make_client, run_coverage_distributed

    dem = dem_file(tmp_path / "valley.tif", valley, cell=5.0)
    lines = gpd.GeoDataFrame(
        {"highway": ["residential"] * 3, "bridge": ["", "yes", ""]},
        geometry=[shapely.LineString([(X0, Y0), (X0 + 400, Y0)]), shapely.LineString([(X0 + 400, Y0), (X0 + 600, Y0)]),
                  shapely.LineString([(X0 + 600, Y0), (X0 + 1000, Y0)])], crs=UTM)
    net = read_network(lines)
    homes = points([[X0 + 900, Y0 + 10], [X0 + 700, Y0 + 10], [X0 + 100, Y0 + 10]], households=[1, 1, 1],
                   city=["east", "east", "west"])
    stations = points([[X0, Y0]], station_id=["S"])
    ref = walking_coverage(homes, stations, net, dem=dem, minutes=(5, 10, 15), max_walk_m=1200.0)
    # across the level bridge (by hand): 900 m and 700 m, and the 10 m legs
    assert ref["walk_min"].tolist()[:2] == pytest.approx([910 / M_PER_MIN, 710 / M_PER_MIN], rel=2e-3)
    client = make_client(n_workers=1, processes=False)
    try:
        got = run_coverage_distributed(homes, stations, net, by="city", client=client, max_walk_m=1200.0,
                                       minutes=(5, 10, 15), dem=dem, workdir=tmp_path / "work")
    finally:
        client.close()
    assert got["walk_min"].to_numpy() == pytest.approx(ref["walk_min"].to_numpy(), rel=1e-9)
