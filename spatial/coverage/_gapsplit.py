"""Private plumbing for gaps at city scale: uncovered homes linked on foot, and large areas split.

Two jobs for :mod:`spatial.coverage.gaps`:

* :func:`walk_links` finds which uncovered homes are within ``link_m`` of each other on foot, in
  one multi-source Dijkstra pass instead of one search per home. Each home enters the graph at
  its projection on its edge (edges holding homes are cut there, so walks along the edge are
  counted as in :func:`spatial.network.routing.source_target_pairs`), reached from a virtual
  node over its straight leg. The pass gives every node its nearest home (``origin``) and the
  walk to it. Two homes whose walk is within ``link_m`` are then joined by a chain of links of
  at most ``link_m`` each: along the shortest walk between them, wherever the nearest home
  changes across an edge ``(a, b)``, ``dist[a] + w + dist[b]`` is at most their walk. So the
  connected components of these links are exactly those of "within ``link_m`` on foot", at
  the cost of one search (about 0.1 s for 100,000 homes on a 90,000-node network, where a
  search a home took 10 s).
* :func:`split_areas` cuts an uncovered area that one new station could not serve into gaps
  that one station could: every home of a gap is within ``reach_m`` on foot of the gap's site,
  the point of the network where one of its homes meets it. Sites are chosen area by area: first
  the home nearest the area's middle; homes it does not reach get new sites (one a square of
  ``reach_m`` on a side, the home nearest the square's middle), round after round, until every
  home is served. Areas whose boxes (grown by half the reach) overlap are routed in different
  passes, so a home is never served by the site of another area.

scipy's csgraph does the searches and the components; no library offers either step (pandana
and networkx search from one source at a time).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from spatial.core.checks import label_text
from spatial.coverage.bands import DEFAULT_SPEED_KMH, minutes_to_m, parse_band, scored_speed_kmh
from spatial.network.graph import WalkNetwork
from spatial.network.elevation import FASTEST
from spatial.network.routing import nearest_source, nearest_source_timed
from spatial.network.snapping import Snap

logger = logging.getLogger(__name__)

#: Rounds of new sites before each home still unserved becomes a site of its own.
MAX_ROUNDS = 25
#: Zero-length pieces of edges (two homes at one spot) get this weight so the graph keeps them.
_EPS_M = 1e-9
#: Walks this much over ``link_m`` still link (a micrometre): the few ``_EPS_M`` a walk picks up
#: on zero-length pieces must not part two homes exactly ``link_m`` apart, which the routing
#: (``source_target_pairs``) counts as within it.
_SLACK_M = 1e-6


def band_reach_m(demand: pd.DataFrame, band: str, speed_kmh: float | None = None) -> float:
    """Walking distance of ``band`` in metres (minutes at ``speed_kmh``).

    Without ``speed_kmh`` the speed the demand was scored at is read from its ``walk_m`` and
    ``walk_min`` columns (their ratio), else :data:`~spatial.coverage.bands.DEFAULT_SPEED_KMH`.
    """
    value, unit = parse_band(band)
    if unit == "m":
        return float(value)
    if speed_kmh is None:
        speed_kmh = scored_speed_kmh(demand) or DEFAULT_SPEED_KMH
    return minutes_to_m(value, speed_kmh)


def walk_links(network: WalkNetwork, snap: Snap, *, link_m: float,
               group: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of snapped points whose components are those of "within ``link_m`` on foot".

    Returns index arrays ``(a, b)`` into the points; every pair is within ``link_m`` on foot.
    With ``group``, only points of one group are linked (one search a group: a point of another
    group must not stand between two points as their only link).
    """
    if group is not None:
        group = np.asarray(group)
        out_a, out_b = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
        for g in pd.unique(group):
            mine = group == g
            sub = Snap(edge=np.where(mine, snap.edge, -1), offset_m=snap.offset_m, leg_m=snap.leg_m,
                       reason=snap.reason)
            a, b = walk_links(network, sub, link_m=link_m)
            out_a.append(a)
            out_b.append(b)
        return np.concatenate(out_a), np.concatenate(out_b)
    on = np.flatnonzero(np.asarray(snap.edge) >= 0)
    if len(on) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    graph, proj, n_real = _cut_graph(network, snap, on)
    k = len(on)
    reach = link_m + _SLACK_M
    dist, _, origin = dijkstra(graph, directed=True, indices=n_real + np.arange(k), min_only=True,
                               limit=reach, return_predecessors=True)
    origin = np.where(origin >= 0, origin - n_real, -1)  # the point (0..k-1) nearest each node
    # across the real edges: the nearest point changes and the walk through the edge is short enough
    coo = graph[:n_real, :n_real].tocoo()
    a, b, w = coo.row, coo.col, coo.data
    keep = (a < b) & (origin[a] >= 0) & (origin[b] >= 0)
    a, b, w = a[keep], b[keep], w[keep]
    link = (origin[a] != origin[b]) & (dist[a] + w + dist[b] <= reach)
    pa, pb = origin[a[link]], origin[b[link]]
    # from a point's own leg to the node where it meets the network, when another point is nearer there
    q = proj
    other = (origin[q] >= 0) & (origin[q] != np.arange(k)) & (snap.leg_m[on] + dist[q] <= reach)
    pa = np.concatenate([pa, np.flatnonzero(other)])
    pb = np.concatenate([pb, origin[q[other]]])
    return on[pa].astype(np.int64), on[pb].astype(np.int64)


def split_areas(network: WalkNetwork, snap: Snap, xy: np.ndarray, area: np.ndarray, *,
                reach_m: float, times=None) -> tuple[np.ndarray, np.ndarray]:
    """Gaps that one station could serve: ``(gap, site_xy)``.

    Parameters
    ----------
    snap : Snap
        The points snapped (those not snapped are split by straight distance instead).
    xy : numpy.ndarray
        ``(p, 2)`` coordinates (NaN rows: no location; each keeps its own area).
    area : numpy.ndarray
        ``(p,)`` int64 area (component) of each point, numbered from 0.
    reach_m : float
        Largest walk from a gap's site to its homes (straight distance for points off the network).
    times : spatial.network.elevation.EdgeTimes, optional
        Slopes: ``reach_m`` bounds the time × speed of the walk from each home to its site.

    Returns
    -------
    gap : numpy.ndarray
        ``(p,)`` int64 gap of each point, numbered from 0; a gap never spans two areas.
    site_xy : numpy.ndarray
        ``(g, 2)`` the site of each gap: where one of its homes meets the network (for gaps of
        points off the network, one of its points; NaN for a point with no location).
    """
    p = len(area)
    if p == 0:
        return np.empty(0, np.int64), np.empty((0, 2))
    on = np.asarray(snap.edge) >= 0
    site_of = np.full(p, -1, dtype=np.int64)  # the point whose projection serves each point
    if on.any():
        _split_on_network(network, snap, xy, area, on, reach_m, site_of, times)
    off = np.flatnonzero(~on)
    if len(off):
        _split_by_distance(xy, area, off, reach_m, site_of)
    sites, gap = np.unique(site_of, return_inverse=True)
    site_xy = np.full((len(sites), 2), np.nan)
    snapped_site = on[sites]
    if snapped_site.any():
        s = sites[snapped_site]
        at = shapely.line_interpolate_point(network.geometry[snap.edge[s]], snap.offset_m[s])
        site_xy[snapped_site] = shapely.get_coordinates(at)
    site_xy[~snapped_site] = xy[sites[~snapped_site]]
    return gap.astype(np.int64), site_xy


# --- plumbing -------------------------------------------------------------------------------


def _cut_graph(network: WalkNetwork, snap: Snap, on: np.ndarray):
    """The network with its edges cut where points meet them, plus one virtual node a point.

    Returns the CSR graph (real nodes, then a node per point's projection, then a virtual node
    per point with one out-edge over its leg), the projection node of each point, and the number
    of nodes before the virtual ones.
    """
    n, k = network.n_nodes, len(on)
    e, off = snap.edge[on], snap.offset_m[on]
    order = np.lexsort((off, e))
    es, os_ = e[order], off[order]
    proj = np.empty(k, dtype=np.int64)
    proj[order] = n + np.arange(k)
    first = np.r_[True, es[1:] != es[:-1]]
    last = np.r_[es[1:] != es[:-1], True]
    # chains u -> p1 -> ... -> pk -> v along each edge holding points
    ca = np.where(first, network.edge_u[es], n + np.arange(k) - 1)
    cw = np.where(first, os_, np.diff(os_, prepend=0.0))
    tail_a, tail_b = n + np.flatnonzero(last), network.edge_v[es[last]]
    tail_w = network.length_m[es[last]] - os_[last]
    # the edges keep their direct link too: walking it is walking the chain without stopping
    n_real = n + k
    a = np.concatenate([ca, tail_a]).astype(np.int64)
    b = np.concatenate([n + np.arange(k), tail_b]).astype(np.int64)
    w = np.maximum(np.concatenate([cw, tail_w]), _EPS_M)
    rows = np.concatenate([a, b, n_real + np.arange(k)])
    cols = np.concatenate([b, a, proj])
    data = np.concatenate([w, w, np.maximum(snap.leg_m[on], _EPS_M)])
    g = network.graph
    rows = np.concatenate([np.repeat(np.arange(n), np.diff(g.indptr)), rows])
    cols = np.concatenate([g.indices, cols])
    data = np.maximum(np.concatenate([g.data, data]), _EPS_M)  # zero lengths stay edges
    # no pair repeats (every chain link has a new node), so no parallel weights are summed
    graph = sp.csr_matrix((data, (rows, cols)), shape=(n_real + k, n_real + k))
    return graph, proj, n_real


def _colours(xy: np.ndarray, area: np.ndarray, areas: np.ndarray, pad: float) -> np.ndarray:
    """A colour per area such that areas of one colour have boxes (grown by ``pad``) apart."""
    frame = pd.DataFrame({"a": area, "x": xy[:, 0], "y": xy[:, 1]})
    box = frame.groupby("a").agg(x0=("x", "min"), y0=("y", "min"), x1=("x", "max"), y1=("y", "max"))
    box = box.loc[areas]
    rects = shapely.box(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)
    i, j = shapely.STRtree(rects).query(rects, predicate="intersects")
    keep = i != j
    neighbours = pd.Series(j[keep]).groupby(i[keep]).apply(list).to_dict()
    colour = np.full(len(areas), -1, dtype=np.int64)
    for a in np.argsort(-(box.x1 - box.x0 + box.y1 - box.y0).to_numpy(), kind="stable"):
        used = {colour[b] for b in neighbours.get(a, ())}
        c = 0
        while c in used:
            c += 1
        colour[a] = c
    return colour


def _squares(xy: np.ndarray, area: np.ndarray, side: float) -> np.ndarray:
    """A group number for each (area, square of ``side`` metres) holding points."""
    cell = np.floor((xy - xy.min(axis=0)) / side).astype(np.int64)
    span = cell.max(axis=0) + 1
    key = (np.asarray(area, dtype=np.int64) * span[0] + cell[:, 0]) * span[1] + cell[:, 1]
    return np.unique(key, return_inverse=True)[1].ravel()


def _middle_of(xy: np.ndarray, group: np.ndarray) -> np.ndarray:
    """For each point, the index (into ``xy``) of the point of its group nearest the group's mean.

    Ties (the two homes of a pair are equally near their middle) go to the westernmost, then the
    southernmost, distances and coordinates compared to the millimetre: the site does not depend
    on the rows' order or on the rounding noise of a reprojection.
    """
    mid = pd.DataFrame({"g": group, "x": xy[:, 0], "y": xy[:, 1]}).groupby("g")[["x", "y"]].transform("mean")
    d = np.round(np.hypot(*(xy - mid.to_numpy()).T), 3)
    order = np.lexsort((np.round(xy[:, 1], 3), np.round(xy[:, 0], 3), d, group))
    ranked = np.asarray(group)[order]
    first = order[np.r_[True, ranked[1:] != ranked[:-1]]]  # each group's best, groups in sorted order
    return first[np.unique(group, return_inverse=True)[1].ravel()]


def _split_on_network(network, snap, xy, area, on, reach_m, site_of, times=None) -> None:
    idx = np.flatnonzero(on)
    areas = np.unique(area[idx])
    # areas of one colour lie farther apart than a walk of reach_m (downhill on slopes: farther)
    colour = dict(zip(areas, _colours(xy[idx], area[idx], areas, reach_m * (1.0 if times is None else FASTEST) / 2)))
    col_of = np.array([colour[a] for a in area[idx]])
    todo = idx  # points not yet served
    sites = np.unique(idx[_middle_of(xy[idx], area[idx])])  # round 0: one site an area
    for rnd in range(MAX_ROUNDS + 1):
        if rnd == MAX_ROUNDS:
            sites = todo  # the rest are sites of their own
        site_of[sites] = sites
        col_site = col_of[np.searchsorted(idx, sites)]
        col_todo = col_of[np.searchsorted(idx, todo)]
        for c in np.unique(col_site):
            s, t = sites[col_site == c], todo[col_todo == c]
            t = t[site_of[t] < 0]
            if len(t) == 0:
                continue
            src = Snap(edge=snap.edge[s], offset_m=snap.offset_m[s], leg_m=np.zeros(len(s)), reason=snap.reason[s])
            tgt = Snap(edge=snap.edge[t], offset_m=snap.offset_m[t], leg_m=snap.leg_m[t], reason=snap.reason[t])
            if times is None:
                walk, which = nearest_source(network, src, tgt, limit_m=reach_m)
            else:  # the time of the walk from each home to the site
                walk, _, which = nearest_source_timed(network, src, tgt, times, limit_m=reach_m)
            served = (which >= 0) & (walk <= reach_m)
            served &= area[s[np.clip(which, 0, None)]] == area[t]
            site_of[t[served]] = s[which[served]]
        todo = todo[site_of[todo] < 0]
        if len(todo) == 0:
            break
        # new sites: per area, the home nearest the middle of each reach_m square of homes left
        group = _squares(xy[todo], area[todo], reach_m)
        sites = np.unique(todo[_middle_of(xy[todo], group)])
    logger.debug("gaps split on the network: %d areas in %d colours, %d rounds", len(areas),
                 len(set(colour.values())), rnd + 1)


def _split_by_distance(xy, area, off, reach_m, site_of) -> None:
    """Points off the network, by straight distance: an area within ``reach_m`` of the point
    nearest its middle stays whole, others are cut in squares of ``reach_m / 2`` on a side (any
    two points of a square are within ``reach_m``)."""
    located = off[np.isfinite(xy[off]).all(axis=1)]
    lost = np.setdiff1d(off, located)
    site_of[lost] = lost  # no location: a gap of its own
    if len(located) == 0:
        return
    pts, ar = xy[located], area[located]
    mid = _middle_of(pts, ar)
    fits = pd.Series(np.hypot(*(pts - pts[mid]).T) <= reach_m).groupby(ar).transform("all").to_numpy()
    site_of[located[fits]] = located[mid[fits]]
    if (~fits).any():
        rest = np.flatnonzero(~fits)
        group = _squares(pts[rest], ar[rest], max(reach_m / 2, 1e-6))
        site_of[located[rest]] = located[rest[_middle_of(pts[rest], group)]]


def straight_links(xy: np.ndarray, located: np.ndarray, on: np.ndarray, cause: np.ndarray,
                   link_m: float, *, chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Links between uncovered homes within ``link_m`` in a straight line, one of them off the
    mapped network (``~on``), of one cause: few links, the same connected components as all pairs.

    Every pair within ``link_m`` (``cKDTree.query_pairs``) was 13M pairs and 1.2 GB for 44,000
    homes off the network in one district. Between homes off the network, the Delaunay edges
    within ``link_m`` are enough: each edge of a Euclidean minimum spanning tree has an empty
    diametral circle, so it is an edge of every Delaunay triangulation, and two homes are joined
    by pairs within ``link_m`` exactly when that tree joins them by edges within it. A home on the
    network is linked to one home of each such component within ``link_m`` of it (pairs found
    ``chunk`` homes at a time).

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` metres.
    located, on : numpy.ndarray
        Row numbers with a location; a mask of the rows with a mapped walk.
    cause : numpy.ndarray
        Each row's gap cause; rows of different causes are never linked.
    link_m : float
        Longest straight link, metres.
    chunk : int
        Homes on the network matched per round (bounds the memory of their pairs).

    Returns
    -------
    tuple of numpy.ndarray
        ``src``, ``tgt`` row numbers.

    Examples
    --------
    >>> xy = np.array([[0.0, 0], [100, 0], [200, 0], [500, 0], [590, 0]])
    >>> src, tgt = straight_links(xy, np.arange(5), np.array([0, 0, 0, 0, 1], bool),
    ...                           np.array(["a"] * 5, dtype=object), 150.0)
    >>> sorted(zip(src.tolist(), tgt.tolist()))
    [(0, 1), (1, 2), (4, 3)]
    """
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    src: list[np.ndarray] = []
    tgt: list[np.ndarray] = []
    located = np.asarray(located, dtype=np.int64)
    for c in pd.unique(cause[located]):
        rows = located[cause[located] == c]
        off, onr = rows[~on[rows]], rows[on[rows]]
        if not len(off):
            continue
        a, b = _close_delaunay_pairs(xy[off], link_m)
        src.append(off[a])
        tgt.append(off[b])
        if not len(onr):
            continue
        _, comp = connected_components(sp.coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(len(off),) * 2),
                                       directed=False)
        tree = cKDTree(xy[off])
        for start in range(0, len(onr), chunk):
            part = onr[start:start + chunk]
            pairs = cKDTree(xy[part]).sparse_distance_matrix(tree, link_m, output_type="ndarray")
            if not len(pairs):
                continue
            i, j = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
            _, first = np.unique(i * (int(comp.max()) + 1) + comp[j], return_index=True)  # one per component
            src.append(part[i[first]])
            tgt.append(off[j[first]])
    if not src:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(src).astype(np.int64), np.concatenate(tgt).astype(np.int64)


def _close_delaunay_pairs(pts: np.ndarray, link_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of ``pts`` within ``link_m`` whose components are those of all such pairs: the Delaunay
    edges (and each point qhull left out, such as a duplicate, to its vertex) within ``link_m``;
    all pairs where qhull cannot triangulate (fewer than three points, all on one line)."""
    from scipy.spatial import Delaunay, QhullError, cKDTree

    if len(pts) >= 3:
        try:
            tri = Delaunay(pts)
        except QhullError:
            tri = None
        if tri is not None:
            s = tri.simplices
            e = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]], tri.coplanar[:, [0, 2]]]).astype(np.int64)
            e = np.unique(np.sort(e, axis=1), axis=0)
            e = e[np.hypot(*(pts[e[:, 0]] - pts[e[:, 1]]).T) <= link_m]
            return e[:, 0], e[:, 1]
    pairs = cKDTree(pts).query_pairs(r=link_m, output_type="ndarray").astype(np.int64)
    return pairs[:, 0], pairs[:, 1]


def one_gap_a_site(gap: np.ndarray, site_xy: np.ndarray, cause: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaps of one cause whose sites are the same point, made one gap: ``(gap, site_xy)``.

    Every home of a gap is within reach of its site, so one station there serves the homes of
    every gap that shares it. Homes are linked on foot over their legs, so towers whose walks are
    estimated over unmapped ground (a city's map with its roads but no lanes) often stay apart while
    meeting the network at one point: on a run over Huangpu's drive network, 43 gaps had 25 sites
    between them. Gaps with no site (``NaN``) stay as they are; the numbering follows each merged
    gap's first old number.

    Examples
    --------
    >>> gap, site = one_gap_a_site(np.array([0, 1, 2, 1]), np.array([[5.0, 5], [6, 6], [5, 5]]),
    ...                            np.array(["service"] * 4, dtype=object))
    >>> gap.tolist(), site.tolist()
    ([0, 1, 0, 1], [[5.0, 5.0], [6.0, 6.0]])
    """
    k = len(site_xy)
    if k == 0:
        return gap, site_xy
    first = np.full(k, -1, dtype=np.int64)
    first[gap[::-1]] = np.arange(len(gap))[::-1]  # a point of each gap, for its cause
    new = np.arange(k)
    seen: dict = {}
    for g in range(k):
        x, y = site_xy[g]
        if first[g] < 0 or not (np.isfinite(x) and np.isfinite(y)):
            continue
        new[g] = seen.setdefault((cause[first[g]], float(x), float(y)), g)
    if (new == np.arange(k)).all():
        return gap, site_xy
    keep, new = np.unique(new, return_inverse=True)
    return new[gap].astype(np.int64), site_xy[keep]


def main_community(ids: np.ndarray, comp: np.ndarray, hh: np.ndarray, comp_of_rank: np.ndarray) -> list:
    """For each gap (``comp_of_rank``, in the rows' order), the community id holding most of its
    households (then most homes, then the first id); None where none of its homes is in one.

    Examples
    --------
    >>> main_community(np.array(["C1", "C2", "C2", None], dtype=object), np.array([0, 0, 0, 1]),
    ...                 np.array([90.0, 50.0, 50.0, 10.0]), np.array([0, 1]))
    ['C2', None]
    """
    tally = pd.DataFrame({"comp": comp, "cid": ids, "hh": hh, "n": 1})
    tally = tally[pd.notna(tally["cid"])]
    # as text, a whole number without .0: 108 of a units column with a blank cell (108.0) names
    # community 108, as the communities layer and the summary's rows name it
    tally = tally.assign(cid=tally["cid"].map(label_text))
    best = (tally.groupby(["comp", "cid"], sort=True)[["hh", "n"]].sum().reset_index()
            .sort_values(["comp", "hh", "n", "cid"], ascending=[True, False, False, True], kind="stable")
            .drop_duplicates("comp"))
    main = dict(zip(best["comp"].tolist(), best["cid"].tolist()))
    return [main.get(int(c)) for c in comp_of_rank]


def gap_note(notes: np.ndarray) -> str:
    """A gap's note: its points' note when they share one, else how many of them have the most
    common one (until 7 December 2026 the first one found, said of every point when each had
    some note: four homes "grouped by straight distance: in walls with no gate given" of which two
    were outside the walls, too far from the network).

    Examples
    --------
    >>> gap_note(np.array(["b", "a", "a", ""], dtype=object)), gap_note(np.array(["a", "a"], dtype=object))
    ('2 of 4 points a', 'a')
    """
    said = notes[notes != ""].astype(str)
    if not len(said):
        return ""
    kinds, count = np.unique(said, return_counts=True)
    top = int(np.argmax(count))  # the most common; ties to the first in order
    most, k = str(kinds[top]), int(count[top])
    return most if k == len(notes) else f"{k} of {len(notes)} points {most}"
