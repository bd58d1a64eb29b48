"""Can two neighbouring grids bring a far grid within the rule? An exact check, by integer program.

For each grid of an equal-grid plan still further than ``--pct`` from the mean (after one more
lump exchange), and each neighbouring grid: is there a split of the two grids' units into two
connected parts, both within ``--pct`` of the mean? The program (scipy's ``milp``, HiGHS) has a
side for every unit, one root a side, and a single-commodity flow on each side from its root that
reaches every unit of that side, which holds exactly when both sides are connected. It answers
"yes", "no" (proven infeasible) or "undecided" at ``--time-limit``. A grid is proven stuck
between pairs when every neighbour answers "no". The program is written here, apart from the
engine's own enumeration and drawing (``spatial.grids._lumps``), so that it checks that pass
rather than repeating it.

    .venv/bin/python -m benchmarks.pair_proof --seed 1            # 10,000 units -> 500 grids
    .venv/bin/python -m benchmarks.pair_proof --seed 1 --time-limit 2
"""

from __future__ import annotations

import argparse
import logging
import time
import warnings

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp


def split_pair(adj: sparse.csr_matrix, hh: np.ndarray, lo: float, hi: float, *, now: np.ndarray | None = None,
               time_limit: float = 5.0):
    """``"yes"``, ``"no"`` or ``"undecided"``: can the graph ``adj`` (one pair's units) be cut into
    two connected sides each holding ``lo``-``hi`` households? With ``now`` (True: the unit is
    in the first grid today) the program looks for the split moving fewest units, which also
    leads HiGHS to a split sooner where there is one.

    Variables: ``x`` (side a), ``ra``/``rb`` (the root of each side), arc flows ``fa``/``fb``
    and the flows ``sa``/``sb`` a root takes from the source; each unit of a side takes one unit
    of flow, and flow runs only between units of the same side.

    >>> path = sparse.diags([1.0, 1.0], [-1, 1], shape=(4, 4), format="csr")
    >>> split_pair(path, np.array([100.0, 100.0, 100.0, 100.0]), 190, 210)
    'yes'
    >>> split_pair(path, np.array([100.0, 150.0, 50.0, 100.0]), 190, 210)  # 200 each only apart
    'no'
    """
    n = adj.shape[0]
    coo = adj.tocoo()
    keep = coo.row != coo.col
    tail, head = coo.row[keep], coo.col[keep]
    m = len(tail)
    X, RA, RB, FA, FB, SA, SB = 0, n, 2 * n, 3 * n, 3 * n + m, 3 * n + 2 * m, 4 * n + 2 * m
    nv = 5 * n + 2 * m
    rows, cols, vals, lb, ub = [], [], [], [], []

    def add(entries, low, up):
        r = len(lb)
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lb.append(low)
        ub.append(up)

    total = float(hh.sum())
    add([(X + v, hh[v]) for v in range(n)], lo, hi)  # side a within the rule ...
    add([(X + v, hh[v]) for v in range(n)], total - hi, total - lo)  # ... and side b
    add([(RA + v, 1.0) for v in range(n)], 1, 1)
    add([(RB + v, 1.0) for v in range(n)], 1, 1)
    for v in range(n):
        add([(RA + v, 1.0), (X + v, -1.0)], -np.inf, 0)  # a's root on side a
        add([(RB + v, 1.0), (X + v, 1.0)], -np.inf, 1)  # b's root on side b
        add([(SA + v, 1.0), (RA + v, -n)], -np.inf, 0)  # only a root takes from the source
        add([(SB + v, 1.0), (RB + v, -n)], -np.inf, 0)
    into = [[] for _ in range(n)]
    out = [[] for _ in range(n)]
    for e, (u, v) in enumerate(zip(tail.tolist(), head.tolist())):
        out[u].append(e)
        into[v].append(e)
        for w in (u, v):  # a's flow only between units of side a, b's only between units of side b
            add([(FA + e, 1.0), (X + w, -n)], -np.inf, 0)
            add([(FB + e, 1.0), (X + w, n)], -np.inf, n)
    for v in range(n):
        add([(FA + e, 1.0) for e in into[v]] + [(FA + e, -1.0) for e in out[v]] + [(SA + v, 1.0), (X + v, -1.0)], 0, 0)
        add([(FB + e, 1.0) for e in into[v]] + [(FB + e, -1.0) for e in out[v]] + [(SB + v, 1.0), (X + v, 1.0)], 1, 1)
    a = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lb), nv))
    integral = np.zeros(nv)
    integral[: 3 * n] = 1
    upper = np.full(nv, float(n))
    upper[: 3 * n] = 1
    cost = np.zeros(nv)
    if now is not None:
        cost[:n] = np.where(now, -1.0, 1.0)  # a unit leaving the first grid, or joining it, costs one
    res = milp(cost, constraints=LinearConstraint(a, lb, ub), integrality=integral,
               bounds=Bounds(np.zeros(nv), upper), options={"time_limit": time_limit})
    if res.x is not None:  # optimal, or a split found before the time limit
        return "yes"
    return "no" if res.status == 2 else "undecided"


def main(argv=None) -> None:
    from benchmarks.bench_grids import make_case, prepared
    from spatial.grids._engine import partition
    from spatial.grids._lumps import exchange_lumps
    from spatial.grids._objective import weights_for
    from spatial.grids.partition import node_shapes

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1, help="the uneven town's seed (default 1)")
    ap.add_argument("--size", default="10000:500", help="units:grids (default 10000:500)")
    ap.add_argument("--pct", type=float, default=5.0, help="the rule, percent of the mean grid (default 5)")
    ap.add_argument("--time-limit", type=float, default=5.0, help="seconds per pair (default 5)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    n_units, k = (int(x) for x in args.size.split(":"))
    case = make_case("uneven", n_units, k, args.seed)
    prep, node, hh, xy, cost = prepared(case)
    lab = partition(cost, hh, xy, k, min_hh=300, max_hh=500, shapes=node_shapes(prep, node),
                    weights=weights_for("equal", max_deviation_pct=args.pct))
    mean, p = hh.sum() / k, args.pct / 100
    engine_off = int((np.abs(np.bincount(lab, weights=hh, minlength=k) - mean) > p * mean).sum())
    lab = exchange_lumps(cost, hh, lab, target=np.full(k, mean), limit=p)
    ph = np.bincount(lab, weights=hh, minlength=k)
    off = np.flatnonzero(np.abs(ph - mean) > p * mean)
    print(f"uneven town, seed {args.seed}, {n_units} units -> {k} grids: {engine_off} grids past {args.pct:g}% "
          f"in the engine's plan, {len(off)} after one more lump exchange")
    coo = cost.tocoo()
    t0 = time.perf_counter()
    tally = {"stuck": 0, "undecided": 0, "a pair can": 0}
    for g in off.tolist():
        answers = []
        for b in np.unique(lab[coo.col[lab[coo.row] == g]]).tolist():
            if b == g:
                continue
            nodes = np.flatnonzero((lab == g) | (lab == b))
            if not 2 * (1 - p) * mean <= hh[nodes].sum() <= 2 * (1 + p) * mean:
                answers.append((b, "no (total)"))
                continue
            answers.append((b, split_pair(cost[nodes][:, nodes].tocsr(), hh[nodes], (1 - p) * mean, (1 + p) * mean,
                                          now=lab[nodes] == g, time_limit=args.time_limit)))
        said = [a for _, a in answers]
        verdict = "a pair can" if "yes" in said else "undecided" if "undecided" in said else "stuck"
        tally[verdict] += 1
        print(f"  grid {g}: {100 * (ph[g] - mean) / mean:+.1f}%, {verdict}: "
              + ", ".join(f"{b} {a}" for b, a in answers))
    print(f"{tally['stuck']} proven stuck between pairs, {tally['undecided']} undecided, {tally['a pair can']} with a "
          f"split a pair allows ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
