"""Array engine for contiguous, household-balanced partitions of one community's unit graph.

Hand-written because no maintained library does what is needed here: spopt's SKATER floors unit
counts, not households (pysal/spopt#463), MaxP has no ceiling, AZP is slow; METIS balances but
breaks contiguity; GerryChain's tree cuts are contiguous but not compact (field notes). The
engine is (1) two starts: recursive METIS bisection with cut costs as edge weights, each cut
made connected and balanced (``_bisect``: borders follow streets), and recursive inertial
bisection of unit centroids balancing households (run only when the first start cannot give
every part asked for), (2) a repair that hands each stray piece of a part to its lightest
neighbouring part, (3) a local search moving boundary units between neighbouring parts while the
donor stays connected, (4) recombination: two neighbouring parts off their size are merged and
cut again (``recombine``; where units are lumpy, such as whole estates and high-rise buildings,
every single move overshoots), and (5) the local search once more, minimising

    band violation (dominant) + squared deviation from the mean part size
    + a linear charge on deviation beyond ±4% of the mean
    + cut cost (shared non-road boundary) + spread about the part centroid (compactness)
    + a penalty per unit moved away from its starting part (used by redraw).

Input is a symmetric CSR matrix of cut costs (> 0 on rook neighbours), households and centroids.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.grids._bisect import recursive_bisection, split_in_two, straight_cut

logger = logging.getLogger(__name__)

__all__ = ["Weights", "apportion", "partition", "local_search", "recombine", "objective", "repair_contiguity",
           "part_components", "hemmed_in"]


@dataclass(frozen=True)
class Weights:
    """Weights of the local-search objective (dimensionless; see module docstring)."""

    band: float = 50.0
    deviation: float = 4.0
    tolerance: float = 0.04  # deviation from the mean grid that costs nothing extra ...
    beyond: float = 150.0  # ... and the linear cost per unit of deviation beyond it
    cut: float = 0.8
    spread: float = 0.15
    move: float = 0.0


def apportion(totals: np.ndarray, k: int, *, floor: np.ndarray | None = None) -> np.ndarray:
    """Split ``k`` seats over groups in proportion to ``totals`` (largest remainder), each >= ``floor``.

    Groups whose totals are all zero share the seats evenly. ``k`` is raised to ``floor.sum()``.
    """
    totals = np.asarray(totals, dtype=float)
    m = len(totals)
    floor = np.ones(m, dtype=int) if floor is None else np.asarray(floor, dtype=int)
    k = max(int(k), int(floor.sum()))
    w = totals if totals.sum() > 0 else np.ones(m)
    quota = w / w.sum() * k
    seats = np.maximum(np.floor(quota).astype(int), floor)
    while seats.sum() > k:  # floors pushed us over: take from the most over-served
        over = np.where(seats > floor, seats - quota, -np.inf)
        seats[int(np.argmax(over))] -= 1
    rem = quota - seats
    while seats.sum() < k:
        i = int(np.argmax(rem))
        seats[i] += 1
        rem[i] -= 1
    return seats


def _bisect(nodes, k, hh, xy, out, next_label, minor=False):
    """Recursive inertial bisection of ``nodes`` into ``k`` labelled parts (written into ``out``).

    Each set is cut across its longest (principal) axis; with ``minor`` the first cut is across
    the other axis instead (a second start for the local search).
    """
    if k <= 1 or len(nodes) <= 1:
        out[nodes] = next_label
        return next_label + 1
    k1 = k // 2
    pts = xy[nodes]
    c = pts - pts.mean(axis=0)
    cov = c.T @ c
    _, vec = np.linalg.eigh(cov)
    proj = c @ vec[:, 0 if minor else -1]
    order = np.argsort(proj, kind="stable")
    w = hh[nodes][order]
    if w.sum() <= 0:
        w = np.ones(len(nodes))
    cum = np.cumsum(w)
    target = cum[-1] * k1 / k
    cut = int(np.searchsorted(cum, target))  # first index with cum >= target
    if cut > 0 and abs(cum[cut - 1] - target) <= abs(cum[min(cut, len(cum) - 1)] - target):
        cut -= 1
    cut = min(max(cut + 1, k1), len(nodes) - (k - k1))  # left part = order[:cut]
    next_label = _bisect(nodes[order[:cut]], k1, hh, xy, out, next_label)
    return _bisect(nodes[order[cut:]], k - k1, hh, xy, out, next_label)


def hemmed_in(adj: sparse.csr_matrix, hh: np.ndarray, *, min_hh: float, max_hh: float, reach: int = 200
              ) -> np.ndarray:
    """Nodes that no connected part within ``min_hh``-``max_hh`` can hold (a proof, not a guess).

    A node over ``max_hh``; or a node ``v`` under ``min_hh`` such that the nodes a part holding it
    could also hold (those with at most ``max_hh - hh[v]`` households: any heavier one would push
    the part over) and that connect to ``v`` through such nodes hold fewer than ``min_hh`` all
    together: for instance a gated estate of 266 households whose neighbours are a lot with no
    homes and estates of 261 and more, with a band of 300-500. The search from each node stops
    after ``reach`` nodes (then the node is not flagged), so the cost stays linear.
    """
    hh = np.asarray(hh, dtype=float)
    n = len(hh)
    out = hh > max_hh
    ip, ind = adj.indptr.tolist(), adj.indices.tolist()
    hl = hh.tolist()
    for v in np.flatnonzero((hh > 0) & (hh < min_hh)).tolist():
        room = max_hh - hl[v]
        total, seen, stack = hl[v], {v}, [v]
        while stack and total < min_hh and len(seen) <= reach:
            x = stack.pop()
            for y in ind[ip[x]:ip[x + 1]]:
                if y not in seen and hl[y] <= room:
                    seen.add(y)
                    stack.append(y)
                    total += hl[y]
        out[v] = total < min_hh and not stack
    return out if n else np.zeros(0, dtype=bool)


def part_components(adj: sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Component id of each node within its own part (edges between parts removed)."""
    coo = adj.tocoo()
    same = labels[coo.row] == labels[coo.col]
    inner = sparse.csr_matrix((np.ones(same.sum()), (coo.row[same], coo.col[same])), shape=adj.shape)
    _, comp = connected_components(inner, directed=False)
    return comp


def repair_contiguity(adj: sparse.csr_matrix, labels: np.ndarray, hh: np.ndarray, *, fixed=None) -> np.ndarray:
    """Give every piece of a part except its main one to the lightest neighbouring part.

    The main piece is the one holding fixed nodes, else the most households, else the most nodes.
    Pieces with no neighbour outside their part (islands of the graph) stay.
    """
    labels = labels.copy()
    fixed = np.zeros(len(labels), dtype=bool) if fixed is None else fixed
    indptr, indices = adj.indptr, adj.indices
    for _ in range(50):
        comp = part_components(adj, labels)
        moved = False
        k = labels.max() + 1
        part_hh = np.bincount(labels, weights=hh, minlength=k)
        score = {}
        for c in np.unique(comp):
            members = np.flatnonzero(comp == c)
            score[c] = (fixed[members].any(), hh[members].sum(), len(members), -c)
        main = {}
        for c, s in score.items():
            lab = labels[np.flatnonzero(comp == c)[0]]
            if lab not in main or s > score[main[lab]]:
                main[lab] = c
        strays = [c for c in score if main[labels[np.flatnonzero(comp == c)[0]]] != c]
        strays.sort(key=lambda c: score[c][1:3])
        for c in strays:
            members = np.flatnonzero(comp == c)
            lab = labels[members[0]]
            if (labels[members] != lab).any() or fixed[members].any():
                continue  # already moved this round, or holds fixed nodes (which never move)
            nb = np.unique(np.concatenate([indices[indptr[u]:indptr[u + 1]] for u in members]))
            nb_labels = np.unique(labels[nb])
            nb_labels = nb_labels[nb_labels != lab]
            if len(nb_labels) == 0:
                continue
            dest = int(nb_labels[np.argmin(part_hh[nb_labels])])
            labels[members] = dest
            part_hh[dest] += hh[members].sum()
            part_hh[lab] -= hh[members].sum()
            moved = True
        if not moved:
            break
    return labels


def partition(
    adj: sparse.csr_matrix,
    hh: np.ndarray,
    xy: np.ndarray,
    k: int,
    *,
    min_hh: float,
    max_hh: float,
    weights: Weights = Weights(),
    seed: int = 0,
    max_rounds: int = 40,
) -> np.ndarray:
    """Labels 0..k-1 of a contiguous partition of the graph into ``k`` household-balanced parts.

    The graph's connected components get seats in proportion to their households (at least one
    each, so ``k`` may rise to the number of components). Every part is connected.
    """
    n = len(hh)
    hh = np.asarray(hh, dtype=float)
    ncomp, comp = connected_components(adj, directed=False)
    totals = np.bincount(comp, weights=hh, minlength=ncomp)
    sizes = np.bincount(comp, minlength=ncomp)
    seats = apportion(totals, min(k, n), floor=np.ones(ncomp, dtype=int))
    seats = np.minimum(seats, sizes)
    best = None
    # two starts: street-following METIS bisection, then inertial bisection of the centroids (a
    # straight cut across the long axis); the local search polishes each, the lower objective wins
    for start in ("metis", "inertial"):
        if best is not None and -best[0][0] >= int(seats.sum()):
            break  # the street-following start gave every part asked for: no need of the straight one
        labels = np.full(n, -1, dtype=np.int64)
        nxt = 0
        for c in range(ncomp):
            nodes = np.flatnonzero(comp == c)
            if start == "metis" and seats[c] > 1:
                sub = adj[nodes][:, nodes].tocsr()
                lab = recursive_bisection(sub, hh[nodes], xy[nodes], int(seats[c]), seed=seed)
                labels[nodes] = lab + nxt
                nxt += int(lab.max()) + 1
            else:
                nxt = _bisect(nodes, int(seats[c]), hh, xy, labels, nxt)
        labels = repair_contiguity(adj, _relabel(labels), hh)
        labels = local_search(adj, hh, xy, labels, min_hh=min_hh, max_hh=max_hh, weights=weights, seed=seed,
                              max_rounds=max_rounds)
        labels = recombine(adj, hh, xy, labels, min_hh=min_hh, max_hh=max_hh, weights=weights, seed=seed)
        labels = local_search(adj, hh, xy, labels, min_hh=min_hh, max_hh=max_hh, weights=weights, seed=seed,
                              max_rounds=max_rounds)
        score = objective(adj, hh, xy, labels, min_hh=min_hh, max_hh=max_hh, weights=weights)
        logger.debug("start %s: objective %.4f", start, score)
        key = (-int(labels.max()) - 1, score)  # all the parts asked for first
        if best is None or key[0] < best[0][0] or (key[0] == best[0][0] and score < best[0][1] - 1e-9):
            best = (key, labels)
    return _relabel(best[1])


def _relabel(labels):
    _, inv = np.unique(labels, return_inverse=True)
    return inv.astype(np.int64)


def _targets(adj, labels, hh, k):
    """Wanted size of each part: the mean part of its connected component of the graph."""
    _, comp = connected_components(adj, directed=False)
    part_comp = np.zeros(k, dtype=np.int64)
    part_comp[labels] = comp
    part_hh = np.bincount(labels, weights=hh, minlength=k)
    ctot = np.bincount(part_comp, weights=part_hh)
    cnum = np.bincount(part_comp)
    return (ctot / np.maximum(cnum, 1))[part_comp]


def _norms(adj, xy, k, tgt, weights):
    """Objective weights made dimensionless: per household of the mean part, per typical shared
    edge, per squared typical part radius."""
    scale = max(float(np.mean(tgt)), 1.0)
    ref_len = float(np.median(adj.data)) if len(adj.data) else 1.0
    ext = xy.max(axis=0) - xy.min(axis=0) if len(xy) else np.ones(2)
    r2 = max(float(ext[0] * ext[1]) / max(k, 1) / np.pi, ref_len**2, 1e-9)
    return weights.band / scale, weights.deviation, weights.cut / ref_len, weights.spread / r2


def objective(adj, hh, xy, labels, *, min_hh, max_hh, weights: Weights = Weights(), target=None) -> float:
    """The local-search objective of a labelling (without the move penalty)."""
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1
    tgt = np.maximum(_targets(adj, labels, hh, k) if target is None else np.asarray(target, float), 1.0)
    w_band, w_dev, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    ph = np.bincount(labels, weights=hh, minlength=k)
    viol = np.maximum(ph - max_hh, 0) + np.maximum(min_hh - ph, 0)
    dev = (ph - tgt) / tgt
    coo = adj.tocoo()
    cut = coo.data[labels[coo.row] != labels[coo.col]].sum() / 2
    cnt = np.maximum(np.bincount(labels, minlength=k), 1)
    cx = np.bincount(labels, weights=xy[:, 0], minlength=k) / cnt
    cy = np.bincount(labels, weights=xy[:, 1], minlength=k) / cnt
    spread = ((xy[:, 0] - cx[labels]) ** 2 + (xy[:, 1] - cy[labels]) ** 2).sum()
    beyond = np.maximum(np.abs(dev) - weights.tolerance, 0).sum() * weights.beyond
    return float(w_band * viol.sum() + w_dev * (dev**2).sum() + beyond + w_cut * cut + w_spread * spread)


def local_search(
    adj: sparse.csr_matrix,
    hh: np.ndarray,
    xy: np.ndarray,
    labels: np.ndarray,
    *,
    min_hh: float,
    max_hh: float,
    weights: Weights = Weights(),
    fixed: np.ndarray | None = None,
    origin: np.ndarray | None = None,
    target: np.ndarray | None = None,
    seed: int = 0,
    max_rounds: int = 40,
) -> np.ndarray:
    """Move boundary units between neighbouring parts while the objective falls; parts stay connected.

    ``fixed`` nodes never move; ``origin`` labels make each move away from them cost
    ``weights.move``; ``target`` gives the wanted size of each part (default: the mean per
    connected component of the graph).
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    n = len(labels)
    if n < 2:
        return labels
    hh = np.asarray(hh, dtype=float)
    k = int(labels.max()) + 1
    fixed = np.zeros(n, dtype=bool) if fixed is None else np.asarray(fixed, dtype=bool)
    indptr, indices, data = adj.indptr, adj.indices, adj.data
    ip, ind, dat = indptr.tolist(), indices.tolist(), data.tolist()
    nbrs = [ind[a:b] for a, b in zip(ip[:-1], ip[1:])]
    costs = [dat[a:b] for a, b in zip(ip[:-1], ip[1:])]
    part_hh = np.bincount(labels, weights=hh, minlength=k).astype(float)
    part_n = np.bincount(labels, minlength=k)
    if target is None:
        target = _targets(adj, labels, hh, k)
    tgt = np.maximum(np.asarray(target, dtype=float), 1.0)
    w_band, w_dev, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    w_move = weights.move
    origin_l = None if origin is None else np.asarray(origin).tolist()
    lab = labels.tolist()
    hhl = hh.tolist()
    xs, ys = xy[:, 0].tolist(), xy[:, 1].tolist()
    ph = part_hh.tolist()
    pn = part_n.tolist()
    sx = np.bincount(labels, weights=xy[:, 0], minlength=k).tolist()
    sy = np.bincount(labels, weights=xy[:, 1], minlength=k).tolist()
    tg = tgt.tolist()

    tol, w_beyond = weights.tolerance, weights.beyond

    def f(h, t):
        v = (h - max_hh) if h > max_hh else ((min_hh - h) if h < min_hh else 0.0)
        d = (h - t) / t
        e = abs(d) - tol
        return w_band * v + w_dev * d * d + (w_beyond * e if e > 0 else 0.0)

    def connected_without(u, a):
        start = -1
        for v in nbrs[u]:
            if lab[v] == a:
                start = v
                break
        if start < 0:
            return False
        need = pn[a] - 1
        seen = {u, start}
        stack = [start]
        cnt = 1
        while stack:
            x = stack.pop()
            for y in nbrs[x]:
                if y not in seen and lab[y] == a:
                    seen.add(y)
                    stack.append(y)
                    cnt += 1
        return cnt == need

    rng = np.random.default_rng(seed)
    order = rng.permutation(n).tolist()
    queue = deque(u for u in order if not fixed[u])
    inq = [not fixed[u] for u in range(n)]
    budget = max_rounds * n
    moves = 0
    while queue and budget > 0:
        budget -= 1
        u = queue.popleft()
        inq[u] = False
        a = lab[u]
        if pn[a] <= 1:
            continue
        cand = {}
        for v, c in zip(nbrs[u], costs[u]):
            lv = lab[v]
            cand[lv] = cand.get(lv, 0.0) + c
        if len(cand) == 1:
            continue
        x = hhl[u]
        ca = cand.get(a, 0.0)
        ha, ta = ph[a], tg[a]
        fa = f(ha - x, ta) - f(ha, ta)
        ax, ay = sx[a] / pn[a], sy[a] / pn[a]
        da = (xs[u] - ax) ** 2 + (ys[u] - ay) ** 2
        best, best_b = -1e-9, -1
        for b, cb in cand.items():
            if b == a:
                continue
            hb, tb = ph[b], tg[b]
            delta = fa + f(hb + x, tb) - f(hb, tb)
            delta += w_cut * (ca - cb)
            bx, by = sx[b] / pn[b], sy[b] / pn[b]
            delta += w_spread * ((xs[u] - bx) ** 2 + (ys[u] - by) ** 2 - da)
            if origin_l is not None:
                o = origin_l[u]
                delta += w_move * ((b != o) - (a != o))
            if delta < best:
                best, best_b = delta, b
        if best_b < 0 or not connected_without(u, a):
            continue
        b = best_b
        lab[u] = b
        ph[a] -= x
        ph[b] += x
        pn[a] -= 1
        pn[b] += 1
        sx[a] -= xs[u]
        sy[a] -= ys[u]
        sx[b] += xs[u]
        sy[b] += ys[u]
        moves += 1
        for v in nbrs[u]:
            if not inq[v] and not fixed[v]:
                inq[v] = True
                queue.append(v)
        if not inq[u]:
            inq[u] = True
            queue.append(u)
    logger.debug("local search: %d moves, %d evaluations left", moves, budget)
    return np.asarray(lab, dtype=np.int64)


def _size_cost(h, t, min_hh, max_hh, w_band, weights: Weights):
    """The size terms of the objective for parts of ``h`` households wanting ``t`` (arrays)."""
    viol = np.maximum(h - max_hh, 0) + np.maximum(min_hh - h, 0)
    d = (h - t) / t
    return w_band * viol + weights.deviation * d * d + weights.beyond * np.maximum(np.abs(d) - weights.tolerance, 0)


def recombine(
    adj: sparse.csr_matrix,
    hh: np.ndarray,
    xy: np.ndarray,
    labels: np.ndarray,
    *,
    min_hh: float,
    max_hh: float,
    weights: Weights = Weights(),
    fixed: np.ndarray | None = None,
    origin: np.ndarray | None = None,
    target: np.ndarray | None = None,
    seed: int = 0,
    passes: int = 8,
) -> np.ndarray:
    """Merge two neighbouring parts and cut the pair again where the objective falls (recombination).

    Single-unit moves stall where units are lumpy (a high-rise building of 120 households next to
    a grid 60 short); cutting the pair's union afresh (``split_in_two``: a street-following METIS
    cut made connected and balanced) reaches balanced plans no chain of single moves passes
    through. Pairs with a part off its target by more than ``weights.tolerance`` are tried, the
    most unequal first; a new cut is kept only when the pair's share of the objective (size
    terms, cut between the two, spread, moves away from ``origin``) falls. Parts with ``fixed``
    nodes are left alone.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    n = len(labels)
    k = int(labels.max()) + 1 if n else 0
    if k < 2:
        return labels
    hh = np.asarray(hh, dtype=float)
    tgt = np.maximum(_targets(adj, labels, hh, k) if target is None else np.asarray(target, float), 1.0)
    w_band, _, w_cut, w_spread = _norms(adj, xy, k, tgt, weights)
    fixed_part = np.zeros(k, dtype=bool)
    if fixed is not None:
        fixed_part[np.unique(labels[np.asarray(fixed, dtype=bool)])] = True
    coo = sparse.triu(adj, k=1).tocoo()
    row, col, cost = coo.row, coo.col, coo.data

    def group_cost(nodes, side, parts, sub_coo):
        m = len(parts)
        cnt = np.bincount(side, minlength=m)
        if (cnt == 0).any():
            return np.inf
        hs = np.bincount(side, weights=hh[nodes], minlength=m)
        c = _size_cost(hs, tgt[parts], min_hh, max_hh, w_band, weights).sum()
        c += w_cut * sub_coo.data[side[sub_coo.row] != side[sub_coo.col]].sum() / 2
        p = xy[nodes]
        cx = np.bincount(side, weights=p[:, 0], minlength=m) / cnt
        cy = np.bincount(side, weights=p[:, 1], minlength=m) / cnt
        c += w_spread * ((p[:, 0] - cx[side]) ** 2 + (p[:, 1] - cy[side]) ** 2).sum()
        if origin is not None:
            c += weights.move * (parts[side] != origin[nodes]).sum()
        return c

    def try_pair(parts, members):
        """Cut the union of two parts afresh; keep the best cut if the pair's objective falls."""
        parts = np.asarray(parts)
        nodes = np.concatenate([members[p] for p in parts])
        sub = adj[nodes][:, nodes].tocsr()
        sub_coo = sub.tocoo()
        h = hh[nodes]
        old = (labels[nodes] == parts[1]).astype(np.int64)
        frac = tgt[parts[0]] / tgt[parts].sum()
        cands = [split_in_two(sub, h, xy[nodes], frac, tgt[parts].mean(), seed=seed, straight=False)]
        if abs(h[cands[0] == 0].sum() - frac * h.sum()) > weights.tolerance * tgt[parts[0]] and len(nodes) <= 400:
            # lumpy units (whole estates, high-rise blocks): a straight cut may balance where METIS did not
            alt = straight_cut(sub, h, xy[nodes], frac * h.sum(), n_angles=12, n_try=4)
            if alt is not None:
                cands.append(alt)
        best = min(((group_cost(nodes, side, parts, sub_coo), i, side)
                    for i, side in enumerate(x for c in cands for x in (c, 1 - c))), key=lambda t: t[:2])
        if best[0] >= group_cost(nodes, old, parts, sub_coo) - 1e-9:
            return False
        labels[nodes] = parts[best[2]]
        return True

    tried = set()
    for _ in range(passes):
        ph = np.bincount(labels, weights=hh, minlength=k)
        dev = (ph - tgt) / tgt
        off = (np.abs(dev) > weights.tolerance) & ~fixed_part
        la, lb = labels[row], labels[col]
        between = la != lb
        pairs = np.unique(np.sort(np.column_stack([la[between], lb[between]]), axis=1), axis=0)
        pairs = pairs[(off[pairs[:, 0]] | off[pairs[:, 1]]) & ~(fixed_part[pairs[:, 0]] | fixed_part[pairs[:, 1]])]
        pairs = pairs[np.argsort(-np.abs(dev[pairs[:, 0]] - dev[pairs[:, 1]]), kind="stable")]
        order = np.argsort(labels, kind="stable")
        starts = np.searchsorted(labels[order], np.arange(k + 1))
        members = [order[starts[p]:starts[p + 1]] for p in range(k)]
        touched = np.zeros(k, dtype=bool)
        changed = 0
        for a, b in pairs.tolist():
            key = (a, b, round(ph[a]), round(ph[b]))
            if touched[a] or touched[b] or key in tried:
                continue
            tried.add(key)
            if try_pair((a, b), members):
                touched[[a, b]] = True
                changed += 1
        logger.debug("recombine: %d pairs cut again", changed)
        if not changed:
            break
    return labels
