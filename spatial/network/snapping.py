"""Snap points to the nearest walkable edge (not node), with their position along it.

A point's straight leg to the edge counts as walking. Points farther than ``max_snap_m`` from
every kept edge are not snapped and say why: ``"in a dropped network component"`` when a dropped
component's edge is that close, else ``"too far from network"``. Nothing is dropped.
Nearest edges come from a uniform grid of the edges' straight segments with exact projection
(numpy, in chunks), then a KD-tree of samples along the edges, falling back to shapely's
STRtree.query_nearest where neither can prove the answer (see ``spatial.network._snapindex``); all are
exact; on two cores the index is built and 1M points are answered on a 2M-edge network in
about 0.7 s.

No point is linked into an edge that runs in a tunnel over its whole length (a 地下通道 under a
junction, a road tunnel under a hill): a home beside or above it is reached from the street, not
by a leg down into the tube. Only a point with no other edge within ``max_snap_m`` (a shop of an
underground mall) is linked into one. A tunnel osmnx merged with the streets beside it
(``MERGED``) is linked to as a street. On the demo, 10 of 1,866 units were linked into a
tunnel (legs of 8-34 m); 15-minute coverage went from 79.5% to 79.4% of households.

Nor is a point linked up onto the deck of a bridge beside it (a footbridge, a viaduct): an edge
wholly on a bridge is linked to within :data:`BRIDGE_END_M` of its ends, or up to the water when
it passes over water first (a bridge way often starts on the bank; a river given as a barrier
counts), never past the first street, underpass or track under it, nor from an end where only
bridges meet, in the air (:func:`spatial.network._links.bridge_reach`). On
the demo, 5 of 1,866 units had been linked onto a deck 11-36 m from its ends; they walk 21-50 m
less (three) or 1-22 m more (two), none into another band. A bridge merged with its streets is a
street.

``snap_walks`` (demand points) goes on where ``snap_points`` stops: a point beyond ``max_snap_m``
but within ``max_off_network_m`` gets an estimated leg over unmapped ground (paths inside estates
that the map lacks), its straight length times a detour factor, optionally through an estate
gate, never across a barrier line nor across the network's water (an OSM file's rivers and water
areas, :mod:`spatial.network._water`). Barrier legs are checked with shapely's STRtree (``crosses``);
a point whose nearest leg crosses one is searched again over every edge within reach (STRtree
``dwithin``) but those wholly behind one segment of a wall line as seen from the point
(:meth:`spatial.network._water.Walls.hidden`: a home between a station yard's tracks is hidden
from hundreds of streets): per edge its nearest point, and where that is across, its ends and
either side of where it meets a wall (a street over a river line drawn without a bridge is reached on the
point's own side of the river), and on edges still nearer than any foot found, where the rays
past the walls' nearest corners meet them (a pond between a home and its footway).
``benchmarks/bench_estimated_walks.py`` (200k homes, 40k-node lattice with 400 m estates):
``walking_coverage`` about 0.3-0.5 s with or without estimated legs, 0.9 s with 200 barrier
lines and 2,000 gates (2.4 s until the crossing checks settled clear crossings with arithmetic).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

from spatial.core._points import home_frame, polygon_points  # noqa: F401  (named here too)
from spatial.core.checks import require_crs
from spatial.core.errors import SpatialError
from spatial.network import _links, _rooms, _snapindex
from spatial.network._snapindex import nearest_edges
from spatial.network._links import BRIDGE_END_M, Links, linkable, nearest  # noqa: F401  (BRIDGE_END_M named here too)
from spatial.network._wallside import _beside_the_walls, _crossing, _foot_xy
from spatial.network._water import Walls, each_with_each
from spatial.network.graph import WalkNetwork

logger = logging.getLogger(__name__)

__all__ = ["Snap", "snap_points", "snap_walks", "layer_xy", "home_frame", "polygon_points", "snap_layer", "clear_cache", "TOO_FAR",
           "DROPPED_COMPONENT", "NO_LOCATION", "BARRIER_CUT", "NO_GATE", "NETWORK", "ESTIMATED", "UNREACHABLE",
           "gateless"]

TOO_FAR = "too far from network"
DROPPED_COMPONENT = "in a dropped network component"
NO_LOCATION = "no location (empty geometry)"



@dataclass(frozen=True)
class Snap:
    """Where each point meets the network.

    Attributes
    ----------
    edge : numpy.ndarray
        ``(p,)`` int64 edge index, -1 where not snapped.
    offset_m : numpy.ndarray
        ``(p,)`` distance along the edge from its ``u`` end (NaN where not snapped).
    leg_m : numpy.ndarray
        ``(p,)`` straight distance from the point to the edge (NaN where not snapped).
    reason : numpy.ndarray
        ``(p,)`` object: ``""`` or why the point was not snapped.
    off_network_m : numpy.ndarray, optional
        From :func:`snap_walks` only: ``(p,)`` straight length of the leg off the mapped network
        (through a gate when one is used), NaN where there is none. ``leg_m`` is then what that
        leg costs on foot (``detour_factor`` times it for estimated legs).
    access : numpy.ndarray, optional
        From :func:`snap_walks` only: ``(p,)`` object, ``"network"``, ``"estimated"`` or
        ``"unreachable"``.
    xy : numpy.ndarray, optional
        From :func:`snap_walks` with barriers only: ``(p, 2)`` the points.
    room : numpy.ndarray, optional
        From :func:`snap_walks` with barriers only: ``(p,)`` int64 index into ``rooms`` of the
        walled ground no mapped path enters that holds each point (:mod:`spatial.network._rooms`),
        -1 for none. Points of two snaps in the same room walk straight across it to each other
        (``detour_factor`` times the line; :func:`spatial.network.routing.inside_walls`).
    rooms : numpy.ndarray, optional
        The rooms (polygons, in ``network.crs``) ``room`` indexes.
    detour_factor : float
        What one straight metre across a room costs on foot.
    """

    edge: np.ndarray
    offset_m: np.ndarray
    leg_m: np.ndarray
    reason: np.ndarray
    off_network_m: np.ndarray | None = None
    access: np.ndarray | None = None
    xy: np.ndarray | None = None
    room: np.ndarray | None = None
    rooms: np.ndarray | None = None
    detour_factor: float = 1.0

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of snapped points."""
        return self.edge >= 0

    def take(self, rows) -> "Snap":
        """The snap of the points ``rows`` (indices or a mask), their rooms kept."""
        def part(a):
            return None if a is None else a[rows]

        return Snap(edge=self.edge[rows], offset_m=self.offset_m[rows], leg_m=self.leg_m[rows],
                    reason=self.reason[rows], off_network_m=part(self.off_network_m), access=part(self.access),
                    xy=part(self.xy), room=part(self.room), rooms=self.rooms, detour_factor=self.detour_factor)

    def __len__(self) -> int:
        return len(self.edge)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def _check_metres(value, name: str) -> None:
    """Refuse a distance that is not a number > 0 (None, "100" or NaN) in one line."""
    if not (_is_number(value) and value > 0):
        raise SpatialError(f"{name} must be a positive number of metres, got {value!r}")


def snap_points(network: WalkNetwork, xy: np.ndarray, *, max_snap_m: float = 100.0) -> Snap:
    """Snap points (in ``network.crs``) to their nearest edge within ``max_snap_m`` metres.

    Parameters
    ----------
    network : WalkNetwork
    xy : numpy.ndarray
        ``(p, 2)`` coordinates in ``network.crs``; NaN rows are reported as having no location.
    max_snap_m : float
        Longest straight leg from a point to the network, metres.

    Returns
    -------
    Snap
    """
    _check_metres(max_snap_m, "max_snap_m")
    return _snap(network, xy, max_snap_m)


def _snap(network: WalkNetwork, xy: np.ndarray, max_snap_m: float, links=None) -> Snap:
    """:func:`snap_points` onto ``links`` (:func:`linkable`; by default the network's own)."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    p = len(xy)
    valid = np.isfinite(xy[:, 0]) & np.isfinite(xy[:, 1])
    if valid.all():
        edge, leg, offset = nearest(network, xy, max_snap_m, links)
    else:
        edge = np.full(p, -1, np.int64)
        leg = np.full(p, np.nan)
        offset = np.full(p, np.nan)
        edge[valid], leg[valid], offset[valid] = nearest(network, xy[valid], max_snap_m, links)
    reason = np.full(p, "", dtype=object)
    reason[~valid] = NO_LOCATION
    hit = edge >= 0
    # float sums may overshoot the edge's end by ~1e-12 m
    if hit.all():
        np.clip(offset, 0.0, network.length_m.take(edge), out=offset)
    else:
        offset[hit] = np.clip(offset[hit], 0.0, network.length_m[edge[hit]])
    miss = np.flatnonzero(valid & ~hit)
    if len(miss):
        reason[miss] = TOO_FAR
        if len(network.dropped_geometry):
            de, _, _ = nearest_edges(network.dropped_geometry, xy[miss], max_snap_m)
            reason[miss[de >= 0]] = DROPPED_COMPONENT
        logger.info("%d of %d points not snapped within %.0f m", len(miss), p, max_snap_m)
    return Snap(edge=edge, offset_m=offset, leg_m=leg, reason=reason)


def layer_xy(gdf: gpd.GeoDataFrame, network: WalkNetwork, *, name: str) -> np.ndarray:
    """Coordinates of a point or polygon layer in ``network.crs`` (polygons: representative point).

    Raises :class:`~spatial.CRSError` when the layer has no CRS. Empty or missing geometries give
    NaN rows (reported by :func:`snap_points` as having no location).
    """
    crs = require_crs(gdf, name)
    geom = gdf.geometry
    if crs != network.crs:
        geom = geom.to_crs(network.crs)
    frame = home_frame(geom.total_bounds, network.crs)
    values = np.asarray(geom.values)  # the shapely objects (shapely's functions skip pandas' wrappers)
    good = ~(shapely.is_missing(values) | shapely.is_empty(values))
    g = values[good]
    points = shapely.get_type_id(g) == 0
    if not points.all():
        # only the others need a representative point (1M points: 0.55 s saved)
        g[~points] = polygon_points(g[~points], network.crs, frame)
    if good.all():
        return shapely.get_coordinates(g)
    xy = np.full((len(gdf), 2), np.nan)
    xy[good] = shapely.get_coordinates(g)
    return xy


def snap_layer(gdf: gpd.GeoDataFrame, network: WalkNetwork, *, max_snap_m: float = 100.0,
               name: str = "points", snap: Snap | None = None) -> gpd.GeoDataFrame:
    """The layer with ``snap_edge``, ``snap_offset_m``, ``snap_leg_m`` and ``reason`` added: of
    ``snap`` when given (e.g. :func:`spatial.coverage.walks.station_snaps`, with estimated legs),
    else of :func:`snap_points` within ``max_snap_m``."""
    if snap is None:
        snap = snap_points(network, layer_xy(gdf, network, name=name), max_snap_m=max_snap_m)
    out = gdf.copy()
    out["snap_edge"] = snap.edge
    out["snap_offset_m"] = snap.offset_m
    out["snap_leg_m"] = snap.leg_m
    out["reason"] = snap.reason.astype(str)
    return out


def clear_cache() -> None:
    """Forget the snapping indexes kept for networks, freeing their memory.

    The first snap onto a network builds an index of its edges (about 250 MB for 2M edges) and
    keeps it while the network lives, so later snaps onto it are faster; the next snap after
    this call builds it again.
    """
    _snapindex._cache.clear()
    _snapindex._tree_cache.clear()
    _links.clear()


# ----------------------------------------------------------------------- walks off the network

#: How a demand point's walk was made (``Snap.access`` and the ``access`` column of coverage).
NETWORK = "network"
ESTIMATED = "estimated"
UNREACHABLE = "unreachable"
#: Reason of a point whose every walkway within reach lies across a barrier.
BARRIER_CUT = "cut off by a barrier"
#: Reason of a point inside walls no mapped path enters (a room) with no gate given in them: it has
#: no walk until the gates are given (``gates_xy``) or the paths inside mapped.
NO_GATE = "in walls with no gate given"
#: A barrier this close to a gate does not stop the legs through that gate (gates sit in walls).
GATE_TOLERANCE_M = 10.0


def snap_walks(network: WalkNetwork, xy: np.ndarray, *, max_snap_m: float = 100.0,
               max_off_network_m: float | None = 300.0, detour_factor: float = 1.25,
               gates_xy: np.ndarray | None = None, barriers: np.ndarray | None = None) -> Snap:
    """Snap demand points, giving those beyond ``max_snap_m`` an estimated leg over unmapped ground.

    A point within ``max_snap_m`` of a walkway walks straight to it (``access = "network"``, the
    leg counted as walked). A point farther, but within ``max_off_network_m``, gets an estimated
    leg (``"estimated"``): its straight length times ``detour_factor`` (pedestrian route directness
    is 1.2-1.4 in the literature), to the nearest walkway, or through the nearest gate when
    ``gates_xy`` are given. Farther points are ``"unreachable"``. No leg crosses a ``barriers`` line.

    Parameters
    ----------
    network : WalkNetwork
    xy : numpy.ndarray
        ``(p, 2)`` coordinates in ``network.crs``; NaN rows have no location.
    max_snap_m : float
        Longest leg counted as a mapped walk, metres.
    max_off_network_m : float or None
        Longest off-network leg (straight metres, through the gate when one is used); beyond it a
        point is unreachable. None or ``max_snap_m``: no estimated legs.
    detour_factor : float
        What one straight metre off the network costs on foot (>= 1).
    gates_xy : numpy.ndarray, optional
        ``(g, 2)`` estate gates (门, 出入口) in ``network.crs``. A point without a mapped walk
        leaves through its nearest usable gate (one snapped within ``max_snap_m``, no barrier on
        the way; a crossing within ``GATE_TOLERANCE_M`` of the gate does not count, one farther
        from it does, even of a barrier passing nearer the gate) of all those whose whole leg
        stays within ``max_off_network_m``, else walks straight to the nearest walkway. A point
        inside walls no mapped path enters (a room, :mod:`spatial.network._rooms`) left without a
        walk so leaves through the nearest gate of its walls however long the leg.
    barriers : numpy.ndarray, optional
        Shapely lines (walls, rivers, arterials without crossings; polygons count by their
        outline) in ``network.crs``. A leg crossing one is not used; a point whose every walkway
        within ``max_off_network_m`` lies across one is unreachable, reason ``BARRIER_CUT``. The
        network's own water (``network.water``: river lines, and shorelines no leg crosses twice)
        is a barrier too, with or without these. The areas they shut in that no walkway
        enters are rooms: ``room`` says which holds each point (with estimated walks on).

    Returns
    -------
    Snap
        With ``leg_m`` the leg's walking cost, ``off_network_m`` its straight length and
        ``access`` set.
    """
    _check_metres(max_snap_m, "max_snap_m")
    if not (_is_number(detour_factor) and np.isfinite(detour_factor) and detour_factor >= 1):
        raise SpatialError(f"detour_factor must be a number >= 1 (a walk is never shorter than the "
                           f"straight line; the literature uses 1.2-1.4), got {detour_factor!r}")
    limit = float(max_snap_m if max_off_network_m is None else max_off_network_m)
    if not (np.isfinite(limit) and limit >= max_snap_m):
        raise SpatialError(f"max_off_network_m must be a number of metres >= max_snap_m "
                           f"({max_snap_m:g}), got {max_off_network_m!r}")
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    given = _barrier_lines(barriers)
    links = linkable(network, given)  # a bridge over a barrier (a river given so) is linked to up to it
    snap = _snap(network, xy, max_snap_m, links)
    edge, offset, leg, reason = snap.edge.copy(), snap.offset_m.copy(), snap.leg_m.copy(), snap.reason.copy()
    valid = np.isfinite(xy).all(axis=1)
    walls = _barrier_tree(given, network)
    if walls is not None:  # snapped legs across a barrier are searched again
        on = np.flatnonzero(edge >= 0)
        on = on[walls.near(xy[on], leg[on])]  # only legs that may reach a barrier are drawn
        cross = _crossing(walls, xy[on], _foot_xy(network, edge[on], offset[on]))
        edge[on[cross]] = -1
        reason[on[cross]] = BARRIER_CUT
    far = np.flatnonzero(valid & (edge < 0))
    if len(far) and (limit > max_snap_m or walls is not None):
        e, d, o = _nearest_reachable(network, xy[far], limit, walls, links)
        got = e >= 0
        edge[far[got]], leg[far[got]], offset[far[got]] = e[got], d[got], o[got]
        reason[far[got]] = ""
        cut = e == -2  # walkways within reach, all across a barrier
        reason[far[cut]] = BARRIER_CUT
    estimated = (edge >= 0) & (leg > max_snap_m)
    if gates_xy is not None and len(gates_xy) and limit > max_snap_m:
        todo = np.flatnonzero(valid & ((edge < 0) | estimated))
        g_edge, g_off, g_dist = _through_gates(network, xy[todo], np.asarray(gates_xy, np.float64).reshape(-1, 2),
                                               max_snap_m=max_snap_m, limit=limit, walls=walls, links=links)
        use = g_edge >= 0
        rows = todo[use]
        edge[rows], offset[rows], leg[rows], reason[rows] = g_edge[use], g_off[use], g_dist[use], ""
        estimated[rows] = True
    rooms, room = np.empty(0, object), np.full(len(xy), -1, np.int64)
    if len(given) and limit > max_snap_m:  # walled ground no mapped path enters: walked across
        rooms = _rooms.rooms(barriers, network.geometry)
        room = _rooms.room_of(rooms, xy)
        todo = np.flatnonzero((room >= 0) & (edge < 0))
        if len(todo) and gates_xy is not None and len(gates_xy):  # out by a gate of its walls, however far
            g_edge, g_off, g_dist = _room_gates(network, xy[todo], room[todo], rooms,
                                                np.asarray(gates_xy, np.float64).reshape(-1, 2),
                                                max_snap_m=max_snap_m, walls=walls, links=links)
            use = g_edge >= 0
            rows = todo[use]
            edge[rows], offset[rows], leg[rows], reason[rows] = g_edge[use], g_off[use], g_dist[use], ""
            estimated[rows] = True
        shut = gateless(rooms, gates_xy)  # walls with no gate given: said so, not "too far" or "cut off"
        lost = np.flatnonzero((room >= 0) & (edge < 0))
        reason[lost[shut[room[lost]]]] = NO_GATE
    hit = edge >= 0  # the nearest-edge search can overshoot an edge's end by about 1e-11 m
    offset[hit] = np.clip(offset[hit], 0.0, network.length_m[edge[hit]])
    off = np.where(edge >= 0, leg, np.nan)
    cost = np.where(estimated, off * detour_factor, off)
    access = np.where(edge >= 0, np.where(estimated, ESTIMATED, NETWORK), UNREACHABLE).astype(object)
    if estimated.any():
        logger.info("%d of %d points get an estimated walk (%.0f-%.0f m off the network, x%.2f)",
                    int(estimated.sum()), len(xy), max_snap_m, limit, detour_factor)
    return Snap(edge=edge, offset_m=offset, leg_m=cost, reason=reason, off_network_m=off, access=access,
                xy=xy if len(rooms) else None, room=room if len(rooms) else None, rooms=rooms if len(rooms) else None,
                detour_factor=float(detour_factor))


def gateless(rooms: np.ndarray, gates_xy: np.ndarray | None) -> np.ndarray:
    """Which of ``rooms`` (walls no mapped path enters, :mod:`spatial.network._rooms`) have no gate
    of ``gates_xy`` within ``GATE_TOLERANCE_M`` of their walls: their homes leave by none.

    Examples
    --------
    >>> walls = np.array([shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)])
    >>> gateless(walls, np.array([[105.0, 50.0]])).tolist(), gateless(walls, None).tolist()
    ([False, True], [True, True])
    """
    shut = np.ones(len(rooms), dtype=bool)
    if gates_xy is None or not len(gates_xy) or not len(rooms):
        return shut
    g = np.asarray(gates_xy, np.float64).reshape(-1, 2)
    g = g[np.isfinite(g).all(axis=1)]
    ri, _ = shapely.STRtree(shapely.points(g)).query(shapely.boundary(rooms), predicate="dwithin",
                                                      distance=GATE_TOLERANCE_M)
    shut[ri] = False
    return shut


def _barrier_lines(barriers) -> np.ndarray:
    """The ``barriers`` as lines (polygons by their outline), the empty ones left out."""
    geoms = np.empty(0, object) if barriers is None else np.asarray(barriers, dtype=object)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    poly = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms[poly] = shapely.boundary(geoms[poly])
    return geoms


def _barrier_tree(geoms: np.ndarray, network: WalkNetwork) -> Walls | None:
    """The walls of the legs: the barrier lines ``geoms`` (:func:`_barrier_lines`) and the
    network's water (river lines; shorelines, crossed once but not twice) and railway tracks; None
    when there are none."""
    water = network.water
    lines = water.lines  # river lines and railway tracks
    walls = Walls(np.concatenate([geoms, lines]) if len(lines) else geoms, water)
    return walls if walls else None


def _nearest_reachable(network: WalkNetwork, xy: np.ndarray, limit: float, walls, links):
    """Nearest edge within ``limit`` whose leg crosses no barrier: edge (-1 none within reach, -2
    only across barriers), leg and offset, among ``links`` (:func:`linkable`). The foot of the
    leg is each edge's nearest point."""
    e, d, o = nearest(network, xy, limit, links)
    if walls is None:
        return e, d, o
    found = np.flatnonzero(e >= 0)
    found = found[walls.near(xy[found], d[found])]
    bad = found[_crossing(walls, xy[found], _foot_xy(network, e[found], o[found]))]
    if not len(bad):
        return e, d, o
    # every edge within reach of those points, nearest leg first, the first one not across a barrier
    # (the lines a point may be linked to: ei indexes them)
    links, tunnels = links
    pts = shapely.points(xy[bad])
    pi, ei = _snapindex._strtree(links.geometry).query(pts, predicate="dwithin", distance=limit)
    # an edge wholly behind a wall has no foot to try (a station's yard hides hundreds from a home in it)
    edges, inv = np.unique(ei, return_inverse=True)
    seen = ~walls.hidden(xy[bad], pi, links.geometry[edges], inv)
    pi, ei = pi[seen], ei[seen]
    geoms = links.geometry[ei]
    along = shapely.line_locate_point(geoms, pts[pi])
    foot = shapely.line_interpolate_point(geoms, along)
    dist = shapely.distance(pts[pi], foot)
    ok = ~_crossing(walls, xy[bad][pi], shapely.get_coordinates(foot))
    pi, ei, dist, along = _beside_the_walls(links, xy[bad], walls, pi, ei, dist, along, ok, limit)
    ok = np.r_[ok, np.ones(len(pi) - len(ok), bool)]
    order = np.lexsort((dist, pi))
    order = order[ok[order]]
    first = order[np.r_[True, pi[order][1:] != pi[order][:-1]]] if len(order) else order
    e[bad], d[bad], o[bad] = -2, np.nan, np.nan
    rows = bad[pi[first]]
    e[rows], o[rows] = links.on_edges(ei[first], along[first])
    d[rows] = dist[first]
    _into_tunnels(network, xy, limit, walls, tunnels, e, d, o)
    return e, d, o


def _into_tunnels(network: WalkNetwork, xy: np.ndarray, limit: float, walls, tunnels, e, d, o) -> None:
    """Link the points whose every other walkway lies across a barrier (``e == -2``) into the
    nearest tunnel within ``limit`` whose leg crosses none, in place: the top of the stairs down to
    an underpass on a railway platform, between the tracks, walks down them (as a point with
    nothing else within reach does, :func:`spatial.network._links.nearest`)."""
    cut = np.flatnonzero(e == -2)
    if tunnels is None or not len(cut):
        return
    te, td, to = _links.nearest_links(tunnels, xy[cut], limit)
    got = np.flatnonzero(te >= 0)
    got = got[~_crossing(walls, xy[cut[got]], _foot_xy(network, te[got], to[got]))]
    e[cut[got]], d[cut[got]], o[cut[got]] = te[got], td[got], to[got]


def _through_gates(network: WalkNetwork, xy: np.ndarray, gates: np.ndarray, *, max_snap_m: float,
                   limit: float, walls, links=None):
    """Edge, offset and straight leg (home -> gate -> walkway) through each point's nearest usable
    gate; edge -1 where no gate keeps the whole leg within ``limit``.

    Every gate within ``limit`` is tried, nearest first, in growing batches (8, 16, 32 ...) until
    one keeps the leg within ``limit`` and clear of barriers. Only the 8 nearest were tried: a
    home in a wall of many gates whose 8 nearest lead to no walkway within reach (the street
    reached from a far gate) was left unreachable.
    """
    p = len(xy)
    edge, off, dist = np.full(p, -1, np.int64), np.full(p, np.nan), np.full(p, np.nan)
    gsnap, usable = _usable_gates(network, gates, max_snap_m=max_snap_m, walls=walls, links=links)
    g = np.flatnonzero(usable)
    if not len(g) or not p:
        return edge, off, dist
    tree = cKDTree(gates[g])
    rows = np.arange(p)  # points with no gate found yet
    seen, k = 0, min(8, len(g))
    while len(rows):
        d, j = tree.query(xy[rows], k=k, distance_upper_bound=limit)
        d, j = d.reshape(len(rows), k), j.reshape(len(rows), k)
        todo = np.ones(len(rows), bool)
        for c in range(seen, k):  # the gates not tried yet, nearest first
            r = np.flatnonzero(todo & np.isfinite(d[:, c]))
            gi = g[j[r, c]]
            total = d[r, c] + gsnap.leg_m[gi]
            good = total <= limit
            if walls is not None and good.any():
                rg = np.flatnonzero(good)
                at = rows[r[rg]]
                good[rg[_crossing(walls, xy[at], _toward(gates[gi[rg]], xy[at]))]] = False
            r, gi, total = r[good], gi[good], total[good]
            edge[rows[r]], off[rows[r]], dist[rows[r]] = gsnap.edge[gi], gsnap.offset_m[gi], total
            todo[r] = False
        # on to the next batch: points still without a gate whose k-th gate was within reach
        rows = rows[todo & np.isfinite(d[:, k - 1])] if k < len(g) else rows[:0]
        seen, k = k, min(2 * k, len(g))
    return edge, off, dist


def _usable_gates(network: WalkNetwork, gates: np.ndarray, *, max_snap_m: float, walls, links,
                  warn: bool = True) -> tuple[Snap, np.ndarray]:
    """The gates' snap and which are usable: snapped within ``max_snap_m``, their leg to the walkway
    crossing no barrier farther than ``GATE_TOLERANCE_M`` from the gate (said once, ``warn``)."""
    gsnap = _snap(network, gates, max_snap_m, links)
    usable = gsnap.ok.copy()
    gfoot = np.full((len(gates), 2), np.nan)
    gfoot[usable] = _foot_xy(network, gsnap.edge[usable], gsnap.offset_m[usable])
    if walls is not None and usable.any():
        u = np.flatnonzero(usable)
        usable[u[_crossing(walls, _toward(gates[u], gfoot[u]), gfoot[u])]] = False
    if warn and (not gsnap.ok.all() or not usable.all()):
        logger.warning("%d of %d gates are not used: farther than %.0f m from a walkway or across a "
                       "barrier from it", int((~usable).sum()), len(gates), max_snap_m)
    return gsnap, usable


#: A point inside walls is walked to this far inside the walls from where its gate meets them (m).
INSIDE_GATE_M = 0.05


def _room_gates(network: WalkNetwork, xy: np.ndarray, room: np.ndarray, rooms: np.ndarray, gates: np.ndarray, *,
                max_snap_m: float, walls, links):
    """Edge, offset and straight leg (home -> gate -> walkway) of points inside walls no mapped path
    enters (``room``: each point's index into ``rooms``), each through the nearest usable gate of
    its own walls (within ``GATE_TOLERANCE_M`` of them), however long the leg; edge -1 where none.

    The leg inside is tested from the point to where the gate meets the walls (a hair inside
    them): a home beside the wall reaches a gate drawn a few metres outside it along the wall,
    where the straight leg to the gate would cross the wall farther than ``GATE_TOLERANCE_M``
    from it. The leg's length is home -> gate -> walkway, as for any gate.
    """
    p = len(xy)
    edge, off, dist = np.full(p, -1, np.int64), np.full(p, np.nan), np.full(p, np.nan)
    gsnap, usable = _usable_gates(network, gates, max_snap_m=max_snap_m, walls=walls, links=links, warn=False)
    g = np.flatnonzero(usable)
    if not len(g) or not p:
        return edge, off, dist
    ring = shapely.boundary(rooms)
    ri, gi = shapely.STRtree(shapely.points(gates[g])).query(ring, predicate="dwithin", distance=GATE_TOLERANCE_M)
    gi = g[gi]  # the gates of each room's walls
    at = shapely.line_locate_point(ring[ri], shapely.points(gates[gi]))
    in_wall = shapely.get_coordinates(shapely.line_interpolate_point(ring[ri], at))
    h, k = each_with_each(np.arange(p), room, ri, len(rooms))  # each point with each gate of its walls
    gate, wall_xy = gi[k], in_wall[k]
    v = xy[h] - wall_xy
    n = np.hypot(v[:, 0], v[:, 1])
    inside = wall_xy + v * (np.minimum(n, INSIDE_GATE_M) / np.where(n > 0, n, 1.0))[:, None]
    ok = np.ones(len(h), bool) if walls is None else ~_crossing(walls, xy[h], inside)
    to_gate = np.hypot(*(xy[h] - gates[gate]).T)
    order = np.lexsort((to_gate, h))  # the nearest gate first
    order = order[ok[order]]
    first = order[np.r_[True, h[order][1:] != h[order][:-1]]] if len(order) else order
    rows, gate = h[first], gate[first]
    edge[rows], off[rows], dist[rows] = gsnap.edge[gate], gsnap.offset_m[gate], to_gate[first] + gsnap.leg_m[gate]
    return edge, off, dist


def _toward(gate: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The point ``GATE_TOLERANCE_M`` from ``gate`` toward ``other`` (the gate itself when nearer)."""
    v = other - gate
    n = np.hypot(v[:, 0], v[:, 1])
    step = np.where(n > GATE_TOLERANCE_M, GATE_TOLERANCE_M / np.where(n > 0, n, 1.0), 0.0)
    return gate + v * step[:, None]
