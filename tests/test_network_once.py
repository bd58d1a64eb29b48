"""A network file read once serves both the walks and the roads grids follow.

``read_network_and_roads`` gives, value for value, what ``read_network`` and ``read_roads`` give
from two reads (every kind of file: OSM XML, osmnx GraphML, a line layer), and ``spatial run``
without a ``roads`` input parses its network file once.

The scene: a 3 x 3 lattice of 100 m streets, the middle column a trunk road (not walked, a grid
border), the rest residential; the lattice's 12 segments, 3 of them trunk.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

import spatial.network._parse as parse_mod
import spatial.network.read as read_mod
from spatial import run_project
from spatial.network.graph import edges_frame
from spatial.network.read import read_network
from spatial.network.roads import read_network_and_roads, read_roads

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_490_000.0


def _segments() -> list[tuple[str, str, list]]:
    """The 12 segments of the lattice (nodes at 0, 100, 200 m): (highway, name, coords in UTM)."""
    out = []
    for j in range(3):  # east-west
        for i in range(2):
            out.append(("residential", f"横{j}路", [(X0 + 100 * i, Y0 + 100 * j), (X0 + 100 * (i + 1), Y0 + 100 * j)]))
    for i in range(3):  # north-south: the middle one the trunk road
        hw, name = ("trunk", "中轴大道") if i == 1 else ("residential", f"纵{i}路")
        for j in range(2):
            out.append((hw, name, [(X0 + 100 * i, Y0 + 100 * j), (X0 + 100 * i, Y0 + 100 * (j + 1))]))
    return out


def _lines() -> gpd.GeoDataFrame:
    seg = _segments()
    return gpd.GeoDataFrame({"highway": [h for h, _, _ in seg], "name": [n for _, n, _ in seg]},
                            geometry=[LineString(c) for _, _, c in seg], crs=UTM)


def _osm_file(path: Path) -> Path:
    ll = _lines().to_crs(4326)
    ids: dict = {}
    ways = []
    for k, (hw, name, geom) in enumerate(zip(ll["highway"], ll["name"], ll.geometry), start=1):
        refs = [ids.setdefault((round(x, 7), round(y, 7)), len(ids) + 1) for x, y in geom.coords]
        ways.append(f'<way id="{k}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                    + f'<tag k="highway" v="{hw}"/><tag k="name" v="{name}"/></way>')
    nodes = [f'<node id="{i}" lat="{y}" lon="{x}"/>' for (x, y), i in ids.items()]
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">' + "".join(nodes + ways) + "</osm>",
                    encoding="utf-8")
    return path


def _graphml_file(path: Path) -> Path:
    """The lattice as an osmnx graph (both directions of each street), saved by osmnx."""
    import osmnx as ox

    ll = _lines().to_crs(4326)
    g = nx.MultiDiGraph(crs="EPSG:4326")
    key = {}
    for k, (hw, name, geom) in enumerate(zip(ll["highway"], ll["name"], ll.geometry)):
        a, b = (key.setdefault((round(x, 7), round(y, 7)), len(key)) for x, y in geom.coords)
        for n, (x, y) in ((a, geom.coords[0]), (b, geom.coords[-1])):
            g.add_node(n, x=x, y=y)
        for u, v in ((a, b), (b, a)):
            g.add_edge(u, v, osmid=k, highway=hw, name=name, length=100.0, oneway=False, reversed=u != a)
    ox.save_graphml(g, path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, tuple[Path, str | None]]:
    d = tmp_path_factory.mktemp("once")
    _lines().to_file(d / "lines.gpkg", layer="roads")
    return {"osm": (_osm_file(d / "net.osm"), None), "graphml": (_graphml_file(d / "net.graphml"), None),
            "lines": (d / "lines.gpkg", "roads")}


def _same(a, b) -> None:
    ea, eb = edges_frame(a), edges_frame(b)
    pd.testing.assert_frame_equal(pd.DataFrame(ea.drop(columns="geometry")), pd.DataFrame(eb.drop(columns="geometry")))
    assert shapely.equals_exact(ea.geometry.values, eb.geometry.values, tolerance=0).all()
    assert ea.crs == eb.crs
    pd.testing.assert_frame_equal(a.report, b.report)
    np.testing.assert_array_equal(a.node_xy, b.node_xy)
    np.testing.assert_array_equal(a.length_m, b.length_m)


@pytest.mark.parametrize("kind", ["osm", "graphml", "lines"])
def test_one_read_gives_the_walks_and_the_roads_of_two_reads(files, kind):
    path, layer = files[kind]
    walks, roads = read_network_and_roads(path, layer=layer)
    _same(walks, read_network(path, layer=layer))
    _same(roads, read_roads(path, layer=layer))
    # the lattice's own count: the walks leave out the 2 trunk segments, the roads keep all 12
    assert len(edges_frame(walks)) == 10
    assert len(edges_frame(roads)) == 12
    assert (edges_frame(roads)["highway"] == "trunk").sum() == 2


def test_the_walking_options_apply_to_the_walks_only(files):
    path, layer = files["osm"]
    walks, roads = read_network_and_roads(path, layer=layer, exclude_highways=("residential",), keep="all")
    assert sorted(edges_frame(walks)["highway"]) == ["trunk", "trunk"]  # the residential streets left out
    _same(walks, read_network(path, exclude_highways=("residential",), keep="all"))
    _same(roads, read_roads(path))  # every class, whatever the walks' options


def test_a_missing_file_is_said_once_by_name(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_network_and_roads(tmp_path / "none.osm")


def _project(d: Path, osm: Path) -> Path:
    gpkg = d / "in.gpkg"
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 200)], crs=UTM).to_file(
        gpkg, layer="communities")
    cells = [(i, j) for j in range(2) for i in range(2)]
    gpd.GeoDataFrame({"unit_id": [f"U{i}{j}" for i, j in cells], "community_id": "C1", "households": 200},
                     geometry=[box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
                               for i, j in cells], crs=UTM).to_file(gpkg, layer="units")
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(X0 + 5, Y0 + 5)], crs=UTM).to_file(gpkg, layer="stations")
    text = (f'[project]\nname = "t"\noutput = "out"\n[inputs]\nnetwork = "{osm}"\n'
            + "".join(f'{n} = {{ path = "{gpkg}", layer = "{n}" }}\n' for n in ("communities", "units", "stations"))
            + '[grids]\nmin_households = 300\nmax_households = 500\n[coverage]\nminutes = [5, 10]\n'
            "[outputs]\nmaps = false\nworkbook = false\npng = false\nkml = false\n")
    (d / "p.toml").write_text(text, encoding="utf-8")
    return d / "p.toml"


def test_a_run_parses_its_network_file_once_for_the_walks_and_the_grids_roads(files, tmp_path, monkeypatch):
    calls = []
    real = parse_mod.parse_file

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(parse_mod, "parse_file", counted)
    monkeypatch.setattr(read_mod, "parse_file", counted)
    osm = files["osm"][0]
    layers = run_project(_project(tmp_path, osm), out_dir=tmp_path / "out").layers
    assert calls == [osm]  # was: twice, once to walk and once for the grids' roads
    # the grids follow every class (the trunk road), the walks do not walk it
    assert (layers["_grid_roads"]["highway"] == "trunk").sum() == 2
    assert "trunk" not in set(edges_frame(layers["network"])["highway"])
    # the two 400-household grids split at the trunk road (x = 100 m): west and east columns
    plan = {frozenset(g["unit_id"]) for _, g in layers["units"].groupby("grid_id")}
    assert plan == {frozenset({"U00", "U01"}), frozenset({"U10", "U11"})}
    said = layers["report"]["problem_zh"].astype(str).str.contains("网格边界沿路网文件")
    assert said.sum() == 1  # the report still says once which roads the grids follow


def test_the_roads_read_builds_no_report_of_what_the_walks_leave_out(tmp_path):
    """The roads grids follow carry no report (nobody reads it): no row per way the walking filter
    dropped, no water; the walks' read keeps both. The lattice with a building outline and a
    river line added to its OSM file: the roads are its 12 segments all the same."""
    path = _osm_file(tmp_path / "net.osm")
    text = path.read_text(encoding="utf-8")
    ll = _lines().to_crs(4326).geometry
    (x0, y0), (x1, y1) = ll.iloc[0].coords[0], ll.iloc[-1].coords[-1]  # the lattice's corners, by hand
    extra = (f'<node id="900001" lat="{y0}" lon="{x0 - 0.001}"/><node id="900002" lat="{y1}" lon="{x0 - 0.001}"/>'
             f'<node id="900003" lat="{y1}" lon="{x0 - 0.0015}"/>'
             '<way id="801"><nd ref="900001"/><nd ref="900002"/><tag k="waterway" v="river"/></way>'
             '<way id="802"><nd ref="900001"/><nd ref="900002"/><nd ref="900003"/><nd ref="900001"/>'
             '<tag k="building" v="yes"/></way>')
    path.write_text(text.replace("</osm>", extra + "</osm>"), encoding="utf-8")
    walks, roads = read_network_and_roads(path)
    assert len(edges_frame(roads)) == 12 and len(edges_frame(walks)) == 10
    assert walks.report["row_id"].str.startswith("no highway tag").any()  # the building, said for the walks
    assert len(walks.water.rivers) == 1
    assert not roads.report["row_id"].str.startswith("no highway tag").any()
    assert len(roads.water.rivers) == 0
    _same(roads, read_roads(path))
