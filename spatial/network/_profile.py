"""Where along an edge its walking cost is spent: the slope profile sampled from a DEM.

Split out of :mod:`spatial.network.elevation`. An edge's two costs are sums over the pieces it is
sampled in; a home or station part-way along the edge walks only some of those pieces. Over a
ridge (up 50 m then down 50 m on a 1 km edge) the half from the ridge down costs far less than
half of the whole edge's cost uphill and downhill, so a share of the length is not a share of the
cost. :class:`Profile` keeps each edge's cumulative cost shares at its pieces' ends so that a part
of an edge costs what its own pieces cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["Profile", "build_profile", "part_cost", "segments"]

#: An edge whose cost shares stay within this of its length shares walks its parts pro rata.
SPREAD = 1e-3


@dataclass(frozen=True, eq=False)
class Profile:
    """Cumulative shares of each profiled edge's length and costs at the ends of its pieces.

    Attributes
    ----------
    piece_edge : numpy.ndarray
        ``(p,)`` edge of each piece, ascending; pieces of an edge in order from ``u`` to ``v``.
    at : numpy.ndarray
        ``(p,)`` share of the edge's length (0-1] at the piece's end.
    fwd, bwd : numpy.ndarray
        ``(p,)`` share of the edge's forward cost (``u`` to ``v``) and backward cost (``v`` to
        ``u``) spent between ``u`` and the piece's end.
    profiled : numpy.ndarray
        ``(m,)`` True for edges with a profile; the others spend their cost evenly along them.
    ptr : numpy.ndarray
        ``(m + 1,)`` the pieces of edge ``e`` are ``ptr[e]:ptr[e + 1]``.
    """

    piece_edge: np.ndarray
    at: np.ndarray
    fwd: np.ndarray
    bwd: np.ndarray
    profiled: np.ndarray
    ptr: np.ndarray

    def shares(self, edge: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Shares of each edge's forward and backward costs spent between ``u`` and the point at
        share ``s`` of its length (``s`` itself on an edge without a profile)."""
        edge = np.asarray(edge, np.int64)
        s = np.clip(np.asarray(s, np.float64), 0.0, 1.0)
        f, b = s.copy(), s.copy()
        on = np.flatnonzero(self.profiled[edge] & (s > 0) & (s < 1))  # u and v: 0 and 1 exactly
        if not len(on):
            return f, b
        e, x = edge[on], s[on]
        first, last = self.ptr[e], self.ptr[e + 1] - 1
        # the first piece ending at or after x, within the edge's own pieces (a binary search in
        # each edge's range, all edges at once)
        lo, hi = first.copy(), last.copy()
        while True:
            open_ = np.flatnonzero(lo < hi)
            if not len(open_):
                break
            mid = (lo[open_] + hi[open_]) // 2
            right = self.at[mid] < x[open_]
            lo[open_[right]] = mid[right] + 1
            hi[open_[~right]] = mid[~right]
        i = lo
        inner = i > first
        prev = np.maximum(i - 1, 0)
        at0 = np.where(inner, self.at[prev], 0.0)
        width = self.at[i] - at0
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(width > 0, (x - at0) / width, 1.0), 0.0, 1.0)
        for out, cum in ((f, self.fwd), (b, self.bwd)):
            c0 = np.where(inner, cum[prev], 0.0)
            out[on] = c0 + t * (cum[i] - c0)
        return f, b


def build_profile(m: int, seg_edge: np.ndarray, seg_run: np.ndarray, seg_pieces: np.ndarray,
                  piece_seg: np.ndarray, piece_fwd: np.ndarray, piece_bwd: np.ndarray,
                  profiled: np.ndarray) -> Profile:
    """The :class:`Profile` of ``m`` edges from their segments and the pieces sampled on them.

    Parameters
    ----------
    m : int
        Number of edges.
    seg_edge, seg_run, seg_pieces : numpy.ndarray
        Each straight segment's edge, length and number of pieces; an edge's segments in order
        from ``u`` to ``v``.
    piece_seg, piece_fwd, piece_bwd : numpy.ndarray
        Each piece's segment and costs both ways; a segment's pieces contiguous and in order.
    profiled : numpy.ndarray
        ``(m,)`` edges to profile (those with elevations whose costs were not replaced).
    """
    if len(seg_edge) > 1 and (np.diff(seg_edge) < 0).any():  # bent edges' segments after the straight ones
        rank = np.empty(len(seg_edge), np.int64)
        rank[np.argsort(seg_edge, kind="stable")] = np.arange(len(seg_edge))
        order = np.argsort(rank[piece_seg], kind="stable")
        piece_seg, piece_fwd, piece_bwd = piece_seg[order], piece_fwd[order], piece_bwd[order]
    elif len(piece_seg) > 1 and (np.diff(piece_seg) < 0).any():  # segments grouped by their pieces
        order = np.argsort(piece_seg, kind="stable")
        piece_seg, piece_fwd, piece_bwd = piece_seg[order], piece_fwd[order], piece_bwd[order]
    edge = seg_edge[piece_seg]
    keep = profiled[edge]
    if not keep.all():
        edge, piece_seg, piece_fwd, piece_bwd = edge[keep], piece_seg[keep], piece_fwd[keep], piece_bwd[keep]
    if not len(edge):  # no edge with elevations: every edge spends its cost evenly
        return Profile(piece_edge=np.zeros(0, np.int32), at=np.zeros(0, np.float32), fwd=np.zeros(0, np.float32),
                       bwd=np.zeros(0, np.float32), profiled=np.zeros(m, bool), ptr=np.zeros(m + 1, np.int64))
    run = seg_run[piece_seg] / seg_pieces[piece_seg]
    # each edge's pieces are contiguous: its first and last, and cumulative sums from its first
    new_edge = np.flatnonzero(np.r_[True, edge[1:] != edge[:-1]])
    last = np.r_[new_edge[1:] - 1, len(edge) - 1]
    owner = np.repeat(np.arange(len(new_edge)), np.diff(np.r_[new_edge, len(edge)]))

    def cum_share(w: np.ndarray) -> np.ndarray:
        c = np.cumsum(w)
        base = (c - w)[new_edge]
        total = c[last] - base
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where((total > 0)[owner], (c - base[owner]) / total[owner], 1.0)

    at = cum_share(run)
    fwd = cum_share(piece_fwd)
    bwd = cum_share(piece_bwd)
    # an edge whose cost is spent evenly to within SPREAD (one slope end to end) needs no profile
    off = np.maximum(np.abs(fwd - at), np.abs(bwd - at))
    uneven = np.zeros(m, bool)
    uneven[edge[off > SPREAD]] = True
    kept = uneven[edge]
    edge = edge[kept]
    ptr = np.r_[0, np.cumsum(np.bincount(edge, minlength=m))]
    # shares in float32 (within 1e-7 of the edge's cost) to keep the memory small on a city's pieces
    return Profile(piece_edge=edge.astype(np.int32), at=at[kept].astype(np.float32),
                   fwd=fwd[kept].astype(np.float32), bwd=bwd[kept].astype(np.float32), profiled=uneven, ptr=ptr)


def part_cost(forward_m: np.ndarray, backward_m: np.ndarray, profile: Profile | None, edge, s0, s1) -> np.ndarray:
    """Cost of walking along ``edge`` from share ``s0`` of its length to share ``s1`` (from ``u``):
    the forward cost's share spent between them when ``s1 >= s0``, else the backward cost's."""
    edge = np.asarray(edge, np.int64)
    s0 = np.clip(np.asarray(s0, np.float64), 0.0, 1.0)
    s1 = np.clip(np.asarray(s1, np.float64), 0.0, 1.0)
    ahead = s1 >= s0
    if profile is None:
        return np.where(ahead, forward_m[edge], backward_m[edge]) * np.abs(s1 - s0)
    f1, b1 = profile.shares(edge, s1)
    f0, b0 = profile.shares(edge, s0)
    return np.where(ahead, forward_m[edge] * (f1 - f0), backward_m[edge] * (b0 - b1))


def segments(network):
    """Every straight segment of every edge: start and end points, the edge, and whether the start
    / end is the edge's ``u`` / ``v`` node (those take the node's elevation)."""
    geom = network.geometry
    u, v = network.edge_u, network.edge_v
    nc = shapely.get_num_coordinates(geom)
    straight = np.flatnonzero(nc <= 2)
    a, b = network.node_xy[u[straight]], network.node_xy[v[straight]]
    edge = straight
    first, last = np.ones(len(straight), bool), np.ones(len(straight), bool)
    bent = np.flatnonzero(nc > 2)
    if len(bent):
        coords, line = shapely.get_coordinates(geom[bent], return_index=True)
        same = line[1:] == line[:-1]
        seg = np.flatnonzero(same)
        starts = np.r_[True, ~same]  # first coordinate of each geometry
        ends = np.r_[~same, True]
        a = np.vstack([a, coords[seg]])
        b = np.vstack([b, coords[seg + 1]])
        edge = np.r_[edge, bent[line[seg]]]
        first = np.r_[first, starts[seg]]
        last = np.r_[last, ends[seg + 1]]
    return a, b, edge, first, last
