"""Ejection chains for the grids still more than 5% off: how many could any chain even out?

A probe of docs/grids.md (what was tried at 10,000 units, December 2026), measured before
building the pass and not built. From a grid more than 5% off its mean, a chain hands one border
unit at a time along neighbouring grids: a grid short of households takes a unit from a
neighbour, which takes one from a neighbour of its own, and so on, until a grid can give a unit
and stay within 5% (a grid with too many gives one the other way). The chain evens the first
grid if it ends within 5% and every grid along it stays within 5%. A breadth-first search over
the hand-overs (a unit, the grid it leaves, the grid it joins) finds, for each such grid, the
shortest chain that meets those sizes, up to ``--max-len`` hand-overs (the sizes after a
hand-over depend on the hand-over alone, so the search misses none; it may pass a grid twice,
which only counts more chains). Each chain found is then applied alone and kept in the count
when every grid it touches stays in one piece. Cut, shape and streets are not charged: this is
how many such grids a chain could reach at best.

    .venv/bin/python -m benchmarks.chain_probe --seeds 1-6        # 10,000 units -> 500 grids
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import deque

import numpy as np
from scipy.sparse.csgraph import connected_components

from benchmarks import bench_grids as bg
from spatial.grids._engine import partition
from spatial.grids._graph import neighbour_lists
from spatial.grids._objective import _targets
from spatial.grids.partition import node_shapes


def chains(adj, hh, labels, *, within=0.05, max_len=30) -> tuple[np.ndarray, dict]:
    """The grids more than ``within`` off their mean, and for each that a chain evens, the
    shortest such chain (hand-overs ``(unit, from grid, to grid)``, the first grid's last)."""
    k = int(labels.max()) + 1
    tgt = _targets(adj, labels, hh, k)
    ph = np.bincount(labels, weights=hh, minlength=k)
    lo, hi = (1 - within) * tgt, (1 + within) * tgt
    nbrs, _ = neighbour_lists(adj)
    lab, h = labels.tolist(), np.asarray(hh, dtype=float).tolist()
    into, out = [[] for _ in range(k)], [[] for _ in range(k)]  # hand-overs into and out of each grid
    pairs = set()
    for u, row in enumerate(nbrs):
        for w in row:
            g = lab[w]
            if g != lab[u] and (u, g) not in pairs and h[u] > 0:
                pairs.add((u, g))
                into[g].append((u, lab[u]))
                out[lab[u]].append((u, g))
    far = np.flatnonzero((ph < lo - 1e-9) | (ph > hi + 1e-9))
    found = {}
    for f in far.tolist():
        short = ph[f] < lo[f]
        parent, todo = {}, deque()
        firsts = [(u, g, f) for u, g in into[f] if lo[f] <= ph[f] + h[u] <= hi[f]] if short else \
            [(u, f, g) for u, g in out[f] if lo[f] <= ph[f] - h[u] <= hi[f]]
        for m in firsts:
            parent[m] = None
            todo.append((m, 1))
        while todo:
            m, depth = todo.popleft()
            u, g_from, g_to = m
            g = g_from if short else g_to  # the grid this hand-over leaves off its size
            size = ph[g] - h[u] if short else ph[g] + h[u]
            if lo[g] <= size <= hi[g]:
                chain = []
                while m is not None:
                    chain.append(m)
                    m = parent[m]
                found[f] = chain
                break
            if depth >= max_len:
                continue
            nxt = [(v, g2, g) for v, g2 in into[g] if g2 != f and lo[g] <= size + h[v] <= hi[g]] if short else \
                [(v, g, g2) for v, g2 in out[g] if g2 != f and lo[g] <= size - h[v] <= hi[g]]
            for m2 in nxt:
                if m2 not in parent:
                    parent[m2] = m
                    todo.append((m2, depth + 1))
    return far, found


def whole_after(adj, labels, chain) -> bool:
    """Whether every grid a chain touches is in one piece once it is applied alone."""
    new = labels.copy()
    for u, _, g_to in chain:
        new[u] = g_to
    for g in {m[1] for m in chain} | {m[2] for m in chain}:
        nodes = np.flatnonzero(new == g)
        if not len(nodes) or connected_components(adj[nodes][:, nodes], directed=False)[0] != 1:
            return False
    return True


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-6", type=bg._seeds, help="the uneven towns' seeds: 1-6 or 1,3 (default 1-6)")
    ap.add_argument("--size", default="10000:500", help="units:grids (default 10000:500)")
    ap.add_argument("--max-len", type=int, default=30, help="hand-overs in a chain at most (default 30)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    n_units, k = (int(v) for v in args.size.split(":"))
    for seed in args.seeds:
        case = bg.make_case("uneven", n_units, k, seed=seed)
        prep, node, hh, xy, cost = bg.prepared(case)
        labels = partition(cost, hh, xy, k, min_hh=bg.MIN_HH, max_hh=bg.MAX_HH, weights=bg.EQUAL_WEIGHTS,
                           shapes=node_shapes(prep, node))
        t = time.process_time()
        far, found = chains(cost, hh, labels, max_len=args.max_len)
        whole = sum(whole_after(cost, labels, c) for c in found.values())
        print(f"seed {seed}: {len(far)} grids more than 5% off; a chain meets the sizes for {len(found)} "
              f"(hand-overs {sorted(len(c) for c in found.values())}), {whole} of them with every grid whole; "
              f"{time.process_time() - t:.2f} CPU-s")


if __name__ == "__main__":
    main()
