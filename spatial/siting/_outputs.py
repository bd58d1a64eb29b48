"""Output frames of new-station siting (split from :mod:`spatial.siting.sites`): the households each
new site serves, the sites, the demand after, the homes no candidate reaches, and the before/after table.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core._frames import TEXT, typed_empty
from spatial.core._words import counted
from spatial.core.checks import natural_key, warn_replaced, whole_counts
from spatial.coverage.bands import band_words
from spatial.siting import _cover

__all__ = ["served_per_point", "sites_frame", "demand_frame", "unreachable", "before_after"]


def served_per_point(prob, a, hh, pop, covered, plan, capacity):
    """Households of each point served by the new sites, the plan position of its (main) serving
    site or -1, and the households and population each site adds."""
    n, p = len(hh), len(plan.chosen)
    site_pos = np.full(n, -1, np.int64)
    pop0 = np.nan_to_num(pop)
    if not p:
        return np.zeros(n), site_pos, np.zeros(0), np.zeros(0)
    if capacity is None:
        sub = a[plan.chosen].tocsc()
        sub.sort_indices()
        new = (np.diff(sub.indptr) > 0) & ~covered
        site_pos[new] = sub.indices[sub.indptr[:-1][new]]  # best-ranked site reaching the point
        served = np.where(new, hh, 0.0)
        gain_hh = np.bincount(site_pos[new], weights=hh[new], minlength=p)
        gain_pop = np.bincount(site_pos[new], weights=pop0[new], minlength=p)
        return served, site_pos, gain_hh, gain_pop
    # each site up to its gain in rank order (``_cover._finish``): an optimal assignment of the plan
    # in which the first r sites serve what they would on their own, so cum_coverage_pct adds up
    limit = np.minimum(np.asarray(plan.gain, float), float(capacity))
    gain_hh, rows, groups, flow = _cover.assign_capacity(prob, plan.chosen, limit, return_flows=True)
    g = prob.group_of
    inm = g >= 0
    w_g = np.maximum(prob.weight, 1e-300)
    share_g = np.bincount(groups, weights=flow, minlength=len(prob.weight)) / w_g
    served = np.zeros(n)
    served[inm] = hh[inm] * share_g[g[inm]]
    pop_per_hh_g = np.bincount(g[inm], weights=pop0[inm], minlength=len(prob.weight)) / w_g
    gain_pop = np.bincount(rows, weights=flow * pop_per_hh_g[groups], minlength=p)
    # the site serving most of each group names its points
    best = pd.DataFrame({"g": groups, "r": rows, "f": flow})
    best = best[best["f"] > 1e-9].sort_values(["g", "f"], ascending=[True, False]).drop_duplicates("g")
    site_of_g = np.full(len(prob.weight), -1, np.int64)
    site_of_g[best["g"].to_numpy()] = best["r"].to_numpy()
    site_pos[inm] = site_of_g[g[inm]]
    # homes of 0 households left the model but are covered by any site reaching them, as without capacity
    sub = a[plan.chosen].tocsc()
    sub.sort_indices()
    zero = (np.diff(sub.indptr) > 0) & ~covered & (hh <= 0)
    site_pos[zero] = sub.indices[sub.indptr[:-1][zero]]
    return served, site_pos, gain_hh, gain_pop


def sites_frame(cand, id_col, plan, gain_hh, gain_pop, has_pop, prob, crs, band: str) -> gpd.GeoDataFrame:
    """The chosen candidates in rank order with ``site_id, rank, candidate_id, gain_households,
    gain_population, cum_coverage_pct, band`` first (``band``: the band the gains and the coverage
    are counted within, ``15min``), then their own columns; in ``crs``."""
    p = len(plan.chosen)
    total = prob.total if prob.total > 0 else 1.0
    rows = cand.iloc[plan.chosen].copy()
    ids = rows[id_col].to_numpy()
    first = ["site_id", "rank", "candidate_id", "gain_households", "gain_population", "cum_coverage_pct", "band"]
    # the candidates' own columns of these names are replaced (an id column of another name: copied as candidate_id)
    rows = rows.drop(columns=warn_replaced(cand, [c for c in first if not c == id_col == "candidate_id"],
                                           "candidates", "site_stations"))
    if rows.crs is not None and crs is not None:
        rows = rows.to_crs(crs)
    geo = rows.geometry.name
    rows.insert(0, "site_id", [f"NEW{r + 1:03d}" for r in range(p)])
    rows.insert(1, "rank", np.arange(1, p + 1))
    if "candidate_id" not in rows.columns:
        rows.insert(2, "candidate_id", ids)
    # whole households (people) gained are counted as whole: int64, as coverage_summary counts them
    rows["gain_households"] = whole_counts(gain_hh)
    rows["gain_population"] = whole_counts(gain_pop) if has_pop else np.nan
    rows["cum_coverage_pct"] = 100.0 * (prob.base + np.cumsum(gain_hh)) / total
    # a sites file mapped over coverage of other bands says which its figures are (51.4% within 10 min
    # read as a fall beside 79.5% within 15)
    rows["band"] = pd.Series([band] * p, index=rows.index, dtype=object)
    rows = rows[first + [c for c in rows.columns if c not in first and c != geo] + [geo]]
    # numbered 0..p-1: the candidates' own row numbers would be written as a stray 'index' column
    # (no site: site_id typed as text all the same, so that pd.concat with a full result keeps it text)
    return typed_empty(gpd.GeoDataFrame(rows.reset_index(drop=True), geometry=geo, crs=crs),
                       {"site_id": TEXT, "band": TEXT})


def demand_frame(demand, covered, hh, served_hh, site_pos, sites, capacity) -> gpd.GeoDataFrame:
    """The demand with ``covered_before``, ``covered_after``, ``new_site`` and ``new_households_served``."""
    out = demand.copy()
    names = sites["site_id"].to_numpy(dtype=object)
    new = site_pos >= 0
    if capacity is not None:  # covered after only when all its households are served
        new &= served_hh >= hh - 1e-6
    out["covered_before"] = covered
    out["covered_after"] = covered | new
    # text, as with sites, when no home has a new site (all None: objects)
    out["new_site"] = pd.Series(np.array([names[q] if q >= 0 else None for q in site_pos], dtype=object),
                                index=out.index).astype(TEXT)
    out["new_households_served"] = served_hh
    return out


def unreachable(demand, a, covered, dsnap, band) -> gpd.GeoDataFrame:
    """Demand rows not covered now that no candidate reaches, with their ``reason``."""
    reached = np.diff(a.tocsc().indptr) > 0
    mask = ~covered & ~reached
    out = demand[mask].copy()
    reason = np.where(dsnap.ok[mask], f"no candidate within {band.label}", dsnap.reason[mask].astype(str))
    out["reason"] = reason
    return out


def before_after(demand, hh, covered, served_hh, band: str) -> pd.DataFrame:
    """Households and covered share before and after, overall and per community and grid, within
    ``band`` (a column of its own)."""
    before = np.where(covered, hh, 0.0)
    after = before + served_hh
    frame = pd.DataFrame({"households": hh, "before": before, "after": after}, index=demand.index)
    rows = []

    def add(level, key, g):
        total = g["households"].sum()
        pct_b = 100.0 * g["before"].sum() / total if total > 0 else np.nan
        pct_a = 100.0 * g["after"].sum() / total if total > 0 else np.nan
        rows.append({"level": level, "id": str(key), "households": total, "pct_before": pct_b,
                     "pct_after": pct_a})

    add("overall", "all", frame)
    for level, col in (("community", "community_id"), ("grid", "grid_id")):
        if col in demand.columns:  # homes in none: '(none)', as coverage_summary names them (not dropped)
            key = demand[col].astype(object).where(demand[col].notna(), "(none)").astype(str)
            groups = dict(iter(frame.groupby(key.to_numpy(), sort=False)))
            for key in sorted(groups, key=natural_key):  # communities 1, 2 ... 10, as the coverage summary
                add(level, key, groups[key])
    out = pd.DataFrame(rows, columns=["level", "id", "households", "pct_before", "pct_after"])
    out["households"] = whole_counts(out["households"], hh)  # whole households in, whole out
    out["band"] = band
    return out


def unchosen(cand, id_col, a, plan, sites, hh, covered, served, *, band, k, target, capacity):
    """Why each candidate reaching an uncovered home was not chosen: ``(row, problem, action, zh)``.

    A candidate at the same place as a chosen site, or reaching only homes a chosen site reaches,
    adds nobody after it; any other adds the households it would still serve (with ``capacity``,
    at most that many), fewer than the ``k`` sites chosen or not needed for the ``target``; where
    some of its homes are a chosen site's, what it would add on its own is said too (a room that
    alone would serve 1,232 uncovered households read "would add 5").
    """
    chosen = np.asarray(plan.chosen, np.int64)
    open_ = ~covered & (hh > 0)
    m = a.tocsr().multiply(open_[None, :]).tocsr().astype(np.int64)
    m.eliminate_zeros()
    size = np.diff(m.indptr)
    rest = np.setdiff1d(np.flatnonzero(size > 0), chosen)
    if not len(rest):
        return []
    left = np.where(open_, np.maximum(hh - served, 0.0), 0.0)  # households no site serves yet
    gain = np.asarray(m[rest] @ left, float)
    alone = np.asarray(m[rest] @ np.where(open_, hh, 0.0), float)  # as the only new site
    if capacity is not None:
        gain = np.minimum(gain, float(capacity))
        alone = np.minimum(alone, float(capacity))
    shared = (m[rest] @ m[chosen].T).toarray() if len(chosen) else np.zeros((len(rest), 0))
    inside = shared == size[rest][:, None]  # its homes are all among that chosen site's
    geom = cand.geometry.values
    names = sites["site_id"].to_numpy(dtype=object)
    ids = cand[id_col].to_numpy(dtype=object)
    tol = 1e-9 * max(float(hh.sum()), 1.0)
    band_zh = band_words(band)  # 15分钟, as the sheets beside it say the band (not 15min)
    out = []
    for r, i in enumerate(rest):
        over = np.flatnonzero(inside[r])
        same = [q for q in over if size[chosen[q]] == size[i] and geom[i].equals(geom[chosen[q]])]
        if same:
            q = same[0]
            problem = f"same place as chosen site {names[q]} ({ids[chosen[q]]})"
            problem_zh = f"与已选新站 {names[q]}（{ids[chosen[q]]}）位置相同"
        elif len(over):
            q = over[0]
            problem = f"reaches only households that chosen site {names[q]} ({ids[chosen[q]]}) reaches"
            problem_zh = f"可达住户均在已选新站 {names[q]}（{ids[chosen[q]]}）的范围内"
        elif gain[r] <= tol:
            problem, problem_zh = "reaches only households the chosen sites reach", "可达住户均在已选新站的范围内"
        elif alone[r] > gain[r] + tol:  # some of its homes are a chosen site's: both figures, or 5 read as all
            problem = (f"would add {counted(alone[r], 'household', shown=f'{alone[r]:g}')} within {band} on its own, "
                       f"{gain[r]:g} beyond those the chosen sites reach")
            problem_zh = f"单独新建时{band_zh}内可新增 {alone[r]:g} 户，已选新站之外可再新增 {gain[r]:g} 户"
        else:
            problem = f"would add {counted(gain[r], 'household', shown=f'{gain[r]:g}')} within {band}"
            problem_zh = f"{band_zh}内可新增 {gain[r]:g} 户"
        if gain[r] <= tol:
            action, action_zh = "not chosen: adds nobody after the chosen sites", "未选：已选新站之外不新增覆盖"
        elif k is not None:
            action = (f"not chosen: the {counted(len(chosen), 'site')} chosen (k={k}) "
                      f"{'adds' if len(chosen) == 1 else 'add'} more")
            action_zh = f"未选：已选的 {len(chosen)} 个新站（k={k}）新增更多"
        else:
            action = f"not chosen: the target {100 * target:g}% is reached without it"
            action_zh = f"未选：不用它即达到目标 {100 * target:g}%"
        out.append((int(i), problem, action, (problem_zh, action_zh)))
    return out
