"""What an outside tester found reading walking networks and measuring walks, pinned as
specifications: each test builds a tiny input whose answer is known by hand."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from spatial.core.errors import NetworkError
from spatial.network.read import read_network

UTM = "EPSG:32650"


# ------------------------------------------------- 1: osmnx's GeoPackage writes merged tags as "['a', 'b']"


def _osmnx_graph() -> nx.MultiDiGraph:
    """Three edges in a row west to east, 100 m each; the middle one is an osmnx edge merged from a
    primary road and a trunk road, the last one from a footway and steps."""
    g = nx.MultiDiGraph(crs=UTM)
    for i in range(4):
        g.add_node(i, x=500000.0 + 100 * i, y=2500000.0)
    g.add_edge(0, 1, osmid=1, highway="footway", name="东路", length=100.0)
    g.add_edge(1, 2, osmid=[2, 3], highway=["primary", "trunk"], name=["深南大道", "红荔西路"], length=100.0)
    g.add_edge(2, 3, osmid=[4, 5], highway=["steps", "footway"], length=100.0)
    return g


def test_osmnx_geopackage_lists_are_read_as_the_tags_they_hold(tmp_path):
    """``osmnx.save_graph_geopackage`` writes a merged edge's tags as the text of a Python list,
    ``"['primary', 'trunk']"``. Read back, that edge was walkable (its trunk part unseen): 1 km of
    Futian's trunk roads stayed in the walking network read from osmnx's GeoPackage, dropped from
    the same graph read as .graphml. A list is its parts, as in a graph: the edge is dropped."""
    import osmnx as ox

    ox.save_graph_geopackage(_osmnx_graph(), tmp_path / "g.gpkg")
    edges = gpd.read_file(tmp_path / "g.gpkg", layer="edges")
    assert (edges["highway"] == "['primary', 'trunk']").any()  # what osmnx writes
    net = read_network(edges)
    from_graph = read_network(_osmnx_graph())
    assert net.length_m.sum() == pytest.approx(from_graph.length_m.sum()) == pytest.approx(100.0)
    dropped = net.report.loc[net.report["row_id"] == "highway=trunk", "problem"]
    assert len(dropped) == 1 and dropped.iloc[0].startswith("highway=trunk: 1 rows, 0.100 km")


# ------------------------------------------------- 2: a graph read by networkx.read_graphml (geometry as WKT)


def test_graph_read_by_networkx_with_wkt_geometry_and_text_tags(tmp_path):
    """``networkx.read_graphml`` of an osmnx file leaves every attribute as text: the edge
    geometry as WKT, merged tags as ``"['primary', 'trunk']"``. read_network(graph) stopped with
    ``AttributeError: 'str' object has no attribute 'is_empty'``; now the WKT is the edge's line
    (a bent footway of 300 m between nodes 100 m apart) and the merged trunk edge is dropped."""
    import osmnx as ox

    g = _osmnx_graph()
    g.edges[0, 1, 0]["geometry"] = LineString([(500000, 2500000), (500000, 2500100), (500100, 2500100),
                                               (500100, 2500000)])
    ox.save_graphml(g, tmp_path / "g.graphml")
    text = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert isinstance(next(iter(text.edges(data=True)))[2]["geometry"], str)
    net = read_network(text)
    assert net.length_m.sum() == pytest.approx(300.0)
    assert (net.report["row_id"] == "highway=trunk").sum() == 1


def test_graph_with_geometry_that_is_not_a_line_is_refused_naming_the_edge():
    g = _osmnx_graph()
    g.edges[0, 1, 0]["geometry"] = "POINT (500000 2500000)"
    with pytest.raises(NetworkError, match=r"edge 0-1: its geometry .* is not a line"):
        read_network(g)
    g.edges[0, 1, 0]["geometry"] = "LINESTRING (5000"
    with pytest.raises(NetworkError, match=r"edge 0-1: its geometry .* is not a line"):
        read_network(g)


# ------------------------------------------------- 3: coordinates that are not numbers


def _nan_line() -> LineString:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # shapely warns of the NaN it is asked for
        return LineString([(400, 0), (np.nan, 400)])


def test_line_with_a_nan_coordinate_is_refused_naming_the_row():
    """A road line with a NaN vertex (a failed reprojection, a broken export) was read as an
    edge of length NaN; walking_coverage then stopped with ``ValueError: cannot convert float NaN
    to integer`` (the CLI: 'internal error'). Now read_network refuses it naming the row."""
    roads = gpd.GeoDataFrame({"highway": ["footway"] * 2},
                             geometry=[LineString([(0, 0), (400, 0)]), _nan_line()],
                             index=[7, 8], crs=UTM)
    with pytest.raises(NetworkError, match=r"row 8 .*not a finite number"):
        read_network(roads)


def test_graph_node_with_a_nan_coordinate_is_refused_naming_the_node():
    g = _osmnx_graph()
    g.nodes[3]["x"] = float("nan")
    with pytest.raises(NetworkError, match=r"node 3 .*not a finite number"):
        read_network(g)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # shapely, reading the NaN
def test_cli_network_with_a_nan_coordinate_exits_2_naming_the_file(tmp_path, capsys):
    from spatial.cli import main

    roads = gpd.GeoDataFrame({"highway": ["footway"] * 2},
                             geometry=[LineString([(0, 0), (400, 0)]), _nan_line()], crs=UTM)
    roads.to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 0)], crs=UTM).to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame({"households": [5]}, geometry=[Point(300, 5)], crs=UTM).to_file(tmp_path / "h.gpkg")
    out = tmp_path / "c.gpkg"
    code = main(["-q", "coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "s.gpkg"), str(tmp_path / "h.gpkg"),
                 "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert len(err.splitlines()) == 1 and "roads.gpkg" in err and "row 1" in err and "not a finite number" in err
