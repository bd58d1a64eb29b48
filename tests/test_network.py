"""Specification of spatial.network.read and graph: reading every source into a metric, undirected WalkNetwork."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from spatial import CRSError, InputFileError, NetworkError
from spatial.network.graph import (
    DEFAULT_EXCLUDED_HIGHWAYS,
    WalkNetwork,
    edges_frame,
    keep_components,
    network_from_arrays,
)
from spatial.network.read import network_from_place, read_network

METRIC = "EPSG:32650"


def lines(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=METRIC)


def test_line_layer_is_split_at_shared_vertices_and_endpoints():
    # a 200 m street with a side street joining at its middle vertex (a T), plus a detached line
    roads = lines(
        [LineString([(0, 0), (100, 0), (200, 0)]), LineString([(100, 0), (100, 50)]),
         LineString([(1000, 1000), (1010, 1000)])],
        highway=["residential", "footway", "service"],
    )
    net = read_network(roads, keep="all", crs=METRIC)
    assert isinstance(net, WalkNetwork)
    assert net.n_edges == 4 and net.n_nodes == 6
    assert sorted(np.round(net.length_m, 6)) == [10, 50, 100, 100]
    # geometry runs from u to v
    starts = shapely.get_coordinates(shapely.get_point(net.geometry, 0))
    ends = shapely.get_coordinates(shapely.get_point(net.geometry, -1))
    np.testing.assert_allclose(starts, net.node_xy[net.edge_u])
    np.testing.assert_allclose(ends, net.node_xy[net.edge_v])
    # the graph is symmetric, weights are lengths, and components are numbered by size
    g = net.graph
    assert (g != g.T).nnz == 0
    assert sorted(np.bincount(net.component).tolist()) == [2, 4]
    assert net.component[net.edge_u[np.argmin(net.length_m)]] == 1


def test_vertices_within_a_tenth_of_a_metre_join():
    roads = lines([LineString([(0, 0), (100, 0)]), LineString([(100.03, 0.02), (100, 80)])])
    net = read_network(roads, crs=METRIC)
    assert net.n_nodes == 3 and net.n_edges == 2


def test_largest_component_kept_and_the_rest_reported():
    roads = lines([LineString([(0, 0), (300, 0)]), LineString([(300, 0), (300, 300)]),
                   LineString([(5000, 0), (5050, 0)])])
    net = read_network(roads, crs=METRIC)
    assert net.n_edges == 2 and set(net.component) == {0}
    assert len(net.dropped_geometry) == 1
    row = net.report[net.report.problem.str.contains("disconnected")]
    assert len(row) == 1 and "keep='largest'" in row.action.iloc[0]


def test_motorways_dropped_and_configurable():
    roads = lines([LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)])],
                  highway=["footway", "motorway"])
    net = read_network(roads, crs=METRIC, keep="all")
    assert net.n_edges == 1 and list(net.highway) == ["footway"]
    assert net.report.problem.str.contains("highway=motorway").sum() == 1
    assert "motorway" in DEFAULT_EXCLUDED_HIGHWAYS
    assert read_network(roads, crs=METRIC, exclude_highways=()).n_edges == 2


def test_barrier_cuts_the_edges_it_crosses():
    roads = lines([LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)])])
    river = lines([LineString([(150, -50), (150, 50)])])
    net = read_network(roads, crs=METRIC, barriers=river)
    assert net.n_edges == 1 and net.length_m[0] == pytest.approx(100)
    assert net.report.problem.str.contains("barrier").sum() == 1


def test_keep_stations_keeps_every_component_holding_a_station():
    roads = lines([LineString([(0, 0), (300, 0)]), LineString([(300, 0), (300, 300)]),
                   LineString([(5000, 0), (5050, 0)]), LineString([(9000, 0), (9050, 0)])])
    stations = gpd.GeoDataFrame({"station_id": ["a", "b"]}, geometry=shapely.points([(5020, 5), (100, 3)]),
                                crs=METRIC)
    net = read_network(roads, crs=METRIC, keep="stations", stations=stations)
    assert net.n_edges == 3
    assert set(net.component) == {0, 1}
    assert len(net.dropped_geometry) == 1
    with pytest.raises(ValueError, match="needs the station points"):
        read_network(roads, crs=METRIC, keep="stations")


def test_futian_graphml(futian_graphml):
    net = read_network(futian_graphml)
    assert net.crs.is_projected and net.crs.to_epsg() == 32650
    assert 1500 < net.n_nodes <= 1751
    assert not set(DEFAULT_EXCLUDED_HIGHWAYS) & set(";".join(net.highway).split(";"))
    assert (net.component == 0).all()
    # every edge is listed once although the graphml holds both directions: no two edges are the
    # same line, whichever way they run
    lines_ = {shapely.normalize(g).wkb for g in shapely.set_precision(net.geometry, 0.01)}
    assert len(lines_) == net.n_edges
    # ... but the two sides of a 98 m service loop (same ends, same length, different lines) stay
    ids = {10822466011, 10822466013}
    loop = np.flatnonzero([{a, b} == ids for a, b in zip(net.node_id[net.edge_u], net.node_id[net.edge_v])])
    assert len(loop) == 2 and net.length_m[loop] == pytest.approx([98.1, 98.1], abs=0.05)
    assert shapely.hausdorff_distance(*net.geometry[loop]) > 40
    frame = edges_frame(net)
    assert list(frame.columns[:5]) == ["u", "v", "length_m", "highway", "name"]
    assert frame.crs == net.crs and len(frame) == net.n_edges


def test_osm_xml_and_pbf_agree(huangpu_osm, tmp_path):
    import osmium

    pbf = tmp_path / "huangpu.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    for obj in osmium.FileProcessor(str(huangpu_osm)):
        writer.add(obj)
    writer.close()
    xml = read_network(huangpu_osm, exclude_highways=(), keep="all")
    fromp = read_network(pbf, exclude_highways=(), keep="all")
    assert xml.crs == fromp.crs and xml.crs.to_epsg() == 32651
    # the same streets: their union has the same length and covers the same ground
    ux, up = shapely.union_all(xml.geometry), shapely.union_all(fromp.geometry)
    assert ux.length == pytest.approx(up.length, abs=1.0)
    assert ux.difference(up.buffer(0.5)).length < 1.0
    default = read_network(huangpu_osm)
    assert default.report.problem.str.contains("highway=trunk").any()


def test_hand_made_pbf(tmp_path):
    import osmium

    path = tmp_path / "tiny.osm.pbf"
    w = osmium.SimpleWriter(str(path))
    for i, lon in enumerate([121.0, 121.001, 121.002], start=1):
        w.add_node(osmium.osm.mutable.Node(id=i, location=(lon, 31.0)))
    w.add_node(osmium.osm.mutable.Node(id=4, location=(121.001, 31.001)))
    w.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2, 3], tags={"highway": "footway", "name": "甲路"}))
    w.add_way(osmium.osm.mutable.Way(id=11, nodes=[2, 4], tags={"highway": "residential"}))
    w.add_way(osmium.osm.mutable.Way(id=12, nodes=[1, 4], tags={"building": "yes"}))
    w.close()
    net = read_network(path)
    assert net.n_edges == 3 and sorted(net.node_id.tolist()) == [1, 2, 3, 4]
    assert sorted(net.name.tolist()) == ["", "甲路", "甲路"]
    # 0.001 degree of longitude at 31°N is about 95 m
    assert net.length_m[net.highway == "footway"] == pytest.approx([95.4, 95.4], abs=0.5)


def test_networkx_graph_needs_a_crs():
    g = nx.Graph()
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=100.0, y=0.0)
    g.add_edge(1, 2, highway="footway")
    with pytest.raises(CRSError, match="graph.graph\\['crs'\\]"):
        read_network(g)
    g.graph["crs"] = METRIC
    net = read_network(g)
    assert net.n_edges == 1 and net.length_m[0] == pytest.approx(100)


def test_bad_sources(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        read_network(tmp_path / "missing.graphml")
    odd = tmp_path / "roads.txt"
    odd.write_text("x")
    with pytest.raises(InputFileError, match="unknown kind"):
        read_network(odd)
    no_crs = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])])
    with pytest.raises(CRSError, match="set_crs"):
        read_network(no_crs)
    with pytest.raises(NetworkError, match="LineStrings"):
        read_network(gpd.GeoDataFrame(geometry=shapely.points([(0, 0)]), crs=METRIC))
    with pytest.raises(NetworkError, match="no walkable edges"):
        read_network(lines([LineString([(0, 0), (1, 0)])], highway=["motorway"]))


def test_line_layer_file_roundtrip(tmp_path):
    path = tmp_path / "roads.gpkg"
    lines([LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 100)])], highway=["a", "b"]).to_file(path)
    net = read_network(path)
    assert net.n_edges == 2 and net.length_m.sum() == pytest.approx(200)


def test_network_from_place_is_offline_unless_asked():
    with pytest.raises(NetworkError, match="download=True"):
        network_from_place("福田区, 深圳市")


def test_network_from_arrays_and_keep_components():
    xy = np.array([[0, 0], [10, 0], [20, 0], [100, 100], [110, 100]], float)
    net = network_from_arrays(xy, [0, 1, 3], [1, 2, 4], crs=METRIC)
    assert net.component.tolist() == [0, 0, 0, 1, 1]
    kept = keep_components(net, [1])
    assert kept.n_nodes == 2 and kept.n_edges == 1 and kept.component.tolist() == [0, 0]
    assert len(kept.dropped_geometry) == 2 and len(kept.report) == 1


def test_parallel_edges_merge_only_when_they_are_the_same_line():
    # two halves of a block between opposite corners, both 200 m, and the first again, reversed
    north = LineString([(0, 0), (0, 100), (100, 100)])
    east = LineString([(0, 0), (100, 0), (100, 100)])
    net = read_network(lines([north, east, north.reverse()], name=["north", "east", "north again"]),
                       crs=METRIC, keep="all")
    # (north is split at its corner, a vertex it shares with its twin: two pieces of 100 m)
    assert net.n_edges == 3 and sorted(net.name.tolist()) == ["east", "north", "north"]
    assert sorted(net.length_m.tolist()) == [100, 100, 200]
    # a home on the middle of the east side walks 100 m to either corner
    from spatial.network.snapping import snap_points

    snap = snap_points(net, np.array([[100.0, 50.0]]), max_snap_m=10)
    assert net.name[snap.edge[0]] == "east"
