"""Short DEM voids along a street, filled from the heights on either side of them.

Split out of :mod:`spatial.network.elevation`. SRTM's voids cluster where the radar saw no ground:
the steep sides of karst valleys, exactly where the streets climb. Before, one void cell under a
street made its whole edge walked flat (a 390 m street climbing 10.5% with a 120 m void on it lost
its climb altogether). A void of up to :data:`FILL_M` along an edge on the ground, with heights on
both sides of it on the same edge, is now filled linearly along the edge between the last height
before it and the first after it; a longer void, or one reaching an end of the edge, keeps the
rule before (the edge walked flat, reported). Bridges and tunnels keep their own rule (the line
between their ends where the DEM under them is nodata) and are never filled here.
"""

from __future__ import annotations

import numpy as np

from spatial.network._decks import _piece_costs

__all__ = ["FILL_M", "fill_voids"]

#: Longest void filled along an edge (metres between the heights on either side of it): about
#: ten cells of a 1 arc-second (30 m) DEM. A street climbing evenly is read right over it; a
#: longer void may hide a ridge or a dip the line would miss, and keeps the rule before (walked flat).
FILL_M = 300.0


def fill_voids(dem, a, d, za, zb, run, n_sub, edge, cand: np.ndarray, limit_m: float = FILL_M):
    """Costs of the segments of edges ``cand`` with their short voids filled.

    Parameters
    ----------
    dem : spatial.network._dem._Dem
        The DEM the segments were sampled on.
    a, d, za, zb, run, n_sub, edge : numpy.ndarray
        Every segment's start, direction, heights at its ends, length, number of pieces and edge
        (:func:`spatial.network._profile.segments`); an edge's segments in order from ``u``.
    cand : numpy.ndarray
        Edges on the ground with a piece without height (their samples are taken again here).
    limit_m : float
        Longest void filled (metres between the heights on either side).

    Returns
    -------
    tuple
        ``(segs, fwd, bwd, pieces)``: the segments of the edges now whole (every void filled),
        their costs both ways, and their pieces' (segment, forward, backward), as
        :func:`spatial.network.elevation._segment_costs` gives them.
    """
    sel = np.flatnonzero(np.isin(edge, cand))
    sel = sel[np.argsort(edge[sel], kind="stable")]  # each edge's segments together, in order
    empty = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0), (np.zeros(0, np.int64), np.zeros(0), np.zeros(0)))
    if not len(sel):
        return empty
    k = n_sub[sel]
    seg = np.repeat(sel, k + 1)  # each segment's samples: its start, k - 1 inside, its end
    starts = np.r_[0, np.cumsum(k + 1)[:-1]]
    j = np.arange(len(seg)) - np.repeat(starts, k + 1)
    t = j / np.repeat(k, k + 1)
    z = dem.bilinear(dem.project(a[seg] + d[seg] * t[:, None]))
    z[j == 0] = za[sel]
    z[starts + k] = zb[sel]
    # distance of each sample along its edge
    e = edge[seg]
    seg_run = run[sel]
    first_of_edge = np.r_[True, edge[sel][1:] != edge[sel][:-1]]
    before = np.cumsum(seg_run) - seg_run
    edge_start = np.maximum.accumulate(np.where(first_of_edge, before, 0.0))
    pos = np.repeat(before - edge_start, k + 1) + t * np.repeat(seg_run, k + 1)
    # the last height before each sample and the first after it, on the same edge
    idx = np.arange(len(z))
    ok = np.isfinite(z)
    prev = np.maximum.accumulate(np.where(ok, idx, -1))
    nxt = np.minimum.accumulate(np.where(ok, idx, len(z))[::-1])[::-1]
    hole = np.flatnonzero(~ok)
    p, n = prev[hole], nxt[hole]
    fill = (p >= 0) & (n < len(z))
    p, n = np.where(fill, p, 0), np.where(fill, n, 0)
    fill &= (e[p] == e[hole]) & (e[n] == e[hole]) & (pos[n] - pos[p] <= limit_m)
    h, p, n = hole[fill], p[fill], n[fill]
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(pos[n] > pos[p], (pos[h] - pos[p]) / (pos[n] - pos[p]), 0.0)
    z[h] = z[p] + (z[n] - z[p]) * w
    # the pieces: consecutive samples of a segment
    inner = np.flatnonzero(j[1:] != 0)  # sample i to i + 1 within one segment
    piece_seg = seg[inner]
    pf, pb = _piece_costs(np.repeat(seg_run / k, k), z[inner + 1] - z[inner])
    fwd = np.bincount(np.repeat(np.arange(len(sel)), k), weights=pf, minlength=len(sel))
    bwd = np.bincount(np.repeat(np.arange(len(sel)), k), weights=pb, minlength=len(sel))
    # only edges now whole (every sample with a height) are returned
    whole_edge = np.ones(int(edge.max()) + 1 if len(edge) else 0, bool)
    whole_edge[e[~np.isfinite(z)]] = False
    keep = whole_edge[edge[sel]]
    keep_piece = whole_edge[edge[piece_seg]]
    return (sel[keep], fwd[keep], bwd[keep], (piece_seg[keep_piece], pf[keep_piece], pb[keep_piece]))
