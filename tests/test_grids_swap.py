"""Specification of the engine's swap move (two border units of neighbouring grids trade places)
and of rebalancing (a grid far off its size drawn again with its neighbours).

A 2 x 4 strip of equal units, as a rook graph written out by hand (cut cost 100 per shared
edge). Every single move puts a grid 25% off its size; a swap of two equal units keeps both
sizes and can straighten the border.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from spatial.grids._objective import EQUAL_WEIGHTS, Shapes
from spatial.grids._swap import swap_pass

# node id = row * 4 + col; row 0 at the bottom
XY = np.array([[50.0 + 100 * c, 50.0 + 100 * r] for r in range(2) for c in range(4)])


def strip_graph(cost=100.0):
    edges = [(r * 4 + c, r * 4 + c + 1) for r in range(2) for c in range(3)]
    edges += [(c, 4 + c) for c in range(4)]
    i, j = np.array(edges).T
    return sparse.csr_matrix((np.full(2 * len(edges), cost), (np.r_[i, j], np.r_[j, i])), shape=(8, 8))


def _cut(adj, labels):
    coo = adj.tocoo()
    return coo.data[labels[coo.row] != labels[coo.col]].sum() / 2


def test_a_swap_straightens_a_zigzag_border_single_moves_cannot():
    adj = strip_graph()
    hh = np.full(8, 100.0)
    # grid 0: bottom row cols 0-2 and top-left; grid 1: the rest (a zigzag border 400 m long)
    labels = np.array([0, 0, 0, 1,
                       0, 1, 1, 1])
    assert _cut(adj, labels) == 400
    out = swap_pass(adj, hh, XY, labels, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert out.tolist() == [0, 0, 1, 1,
                            0, 0, 1, 1]  # bottom-right of grid 0 traded for the unit above it
    assert _cut(adj, out) == 200
    assert np.bincount(out, weights=hh).tolist() == [400, 400]


def test_a_swap_that_would_leave_a_grid_in_two_pieces_is_not_made():
    adj = strip_graph()
    hh = np.full(8, 100.0)
    labels = np.array([0, 0, 0, 1,
                       0, 1, 1, 1])
    fixed = np.zeros(8, dtype=bool)
    fixed[[2, 5]] = True  # the straightening pair may not move: what is left would split a grid
    out = swap_pass(adj, hh, XY, labels, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS, fixed=fixed)
    for part in (0, 1):
        nodes = np.flatnonzero(out == part)
        sub = adj[nodes][:, nodes]
        assert sparse.csgraph.connected_components(sub, directed=False)[0] == 1
    assert np.bincount(out, weights=hh).tolist() == [400, 400]
    assert _cut(adj, out) <= 400


# ----- rebalancing: a grid far off its size is drawn again with every grid it touches -----

BLOCK_HH = np.array([[100, 180, 120],
                     [210, 50, 220],
                     [90, 170, 60]], dtype=float)  # as in test_grids_towns: only the columns hold 400 each


def lattice(rows, cols, side=200.0):
    """Rook graph of a rows x cols lattice of square blocks, cut cost = the shared side."""
    idx = np.arange(rows * cols).reshape(rows, cols)
    edges = [(idx[r, c], idx[r, c + 1]) for r in range(rows) for c in range(cols - 1)]
    edges += [(idx[r, c], idx[r + 1, c]) for r in range(rows - 1) for c in range(cols)]
    i, j = np.array(edges).T
    adj = sparse.csr_matrix((np.full(2 * len(edges), side), (np.r_[i, j], np.r_[j, i])),
                            shape=(rows * cols, rows * cols))
    xy = np.array([[side * (c + 0.5), side * (r + 0.5)] for r in range(rows) for c in range(cols)])
    return adj, xy


def test_rebalance_draws_the_worst_grid_and_its_neighbours_again():
    from spatial.grids._rebalance import rebalance_worst

    adj, xy = lattice(3, 3)
    hh = BLOCK_HH.ravel()
    rows = np.repeat([0, 1, 2], 3)  # rows hold 400 / 480 / 320: the middle row is 20% over
    out = rebalance_worst(adj, hh, xy, rows, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert np.bincount(out, weights=hh).tolist() == [400, 400, 400]
    cols = out.reshape(3, 3)
    assert all(len(set(cols[:, c])) == 1 for c in range(3))  # the columns, the one balanced plan


def test_rebalance_keeps_a_plan_whose_grids_are_all_near_their_size():
    from spatial.grids._rebalance import rebalance_worst

    adj, xy = lattice(3, 3)
    hh = BLOCK_HH.ravel()
    cols = np.tile([0, 1, 2], 3)
    out = rebalance_worst(adj, hh, xy, cols, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert out.tolist() == cols.tolist()


def test_rebalance_is_off_when_any_size_in_the_band_will_do():
    from spatial.grids._objective import BAND_WEIGHTS
    from spatial.grids._rebalance import rebalance_worst

    adj, xy = lattice(3, 3)
    rows = np.repeat([0, 1, 2], 3)
    out = rebalance_worst(adj, BLOCK_HH.ravel(), xy, rows, min_hh=300, max_hh=500, weights=BAND_WEIGHTS)
    assert out.tolist() == rows.tolist()


def test_rebalance_out_of_band_draws_only_the_grids_out_of_the_band_again():
    from spatial.grids._objective import BAND_WEIGHTS
    from spatial.grids._rebalance import rebalance_worst

    adj, xy = lattice(3, 3)
    hh = BLOCK_HH.ravel()
    rows = np.repeat([0, 1, 2], 3)  # 400 / 480 / 320: with a band of 300-450 the middle row is 30 over
    out = rebalance_worst(adj, hh, xy, rows, min_hh=300, max_hh=450, weights=BAND_WEIGHTS, out_of_band=True)
    sizes = np.bincount(out, weights=hh)
    assert ((sizes >= 300) & (sizes <= 450)).all() and sizes.sum() == hh.sum()
    # every grid in the band, however uneven (400 / 480 / 320 in a band of 300-500): nothing to do,
    # with either balance
    for weights in (BAND_WEIGHTS, EQUAL_WEIGHTS):
        same = rebalance_worst(adj, hh, xy, rows, min_hh=300, max_hh=500, weights=weights, out_of_band=True)
        assert same.tolist() == rows.tolist()


def test_rebalance_out_of_band_never_puts_more_grids_out_of_the_band():
    from spatial.grids._objective import BAND_WEIGHTS
    from spatial.grids._rebalance import rebalance_worst

    # three rows of six units: 450 / 480 / 450 households with a band of 300-450; 1,380 households
    # cannot all fit (3 x 450 = 1,350), and 460 / 460 / 460 has a nearer worst grid but three out
    adj, xy = lattice(3, 6)
    hh = np.r_[np.full(6, 75.0), np.full(6, 80.0), np.full(6, 75.0)]
    rows = np.repeat([0, 1, 2], 6)
    for weights in (BAND_WEIGHTS, EQUAL_WEIGHTS):
        out = rebalance_worst(adj, hh, xy, rows, min_hh=300, max_hh=450, weights=weights, out_of_band=True)
        sizes = np.bincount(out, weights=hh)
        assert (sizes > 450).sum() <= 1 and np.maximum(sizes - 450, 0).sum() <= 30


def test_rebalance_out_of_band_leaves_a_grid_no_grid_in_the_band_can_hold():
    from spatial.grids._engine import hemmed_in
    from spatial.grids._objective import BAND_WEIGHTS
    from spatial.grids._rebalance import rebalance_worst

    adj, xy = lattice(3, 3)
    hh = BLOCK_HH.ravel().copy()
    hh[4] = 600.0  # the middle block alone is over the band: no redraw can help its grid
    rows = np.repeat([0, 1, 2], 3)
    stuck = hemmed_in(adj, hh, min_hh=300, max_hh=700)
    assert not stuck.any()
    stuck = hemmed_in(adj, hh, min_hh=300, max_hh=500)
    assert stuck.tolist() == [False] * 4 + [True] + [False] * 4
    out = rebalance_worst(adj, hh, xy, rows, min_hh=300, max_hh=500, weights=BAND_WEIGHTS, out_of_band=True,
                          skip=stuck)
    assert out.tolist() == rows.tolist()


def test_rebalance_reaches_past_a_neighbour_that_cannot_help():
    # a row of 30 units: an estate of 300 households, four towers of 100, 25 walk-up units of 20;
    # grids: the estate alone (300, -25%), the towers (400), the walk-ups (500, +25%). The estate
    # and the towers together hold 700: no cut of those two grids gets both within 25%; the row
    # of three can be cut into 400 / 400 / 400
    from spatial.grids._rebalance import rebalance_worst

    adj, xy = lattice(1, 30)
    hh = np.array([300.0] + [100.0] * 4 + [20.0] * 25)
    labels = np.array([0] + [1] * 4 + [2] * 25)
    out = rebalance_worst(adj, hh, xy, labels, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert np.bincount(out, weights=hh).tolist() == [400, 400, 400]
    assert out.tolist() == sorted(out.tolist())  # three runs along the row: each grid in one piece


# ----- the finish (balance="equal"): sizes settled, shape first within 4.5% of the mean -----

def _strip_town(left_unit_hh, border_unit_hh):
    """The 2 x 4 strip: the left half's four units of ``left_unit_hh``, the right half's bottom-left
    unit (node 2, on the border) of ``border_unit_hh`` and three of 400 / 3 (rounded)."""
    hh = np.full(8, float(left_unit_hh))
    hh[2] = border_unit_hh
    hh[[3, 6, 7]] = 133.0
    return hh


STRAIGHT = [0, 0, 1, 1,
            0, 0, 1, 1]
ZIGZAG = [0, 0, 0, 1,
          0, 0, 1, 1]  # node 2 handed across: both grids even, one more shared edge cut


def test_the_finish_straightens_a_border_bent_only_to_even_out_grids_already_within_4_percent():
    from dataclasses import replace

    from spatial.grids._engine import partition

    hh = _strip_town(96, 14)  # straight: 384 / 413 (-3.6% / +3.6%); zigzag: 398 / 399
    out = partition(strip_graph(), hh, XY, 2, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert out.tolist() == STRAIGHT
    # without the finish the strong pull to the mean bends the border round node 2
    bent = partition(strip_graph(), hh, XY, 2, min_hh=300, max_hh=500, weights=replace(EQUAL_WEIGHTS, finish=None))
    assert bent.tolist() == ZIGZAG


def test_the_finish_never_takes_a_grid_beyond_its_tolerance_for_shape():
    from spatial.grids._engine import partition

    hh = _strip_town(94, 24)  # straight: 376 / 423 (-6% / +6%); zigzag: 400 / 399
    out = partition(strip_graph(), hh, XY, 2, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert out.tolist() == ZIGZAG


def test_the_finish_trades_two_units_where_every_single_move_would_overshoot():
    from dataclasses import replace

    from spatial.grids._engine import partition

    # straight: 383 / 417 (-4.25% / +4.25%); trading node 5 (98) for node 2 (115) gives 400 / 400
    # at two more shared edges cut. The strong pull to the mean takes that trade; the finish trades
    # back, and no single unit (95-115 households) can move without putting a grid 24% off
    hh = np.array([95, 95, 115, 101,
                   95, 98, 101, 100], dtype=float)
    traded = [0, 0, 0, 1,
              0, 1, 1, 1]
    out = partition(strip_graph(), hh, XY, 2, min_hh=300, max_hh=500, weights=EQUAL_WEIGHTS)
    assert _same_split(out, STRAIGHT)
    bent = partition(strip_graph(), hh, XY, 2, min_hh=300, max_hh=500, weights=replace(EQUAL_WEIGHTS, finish=None))
    assert _same_split(bent, traded)


def _same_split(labels, expected):
    """Whether two labellings of the strip draw the same grids (whatever the grid numbers)."""
    labels, expected = np.asarray(labels), np.asarray(expected)
    return all((labels == labels[i]).tolist() == (expected == expected[i]).tolist() for i in range(len(labels)))


# ----- the swaps of all pairs are scored at once: the same swaps as scoring them pair by pair -----

def _swaps_pair_by_pair(adj, hh, xy, labels, *, min_hh, max_hh, weights, fixed=None, shapes=None, rounds=3):
    """The swap pass written plainly: per round, pairs in the order their first border unit comes,
    each free pair's lowest swap (the first of equals, below -1e-9) made if both grids stay whole.
    Plain Python floats throughout (the numbers the pass must reproduce bit for bit)."""
    labels = np.asarray(labels).tolist()
    n, k = len(labels), max(labels) + 1
    rows = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(n)]
    wts = [adj.data[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(n)]
    h, x, y = hh.tolist(), xy[:, 0].tolist(), xy[:, 1].tolist()
    tgt = max(sum(h) / k, 1.0)  # one component: every grid wants the mean
    ref = float(np.median(adj.data))
    ext = xy.max(axis=0) - xy.min(axis=0)
    w_band, w_cut = weights.band / tgt, weights.cut / ref
    w_spread = weights.spread / max(float(ext[0] * ext[1]) / k / np.pi, ref ** 2, 1e-9)
    free = [True] * n if fixed is None else (~fixed).tolist()
    w_pp, c4 = (weights.shape if shapes is not None else 0.0), 4 * np.pi
    if w_pp:
        sh = shapes.shared
        srow = [dict(zip(sh.indices[sh.indptr[u]:sh.indptr[u + 1]].tolist(),
                         sh.data[sh.indptr[u]:sh.indptr[u + 1]].tolist())) for u in range(n)]
        ar, pl = shapes.area.tolist(), shapes.perimeter.tolist()

    def f(v):
        over = (v - max_hh) if v > max_hh else ((min_hh - v) if v < min_hh else 0.0)
        d = (v - tgt) / tgt
        e = abs(d) - weights.tolerance
        return w_band * over + weights.deviation * d * d + (weights.beyond * e if e > 0 else 0.0)

    def whole(part):
        nodes = [u for u in range(n) if labels[u] == part]
        seen, stack = {nodes[0]}, [nodes[0]]
        while stack:
            for v in rows[stack.pop()]:
                if v not in seen and labels[v] == part:
                    seen.add(v)
                    stack.append(v)
        return len(seen) == len(nodes)

    for _ in range(rounds):
        ph = [sum(h[u] for u in range(n) if labels[u] == p) for p in range(k)]
        cnt = [labels.count(p) for p in range(k)]
        cx = (np.bincount(labels, weights=xy[:, 0], minlength=k) / cnt).tolist()
        cy = (np.bincount(labels, weights=xy[:, 1], minlength=k) / cnt).tolist()
        if w_pp:
            pa = [sum(ar[u] for u in range(n) if labels[u] == p) for p in range(k)]
            per = [sum(pl[u] for u in range(n) if labels[u] == p)
                   - sum(ln for u in range(n) if labels[u] == p for v, ln in srow[u].items() if labels[v] == p)
                   for p in range(k)]
        to, border = {}, {}
        for u in range(n):
            c = {}
            for v, w in zip(rows[u], wts[u]):
                c[labels[v]] = c.get(labels[v], 0.0) + w
            to[u] = c
            for b in c:
                if b != labels[u] and free[u]:
                    border.setdefault((labels[u], b), []).append(u)
        busy, done = set(), 0
        for (a, b), us in border.items():
            if a > b or a in busy or b in busy or (b, a) not in border:
                continue
            best, pick = -1e-9, None
            for u in us:
                for v in border[(b, a)]:
                    d = f(ph[a] - h[u] + h[v]) + f(ph[b] + h[u] - h[v]) - (f(ph[a]) + f(ph[b]))
                    uv = dict(zip(rows[u], wts[u])).get(v, 0.0)
                    d += w_cut * (to[u].get(a, 0.0) - to[u].get(b, 0.0) + to[v].get(b, 0.0) - to[v].get(a, 0.0)
                                  + 2.0 * uv)
                    d += w_spread * (((x[u] - cx[b]) ** 2 + (y[u] - cy[b]) ** 2)
                                     - ((x[u] - cx[a]) ** 2 + (y[u] - cy[a]) ** 2)
                                     + (((x[v] - cx[a]) ** 2 + (y[v] - cy[a]) ** 2)
                                        - ((x[v] - cx[b]) ** 2 + (y[v] - cy[b]) ** 2)))
                    if w_pp:
                        def s(z, p):
                            return sum(ln for t, ln in srow[z].items() if labels[t] == p)
                        suv = srow[u].get(v, 0.0)
                        qa = per[a] - pl[u] + 2 * s(u, a) + pl[v] - 2 * s(v, a) + 2 * suv
                        qb = per[b] - pl[v] + 2 * s(v, b) + pl[u] - 2 * s(u, b) + 2 * suv
                        d -= w_pp * (c4 * (pa[a] - ar[u] + ar[v]) / max(qa, 1e-9) ** 2
                                     + c4 * (pa[b] - ar[v] + ar[u]) / max(qb, 1e-9) ** 2
                                     - (c4 * pa[a] / max(per[a], 1e-9) ** 2 + c4 * pa[b] / max(per[b], 1e-9) ** 2))
                    if d < best:
                        best, pick = d, (u, v)
            if pick is None:
                continue
            u, v = pick
            labels[u], labels[v] = b, a
            if whole(a) and whole(b):
                busy |= {a, b}
                done += 1
            else:
                labels[u], labels[v] = a, b
        if not done:
            break
    return labels


def _lumpy_lattice(seed, rows=12, cols=12, side=100.0):
    """A lattice of units holding 0-130 households (ties among them), cut costs of a quarter to a whole
    side (streets on some borders), cut into 16 blocks of 3 x 3 whose borders are then made ragged."""
    rng = np.random.default_rng(seed)
    idx = np.arange(rows * cols).reshape(rows, cols)
    edges = [(idx[r, c], idx[r, c + 1]) for r in range(rows) for c in range(cols - 1)]
    edges += [(idx[r, c], idx[r + 1, c]) for r in range(rows - 1) for c in range(cols)]
    i, j = np.array(edges).T
    cost = side * rng.choice([0.25, 1.0, 1.0], len(edges))
    adj = sparse.csr_matrix((np.r_[cost, cost], (np.r_[i, j], np.r_[j, i])), shape=(rows * cols,) * 2)
    shared = sparse.csr_matrix((np.full(2 * len(edges), side), (np.r_[i, j], np.r_[j, i])), shape=(rows * cols,) * 2)
    xy = np.array([[side * (c + 0.5), side * (r + 0.5)] for r in range(rows) for c in range(cols)])
    hh = rng.choice([0.0, 40.0, 80.0, 110.0, 130.0], rows * cols)
    labels = ((idx // cols) // 3) * (cols // 3) + (idx % cols) // 3
    labels = labels.ravel()
    for _ in range(20):  # raggedness: a unit on a block's border joins the block beside it where both stay whole
        u = int(rng.integers(rows * cols))
        nb = [v for v in adj.indices[adj.indptr[u]:adj.indptr[u + 1]] if labels[v] != labels[u]]
        if nb:
            trial = labels.copy()
            trial[u] = labels[nb[0]]
            if all(sparse.csgraph.connected_components(adj[m][:, m], directed=False)[0] == 1
                   for m in (np.flatnonzero(trial == p) for p in (labels[u], labels[nb[0]]))):
                labels = trial
    return adj, hh, xy, labels, Shapes(np.full(rows * cols, side * side), np.full(rows * cols, 4 * side), shared)


def _lattices(seeds: int, every: int):
    """Lumpy lattices of :func:`_lumpy_lattice` with their mean part size and every ``every``-th
    unit (from the seed's) fixed."""
    for seed in range(seeds):
        adj, hh, xy, labels, shapes = _lumpy_lattice(seed)
        fixed = np.zeros(len(hh), dtype=bool)
        fixed[seed::every] = True
        yield seed, adj, hh, xy, labels, shapes, hh.sum() / 16, fixed


def test_swaps_scored_for_all_pairs_at_once_are_those_scored_pair_by_pair():
    made = 0
    for _, adj, hh, xy, labels, shapes, mean, fixed in _lattices(6, 7):
        for w, kw in ((EQUAL_WEIGHTS, {}), (EQUAL_WEIGHTS.finish, {"shapes": shapes}),
                      (EQUAL_WEIGHTS, {"fixed": fixed}), (EQUAL_WEIGHTS.finish, {"shapes": shapes, "fixed": fixed})):
            got = swap_pass(adj, hh, xy, labels, min_hh=0.85 * mean, max_hh=1.15 * mean, weights=w, **kw)
            want = _swaps_pair_by_pair(adj, hh, xy, labels, min_hh=0.85 * mean, max_hh=1.15 * mean, weights=w, **kw)
            assert got.tolist() == want
            made += int((got != labels).sum())
    assert made > 20  # (swaps were made: the comparison is not of plans left as they were)


# ----- the local search keeps each part's size terms as it goes: the moves of recomputing them -----

def _search_plainly(adj, hh, xy, labels, *, min_hh, max_hh, weights, seed, fixed, origin, max_rounds=40):
    """The local search written plainly (each size term computed afresh at every look): nodes in
    the seed's random order, each moved to the neighbouring part that lowers the objective most
    if its own part stays whole, its neighbours looked at again."""
    from collections import deque
    lab = np.asarray(labels).tolist()
    n, k = len(lab), max(lab) + 1
    rows = [adj.indices[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(n)]
    wts = [adj.data[adj.indptr[u]:adj.indptr[u + 1]].tolist() for u in range(n)]
    h, x, y = hh.tolist(), xy[:, 0].tolist(), xy[:, 1].tolist()
    ph = [sum(h[u] for u in range(n) if lab[u] == p) for p in range(k)]
    pn = [lab.count(p) for p in range(k)]
    sx = np.bincount(lab, weights=xy[:, 0], minlength=k).tolist()
    sy = np.bincount(lab, weights=xy[:, 1], minlength=k).tolist()
    tgt = max(float(np.mean(np.bincount(lab, weights=hh, minlength=k))), 1.0)
    ref = float(np.median(adj.data))
    ext = xy.max(axis=0) - xy.min(axis=0)
    w_band, w_cut = weights.band / tgt, weights.cut / ref
    w_spread = weights.spread / max(float(ext[0] * ext[1]) / k / np.pi, ref ** 2, 1e-9)

    def f(v):
        over = (v - max_hh) if v > max_hh else ((min_hh - v) if v < min_hh else 0.0)
        d = (v - tgt) / tgt
        e = abs(d) - weights.tolerance
        return w_band * over + weights.deviation * d * d + (weights.beyond * e if e > 0 else 0.0)

    def whole_without(u, a):
        rest = [v for v in range(n) if lab[v] == a and v != u]
        seen, stack = {rest[0]}, [rest[0]]
        while stack:
            for v in rows[stack.pop()]:
                if v not in seen and v != u and lab[v] == a:
                    seen.add(v)
                    stack.append(v)
        return len(seen) == len(rest)

    origin, fixed = origin.tolist(), fixed.tolist()
    queue = deque(u for u in np.random.default_rng(seed).permutation(n).tolist() if not fixed[u])
    inq = [u in set(queue) for u in range(n)]
    budget = max_rounds * n
    while queue and budget > 0:
        budget -= 1
        u = queue.popleft()
        inq[u] = False
        a = lab[u]
        cand = {}
        for v, c in zip(rows[u], wts[u]):
            cand[lab[v]] = cand.get(lab[v], 0.0) + c
        if pn[a] <= 1 or len(cand) == 1:
            continue
        da = (x[u] - sx[a] / pn[a]) ** 2 + (y[u] - sy[a] / pn[a]) ** 2
        best, best_b = -1e-9, -1
        for b, cb in cand.items():
            if b == a:
                continue
            d = f(ph[a] - h[u]) - f(ph[a]) + f(ph[b] + h[u]) - f(ph[b])
            d += w_cut * (cand.get(a, 0.0) - cb)
            d += w_spread * ((x[u] - sx[b] / pn[b]) ** 2 + (y[u] - sy[b] / pn[b]) ** 2 - da)
            d += weights.move * ((b != origin[u]) - (a != origin[u]))
            if d < best:
                best, best_b = d, b
        if best_b < 0 or not whole_without(u, a):
            continue
        b = best_b
        lab[u] = b
        ph[a], ph[b], pn[a], pn[b] = ph[a] - h[u], ph[b] + h[u], pn[a] - 1, pn[b] + 1
        sx[a], sy[a], sx[b], sy[b] = sx[a] - x[u], sy[a] - y[u], sx[b] + x[u], sy[b] + y[u]
        for v in rows[u] + [u]:
            if not inq[v] and not fixed[v]:
                inq[v] = True
                queue.append(v)
    return lab


def test_the_search_keeping_size_terms_as_it_goes_moves_as_recomputing_them_would():
    from dataclasses import replace

    from spatial.grids._search import local_search

    moved = 0
    for seed, adj, hh, xy, labels, _, mean, fixed in _lattices(4, 9):
        origin = np.roll(labels, seed)  # a move penalty pulling some units elsewhere
        w = replace(EQUAL_WEIGHTS, move=0.5)
        kw = dict(min_hh=0.85 * mean, max_hh=1.15 * mean, weights=w, seed=seed)
        got = local_search(adj, hh, xy, labels, **kw, fixed=fixed, origin=origin)
        assert got.tolist() == _search_plainly(adj, hh, xy, labels, **kw, fixed=fixed, origin=origin)
        moved += int((got != labels).sum())
    assert moved > 10  # (moves were made)
