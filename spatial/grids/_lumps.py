"""Lump exchange for the grid engine: two neighbouring parts share out their lumps again.

In blocks of high-rise towers (about 120 households each; half the cells of a block hold none)
a part is three or four towers, 360 or 480 households, and every move, swap or re-cut of the
engine's other passes shifts a whole tower: a part 10% off its size next to a neighbour 5% the
other way stays so, though some split of the two parts' towers puts both within the rule. This
pass finds that split by enumeration. For a part further off its size than ``limit`` and each
neighbouring part, the nodes holding households (the lumps, at most ``_MAX_LUMPS`` of them) are
given to one part or the other in every way (2^lumps sums, numpy); the splits leaving both parts
within ``limit`` of their sizes are tried nearest first (each lump moved costs its steps to the
part it moves to). A split is drawn by joining
each part's lumps through the empty nodes (shortest paths that avoid the other part's lumps,
cheaper through the part's own nodes) and growing both parts over the rest, each node to the part
it was in where that keeps both connected; the first split drawn with both parts connected is
kept. The local search and swaps after it settle the border (shape and streets within the rule).

On the uneven benchmark towns of 10,000 units (seeds 1-6) the parts within 5% of the mean went
from 91.5% to 93.8% of 500, for 0.1-0.2 s; the worst part there needs more than two parts'
lumps. Chains (a neighbour taking the difference and passing it on to one of its own) reached
95.4%, but cost mean Polsby-Popper 0.006 and up to 1.5 s: not done.

On graphs of ``_AHEAD_NODES`` nodes or more the pairs a round will try (as the plan stands at
its start) are drawn ahead on the call's worker processes (``spatial.core._procs.Ahead``), and
each is used in its turn only while neither of its parts has changed since: the same labels as
on one core, for a pass that ran on one core while the other waited (on the uneven town of seed
1 at 10,000 units, 177 of the 191 pairs tried were drawn ahead; the pass's time in the calling
process 0.15-0.18 -> 0.07 CPU-s).

Written here: the partitioners that balance (METIS, KaHIP) balance vertex weights loosely and
never keep parts connected; GerryChain's tree cuts keep contiguity but sample splits at random,
and on these pairs found a split within the rule for 8 of 38 parts, against 30 whose lumps allow
one (the rest only through a third part's).
"""

from __future__ import annotations

import functools
import heapq
import logging

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

from spatial.core._procs import PROCESSES, Ahead
from spatial.grids._graph import neighbour_lists, sub_graph

logger = logging.getLogger(__name__)

__all__ = ["exchange_lumps"]

#: Pairs of parts holding more lumps than this are not enumerated (2^16 splits).
_MAX_LUMPS = 16
#: Splits within the rule tried per pair, nearest first.
_MAX_SPLITS = 20
#: A step of a lump's path into a node of the other part costs this many steps through its own.
_OTHER_STEP = 10.0
#: Graphs of at least this many nodes send the next pairs to worker processes ...
_AHEAD_NODES = 3000
#: ... this many pairs a job (a pair takes about a millisecond: one a job would cost more in
#: passing it than in drawing it).
_BATCH = 8


def exchange_lumps(adj: sparse.csr_matrix, hh: np.ndarray, labels: np.ndarray, *, target: np.ndarray,
                   limit: float, fixed: np.ndarray | None = None, rounds: int = 3, workers: int | None = None
                   ) -> np.ndarray:
    """Labels after parts further than ``limit`` (a share) off ``target`` shared out their lumps
    again with a neighbouring part, both ending within ``limit`` (see module docstring), for up
    to ``rounds`` rounds (a pair drawn again gives its neighbours new lumps to share).

    ``labels`` must give connected parts (0..k-1); they stay connected and keep their number;
    ``fixed`` nodes keep their part (a pair holding one is left alone). ``workers``: processes
    the pairs are drawn on (default: ``PROCESSES`` on graphs of ``_AHEAD_NODES`` nodes or more,
    else 1); the pairs are taken in their own order, each drawn ahead used only while neither of
    its parts has changed since, so the labels are the same on any number.

    Examples
    --------
    Six cells in a row: part 0 holds towers of 150, 60 and 100 households (310), part 1 one of 90;
    both want 200. The 100 changes sides: 210 and 190, both within 5%.

    >>> from scipy import sparse
    >>> row = sparse.diags([1.0, 1.0], [-1, 1], shape=(6, 6), format="csr")
    >>> hh = np.array([150, 0, 60, 100, 0, 90])
    >>> exchange_lumps(row, hh, np.array([0, 0, 0, 0, 1, 1]), target=np.array([200.0, 200.0]),
    ...                limit=0.05).tolist()
    [0, 0, 0, 1, 1, 1]
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    fresh = None  # parts drawn again in the last round: only pairs holding one are tried again
    for _ in range(rounds):
        new = _round(adj, hh, labels, target=target, limit=limit, fixed=fixed, fresh=fresh, workers=workers)
        changed = new != labels
        if not changed.any():
            break
        fresh = np.zeros(int(new.max()) + 1, dtype=bool)
        fresh[np.unique(new[changed])] = True
        labels = new
    return labels


def _round(adj, hh, labels, *, target, limit, fixed, fresh=None, workers=None):
    """One round of :func:`exchange_lumps` (with ``fresh``, a mask of parts, only the pairs
    holding one of them).

    The pairs this round will try, as the plan stands at its start (each part off its size, the
    worst first, with each neighbour, those with the most room first), go to worker processes
    ``_BATCH`` at a time ahead of their turn (``spatial.core._procs.Ahead``); a pair drawn ahead
    is used in its turn only if neither of its parts was drawn again since (``_pair`` reads only
    the two parts' nodes), else, or when its turn was not foreseen, it is drawn here."""
    labels = np.asarray(labels, dtype=np.int64).copy()
    hh = np.asarray(hh, dtype=float)
    k = int(labels.max()) + 1 if len(labels) else 0
    if k < 2:
        return labels
    tgt = np.maximum(np.asarray(target, dtype=float), 1.0)
    ph = np.bincount(labels, weights=hh, minlength=k)
    dev = np.abs(ph - tgt) / tgt
    if dev.max() <= limit:
        return labels
    adj = adj.tocsr()
    coo = adj.tocoo()
    fixed_part = np.zeros(k, dtype=bool)
    if fixed is not None:
        fixed_part[np.unique(labels[np.asarray(fixed, dtype=bool)])] = True
    kept = tried = 0
    stamp = np.zeros(k, dtype=np.int64)  # the count of pairs kept when each part was last drawn again

    def pairs_of(g):
        """The neighbours of part ``g`` to try, in their order, on the plan as it is now."""
        if abs(ph[g] - tgt[g]) / tgt[g] <= limit or fixed_part[g]:
            return []  # evened out by an earlier pair
        touch = np.unique(labels[coo.col[labels[coo.row] == g]])
        touch = touch[(touch != g) & ~fixed_part[touch]]
        # neighbours off the other way first, then those with the most room
        need = tgt[g] - ph[g]
        room = (ph[touch] - tgt[touch]) * np.sign(need)
        return [int(n) for n in touch[np.argsort(-room, kind="stable")]
                if fresh is None or fresh[g] or fresh[n]]  # (else tried last round, neither changed since)

    order = [int(g) for g in np.argsort(-dev, kind="stable") if dev[g] > limit]
    workers = workers if workers is not None else (PROCESSES if len(labels) >= _AHEAD_NODES else 1)
    ahead = Ahead(_pairs, (adj, hh, tgt, limit), workers=workers if len(order) > 1 else 1)
    with ahead:
        if ahead.pool is not None:  # the turns foreseen, in batches
            foreseen = [(g, n) for g in order for n in pairs_of(g)]
            batches = [foreseen[j:j + _BATCH] for j in range(0, len(foreseen), _BATCH)]
            batch_of = {pair: j // _BATCH for j, pair in enumerate(foreseen)}
            keys = list(range(len(batches)))
        else:
            batch_of, keys = {}, []
        used = [0]  # pairs whose ``_pair`` drawn ahead was used
        done: dict = {}  # (g, n) -> (the count of pairs kept when it was sent, its ``_pair``)

        def job(j):
            return (batches[j], labels.copy()), kept

        def drawn(g, n):
            """``_pair`` of ``g`` and ``n`` on the plan as it is now: the one drawn ahead if
            neither part was drawn again since it was sent, else drawn now."""
            j = batch_of.get((g, n))
            if j is not None:
                for skipped in [key for key in ahead.sent if key < j]:
                    ahead.drop(skipped)  # (pairs whose turn never came: their parts were evened out)
                ahead.fill(keys, j, job)  # the batches after this one go to the workers
                sent = ahead.sent.get(j)
                if sent is not None:  # (its first pair's turn: the whole batch comes back)
                    done.update((pair, (sent[1], got)) for pair, got in ahead.take(j, (batches[j], labels)))
            got = done.pop((g, n), None)
            if got is not None and stamp[g] <= got[0] and stamp[n] <= got[0]:
                used[0] += 1
                return got[1]
            return _pair(adj, hh, labels, g, n, tgt, limit)

        for g in order:
            for n in pairs_of(g):
                tried += 1
                got = drawn(g, n)
                if got is not None:
                    nodes, new = got
                    labels[nodes] = new
                    ph[g] = hh[labels == g].sum()
                    ph[n] = hh[labels == n].sum()
                    kept += 1
                    stamp[[g, n]] = kept
                    break
    logger.debug("lump exchange: %d of %d pairs shared out again (%d drawn ahead)", kept, tried, used[0])
    return labels


def _pairs(state, pairs, labels):
    """``_pair`` of each ``(g, n)`` of ``pairs`` on ``labels`` (runs on the workers)."""
    adj, hh, tgt, limit = state
    return [((g, n), _pair(adj, hh, labels, g, n, tgt, limit)) for g, n in pairs]


def _pair(adj, hh, labels, a, b, tgt, limit):
    """Parts ``a`` and ``b`` with their lumps shared out within ``limit``: (nodes, new labels) or None."""
    nodes = np.flatnonzero((labels == a) | (labels == b))
    h = hh[nodes]
    total = h.sum()
    if not (1 - limit) * (tgt[a] + tgt[b]) <= total <= (1 + limit) * (tgt[a] + tgt[b]):
        return None  # no split of these households puts both within the rule
    lumps = np.flatnonzero(h > 0)
    if len(lumps) > _MAX_LUMPS or len(lumps) < 2:
        return None
    bits = _splits(len(lumps))
    w = h[lumps]
    if np.array_equal(w, np.round(w)) and w.sum() < 2.0**53:
        # whole households (nearly always): summed as integers, exactly the sums the float product
        # gives, without waking the BLAS threads (which then spin: 0.13 CPU s on the main process
        # of a partition of 10,000 units, for a product of 4,096 rows of 12)
        to_a = (bits @ w.astype(np.int64)).astype(float)
    else:
        to_a = bits @ w
    to_b = total - to_a
    ok = (np.abs(to_a - tgt[a]) <= limit * tgt[a]) & (np.abs(to_b - tgt[b]) <= limit * tgt[b])
    if not ok.any():
        return None
    now = labels[nodes] == a
    sub = sub_graph(adj, nodes)
    splits = np.flatnonzero(ok)
    # the nearest splits first: each lump moved costs its steps to the part it moves to
    hops = sub.copy()
    hops.data[:] = 1.0
    to_a = dijkstra(hops, indices=np.flatnonzero(now), min_only=True)[lumps]
    to_b = dijkstra(hops, indices=np.flatnonzero(~now), min_only=True)[lumps]
    far = np.where(bits[splits], to_a, to_b).sum(axis=1)
    splits = splits[np.argsort(far, kind="stable")][:_MAX_SPLITS]
    nbrs, _ = neighbour_lists(sub)
    for s in splits:
        side = _draw(nbrs, lumps, bits[s], now)
        if side is not None:
            return nodes, np.where(side, a, b)
    return None


@functools.lru_cache(maxsize=_MAX_LUMPS + 1)
def _splits(n: int) -> np.ndarray:
    """Every way of giving ``n`` lumps to part a (True) or b: a (2^n, n) boolean array."""
    out = ((np.arange(1 << n, dtype=np.int64)[:, None] >> np.arange(n)) & 1).astype(bool)
    out.flags.writeable = False
    return out


def _draw(nbrs, lumps, lump_in_a, now):
    """Sides (True: part a) of a pair's nodes with each part's lumps joined and both connected, or
    None. ``nbrs``: each node's neighbours (lists; the graphs are a few dozen nodes, where plain
    Python beats scipy's per-call cost)."""
    n = len(nbrs)
    now_l = now.tolist()
    for first in (True, False):
        mine = lumps[lump_in_a == first].tolist()
        theirs = lumps[lump_in_a != first].tolist()
        side = [-1] * n  # 1: part a, 0: part b
        own = [x == first for x in now_l]
        core = _join(nbrs, mine, set(theirs), own)
        if core is None:
            continue
        for v in core:
            side[v] = int(first)
        if theirs:
            core = _join(nbrs, theirs, set(core), [not x for x in own])
            if core is None:
                continue
        else:  # every lump on one side: the other grows from one of its own nodes
            core = [v for v in range(n) if side[v] < 0 and not own[v]][:1]
            if not core:
                continue
        for v in core:
            side[v] = int(not first)
        if _grow(nbrs, side, now_l) and _connected(nbrs, side, 1) and _connected(nbrs, side, 0):
            return np.asarray(side) == 1
    return None


def _join(nbrs, terminals, avoid, own):
    """Nodes joining ``terminals`` by shortest paths that never pass ``avoid`` (a step into a node
    not ``own`` costs ``_OTHER_STEP``), or None when some terminal cannot be reached."""
    # the heap's calls and the constants looked up once: the search below is most of the exchange's time
    if avoid.isdisjoint(terminals):
        # the paths below grow from the first terminal and never enter ``avoid``: every terminal
        # is joined exactly when each is reached from it so (one walk, where a search that fails
        # runs to the end of what it can reach, often after joining some terminals first)
        seen_all, stack = {terminals[0]}, [terminals[0]]
        while stack:
            for w in nbrs[stack.pop()]:
                if w not in seen_all and w not in avoid:
                    seen_all.add(w)
                    stack.append(w)
        if not seen_all.issuperset(terminals):
            return None
    pop, push, inf, other = heapq.heappop, heapq.heappush, float("inf"), _OTHER_STEP
    step = [1.0 if o else other for o in own]  # the cost of a step into each node
    inside = {terminals[0]}
    todo = set(terminals[1:]) - inside
    while todo:
        dist = dict.fromkeys(inside, 0.0)
        seen = dist.get
        pred = {}
        heap = [(0.0, v) for v in inside]
        reached = None
        barred = avoid - todo  # (a terminal still to reach is never avoided)
        while heap:
            d, v = pop(heap)
            if d > dist[v]:
                continue
            if v in todo:
                reached = v
                break
            for w in nbrs[v]:
                if w in barred:
                    continue
                nd = d + step[w]
                if nd < seen(w, inf):
                    dist[w] = nd
                    pred[w] = v
                    push(heap, (nd, w))
        if reached is None:
            return None
        v = reached
        while v not in inside:
            inside.add(v)
            v = pred[v]
        todo -= inside
    return list(inside)


def _grow(nbrs, side, now) -> bool:
    """Give every node of ``side`` still -1 to a neighbouring side, its own (``now``: 1 part a)
    first, in place; False if some node touches neither."""
    left = [v for v in range(len(side)) if side[v] < 0]
    while left:
        for own_first in (True, False):
            got = [(v, side[w]) for v in left for w in nbrs[v]
                   if side[w] >= 0 and (not own_first or side[w] == now[v])]
            if got:
                for v, sd in got:
                    side[v] = sd
                left = [v for v in left if side[v] < 0]
                break
        else:
            return False
    return True


def _connected(nbrs, side, which) -> bool:
    """Whether the nodes with ``side == which`` are one connected piece (and there are some)."""
    mine = [v for v in range(len(side)) if side[v] == which]
    if not mine:
        return False
    seen, stack = {mine[0]}, [mine[0]]
    while stack:
        for w in nbrs[stack.pop()]:
            if side[w] == which and w not in seen:
                seen.add(w)
                stack.append(w)
    return len(seen) == len(mine)
