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
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from spatial.core._threads import halves, thread_map
from spatial.network.graph import WalkNetwork
from spatial.network.snapping import Snap

logger = logging.getLogger(__name__)

__all__ = ["nearest_source", "source_target_pairs"]

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


def _same_edge(sources: Snap, targets: Snap, src_ids: np.ndarray, tgt_ids: np.ndarray):
    """Pairs (source, target) on the same edge and their direct along-edge walk."""
    on_source_edge = np.zeros(int(max(sources.edge.max(initial=-1), targets.edge.max(initial=-1))) + 1, bool)
    on_source_edge[sources.edge[src_ids]] = True
    tgt_ids = tgt_ids[on_source_edge[targets.edge.take(tgt_ids)]]
    s = pd.DataFrame({"edge": sources.edge[src_ids], "s": src_ids})
    t = pd.DataFrame({"edge": targets.edge[tgt_ids], "t": tgt_ids})
    pairs = s.merge(t, on="edge")
    si, ti = pairs["s"].to_numpy(), pairs["t"].to_numpy()
    d = sources.leg_m[si] + np.abs(sources.offset_m[si] - targets.offset_m[ti]) + targets.leg_m[ti]
    return si, ti, d


def nearest_source(network: WalkNetwork, sources: Snap, targets: Snap, *,
                   limit_m: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """Walking distance from every target to its nearest source, in one Dijkstra pass.

    Parameters
    ----------
    network : WalkNetwork
    sources, targets : Snap
        Snapped sources (stations) and targets (demand points).
    limit_m : float
        Walks longer than this are not searched; such targets get ``inf``.

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
    graph, src_ids = _with_sources(network, sources)
    if len(src_ids) == 0 or p == 0:
        return walk, src
    n = network.n_nodes
    dist, _, origin = dijkstra(graph, directed=True, indices=n + np.arange(len(src_ids)),
                               min_only=True, limit=limit_m, return_predecessors=True)
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
    # a target on the same edge as a source may walk straight along it
    si, ti, d = _same_edge(sources, targets, src_ids, t)
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
                        limit_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (source, target) pair within ``limit_m`` metres of walking, as COO triplets.

    Sources are routed in batches (one Dijkstra per source, cut at ``limit_m``) so memory stays
    bounded. Zero distances are kept.

    Returns
    -------
    src_idx, tgt_idx : numpy.ndarray
        int64 indices into ``sources`` and ``targets``.
    walk_m : numpy.ndarray
        float64 metres, legs included.
    """
    graph, src_ids = _with_sources(network, sources)
    t = np.flatnonzero(targets.edge >= 0)
    out_s, out_t, out_d = [], [], []
    if len(src_ids) and len(t):
        n = network.n_nodes
        e = targets.edge[t]
        u, v = network.edge_u[e], network.edge_v[e]
        off_u = targets.offset_m[t] + targets.leg_m[t]
        off_v = network.length_m[e] - targets.offset_m[t] + targets.leg_m[t]
        si_all, ti_all, d_all = _same_edge(sources, targets, src_ids, t)
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
