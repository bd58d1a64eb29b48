"""Walks read from raw OSM files, checked against hand-measured answers (outside review, Dec 2026).

Each file is written here by hand, node by node, so the walk is known before the package reads it:
lengths are measured on the WGS 84 ellipsoid with pyproj's ``Geod`` and summed along the path
drawn, not with the package's network objects.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
from shapely.geometry import Point

import spatial
from spatial.core.errors import NetworkError

LON0, LAT0 = 121.47, 31.23  # 黄浦区
GEOD = pyproj.Geod(ellps="WGS84")


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """Degrees of a point ``x_m`` east and ``y_m`` north of (LON0, LAT0) (near enough: the tests
    measure their answers from these degrees, not from the metres)."""
    return LON0 + x_m / (111320.0 * math.cos(math.radians(LAT0))), LAT0 + y_m / 110900.0


def geod_m(*xy: tuple[float, float]) -> float:
    """Length on the ellipsoid of the line through the points ``xy`` (local metres)."""
    pts = [lonlat(*p) for p in xy]
    return float(GEOD.line_length([p[0] for p in pts], [p[1] for p in pts]))


def write_osm(path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]]) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="hand">']
    for nid, (x, y) in nodes.items():
        lon, lat = lonlat(x, y)
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.9f}" lon="{lon:.9f}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


def points(*xy: tuple[float, float], **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(*lonlat(*p)) for p in xy], crs=4326)


# --------------------------------------------------------------------------- a platform between tracks
#
#   y=80  n5 ============ street B (residential) ==== n6 ------ n9
#   y=60  ------------ railway=rail (ground level) ----        |  footway round
#   y=40                 * n3: top of the stairs (platform)   |  the tracks' end
#                        |  footway, tunnel=yes, layer=-1     |  (x=300)
#   y=20  ------------ railway=rail (ground level) ----        |
#   y=0   n1 ========== n4 ================ n2 ---------------- n8   street A
#   station at (0, -10), 10 m south of n1

PLATFORM = {
    1: (0, 0), 4: (100, 0), 2: (200, 0), 3: (100, 40),
    5: (0, 80), 6: (200, 80), 8: (300, 0), 9: (300, 80),
    11: (-50, 20), 12: (250, 20), 13: (-50, 60), 14: (250, 60),
}
PLATFORM_WAYS = [
    (101, [1, 4, 2], {"highway": "residential", "name": "A路"}),
    (102, [5, 6], {"highway": "residential", "name": "B路"}),
    (103, [3, 4], {"highway": "footway", "tunnel": "yes", "layer": "-1"}),
    (104, [2, 8, 9, 6], {"highway": "footway"}),  # round the tracks' end: the network is one piece
    (201, [11, 12], {"railway": "rail"}),
    (202, [13, 14], {"railway": "rail"}),
]


@pytest.fixture(scope="module")
def platform_osm(tmp_path_factory):
    return write_osm(tmp_path_factory.mktemp("raw") / "platform.osm", PLATFORM, PLATFORM_WAYS)


@pytest.fixture(scope="module")
def platform_net(platform_osm):
    return spatial.read_network(platform_osm)


def test_home_at_the_stairs_between_tracks_walks_down_the_underpass(platform_net):
    # Every street within 100 m lies across a track (no leg crosses ground-level rails), but the
    # underpass starts where the home stands: it walks down it. Until December 2026 the tunnel was
    # never tried for a point whose streets were all across a barrier: "unreachable, cut off by a
    # barrier", 0 m from a walkway (Helsinki's central station, node 175856869, platforms 5/6).
    homes = points((100, 40), home_id=["H"])
    stations = points((0, -10), station_id=["S"])
    cov = spatial.walking_coverage(homes, stations, platform_net, max_off_network_m=None)
    want = geod_m((0, -10), (0, 0)) + geod_m((0, 0), (100, 0)) + geod_m((100, 0), (100, 40))
    assert cov["access"].iloc[0] == "network"
    assert cov["walk_m"].iloc[0] == pytest.approx(want, abs=0.3)


def test_station_at_the_stairs_between_tracks_serves_the_street(platform_net):
    # The same place as a station: until December 2026 "no station lies within 100 m of the
    # walking network (the nearest is 0 m away)".
    homes = points((0, -10), (200, 90), home_id=["H1", "H2"])
    stations = points((100, 40), station_id=["S"])
    cov = spatial.walking_coverage(homes, stations, platform_net, max_off_network_m=None)
    tunnel = geod_m((100, 0), (100, 40))
    want = [geod_m((0, -10), (0, 0)) + geod_m((0, 0), (100, 0)) + tunnel,
            tunnel + geod_m((100, 0), (200, 0), (300, 0), (300, 80), (200, 80)) + geod_m((200, 80), (200, 90))]
    np.testing.assert_allclose(cov["walk_m"].to_numpy(), want, atol=0.3)
    assert (cov["nearest_station"] == "S").all()


def test_home_beside_the_tracks_still_walks_round_not_under(platform_net):
    # The rule is a last resort: a home with a street on its own side of the tracks takes it,
    # however near the underpass is.
    homes = points((120, 10), home_id=["H"])
    stations = points((0, -10), station_id=["S"])
    cov = spatial.walking_coverage(homes, stations, platform_net, max_off_network_m=None)
    want = geod_m((0, -10), (0, 0)) + geod_m((0, 0), (120, 0)) + geod_m((120, 0), (120, 10))
    assert cov["walk_m"].iloc[0] == pytest.approx(want, abs=0.3)


def test_stations_all_across_the_tracks_are_said_so(tmp_path):
    # The platform with no underpass: the station's streets are 40 m away, both across a track
    # (the footway round the tracks' end is 200 m away, beyond max_snap_m). Until December 2026
    # the error said "no station lies within 100 m of the walking network (the
    # nearest is 40 m away); check that stations and network cover the same area (and CRS)".
    path = write_osm(tmp_path / "island.osm", PLATFORM, [w for w in PLATFORM_WAYS if w[0] != 103])
    net = spatial.read_network(path)
    homes = points((0, -10), home_id=["H"])
    stations = points((100, 40), station_id=["S"])
    with pytest.raises(NetworkError, match=r"every station is cut off .* by a barrier.*rail_barriers=False"):
        spatial.walking_coverage(homes, stations, net, max_off_network_m=None)
    # and the tracks let go, it walks straight to the nearer street (40 m) and along it
    net = spatial.read_network(path, rail_barriers=False)
    cov = spatial.walking_coverage(homes, stations, net, max_off_network_m=None)
    want = geod_m((0, -10), (0, 0)) + geod_m((0, 0), (100, 0)) + geod_m((100, 0), (100, 40))
    assert cov["walk_m"].iloc[0] == pytest.approx(want, abs=0.3)


def test_raw_file_edges_are_the_documented_walking_filter(tmp_path):
    # One street crossed by ways of each documented choice; the edges kept, by node pair, and
    # their lengths are known from the drawing (docs/networks.md, "The walking filter").
    nodes = {1: (0, 0), 2: (100, 0), 3: (200, 0), 4: (100, 50), 5: (100, -50), 6: (200, 50),
             7: (200, -50), 8: (0, 50), 9: (0, -50)}  # node 99 is missing: the extract clipped it
    ways = [
        (1, [1, 2, 3], {"highway": "residential"}),
        (2, [2, 4], {"highway": "cycleway"}),  # kept: shared with pedestrians in China
        (3, [2, 5], {"highway": "service", "access": "private", "foot": "yes"}),  # foot=yes wins
        (4, [3, 6], {"highway": "primary", "sidewalk": "separate"}),  # its sidewalks are ways
        (5, [3, 7], {"highway": "footway", "access": "no"}),
        (6, [1, 8, 99, 4], {"highway": "footway"}),  # cut at the missing node: 1-8 only
        (7, [1, 9], {"highway": "trunk"}),
        (8, [9, 5], {"highway": "footway", "area": "yes"}),
    ]
    net = spatial.read_network(write_osm(tmp_path / "filter.osm", nodes, ways), keep="all")
    edges = spatial.edges_frame(net)
    got = {tuple(sorted(p)): length for p, length in zip(zip(edges["u"], edges["v"]), edges["length_m"])}
    want = {(1, 2): geod_m((0, 0), (100, 0)), (2, 3): geod_m((100, 0), (200, 0)),
            (2, 4): geod_m((100, 0), (100, 50)), (2, 5): geod_m((100, 0), (100, -50)),
            (1, 8): geod_m((0, 0), (0, 50))}
    assert sorted(got) == sorted(want)
    for pair, length in want.items():  # UTM against the ellipsoid: within 0.05%
        assert got[pair] == pytest.approx(length, rel=5e-4)
