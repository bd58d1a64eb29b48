"""Grouped unions (``spatial.core._geom``) equal a union group by group, whatever the groups."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from spatial.core import _geom
from spatial.core._geom import union_groups


def _one_by_one(geoms, group, n):
    return [shapely.union_all(geoms[group == g]) if (group == g).any() else shapely.Polygon() for g in range(n)]


def test_known_groups_and_an_empty_one():
    boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6), shapely.box(1, 0, 2, 1),
                      shapely.box(0.5, 0, 1.5, 2)], dtype=object)
    out = union_groups(boxes, np.array([0, 1, 0, 0]), 3)
    assert out[0].area == pytest.approx(3.0)  # two unit squares, and the 1 × 2 strip over their join adds 1
    assert out[0].equals(shapely.union_all(boxes[[0, 2, 3]]))
    assert out[1].equals(boxes[1])
    assert out[2].is_empty and out[2].geom_type == "Polygon"


def test_uneven_groups_equal_unions_one_by_one(monkeypatch):
    # overlapping discs in groups of 1 to 300 (one group far wider than the rest), some groups empty,
    # on two threads: the same polygons as a union per group
    monkeypatch.setattr(_geom, "_MIN_ROWS", 4)
    rng = np.random.default_rng(7)
    sizes = np.r_[rng.integers(1, 12, 60), 300, 0, 0, 5]
    group = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(group)
    centres = rng.random((len(group), 2)) * 100 + group[:, None] * 50.0
    discs = shapely.buffer(shapely.points(centres), rng.random(len(group)) * 8 + 1, quad_segs=4)
    out = union_groups(discs, group, len(sizes))
    expected = _one_by_one(discs, group, len(sizes))
    assert len(out) == len(sizes)
    for g, (got, want) in enumerate(zip(out, expected)):
        assert got.equals(want) or (got.is_empty and want.is_empty), g


def test_a_group_that_is_no_coverage_falls_back_to_an_overlay_union():
    # group 0 tiles exactly (a coverage); group 1 overlaps itself: GEOS refuses a coverage union there
    tiles = [shapely.box(x, 0, x + 1, 1) for x in range(4)]
    overlapping = [shapely.box(10, 0, 12, 1), shapely.box(11, 0, 13, 1)]
    geoms = np.array(tiles + overlapping, dtype=object)
    out = union_groups(geoms, np.array([0, 0, 0, 0, 1, 1]), 2, coverage=True)
    assert out[0].equals(shapely.box(0, 0, 4, 1))
    assert out[1].equals(shapely.box(10, 0, 13, 1))


def _outline_points(seed=5):
    """Points every 4 m along the outlines of a 10 x 10 town of uneven blocks, as the street-gap
    sharing samples them (GEOS drew one of these cells as the rest of the envelope)."""
    rng = np.random.default_rng(seed)
    xs = np.cumsum(np.r_[0, rng.uniform(30, 60, 10)])
    ys = np.cumsum(np.r_[0, rng.uniform(30, 60, 10)])
    boxes = [shapely.box(x0 + rng.uniform(4, 10), y0 + rng.uniform(4, 10), x1, y1)
             for x0, x1 in zip(xs[:-1], xs[1:]) for y0, y1 in zip(ys[:-1], ys[1:])]
    coords = shapely.get_coordinates(shapely.segmentize(shapely.boundary(np.array(boxes, dtype=object)), 4.0))
    return np.unique(np.round(coords, 3), axis=0), shapely.box(0, 0, xs[-1], ys[-1])


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_voronoi_cells_are_convex_hold_their_point_and_tile_the_envelope(seed):
    from spatial.core._voronoi import voronoi_cells

    coords, town = _outline_points(seed)
    cells = voronoi_cells(coords, town)
    pts = shapely.points(coords)
    assert shapely.contains(cells, pts).all()
    hull = shapely.area(shapely.convex_hull(cells))
    np.testing.assert_allclose(shapely.area(cells), hull, rtol=1e-9)
    held = np.bincount(shapely.STRtree(cells).query(pts, predicate="within")[1], minlength=len(cells))
    assert (held == 1).all()  # no cell holds another's point
    inside = shapely.area(shapely.intersection(cells, town)).sum()
    assert inside == pytest.approx(town.area, rel=1e-9)  # no overlap, no hole over the town


def test_a_cell_drawn_again_is_the_exact_cell():
    from spatial.core._voronoi import mend

    coords = np.array([[0.0, 0.0], [4.0, 0.0], [8.0, 0.0], [4.0, 5.0]])
    square = shapely.box(-10, -10, 20, 20)
    good = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(coords), extend_to=square, ordered=True))
    broken = good.copy()
    broken[1] = shapely.difference(shapely.box(*shapely.total_bounds(good)), good[1])  # the rest of the envelope
    mended = mend(broken, coords)
    assert shapely.equals_exact(shapely.normalize(mended[1]), shapely.normalize(good[1]), tolerance=1e-9) or \
        shapely.area(shapely.symmetric_difference(mended[1], good[1])) < 1e-9
    assert all(mended[i] is broken[i] for i in (0, 2, 3))


def test_many_cells_drawn_again_at_once_are_each_the_exact_cell():
    """On a lattice of points every cell is the square round its point; the cells GEOS got wrong
    (here: every other one, made wrong on purpose) are all drawn again, each its own square, and
    the rest are left as they were."""
    from spatial.core._voronoi import mend

    xy = np.array([[x, y] for x in range(0, 80, 4) for y in range(0, 80, 4)], dtype=float)
    squares = shapely.box(xy[:, 0] - 2, xy[:, 1] - 2, xy[:, 0] + 2, xy[:, 1] + 2)
    envelope = shapely.box(-2, -2, 78, 78)
    broken = squares.copy()
    wrong = np.arange(0, len(xy), 2)
    broken[wrong] = shapely.difference(envelope, squares[wrong])  # the rest of the envelope, as GEOS once gave
    mended = mend(broken, xy)
    inside = shapely.intersection(mended, envelope)  # the edge cells reach beyond the lattice
    assert np.all(shapely.area(shapely.symmetric_difference(inside, squares)) < 1e-9)
    keep = np.setdiff1d(np.arange(len(xy)), wrong)
    assert all(mended[i] is broken[i] for i in keep)
