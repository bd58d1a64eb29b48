"""Unions of many small groups of polygons at once (grid polygons, units grown into street gaps),
and the polygonal part of what GEOS gives back (``polygonal``, ``polygonals``); a point written as
a MultiPoint of one (``one_points``).

``shapely.union_all`` on one group at a time pays a Python call per group; with the groups laid
out as the rows of a None-padded array, ``union_all(rows, axis=1)`` unions every row in one GEOS
call, and the rows split between threads (shapely releases the GIL). Written here because
shapely has no grouped union (geopandas' ``dissolve`` calls ``union_all`` group by group).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from spatial.core._threads import halves, thread_map

__all__ = ["one_points", "polygonal", "polygonals", "union_groups", "union_polygons"]

def one_points(geoms) -> np.ndarray:
    """``geoms`` (an array of geometries) with each MultiPoint of one point made that point: QGIS,
    GDAL and map apps (Google My Maps, a KML's ``<MultiGeometry>``) write points so. A MultiPoint
    of several stays as it is, for the caller to refuse.

    Examples
    --------
    >>> [g.wkt for g in one_points([shapely.MultiPoint([(1, 2)]), shapely.MultiPoint([(0, 0), (1, 1)])])]
    ['POINT (1 2)', 'MULTIPOINT ((0 0), (1 1))']
    """
    geoms = np.asarray(geoms, dtype=object)
    one = (shapely.get_type_id(geoms) == 4) & (shapely.get_num_geometries(geoms) == 1)
    if not one.any():
        return geoms
    out = geoms.copy()
    out[one] = shapely.get_geometry(geoms[one], 0)
    return out


def polygonal(g):
    """The polygonal part of ``g``: itself when a (Multi)Polygon, else the union of its polygon
    parts (``make_valid`` and overlays may return collections with lines and points), else an
    empty Polygon."""
    if g is None or g.is_empty:
        return shapely.Polygon()
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def polygonals(geoms) -> np.ndarray:
    """:func:`polygonal` of each geometry of ``geoms`` (an object array): the (Multi)Polygons that
    are not empty, nearly all of them, as they are, found in one call for the array; the others
    one by one.

    Examples
    --------
    >>> import shapely
    >>> square = shapely.box(0, 0, 1, 1)
    >>> [g.wkt for g in polygonals(np.array([square, shapely.Point(0, 0), None], dtype=object))]
    ['POLYGON ((1 0, 1 1, 0 1, 0 0, 1 0))', 'POLYGON EMPTY', 'POLYGON EMPTY']
    """
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    kind = shapely.get_type_id(geoms)  # None: -1
    done = ((kind == 3) | (kind == 6)) & ~shapely.is_empty(geoms)
    for i in np.flatnonzero(~done):
        out[i] = polygonal(geoms[i])
    return out



#: Fewest rows worth a thread of their own.
_MIN_ROWS = 32


def union_polygons(geoms: np.ndarray):
    """Polygonal union of ``geoms`` (its halves on threads of their own, then the two); on a GEOS
    robustness failure, the union on a 1 mm grid."""
    geoms = np.asarray(geoms, dtype=object)
    try:
        parts = thread_map(shapely.union_all, [geoms[s] for s in halves(len(geoms), _MIN_ROWS)])
        return polygonal(shapely.union_all(np.asarray(parts, dtype=object)) if len(parts) > 1 else parts[0])
    except shapely.errors.GEOSException:
        return polygonal(shapely.union_all(shapely.make_valid(geoms), grid_size=1e-3))


def union_groups(geoms: np.ndarray, group: np.ndarray, n_groups: int, *, coverage: bool = False) -> np.ndarray:
    """Polygonal union of the geometries of each group: ``out[g]`` unions ``geoms[group == g]``.

    A group with no geometry gets an empty Polygon. The result equals
    ``[union_polygons(geoms[group == g]) for g in range(n_groups)]``. With ``coverage``, each
    group is an exact coverage (polygons sharing whole edges, such as Voronoi cells) and
    ``shapely.coverage_union_all`` unions it, several times faster (an overlay union where GEOS
    refuses a group or returns an invalid polygon: the group was no coverage).

    Examples
    --------
    >>> import numpy as np, shapely
    >>> boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6), shapely.box(1, 0, 2, 1)])
    >>> [round(g.area, 1) for g in union_groups(boxes, np.array([0, 1, 0]), 3)]
    [2.0, 1.0, 0.0]
    """
    geoms = np.asarray(geoms, dtype=object)
    group = np.asarray(group, dtype=np.int64)
    out = np.array([shapely.Polygon()] * n_groups, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(group, kind="stable")
    group, geoms = group[order], geoms[order]
    count = np.bincount(group, minlength=n_groups)
    start = np.cumsum(count) - count
    # a few large groups would pad every row to their length: those are unioned one by one
    width = max(int(np.percentile(count[count > 0], 90)) * 4, 8)
    wide = np.flatnonzero(count > width)
    for g in wide:
        out[g] = _row_unions(geoms[None, start[g]:start[g] + count[g]], coverage)[0]
    rows_of = np.flatnonzero((count > 0) & (count <= width))
    if len(rows_of) == 0:
        return out
    row = np.full(n_groups, -1)
    row[rows_of] = np.arange(len(rows_of))
    keep = row[group] >= 0
    rows = np.full((len(rows_of), int(count[rows_of].max())), None, dtype=object)
    rows[row[group[keep]], (np.arange(len(group)) - start[group])[keep]] = geoms[keep]
    out[rows_of] = np.concatenate(thread_map(lambda s: _row_unions(rows[s], coverage), halves(len(rows), _MIN_ROWS)))
    return out


def _row_unions(rows: np.ndarray, coverage: bool = False) -> np.ndarray:
    """Polygonal union of each row of a None-padded object array; if GEOS refuses a row, the
    rows are halved until it is found, and that row gets :func:`union_polygons`' fallback."""
    op = shapely.coverage_union_all if coverage else shapely.union_all
    try:
        out = op(rows, axis=1)
    except shapely.errors.GEOSException:
        if len(rows) > 8:  # halve until the rows GEOS refuses are found
            return np.concatenate([_row_unions(rows[: len(rows) // 2], coverage),
                                   _row_unions(rows[len(rows) // 2:], coverage)])
        out = np.array([_union_row(r[pd.notna(r)], op) for r in rows], dtype=object)
    if coverage:  # GEOS does not always refuse overlapping parts: their coverage union is invalid
        bad = np.flatnonzero(~shapely.is_valid(out))
        out[bad] = [union_polygons(r[pd.notna(r)]) for r in rows[bad]]
    odd = np.flatnonzero(~np.isin(shapely.get_type_id(out), (3, 6)))  # collections with lines or points
    out[odd] = [polygonal(g) for g in out[odd]]
    return out


def _union_row(geoms: np.ndarray, op):
    try:
        return op(geoms)
    except shapely.errors.GEOSException:
        return union_polygons(geoms)
