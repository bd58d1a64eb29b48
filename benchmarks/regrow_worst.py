"""The furthest grid of an equal-grid plan regrown, the grids round it chosen by set partitioning.

A probe of docs/grids.md ("The furthest grid regrown"), tried as the engine's last pass at 10,000
units in December 2026 and left out.

At 10,000 units the furthest grid is often far past the next (the uneven benchmark towns of seeds
3, 5 and 6: 16.0% against 11.5%, 14.3% against 11.5%, 16.8% against 15.0%). Here that grid is
given other contents: from its heaviest unit, connected sets are grown over the ring of two grids
round it (nearest units first, in a few random orders, never cutting the rest of the ring in two),
each set's prefix nearest the mean size kept; round each of the best, the rest of the ring is cut
again into the other grids (the rebalancing's balanced METIS cut and search). Every grid of those
drawings and of the plan as it stands is a candidate, and a small integer program (scipy's HiGHS)
picks candidates covering each unit of the ring exactly once, as many as the ring's grids: first
the furthest grid as near its size as the candidates allow, then the fewest grids past the rule,
then the lowest objective (each grid's size terms, spread and half its cut: the engine's objective
is a sum over grids). The plan as it stands is one solution. With ``guard``, the chosen grids must
also keep the ring's border on streets at the plan's share (a linear constraint). Then the ring's
grids still past the rule share their towers out again (``_lumps``, within the ring) and the
finish's search settles the ring's borders. The ring is kept when its furthest grid comes nearer,
no more grids lie past the rule, the objective rises by at most ``budget`` mean grids' shares
(the rebalancing's rule) and, with ``guard``, neither the plan's share of border on streets nor
its mean Polsby-Popper falls.

    .venv/bin/python -m benchmarks.regrow_worst --seeds 1-6      # 10,000 units -> 500 grids
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse.csgraph import connected_components

from spatial.grids._graph import n_pieces, sub_graph
from spatial.grids._lumps import exchange_lumps
from spatial.grids._objective import Shapes, Weights, _norms, _size_cost, _targets, objective
from spatial.grids._rebalance import _redraw, _ring, _touching
from spatial.grids._search import local_search

logger = logging.getLogger(__name__)


#: Rings of more grids than this are the ring of one instead.
_MOST = 24
#: Sets grown from the furthest grid's heaviest unit (half of them capped at 5% over the mean
#: size, half at 20%), and how many of the nearest to the mean get the ring drawn round them.
_GROWN = 12
_DRAWN = 4
#: Units a growth may add past its best prefix before it stops.
_PAST_BEST = 30
#: Tried only when every grid outside the ring is nearer its size than the furthest by this much.
_GAIN = 0.01
#: A shared edge whose cut costs under this share of its length lies on a street (``_blockcut``).
_STREET_RATIO = 0.6
#: Seconds HiGHS may take on one program (tens of candidates: milliseconds).
_TIME_LIMIT = 10.0


def _columns(sub, hh, xy, parts, t, *, min_hh, max_hh, weights, norms):
    """Unique non-empty parts of the labellings ``parts`` of a region (its sub-graph ``sub``) as
    candidates: boolean masks (candidates x nodes), each one's deviation from ``t`` (a share) and
    its part of the objective (size terms, spread, half its cut inside the region)."""
    w_band, _, w_cut, w_spread = norms
    seen, masks = set(), []
    for lab in parts:
        for i in np.unique(lab).tolist():
            m = lab == i
            key = np.packbits(m).tobytes()
            if key not in seen:
                seen.add(key)
                masks.append(m)
    masks = np.array(masks)
    coo = sub.tocoo()
    h = masks.astype(float) @ hh
    cnt = np.maximum(masks.sum(1), 1)
    cx, cy = masks @ xy[:, 0] / cnt, masks @ xy[:, 1] / cnt
    spread = np.array([((xy[m, 0] - a) ** 2 + (xy[m, 1] - b) ** 2).sum() for m, a, b in zip(masks, cx, cy)])
    cut = (masks[:, coo.row] & ~masks[:, coo.col]).astype(float) @ coo.data / 2
    cost = _size_cost(h, t, min_hh, max_hh, w_band, weights) + w_spread * spread + w_cut * cut
    return masks, np.abs(h - t) / t, cost


def street_lengths(adj: sparse.csr_matrix, shared: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                                              np.ndarray]:
    """Rows, columns, and the boundary on a street and off it, of each edge of ``adj`` (cut costs)
    with its ``shared`` boundary (metres): on a street where the cut costs under
    ``_STREET_RATIO`` of the boundary (a street costs a fifth, an arterial or river a tenth)."""
    coo = adj.tocoo()
    sh = shared.tocsr()
    length = np.asarray(sh[coo.row, coo.col]).ravel()
    on = coo.data < _STREET_RATIO * length
    return coo.row, coo.col, np.where(on, length, 0.0), np.where(on, 0.0, length)


def street_share(labels: np.ndarray, edges) -> float:
    """Share of the border between parts of ``labels`` lying on streets (``street_lengths``)."""
    row, col, on, off = edges
    cut = labels[row] != labels[col]
    return float(on[cut].sum() / max(on[cut].sum() + off[cut].sum(), 1e-9))


def pick_columns(masks: np.ndarray, off: np.ndarray, cost: np.ndarray, k: int, limit: float,
                 keep_at_least: tuple[np.ndarray, float] | None = None) -> np.ndarray | None:
    """Indices of ``k`` candidates (rows of ``masks``, boolean over the region's nodes) covering
    every node exactly once: the furthest (``off``, a share) as near as they allow, then the fewest
    past ``limit``, then the lowest ``cost`` summed. ``keep_at_least`` (values, least): the chosen
    candidates' values sum to at least that. None when no such choice exists."""
    m, n = masks.shape
    # variables: the candidates, then f (the furthest deviation chosen)
    a_cover = sparse.hstack([sparse.csr_matrix(masks.T.astype(float)), sparse.csr_matrix((n, 1))])
    a_count = np.r_[np.ones(m), 0.0][None, :]
    a_far = sparse.hstack([sparse.diags(off), sparse.csr_matrix(-np.ones((m, 1)))])  # off_j x_j <= f
    cons = [LinearConstraint(a_cover, 1, 1), LinearConstraint(a_count, k, k), LinearConstraint(a_far, -np.inf, 0)]
    if keep_at_least is not None:
        cons.append(LinearConstraint(np.r_[keep_at_least[0], 0.0][None, :], keep_at_least[1], np.inf))
    integ = np.r_[np.ones(m), 0.0]
    opts = dict(time_limit=_TIME_LIMIT)
    r1 = milp(np.r_[np.zeros(m), 1.0], constraints=cons, integrality=integ,
              bounds=Bounds(np.zeros(m + 1), np.r_[np.ones(m), np.inf]), options=opts)
    if r1.x is None:
        return None
    keep = off <= float(r1.x[-1]) + 1e-9
    # the furthest held: the fewest past the rule first (a charge above any sum of costs), then the cheapest
    big = float(np.abs(cost[keep]).sum()) + 1.0
    r2 = milp(np.r_[np.where(keep, cost + big * (off > limit), 0.0), 0.0], constraints=cons, integrality=integ,
              bounds=Bounds(np.zeros(m + 1), np.r_[keep.astype(float), np.inf]), options=opts)
    x = r1.x if r2.x is None else r2.x
    return np.flatnonzero(x[:m] > 0.5)


def _rest_whole(ip, ix, inside, u) -> bool:
    """Whether the nodes not ``inside`` are still in one piece now that ``u`` is (they were)."""
    out = [v for v in ix[ip[u]:ip[u + 1]].tolist() if not inside[v]]
    if len(out) <= 1:
        return True
    left, seen, stack = set(out[1:]), {out[0]}, [out[0]]
    while stack and left:
        for v in ix[ip[stack[-1]]:ip[stack.pop() + 1]].tolist():
            if not inside[v] and v not in seen:
                seen.add(v)
                left.discard(v)
                stack.append(v)
    return not left


def grown_sets(sub: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, start: int, t: float, tries: int,
               rng: np.random.Generator) -> list:
    """Connected node sets (boolean masks) holding ``start``, each leaving the other nodes of
    ``sub`` in one piece: grown nearest first (distances jittered by ``rng``), skipping a node
    that would take the set past ``t`` times 1.05 (even tries) or 1.2 (odd), each try's prefix
    nearest ``t`` households kept."""
    ip, ix = sub.indptr, sub.indices
    out = []
    for i in range(tries):
        cap = t * (1.05 if i % 2 == 0 else 1.2)
        d = np.hypot(xy[:, 0] - xy[start, 0], xy[:, 1] - xy[start, 1]) * (rng.random(len(hh)) * 0.6 + 0.7)
        inside = np.zeros(len(hh), dtype=bool)
        inside[start] = True
        h = hh[start]
        best, best_set, since = abs(h - t), inside.copy(), 0
        front = set(ix[ip[start]:ip[start + 1]].tolist())
        while front:
            u = min(front, key=lambda v: (d[v], v))
            front.discard(u)
            if inside[u] or h + hh[u] > cap:
                continue
            inside[u] = True
            if not _rest_whole(ip, ix, inside, u):
                inside[u] = False  # it would cut the rest in two
                continue
            h += hh[u]
            front.update(v for v in ix[ip[u]:ip[u + 1]].tolist() if not inside[v])
            if abs(h - t) < best - 1e-9:
                best, best_set, since = abs(h - t), inside.copy(), 0
            else:
                since += 1
                if since > _PAST_BEST:
                    break
        out.append(best_set)
    return out


def _around(sub, hh, xy, grid, k, t, seed, kw):
    """The region in ``k`` parts: ``grid`` (a mask; with any piece of the rest holding under half
    a part) one of them, and each other piece of the rest cut into as many parts as its
    households fill (rounded). None when the counts do not add up or a cut gives fewer."""
    grid = grid.copy()
    rest = np.flatnonzero(~grid)
    npc, comp = connected_components(sub_graph(sub, rest), directed=False)
    tot = np.bincount(comp, weights=hh[rest], minlength=npc)
    small = tot < t / 2
    grid[rest[small[comp]]] = True
    seats = np.rint(tot[~small] / t).astype(int)
    if seats.sum() != k - 1 or (seats < 1).any():
        return None
    out = np.zeros(len(hh), dtype=np.int64)  # part 0: the grid
    nxt = 1
    for c, m in zip(np.flatnonzero(~small).tolist(), seats.tolist()):
        piece = rest[comp == c]
        if m > 1:
            lab = _redraw(sub_graph(sub, piece), hh[piece], xy[piece], m, np.full(m, t), seed, kw)
            if lab is None:
                return None
            out[piece] = nxt + lab
        else:
            out[piece] = nxt
        nxt += m
    return out


def regrow_worst(adj: sparse.csr_matrix, hh: np.ndarray, xy: np.ndarray, labels: np.ndarray, *, min_hh: float,
                 max_hh: float, weights: Weights, finish: Weights | None = None, shapes: Shapes | None = None,
                 seed: int = 0, budget: float = 2.0, guard: bool = True) -> np.ndarray:
    """Labels after the grid furthest off its size (past ``weights.tolerance`` + 1%) and the ring
    of two round it were drawn again from candidates chosen by set partitioning (see module
    docstring); ``finish`` weights (with ``shapes``) settle the ring's borders after. Parts stay
    connected and keep their numbers; the labels come back unchanged unless the furthest grid of
    the ring comes nearer, no more parts lie past the rule and the objective under ``weights``
    rises by at most ``budget`` mean parts' shares."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    if len(labels) < 2 or labels.max() < 1 or weights.beyond <= 0:
        return labels
    hh = np.asarray(hh, dtype=float)
    k = int(labels.max()) + 1
    tgt = np.maximum(_targets(adj, labels, hh, k), 1.0)
    limit = weights.tolerance + 0.01
    ph = np.bincount(labels, weights=hh, minlength=k)
    off_old = np.abs(ph - tgt) / tgt
    g = int(np.argmax(off_old))
    if off_old[g] <= limit:
        return labels
    touch = _touching(labels, adj.tocoo(), k)
    region = _ring(touch, g, 2)
    if len(region) > _MOST:
        region = _ring(touch, g, 1)
    beyond = np.ones(k, dtype=bool)
    beyond[region] = False
    if off_old[beyond].max(initial=0.0) > off_old[g] - _GAIN:
        return labels  # a grid outside the ring is (nearly) as far off: the furthest would not come nearer
    nodes = np.flatnonzero(np.isin(labels, region))
    sub = sub_graph(adj, nodes)
    if len(region) < 2 or n_pieces(sub) != 1:
        return labels
    kw = dict(min_hh=min_hh, max_hh=max_hh, weights=weights)
    t = float(tgt[region].mean())
    h_sub, xy_sub = hh[nodes], xy[nodes]
    now = np.searchsorted(region, labels[nodes])
    mine = np.flatnonzero(now == np.searchsorted(region, g))
    start = int(mine[np.argmax(h_sub[mine])])
    sets = grown_sets(sub, h_sub, xy_sub, start, t, _GROWN, np.random.default_rng(seed + g))
    nearer = {}
    for c in sets:  # distinct sets nearer the size than the grid is now, nearest first
        if abs(h_sub[c].sum() - t) < abs(h_sub[mine].sum() - t):
            nearer.setdefault(np.packbits(c).tobytes(), c)
    parts = [now]
    for c in sorted(nearer.values(), key=lambda c: abs(h_sub[c].sum() - t))[:_DRAWN]:
        lab = _around(sub, h_sub, xy_sub, c, len(region), t, seed, kw)
        if lab is not None:
            parts.append(lab)
    if len(parts) == 1:
        return labels
    masks, off, cost = _columns(sub, h_sub, xy_sub, parts, t, min_hh=min_hh, max_hh=max_hh, weights=weights,
                                norms=_norms(adj, xy, k, tgt, weights))
    keep = None
    if shapes is not None:
        edges = street_lengths(adj, shapes.shared)
        s0 = street_share(labels, edges)
    if guard and shapes is not None:  # the ring's border no less on streets than the plan's: share s0 kept
        row, col, on_m, off_m = street_lengths(sub, shapes.shared[nodes][:, nodes])
        side = masks[:, row] & ~masks[:, col]  # each candidate's border inside the ring, both ways
        value = (side.astype(float) @ ((1 - s0) * on_m - s0 * off_m)) / 2
        current = float(((1 - s0) * on_m - s0 * off_m)[now[row] != now[col]].sum() / 2)
        keep = (value, current - 1e-6)
    pick = pick_columns(masks, off, cost, len(region), limit, keep_at_least=keep)
    if pick is None or len(pick) != len(region):
        return labels
    new = np.empty(len(nodes), dtype=np.int64)
    for i, c in enumerate(pick.tolist()):
        new[masks[c]] = i
    # the ring's grids still past the rule share their towers out again (nothing outside moves)
    new = exchange_lumps(sub, h_sub, new, target=tgt[region], limit=limit)
    trial = labels.copy()
    trial[nodes] = region[new]
    if finish is not None:  # the ring's borders settled for shape and streets, all else held
        outside = np.ones(len(labels), dtype=bool)
        outside[nodes] = False
        trial = local_search(adj, hh, xy, trial, min_hh=min_hh, max_hh=max_hh, weights=finish, shapes=shapes,
                             seed=seed, fixed=outside, active=nodes)
    off_new = np.abs(np.bincount(trial, weights=hh, minlength=k) - tgt) / tgt
    rise = objective(adj, hh, xy, trial, target=tgt, **kw) - objective(adj, hh, xy, labels, target=tgt, **kw)
    kept = (off_new[region].max() < off_old[region].max() - 1e-9
            and (off_new > limit).sum() <= (off_old > limit).sum()
            and rise <= budget * abs(objective(adj, hh, xy, labels, target=tgt, **kw)) / k)
    if kept and guard and shapes is not None:  # no less border on streets, no less round on average
        kept = (street_share(trial, edges) >= s0 - 1e-12
                and shapes.polsby_popper(trial).mean() >= shapes.polsby_popper(labels).mean() - 1e-12)
    logger.debug("regrow round grid %d: %d candidates from %d drawings, furthest %.3f -> %.3f, past the rule "
                 "%d -> %d, objective %+.1f: %s", g, len(masks), len(parts), off_old[region].max(),
                 off_new[region].max(), (off_old > limit).sum(), (off_new > limit).sum(), rise,
                 "kept" if kept else "not kept")
    return trial if kept else labels


def main(argv=None) -> None:
    from benchmarks.bench_grids import MAX_HH, MIN_HH, _seeds, make_case, prepared
    from spatial.grids._engine import _sized_weights, partition
    from spatial.grids._objective import EQUAL_WEIGHTS
    from spatial.grids.partition import node_shapes

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-6", help="the uneven towns' seeds: 1-6 or 1,3 (default 1-6)")
    ap.add_argument("--size", default="10000:500", help="units:grids (default 10000:500)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    n_units, k = (int(x) for x in args.size.split(":"))
    print("town: furthest grid %, grids within 5 %, border on streets % (node graph), mean Polsby-Popper "
          "(node shapes), CPU-s of the pass: the engine's plan | regrown | regrown with the street guard")
    for seed in _seeds(args.seeds):
        prep, node, hh, xy, cost = prepared(make_case("uneven", n_units, k, seed))
        shapes = node_shapes(prep, node)
        lab = partition(cost, hh, xy, k, min_hh=MIN_HH, max_hh=MAX_HH, weights=EQUAL_WEIGHTS, shapes=shapes)
        w = _sized_weights(EQUAL_WEIGHTS, len(hh))
        edges = street_lengths(cost, shapes.shared)
        mean = hh.sum() / k
        cells = []
        for guard in (None, False, True):
            t0 = time.process_time()
            out = lab if guard is None else regrow_worst(cost, hh, xy, lab, min_hh=MIN_HH, max_hh=MAX_HH, weights=w,
                                                         finish=w.finish, shapes=shapes, guard=guard)
            cpu = time.process_time() - t0
            off = np.abs(np.bincount(out, weights=hh, minlength=k) - mean) / mean
            cells.append(f"{100 * off.max():.1f} {100 * (off <= 0.05).mean():.1f} "
                         f"{100 * street_share(out, edges):.2f} {shapes.polsby_popper(out).mean():.4f}"
                         + ("" if guard is None else f" {cpu:.2f}"))
        print(f"seed {seed}: " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
