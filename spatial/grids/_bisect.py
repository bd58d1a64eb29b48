"""Street-following start for the grid engine: recursive METIS bisection, each cut balanced by households.

Each connected set of nodes is cut in two by METIS (pymetis, a well-kept binding of the
multilevel partitioner) with the households as vertex weights and the cut costs as edge weights,
so the cut runs where borders are cheap: along streets and rivers, never through a contracted
gated estate. METIS balances only roughly and may leave a side in pieces, so every cut is then
(1) made connected (stray pieces join the other side), (2) swept towards the wanted households
(units nearest the other side, by walking distance between centroids over the unit graph, cross
first; units that would overshoot are skipped) and (3) polished by single boundary moves that
close the remaining gap at the least extra cut. The sides are then cut again until each holds
one grid's share.

Written here because METIS's own k-way ``contig`` option costs 28–39% of balance on these
graphs and neither METIS nor GerryChain balances lumpy household weights to a few percent while
keeping parts connected (field notes); the bisection keeps METIS for what it does well.

On graphs of ``_AHEAD_NODES`` or more the two sides of the first cut are cut further at once,
the second on a forked worker process (``spatial.core._procs.Ahead``); the labels are the same.
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import sparse

from spatial.core._procs import PROCESSES, Ahead
from spatial.grids._graph import Coo, SideCheck, coo_of, csr_of, n_pieces, nearest_of, neighbour_lists, sub_graph

logger = logging.getLogger(__name__)

__all__ = ["loose_split", "recursive_bisection", "resplit", "split_in_two", "straight_cut"]

#: Graphs of at least this many nodes cut the two sides of the first cut on two processes.
_AHEAD_NODES = 3000
#: Households weigh this much more than a unit's own weight of 1 in METIS's balance.
_HH_WEIGHT = 20
#: Room, relative to the households summed, left for the rounding of a side's households summed in
#: another order than the straight cut's running sums (``straight_cut``'s ``beat``; 400 terms round
#: by about 1e-13 of it).
_SUM_ROOM = 1e-9
#: Cut graphs of at least this many nodes check that both sides are whole with one vectorised
#: search (``_graph.SideCheck``) before any walk in Python: below it the walk costs less than
#: the search's fixed cost (about 50 us against 30 us at 25 nodes, 100 against 250 at 400).
_VECTOR_NODES = 100


def recursive_bisection(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, k: int, *, seed: int = 0,
                        band: tuple[float, float] | None = None, workers: int | None = None) -> np.ndarray:
    """Labels 0..m-1 (m <= k) of connected parts of a connected graph, each near ``hh.sum() / k``.

    Parameters
    ----------
    adj : csr_matrix
        Symmetric cut costs (> 0 between rook neighbours).
    hh : ndarray
        Households of each node.
    xy : ndarray of shape (n, 2)
        Node centroids in metres.
    k : int
        Parts wanted; fewer come out only when a side has fewer nodes than its share of parts.
    band : (min, max), optional
        Households a part may hold. Given, a cut need not balance: each side may hold up to
        four fifths of one part's slack in the band more or less than its share, as long as its
        parts' mean stays in the band, and the cheaper cut of the balanced one and the free one
        is kept (see :func:`split_in_two`).
    workers : int, optional
        Processes (2: the two sides of the first cut at once; default: 2 from 3,000 nodes
        when there are two cores); the labels are the same.
    """
    n = len(hh)
    hh = np.asarray(hh, dtype=float)
    state = (adj, hh, xy, seed, band)
    workers = workers if workers is not None else (PROCESSES if n >= _AHEAD_NODES else 1)
    if workers <= 1 or k < 4 or n < 4:
        return _bisect_nodes(state, np.arange(n), int(k))
    # the first cut here, then each side on its own core (the second side on a worker process):
    # the same labels as one core gives, the first side's parts first
    a, ka, b, kb = _first_cut(state, np.arange(n), int(k))
    if len(a) == 0 or len(b) == 0:
        return _bisect_nodes(state, np.arange(n), int(k))
    out = np.empty(n, dtype=np.int64)
    with Ahead(_bisect_nodes, state, workers=2) as ahead:
        ahead.send("b", (b, kb))
        out[a] = ahead.take("a", (a, ka))
        out[b] = ahead.take("b", (b, kb)) + out[a].max() + 1
    return out


def _first_cut(state, nodes, kk):
    """Sides (nodes, parts) of the cut of ``nodes`` into ``kk // 2`` and the rest of the parts."""
    adj, hh, xy, seed, band = state
    k1 = kk // 2
    sub = sub_graph(adj, nodes)
    h = hh[nodes]
    side = split_in_two(sub, h, xy[nodes], k1 / kk, h.sum() / kk, seed=seed,
                        accept=None if band is None else _accept(h.sum(), k1, kk - k1, band))
    a, b = nodes[side == 0], nodes[side == 1]
    ka = min(k1, len(a))
    return a, ka, b, min(kk - ka, len(b))


def _bisect_nodes(state, todo, k):
    """Labels 0..m-1 of the nodes ``todo`` (positions in the graph of ``state``, in that order) cut
    into ``k`` parts (runs on a worker too)."""
    out = np.full(len(state[1]), -1, dtype=np.int64)
    stack = [(todo, int(k))]
    nxt = 0
    while stack:
        nodes, kk = stack.pop()
        if kk <= 1 or len(nodes) <= 1:
            out[nodes] = nxt
            nxt += 1
            continue
        a, ka, b, kb = _first_cut(state, nodes, kk)
        if len(a) == 0 or len(b) == 0:
            out[nodes] = nxt
            nxt += 1
            continue
        stack.append((b, kb))
        stack.append((a, ka))
    return out[todo]


def _accept(total: float, k1: int, k2: int, band: tuple[float, float], share: float = 0.8):
    """Households side 0 (``k1`` parts of ``k1 + k2``) may hold when a cut need not balance: its
    share of ``total`` give or take ``share`` of one mean part's slack in the band, with both
    sides' mean parts in the band; None when there is no such slack."""
    lo_b, hi_b = band
    mean = total / (k1 + k2)
    want = total * k1 / (k1 + k2)
    s = share * min(hi_b - mean, mean - lo_b)
    if s <= 0:
        return None
    lo = max(want - s, k1 * lo_b, total - k2 * hi_b)
    hi = min(want + s, k1 * hi_b, total - k2 * lo_b)
    return (lo, hi) if lo < hi else None


def split_in_two(sub: sparse.csr_matrix | _Views, hh: np.ndarray, xy: np.ndarray, frac: float, part_hh: float, *,
                 seed: int = 0, straight: bool = True, ncuts: int = 2,
                 accept: tuple[float, float] | None = None) -> np.ndarray:
    """Sides 0/1 of a connected graph, both connected, side 0 holding about ``frac`` of the households.

    A METIS cut made connected and balanced; for lumpy units (error above 2% of ``part_hh``, the
    households of one wanted part) on graphs of at most 400 nodes, a straight cut when it balances
    clearly better (unless ``straight`` is False). METIS keeps the best of ``ncuts`` tries.

    With ``accept`` = (lo, hi), households side 0 may hold, METIS is also asked for a cut free to
    stray that far from ``frac``, brought into (lo, hi) only when it falls outside; the cheaper of
    the two cuts is returned (a street a few units off the balanced line beats a cut through a
    block).
    """
    g = _Views.of(sub)
    side = _balanced_split(g, hh, xy, frac, part_hh, seed=seed, straight=straight, ncuts=ncuts)
    if accept is None:
        return side
    loose = loose_split(g, hh, xy, frac, accept, seed=seed, ncuts=ncuts)
    if loose is None:
        return side
    coo = g.coo
    cut_now = float(coo.data[side[coo.row] != side[coo.col]].sum())
    cut_loose = float(coo.data[loose[coo.row] != loose[coo.col]].sum())
    return loose if cut_loose < cut_now else side


def resplit(sub: sparse.csr_matrix | _Views, hh: np.ndarray, side: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Sides 0/1 of a connected graph cut afresh by METIS at the weights ``side``'s two sides
    have now (households and units, as METIS weighs them here), stray pieces joined to the other
    side: the cheapest border METIS finds between two parts of about their present sizes."""
    g = _Views.of(sub)
    vw = np.round(hh) * _HH_WEIGHT + 1
    frac = float(vw[side == 0].sum() / vw.sum())
    return _join_strays(g.lists[0], hh, _metis_halves(g.sub, hh, frac, seed, 1), whole=g.whole)


def loose_split(sub: sparse.csr_matrix | _Views, hh: np.ndarray, xy: np.ndarray, frac: float,
                accept: tuple[float, float], *, seed: int = 0, ncuts: int = 2) -> np.ndarray | None:
    """Sides 0/1, both connected, side 0 holding between ``accept`` = (lo, hi) households: a METIS
    cut free to stray from ``frac`` that far, swept into the range only when it falls outside;
    None when there is no slack or no such cut."""
    lo, hi = accept
    want = hh.sum() * frac
    slack = min(hi - want, want - lo)
    if slack <= 0:
        return None
    ufactor = int(np.clip(1000 * max(hi - want, want - lo) / max(min(want, hh.sum() - want), 1.0), 10, 900))
    g = _Views.of(sub)
    loose = _metis_halves(g.sub, hh, frac, seed, ncuts, ufactor=ufactor)
    nbrs, wts = g.lists
    coo = g.coo
    loose = _join_strays(nbrs, hh, loose, whole=g.whole)
    ha = float(hh[loose == 0].sum())
    if not lo <= ha <= hi:
        target = min(max(ha, lo + 0.25 * slack), hi - 0.25 * slack)
        loose = _sweep(g, hh, loose, target, xy)
        loose = _polish(nbrs, wts, coo, hh, loose, target)
        ha = float(hh[loose == 0].sum())
    if not lo <= ha <= hi or loose.min() == loose.max():
        return None
    return loose


def _balanced_split(g: _Views, hh, xy, frac, part_hh, *, seed, straight, ncuts) -> np.ndarray:
    want = hh.sum() * frac
    side = _metis_halves(g.sub, hh, frac, seed, ncuts)
    side = _balance_halves(g, hh, side, want, xy)
    err = abs(hh[side == 0].sum() - want)
    if straight and err > 0.02 * part_hh and len(hh) <= 400:  # lumpy units: try straight cuts as well
        alt = straight_cut(g, hh, xy, want, beat=err - 0.01 * part_hh)
        if alt is not None and abs(hh[alt == 0].sum() - want) < err - 0.01 * part_hh:
            side = alt
    return side


def _metis_halves(sub: sparse.csr_matrix, hh: np.ndarray, frac: float, seed: int, ncuts: int = 2, *,
                  ufactor: int = 10) -> np.ndarray:
    """METIS 2-way cut with ``frac`` of the weight on side 0 (connected sides asked for), off by
    at most ``ufactor`` thousandths."""
    import pymetis

    if sub.shape[0] < 2 or sub.nnz == 0:
        return np.zeros(sub.shape[0], dtype=np.int64)
    ew = np.maximum(np.round(sub.data), 1).astype(np.int64)
    vw = (np.round(hh) * _HH_WEIGHT + 1).astype(np.int64)
    connected = n_pieces(sub) == 1
    opts = pymetis.Options(seed=int(seed), ufactor=int(ufactor), ncuts=int(ncuts), contig=int(connected))
    # the index arrays in METIS's own 64-bit integers (pymetis's wheels): scipy's int32 ones are copied
    # entry by entry on every call (the 3,570 cuts of the 10,000-unit town of seed 1: 1.24 -> 1.17 CPU-s)
    adjacency = pymetis.CSRAdjacency(sub.indptr.astype(np.int64), sub.indices.astype(np.int64))
    _, parts = pymetis.part_graph(2, adjacency=adjacency, vweights=vw, eweights=ew, tpwgts=[frac, 1 - frac],
                                  options=opts, recursive=False)
    return np.asarray(parts, dtype=np.int64)


def _join_strays(nbrs: list, hh: np.ndarray, side: np.ndarray, sides=(0, 1), whole=None) -> np.ndarray:
    """Every piece of a side but its heaviest joins the other side (rounds until both connect).

    Depth-first on neighbour lists: these graphs are small and many, where building a sparse
    matrix per call costs more than the search. ``whole`` (a :class:`_graph.SideCheck` of the
    graph, or None) answers first, on a larger graph, whether both sides are whole already.

    No round follows one that leaves both sides whole (it would move nothing; ``sides`` the two
    labels of ``side``): once the first side's lighter pieces joined the second, the first is one
    piece; each lighter piece of the second then joining it touches it (its neighbours are all on
    the first side) unless it has no neighbour at all, and the second is one piece.
    """
    if whole is not None and whole(side):
        return np.asarray(side, dtype=np.int64)
    hhl = hh.tolist()
    for _ in range(4):
        moved = False
        settled = True  # (both sides whole when the round ends: see above)
        lab = side.tolist()
        for s in sides:
            size = lab.count(s)
            if not size:
                continue
            seen = bytearray(len(lab))
            first = _piece(nbrs, lab, s, lab.index(s), seen)  # from the side's first node, as below
            if len(first) == size:
                continue  # the side is one piece: nothing joins the other
            found = [first]
            for u0 in [u for u, x in enumerate(lab) if x == s]:
                if not seen[u0]:
                    found.append(_piece(nbrs, lab, s, u0, seen))
            pieces = []
            for piece in found:
                w = 0.0
                for y in piece:  # summed in the order found (ties between pieces stay as they were)
                    w += hhl[y] + 1e-3
                pieces.append((w, piece))
            if len(pieces) > 1:
                pieces.sort(key=lambda p: -p[0])
                # (a piece of the round's second side that touches no other node: the first side
                # may be in pieces after this round)
                settled = s != sides[-1] or all(any(lab[v] != s for u in piece for v in nbrs[u])
                                                for _, piece in pieces[1:])
                for _, piece in pieces[1:]:
                    for u in piece:
                        lab[u] = 1 - s
                moved = True
        side = np.asarray(lab, dtype=np.int64)
        if not moved or settled:
            break
    return side


def _balance_halves(g: _Views, hh, side, want_a, xy) -> np.ndarray:
    """Both sides connected, side 0 holding households as near ``want_a`` as single moves allow."""
    nbrs, wts = g.lists
    side = _join_strays(nbrs, hh, side.copy(), whole=g.whole)
    side = _sweep(g, hh, side, want_a, xy)
    return _polish(nbrs, wts, g.coo, hh, side, want_a)


class _Views:
    """A sub-graph with its COO arrays, neighbour lists and distance graph, made once for every cut tried on it."""

    __slots__ = ("sub", "_coo", "_lists", "_dist", "_whole")

    def __init__(self, sub: sparse.csr_matrix):
        self.sub, self._coo, self._lists, self._dist, self._whole = sub, None, None, None, None

    @classmethod
    def of(cls, sub) -> "_Views":
        return sub if isinstance(sub, cls) else cls(sub)

    @property
    def coo(self) -> Coo:
        if self._coo is None:
            self._coo = coo_of(self.sub)
        return self._coo

    @property
    def lists(self) -> tuple[list, list]:
        if self._lists is None:
            self._lists = _lists(self.sub)
        return self._lists

    @property
    def whole(self) -> SideCheck | None:
        """Whether both sides of a labelling are whole (one search), on graphs of ``_VECTOR_NODES``
        or more; None on smaller ones (there the walks in Python answer sooner)."""
        if self._whole is None and self.sub.shape[0] >= _VECTOR_NODES:
            self._whole = SideCheck(self.sub, self.coo)
        return self._whole

    def distances(self, xy: np.ndarray) -> sparse.csr_matrix:
        """The graph weighted by the distance between node centroids ``xy`` (+ 1e-6 m: no zero
        weights), on the sub-graph's own index arrays."""
        if self._dist is None:
            sub = self.sub
            coo = self.coo
            d = np.hypot(*(xy[coo.row] - xy[coo.col]).T) + 1e-6
            self._dist = csr_of(d, sub.indices, sub.indptr, sub.shape)
        return self._dist


def _lists(sub):
    """Neighbour and cut-cost lists per node (``_graph.neighbour_lists``: sliced from one Python
    list, fast on many small graphs, and made once for a graph asked again)."""
    return neighbour_lists(sub)


def _sweep(g: _Views, hh, side, want_a, xy) -> np.ndarray:
    """Hand the donor's units nearest the other side across until the gap closes; the donor's
    stray pieces follow. Units that would overshoot are skipped; when that leaves nothing to
    move (a big unit stands between), it is taken anyway and the sweep runs back the other way."""
    tol = max(0.005 * hh.sum(), 0.5)

    def err(sd):
        return abs(want_a - hh[sd == 0].sum())

    if err(side) <= tol:
        return side
    nbrs, n = g.lists[0], len(side)
    dist = g.distances(xy)
    for _ in range(4):
        now = err(side)
        if now <= tol:
            break
        near = [None]  # the donor's units by distance from the other side: both sweeps of this side read it
        trial = _sweep_once(dist, nbrs, hh, side, want_a, n, tol, skip=True, whole=g.whole, near=near)
        if trial is not None and err(trial) < now:
            side = trial
            continue
        over = _sweep_once(dist, nbrs, hh, side, want_a, n, tol, skip=False, whole=g.whole, near=near)
        back = None if over is None else _sweep_once(dist, nbrs, hh, over, want_a, n, tol, skip=True, whole=g.whole)
        if back is not None and err(back) < now:
            side = back
            continue
        break
    return side


def _sweep_once(dist_g, nbrs, hh, side, want_a, n, tol, *, skip: bool, whole=None, near=None) -> np.ndarray | None:
    """One sweep of ``side`` (see :func:`_sweep`); ``near``, a one-item list, keeps the donor's
    units in order of their distance from the other side for another sweep of the same ``side``
    (the search of the graph is what a sweep costs)."""
    gap = want_a - hh[side == 0].sum()
    src = 1 if gap > 0 else 0
    need = abs(gap)
    cand = np.flatnonzero(side == src)
    if len(cand) <= 1:
        return None
    if near is not None and near[0] is not None:
        order = near[0]
    else:
        dist = nearest_of(dist_g, np.flatnonzero(side != src))
        order = cand[np.argsort(dist[cand], kind="stable")]
        if near is not None:
            near[0] = order
    take, got = [], 0.0
    for u, xu in zip(order[:-1].tolist(), hh[order[:-1]].tolist()):
        if got >= need - tol:
            break
        if skip and got + xu > need + tol:
            continue
        take.append(u)
        got += xu
    if not take:
        return None
    trial = side.copy()
    trial[np.asarray(take)] = 1 - src
    return _join_strays(nbrs, hh, trial, sides=(src, 1 - src), whole=whole)


def _reach(nbrs, lab, part, start, skip=None) -> int:
    """How many nodes labelled ``part`` connect to ``start`` (one of them, counted) without
    passing node ``skip`` (depth-first on neighbour lists; ``lab`` a list)."""
    seen = {start} if skip is None else {start, skip}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y not in seen and lab[y] == part:
                seen.add(y)
                stack.append(y)
    return len(seen) - (skip is not None)


def _connected_without(u, a, lab, nbrs, size) -> bool:
    """Whether part ``a`` (``size`` nodes with ``u``) stays in one piece when ``u`` leaves it."""
    start = next((v for v in nbrs[u] if lab[v] == a), -1)
    if start < 0:
        return size == 1
    return _reach(nbrs, lab, a, start, skip=u) == size - 1


def _polish(nbrs, wts, coo, hh, side, want_a) -> np.ndarray:
    """Single boundary moves that close the household gap, cheapest change of cut first."""
    n = len(side)
    lab = side.tolist()
    hhl = hh.tolist()
    size = [lab.count(0), lab.count(1)]
    ha = float(hh[side == 0].sum())
    tol = max(0.002 * float(hh.sum()), 0.5)
    boundary = set(np.unique(coo.row[side[coo.row] != side[coo.col]]).tolist())
    for _ in range(2 * n):
        gap = want_a - ha
        if abs(gap) <= tol:
            break
        src = 1 if gap > 0 else 0
        need = abs(gap)
        best, bu = None, -1
        for u in boundary:
            if lab[u] != src or hhl[u] <= 0 or hhl[u] >= 2 * need:
                continue
            to = own = 0.0
            for v, w in zip(nbrs[u], wts[u]):
                if lab[v] == src:
                    own += w
                else:
                    to += w
            if to <= 0:
                continue
            key = (abs(need - hhl[u]), own - to)
            if best is None or key < best:
                best, bu = key, u
        if bu < 0:
            break
        boundary.discard(bu)
        if size[src] <= 1 or not _connected_without(bu, src, lab, nbrs, size[src]):
            continue
        lab[bu] = 1 - src
        size[src] -= 1
        size[1 - src] += 1
        ha += hhl[bu] if src == 1 else -hhl[bu]
        boundary.update(nbrs[bu])
    return np.asarray(lab, dtype=np.int64)


def straight_cut(sub: sparse.csr_matrix | _Views, hh, xy, want_a, n_angles: int = 16,
                 n_try: int = 6, *, beat: float | None = None) -> np.ndarray | None:
    """The best-balanced split into two connected sides by a straight line at one of ``n_angles``.

    For each angle the nodes are sorted by their projection; the ``n_try`` prefixes nearest
    ``want_a`` households are checked for connected sides; ties go to the cheaper cut.

    ``beat``: the caller keeps the cut only if side 0 is off ``want_a`` by less than this; when no
    prefix of any angle comes that near (with room for the rounding of a sum taken in another
    order), None at once, before any side is searched (on the uneven town of 10,000 units of
    seed 1, 355 of the bisection's 985 straight cuts), and None as soon as the cuts left to search
    are no nearer.
    """
    n = len(hh)
    if n < 2:
        return None
    g = _Views.of(sub)
    coo = g.coo
    nbrs, _ = g.lists
    c = xy - xy.mean(axis=0)
    cos_a, sin_a = _angle_cosines(n_angles)
    # all angles at once (row by row the same projections, orders and sums as one at a time)
    orders = np.argsort(c[:, 0] * cos_a + c[:, 1] * sin_a, axis=1, kind="stable")
    err = np.abs(np.cumsum(hh[orders], axis=1)[:, :-1] - want_a)
    keep = None if beat is None else beat + _SUM_ROOM * (float(np.abs(hh).sum()) + abs(want_a) + 1.0)
    if keep is not None and not float(err.min()) < keep:
        return None  # no prefix the caller would keep
    near = np.argsort(err, axis=1, kind="stable")[:, :n_try]
    # the candidates (angle by angle, prefix by prefix), best balance first (a stable sort: the
    # first first among equals); each balance's cuts then cheaper cut first (then the first), and
    # the first with both sides connected kept (so the connectivity search runs on the cuts that
    # would win alone)
    e = np.take_along_axis(err, near, axis=1).ravel()
    by = np.argsort(e, kind="stable")
    e, ang, pre = e[by].tolist(), np.repeat(np.arange(n_angles), near.shape[1])[by], near.ravel()[by]
    rank = np.empty_like(orders)  # each node's place in each angle's order
    np.put_along_axis(rank, orders, np.arange(n), axis=1)
    i = 0
    while i < len(e):
        if keep is not None and not e[i] < keep:
            return None  # this balance and the worse ones: none the caller would keep
        i1 = i + 1
        while i1 < len(e) and e[i1] == e[i]:
            i1 += 1
        below = rank[ang[i:i1]] <= pre[i:i1, None]  # side 0 of each cut of this balance
        if i1 - i > 1:  # cheaper cut first (then the first): each cut's edges summed as numpy sums them
            crossing = below[:, coo.row] != below[:, coo.col]
            tried = np.argsort(np.array([coo.data[m].sum() for m in crossing]), kind="stable").tolist()
        else:
            tried = [0]
        for t in tried:
            side = (~below[t]).astype(np.int64)
            ai, j = int(ang[i + t]), int(pre[i + t])
            if (g.whole(side) if g.whole is not None else
                    _both_one_piece(nbrs, side.tolist(), int(orders[ai, 0]), int(orders[ai, j + 1]), j + 1)):
                return side
        i = i1
    return None


#: cos and sin of each of ``n_angles`` angles from 0 to pi (as columns), by ``n_angles``.
_COSINES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _angle_cosines(n_angles: int) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin (columns of ``n_angles`` rows) of ``np.linspace(0, np.pi, n_angles, endpoint=False)``,
    made once per ``n_angles`` (read-only)."""
    got = _COSINES.get(n_angles)
    if got is None:
        a = np.linspace(0, np.pi, n_angles, endpoint=False)
        cos_a, sin_a = np.cos(a)[:, None], np.sin(a)[:, None]
        cos_a.flags.writeable = sin_a.flags.writeable = False
        got = _COSINES[n_angles] = (cos_a, sin_a)
    return got


def _both_one_piece(nbrs, lab, a0, b0, n0) -> bool:
    """Whether sides 0 and 1 of ``lab`` (a list) are each connected; ``a0`` and ``b0`` one node of
    each, ``n0`` the nodes of side 0. The smaller side is walked first, the other only if it is
    whole (a side in pieces settles the answer)."""
    n = len(lab)
    seen = bytearray(n)
    first, start, size = (0, a0, n0) if n0 <= n - n0 else (1, b0, n - n0)
    if _reach_count(nbrs, lab, first, start, seen) != size:
        return False
    return _reach_count(nbrs, lab, 1 - first, b0 if first == 0 else a0, seen) == n - size


def _reach_count(nbrs, lab, s, start, seen) -> int:
    """How many nodes labelled ``s`` (``lab`` a list) connect to ``start``, marked in ``seen`` (a
    bytearray; :func:`_piece` without the list of them)."""
    seen[start] = 1
    count, stack = 1, [start]
    while stack:
        for y in nbrs[stack.pop()]:
            if not seen[y] and lab[y] == s:
                seen[y] = 1
                stack.append(y)
                count += 1
    return count


def _piece(nbrs, lab, s, start, seen) -> list:
    """The nodes labelled ``s`` (``lab`` a list) connected to ``start``, in the order found
    (depth first on neighbour lists), marked in ``seen`` (a bytearray)."""
    seen[start] = 1
    piece, stack = [start], [start]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if not seen[y] and lab[y] == s:
                seen[y] = 1
                stack.append(y)
                piece.append(y)
    return piece
