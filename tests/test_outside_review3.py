"""Today's merges reviewed by a skeptical user: water read from an OSM file, tables as offices send
them, the GCJ-02 hint, and grids no plan can bring within the rule.

Each test names what a user met on the old code, with its figures.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from spatial import read_network, walking_coverage
from test_outside_huangpu import UTM, X0, Y0, _osm_xml


def _xy(x: float, y: float) -> tuple[float, float]:
    return X0 + x, Y0 + y


def _homes(*points: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"unit_id": [f"h{i}" for i in range(len(points))], "households": [10] * len(points)},
                            geometry=[Point(_xy(*p)) for p in points], crs=UTM)


def _station(x: float, y: float) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"station_id": ["S1"], "name": ["幸福路党群服务站"]}, geometry=[Point(_xy(x, y))],
                            crs=UTM)


# ------------------------------------------------------------------ water: a river under a street


def _culvert_town(path: Path, water: str) -> Path:
    """幸福路 along y = 0 (x from -200 to 200), passing over a canal that meets it at 30 degrees at
    the origin, with no bridge or culvert mapped (as small canals under streets usually are): its
    centre line (``line``) or its outline, 6 m wide, (``area``)."""
    t = math.tan(math.radians(30))
    nodes = {1: _xy(-200, 0), 2: _xy(200, 0), 21: _xy(-200, -200 * t), 22: _xy(200, 200 * t)}
    ways = [(1, [1, 2], {"highway": "residential", "name": "幸福路"})]
    if water == "line":
        ways.append((5, [21, 22], {"waterway": "canal"}))
    else:
        up = 3 / math.cos(math.radians(30))  # the banks 3 m either side of the centre line
        nodes.update({31: _xy(-200, -200 * t - up), 32: _xy(200, 200 * t - up),
                      33: _xy(200, 200 * t + up), 34: _xy(-200, -200 * t + up)})
        ways.append((6, [31, 32, 33, 34, 31], {"natural": "water", "water": "canal"}))
    _osm_xml(path, nodes, ways)
    return path


@pytest.mark.parametrize("water", ["line", "area"])
def test_a_home_beside_a_street_over_an_unbridged_canal_walks_to_the_street_on_its_own_bank(tmp_path, water):
    # was: the home 12 m north of 幸福路 at x = 10, north of the canal, was 'unreachable, cut off by
    # a barrier': the street's nearest point (10, 0) lies south of the canal, and no other point of
    # the street was tried, though the street runs on the home's own bank west of the canal. Now
    # it walks to the street where its own bank meets it, then 100 m west along it to the station.
    net = read_network(_culvert_town(tmp_path / "t.osm", water))
    out = walking_coverage(_homes((10, 12)), _station(-100, 0), net, meters=[100, 500])
    assert out["access"].iloc[0] == "network" and out["reason"].iloc[0] == ""
    # the line: where it passes under the street (x = 0). The area: the street's stretch over the
    # canal (x from -6 to 6) is a bridge (a leg may end in the water, docs/estimated-walks.md), its
    # nearest point to the home is where the south bank meets the street, x = 3 m / sin 30 = 6
    bank_x = 0.0 if water == "line" else 3 / math.sin(math.radians(30))
    leg = math.hypot(10 - bank_x, 12)
    assert out["off_network_m"].iloc[0] == pytest.approx(leg, abs=0.1)
    assert out["walk_m"].iloc[0] == pytest.approx(leg + (bank_x + 100), abs=0.2)


def _plaza(path: Path, tags: dict) -> Path:
    """人民广场: a footway along y = 0 (x from -100 to 100) and a street along y = 60; a round basin
    4 m across at (0, 10) between the footway and a home at (0, 20), tagged ``tags``."""
    nodes = {1: _xy(-100, 0), 2: _xy(100, 0), 3: _xy(-100, 60), 4: _xy(100, 60)}
    ring = []
    for k in range(12):
        a = 2 * math.pi * k / 12
        nodes[100 + k] = _xy(2 * math.cos(a), 10 + 2 * math.sin(a))
        ring.append(100 + k)
    ways = [(1, [1, 2], {"highway": "footway"}), (2, [3, 4], {"highway": "residential", "name": "人民路"}),
            (3, [*ring, ring[0]], {"natural": "water", **tags})]
    _osm_xml(path, nodes, ways)
    return path


@pytest.mark.parametrize("tags", [{"amenity": "fountain"}, {"water": "fountain"}, {"water": "reflecting_pool"},
                                  {"leisure": "swimming_pool"}])
def test_a_fountain_in_the_square_is_walked_round_not_a_barrier(tmp_path, tags):
    # was: the home 20 m north of the square's footway, a fountain 4 m across between them, was
    # sent 40 m to 人民路 (its leg to the footway 'went into the water and out again'); now it
    # walks its 20 m to the footway, as before the water was read
    net = read_network(_plaza(tmp_path / "p.osm", tags))
    out = walking_coverage(_homes((0, 20)), _station(-50, 0), net, meters=[100, 500])
    assert out["off_network_m"].iloc[0] == pytest.approx(20.0, abs=0.05)


def test_a_pond_between_a_home_and_its_only_footway_is_walked_round_not_a_cut(tmp_path):
    # a garden pond is no fountain: the leg straight over it (20 m) is still refused. Was: the home
    # was 'unreachable, cut off by a barrier' (the footway's nearest point lay behind the pond, and
    # no other point of it was tried). Now it walks past the pond's side to the footway: the leg
    # grazing the pond's east corner (2, 10) meets the footway at x = 4, hypot(4, 20) = 20.4 m
    # (a corner cut by less than a metre counts as grazed, docs/estimated-walks.md: within 0.05 m)
    net = read_network(_plaza(tmp_path / "p.osm", {"water": "pond"}))
    out = walking_coverage(_homes((0, 20)), _station(-50, 0), net, meters=[100, 500])
    assert out["access"].iloc[0] == "network" and out["reason"].iloc[0] == ""
    assert out["off_network_m"].iloc[0] == pytest.approx(math.hypot(4, 20), abs=0.05)


def test_a_wall_given_as_a_barrier_across_a_street_leaves_the_street_s_near_part_to_the_home(tmp_path):
    # the same with a wall given by the user (no water in the file): the wall meets 幸福路 at the
    # origin at 30 degrees; the home at (10, 12) beyond it, 12 m from the street's far part, was cut
    # off; it walks to the street beside the wall, hypot(10, 12) = 15.6 m
    import shapely

    t = math.tan(math.radians(30))
    path = tmp_path / "t.osm"
    _osm_xml(path, {1: _xy(-200, 0), 2: _xy(200, 0)}, [(1, [1, 2], {"highway": "residential", "name": "幸福路"})])
    net = read_network(path)
    wall = gpd.GeoDataFrame(geometry=[shapely.LineString([_xy(-200, -200 * t), _xy(200, 200 * t)])], crs=UTM)
    out = walking_coverage(_homes((10, 12)), _station(-100, 0), net, meters=[100, 500], barriers=wall)
    assert out["access"].iloc[0] == "network"
    assert out["off_network_m"].iloc[0] == pytest.approx(math.hypot(10, 12), abs=0.1)
