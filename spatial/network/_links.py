"""Which lines a point may be linked to, and the nearest of them (for :mod:`spatial.network.snapping`).

Owns the rule for tunnels and bridges: no point is linked into an edge wholly in a tunnel while
another edge lies within reach, nor onto a boardwalk over the water it crosses, nor up onto the
deck of an edge wholly on a bridge away from its ends (:data:`BRIDGE_END_M`, or up to the water
a bridge passes over first, on the bank within :data:`BRIDGE_BANK_M` of its end). The lines are
made once for each network (and set of barrier lines) and kept while the network lives. May import
core, ``spatial.network._snapindex``, ``_walkfilter`` and ``graph``; nothing of snapping.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import shapely

from spatial.network import _snapindex
from spatial.network._snapindex import nearest_edges
from spatial.network._walkfilter import BOARDWALK, IN_TUNNEL, MERGED, ON_BRIDGE
from spatial.network.graph import WalkNetwork

__all__ = ["BRIDGE_BANK_M", "BRIDGE_END_M", "Links", "boardwalk_reach", "bridge_reach", "clear", "linkable", "nearest",
           "nearest_links"]


#: How far from each end (m) a bridge is linked to, unless it passes over water within
#: :data:`BRIDGE_BANK_M` of it (then up to the water) or a street or track sooner (then up to it).
BRIDGE_END_M = 10.0
#: A bridge way starts where the bridge's structure does (OSM: the way is split at its
#: abutments), often on the bank, or at the junction with the street along it: water this near its
#: end (m) is reached by walking the deck over the bank (the embankment, the green along the river,
#: a footbridge's ramp) from beside it. Water farther on is crossed by a viaduct over dry land
#: first, high on piers, and the deck is reached at its end (:data:`BRIDGE_END_M`) as over a street.
BRIDGE_BANK_M = 100.0


@dataclass(frozen=True, eq=False)
class Links:
    """The lines a point may be linked to: ``geometry`` (each edge, None where it may not be,
    then the stretches of bridges near their ends), each on edge ``edge`` from ``start_m`` along
    it, ``length_m`` long."""

    geometry: np.ndarray
    length_m: np.ndarray
    edge: np.ndarray
    start_m: np.ndarray

    def on_edges(self, piece: np.ndarray, along: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The edge (-1 for -1) and the offset along it of places ``along`` pieces ``piece``."""
        hit = piece >= 0
        at = np.where(hit, piece, 0)
        return np.where(hit, self.edge[at], -1), np.where(hit, along + self.start_m[at], along)


#: The lines of each network a point may be linked to (``linkable``), kept while the network lives.
_LINKABLE: "weakref.WeakKeyDictionary[WalkNetwork, dict]" = weakref.WeakKeyDictionary()


def linkable(network: WalkNetwork, barriers: np.ndarray | None = None) -> tuple[Links, Links | None]:
    """The lines a point may be linked to (:class:`Links`): the edges on the ground, and of the
    edges wholly on a bridge only the stretches near their ends (:func:`bridge_reach`; a bridge
    over one of the lines ``barriers``, a river given so, as over water); then the edges wholly in
    a tunnel alone, for the points with nothing else within reach (None when there are none). Without such edges, ``network.geometry`` itself. Kept with the network, one for each
    set of stretches."""
    cache = _LINKABLE.get(network)
    if cache is None:
        cache = _LINKABLE[network] = {}
    if "kinds" not in cache:
        m = len(network.geometry)
        og, kind = network.off_ground, network.off_ground_kind
        tunnel, bridge, boardwalk = np.zeros(m, bool), np.zeros(m, bool), np.zeros(m, bool)
        if len(og) == m and len(kind) == m:
            tunnel = og & ((kind & IN_TUNNEL) != 0) & ((kind & (MERGED | ON_BRIDGE)) == 0)
            bridge = og & ((kind & ON_BRIDGE) != 0) & ((kind & MERGED) == 0)
        if len(kind) == m:
            boardwalk = ((kind & BOARDWALK) != 0) & ((kind & (MERGED | ON_BRIDGE | IN_TUNNEL)) == 0)
        cache["kinds"] = tunnel, np.flatnonzero(bridge), np.flatnonzero(boardwalk)
    tunnel, bridges, boardwalks = cache["kinds"]
    decks = np.r_[bridges, boardwalks].astype(np.int64)

    def reach_of(given):
        (bu, bv), (wu, wv) = bridge_reach(network, bridges, given), boardwalk_reach(network, boardwalks, given)
        return np.r_[bu, wu], np.r_[bv, wv]

    if "reach" not in cache:
        cache["reach"] = reach_of(None)
    reach = cache["reach"]
    if barriers is not None and len(barriers) and len(decks):
        reach = reach_of(barriers)
    key = (reach[0].tobytes(), reach[1].tobytes())
    if key not in cache:
        own = (cache["reach"][0].tobytes(), cache["reach"][1].tobytes())
        for old in [k for k in cache if isinstance(k, tuple) and k != own]:
            del cache[old]  # the lines of other barriers (each has its snapping index): the last only
        cache[key] = _lines(network, tunnel, decks, reach)
    return cache[key]


def _lines(network: WalkNetwork, tunnel: np.ndarray, bridges: np.ndarray, reach) -> tuple[Links, Links | None]:
    """:func:`linkable`'s lines: the bridges and boardwalks ``bridges`` linked to within ``reach``
    (from their ``u`` and ``v`` ends) of their ends, whole where the two meet."""
    m = len(network.geometry)
    geoms = network.geometry[bridges]
    length = shapely.length(geoms)
    split = np.flatnonzero(reach[0] + reach[1] < length)
    if len(split):
        from shapely.ops import substring

        pieces = np.asarray([substring(geoms[i], a, b) if b > a else None for i in split  # none from an end in the air
                             for a, b in ((0.0, reach[0][i]), (length[i] - reach[1][i], length[i]))], dtype=object)
    else:
        pieces = np.empty(0, object)
    piece_edge = np.repeat(bridges[split], 2)
    piece_start = np.column_stack([np.zeros(len(split)), length[split] - reach[1][split]]).ravel()
    bridge = np.zeros(m, bool)
    bridge[piece_edge] = True

    def links(out: np.ndarray) -> Links:
        if not out.any():
            return Links(network.geometry, network.length_m, np.arange(m), np.zeros(m))
        geometry = np.concatenate([network.geometry, pieces]).astype(object)
        geometry[np.flatnonzero(out)] = None
        return Links(geometry, np.r_[network.length_m, shapely.length(pieces)], np.r_[np.arange(m), piece_edge],
                      np.r_[np.zeros(m), piece_start])

    if not tunnel.any():
        return links(tunnel | bridge), None
    # the points with no other line within reach have only tunnels within it: index those alone
    # (not a second index of every edge: 0.3 s and 250 MB at 2M edges)
    inside = np.flatnonzero(tunnel)
    return links(tunnel | bridge), Links(network.geometry[inside], network.length_m[inside], inside,
                                         np.zeros(len(inside)))


def bridge_reach(network: WalkNetwork, bridges: np.ndarray,
                  barriers: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """How far from their ``u`` and ``v`` ends the edges ``bridges`` (wholly on a bridge) are
    linked to: :data:`BRIDGE_END_M`, or up to the water when a bridge passes over water first
    and within :data:`BRIDGE_BANK_M` of the end (the bank a bridge way starts on; a line of
    ``barriers`` counts as water; a viaduct over dry land to water farther on is reached within
    :data:`BRIDGE_END_M` of its end, as until December 2026 it was not: a home beside a 400 m
    approach was linked onto its deck anywhere), but not past
    the first street or railway track it passes over (a street crossing it with no node shared);
    not at all from an end where only such edges meet (a bridge drawn as several ways, joined in
    the air), nor from one inside a water area (a bridge out to a pavilion in a lake)."""
    geoms = network.geometry[bridges]
    length = shapely.length(geoms)
    water = _wet(network, barriers) if len(bridges) else np.empty(0, object)
    found = []  # (bridge, offset along it, over water)
    for lines, wet, tree in ((water, True, None), (network.water.rails, False, None),
                             (network.geometry, False, _snapindex._strtree(network.geometry))):
        if not len(lines) or not len(bridges):
            continue
        bi, li = (tree or shapely.STRtree(lines)).query(geoms, predicate="crosses")
        if tree is not None:  # the streets the bridge meets at its ends are no street under it
            ends = np.stack([network.edge_u[bridges[bi]], network.edge_v[bridges[bi]]], axis=1)
            keep = ~((network.edge_u[li][:, None] == ends) | (network.edge_v[li][:, None] == ends)).any(axis=1)
            bi, li = bi[keep], li[keep]
        if len(bi):
            pts, at = shapely.get_coordinates(shapely.intersection(geoms[bi], np.asarray(lines, dtype=object)[li]),
                                              return_index=True)
            found.append((bi[at], shapely.line_locate_point(geoms[bi[at]], shapely.points(pts)),
                          np.full(len(at), wet)))
    b, along, wet = (np.concatenate(x) for x in zip(*found)) if found else (np.empty(0, np.int64), np.empty(0),
                                                                          np.empty(0, bool))
    # an end where only bridges meet (a bridge drawn as several ways) is in the air
    nodes = np.r_[network.edge_u, network.edge_v]
    degree = np.bincount(nodes, minlength=network.n_nodes)
    decks = np.bincount(np.r_[network.edge_u[bridges], network.edge_v[bridges]], minlength=network.n_nodes)
    in_air = (degree >= 2) & (decks == degree)
    reach = []
    for from_u, end in ((True, network.edge_u[bridges]), (False, network.edge_v[bridges])):
        d = along if from_u else length[b] - along  # the first thing under the bridge from this end
        order = np.lexsort((d, b))
        first = order[np.r_[True, b[order][1:] != b[order][:-1]]] if len(order) else order
        r = np.full(len(bridges), BRIDGE_END_M)
        bank = wet[first] & (d[first] <= BRIDGE_BANK_M)
        r[b[first]] = np.where(bank, d[first], np.minimum(d[first], BRIDGE_END_M))
        r[in_air[end] | _in_water(network, end)] = 0.0  # nor from an end out in a lake
        reach.append(r)
    return reach[0], reach[1]


def boardwalk_reach(network: WalkNetwork, boardwalks: np.ndarray,
                    barriers: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """How far from their ``u`` and ``v`` ends the edges ``boardwalks`` (``bridge=boardwalk``, at
    the ground's level) are linked to: the whole edge, or up to the water where one passes over
    it (meets a river line, a shoreline or a line of ``barriers``; a boardwalk out over a lake is
    not linked to from the shore across the water); not at all from an end inside a water area
    (the end of a boardwalk out into a lake)."""
    geoms = network.geometry[boardwalks]
    length = shapely.length(geoms) if len(boardwalks) else np.empty(0)
    ru, rv = length.copy(), length.copy()
    water = _wet(network, barriers)
    if not len(boardwalks) or not len(water):
        return ru, rv
    bi, li = shapely.STRtree(water).query(geoms, predicate="intersects")
    if len(bi):
        pts, at = shapely.get_coordinates(shapely.intersection(geoms[bi], water[li]), return_index=True)
        b = bi[at]
        along = shapely.line_locate_point(geoms[b], shapely.points(pts))
        np.minimum.at(ru, b, along)
        np.minimum.at(rv, b, length[b] - along)
    ru[_in_water(network, network.edge_u[boardwalks])] = 0.0
    rv[_in_water(network, network.edge_v[boardwalks])] = 0.0
    return ru, rv


def _in_water(network: WalkNetwork, nodes: np.ndarray) -> np.ndarray:
    """Which ``nodes`` lie inside a water area closed by the network's shorelines (the end of a
    pier or a boardwalk out into a lake)."""
    out = np.zeros(len(nodes), bool)
    water = network.water
    if not len(nodes) or not len(water.outlines):
        return out
    if water not in _AREAS:
        areas = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(water.outlines))))
        _AREAS[water] = shapely.union_all(areas) if len(areas) else None
    if _AREAS[water] is not None:
        out = shapely.contains(_AREAS[water], shapely.points(network.node_xy[nodes]))
    return out


#: The water areas closed by each network's shorelines (one geometry, or None), kept while its water lives.
_AREAS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _wet(network: WalkNetwork, barriers: np.ndarray | None) -> np.ndarray:
    """The lines that count as water under a bridge: the network's river lines, shorelines and
    banks, and the lines ``barriers`` (a river given so)."""
    lines = [network.water.rivers, network.water.outlines] + ([] if barriers is None else [barriers])
    return np.concatenate(lines).astype(object)


def nearest_links(links: Links, xy: np.ndarray, max_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``nearest_edges`` among ``links``: edge, distance and offset along the edge."""
    piece, dist, along = nearest_edges(links.geometry, xy, max_m)
    edge, offset = links.on_edges(piece, along)
    return edge, dist, offset


def nearest(network: WalkNetwork, xy: np.ndarray, max_m: float,
             links: tuple[Links, Links | None] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``nearest_edges`` within ``max_m`` among the lines a point may be linked to (``links``, by
    default ``linkable(network)``); a point with none that near goes into the nearest tunnel, if
    any is."""
    ground, tunnels = linkable(network) if links is None else links
    edge, dist, offset = nearest_links(ground, xy, max_m)
    if tunnels is not None:
        miss = np.flatnonzero((edge < 0) & np.isfinite(xy).all(axis=1))
        if len(miss):
            edge[miss], dist[miss], offset[miss] = nearest_links(tunnels, xy[miss], max_m)
    return edge, dist, offset


def clear() -> None:
    """Forget the lines kept for every network."""
    _LINKABLE.clear()
