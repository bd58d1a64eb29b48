"""A planner's walled estates (小区) whose paths OpenStreetMap does not map, walls and gates given
as ``--barriers`` / ``--gates``: the residents walk straight across their own estate.

The town (EPSG:32650): one street along y = 0 from 0 to 2,000 m (nodes every 500 m); 乙小区's
walls 800-1,200 x 50-450 with one gate at (1,000, 50) on the street side; its 党群服务站 S2 at
(1,000, 250) inside, S1 on the street at 0. Homes IN1 (900, 300), 100 households, 112 m from S2;
IN2 (1,000, 200), 50 households, 50 m from S2; IN3 (1,100, 400), 60 households; O1 (300, 20)
outside. Until December 2026 IN1 and IN3 had no walk (被围墙、河流或干道阻隔 / 距路网过远: their
way out through the gate is 319 and 414 m, over the 300 m limit of an estimated leg) and IN2
walked 562.5 m to S2, out through the gate and back in.

Expected walks are worked out here with shapely's distances times the detour factor (1.25) and
networkx on the raw street edges, not with the package's objects.
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

CRS = "EPSG:32650"
F = 1.25
WALL = Polygon([(800, 50), (1200, 50), (1200, 450), (800, 450)])
GATE = Point(1000, 50)
STREET_XS = np.arange(0, 2001, 500, dtype=float)


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def _street():
    from spatial.network.graph import network_from_arrays

    xs = STREET_XS
    return network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)), crs=CRS)


def _street_walk(a: float, b: float) -> float:
    """networkx along the raw street edges from x = a to x = b on y = 0 (each point joined to the
    nodes of its own edge)."""
    g = nx.Graph()
    for u, v in zip(STREET_XS[:-1], STREET_XS[1:]):
        g.add_edge(u, v, weight=v - u)
    for name, x in (("a", a), ("b", b)):
        k = min(np.searchsorted(STREET_XS, x, side="right") - 1, len(STREET_XS) - 2)
        g.add_edge(name, STREET_XS[k], weight=x - STREET_XS[k])
        g.add_edge(name, STREET_XS[k + 1], weight=STREET_XS[k + 1] - x)
    return nx.shortest_path_length(g, "a", "b", weight="weight")


HOMES = {"IN1": (900, 300), "IN2": (1000, 200), "IN3": (1100, 400), "O1": (300, 20)}
HH = {"IN1": 100, "IN2": 50, "IN3": 60, "O1": 80}


@pytest.fixture(scope="module")
def town():
    homes = _points(HOMES.values(), unit_id=list(HOMES), households=list(HH.values()))
    stations = _points([(0, 0), (1000, 250)], station_id=["S1", "S2"], name=["甲社区党群服务中心", "乙小区党群服务站"])
    walls = gpd.GeoDataFrame({"name": ["乙小区围墙"]}, geometry=[WALL], crs=CRS)
    gate = _points([(GATE.x, GATE.y)], gate_id=["M1"])
    return _street(), homes, stations, walls, gate


@pytest.fixture(scope="module")
def walks(town):
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, walls, gate = town
    return walking_coverage(homes, stations, network, gates=gate, barriers=walls).set_index("unit_id")


def test_homes_inside_the_walls_walk_straight_across_to_the_station_inside(walks):
    """IN1 had no walk though 112 m from S2, IN2 walked 562.5 m for 50 m: each now walks the
    straight line to S2 times the detour factor, marked estimated, its straight line as
    ``off_network_m``."""
    s2 = Point(1000, 250)
    for uid in ("IN1", "IN2", "IN3"):
        straight = Point(HOMES[uid]).distance(s2)
        row = walks.loc[uid]
        assert row["walk_m"] == pytest.approx(F * straight, abs=1e-6), uid
        assert (row["nearest_station"], row["access"], row["reason"]) == ("S2", "estimated", ""), uid
        assert row["off_network_m"] == pytest.approx(straight, abs=1e-6), uid
    assert walks.loc["IN2", "walk_m"] == pytest.approx(62.5)
    assert walks["band"].to_dict() == {"IN1": "5min", "IN2": "5min", "IN3": "5min", "O1": "5min"}
    # outside the walls nothing changes: 20 m to the street, then 300 m along it to S1
    assert walks.loc["O1", "walk_m"] == pytest.approx(20 + _street_walk(300, 0))
    assert (walks.loc["O1", "access"], walks.loc["O1", "nearest_station"]) == ("network", "S1")


def test_the_coverage_counts_them_as_estimated_and_the_station_serves_them(walks, town):
    from spatial.coverage.load import station_load
    from spatial.coverage.walks import coverage_summary

    _, _, stations, *_ = town
    summary = coverage_summary(walks.reset_index(), bands=["15min"])
    overall = summary[summary["level"] == "overall"].iloc[0]
    assert overall["hh_estimated"] == 210 and overall["hh_15min"] == 290
    load = station_load(walks.reset_index(), stations).set_index("station_id")
    assert load["households_served"].to_dict() == {"S1": 80, "S2": 210}
    assert load["households_estimated"].to_dict() == {"S1": 0, "S2": 210}


def test_the_report_row_of_the_station_inside_walls_says_how_its_homes_walk(walks):
    (sid, (en, zh)), = walks.attrs["enclosed"]
    assert sid == "S2"
    assert en.endswith("210 households walk straight across to it, 0 to another station, 0 have no walk")
    assert "210 户穿过墙内直接步行到本站" in zh


def test_a_home_inside_walls_leaves_by_the_gate_however_far_when_no_station_is_inside(town):
    """With no station inside, IN3's way out through the gate is 364 + 50 = 414 m, over the
    300 m of an estimated leg: it had no walk (距路网过远). It walks out: 1.25 x 414 m, then the
    street to S1."""
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, walls, gate = town
    out = walking_coverage(homes, stations.iloc[[0]], network, gates=gate, barriers=walls).set_index("unit_id")
    for uid in ("IN1", "IN2", "IN3"):
        leg = Point(HOMES[uid]).distance(GATE) + 50  # home -> gate, gate -> street
        assert out.loc[uid, "walk_m"] == pytest.approx(F * leg + _street_walk(1000, 0), abs=1e-6), uid
        assert (out.loc[uid, "access"], out.loc[uid, "off_network_m"]) == ("estimated", pytest.approx(leg)), uid
    assert Point(HOMES["IN3"]).distance(GATE) + 50 > 300
    assert out.attrs["enclosed"] == []  # no station inside the walls: nothing to say of one


def test_a_home_by_the_gate_walks_out_to_a_nearer_station_outside(town):
    """The shorter walk wins: a station at the gate's foot (1,000, 0); a home 20 m inside the gate
    walks 1.25 x (20 + 50) = 87.5 m out to it, not 1.25 x 180 = 225 m across to S2; IN2 still
    walks 62.5 m across to S2 rather than 1.25 x 200 = 250 m out."""
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, walls, gate = town
    more = _points([(0, 0), (1000, 250), (1000, 0)], station_id=["S1", "S2", "S3"])
    home = _points([(1000, 70), HOMES["IN2"]], unit_id=["G", "IN2"])
    out = walking_coverage(home, more, network, gates=gate, barriers=walls).set_index("unit_id")
    assert out["nearest_station"].to_dict() == {"G": "S3", "IN2": "S2"}
    assert out["walk_m"].round(6).to_dict() == {"G": 87.5, "IN2": 62.5}
    assert out["off_network_m"].round(6).to_dict() == {"G": 70.0, "IN2": 50.0}


def test_no_walk_across_two_estates_walls(town):
    """Homes in the estate next door (its own walls and gate) reach S2 only out through their
    gate and in through 乙小区's: never straight over both walls."""
    from spatial.coverage.walks import walking_coverage

    network, _, stations, walls, gate = town
    next_door = Polygon([(1300, 50), (1700, 50), (1700, 450), (1300, 450)])
    both = gpd.GeoDataFrame(geometry=[WALL, next_door], crs=CRS)
    gates = _points([(GATE.x, GATE.y), (1500, 50)])
    home = _points([(1350, 250)], unit_id=["N1"])  # 350 m from S2 in a straight line
    out = walking_coverage(home, stations.iloc[[1]], network, gates=gates, barriers=both).iloc[0]
    leg_home = Point(1350, 250).distance(Point(1500, 50)) + 50
    leg_s2 = Point(1000, 250).distance(GATE) + 50
    assert out["walk_m"] == pytest.approx(F * leg_home + _street_walk(1500, 1000) + F * leg_s2, abs=1e-6)
    assert out["off_network_m"] == pytest.approx(leg_home)


def test_nothing_changes_where_the_estates_paths_are_mapped(town):
    """A mapped path from the street up to (1,000, 300) enters the walls: the estate is walked
    along it, as with no walls at all."""
    from spatial.coverage.walks import walking_coverage
    from spatial.network.graph import network_from_arrays

    _, homes, stations, walls, gate = town
    xy = np.array([[0, 0], [500, 0], [1000, 0], [1500, 0], [2000, 0], [1000, 300]], dtype=float)
    mapped = network_from_arrays(xy, np.array([0, 1, 2, 3, 2]), np.array([1, 2, 3, 4, 5]), crs=CRS)
    out = walking_coverage(homes, stations, mapped, gates=gate, barriers=walls).set_index("unit_id")
    free = walking_coverage(homes, stations, mapped).set_index("unit_id")  # no walls at all
    # IN1 100 m to the path's end, 50 m down it to S2; IN2 on the path 50 m below S2; IN3 141.4 m
    # (estimated) to the path's end, then 50 m; O1 as ever
    in3 = F * Point(HOMES["IN3"]).distance(Point(1000, 300)) + 50
    assert out["walk_m"].round(6).to_dict() == {"IN1": 150.0, "IN2": 50.0, "IN3": round(in3, 6), "O1": 320.0}
    assert out["access"].to_dict() == {"IN1": "network", "IN2": "network", "IN3": "estimated", "O1": "network"}
    np.testing.assert_allclose(out["walk_m"], free["walk_m"], atol=1e-9)
    assert out.attrs["enclosed"] == []


def test_nothing_changes_where_no_walls_enclose_the_home(town):
    """A wall drawn open (three sides: no area shut in) is a barrier to the legs only: IN3 walks
    to the nearest street it can reach without crossing it, within the 300 m limit, as before."""
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, _, gate = town
    open_wall = gpd.GeoDataFrame(geometry=[LineString([(800, 50), (1200, 50), (1200, 450)])], crs=CRS)
    out = walking_coverage(homes, stations, network, gates=gate, barriers=open_wall).set_index("unit_id")
    # IN2 (1,000, 200): through the gate (150 + 50 m) is nearer than round the wall's open end
    assert out.loc["IN2", "walk_m"] == pytest.approx(F * 200 + F * 250)  # out and back in to S2, as before
    assert out.loc["IN2", "access"] == "estimated" and out.attrs["enclosed"] == []
    # IN3 (1,100, 400): the gate leg is 414 m and the street 400 m away: no walk, as before
    assert out.loc["IN3", "access"] == "unreachable" and out.loc["IN3", "reason"] == "too far from network"


def test_estimated_walks_turned_off_give_no_walk_across_either(town):
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, walls, gate = town
    out = walking_coverage(homes, stations, network, gates=gate, barriers=walls, max_off_network_m=None)
    assert set(out["access"]) == {"network", "unreachable"}
    assert out.set_index("unit_id").loc[["IN1", "IN2", "IN3"], "access"].eq("unreachable").all()


def test_the_catchment_walks_of_2sfca_share_the_walks_across(town, walks):
    from spatial.coverage.load import walk_table

    network, homes, stations, walls, gate = town
    table = walk_table(homes, stations, network, limit_m=1000, gates=gate, barriers=walls)
    to_s2 = {homes["unit_id"].iloc[h]: w for h, s, w in table.itertuples(index=False) if s == 1}
    assert {k: round(v, 6) for k, v in to_s2.items()} == \
        {k: round(walks.loc[k, "walk_m"], 6) for k in ("IN1", "IN2", "IN3")}


def test_a_site_inside_the_walls_covers_the_estate_it_stands_in(town):
    """Siting within 250 m: a room in the estate's community building at (1,000, 300) reaches
    IN1 and IN2 (100 m x 1.25) and IN3 (141 m x 1.25), 210 households; one at the gate's foot
    only IN2 (1.25 x 200 = 250 m), 50. The room was reached only out through the gate and back in
    (250 m x 1.25 more), covering nobody, and the gate's foot was chosen."""
    from spatial.siting.sites import site_stations

    network, homes, stations, walls, gate = town
    cands = _points([(1000, 300), (1000, 0)], candidate_id=["ROOM", "GATE"])
    result = site_stations(homes, stations.iloc[[0]], network, candidates=cands, k=1, meters=(250,),
                           band="250m", gates=gate, barriers=walls, exact=False)
    assert result.sites["candidate_id"].tolist() == ["ROOM"]
    assert result.sites["gain_households"].tolist() == [210]


def test_the_stations_service_area_holds_the_homes_inside_its_walls(town):
    """The 5-minute area (333 m at 4 km/h) of S2 was empty: its leg out through the gate is
    1.25 x 250 = 312.5 m. Its homes walk to it in 2-4 minutes: the area now holds them, and
    ends where the straight line x 1.25 passes 333 m (the walls' corner (800, 450), 283 m away)."""
    from spatial.coverage.service_areas import isochrones

    network, _, stations, walls, gate = town
    iso = isochrones(stations, network, minutes=(5,), gates=gate, barriers=walls).set_index("station_id")
    area = iso.loc["S2", "geometry"]
    for uid in ("IN1", "IN2", "IN3"):
        assert area.contains(Point(HOMES[uid])), uid
    assert not area.contains(Point(805, 445)) and F * Point(805, 445).distance(Point(1000, 250)) > 4000 / 12
    assert not iso.loc["S1", "geometry"].intersects(WALL.buffer(-1))


def test_on_slopes_the_walk_across_the_walls_is_timed_flat(town, walks):
    """With edge times (a DEM), the walk across the walls' inside has no slope of its own: its
    time is its length at the walking speed, as without a DEM."""
    import pandas as pd

    from spatial.coverage.walks import walking_coverage
    from spatial.network.elevation import EdgeTimes

    network, homes, stations, walls, gate = town
    n, m = network.n_nodes, len(network.length_m)
    flat = EdgeTimes(forward_m=network.length_m.copy(), backward_m=network.length_m.copy(),
                     has_elevation=np.ones(m, bool), node_elevation_m=np.zeros(n),
                     report=pd.DataFrame(columns=["layer", "row_id", "problem", "action"]))
    out = walking_coverage(homes, stations, network, gates=gate, barriers=walls, dem=flat).set_index("unit_id")
    np.testing.assert_allclose(out["walk_m"], walks["walk_m"], atol=1e-6)
    np.testing.assert_allclose(out["walk_min"], walks["walk_m"] * 60 / 4000, atol=1e-6)
    assert out["access"].to_dict() == walks["access"].to_dict()


def test_a_home_along_the_wall_reaches_a_gate_drawn_a_few_metres_outside_it(town):
    """The gate drawn 5 m outside the wall, at (1,000, 45): a home 10 m inside the south wall at
    (830, 60) had no walk (被围墙、河流或干道阻隔): its straight line to the gate crosses the wall
    57 m from the gate, past the 10 m allowed for a gate drawn off its wall. It walks along the
    inside of the wall to the gate: 1.25 x (170.7 + 45) m, then the street to S1."""
    from spatial.coverage.walks import walking_coverage

    network, _, stations, walls, _ = town
    gate = _points([(1000, 45)])
    home = _points([(830, 60), HOMES["IN2"]], unit_id=["W", "IN2"])
    out = walking_coverage(home, stations.iloc[[0]], network, gates=gate, barriers=walls).set_index("unit_id")
    for uid, xy in (("W", (830, 60)), ("IN2", HOMES["IN2"])):
        leg = Point(xy).distance(Point(1000, 45)) + 45
        assert out.loc[uid, "walk_m"] == pytest.approx(F * leg + _street_walk(1000, 0), abs=1e-6), uid
        assert out.loc[uid, "access"] == "estimated", uid


def test_the_workbooks_notes_say_the_300_m_does_not_hold_inside_walls():
    """The 说明 sheet said units beyond 300 m have no walk (超过 300 米的记为无法到达), which no
    longer holds for a unit inside walls with a gate; a run given walls says how they are walked,
    one without walls (the demo) reads as before."""
    from spatial.io.workbook import _notes_rows

    about = {"speed_kmh": 4.0, "bands": ["15min"], "max_snap_m": 100.0, "max_off_network_m": 300.0,
             "detour_factor": 1.25}
    plain = dict(_notes_rows(about, "zh"))
    assert "围墙内步行" not in plain and "超过 300 米的记为无法到达" in plain["估算步行"]
    walled = dict(_notes_rows({**about, "walls": True}, "zh"))
    assert walled["围墙内步行"] == ("围墙（--barriers）内没有已入图道路的小区：墙内单元与同一围墙内的服务站之间按直线距离 × 1.25 "
                                "估算步行，墙内单元经本小区大门（--gates）走出，不受 300 米的限制")
    assert "whatever the 300 m" in dict(_notes_rows({**about, "walls": True}, "en"))["Walks inside walls"]
