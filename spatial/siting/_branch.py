"""Best-first branch and bound for the maximal covering model (MCLP) on HiGHS's LP relaxation.

Why not HiGHS's own MIP solver for this model: on dense coverage (``benchmarks/bench_siting.py``,
20 of 400 candidates over 10,000 points, each point reached by 15-20 candidates) it spent 90 s in
root cut rounds and heuristics and had processed two nodes, with the bound still 1.65% above the
plan. The LP relaxation alone is about 1.1% above the best plan there and branching on a single
site brings the bound under 1%. So HiGHS solves every LP (the root by interior point with
crossover, about 0.6 s there against 7 s for dual simplex; then each node by dual simplex from
the previous basis) and this module only keeps the tree: best bound first, branch on the most
fractional site (its ``x = 1`` child first), round every node's LP (its ``k`` largest sites) for
incumbents, and prune a node once its bound is within ``rel_gap`` of the incumbent.

The bound reported is the largest LP bound among the open nodes and the nodes pruned, so it is
an upper bound on the optimum whether or not the search finished (LP tolerances are covered by
a relative margin of 1e-7).
"""

from __future__ import annotations

import heapq
import logging
import os
import sys
import time

import numpy as np
import scipy.sparse as sp

from spatial.siting._cover import (
    _value,
    max_cover_bound,
    rank_sites,
    swap_search,
    tabu_search,
)

logger = logging.getLogger(__name__)

#: Relative margin added to every LP bound for the solver's tolerances.
_MARGIN = 1e-7
#: An LP solution counts as integral when every site is this close to 0 or 1.
_INTEGRAL = 1e-6


_BANNER = {"shown": False}


def _new_highs(highspy):
    """A ``highspy.Highs``; the first one of the process is made with stdout closed, as HiGHS prints
    its banner there (from C, past Python's ``sys.stdout``) whatever ``output_flag`` says."""
    if _BANNER["shown"]:
        return highspy.Highs()
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (some embedded interpreters)
        _BANNER["shown"] = True
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER["shown"] = True
    return h


def highs_model(c, a, row_lo, row_hi, col_hi, n_int: int = 0):
    """A ``highspy.Highs`` holding ``min c x, row_lo <= a x <= row_hi, 0 <= x <= col_hi``,
    its first ``n_int`` columns integer; output off."""
    import highspy

    nv = len(c)
    h = _new_highs(highspy)
    h.setOptionValue("output_flag", False)
    lp = highspy.HighsLp()
    lp.num_col_ = nv
    lp.num_row_ = a.shape[0]
    lp.col_cost_ = np.asarray(c, float)
    lp.col_lower_ = np.zeros(nv)
    lp.col_upper_ = np.asarray(col_hi, float)
    lp.row_lower_ = np.asarray(row_lo, float)
    lp.row_upper_ = np.asarray(row_hi, float)
    csc = sp.csc_matrix(a)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = nv
    lp.a_matrix_.num_row_ = a.shape[0]
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(float)
    if n_int:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n_int + \
            [highspy.HighsVarType.kContinuous] * (nv - n_int)
    h.passModel(lp)
    return h


def coverage_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Rows ``y_g - sum_i a_ig x_i`` over columns x (one per site) then y (one per group)."""
    ng = matrix.shape[1]
    return sp.hstack([-matrix.T.astype(float), sp.identity(ng, format="csr")]).tocsr()


class _LP:
    """The MCLP's LP relaxation in one HiGHS instance, re-solved with sites fixed to 0 or 1."""

    def __init__(self, matrix: sp.csr_matrix, weight: np.ndarray, k: int):
        n, ng = matrix.shape
        self.n = n
        self.scale = float(weight.sum()) or 1.0
        # x (n sites) then y (ng groups): y_g - sum_i a_ig x_i <= 0, sum_i x_i <= k
        rows = sp.vstack([coverage_rows(matrix),
                          sp.csr_matrix(np.concatenate([np.ones(n), np.zeros(ng)])[None, :])]).tocsr()
        c = -np.concatenate([np.zeros(n), weight / self.scale])
        self.h = highs_model(c, rows, np.full(ng + 1, -np.inf), np.append(np.zeros(ng), float(k)),
                             np.ones(n + ng))
        self.cols = np.arange(n, dtype=np.int32)

    def solve(self, ones, zeros, deadline: float, *, solver: str = "simplex"):
        """LP bound (households) and site values with ``ones`` fixed to 1 and ``zeros`` to 0;
        ``(-inf, None)`` when infeasible, ``None`` when the deadline (or a failure) stopped it."""
        import highspy

        lo, hi = np.zeros(self.n), np.ones(self.n)
        lo[list(ones)] = 1.0
        hi[list(zeros)] = 0.0
        h = self.h
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        h.changeColsBounds(self.n, self.cols, lo, hi)
        h.setOptionValue("solver", solver)
        # HiGHS's time limit counts every run of this instance
        h.setOptionValue("time_limit", h.getRunTime() + left)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return -np.inf, None
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        value = -h.getInfo().objective_function_value * self.scale
        x = np.asarray(h.getSolution().col_value[: self.n], float)
        return value * (1 + _MARGIN) + _MARGIN, x


def max_cover_bb(prob, k: int, start: np.ndarray, *, time_limit_s: float, rel_gap: float = 1e-4,
                 tabu_share: float = 0.3, target: float | None = None):
    """MCLP by best-first branch and bound; returns ``(chosen, value, bound, status)``.

    ``prob`` is a :class:`spatial.siting._cover.Problem` (ideally after ``drop_dominated``), ``start`` a
    plan of at most ``k`` sites. When the root LP leaves a gap above ``rel_gap``, the best of
    ``start`` and the root's rounding (both after 1-swaps) is improved by
    :func:`spatial.siting._cover.tabu_search` for up to ``tabu_share`` of the time. ``status`` is
    ``"optimal"`` when the plan is proven within ``rel_gap`` of the bound, else ``"time limit"``.

    With ``target`` (households) it answers "can ``k`` sites add ``target``?" instead: it stops
    with status ``"reached"`` at the first plan adding ``target``, and prunes every node whose
    bound is below it, so ``bound < target`` proves no plan of ``k`` sites adds as much.
    """

    t0 = time.perf_counter()
    deadline = t0 + max(0.0, float(time_limit_s))
    n = prob.matrix.shape[0]
    start = np.sort(np.asarray(start, np.int64))
    best, value = start, _value(prob, start, None)
    if target is not None and value >= target:
        return best, value, value, "reached"
    if k >= n:  # every site fits: nothing to choose
        every = np.arange(n)
        v = _value(prob, every, None)
        return every, v, v, "optimal"
    tabu_s = tabu_share * max(0.0, float(time_limit_s))
    if target is not None:  # a plan reaching the target needs no bound: search for one first
        tabu_end = min(deadline, time.perf_counter() + tabu_s)
        plan = tabu_search(prob, best, deadline=tabu_end, target=target)
        v = _value(prob, plan, None)
        if v > value:
            best, value = plan, v
        if value >= target:
            return best, value, value, "reached"
    lp = _LP(prob.matrix, prob.weight, k)
    root = lp.solve((), (), deadline, solver="ipm")
    if root is None:  # no time (or the interior point failed): a cheap bound
        return best, value, max(value, max_cover_bound(prob, k)), "time limit"
    bound, x = root
    seen: set[bytes] = set()

    def consider(plan):
        nonlocal best, value
        plan = np.sort(np.asarray(plan, np.int64))
        key = plan.tobytes()
        if key in seen:
            return
        seen.add(key)
        v = _value(prob, plan, None)
        if v > value:
            best, value = plan, v

    def rounding(xs):
        return np.argsort(-xs, kind="stable")[:k]

    def closed(b):
        if target is not None and (b < target or value >= target):
            return True
        return b - value <= rel_gap * max(b, 1e-300)

    if not closed(bound):
        consider(swap_search(prob, rounding(x)))
        consider(swap_search(prob, best))
    if not closed(bound) and target is None:
        consider(tabu_search(prob, best, deadline=min(deadline, time.perf_counter() + tabu_s)))
    # open nodes: (-bound, order, ones, zeros, x); pruned: the largest bound closed without branching
    heap = [(-bound, 0, (), (), x)]
    pruned = -np.inf
    nodes = 1
    status = "optimal"
    while heap:
        top = -heap[0][0]
        if closed(max(top, pruned)):
            break
        neg, _, ones, zeros, xs = heapq.heappop(heap)
        frac = np.minimum(xs, 1 - xs)
        frac[list(ones) + list(zeros)] = -1.0
        j = int(np.argmax(frac))
        if frac[j] <= _INTEGRAL:  # integral: this node's plan is its bound
            consider(np.flatnonzero(xs > 0.5))
            pruned = max(pruned, -neg)
            continue
        stopped = False
        for child in ((ones + (j,), zeros), (ones, zeros + (j,))):
            if len(child[0]) > k:
                continue
            res = lp.solve(child[0], child[1], deadline)
            nodes += 1
            if res is None:
                stopped = True
                break
            b, xc = res
            if xc is None:
                continue
            consider(rounding(xc))
            if closed(b):
                pruned = max(pruned, b)
            else:
                heapq.heappush(heap, (-b, nodes, child[0], child[1], xc))
        if stopped:  # the parent's bound still stands for whatever was not solved
            heapq.heappush(heap, (neg, 0, ones, zeros, xs))
            status = "time limit"
            break
    bound = max([value, pruned] + ([-heap[0][0]] if heap else []))
    if target is not None and value >= target:
        status = "reached"
    elif status == "optimal" and not closed(bound):
        status = "time limit"
    logger.info("MCLP branch and bound: %s, %d nodes, value %.1f, bound %.1f, %.2f s",
                status, nodes, value, bound, time.perf_counter() - t0)
    return best, float(value), float(bound), status


def set_cover_bb(prob, need: float, start: np.ndarray, *, time_limit_s: float, lower: int = 0):
    """LSCP as a descent of MCLP decisions: the fewest sites adding ``need``.

    From ``start`` (a plan adding ``need``), asks :func:`max_cover_bb` whether one site fewer
    can still add ``need`` (its search starts from the plan without its weakest site), until it
    proves one fewer cannot. Returns ``(chosen, lower bound on the fewest sites, status)``;
    ``status`` is ``"optimal"`` when the plan has as many sites as the bound.
    """

    deadline = time.perf_counter() + max(0.0, float(time_limit_s))
    tol = 1e-9 * max(prob.total, 1.0)
    plan = np.sort(np.asarray(start, np.int64))
    lower = max(int(lower), 1 if need > tol else 0, _set_cover_lp_bound(prob, need - tol, deadline))
    while len(plan) - 1 >= lower:
        left = deadline - time.perf_counter()
        if left <= 0:
            break
        k = len(plan) - 1
        fewer = rank_sites(prob, plan).chosen[:k]  # without the site adding least
        chosen, value, bound, _ = max_cover_bb(prob, k, fewer, time_limit_s=left, rel_gap=0.0,
                                               target=need - tol)
        if value >= need - tol and _value(prob, chosen, None) >= need - tol:
            plan = np.sort(chosen)
        elif bound < need - tol:
            lower = k + 1
        else:
            break
    status = "optimal" if len(plan) <= lower else "time limit"
    logger.info("LSCP descent: %s, %d sites, bound %d", status, len(plan), lower)
    return plan, lower, status


def _set_cover_lp_bound(prob, need: float, deadline: float) -> int:
    """The fewest sites the LSCP's LP relaxation needs, rounded up (0 when out of time)."""
    import highspy

    matrix, weight = prob.matrix, prob.weight
    n, ng = matrix.shape
    left = deadline - time.perf_counter()
    if left <= 0 or n == 0:
        return 0
    scale = float(weight.sum()) or 1.0
    # x (n sites) then y (ng groups): y_g - sum_i a_ig x_i <= 0, sum_g w_g y_g >= need
    rows = sp.vstack([coverage_rows(matrix),
                      sp.csr_matrix(np.concatenate([np.zeros(n), weight / scale])[None, :])]).tocsr()
    h = highs_model(np.concatenate([np.ones(n), np.zeros(ng)]), rows,
                    np.append(np.full(ng, -np.inf), need / scale), np.append(np.zeros(ng), np.inf),
                    np.ones(n + ng))
    h.setOptionValue("solver", "ipm")
    h.setOptionValue("time_limit", left)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return 0
    return int(np.ceil(h.getInfo().objective_function_value * (1 - _MARGIN) - 1e-6))
