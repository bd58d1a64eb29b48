"""Outlines of coverage gaps: one polygon a gap, and outlines kept apart.

:func:`gap_shapes` draws each gap as the union of its units' polygons and the buffered concave
hull of its points; :func:`apart` cuts outlines that overlap another gap's homes back to their
own. Split out of :mod:`spatial.coverage.gaps`, which calls them; imports :mod:`spatial.core`.
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

from spatial.core.checks import polygonal as polygonal_part

logger = logging.getLogger(__name__)


def gap_shapes(geoms: np.ndarray, cuts: np.ndarray, comps: np.ndarray, buffer_m: float) -> list:
    """One polygon a gap: the union of its unit polygons and the concave hull of its points buffered.

    ``geoms[cuts[c]:cuts[c + 1]]`` are the units of gap ``c``; one polygon is returned for each
    gap of ``comps``, in that order. The hulls and buffers of all gaps are made in one vectorised
    call each (the same GEOS operation on each gap's points as one call a gap).
    """
    n = len(geoms)
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    polygonal = np.zeros(n, dtype=bool)
    polygonal[valid] = np.isin(shapely.get_type_id(geoms[valid]), (3, 6))
    broken = np.flatnonzero(polygonal & ~shapely.is_valid(geoms))
    if len(broken):  # an invalid footprint (a self-touching OSM building) would stop the union
        geoms = geoms.copy()
        geoms[broken] = [polygonal_part(g) for g in shapely.make_valid(geoms[broken])]
    pointlike = valid & ~polygonal
    out = np.empty(len(comps), dtype=object)
    out[:] = [shapely.Polygon() for _ in range(len(comps))]
    pos = np.full(len(cuts) - 1, -1, dtype=np.int64)  # each gap's place in ``comps``
    pos[np.asarray(comps, dtype=np.int64)] = np.arange(len(comps))
    gap_of_row = pos[np.repeat(np.arange(len(cuts) - 1), np.diff(cuts))]
    hull = np.full(len(comps), None, dtype=object)
    rows = np.flatnonzero(pointlike & (gap_of_row >= 0))
    if len(rows):
        coords, owner = shapely.get_coordinates(geoms[rows], return_index=True)
        owner_gap = gap_of_row[rows][owner]
        with_points, part = np.unique(owner_gap, return_inverse=True)
        order = np.argsort(part.ravel(), kind="stable")  # by gap, each gap's coordinates in order
        coords, ends = coords[order], np.cumsum(np.bincount(part.ravel(), minlength=len(with_points)))
        # one call a gap: faster than ``indices=``, which makes a Point object a coordinate first
        pts = np.empty(len(with_points), dtype=object)
        pts[:] = [shapely.multipoints(coords[a:b]) for a, b in zip(np.r_[0, ends[:-1]], ends)]
        hulls = shapely.concave_hull(pts, ratio=0.3)
        hull[with_points] = shapely.buffer(hulls, buffer_m) if buffer_m > 0 else hulls
    has_poly = np.zeros(len(comps), dtype=bool)
    prow = np.flatnonzero(polygonal & (gap_of_row >= 0))
    has_poly[gap_of_row[prow]] = True
    for k in np.flatnonzero(has_poly | (hull != None)):  # noqa: E711 - elementwise
        parts = []
        if has_poly[k]:
            c = comps[k]
            mine = geoms[cuts[c]:cuts[c + 1]]
            parts.append(shapely.union_all(mine[polygonal[cuts[c]:cuts[c + 1]]]))
        if hull[k] is not None:
            parts.append(hull[k])
        out[k] = shapely.union_all(parts) if len(parts) > 1 else parts[0]
    return list(out)


def apart(outlines: list, geoms: np.ndarray, cuts: np.ndarray, comps: np.ndarray) -> list:
    """Gap outlines that do not overlap, each holding its own homes only.

    The hulls of two gaps can cross (Futian: 75 of 321 uncovered homes lay inside two outlines),
    and an outline is read as "these homes". Where outlines overlap, each home claims the ground
    nearer to it than to any other home of those gaps (its Voronoi cell), and a gap's outline is
    cut to its homes' cells; its own unit polygons are kept whole. Then, in the gaps' order (rank
    first), each outline loses what an earlier one holds: only homes at one spot in two gaps, or
    unit polygons that overlap in the input, are decided so. ``outlines`` is in the order of
    ``comps``; the units of gap ``c`` are ``geoms[cuts[c]:cuts[c + 1]]``.
    """
    out = np.empty(len(outlines), dtype=object)
    out[:] = outlines
    solid = ~(shapely.is_missing(out) | shapely.is_empty(out))
    rows = np.flatnonzero(solid)
    a, b = shapely.STRtree(out[rows]).query(out[rows], predicate="intersects")
    pair = a < b
    a, b = rows[a[pair]], rows[b[pair]]
    crossed = shapely.area(shapely.intersection(out[a], out[b])) > 0
    if not crossed.any():
        return list(out)
    involved = np.unique(np.r_[a[crossed], b[crossed]])
    # the homes of those gaps, one spot each (a spot shared by two gaps goes to the first)
    parts, owner, units = [], [], []
    for k in involved:
        c = comps[k]
        mine = geoms[cuts[c]:cuts[c + 1]]
        mine = mine[~(shapely.is_missing(mine) | shapely.is_empty(mine))]
        areal = np.isin(shapely.get_type_id(mine), (3, 6))
        units.append(shapely.union_all(mine[areal]) if areal.any() else None)
        spots = shapely.get_coordinates(shapely.point_on_surface(mine))
        parts.append(spots)
        owner.append(np.full(len(spots), k))
    xy, owner = np.concatenate(parts), np.concatenate(owner)
    xy, first = np.unique(xy, axis=0, return_index=True)
    owner = owner[first]
    if len(xy) > 1:
        frame = shapely.box(*shapely.total_bounds(out[involved])).buffer(1.0)
        cells = np.asarray(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=frame,
                                                                      ordered=True)), dtype=object)
    else:
        cells = np.array([shapely.box(*shapely.total_bounds(out[involved]))], dtype=object)
    by_gap = np.argsort(owner, kind="stable")  # each gap's cells, in the order found
    ends = np.searchsorted(owner[by_gap], involved, side="right")
    starts = np.searchsorted(owner[by_gap], involved, side="left")
    mine = np.empty(len(involved), dtype=object)
    mine[:] = [shapely.coverage_union_all(cells[by_gap[a:b]]) if b > a else shapely.Polygon()
               for a, b in zip(starts, ends)]
    cut = [polygonal_part(g) for g in shapely.intersection(out[involved], mine)]
    cut = [g if u is None else shapely.union(g, u) for g, u in zip(cut, units)]
    # each outline loses what the earlier ones hold: an earlier one can only hold what lies in
    # its own cut outline, so only those whose cut outlines meet this one are looked at (all of
    # them one by one took 7 of 8 s for the 2,757 outlines of 20,000 random homes on Futian)
    qa, qb = shapely.STRtree(cut).query(cut, predicate="intersects")
    keep = qb < qa
    qa, qb = qa[keep], qb[keep]
    order = np.lexsort((qb, qa))
    qa, qb = qa[order], qb[order]
    first = np.searchsorted(qa, np.arange(len(involved) + 1))
    done = []
    for pos, k in enumerate(involved):
        shape = cut[pos]
        earlier = [done[p] for p in qb[first[pos]:first[pos + 1]] if shapely.intersects(done[p], shape)]
        if earlier:
            shape = polygonal_part(shapely.difference(shape, shapely.union_all(earlier)))
        out[k] = shape
        done.append(shape)
    logger.debug("gap outlines: %d pairs overlapped, %d outlines cut to their homes", int(crossed.sum()),
                 len(involved))
    return list(out)

