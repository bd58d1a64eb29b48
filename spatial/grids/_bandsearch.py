"""An exhaustive search for a plan with every part in the band, on a small community (private
plumbing of ``_bandwalk``).

The walk into the band (:mod:`spatial.grids._bandwalk`) moves one unit at a time and never lets
the households out of the band rise, and the engine's restarts draw whole plans again; neither
finds a plan that needs most grids near the band's edge. On libpysal's 49 Columbus
neighbourhoods with made-up households (seed 2, 11 grids of a mean 441) every draw left a grid
at 502, though a plan of 304-497 exists (found by this search, checked with networkx).

:func:`search_band` cuts the graph into exactly ``k`` connected parts each within the band: the
first node left (nodes in a sweep across the community, south to north) starts a part, and each
connected group holding it within the band is tried in turn, the heaviest first; where the nodes
left fall into several components each is solved on its own for each count of parts it could take
(a count within what its households allow at ``min_hh`` and ``max_hh`` a part), and a (nodes,
parts) pair that failed is not tried again. Each (nodes, parts) pair is first put to the count of
``_bandproof.crowded``: nodes no two of which fit one part take a part each, and the other parts
must fit in the groups left between them (at most households / ``min_hh`` each). Nodes are
numbered by the sweep inside the search, so its answer and its cost depend on the community, not
on the order of its rows (the order of the rows once took Columbus, seed 2, 11 grids, from 0.7
CPU-s to past the budget). Sets of nodes are Python integers, one bit a node, so it is only
for small communities (``MAX_NODES``), and it stops after ``budget`` groups tried (a count, not
a time: the plan does not depend on the machine). Imports numpy only.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["MAX_NODES", "BUDGET", "search_band"]

#: Communities of more nodes are not searched (their sets of nodes grow past what is quick).
MAX_NODES = 64
#: Groups of nodes a search may try before it gives up (about 1-2 CPU-s in plain Python): the
#: Columbus plan above takes about 40,000.
BUDGET = 150_000


class _OutOfBudget(Exception):
    pass


def search_band(adj, hh: np.ndarray, k: int, *, min_hh: float, max_hh: float, order: np.ndarray | None = None,
                budget: int = BUDGET) -> tuple[np.ndarray | None, bool]:
    """(labels, decided): ``k`` connected parts of the graph ``adj`` each holding ``min_hh``-``max_hh``
    of ``hh`` (labels 0..k-1), or None; ``decided`` is False where the search stopped at
    ``budget`` groups tried or the graph has over ``MAX_NODES`` nodes (None then says nothing),
    True where its answer is final (None: no such plan exists). ``order``: the nodes in the order
    parts are started from (a sweep across the community); without it, a breadth-first sweep
    from one end of the graph (:func:`_sweep`).

    Examples
    --------
    A row of 200 | 150 | 150 | 200 | 100 | 200 in three parts of 300-500: only 350, 350, 300.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> i = np.arange(5)
    >>> adj = sparse.csr_matrix((np.ones(10), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(6, 6))
    >>> hh = np.array([200.0, 150, 150, 200, 100, 200])
    >>> lab, decided = search_band(adj, hh, 3, min_hh=300, max_hh=500)
    >>> sorted(np.bincount(lab, weights=hh).tolist()), decided
    ([300.0, 350.0, 350.0], True)
    >>> search_band(adj, hh, 4, min_hh=300, max_hh=500)
    (None, True)
    """
    n = len(hh)
    if n > MAX_NODES or k < 1 or min_hh <= 0:
        return None, False
    # Bits follow the sweep (bit i is the i-th node swept), so the search and its cost depend on
    # the community, not on the order its rows came in.
    sweep = _sweep(adj, hh) if order is None else [int(v) for v in np.asarray(order).tolist()]
    at = {v: i for i, v in enumerate(sweep)}
    w = [float(hh[v]) for v in sweep]
    ip, ind = adj.indptr.tolist(), adj.indices.tolist()
    nb = [sum(1 << at[u] for u in set(ind[ip[v]:ip[v + 1]]) if u != v) for v in sweep]
    heavy_first = sorted(range(n), key=lambda i: (-w[i], i))
    memo: dict = {}
    tried = [0]

    def nodes(m):
        while m:
            b = m & -m
            m ^= b
            yield b.bit_length() - 1

    def components(rest):
        out = []
        while rest:
            seen = front = rest & -rest
            while front:
                grow = 0
                for v in nodes(front):
                    grow |= nb[v]
                front = grow & rest & ~seen
                seen |= front
            rest &= ~seen
            out.append(seen)
        return out

    def counts(c):  # the parts a component could take: its households at max_hh, then min_hh, a part
        total = sum(w[v] for v in nodes(c))
        return math.ceil(total / max_hh - 1e-9), min(math.floor(total / min_hh + 1e-9), bin(c).count("1"))

    def crowded(c, j):  # True where heavy nodes prove ``j`` parts of ``c`` out of reach
        # (``_bandproof.crowded`` on ``c``: nodes no two of which fit one part take one each; the
        # other parts lie inside the groups left between them, at most households / min_hh each)
        total = sum(w[v] for v in nodes(c))
        heavy, held, short, last = 0, 0.0, 0.0, None
        t = 0
        for v in heavy_first:
            if not c >> v & 1:
                continue
            if w[v] > max_hh + 1e-9:  # (no part can hold it)
                return True
            if last is not None and w[v] + w[last] <= max_hh + 1e-9:
                break
            heavy |= 1 << v
            held += w[v]
            short += max(min_hh - w[v], 0.0)
            last = v
            t += 1
            if t > j or total - held < (j - t) * min_hh + short - 1e-9:
                return True
            fit = sum(math.floor(sum(w[u] for u in nodes(g)) / min_hh + 1e-9) for g in components(c & ~heavy))
            if fit < j - t:
                return True
        return False

    def groups(v, c):  # connected groups of ``c`` holding ``v`` within the band, each once
        out = []

        def grow(part, held, cand, banned):
            if held >= min_hh - 1e-9:
                out.append((-held, len(out), part))
            while cand:
                b = cand & -cand
                cand ^= b
                u = b.bit_length() - 1
                if held + w[u] <= max_hh + 1e-9:
                    grow(part | b, held + w[u], cand | (nb[u] & c & ~part & ~banned & ~b), banned)
                banned |= b

        if w[v] <= max_hh + 1e-9:
            grow(1 << v, w[v], nb[v] & c, 1 << v)
        return [part for _, _, part in sorted(out)]  # the heaviest first

    def connected(c, j):  # ``j`` parts of the connected nodes ``c``, or None
        if (c, j) in memo:
            return memo[c, j]
        least, most = counts(c)
        found = None
        if least <= j <= most and (j == 1 or not crowded(c, j)):
            if j == 1:
                found = [c]
            else:
                v = (c & -c).bit_length() - 1  # the first node of ``c`` swept
                for part in groups(v, c):
                    tried[0] += 1
                    if tried[0] > budget:
                        raise _OutOfBudget
                    rest = several(c & ~part, j - 1)
                    if rest is not None:
                        found = [part, *rest]
                        break
        memo[c, j] = found
        return found

    def several(rest, j):  # ``j`` parts of ``rest``, each component on its own
        comps = components(rest)
        if len(comps) == 1:
            return connected(comps[0], j)
        span = [counts(c) for c in comps]
        if any(a > b for a, b in span) or sum(a for a, _ in span) > j or sum(b for _, b in span) < j:
            return None
        lows = np.cumsum([0] + [a for a, _ in span][::-1])[::-1].tolist()  # what the ones after need
        highs = np.cumsum([0] + [b for _, b in span][::-1])[::-1].tolist()

        def fill(i, left):
            if i == len(comps):
                return [] if left == 0 else None
            a, b = span[i]
            for jc in range(max(a, left - highs[i + 1]), min(b, left - lows[i + 1]) + 1):
                mine = connected(comps[i], jc)
                if mine is not None:
                    after = fill(i + 1, left - jc)
                    if after is not None:
                        return mine + after
            return None

        return fill(0, j)

    try:
        parts = several((1 << n) - 1, int(k)) if n else None
    except _OutOfBudget:
        return None, False
    if parts is None:
        return None, True
    lab = np.zeros(n, dtype=np.int64)
    for p, part in enumerate(parts):
        lab[[sweep[i] for i in nodes(part)]] = p
    return lab, True


def _sweep(adj, hh) -> list[int]:
    """Nodes in a breadth-first sweep from one end of the graph (the last node reached from the
    heaviest node, a pseudo-peripheral one), each layer heaviest first: an order the graph
    chooses, where no coordinates are given."""
    n = len(hh)
    ip, ind = adj.indptr.tolist(), adj.indices.tolist()
    w = np.asarray(hh, dtype=float).tolist()

    def bfs(src, seen):
        out, front = [src], [src]
        seen.add(src)
        while front:
            nxt = []
            for x in front:
                for y in sorted(set(ind[ip[x]:ip[x + 1]]) - seen, key=lambda u: (-w[u], u)):
                    seen.add(y)
                    nxt.append(y)
            out += nxt
            front = nxt
        return out

    done: set = set()
    out: list[int] = []
    for s in sorted(range(n), key=lambda u: (-w[u], u)):
        if s in done:
            continue
        out += bfs(bfs(s, set())[-1], done)
    return out
