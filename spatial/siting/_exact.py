"""Exact siting models on HiGHS: the models that check the greedy, and their bounds.

Split from :mod:`spatial.siting._cover` (the arrays, reductions and greedy); see its docstring for why
the models are built as sparse arrays rather than through PuLP.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from spatial.siting._branch import (
    coverage_rows,
    highs_model,
    max_cover_bb,
    set_cover_bb,
)
from spatial.siting._cover import (
    Exact,
    Problem,
    _celf,
    _value,
    drop_dominated,
    max_cover_bound,
    set_cover_bound,
)

logger = logging.getLogger(__name__)

__all__ = ["exact_max_cover", "exact_set_cover", "max_cover_bound", "set_cover_bound"]


@dataclass(frozen=True)
class _Model:
    """A MILP over ``x`` (one binary per candidate) then ``y`` or ``z``, rows ``lo <= A v <= hi``."""

    n_x: int
    cover: np.ndarray  # objective coefficients giving the weight covered (or served)
    a: sp.csr_matrix
    lo: np.ndarray
    hi: np.ndarray
    ub: np.ndarray
    edges: sp.coo_matrix | None  # capacity: the (candidate, group) pair of each z


def _model(prob: Problem, capacity: float | None) -> _Model:
    """Variables, covered-weight coefficients and coverage constraints shared by both models."""
    a = prob.matrix
    n, ng = a.shape
    if capacity is None:
        # x (n binaries) then y (ng in [0, 1]): y_g <= sum_i a_ig x_i. y may stay continuous:
        # the right side is a whole number, so y is 0 or free up to 1.
        link = coverage_rows(a)
        return _Model(n, np.concatenate([np.zeros(n), prob.weight]), link, np.full(ng, -np.inf),
                      np.zeros(ng), np.ones(n + ng), None)
    # x (n binaries) then z (one per nonzero a_ig: households of group g served by site i)
    coo = a.tocoo()
    m = coo.nnz
    e = np.arange(m)
    z_site = sp.csr_matrix((np.ones(m), (coo.row, e)), shape=(n, m))
    z_group = sp.csr_matrix((np.ones(m), (coo.col, e)), shape=(ng, m))
    cap_rows = sp.hstack([sp.diags(-np.full(n, float(capacity))), z_site])
    grp_rows = sp.hstack([sp.csr_matrix((ng, n)), z_group])
    # z_ig <= w_g x_i: the strong form, tightens the LP relaxation
    strong = sp.hstack([sp.csr_matrix((-prob.weight[coo.col], (e, coo.row)), shape=(m, n)),
                        sp.identity(m, format="csr")])
    rows = sp.vstack([cap_rows, grp_rows, strong]).tocsr()
    hi = np.concatenate([np.zeros(n), prob.weight, np.zeros(m)])
    return _Model(n, np.concatenate([np.zeros(n), np.ones(m)]), rows, np.full(len(hi), -np.inf), hi,
                  np.concatenate([np.ones(n), prob.weight[coo.col]]), coo)


def _solve(c, model: _Model, a, lo, hi, time_limit_s):
    """Solve with HiGHS (highspy); returns (status, x, value, bound, seconds).

    No warm start (``Highs.setSolution``): on an unscaled model it led HiGHS to a wrong
    "optimal" set cover; the callers compare with the greedy plan instead and keep the better.
    """
    import highspy

    h = highs_model(c, a, lo, hi, model.ub, model.n_x)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 1e-4)
    t0 = time.perf_counter()
    h.run()
    secs = time.perf_counter() - t0
    ms = h.getModelStatus()
    info = h.getInfo()
    status = {highspy.HighsModelStatus.kOptimal: "optimal",
              highspy.HighsModelStatus.kTimeLimit: "time limit",
              highspy.HighsModelStatus.kInfeasible: "infeasible"}.get(ms, "failed")
    has_x = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, float) if has_x else None
    value = float(info.objective_function_value) if has_x else np.nan
    bound = float(info.mip_dual_bound)
    return status, x, value, bound, secs


def _scaled(prob: Problem, capacity: float | None) -> tuple[Problem, float | None, float]:
    """The problem with weights divided by their sum (HiGHS mis-solved the unscaled set cover:
    a 70-site "optimum" where 48 suffice), the scaled capacity, and the scale."""
    scale = float(prob.weight.sum()) or 1.0
    scaled = Problem(prob.matrix, prob.weight / scale, prob.group_of, prob.base / scale, prob.total / scale)
    return scaled, None if capacity is None else capacity / scale, scale


def exact_max_cover(prob: Problem, k: int, *, capacity: float | None = None,
                    time_limit_s: float = 30.0, start=None, rel_gap: float = 1e-4) -> Exact:
    """MCLP solved exactly: at most ``k`` sites maximising covered (or, with capacity, served) weight.

    Without capacity: :func:`spatial.siting._branch.max_cover_bb` (best-first branch and bound on
    HiGHS's LP relaxation, tabu search for incumbents) on :func:`drop_dominated`'s reduction
    (same optimum). With capacity: HiGHS's MIP solver on the assignment model. ``start`` (chosen
    sites; by default the greedy's) is returned instead when the search stops on its time limit
    with nothing better. ``bound`` is an upper bound on the optimum, tightened by
    :func:`max_cover_bound`; ``status`` is ``"optimal"`` when the plan is within ``rel_gap``
    of it. The value of every plan is recomputed, not taken from the solver.
    """
    n = prob.matrix.shape[0]
    if n == 0 or prob.matrix.shape[1] == 0 or k == 0:
        return Exact(np.zeros(0, np.int64), 0.0, 0.0, "optimal", 0.0)
    t0 = time.perf_counter()
    if start is None:
        start = _celf(prob, k=k, need=None, capacity=capacity).chosen
    start = np.asarray(start, np.int64)
    value0 = _value(prob, start, capacity)
    if capacity is None:  # same optimum with fewer candidates (and groups)
        mprob, rows = drop_dominated(prob)
        mstart = _celf(mprob, k=k, need=None, capacity=None).chosen
        plan, _, bound, status = max_cover_bb(mprob, k, mstart, time_limit_s=time_limit_s, rel_gap=rel_gap)
        chosen = rows[plan]
        bound = min(bound, max_cover_bound(mprob, k))
    else:
        m = n
        sprob, scap, scale = _scaled(prob, capacity)
        model = _model(sprob, scap)
        count = sp.csr_matrix(np.concatenate([np.ones(m), np.zeros(len(model.cover) - m)])[None, :])
        a = sp.vstack([model.a, count]).tocsr()
        status, x, _, dual, _ = _solve(-model.cover, model, a, np.append(model.lo, -np.inf),
                                       np.append(model.hi, float(k)), time_limit_s)
        bound = min(-dual * scale if np.isfinite(dual) else np.inf, max_cover_bound(prob, k, capacity))
        chosen = np.flatnonzero(x[:m] > 0.5) if x is not None else np.zeros(0, np.int64)
    secs = time.perf_counter() - t0
    value = _value(prob, chosen, capacity)
    tol = 1e-6 * max(prob.total, 1.0)
    if value0 > bound + tol or (status == "optimal" and value0 > value + max(tol, 2e-4 * value0)):
        # a plan above the proven bound (or well above a claimed optimum): the proof is wrong
        logger.warning("MCLP exact search claimed %s at %.1f (bound %.1f) but the start plan adds "
                       "%.1f; not trusted", status, value, bound, value0)
        status = "inconsistent"
        bound = max_cover_bound(prob, k, capacity)
    if value0 > value:
        chosen, value = start, value0
    bound = max(bound, value)  # "optimal" means within rel_gap (0.01%) of the bound
    logger.info("MCLP exact: %s, value %.1f, bound %.1f, %.2f s", status, value, bound, secs)
    return Exact(np.sort(chosen), value, float(bound), status, secs)


def exact_set_cover(prob: Problem, need: float, *, capacity: float | None = None,
                    time_limit_s: float = 30.0, start=None) -> Exact:
    """LSCP solved exactly: the fewest sites adding at least ``need`` weight.

    Without capacity, on :func:`drop_dominated`'s reduction: for every reachable household, a
    plain set cover solved by HiGHS's MIP solver; for a share, :func:`spatial.siting._branch.set_cover_bb`
    (one site fewer at a time, each step an MCLP decision by branch and bound). With capacity:
    HiGHS's MIP solver. ``start`` (chosen sites reaching ``need``; by default the greedy's) is
    returned instead when the search stops on its time limit with nothing better. ``bound`` is a
    lower bound on the fewest sites (proven, or :func:`set_cover_bound`). Plans are checked to
    reach ``need``.
    """
    tol = 1e-9 * max(prob.total, 1.0)
    if need <= tol:
        return Exact(np.zeros(0, np.int64), 0.0, 0.0, "optimal", 0.0)
    n = prob.matrix.shape[0]
    if prob.weight.sum() < need - tol:  # capacity can only lower what is reachable
        return Exact(np.zeros(0, np.int64), np.inf, np.inf, "infeasible", 0.0)
    t0 = time.perf_counter()
    full = need >= prob.weight.sum() - tol
    if capacity is None and not full:
        # same fewest sites with fewer candidates (and groups); a descent of MCLP decisions
        mprob, rows = drop_dominated(prob)
        mstart = _celf(mprob, k=None, need=need, capacity=None).chosen
        plan, lower, status = set_cover_bb(mprob, need, mstart, time_limit_s=time_limit_s,
                                           lower=set_cover_bound(mprob, need))
        chosen, bound = rows[plan], float(lower)
    elif capacity is None:
        # every group: a plain set cover, sum_i a_ig x_i >= 1 (HiGHS's MIP solves these well)
        mprob, rows = drop_dominated(prob)
        m, ng = mprob.matrix.shape
        model = _Model(m, np.zeros(m), mprob.matrix.T.astype(float).tocsr(), np.ones(ng),
                       np.full(ng, np.inf), np.ones(m), None)
        status, x, _, dual, _ = _solve(np.ones(m), model, model.a, model.lo, model.hi, time_limit_s)
        bound = max(float(np.ceil(dual - 1e-6)) if np.isfinite(dual) else 0.0,
                    float(set_cover_bound(prob, need)))
        chosen = rows[np.flatnonzero(x[:m] > 0.5)] if x is not None else None
    else:
        sprob, scap, scale = _scaled(prob, capacity)
        model = _model(sprob, scap)
        a = sp.vstack([model.a, sp.csr_matrix(model.cover[None, :])]).tocsr()
        lo = np.append(model.lo, (need - tol) / scale)
        hi = np.append(model.hi, np.inf)
        c = np.zeros(len(model.ub))
        c[:n] = 1.0
        status, x, _, dual, _ = _solve(c, model, a, lo, hi, time_limit_s)
        if status == "infeasible":
            return Exact(np.zeros(0, np.int64), np.inf, np.inf, status, time.perf_counter() - t0)
        bound = max(float(np.ceil(dual - 1e-6)) if np.isfinite(dual) else 0.0,
                    float(set_cover_bound(prob, need, capacity)))
        chosen = np.flatnonzero(x[:n] > 0.5) if x is not None else None
    secs = time.perf_counter() - t0
    if chosen is not None and _value(prob, chosen, capacity) < need - 1e-6 * max(prob.total, 1.0):
        logger.warning("LSCP exact plan of %d sites falls short of the target; not trusted", len(chosen))
        chosen, status = None, "inconsistent"
    if start is None:
        greedy = _celf(prob, k=None, need=need, capacity=capacity)
        start = greedy.chosen if greedy.value >= need - tol else None
    if start is not None and _value(prob, start, capacity) < need - 1e-6 * max(prob.total, 1.0):
        start = None
    if start is not None:
        if status == "optimal" and chosen is not None and len(start) < len(chosen):
            logger.warning("LSCP exact search claimed %d sites optimal but %d suffice; not trusted",
                           len(chosen), len(start))
            status = "inconsistent"
        if chosen is None or len(start) < len(chosen):
            chosen = np.asarray(start, np.int64)
    if status == "inconsistent":
        bound = float(set_cover_bound(prob, need, capacity))
    if chosen is None:
        return Exact(np.zeros(0, np.int64), np.inf, bound, status, secs)
    value = float(len(chosen))
    bound = min(bound, value)
    logger.info("LSCP exact: %s, %d sites, bound %d, %.2f s", status, value, bound, secs)
    return Exact(chosen, value, bound, status, secs)
