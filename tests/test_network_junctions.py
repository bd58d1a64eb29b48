"""T-junctions found the slow way (``spatial.network._junctions.join_t_junctions``).

Each case is a random layer of bent lines, half of whose ends are put on another line (exactly,
0.2 m off, or on one of its vertices), some doubling back along another. The reference finds, by
shapely's distances between every vertex and every segment (of any line), the vertices that lie
within the tolerance of a segment but farther than it from both its ends, with their foot inside
it: those, and only those, are joined.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from spatial.network._junctions import join_t_junctions

TOL = 0.5


def layer(seed: int, n: int = 120) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 600, (n, 2))
    b = a + rng.normal(0, 120, (n, 2))
    mid = (a + b) / 2 + rng.normal(0, 15, (n, 2))
    lines = [shapely.LineString([a[k], mid[k], b[k]]) for k in range(n)]
    for k in range(n // 2):
        o = int(rng.integers(n))
        if o == k:
            continue
        end = np.array(shapely.line_interpolate_point(lines[o], rng.uniform(0.05, 0.95), normalized=True).coords[0])
        if k % 3 == 0:
            end = end + rng.normal(0, 0.2, 2)
        if k % 7 == 0:
            end = np.array(lines[o].coords[1])
        c = list(lines[k].coords)
        c[-1] = tuple(end)
        lines[k] = shapely.LineString(c)
    for k in range(n // 2, n // 2 + 5):  # back along another line
        c = list(lines[int(rng.integers(n // 2))].coords)
        lines[k] = shapely.LineString([c[0], c[1], tuple((np.array(c[0]) + np.array(c[1])) / 2)])
    return np.array(lines, dtype=object)


def reference(parts: np.ndarray) -> set[tuple[int, int]]:
    """The vertices (line, position) lying on a segment of a line, its own line's other segments
    included (a line touching itself), between the segment's ends."""
    found = set()
    for li, line in enumerate(parts):
        for lj, other in enumerate(parts):
            oc = list(other.coords)
            for s0, s1 in zip(oc[:-1], oc[1:]):
                segment = shapely.LineString([s0, s1])
                for k, p in enumerate(line.coords):
                    point = shapely.Point(p)
                    if (shapely.distance(point, segment) <= TOL and shapely.distance(point, shapely.Point(s0)) > TOL
                            and shapely.distance(point, shapely.Point(s1)) > TOL
                            and 0 < shapely.line_locate_point(segment, point, normalized=True) < 1):
                        found.add((li, k))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_vertices_joined_are_those_found_the_slow_way(seed):
    parts = layer(seed)
    out, joined, _, apart = join_t_junctions(parts, TOL)
    want = reference(parts)
    assert joined == len(want) > 10 and apart == 0
    # each such vertex is now a vertex of a line it lay on (the lines keep their order and count)
    assert len(out) == len(parts)
    added = {tuple(c) for line in out for c in line.coords} - {tuple(c) for line in parts for c in line.coords}
    assert not added  # a vertex is added at the joined point's own position
    grew = sum(len(o.coords) - len(p.coords) for o, p in zip(out, parts))
    assert grew >= len(want)


def test_lines_meeting_only_at_their_ends_are_left_as_they_are():
    grid = [shapely.LineString([(x, 0), (x, 100), (x, 200)]) for x in (0, 100, 200)]
    grid += [shapely.LineString([(0, y), (100, y), (200, y)]) for y in (0, 100, 200)]
    parts = np.array(grid, dtype=object)
    out, joined, crossings, apart = join_t_junctions(parts, TOL)
    assert (joined, crossings, apart) == (0, 0, 0)
    assert all(o.equals(p) for o, p in zip(out, parts))
