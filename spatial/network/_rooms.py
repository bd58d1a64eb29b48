"""Walled ground no mapped path enters (a gated estate, 小区, whose paths OSM lacks): its "rooms".

The ``barriers`` given to the walks (walls as polygons, or lines meeting end to end) shut in
areas. One that no walkway of the network enters is a room: the homes and stations inside it
walk across its inside, which the map does not show, on estimated walks (straight line times the
detour factor, as any estimated leg), to each other and to the gates in its walls, whatever
``max_off_network_m`` (the limit for a leg from a home far off any mapped path) says. An area a
walkway enters (a block ringed by arterials given as barriers, an estate whose paths are
mapped) is no room: it is walked along its paths.
"""

from __future__ import annotations

import weakref

import numpy as np
import shapely

from spatial.network import _snapindex

#: The rooms of the last barriers and walkways asked (a service area's tiles snap their cells
#: with the same arrays, many times): (weak references to both, the rooms).
_last: list = []

__all__ = ["walled_areas", "rooms", "room_of"]


def walled_areas(barriers) -> np.ndarray:
    """The areas the ``barriers`` enclose (polygons as given, and the faces closed rings and lines
    meeting end to end shut in), as polygons; empty without any."""
    geoms = np.empty(0, object) if barriers is None else np.asarray(barriers, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if not len(geoms):
        return np.empty(0, object)
    poly = np.isin(shapely.get_type_id(geoms), (3, 6))
    parts = [shapely.get_parts(geoms[poly])]
    lines = geoms[~poly]
    if len(lines):
        noded = shapely.union_all(lines)  # walls drawn as lines meeting end to end shut in their faces
        parts.append(shapely.get_parts(shapely.polygonize(shapely.get_parts(noded))))
    return np.concatenate(parts)


def rooms(barriers, edges: np.ndarray) -> np.ndarray:
    """Of :func:`walled_areas`, those whose inside no line of ``edges`` (the network's walkways)
    enters, as polygons."""
    if isinstance(barriers, np.ndarray) and isinstance(edges, np.ndarray):
        if _last and _last[0]() is barriers and _last[1]() is edges:
            return _last[2]
        out = _rooms(barriers, edges)
        _last[:] = [weakref.ref(barriers), weakref.ref(edges), out]
        return out
    return _rooms(barriers, edges)


def _rooms(barriers, edges) -> np.ndarray:
    """:func:`rooms`, not kept."""
    walls = walled_areas(barriers)
    edges = np.asarray(edges, dtype=object)  # (the network's own array: its tree is cached)
    if not len(walls) or not len(edges):
        return walls
    pair = _snapindex._strtree(edges).query(walls, predicate="intersects")
    entered = np.zeros(len(walls), dtype=bool)
    inner = shapely.relate_pattern(walls[pair[0]], edges[pair[1]], "T********")
    entered[pair[0][inner]] = True  # interiors meet
    return walls[~entered]


def room_of(areas: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """For each point of ``xy`` the index into ``areas`` of the smallest one holding it, -1 where
    none does (or the point has no location)."""
    out = np.full(len(xy), -1, np.int64)
    seen = np.flatnonzero(np.isfinite(xy).all(axis=1))
    if not len(areas) or not len(seen):
        return out
    pi, ai = shapely.STRtree(areas).query(shapely.points(xy[seen]), predicate="within")
    order = np.lexsort((shapely.area(areas)[ai], pi))  # the smallest first per point
    pi, ai = pi[order], ai[order]
    first = np.r_[True, pi[1:] != pi[:-1]] if len(pi) else np.zeros(0, bool)
    out[seen[pi[first]]] = ai[first]
    return out
