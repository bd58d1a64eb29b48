"""Shortest walks from snapped sources (stations) to snapped targets over a WalkNetwork.

Each source enters the CSR graph as a virtual node with two out-edges, to the ends of the edge it
snapped to, weighted by its leg plus the along-edge part. One
``scipy.sparse.csgraph.dijkstra(min_only=True)`` pass from all virtual nodes then gives every
node its nearest source; a target adds its own leg and along-edge part from either end. A source
and a target on the same edge also get the direct along-edge path. Virtual nodes have no in-edges,
so no walk passes through a station's leg.

The Dijkstra pass holds the GIL, so it cannot overlap other work on threads; the targets' part
(gathers from the edge and node arrays, about 0.1 s for 1M targets) runs on the cores in halves.
On the 1M-node lattice with 1,000 stations the pass takes about 0.3 s when cut at 1,000 m and
0.5-0.6 s uncut (``benchmarks/bench_coverage.py``).

On slopes (:mod:`spatial.network.elevation`), :func:`nearest_source_timed` and
``source_target_pairs(..., times=...)`` route on a directed graph whose weights are each edge's
cost in flat-equivalent metres (time × speed) for the walk from the home TO the station, and
:func:`nearest_source_timed` also adds up the other quantity (metres of the quickest walk, or the
time of the shortest) along each node's shortest-path tree by pointer jumping.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from spatial.core._threads import halves, thread_map
from spatial.core.errors import OptionError
from spatial.network.graph import WalkNetwork
from spatial.network.snapping import Snap

logger = logging.getLogger(__name__)

__all__ = ["nearest_source", "nearest_source_timed", "source_pass", "source_target_pairs", "inside_walls"]

#: Cap on the floats held at once by the all-pairs routine (about 256 MB).
_MAX_CELLS = 32_000_000


def _with_sources(network: WalkNetwork, sources: Snap) -> tuple[sp.csr_matrix, np.ndarray]:
    """The graph plus one virtual node per snapped source; returns it and the snapped source ids."""
    ok = np.flatnonzero(sources.edge >= 0)
    n, k = network.n_nodes, len(ok)
    e = sources.edge[ok]
    to_u = sources.leg_m[ok] + sources.offset_m[ok]
    to_v = sources.leg_m[ok] + (network.length_m[e] - sources.offset_m[ok])
    g = network.graph
    indptr = np.concatenate([g.indptr.astype(np.int64), g.indptr[-1] + 2 * np.arange(1, k + 1, dtype=np.int64)])
    cols = np.column_stack([network.edge_u[e], network.edge_v[e]]).ravel()
    w = np.column_stack([to_u, to_v]).ravel()
    indices = np.concatenate([g.indices.astype(np.int32), cols.astype(np.int32)])
    data = np.concatenate([g.data, w])
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k)), ok


def _join(src_ids: np.ndarray, s_key: np.ndarray, tgt_ids: np.ndarray, t_key: np.ndarray):
    """An inner join of sources and targets on a key: each source in order, with the targets of
    its key in order; the pairs' ids."""
    t_order = np.argsort(t_key, kind="stable")
    t_sorted = t_key[t_order]
    lo = np.searchsorted(t_sorted, s_key, side="left")
    count = np.searchsorted(t_sorted, s_key, side="right") - lo
    row = np.repeat(np.arange(len(src_ids)), count)
    step = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    return np.asarray(src_ids)[row], np.asarray(tgt_ids)[t_order[lo[row] + step]]


def _same_edge(sources: Snap, targets: Snap, src_ids: np.ndarray, tgt_ids: np.ndarray):
    """Pairs (source, target) on the same edge and their direct along-edge walk."""
    on_source_edge = np.zeros(int(max(sources.edge.max(initial=-1), targets.edge.max(initial=-1))) + 1, bool)
    on_source_edge[sources.edge[src_ids]] = True
    tgt_ids = tgt_ids[on_source_edge[targets.edge.take(tgt_ids)]]
    si, ti = _join(src_ids, sources.edge[src_ids], tgt_ids, targets.edge[tgt_ids])
    d = sources.leg_m[si] + np.abs(sources.offset_m[si] - targets.offset_m[ti]) + targets.leg_m[ti]
    return si, ti, d


def inside_walls(sources: Snap, targets: Snap, src_ids: np.ndarray | None = None,
                 tgt_ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (source, target) inside the same walls that no mapped path enters (the same room of
    :func:`spatial.network.snapping.snap_walks`: a gated estate whose paths are not mapped) and
    their estimated walk straight across its inside: the straight line times the targets'
    ``detour_factor``, flat. Of the snapped ones (or of ``src_ids``, ``tgt_ids``); none where
    either snap has no rooms or their rooms differ (snapped with other barriers).

    Examples
    --------
    >>> room = dict(rooms=np.array([shapely.box(0, 0, 100, 100)]), detour_factor=1.25)
    >>> one = lambda xy: Snap(edge=np.zeros(len(xy), np.int64), offset_m=np.zeros(len(xy)), leg_m=np.zeros(len(xy)),
    ...                       reason=np.full(len(xy), ""), xy=np.array(xy, float), room=np.zeros(len(xy), np.int64), **room)
    >>> inside_walls(one([(10, 10)]), one([(40, 50), (10, 30)]))
    (array([0, 0]), array([0, 1]), array([62.5, 25. ]))
    """
    empty = np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    if sources.room is None or targets.room is None:
        return empty
    if sources.rooms is not targets.rooms and (len(sources.rooms) != len(targets.rooms) or not
                                               shapely.equals_exact(sources.rooms, targets.rooms, tolerance=0).all()):
        return empty
    src_ids = np.flatnonzero(sources.edge >= 0) if src_ids is None else np.asarray(src_ids)
    tgt_ids = np.flatnonzero(targets.edge >= 0) if tgt_ids is None else np.asarray(tgt_ids)
    src_ids, tgt_ids = src_ids[sources.room[src_ids] >= 0], tgt_ids[targets.room[tgt_ids] >= 0]
    if not len(src_ids) or not len(tgt_ids):
        return empty
    si, ti = _join(src_ids, sources.room[src_ids], tgt_ids, targets.room[tgt_ids])
    d = np.hypot(*(sources.xy[si] - targets.xy[ti]).T) * targets.detour_factor
    return si, ti, d


def _direct(sources: Snap, targets: Snap, src_ids: np.ndarray, tgt_ids: np.ndarray):
    """The walks that leave the network's graph out: along a shared edge (:func:`_same_edge`)
    and straight across the inside of the same walls (:func:`inside_walls`); the second's
    ``inside`` flag is True."""
    si, ti, d = _same_edge(sources, targets, src_ids, tgt_ids)
    wi, wt, wd = inside_walls(sources, targets, src_ids, tgt_ids)
    return np.r_[si, wi], np.r_[ti, wt], np.r_[d, wd], np.r_[np.zeros(len(si), bool), np.ones(len(wi), bool)]


def source_pass(network: WalkNetwork, sources: Snap, *, limit_m: float = np.inf) -> tuple:
    """The Dijkstra pass of :func:`nearest_source`, for several calls with the same sources and limit.

    Returns ``(dist, origin, src_ids)`` to give as ``nearest_source(..., done=...)``: each node's
    walk from its nearest source (cut at ``limit_m``), that source's virtual node, and the
    snapped sources' indices.
    """
    graph, src_ids = _with_sources(network, sources)
    if len(src_ids) == 0:
        return None, None, src_ids
    dist, _, origin = dijkstra(graph, directed=True, indices=network.n_nodes + np.arange(len(src_ids)),
                               min_only=True, limit=limit_m, return_predecessors=True)
    return dist, origin, src_ids


def nearest_source(network: WalkNetwork, sources: Snap, targets: Snap, *,
                   limit_m: float = np.inf, done: tuple | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance from every target to its nearest source, in one Dijkstra pass.

    Parameters
    ----------
    network : WalkNetwork
    sources, targets : Snap
        Snapped sources (stations) and targets (demand points).
    limit_m : float
        Walks longer than this are not searched; such targets get ``inf``.
    done : tuple, optional
        ``source_pass(network, sources, limit_m=limit_m)`` already run (same sources and limit):
        targets scored in several calls share one Dijkstra pass.

    Returns
    -------
    walk_m : numpy.ndarray
        ``(p,)`` metres, legs included; ``inf`` when not snapped or no source within ``limit_m``.
    source : numpy.ndarray
        ``(p,)`` int64 index into ``sources`` of the nearest one, -1 where none.
    """
    p = len(targets)
    walk = np.full(p, np.inf)
    src = np.full(p, -1, np.int64)
    if done is None:
        src_ids = np.flatnonzero(sources.edge >= 0)
        if len(src_ids) == 0 or p == 0:
            return walk, src
        done = source_pass(network, sources, limit_m=limit_m)
    dist, origin, src_ids = done
    if len(src_ids) == 0 or p == 0:
        return walk, src
    n = network.n_nodes
    t = np.flatnonzero(targets.edge >= 0)
    full = len(t) == p  # every target snapped: no gathers through ``t``
    best = np.empty(len(t))
    best_src = np.empty(len(t), np.int64)

    def via_nodes(part: slice) -> None:
        """Best walk of the targets ``t[part]`` through either end of their edge."""
        e, off, leg = (a[part] if full else a[t[part]] for a in (targets.edge, targets.offset_m, targets.leg_m))
        u, v = network.edge_u.take(e), network.edge_v.take(e)
        via_u = dist.take(u)
        via_u += off
        via_v = network.length_m.take(e)
        via_v -= off
        via_v += dist.take(v)
        use_v = via_v < via_u
        np.add(np.where(use_v, via_v, via_u), leg, out=best[part])
        o = origin.take(np.where(use_v, v, u))
        best_src[part] = np.where(o >= 0, src_ids.take(np.clip(o - n, 0, None)), -1)

    # independent parts of the targets, one a thread (numpy's gathers release the GIL)
    thread_map(via_nodes, halves(len(t)))
    # a target on the same edge as a source may walk straight along it (or across the walls round both)
    si, ti, d, _ = _direct(sources, targets, src_ids, t)
    if len(si):
        pos = np.searchsorted(t, ti)
        order = np.lexsort((d, pos))  # shortest first per target
        pos, si, d = pos[order], si[order], d[order]
        first = np.r_[True, pos[1:] != pos[:-1]]
        pos, si, d = pos[first], si[first], d[first]
        better = d < best[pos]
        best[pos[better]] = d[better]
        best_src[pos[better]] = si[better]
    reach = np.isfinite(best) & (best <= limit_m) & (best_src >= 0)
    if full:
        walk = np.where(reach, best, np.inf)
        src = np.where(reach, best_src, -1)
    else:
        walk[t[reach]] = best[reach]
        src[t[reach]] = best_src[reach]
    logger.debug("nearest_source: %d sources, %d of %d targets reached", len(src_ids), int(reach.sum()), p)
    return walk, src


def source_target_pairs(network: WalkNetwork, sources: Snap, targets: Snap, *,
                        limit_m: float, times=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (source, target) pair within ``limit_m`` metres of walking, as COO triplets.

    Sources are routed in batches (one Dijkstra per source, cut at ``limit_m``) so memory stays
    bounded. Zero distances are kept. With ``times`` (:class:`spatial.network.elevation.EdgeTimes`)
    the walks are the quickest from each target to the source, in flat-equivalent metres (time ×
    speed), and ``limit_m`` bounds that.

    Returns
    -------
    src_idx, tgt_idx : numpy.ndarray
        int64 indices into ``sources`` and ``targets``.
    walk_m : numpy.ndarray
        float64 metres, legs included.
    """
    graph, src_ids = _with_sources(network, sources) if times is None else _with_sources_timed(network, sources, times)
    t = np.flatnonzero(targets.edge >= 0)
    out_s, out_t, out_d = [], [], []
    if len(src_ids) and len(t):
        n = network.n_nodes
        e = targets.edge[t]
        u, v = network.edge_u[e], network.edge_v[e]
        off_u = targets.offset_m[t] + targets.leg_m[t]
        off_v = network.length_m[e] - targets.offset_m[t] + targets.leg_m[t]
        si_all, ti_all, d_all, inside = _direct(sources, targets, src_ids, t)
        if times is not None:  # the walks from the targets, on slopes (across walls: flat)
            off_u = _timed_legs(network, times, targets, t, end="u", to_point=False)[0]
            off_v = _timed_legs(network, times, targets, t, end="v", to_point=False)[0]
            d_all[~inside] = _along_edge(network, times, targets, ti_all[~inside], sources, si_all[~inside])[0]
        local_t = np.searchsorted(t, ti_all)
        batch = max(1, _MAX_CELLS // max(graph.shape[0], len(t)))
        for lo in range(0, len(src_ids), batch):
            idx = np.arange(lo, min(lo + batch, len(src_ids)))
            dist = dijkstra(graph, directed=True, indices=n + idx, limit=limit_m)
            dist = np.atleast_2d(dist)
            walk = np.minimum(dist[:, u] + off_u, dist[:, v] + off_v)
            # direct along-edge walks for pairs in this batch
            src_pos = np.searchsorted(src_ids, si_all)
            inb = (src_pos >= idx[0]) & (src_pos <= idx[-1])
            if inb.any():
                r, c = src_pos[inb] - idx[0], local_t[inb]
                np.minimum.at(walk, (r, c), d_all[inb])
            rr, cc = np.nonzero(walk <= limit_m)
            out_s.append(src_ids[idx[rr]])
            out_t.append(t[cc])
            out_d.append(walk[rr, cc])
    if not out_s:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return (np.concatenate(out_s).astype(np.int64), np.concatenate(out_t).astype(np.int64),
            np.concatenate(out_d))


# --------------------------------------------------------------------------- walks on slopes
# Directed costs from :class:`spatial.network.elevation.EdgeTimes` (flat-equivalent metres: the
# walk's time times the speed). Dijkstra runs from the stations outwards, so the graph's entry
# a -> b carries the cost of walking b -> a: the time is that of the walk from the home TO the
# station. Without ``times`` none of this runs and the answers are the flat ones above.


def _pair_graph(network: WalkNetwork, times, by: str) -> tuple[sp.csr_matrix, np.ndarray]:
    """Directed CSR whose weights are the cost (``by="time"``) or the length (``by="length"``) of
    walking each entry backwards, and the other quantity aligned with its data. Of parallel edges
    the cheapest by the weight is kept."""
    key_ = ("graph", by)
    if key_ in times._cache:
        return times._cache[key_]
    n = network.n_nodes
    u, v = network.edge_u.astype(np.int64), network.edge_v.astype(np.int64)
    loop = u == v
    u, v = u[~loop], v[~loop]
    length = network.length_m[~loop]
    fwd, bwd = times.forward_m[~loop], times.backward_m[~loop]
    rows, cols = np.r_[u, v], np.r_[v, u]
    cost = np.r_[bwd, fwd]  # entry u -> v: the walk v -> u
    dist = np.r_[length, length]
    w1, w2 = (cost, dist) if by == "time" else (dist, cost)
    # scipy's COO -> CSR conversion is a counting sort by row: carry each entry's position through
    # it (exact in float64) and gather the weights, unless parallel edges were summed on the way
    pos = sp.csr_matrix((np.arange(1, len(rows) + 1, dtype=np.float64), (rows, cols)), shape=(n, n))
    if pos.nnz == len(rows):
        order = pos.data.astype(np.int64) - 1
        graph = sp.csr_matrix((w1[order], pos.indices, pos.indptr), shape=(n, n))
        times._cache[key_] = (graph, w2[order])
        return graph, w2[order]
    key = rows * n + cols
    order = np.argsort(key)
    key, w1, w2 = key[order], w1[order], w2[order]
    dup = key[1:] == key[:-1]
    if dup.any():  # parallel edges: the cheapest by the weight first within each key
        pos = np.flatnonzero(np.r_[dup, False] | np.r_[False, dup])
        sub = pos[np.lexsort((w1[pos], key[pos]))]
        w1[pos], w2[pos] = w1[sub], w2[sub]
        first = np.r_[True, ~dup]
        key, w1, w2 = key[first], w1[first], w2[first]
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(key // n, minlength=n), out=indptr[1:])
    graph = sp.csr_matrix((w1, (key % n).astype(np.int32), indptr), shape=(n, n))
    times._cache[key_] = (graph, w2)
    return graph, w2


def _timed_legs(network: WalkNetwork, times, snap: Snap, ids: np.ndarray, *, end: str, to_point: bool):
    """Cost and metres of the walk between snapped points ``ids`` and the ``end`` ("u" or "v") of
    their edge: from the end to the point (``to_point``, a station) or from the point to the end
    (a home), by the slopes of the part walked. The straight leg is walked flat."""
    e, off, leg = snap.edge[ids], snap.offset_m[ids], snap.leg_m[ids]
    length = network.length_m[e]
    part = off if end == "u" else length - off
    with np.errstate(invalid="ignore", divide="ignore"):
        at = np.where(length > 0, off / length, 0.0)  # the point's share of the edge from u
    far = np.zeros(len(e)) if end == "u" else np.ones(len(e))
    cost = times.along(e, far, at) if to_point else times.along(e, at, far)
    return cost + leg, part + leg


def _along_edge(network: WalkNetwork, times, a: Snap, ai: np.ndarray, b: Snap, bi: np.ndarray):
    """Cost and metres of walking along a shared edge from points ``a[ai]`` to points ``b[bi]``."""
    e = a.edge[ai]
    length = network.length_m[e]
    d = b.offset_m[bi] - a.offset_m[ai]
    with np.errstate(invalid="ignore", divide="ignore"):
        sa = np.where(length > 0, a.offset_m[ai] / length, 0.0)
        sb = np.where(length > 0, b.offset_m[bi] / length, 0.0)
    cost = times.along(e, sa, sb)
    legs = a.leg_m[ai] + b.leg_m[bi]
    return cost + legs, np.abs(d) + legs


def _add_virtual(base: sp.csr_matrix, su, sv, to_u, to_v) -> sp.csr_matrix:
    """``base`` plus one virtual node per source with out-edges to ``su`` and ``sv``."""
    n, k = base.shape[0], len(su)
    indptr = np.concatenate([base.indptr.astype(np.int64), base.indptr[-1] + 2 * np.arange(1, k + 1, dtype=np.int64)])
    data = np.concatenate([base.data, np.column_stack([to_u, to_v]).ravel()])
    indices = np.concatenate([base.indices.astype(np.int32), np.column_stack([su, sv]).ravel().astype(np.int32)])
    return sp.csr_matrix((data, indices, indptr), shape=(n + k, n + k))


def _with_sources_timed(network: WalkNetwork, sources: Snap, times) -> tuple[sp.csr_matrix, np.ndarray]:
    """As :func:`_with_sources` on the quickest-walk graph: entry a -> b costs the walk b -> a."""
    ok = np.flatnonzero(sources.edge >= 0)
    base = _pair_graph(network, times, "time")[0]
    e = sources.edge[ok]
    to_u = _timed_legs(network, times, sources, ok, end="u", to_point=True)[0]
    to_v = _timed_legs(network, times, sources, ok, end="v", to_point=True)[0]
    return _add_virtual(base, network.edge_u[e], network.edge_v[e], to_u, to_v), ok


def _entry(graph: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Position in ``graph.data`` of each entry (rows[i], cols[i]), all present: a scan along the
    rows, as many steps as the largest degree met (cheaper than a search over every entry)."""
    start = graph.indptr[rows].astype(np.int64)
    deg = graph.indptr[rows + 1] - start
    pos = np.full(len(rows), -1, np.int64)
    left = np.arange(len(rows))
    j = 0
    while len(left):
        left = left[deg[left] > j]
        at = start[left] + j
        hit = graph.indices[at] == cols[left]
        pos[left[hit]] = at[hit]
        left = left[~hit]
        j += 1
    return pos


def _tree_sum(pred: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Sum of ``step`` along each node's path up its shortest-path tree (pointer jumping)."""
    size = len(pred)
    ptr = np.where(pred >= 0, pred, np.arange(size))
    acc = np.where(pred >= 0, step, 0.0)
    while True:
        up = ptr[ptr]
        if np.array_equal(up, ptr):
            return acc
        acc = acc + acc[ptr]
        ptr = up


def nearest_source_timed(network: WalkNetwork, sources: Snap, targets: Snap, times, *,
                         limit_m: float = np.inf, by: str = "time") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk from every target to its nearest source on slopes, in one directed Dijkstra pass.

    Parameters
    ----------
    network : WalkNetwork
    sources, targets : Snap
        Snapped sources (stations) and targets (homes); the walk is from the target to the source.
    times : spatial.network.elevation.EdgeTimes
        Directed edge costs of this network.
    limit_m : float
        Walks whose routing weight (cost for ``by="time"``, metres for ``by="length"``) exceeds
        this are not searched.
    by : {"time", "length"}
        Route by the quickest walk (minute bands) or the shortest one (distance bands).

    Returns
    -------
    cost_m : numpy.ndarray
        ``(p,)`` the walk's time times the walking speed (flat-equivalent metres); ``inf`` where
        no source is reached.
    walk_m : numpy.ndarray
        ``(p,)`` metres of that walk.
    source : numpy.ndarray
        ``(p,)`` int64 index into ``sources``, -1 where none.
    """
    if by not in ("time", "length"):
        raise OptionError(f"by must be 'time' (walk minutes on slopes) or 'length' (metres), got {by!r}")
    p = len(targets)
    cost_out, walk_out, src_out = np.full(p, np.inf), np.full(p, np.inf), np.full(p, -1, np.int64)
    ok = np.flatnonzero(sources.edge >= 0)
    t = np.flatnonzero(targets.edge >= 0)
    if len(ok) == 0 or len(t) == 0:
        return cost_out, walk_out, src_out
    timed = by == "time"
    base, w2 = _pair_graph(network, times, by)
    n, k = network.n_nodes, len(ok)
    e = sources.edge[ok]
    cu, mu = _timed_legs(network, times, sources, ok, end="u", to_point=True)  # walk from u to the station
    cv, mv = _timed_legs(network, times, sources, ok, end="v", to_point=True)  # walk from v to the station
    first_u, first_v = (cu, cv) if timed else (mu, mv)
    second_u, second_v = (mu, mv) if timed else (cu, cv)
    su, sv = network.edge_u[e], network.edge_v[e]
    graph = _add_virtual(base, su, sv, first_u, first_v)
    dist, pred, origin = dijkstra(graph, directed=True, indices=n + np.arange(k), min_only=True, limit=limit_m,
                                  return_predecessors=True)
    # the other quantity along each node's tree path
    step = np.zeros(n + k)
    node = np.flatnonzero(pred[:n] >= 0)
    par = pred[node].astype(np.int64)
    real = par < n
    step[node[real]] = w2[_entry(base, par[real], node[real])]
    j, i = par[~real] - n, node[~real]
    use_u = (i == su[j]) & ((i != sv[j]) | (first_u[j] <= first_v[j]))
    step[i] = np.where(use_u, second_u[j], second_v[j])
    other = _tree_sum(pred, step)
    # targets: through either end of their edge
    tcu, tmu = _timed_legs(network, times, targets, t, end="u", to_point=False)
    tcv, tmv = _timed_legs(network, times, targets, t, end="v", to_point=False)
    te = targets.edge[t]
    u, v = network.edge_u[te], network.edge_v[te]
    a_u, a_v = (tcu, tcv) if timed else (tmu, tmv)
    b_u, b_v = (tmu, tmv) if timed else (tcu, tcv)
    via_u, via_v = dist[u] + a_u, dist[v] + a_v
    use_v = via_v < via_u
    best = np.where(use_v, via_v, via_u)
    best2 = np.where(use_v, other[v] + b_v, other[u] + b_u)
    o = origin[np.where(use_v, v, u)]
    best_src = np.where(o >= 0, ok[np.clip(o - n, 0, None)], -1)
    # a target on the same edge as a source may walk straight along it (or across the walls round both, flat)
    si, ti, c, inside = _direct(sources, targets, ok, t)
    if len(si):
        m = c.copy()
        c[~inside], m[~inside] = _along_edge(network, times, targets, ti[~inside], sources, si[~inside])
        d1, d2 = (c, m) if timed else (m, c)
        pos = np.searchsorted(t, ti)
        order = np.lexsort((d1, pos))
        pos, si, d1, d2 = pos[order], si[order], d1[order], d2[order]
        keep = np.r_[True, pos[1:] != pos[:-1]]
        pos, si, d1, d2 = pos[keep], si[keep], d1[keep], d2[keep]
        better = d1 < best[pos]
        best[pos[better]], best2[pos[better]], best_src[pos[better]] = d1[better], d2[better], si[better]
    reach = np.isfinite(best) & (best <= limit_m) & (best_src >= 0)
    first_q, second_q = (best, best2) if timed else (best2, best)
    cost_out[t[reach]] = first_q[reach]
    walk_out[t[reach]] = second_q[reach]
    src_out[t[reach]] = best_src[reach]
    logger.debug("nearest_source_timed (%s): %d sources, %d of %d targets reached", by, k, int(reach.sum()), p)
    return cost_out, walk_out, src_out
