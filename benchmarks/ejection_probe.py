"""Ejection chains through the grids still more than 5% off: which have any chain, of what length?

A probe of docs/grids.md (issue 14 at 10,000 units, December 2026) for ``spatial.grids._ejection``.
The engine's plan is drawn without the chain pass (as the finish left it before the chains), then
for each grid more than 5% off: does any link (an exchange of up to two border units each way with
a neighbour, ``chain_links``) take it nearer its size at all; does a chain of up to ``--max-len``
links through it exist by the sizes alone (every other grid it touches ending within 5%,
``link_distances``); how long is the shortest chain read out with every grid it touches in one
piece (``_Reader.through``, a large budget); and does the pass make one (the objective, with cut,
spread and shape charged ``--price`` times the finish's, falls).

    .venv/bin/python -m benchmarks.ejection_probe --seeds 1-6        # 10,000 units -> 500 grids
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections import Counter
from unittest import mock

import numpy as np

from benchmarks import bench_grids as bg
from spatial.grids import _engine
from spatial.grids._ejection import _Reader, chain_links, chain_pass, link_distances
from spatial.grids._engine import _sized_weights, partition
from spatial.grids._graph import neighbour_lists
from spatial.grids._objective import _targets
from spatial.grids.partition import node_shapes


def probe(adj, hh, xy, labels, shapes, *, max_len: int, price: float) -> dict:
    """Counts over the grids more than 5% off (see the module docstring)."""
    k = int(labels.max()) + 1
    tgt = _targets(adj, labels, hh, k)
    ph = np.bincount(labels, weights=hh, minlength=k)
    lo, hi = 0.95 * tgt, 1.05 * tgt
    far = np.flatnonzero((ph < lo - 1e-9) | (ph > hi + 1e-9))
    links = chain_links(adj, hh, labels)
    dist = link_distances(links, ph, lo, hi, max_len=max_len)
    nbrs, _ = neighbour_lists(adj)
    towards, by_size, whole, into = 0, Counter(), Counter(), Counter()
    for f in far.tolist():
        out = np.flatnonzero(links.g == f)
        nearer = np.abs(ph[f] - links.d[out] - tgt[f]) < abs(ph[f] - tgt[f]) - 1e-6
        nearer_in = np.abs(ph[f] + links.d[out ^ 1] - tgt[f]) < abs(ph[f] - tgt[f]) - 1e-6
        towards += bool(nearer.any() or nearer_in.any())
        either = nearer | nearer_in  # (a link into f is the reverse of a link out of it: the same distance)
        reach = dist[out[either]] + 1 if either.any() else np.array([max_len + 1])
        if reach.min() <= max_len:
            by_size[int(reach.min())] += 1
        reader = _Reader(links, dist, ph, tgt, lo, hi, labels, nbrs, [5000])
        chains = reader.through(f, max_len=max_len, limit=40)
        if chains:
            whole[min(len(c) for c in chains)] += 1
        reader = _Reader(links, dist, ph, tgt, lo, hi, labels, nbrs, [5000])
        chains = reader.through(f, max_len=max_len, limit=40, within_only=True)
        if chains:
            into[min(len(c) for c in chains)] += 1
    weights = _sized_weights(bg.EQUAL_WEIGHTS, len(hh)).finish
    t = time.process_time()
    new = chain_pass(adj, hh, xy, labels, min_hh=bg.MIN_HH, max_hh=bg.MAX_HH, weights=weights, shapes=shapes,
                     price=price)
    cpu = time.process_time() - t
    ph2 = np.bincount(new, weights=hh, minlength=k)
    dev, dev2 = np.abs(ph / tgt - 1), np.abs(ph2 / tgt - 1)
    return dict(far=len(far), towards=towards, by_size=dict(sorted(by_size.items())),
                whole=dict(sorted(whole.items())), into=dict(sorted(into.items())),
                within_after=int((dev2 <= 0.05 + 1e-9).sum() - (dev <= 0.05 + 1e-9).sum()),
                furthest=(round(100 * float(dev.max()), 1), round(100 * float(dev2.max()), 1)), cpu=round(cpu, 2))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-6", type=bg._seeds, help="the uneven towns' seeds: 1-6 or 1,3 (default 1-6)")
    ap.add_argument("--size", default="10000:500", help="units:grids (default 10000:500)")
    ap.add_argument("--max-len", type=int, default=12, help="links in a chain at most (default 12)")
    ap.add_argument("--price", type=float, default=2.0, help="the pass's charge on cut, spread and shape (default 2)")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    n_units, k = (int(v) for v in args.size.split(":"))
    for seed in args.seeds:
        case = bg.make_case("uneven", n_units, k, seed=seed)
        prep, node, hh, xy, cost = bg.prepared(case)
        shapes = node_shapes(prep, node)
        with mock.patch.object(_engine, "chain_pass", lambda adj, hh, xy, labels, **kw: labels):
            labels = partition(cost, hh, xy, k, min_hh=bg.MIN_HH, max_hh=bg.MAX_HH, weights=bg.EQUAL_WEIGHTS,
                               shapes=shapes)
        r = probe(cost, hh, xy, labels, shapes, max_len=args.max_len, price=args.price)
        print(f"seed {seed}: {r['far']} grids more than 5% off; a link takes {r['towards']} nearer their size; "
              f"a chain it heads or ends by the sizes for {sum(r['by_size'].values())} (links {r['by_size']}), "
              f"read out whole for "
              f"{sum(r['whole'].values())} (links {r['whole']}), {sum(r['into'].values())} of them into 5% "
              f"(links {r['into']}); the pass: {r['within_after']:+d} grids within 5%, "
              f"furthest {r['furthest'][0]}% -> {r['furthest'][1]}%, {r['cpu']} CPU-s", flush=True)


if __name__ == "__main__":
    main()
