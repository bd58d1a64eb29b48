"""Bridges and tunnels that osmnx merged with the streets beside them, on the slopes of a hill town.

osmnx's simplification (checked with osmnx 2.1.1) merges a 300 m street, a 20 m bridge and a
280 m street into one 600 m edge tagged ``bridge=yes``; in Futian's graphml 82 of 137 bridge edges
are so merged. Such an edge is not all deck: a planner expects a bridge's deck never below the
straight line between its ends, a tunnel's tube never above it, and the ground walked elsewhere.
So along a merged bridge edge the height walked is max(DEM, line between the end heights), along
a merged tunnel edge min(DEM, line); a bridge or tunnel that is one way from end to end still
climbs straight between its ends.

Every expected cost is worked out here by hand from the profile's pieces (Tobler's hiking
function as docs/elevation.md states it: v = speed·exp(−3.5·(|S+0.05|−0.05))), never from the
project's own edge costs. The DEMs hold heights that are piecewise linear along x with their
kinks at cell centres, and every street runs along cell centres, so the DEM's bilinear heights
are exactly the profile drawn here.
"""

from __future__ import annotations

import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import rasterio
import shapely
from affine import Affine

UTM = "EPSG:32649"  # a hill town of 黔东南, UTM zone 49N
X0, Y0 = 320_000.0, 2_850_000.0
CELL = 10.0
XS = X0 + CELL / 2  # streets start on a cell centre: every sample every 10 m is one
SPEED = 4.0
M_PER_MIN = SPEED * 1000 / 60  # 66.7 m a minute on the flat


def tobler(slope: float) -> float:
    """Walking speed on ``slope`` (rise over run, in the direction walked) over the flat speed."""
    return math.exp(-3.5 * abs(slope + 0.05)) / math.exp(-3.5 * 0.05)


def walk(*pieces) -> float:
    """Flat-equivalent metres of walking the pieces ``(run_m, rise_m)`` in order."""
    return sum(run / tobler(rise / run) for run, rise in pieces)


def back(*pieces) -> float:
    """The same pieces walked the other way."""
    return walk(*((run, -rise) for run, rise in reversed(pieces)))


def profile(*knots):
    """Heights along x: linear between knots ``(metres east of XS, height)``, flat beyond them."""
    xk = np.array([k[0] for k in knots], float) + XS
    zk = np.array([k[1] for k in knots], float)
    return lambda x, y: np.interp(np.asarray(x, float), xk, zk)


def dem_file(path, z_of_xy):
    """A north-up GeoTIFF in UTM 49N, 10 m cells on whole multiples of 10 m, each cell holding
    ``z_of_xy`` of its centre."""
    left, right, bottom, top = X0 - 300, X0 + 1300, Y0 - 300, Y0 + 300
    w, h = int((right - left) / CELL), int((top - bottom) / CELL)
    cx, cy = np.meshgrid(left + (np.arange(w) + 0.5) * CELL, top - (np.arange(h) + 0.5) * CELL)
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float64", crs=UTM,
                       transform=Affine(CELL, 0, left, 0, -CELL, top), nodata=-9999.0) as dst:
        dst.write(np.asarray(z_of_xy(cx, cy), float), 1)
    return path


def xy(dx):
    return (XS + dx, Y0)


def osmnx_merged(stretches, **graph_attrs):
    """An osmnx graph of one street drawn as ways ``(from_m, to_m, tags)`` east of XS, both ways
    as osmnx lists them, simplified by osmnx itself into one edge (the ways meet no other street)."""
    import osmnx as ox

    graph = nx.MultiDiGraph(crs=UTM, **graph_attrs)
    ends = sorted({x for a, b, _ in stretches for x in (a, b)})
    for i, x in enumerate(ends):
        graph.add_node(i, x=XS + x, y=Y0)
    for k, (a, b, tags) in enumerate(stretches):
        i, j = ends.index(a), ends.index(b)
        for p, q in ((i, j), (j, i)):
            graph.add_edge(p, q, osmid=100 + k, highway="residential", length=float(b - a), **tags)
    merged = ox.simplify_graph(graph)
    assert merged.number_of_edges() == 2  # one street, listed both ways
    return merged


def costs(net, times, west_m, east_m):
    """Cost of the edge from ``west_m`` to ``east_m`` walked eastwards and westwards."""
    west, east = np.asarray(xy(west_m)), np.asarray(xy(east_m))
    at = lambda p: int(np.argmin(np.hypot(*(net.node_xy - p).T)))  # noqa: E731
    a, b = at(west), at(east)
    e = int(np.flatnonzero(((net.edge_u == a) & (net.edge_v == b)) | ((net.edge_u == b) & (net.edge_v == a)))[0])
    if net.edge_u[e] == a:
        return times.forward_m[e], times.backward_m[e]
    return times.backward_m[e], times.forward_m[e]


def points(pts, **cols):
    return gpd.GeoDataFrame(cols, geometry=shapely.points(np.asarray(pts, float)), crs=UTM)


def walk_min(home, station, net, dem):
    from spatial.coverage.walks import walking_coverage

    got = walking_coverage(points([home], households=[1]), points([station], station_id=["S"]), net, dem=dem,
                           speed_kmh=SPEED, minutes=[5, 10, 15, 20, 30])
    return got["walk_min"].item()


# ------------------------------------------------------------------------------------ bridges

#: A ridge: 200 m at the west end, up 10% to 240 m 400 m on, down 10% to 220 m at the east end.
RIDGE = profile((0, 200), (400, 240), (600, 220))


def test_a_street_and_bridge_osmnx_merged_over_a_ridge_walks_the_ridge_both_ways(tmp_path):
    # the brief's case: a 300 m street, a 20 m bridge (over a cutting) and a 280 m street, one 600 m
    # edge tagged bridge=yes after osmnx's simplification. Before, it walked the straight grade
    # between its ends (200 m to 220 m: 3.3% over 600 m) as if the whole of it were a deck in the air
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "ridge.tif", RIDGE)
    graph = osmnx_merged([(0, 300, {}), (300, 320, {"bridge": "yes"}), (320, 600, {})])
    (_, _, tags), = [e for e in graph.edges(data=True) if e[0] < e[1]]
    assert tags["bridge"] == "yes" and tags["osmid"] == [100, 101, 102]  # osmnx merged it, tag and all
    net = read_network(graph)
    times = edge_times(net, dem)
    east, west = costs(net, times, 0, 600)
    # eastwards: 400 m up 10%, then 200 m down 10%; westwards the other way round
    assert east == pytest.approx(walk((400, 40), (200, -20)), rel=1e-6)
    assert west == pytest.approx(back((400, 40), (200, -20)), rel=1e-6)
    assert east > 600 / tobler(20 / 600) * 1.1  # the straight grade was 10% cheaper and more
    problem, problem_zh = times.report.iloc[0][["problem", "problem_zh"]]
    assert ("1 edge on a bridge or in a tunnel (600 m) climbs straight from end to end, not over the ground under "
            "them; on 1 of them (600 m) the ground rises above a bridge's line") in problem
    assert "1 条桥梁或隧道路段（600 米）" in problem_zh and "其中 1 条（600 米）有地面高出桥面两端连线" in problem_zh
    # the home at the west end walks to the station at the east end in 11.5 minutes, not 10.1
    got = walk_min(xy(0), xy(600), net, dem)
    assert got == pytest.approx(walk((400, 40), (200, -20)) / M_PER_MIN, rel=1e-3)
    assert got == pytest.approx(11.5, abs=0.05)
    # a home on the ridge walks its own part of the edge: 200 m down 10% to the east end, 3.0 min
    assert walk_min(xy(400), xy(600), net, dem) == pytest.approx(200 / tobler(-0.1) / M_PER_MIN, rel=1e-3)


def test_the_briefs_symmetric_ridge_takes_10_9_minutes_not_9_0(tmp_path):
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "ridge.tif", profile((0, 200), (300, 230), (600, 200)))
    net = read_network(osmnx_merged([(0, 300, {}), (300, 320, {"bridge": "yes"}), (320, 600, {})]))
    expected = walk((300, 30), (300, -30)) / M_PER_MIN
    assert expected == pytest.approx(10.9, abs=0.05)
    assert walk_min(xy(0), xy(600), net, dem) == pytest.approx(expected, rel=1e-3)
    assert walk_min(xy(600), xy(0), net, dem) == pytest.approx(expected, rel=1e-3)


#: Banks at 250 m (west) and 260 m (east) of a valley 20 m below the west bank, 400-600 m east of XS.
VALLEY = profile((0, 250), (400, 250), (500, 230), (600, 260), (1000, 260))


def test_a_bridge_over_a_valley_alone_still_walks_its_deck_from_bank_to_bank(tmp_path):
    # a line layer of a planning bureau with a bridge column: one row each
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "valley.tif", VALLEY)
    lines = gpd.GeoDataFrame(
        {"highway": ["residential"] * 3, "bridge": ["", "yes", ""], "name": ["西岸路", "风雨桥", "东岸路"]},
        geometry=[shapely.LineString([xy(0), xy(400)]), shapely.LineString([xy(400), xy(600)]),
                  shapely.LineString([xy(600), xy(1000)])], crs=UTM)
    net = read_network(lines)
    assert net.off_ground.tolist() == [False, True, False] and net.off_ground_kind.tolist() == [0, 1, 0]
    times = edge_times(net, dem)
    east, west = costs(net, times, 400, 600)
    # the deck: 200 m from 250 m up to 260 m, 5%, each way; not down the valley and up again
    assert east == pytest.approx(walk((200, 10)), rel=1e-6)
    assert west == pytest.approx(back((200, 10)), rel=1e-6)
    assert "1 edge on a bridge or in a tunnel (200 m) climbs straight from end to end, not over the ground under " \
           "them" in times.report.iloc[0]["problem"]
    assert "the ground rises above" not in times.report.iloc[0]["problem"]


#: Up 10% to a knoll 200 m east (220 m), down 20% to 200 m at 300 m, a gully to 170 m at 450 m
#: and back to 200 m at 600 m (the bridge's span).
KNOLL_AND_GULLY = profile((0, 200), (200, 220), (300, 200), (450, 170), (600, 200))


@pytest.mark.parametrize("bridge", ["yes", ["yes", "no"]], ids=["osmnx2", "osmnx1 list"])
def test_a_merged_bridge_edge_walks_the_knoll_and_spans_the_gully(tmp_path, bridge):
    # a street over a knoll, then a bridge over a gully, one edge: the knoll above the line
    # between the ends (both 200 m) is walked, the gully below it is spanned. osmnx 1 wrote a
    # bridge=no street merged with the bridge as the list ['yes', 'no']; before, that edge walked
    # down the gully and up again (and a plain 'yes' walked 600 m flat over the knoll)
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "knoll.tif", KNOLL_AND_GULLY)
    graph = nx.MultiDiGraph(crs=UTM)
    graph.add_node(1, x=XS, y=Y0)
    graph.add_node(2, x=XS + 600, y=Y0)
    line = shapely.LineString([xy(0), xy(300), xy(600)])
    graph.add_edge(1, 2, osmid=[7, 8], highway="residential", bridge=bridge, geometry=line)
    net = read_network(graph)
    times = edge_times(net, dem)
    east, west = costs(net, times, 0, 600)
    pieces = ((200, 20), (100, -20), (300, 0))
    assert east == pytest.approx(walk(*pieces), rel=1e-6)
    assert west == pytest.approx(back(*pieces), rel=1e-6)
    assert walk_min(xy(600), xy(0), net, dem) == pytest.approx(back(*pieces) / M_PER_MIN, rel=1e-3)


def test_a_gully_given_as_nodata_under_a_merged_bridge_is_spanned(tmp_path):
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    def knoll_and_nodata(x, y):
        z = KNOLL_AND_GULLY(x, y)
        return np.where((np.asarray(x) > XS + 320) & (np.asarray(x) < XS + 580), -9999.0, z)

    dem = dem_file(tmp_path / "knoll.tif", knoll_and_nodata)
    # osmnx's edges as a GeoDataFrame (graph_to_gdfs): the merged edge's osmid is a list
    lines = gpd.GeoDataFrame({"highway": ["residential"], "bridge": ["yes"], "osmid": [[7, 8]]},
                             geometry=[shapely.LineString([xy(0), xy(600)])], crs=UTM)
    net = read_network(lines)
    assert net.off_ground_kind.tolist() == [1 | 4]
    times = edge_times(net, dem)
    assert times.has_elevation.all()
    east, west = costs(net, times, 0, 600)
    assert east == pytest.approx(walk((200, 20), (100, -20), (300, 0)), rel=1e-6)
    assert west == pytest.approx(back((200, 20), (100, -20), (300, 0)), rel=1e-6)
    # one way (one osmid, or none: a planning bureau's row) is a bridge from end to end: its deck
    # runs straight, 600 m flat between its ends at 200 m, whatever the DEM shows under it
    for osmid in (7, None):
        whole = read_network(lines.assign(osmid=[osmid]))
        assert whole.off_ground_kind.tolist() == [1]
        assert costs(whole, edge_times(whole, dem), 0, 600) == pytest.approx((600.0, 600.0), rel=1e-6)


# ------------------------------------------------------------------------------------ tunnels

def osm_file(path, ways):
    """An OSM XML file of ways ``(id, [metres east of XS], tags)`` along Y0."""
    xs = sorted({x for _, pts, _ in ways for x in pts})
    lon, lat = pyproj.Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(
        [XS + x for x in xs], [Y0] * len(xs))
    nodes = "".join(f'<node id="{i + 1}" lat="{la!r}" lon="{lo!r}"/>' for i, (lo, la) in enumerate(zip(lon, lat)))
    body = "".join(f'<way id="{wid}">' + "".join(f'<nd ref="{xs.index(x) + 1}"/>' for x in pts)
                   + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>"
                   for wid, pts, tags in ways)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{nodes}{body}</osm>', encoding="utf-8")
    return path


#: A hill 40 m over the street between 300 m and 700 m east of XS, the ground rising 200 -> 210 m.
HILL = profile((0, 200), (300, 202.5), (500, 245), (700, 210), (1000, 210))


def test_a_tunnel_under_a_hill_alone_still_climbs_straight_between_its_portals(tmp_path):
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "hill.tif", HILL)
    osm = osm_file(tmp_path / "tunnel.osm", [
        (10, [0, 300], {"highway": "footway"}),
        (11, [300, 500, 700], {"highway": "footway", "tunnel": "yes", "layer": "-1"}),
        (12, [700, 1000], {"highway": "footway"})])
    net = read_network(osm)
    assert net.off_ground_kind[net.off_ground].tolist() == [2]
    times = edge_times(net, dem)
    east, west = costs(net, times, 300, 700)
    # 202.5 m to 210 m over 400 m, under the hill
    assert east == pytest.approx(walk((400, 7.5)), rel=1e-4)
    assert west == pytest.approx(back((400, 7.5)), rel=1e-4)


#: Down 10% into a valley (180 m at 200 m east), up 20% to 200 m at 300 m, a hill over the tunnel
#: (220 m at 400 m) and the street at 200 m again from 500 m to 600 m.
VALLEY_AND_HILL = profile((0, 200), (200, 180), (300, 200), (400, 220), (500, 200), (600, 200))


def test_a_merged_tunnel_edge_walks_down_the_valley_before_it_both_ways(tmp_path):
    # a street down into a valley and up, then a tunnel through the hill, one edge tagged
    # tunnel=yes by osmnx: before, it walked 600 m flat from end to end (both 200 m), the valley
    # bridged by an imagined tube
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "vh.tif", VALLEY_AND_HILL)
    graph = osmnx_merged([(0, 300, {}), (300, 500, {"tunnel": "yes"}), (500, 600, {})])
    net = read_network(graph)
    assert net.off_ground_kind.tolist() == [2 | 4]  # a tunnel, merged
    times = edge_times(net, dem)
    east, west = costs(net, times, 0, 600)
    pieces = ((200, -20), (100, 20), (300, 0))
    assert east == pytest.approx(walk(*pieces), rel=1e-6)
    assert west == pytest.approx(back(*pieces), rel=1e-6)
    assert east > 600 * 1.05 and west > 600 * 1.05
    assert walk_min(xy(0), xy(600), net, dem) == pytest.approx(walk(*pieces) / M_PER_MIN, rel=1e-3)
    assert walk_min(xy(600), xy(0), net, dem) == pytest.approx(back(*pieces) / M_PER_MIN, rel=1e-3)
    # a graphml file of it, as osmnx saves it, reads the same
    import osmnx as ox

    ox.save_graphml(graph, tmp_path / "walk.graphml")
    again = read_network(tmp_path / "walk.graphml")
    assert costs(again, edge_times(again, dem), 0, 600) == pytest.approx((east, west), rel=1e-6)


def test_a_bridge_and_a_tunnel_merged_in_one_edge_climb_straight_from_end_to_end(tmp_path):
    # a bridge over the valley and a tunnel through the hill, merged: neither rule holds the whole
    # edge, so it walks the straight grade from end to end (both 200 m), as before
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "vh.tif", VALLEY_AND_HILL)
    net = read_network(osmnx_merged([(0, 300, {"bridge": "viaduct"}), (300, 500, {"tunnel": "yes"}),
                                     (500, 600, {})]))
    assert net.off_ground_kind.tolist() == [1 | 2 | 4]
    east, west = costs(net, edge_times(net, dem), 0, 600)
    assert (east, west) == pytest.approx((600.0, 600.0), rel=1e-6)


# ---------------------------------------------------------------------- carried with the network

def test_the_kind_of_each_edge_survives_dropped_components_and_the_parts_of_a_dask_run(tmp_path):
    # a lone footway bridge far away (a component of its own, dropped) listed before the merged
    # tunnel street; and the edge file the coverage workers of a Dask run read by bbox
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network
    from spatial.project._split import read_edges
    from spatial.project.distributed import network_to_parquet

    dem = dem_file(tmp_path / "vh.tif", VALLEY_AND_HILL)
    lines = gpd.GeoDataFrame(
        {"highway": ["footway", "residential", "residential"], "bridge": ["yes", "", ""], "tunnel": ["", "", "yes"]},
        geometry=[shapely.LineString([(XS + 900, Y0 + 200), (XS + 950, Y0 + 200)]),
                  shapely.LineString([xy(0), xy(200), xy(300)]), shapely.LineString([xy(300), xy(600)])], crs=UTM)
    net = read_network(lines)  # keep="largest": the footway bridge is dropped
    assert net.n_edges == 2 and net.off_ground_kind.tolist() == [0, 2]
    times = edge_times(net, dem)
    # the tunnel row alone: 300 m from 200 m to 200 m under the hill, flat
    assert costs(net, times, 300, 600) == pytest.approx((300.0, 300.0), rel=1e-6)
    whole = read_network(lines, keep="all")
    assert sorted(whole.off_ground_kind.tolist()) == [0, 1, 2]
    path = network_to_parquet(whole, tmp_path / "edges.parquet")
    part = read_edges(str(path), (XS - 10, Y0 - 10, XS + 610, Y0 + 10))
    assert part.n_edges == 2 and part.off_ground_kind.tolist() == [0, 2]
    assert costs(part, edge_times(part, dem), 300, 600) == pytest.approx((300.0, 300.0), rel=1e-6)
    # a merged one in the edge file walks its valley in the part too
    merged = read_network(osmnx_merged([(0, 300, {}), (300, 500, {"tunnel": "yes"}), (500, 600, {})]))
    part = read_edges(str(network_to_parquet(merged, tmp_path / "m.parquet")), (XS - 10, Y0 - 10, XS + 610, Y0 + 10))
    pieces = ((200, -20), (100, 20), (300, 0))
    assert costs(part, edge_times(part, dem), 0, 600) == pytest.approx((walk(*pieces), back(*pieces)), rel=1e-6)


def test_a_network_built_with_off_ground_alone_keeps_the_straight_grade(tmp_path):
    # callers who mark edges off the ground without saying which (network_from_arrays(off_ground=))
    # get what they got before: the straight grade from end to end
    from spatial.network.elevation import edge_times
    from spatial.network.graph import network_from_arrays

    dem = dem_file(tmp_path / "ridge.tif", RIDGE)
    net = network_from_arrays(np.array([xy(0), xy(600)]), [0], [1], crs=UTM, off_ground=[True])
    times = edge_times(net, dem)
    assert times.forward_m[0] == pytest.approx(walk((600, 20)), rel=1e-6)
    assert times.backward_m[0] == pytest.approx(back((600, 20)), rel=1e-6)
    # a bridge (1) that is the whole edge climbs straight too, even where the DEM is above it
    whole = network_from_arrays(np.array([xy(0), xy(600)]), [0], [1], crs=UTM, off_ground=[True],
                                off_ground_kind=[1])
    assert edge_times(whole, dem).forward_m[0] == pytest.approx(walk((600, 20)), rel=1e-6)
    # merged (4) with the streets beside it, it walks the ridge they climb
    merged = network_from_arrays(np.array([xy(0), xy(600)]), [0], [1], crs=UTM, off_ground=[True],
                                 off_ground_kind=[1 | 4])
    assert edge_times(merged, dem).forward_m[0] == pytest.approx(walk((400, 40), (200, -20)), rel=1e-6)
    # the kind alone marks the edge off the ground: a merged tunnel (2 | 4) under the ridge climbs straight
    tunnel = network_from_arrays(np.array([xy(0), xy(600)]), [0], [1], crs=UTM, off_ground_kind=[2 | 4])
    assert tunnel.off_ground.tolist() == [True]
    assert edge_times(tunnel, dem).forward_m[0] == pytest.approx(walk((600, 20)), rel=1e-6)


# ------------------------------------------------------------- 0/1 columns of a GIS line layer

@pytest.mark.parametrize("dtype", ["shapefile", "Int64", "boolean"])
def test_a_0_1_bridge_column_with_empty_cells_reads_as_written(tmp_path, dtype):
    # a road layer edited in a GIS, with a 0/1 (or true/false) bridge and tunnel field and some
    # cells left empty: a shapefile reads back as floats (0.0, 1.0, NaN), a GeoDataFrame may hold
    # pandas' nullable Int64 or boolean (<NA>). Before, 0.0 was a bridge and the tunnel's 1.0 no
    # tunnel, and an empty <NA> cell a bridge: on a DEM a street with bridge=0 spanned the valley
    from spatial.network.elevation import edge_times
    from spatial.network.read import read_network

    values = {"bridge": [0, 1, None, 0], "tunnel": [0, 0, None, 1]}
    rows = [(0, 400), (400, 600), (600, 1000), (1000, 1100)]
    geometry = [shapely.LineString([xy(a), xy(b)]) for a, b in rows]
    if dtype == "shapefile":
        layer = gpd.GeoDataFrame({"highway": ["residential"] * 4, **values}, geometry=geometry, crs=UTM)
        layer.to_file(tmp_path / "roads.shp")
        source = tmp_path / "roads.shp"
        assert gpd.read_file(source)["bridge"].dtype == np.float64
    else:
        source = gpd.GeoDataFrame({"highway": ["residential"] * 4,
                                   **{k: pd.array(v, dtype=dtype if dtype == "Int64" else "boolean")
                                      for k, v in values.items()}}, geometry=geometry, crs=UTM)
    net = read_network(source)
    order = np.argsort(net.node_xy[np.minimum(net.edge_u, net.edge_v), 0] + net.node_xy[np.maximum(net.edge_u, net.edge_v), 0])
    assert net.off_ground_kind[order].tolist() == [0, 1, 0, 2]
    # the street west of the bridge (bridge=0) walks down the dip it crosses and up again, not
    # 400 m flat on an imagined deck
    dip = profile((0, 250), (200, 230), (400, 250), (600, 260))
    times = edge_times(net, dem_file(tmp_path / "dip.tif", dip))
    assert costs(net, times, 0, 400) == pytest.approx((walk((200, -20), (200, 20)),) * 2, rel=1e-6)


def test_a_street_with_bridge_0_meets_a_street_with_an_empty_bridge_cell_at_a_t_junction(tmp_path):
    # before, bridge=0.0 (a shapefile's 0 beside an empty cell) put the street on a bridge level:
    # its end on the other street was not joined, and the network fell in two
    from spatial.network.read import read_network

    layer = gpd.GeoDataFrame({"highway": ["residential", "residential"], "bridge": [None, 0]},
                             geometry=[shapely.LineString([xy(0), xy(400)]),
                                       shapely.LineString([xy(200), (XS + 200, Y0 + 200)])], crs=UTM)
    layer.to_file(tmp_path / "roads.shp")
    net = read_network(tmp_path / "roads.shp", keep="all")
    assert net.n_edges == 3 and set(net.component.tolist()) == {0}
    assert "levels" not in set(net.report["row_id"])
    assert not net.off_ground.any()


def test_a_merged_bridge_edge_beside_a_retaining_wall_climbs_straight_and_is_not_walked_flat(tmp_path):
    # the street part of a merged bridge edge runs under a retaining wall the DEM shows as a 25 m
    # step in one 10 m cell (250%): no walk climbs that, so the edge keeps the straight grade
    # between its ends (200 m to 225 m over 600 m), not flat ground and not the wall
    from spatial.network.elevation import STEEP, edge_times
    from spatial.network.read import read_network

    dem = dem_file(tmp_path / "wall.tif", profile((0, 200), (100, 200), (110, 225), (600, 225)))
    lines = gpd.GeoDataFrame({"highway": ["residential"] * 2, "bridge": ["yes", ""]},
                             geometry=[shapely.LineString([xy(0), xy(600)]), shapely.LineString([xy(600), xy(800)])],
                             crs=UTM)
    net = read_network(lines)
    times = edge_times(net, dem)
    assert costs(net, times, 0, 600) == pytest.approx((walk((600, 25)), back((600, 25))), rel=1e-6)
    assert times.has_elevation.all() and STEEP not in set(times.report["problem"])
    assert "the ground rises above" not in times.report.iloc[0]["problem"]
    # without the bridge tag the wall is no walk: walked flat and said so
    plain = edge_times(read_network(lines.drop(columns="bridge")), dem)
    assert plain.report["problem"].tolist()[1:] == [STEEP]
