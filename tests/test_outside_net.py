"""What an outside tester found reading walking networks and measuring walks, pinned as
specifications: each test builds a tiny input whose answer is known by hand."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from spatial.core.errors import NetworkError, SpatialError
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
    assert len(dropped) == 1 and dropped.iloc[0].startswith("highway=trunk: 1 row, 0.100 km")


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


# ------------------------------------------------- 4: service areas and estimated walks


def _street_and_estate():
    """A 1 km street along y = 0 with a station at its west end; homes 150 m and 250 m off it
    (inside an estate whose paths are not mapped), 300 m along."""
    roads = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (1000, 0)])], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 0)], crs=UTM)
    homes = gpd.GeoDataFrame({"households": [10, 10]}, geometry=[Point(300, 150), Point(300, 250)], crs=UTM)
    return read_network(roads), stations, homes


def test_service_area_holds_the_homes_it_covers_over_estimated_walks():
    """walking_coverage gives a home 150 m from the street an estimated walk (300 + 150 x 1.25 =
    487.5 m, within 10 minutes), but the 10-minute service area stopped 100 m from the street
    (max_snap_m), so the map showed covered homes outside every service area (the demo: 58 units,
    1,381 households covered within 15 minutes outside every 15-minute area). The areas now use
    the same estimated walks: a home is inside its band's area exactly when its walk is within it."""
    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import walking_coverage

    net, stations, homes = _street_and_estate()
    walks = walking_coverage(homes, stations, net, meters=(500, 600))
    assert walks["walk_m"].tolist() == pytest.approx([487.5, 612.5])
    assert walks["band"].tolist() == ["500m", "beyond"]
    areas = isochrones(stations, net, meters=(500, 600)).set_index("band").geometry
    assert areas["500m"].contains(Point(300, 150)) and areas["600m"].contains(Point(300, 150))
    assert not areas["600m"].contains(Point(300, 250))
    # along x = 305 the 500 m area reaches y where 305 + y x 1.25 = 500: y = 156 m (10 m cells)
    top = areas["500m"].intersection(LineString([(305, 0), (305, 400)])).bounds[3]
    assert top == pytest.approx(156, abs=10)
    # estimated walks turned off: the area ends at the snapping limit, as the homes' walks do
    off = isochrones(stations, net, meters=(500,), max_off_network_m=None).geometry.iloc[0]
    assert not off.contains(Point(300, 150))
    assert off.intersection(LineString([(305, 0), (305, 400)])).bounds[3] == pytest.approx(100, abs=10)


def test_service_area_claims_ground_off_the_network_only_inside_the_study_area():
    """With estimated walks the demo's 15-minute areas spilled over land beyond the communities,
    where no home is counted (2.2 km² outside them, 0.5 km² along the network before). Given the
    communities as ``study_area``, off-network ground is claimed inside them only: the estate
    north of the street (y > 0) is the study area, the land south of it is not."""
    from shapely.geometry import box

    from spatial.coverage.service_areas import isochrones

    net, stations, _ = _street_and_estate()
    study = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(-300, 0, 1300, 400)], crs=UTM)
    area = isochrones(stations, net, meters=(500,), study_area=study).geometry.iloc[0]
    assert area.contains(Point(300, 150))                     # the home's estimated walk, inside the study
    cross = LineString([(305, -400), (305, 0)])               # south of the street: outside the study
    assert area.intersection(cross).bounds[1] == pytest.approx(-100, abs=10)  # ends at max_snap_m
    free = isochrones(stations, net, meters=(500,)).geometry.iloc[0]
    assert free.intersection(cross).bounds[1] == pytest.approx(-156, abs=10)  # as far as north without it
    assert area.area < free.area and isochrones(stations, net, meters=(500,), study_area=study)["area_m2"].iloc[0] \
        == pytest.approx(area.area)
    with pytest.raises(SpatialError, match="study_area"):
        isochrones(stations, net, meters=(500,), study_area=study.set_crs(None, allow_override=True))


def test_service_area_keeps_estimated_walks_off_barriers_and_through_gates():
    """A wall along y = 105: a home at (300, 150) cannot walk to the street,
    and the area does not claim it; with a gate in the wall at (300, 100) it can again."""
    from spatial.coverage.service_areas import isochrones

    net, stations, _ = _street_and_estate()
    wall = gpd.GeoDataFrame(geometry=[LineString([(-200, 105), (1200, 105)])], crs=UTM)
    walled = isochrones(stations, net, meters=(600,), barriers=wall).geometry.iloc[0]
    assert not walled.contains(Point(300, 150))
    gate = gpd.GeoDataFrame(geometry=[Point(300, 100)], crs=UTM)
    gated = isochrones(stations, net, meters=(600,), barriers=wall, gates=gate).geometry.iloc[0]
    assert gated.contains(Point(300, 150))


# ------------------------------------------------- 5: API arguments refused with plain Python errors


def test_read_network_and_snapping_refuse_bad_arguments_with_spatial_errors():
    """keep='biggest', keep='stations' without stations, a source that is a list, and
    max_snap_m=0 raised plain ValueError/TypeError; now SpatialError subclasses saying what to give."""
    from spatial.core.errors import SpatialError
    from spatial.coverage.walks import walking_coverage

    roads = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (400, 0)])], crs=UTM)
    with pytest.raises(SpatialError, match="keep must be 'largest', 'all' or 'stations', not 'biggest'"):
        read_network(roads, keep="biggest")
    with pytest.raises(SpatialError, match="needs the station points"):
        read_network(roads, keep="stations")
    with pytest.raises(NetworkError, match="network source must be a path.*not list"):
        read_network([roads])
    st = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 0)], crs=UTM)
    with pytest.raises(SpatialError, match="max_snap_m must be a positive number of metres, got 0"):
        walking_coverage(st, st, read_network(roads), max_snap_m=0)


# ------------------------------------------------- 6: stations drawn as building outlines in spatial coverage


def test_cli_coverage_takes_station_buildings_as_spatial_run_does(tmp_path, capsys):
    """Stations given as building polygons: the walks took a point inside each, then the
    isochrones step refused them ("pass gdf.representative_point()", advice for Python) and
    spatial coverage exited 2 after all the walking was done. spatial run replaces each polygon
    by a point inside it with a report row; spatial coverage now does the same."""
    from spatial.cli import main

    roads = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (1000, 0)])], crs=UTM)
    roads.to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 20).buffer(10)], crs=UTM).to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame({"households": [5]}, geometry=[Point(300, 5)], crs=UTM).to_file(tmp_path / "h.gpkg")
    out = tmp_path / "c.gpkg"
    code = main(["-q", "coverage", str(tmp_path / "roads.gpkg"), str(tmp_path / "s.gpkg"), str(tmp_path / "h.gpkg"),
                 "--out", str(out), "--meters", "500"])
    assert code == 0, capsys.readouterr().err
    areas = gpd.read_file(out, layer="isochrones")
    assert areas["area_m2"].iloc[0] > 0 and areas["reason"].fillna("").iloc[0] == ""
    assert gpd.read_file(out, layer="demand")["walk_m"].iloc[0] == pytest.approx(20 + 300 + 5, abs=10)
    report = gpd.read_file(out, layer="report")
    assert (report["problem"] == "geometry is a polygon, not a point").sum() == 1


# ------------------------------------------------- 7: a station on a disconnected part, from the command line


def test_cli_coverage_keeps_the_parts_that_hold_stations_when_asked(tmp_path, capsys):
    """Only the largest connected part of a network is kept. With the one station on a street
    the map does not join to the rest, spatial coverage stopped telling a command-line user to
    'read it with read_network(..., keep="stations")', which no option of the command did. Now
    --keep stations (or all) keeps it, and the message names the option."""
    from spatial.cli import main

    roads = gpd.GeoDataFrame({"highway": ["footway"] * 2},
                             geometry=[LineString([(0, 0), (2000, 0)]), LineString([(0, 500), (300, 500)])], crs=UTM)
    roads.to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(0, 500)], crs=UTM).to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame({"households": [5, 7]}, geometry=[Point(200, 505), Point(1000, 0)], crs=UTM).to_file(
        tmp_path / "h.gpkg")
    files = [str(tmp_path / f) for f in ("roads.gpkg", "s.gpkg", "h.gpkg")]
    out = tmp_path / "c.gpkg"
    assert main(["-q", "coverage", *files, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--keep stations" in err and not out.exists()
    assert main(["-q", "coverage", *files, "--out", str(out), "--keep", "stations", "--meters", "500"]) == 0
    demand = gpd.read_file(out, layer="demand")
    assert demand["walk_m"].iloc[0] == pytest.approx(205.0)
    assert demand["reason"].iloc[1] == "in a dropped network component"


# ------------------------------------------------- 8: crs= a projection for another place


def test_crs_asked_for_is_checked_where_the_network_is():
    """read_network(crs=...) only checked the CRS's units: UTM zone 33N (Central Europe) for a
    Shenzhen network was taken, and every walk came out 2.4 times too long (Futian: 496.4 km of
    streets instead of 205.7 km). A CRS whose scale at the network is off by more than 0.5% is now
    refused, naming the scale and the local zone."""
    from spatial.core.errors import CRSError

    roads = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(114.05, 22.54), (114.06, 22.54)])],
                             crs="EPSG:4326")
    assert read_network(roads, crs="EPSG:32650").length_m.sum() == pytest.approx(1029.4, abs=0.5)
    with pytest.raises(CRSError, match=r"crs='EPSG:32633' .*not in ground metres at the network.*EPSG:32650"):
        read_network(roads, crs="EPSG:32633")


# ------------------------------------------------- 9: the network-for-cars warning and merged edges


def test_footways_merged_into_osmnx_edges_count_as_footways():
    """An osmnx edge merged from a footway and steps reads 'footway;steps'; the check for a network
    drawn for cars split only osmnx lists, not that text, so a network whose footways were all
    merged (or read from osmnx's GeoPackage) was said to be a network for cars."""
    g = nx.MultiDiGraph(crs=UTM)
    for i in range(121):
        g.add_node(i, x=500000.0 + 100 * i, y=2500000.0)
    for i in range(120):
        g.add_edge(i, i + 1, highway="residential" if i % 2 else ["footway", "steps"])
    assert not (read_network(g).report["row_id"] == "highway").any()
    for i in range(0, 120, 2):
        g.edges[i, i + 1, 0]["highway"] = "primary"
    assert (read_network(g).report["row_id"] == "highway").sum() == 1


# ------------------------------------------------- 10: a station inside an estate, off the mapped paths


def _station_in_estate():
    """A 1 km street along y = 0; a station 150 m off it inside an estate whose paths are not
    mapped, at (300, 150); a home on the street at (600, 5)."""
    roads = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (1000, 0)])], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S"], "floor_area_m2": [300.0]}, geometry=[Point(300, 150)],
                                crs=UTM)
    homes = gpd.GeoDataFrame({"households": [10]}, geometry=[Point(600, 5)], crs=UTM)
    return read_network(roads), stations, homes


def test_station_off_the_mapped_paths_gets_the_estimated_walk_a_home_there_gets():
    """A home 150 m from the nearest mapped path walks it at x1.25 (estimated); a station there
    was 'too far from network' and served nobody, so its whole neighbourhood was reported as a
    gap. The walk between the two now counts the station's leg as a home's: 150 x 1.25 + 300 + 5
    = 492.5 m, in walking_coverage, station_fca, isochrones and site_stations alike."""
    from spatial.coverage.load import station_fca
    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import walking_coverage
    from spatial.siting.sites import site_stations

    net, stations, homes = _station_in_estate()
    walks = walking_coverage(homes, stations, net, meters=(500,))
    assert walks["walk_m"].iloc[0] == pytest.approx(492.5)
    assert walks["nearest_station"].iloc[0] == "S" and walks["band"].iloc[0] == "500m"
    _, fca = station_fca(homes, stations, net, limit_m=500, area_col="floor_area_m2")
    assert fca["fca_m2_per_100hh"].iloc[0] == pytest.approx(3000.0)
    area = isochrones(stations, net, meters=(500,)).geometry.iloc[0]
    assert area.contains(Point(600, 5)) and not area.contains(Point(700, 5))
    sites = site_stations(homes, stations, net, k=1, meters=(500,), band="500m", exact=False)
    assert bool(sites.demand["covered_before"].iloc[0])
    # turned off, the station is too far from the network again
    with pytest.raises(NetworkError, match="no station lies within 100 m of the walking network"):
        walking_coverage(homes, stations, net, meters=(500,), max_off_network_m=None)


def test_cli_station_layer_says_the_station_in_the_estate_is_walked_to(tmp_path):
    from spatial.cli import main

    net, stations, homes = _station_in_estate()
    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (1000, 0)])], crs=UTM).to_file(
        tmp_path / "roads.gpkg")
    stations.to_file(tmp_path / "s.gpkg")
    homes.to_file(tmp_path / "h.gpkg")
    out = tmp_path / "c.gpkg"
    assert main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "s.gpkg", "h.gpkg")),
                 "--out", str(out), "--meters", "500"]) == 0
    layer = gpd.read_file(out, layer="stations")
    assert layer["reason"].fillna("").iloc[0] == "" and layer["snap_leg_m"].iloc[0] == pytest.approx(187.5)
    assert gpd.read_file(out, layer="demand")["walk_m"].iloc[0] == pytest.approx(492.5)


# ------------------------------------------------- 11: a network GeoPackage of several layers (osmnx's)


def test_network_layer_of_a_geopackage_can_be_named(tmp_path, capsys):
    """osmnx.save_graph_geopackage writes two layers, nodes and edges. Read as a network, the
    file was refused ("name one as g.gpkg:nodes (layer= from Python)"), but read_network had no
    layer=, and spatial coverage said 'network file g.gpkg:edges does not exist'. Now
    read_network(path, layer=...) and FILE.gpkg:layer on the command line read the edges."""
    import osmnx as ox

    from spatial.cli import main

    ox.save_graph_geopackage(_osmnx_graph(), tmp_path / "g.gpkg")
    with pytest.raises(Exception, match="holds 2 layers"):
        read_network(tmp_path / "g.gpkg")
    assert read_network(tmp_path / "g.gpkg", layer="edges").length_m.sum() == pytest.approx(100.0)
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(500000, 2500000)], crs=UTM).to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame({"households": [5]}, geometry=[Point(500060, 2500005)], crs=UTM).to_file(tmp_path / "h.gpkg")
    out = tmp_path / "c.gpkg"
    code = main(["-q", "coverage", f"{tmp_path / 'g.gpkg'}:edges", str(tmp_path / "s.gpkg"), str(tmp_path / "h.gpkg"),
                 "--out", str(out), "--meters", "500"])
    assert code == 0, capsys.readouterr().err
    assert gpd.read_file(out, layer="demand")["walk_m"].iloc[0] == pytest.approx(65.0)


# ------------------------------------------------- 12: Geofabrik's shapefiles (fclass) and upper-case columns


def test_geofabrik_roads_fclass_is_the_highway_class():
    """Geofabrik's OSM shapefiles (gis_osm_roads_free_1.shp, the usual OSM download for China)
    carry the class in a column 'fclass', not 'highway': every motorway and trunk road was kept
    as walkable, without a word. Now fclass is read as highway (a report row says so), and a
    tag column written in capitals (HIGHWAY, FOOT: shapefiles from ArcGIS) is read as its tag."""
    rows = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (200, 0)]), LineString([(200, 0), (300, 0)])]
    geofabrik = gpd.GeoDataFrame({"osm_id": ["1", "2", "3"], "code": [5141, 5111, 5114],
                                  "fclass": ["footway", "motorway", "secondary"], "name": ["", "", ""]},
                                 geometry=rows, crs=UTM)
    net = read_network(geofabrik, keep="all")
    assert net.length_m.sum() == pytest.approx(200.0)
    assert (net.report["row_id"] == "highway=motorway").sum() == 1
    assert net.report["problem"].str.contains("fclass").any()
    capitals = gpd.GeoDataFrame({"HIGHWAY": ["footway", "trunk", "residential"], "FOOT": ["", "", "no"]},
                                geometry=rows, crs=UTM)
    net = read_network(capitals, keep="all")
    assert net.length_m.sum() == pytest.approx(100.0)
    assert set(net.report["row_id"]) >= {"highway=trunk", "foot=no"}


def test_no_station_near_the_network_says_how_far_the_nearest_is():
    """'no station lies within 300 m of the walking network' did not say whether the stations
    were 400 m off (raise the limit) or 99 km off (another place or CRS); now it does."""
    from spatial.coverage.walks import walking_coverage

    net, _, homes = _station_in_estate()
    far = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(300, 1400)], crs=UTM)
    with pytest.raises(NetworkError, match=r"within 300 m of the walking network \(the nearest is 1,400 m away\)"):
        walking_coverage(homes, far, net)


def test_cli_keep_stations_keeps_the_part_a_station_is_walked_to_off_the_paths(tmp_path):
    """A station 150 m off the only street of a part the map does not join to the rest is walked
    to over an estimated leg; --keep stations kept only parts within max_snap_m (100 m) of a
    station, so it dropped that part and then said to use --keep stations."""
    from spatial.cli import main

    gpd.GeoDataFrame({"highway": ["footway"] * 2},
                     geometry=[LineString([(0, 0), (2000, 0)]), LineString([(0, 500), (300, 500)])],
                     crs=UTM).to_file(tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(100, 650)], crs=UTM).to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame({"households": [5]}, geometry=[Point(200, 505)], crs=UTM).to_file(tmp_path / "h.gpkg")
    out = tmp_path / "c.gpkg"
    assert main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "s.gpkg", "h.gpkg")),
                 "--out", str(out), "--keep", "stations", "--meters", "500"]) == 0
    assert gpd.read_file(out, layer="demand")["walk_m"].iloc[0] == pytest.approx(150 * 1.25 + 100 + 5)


# ------------------------------------------------- 13: a .graphml written by networkx (typed attributes)


def test_graphml_written_by_networkx_is_read(tmp_path):
    """networkx.write_graphml types its attributes (x, y as doubles); osmnx.load_graphml, which
    expects osmnx's text, failed and the file was refused with "cannot read network file ...:
    'float' object has no attribute 'startswith'". Now such a file is read by networkx."""
    g = nx.Graph(crs=UTM)
    g.add_node(1, x=500000.0, y=2500000.0)
    g.add_node(2, x=500100.0, y=2500000.0)
    g.add_node(3, x=500100.0, y=2500200.0)
    g.add_edge(1, 2, highway="footway")
    g.add_edge(2, 3, highway="motorway")
    nx.write_graphml(g, tmp_path / "g.graphml")
    net = read_network(tmp_path / "g.graphml")
    assert net.length_m.sum() == pytest.approx(100.0)
    assert (net.report["row_id"] == "highway=motorway").sum() == 1
    del g.graph["crs"]
    nx.write_graphml(g, tmp_path / "nocrs.graphml")
    with pytest.raises(Exception, match="no CRS"):
        read_network(tmp_path / "nocrs.graphml")
    (tmp_path / "broken.graphml").write_text("<graphml><graph>")
    with pytest.raises(Exception, match="cannot read network file .*broken.graphml"):
        read_network(tmp_path / "broken.graphml")


def test_cli_station_without_a_location_is_named_before_any_walk(tmp_path, capsys):
    from spatial.cli import main

    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (1000, 0)])], crs=UTM).to_file(
        tmp_path / "roads.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1", "S2"]}, geometry=[Point(0, 0), None], crs=UTM).to_file(tmp_path / "s.gpkg")
    gpd.GeoDataFrame({"households": [5]}, geometry=[Point(300, 5)], crs=UTM).to_file(tmp_path / "h.gpkg")
    out = tmp_path / "c.gpkg"
    assert main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "s.gpkg", "h.gpkg")),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "S2 (no geometry)" in err and not out.exists()


# ------------------------------------------------- 14: OSM files with the ways before their nodes (Overpass)


def test_osm_file_with_ways_before_nodes_is_read(tmp_path):
    """Overpass turbo's usual query (``out body; >; out skel qt;``) writes the ways first and
    their nodes after. Read in one pass, no way had node locations and the file was refused with
    "has no walkable edges with node locations: it holds no lines" (or, partly sorted, its ways
    were reported as clipped by the extract). The nodes are now looked up in a second pass."""
    text = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="Overpass API">
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="footway"/></way>
  <node id="1" lat="22.5" lon="114.0"/>
  <node id="2" lat="22.5" lon="114.001"/>
  <node id="3" lat="22.5" lon="114.002"/>
  <node id="4" lat="22.501" lon="114.001"/>
</osm>
"""
    (tmp_path / "overpass.osm").write_text(text)
    sorted_text = text.replace(
        '  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>\n'
        '  <way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="footway"/></way>\n', "").replace(
        "</osm>", '  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>\n'
                  '  <way id="11"><nd ref="2"/><nd ref="4"/><tag k="highway" v="footway"/></way>\n</osm>')
    (tmp_path / "sorted.osm").write_text(sorted_text)
    net = read_network(tmp_path / "overpass.osm")
    ref = read_network(tmp_path / "sorted.osm")
    assert net.n_edges == ref.n_edges == 3
    assert net.length_m.sum() == pytest.approx(ref.length_m.sum())
    assert not (net.report["row_id"] == "clipped ways").any()


def test_overpass_json_is_named_as_such(tmp_path):
    """Overpass turbo's [out:json] export is not GeoJSON; it was refused as 'not a GeoJSON file
    (damaged, cut short...); export the layer again', which does not say what to do."""
    from spatial.core.errors import InputFileError

    (tmp_path / "roads.json").write_text('{"version": 0.6, "generator": "Overpass API", "elements": '
                                         '[{"type": "node", "id": 1, "lat": 22.5, "lon": 114.0}]}')
    with pytest.raises(InputFileError, match=r"Overpass JSON.*\[out:xml\].*\.osm"):
        read_network(tmp_path / "roads.json")


def test_osm_file_with_node_locations_on_the_ways_is_read(tmp_path):
    """Overpass's ``out geom;`` writes each way's node coordinates on its ``nd`` elements and no
    nodes at all; such a file was refused as holding no lines. They are read now."""
    (tmp_path / "geom.osm").write_text("""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="Overpass API">
  <way id="10"><nd ref="1" lat="22.5" lon="114.0"/><nd ref="2" lat="22.5" lon="114.001"/>
    <nd ref="3" lat="22.5" lon="114.002"/><tag k="highway" v="residential"/></way>
  <way id="11"><nd ref="2" lat="22.5" lon="114.001"/><nd ref="4" lat="22.501" lon="114.001"/>
    <tag k="highway" v="footway"/></way>
</osm>
""")
    net = read_network(tmp_path / "geom.osm")
    assert net.n_edges == 3 and net.length_m.sum() == pytest.approx(2 * 102.976 + 110.823, abs=0.01)


def test_network_layer_with_points_names_the_rows_and_what_to_do():
    """A road layer drawn in a GIS (or 奥维) often holds a few marker points too; the refusal
    listed the geometry types only. It now says how many rows are not lines, the first of them,
    and what to give instead."""
    roads = gpd.GeoDataFrame({"name": ["路", "标注"]}, geometry=[LineString([(0, 0), (100, 0)]), Point(5, 5)],
                             index=[3, 9], crs=UTM)
    with pytest.raises(NetworkError, match=r"1 row is not a line \(row 9: Point;.*only the road lines"):
        read_network(roads)


def test_osmnx_graph_is_taken_wherever_walking_coverage_takes_it():
    """walking_coverage and site_stations read an osmnx graph given for the network; isochrones,
    station_fca and coverage_gaps stopped with "AttributeError: 'MultiDiGraph' object has no
    attribute 'crs'". They read it the same way now."""
    import spatial

    g = nx.MultiDiGraph(crs=UTM)
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=1000.0, y=0.0)
    g.add_edge(1, 2, highway="footway")
    st = gpd.GeoDataFrame({"station_id": ["S"], "floor_area_m2": [100.0]}, geometry=[Point(0, 0)], crs=UTM)
    homes = gpd.GeoDataFrame({"households": [4.0]}, geometry=[Point(300, 0)], crs=UTM)
    assert spatial.isochrones(st, g, meters=(500,))["area_m2"].iloc[0] > 0
    assert spatial.station_fca(homes, st, g, limit_m=500)[0]["fca_m2_per_100hh"].iloc[0] == pytest.approx(2500.0)
    walks = spatial.walking_coverage(homes, st, g, meters=(200,))
    assert len(spatial.coverage_gaps(walks, g, band="200m")) == 1
    with pytest.raises(NetworkError, match="must be a walking network"):
        spatial.isochrones(st, "not a network")
