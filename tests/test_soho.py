"""Specification of a road line layer drawn in a GIS, on real data: John Snow's Soho (1854).

libpysal ships the streets of Soho, the 13 water pumps and the 324 addresses of the cholera
deaths (``examples/snow_maps``: Robin Wilson's digitisation of Snow's map, in Web Mercator).
As in most street layers drawn in a GIS, a side street often ends on the middle of another
street's segment, with no vertex there: joined by shared vertices alone, the streets fall into
78 pieces and the largest holds 8.5 of the 13.9 km. The walks here are checked against a
reference written below from the raw shapefile with shapely's substrings and networkx.
"""

from __future__ import annotations

import importlib.util
import itertools
import os

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.ops import substring

from spatial import walking_coverage
from spatial.network.read import read_network
from spatial.siting.sites import site_stations

UTM30 = "EPSG:32630"  # London's UTM zone: ground metres (Web Mercator is 1.6 times too long here)


@pytest.fixture(scope="module")
def soho():
    spec = importlib.util.find_spec("libpysal")  # located, not imported (importing it takes seconds)
    if spec is None:
        pytest.skip("libpysal (test extra) is not installed")
    d = os.path.join(os.path.dirname(spec.origin), "examples", "snow_maps")
    streets = gpd.read_file(os.path.join(d, "Soho_Network.shp"))
    deaths = gpd.read_file(os.path.join(d, "SohoPeople.shp"))
    deaths = gpd.GeoDataFrame({"address": [f"D{i:03d}" for i in range(len(deaths))], "households": deaths["Count"]},
                              geometry=deaths.geometry, crs=deaths.crs)
    pumps = gpd.read_file(os.path.join(d, "SohoWater.shp"))
    pumps = gpd.GeoDataFrame({"station_id": [f"P{i:02d}" for i in range(len(pumps))]}, geometry=pumps.geometry,
                             crs=pumps.crs)
    return streets, deaths, pumps


def reference_network(streets, tol=0.1):
    """Every street cut where another street's end or vertex lies on it and at its own vertices
    lying on another; pieces joined at their exact end points (keys to 0.1 m). Returns the graph,
    the pieces and ``attach(point) -> (leg, piece, offset, [(end node, metres to it)] * 2)``."""
    lines = list(streets.to_crs(UTM30).geometry)
    pieces = []
    for i, ln in enumerate(lines):
        own = shapely.MultiPoint([ln.coords[0], ln.coords[-1]])
        # where another street's end or vertex lies on this one, and where this one's vertex lies on another
        cut = [shapely.Point(c) for j, o in enumerate(lines) if j != i for c in o.coords
               if ln.distance(shapely.Point(c)) < tol and own.distance(shapely.Point(c)) > tol]
        cut += [shapely.Point(c) for c in ln.coords[1:-1]
                if any(o.distance(shapely.Point(c)) < tol for j, o in enumerate(lines) if j != i)]
        at = {ln.project(p): p.coords[0] for p in cut}
        cuts = sorted({0.0, ln.length, *at})
        for a, b in zip(cuts[:-1], cuts[1:]):
            if b - a > 1e-6:
                c = list(substring(ln, a, b).coords)
                c[0], c[-1] = at.get(a, c[0]), at.get(b, c[-1])
                pieces.append(shapely.LineString(c))
    key = lambda c: (round(c[0], 1), round(c[1], 1))  # noqa: E731
    g = nx.Graph()
    for pc in pieces:
        a, b = key(pc.coords[0]), key(pc.coords[-1])
        if a != b and (not g.has_edge(a, b) or g[a][b]["w"] > pc.length):
            g.add_edge(a, b, w=pc.length)
    tree = shapely.STRtree(pieces)

    def attach(pt):
        k = int(tree.query_nearest(pt)[0])
        d = pieces[k].project(pt)
        return pt.distance(pieces[k]), k, d, [(key(pieces[k].coords[0]), d), (key(pieces[k].coords[-1]), pieces[k].length - d)]

    return g, pieces, attach


def walks_from(g, attach, pt, homes) -> np.ndarray:
    """Walk (m) from the point ``pt`` to each attached home: legs plus the network between."""
    leg, k, d, ends = attach(pt)
    far: dict = {}
    for node, off in ends:
        for other, dist in nx.single_source_dijkstra_path_length(g, node, weight="w").items():
            far[other] = min(far.get(other, np.inf), dist + off)
    out = np.empty(len(homes))
    for i, (hleg, hk, hd, hends) in enumerate(homes):
        w = min(far.get(node, np.inf) + off for node, off in hends)
        out[i] = (min(w, abs(hd - d)) if hk == k else w) + leg + hleg
    return out


def reference_walks(streets, deaths, pumps):
    """Nearest pump and walk (m) of each address, the number of pieces the network is in and its length."""
    g, pieces, attach = reference_network(streets)
    homes = [attach(p) for p in deaths.to_crs(UTM30).geometry]
    walks = np.array([walks_from(g, attach, pt, homes) for pt in pumps.to_crs(UTM30).geometry])
    best = walks.argmin(axis=0)
    return walks.min(axis=0), pumps["station_id"].to_numpy()[best], nx.number_connected_components(g), \
        sum(pc.length for pc in pieces)


def test_side_streets_ending_on_a_segment_are_joined(soho):
    streets, _, _ = soho
    net = read_network(streets)
    assert net.length_m.sum() == pytest.approx(13_900, abs=10)  # all of it, none dropped
    report = net.report.set_index("row_id")
    assert not report.index.str.startswith("component").any()
    assert report.loc["t-junctions", "problem"] == "112 line ends or vertices lay on another line between its vertices"
    assert "crossings" not in report.index  # every crossing of two streets has a vertex of one on the other


def test_walks_to_the_pumps_match_a_reference_from_the_raw_shapefile(soho):
    streets, deaths, pumps = soho
    walk_m, pump, n_pieces, length = reference_walks(streets, deaths, pumps)
    assert n_pieces == 1 and length == pytest.approx(13_900, abs=10)
    got = walking_coverage(deaths, pumps, read_network(streets), meters=[100, 200, 300, 500])
    np.testing.assert_allclose(got["walk_m"].to_numpy(), walk_m, atol=0.01)
    assert (got["nearest_station"].to_numpy() == pump).all()
    # one pump is nearest by walking for most deaths, as Snow found of the Broad Street pump
    by_pump = deaths.groupby(pump)["households"].sum()
    assert by_pump.idxmax() == "P08" and by_pump["P08"] == 274 and deaths["households"].sum() == 392


def test_a_t_junction_is_joined_and_a_crossing_with_no_vertex_is_left_as_a_bridge():
    """A side street ends on the middle of a main street's segment: one network. A footbridge
    crosses the main street with no vertex of either there: left apart, and said so."""
    main = shapely.LineString([(0, 0), (1000, 0)])
    side = shapely.LineString([(500, 0), (500, 300)])  # ends on the main street, no vertex there
    bridge = shapely.LineString([(300, -200), (300, 200)])  # crosses it, no vertex of either
    lane = shapely.LineString([(300, 200), (500, 200)])  # from the bridge, ends on the side street
    roads = gpd.GeoDataFrame(geometry=[main, side, bridge, lane], crs=UTM30)
    net = read_network(roads)
    assert net.n_nodes == 7 and net.length_m.sum() == pytest.approx(1_900)
    report = net.report.set_index("row_id")
    assert report.loc["t-junctions", "problem"] == "2 line ends or vertices lay on another line between its vertices"
    assert report.loc["crossings", "problem"] == "1 place where two lines cross with no vertex of either there"
    home = gpd.GeoDataFrame({"unit_id": ["h"], "households": [1]}, geometry=[shapely.Point(300, -190)], crs=UTM30)
    station = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[shapely.Point(350, 10)], crs=UTM30)
    walk = walking_coverage(home, station, net, meters=[2000])["walk_m"].iloc[0]
    # 240 m if the bridge met the street; over it, along the lane, down the side street and back
    assert walk == pytest.approx(390 + 200 + 200 + 150 + 10, abs=0.5)


def test_two_new_pumps_cover_what_the_best_pair_of_street_corners_covers(soho):
    """Siting on real streets: with the Broad Street pump alone, two new sites within 200 m
    (3 minutes at 4 km/h) should cover as many deaths' households as the best pair of all the
    network's nodes, found here by trying every pair."""
    streets, deaths, pumps = soho
    broad = pumps[pumps["station_id"] == "P08"]
    g, _, attach = reference_network(streets)
    homes = [attach(p) for p in deaths.to_crs(UTM30).geometry]
    hh = deaths["households"].to_numpy()
    covered = walks_from(g, attach, broad.to_crs(UTM30).geometry.iloc[0], homes) <= 200
    reach = np.array([walks_from(g, attach, shapely.Point(n), homes) <= 200 for n in g.nodes]) & ~covered
    gain = (reach.astype(float) * hh) @ np.ones(len(hh))
    best = max(hh[reach[a] | reach[b]].sum() for a, b in itertools.combinations(np.flatnonzero(gain > 0), 2))
    res = site_stations(deaths, broad, read_network(streets), k=2, minutes=[3], band="3min")
    assert res.sites["gain_households"].sum() == best == 110
    assert res.sites["cum_coverage_pct"].iloc[-1] == pytest.approx(100 * (hh[covered].sum() + best) / hh.sum())


def test_a_street_layer_that_is_not_openstreetmap_is_not_credited_to_it(soho, tmp_path):
    """Snow's streets were digitised from his map, not taken from OpenStreetMap: maps of them
    credit no one; the same lines carrying OSM ids (as a GIS export of OSM does) are credited."""
    from spatial.maps.interactive import grid_map, save_map
    from spatial.network.graph import edges_frame

    streets, _, _ = soho
    net = read_network(streets)
    assert not net.from_osm and edges_frame(net).attrs["from_osm"] is False
    hull = gpd.GeoDataFrame({"grid_id": ["G1"], "households": [392]},
                            geometry=[shapely.convex_hull(shapely.union_all(streets.geometry.values))], crs=streets.crs)
    page = save_map(grid_map(hull, network_edges=edges_frame(net)), tmp_path / "a.html").read_text(encoding="utf-8")
    assert "OpenStreetMap" not in page
    osm = read_network(streets.assign(osm_id=range(len(streets))))
    assert osm.from_osm
    page = save_map(grid_map(hull, network_edges=edges_frame(osm)), tmp_path / "b.html").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in page
