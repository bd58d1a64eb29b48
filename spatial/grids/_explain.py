"""Report rows saying why grids end out of the band or off the mean: the units, groups and
communities that force it.

Used by :mod:`spatial.grids.partition` and :mod:`spatial.grids.redraw`; imports from
:mod:`spatial.core` and the grid engine's private modules only.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core._words import counted
from spatial.grids._bandproof import cornered, crowded, no_band_plan
from spatial.grids._engine import hemmed_in
from spatial.grids._prep import Prepared, beyond_rule

logger = logging.getLogger(__name__)

#: How the problem of the one row on a households column that does not fit the band ends
#: (:func:`explain_band_fit`): ``spatial grids`` puts that row at the top of its report.
UNFIT_BAND = "households each"
#: The share of units with households that must each hold more than the band's maximum for the
#: column itself to be questioned (a few large estates are the units' own; most of them, the column's).
UNFIT_SHARE = 0.5

#: How the action of a grid's row begins when no plan can bring that grid within the rule (the
#: proof is in its problem): :func:`proven_far` finds these rows in a report table.
NO_PLAN = "no plan puts a grid holding"


def explain_far(report, grids, prep: Prepared, grid_ids: np.ndarray, rule_pct: float, node: np.ndarray,
                hh: np.ndarray | None = None, cost=None, *, band: tuple[float, float] | None = None) -> None:
    """One row per grid in the band but further from its community's mean grid than ``rule_pct``,
    naming its largest units (a gated estate or a group kept together counting as one, ``node``:
    each unit's group): where a few buildings hold most of a grid, one more or one fewer
    overshoots the rule the other way.

    With the groups' households ``hh`` and their graph ``cost`` (as the engine drew them), a grid
    holding a group that no grid within the rule can hold (``hemmed_in`` on the rule's window round
    the mean: a gated estate of 342 households, 399 the mean, whose every neighbour beyond a lot
    with no homes holds 103 or more) says so: no plan does better there, and the action says what
    would.

    With ``band`` (least, most households), grids of a community whose mean grid is itself out of
    the band get no row: no plan of that many grids is in the band, the community's own row says
    so and to ask for more grids, and a grid kept in the band (two of 340 on one island of a
    community whose mean grid is 727) is not off for want of a better move."""
    far = grids[(grids["band_status"] == "in") & (grids["deviation_pct"].abs() > rule_pct + 1e-9)]
    if band is not None:
        far = far[(far["target_households"] >= band[0] - 1e-9) & (far["target_households"] <= band[1] + 1e-9)]
    members = {g: np.flatnonzero(grid_ids == g) for g in far["grid_id"]}
    stuck = _beyond_rule(far, members, node, hh, cost, rule_pct) if hh is not None else {}
    for _, r in far.iterrows():
        mine = members[r["grid_id"]]
        words = (r["households"], float(r["deviation_pct"]), r["target_households"], rule_pct)
        if r["grid_id"] in stuck:
            _unreachable_rule(report, r["grid_id"], words, prep, node, stuck[r["grid_id"]], hh)
            continue
        groups, first = np.unique(node[mine], return_inverse=True)
        h = np.bincount(first, weights=prep.hh[mine])
        size = np.bincount(first)
        top = np.argsort(-h, kind="stable")[:3]
        top = top[h[top] > 0]
        whole = (size[top] > 1) & (groups[top] >= 0)
        if len(top) == 1:  # one unit (or one group kept together) holds them all
            said = f"all of them in {size[top[0]]} units kept together" if whole[0] else "all of them in one unit"
            said_zh = f"全部在 {size[top[0]]} 个须保持在一起的单元中" if whole[0] else "全部在一个单元中"
        else:
            said = "its largest units hold " + ", ".join(
                f"{h[t]:g}" + (f" ({size[t]} units kept together)" if w else "") for t, w in zip(top, whole)) + " of them"
            said_zh = "其中最大的几个单元分别有 " + "、".join(
                f"{h[t]:g}" + (f"（{size[t]} 个单元须保持在一起）" if w else "") for t, w in zip(top, whole)) + " 户"
        report.add("grids", r["grid_id"], beyond_rule(*words) + f"; {said}",
                   "no move or swap of units found brings it nearer: accept it, move units by hand (spatial "
                   "editor), or allow more (max_deviation_pct, --max-deviation)",
                   zh=(beyond_rule(*words, lang="zh") + f"；{said_zh}",
                       ("找不到能使其更接近平均户数的单元调整或互换：可接受现状、手工调整单元（spatial editor），"
                        "或放宽规则（max_deviation_pct、--max-deviation）")))


def _beyond_rule(far, members: dict, node, hh, cost, rule_pct: float) -> dict:
    """``grid_id -> group``: of the ``far`` grids, those holding a group that no grid within the
    rule round their community's mean can hold (``hemmed_in``, one search per mean), each with its
    heaviest such group."""
    out = {}
    for target, rows in far.groupby("target_households"):
        groups = {g: np.unique(node[members[g]][node[members[g]] >= 0]) for g in rows["grid_id"]}
        every = np.concatenate([np.zeros(0, dtype=np.int64), *groups.values()])
        flagged = hemmed_in(cost, hh, min_hh=target * (1 - rule_pct / 100), max_hh=target * (1 + rule_pct / 100),
                            nodes=every)
        for g, mine in groups.items():
            if flagged[mine].any():
                out[g] = mine[flagged[mine]][np.argmax(hh[mine[flagged[mine]]])]
    return out


def _unreachable_rule(report, grid_id, words, prep: Prepared, node, v: int, hh) -> None:
    """The row of a grid holding group ``v``, which no grid within the rule can hold."""
    target, rule_pct = words[2], words[3]
    lo, hi = target * (1 - rule_pct / 100), target * (1 + rule_pct / 100)
    members = np.flatnonzero(node == v)
    names = ", ".join(map(str, prep.unit_ids[members][:6])) + (" ..." if len(members) > 6 else "")
    what = f"unit {names}" if len(members) == 1 else f"the {len(members)} units kept together ({names})"
    what_zh = f"单元 {names}" if len(members) == 1 else f"须保持在一起的 {len(members)} 个单元（{names}）"
    one = len(members) == 1
    hold, they = ("holds", "it") if one else ("hold", "they")
    least, most = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)  # (in whole households)
    if hh[v] > hi:
        why = f"{what} alone {hold} {hh[v]:g} households, more than the {most} the rule allows"
        why_zh = f"{what_zh}单独即有 {hh[v]:g} 户，超过规则允许的 {most} 户"
    else:
        why = (f"{what} {hold} {hh[v]:g} households: fewer than the {least} the rule needs, alone and with all "
               f"the lighter units {they} could join, and more than {most} with any neighbour of more than "
               f"{most - hh[v]:g}")
        why_zh = (f"{what_zh}共 {hh[v]:g} 户：单独或加上所有可并入的较小单元都不足规则所需的 {least} 户，"
                  f"加上任何一个超过 {most - hh[v]:g} 户的相邻单元又会超过 {most} 户")
    report.add("grids", grid_id, beyond_rule(*words) + f"; {why}",
               f"{NO_PLAN} {'it' if one else 'them'} within {rule_pct:g}% of the mean: accept it, "
               + ("split the unit" if one else "let the group be split (gated/together/locked)")
               + ", or allow more (max_deviation_pct, --max-deviation)",
               zh=(beyond_rule(*words, lang="zh") + f"；{why_zh}",
                   f"任何方案中包含{'它' if one else '它们'}的网格都无法与平均户数相差不超过 {rule_pct:g}%：可接受现状、"
                   + ("拆分该单元" if one else "允许拆分这组单元（gated/together/locked）")
                   + "，或放宽规则（max_deviation_pct、--max-deviation）"))


def proven_far(report) -> set:
    """The grid ids of a report table (``layer, row_id, action``) whose rows prove that no plan
    can bring them within the rule (a unit or estate no grid within it can hold)."""
    if report is None or not len(report) or not {"layer", "row_id", "action"} <= set(report.columns):
        return set()
    rows = report[(report["layer"] == "grids") & report["action"].astype(str).str.startswith(NO_PLAN)]
    return set(rows["row_id"].astype(str))


def kept_rule(grids, report, pct: float) -> str:
    """The summary line's words on the rule near the mean (``pct``): how many ``grids`` keep it,
    how many no plan can bring within it (``report`` proves it, :func:`proven_far`), and how many
    the search found no plan for (the report names their largest units).

    Examples
    --------
    >>> import pandas as pd
    >>> grids = pd.DataFrame({"grid_id": ["A", "B", "C"], "deviation_pct": [11.5, -11.5, 0.0]})
    >>> report = pd.DataFrame({"layer": ["grids", "grids"], "row_id": ["A", "B"],
    ...                        "action": [NO_PLAN + " them ...", "no move or swap ..."]})
    >>> kept_rule(grids, report, 5)
    '; 1 of 3 within 5%, 1 that no plan can bring within it (the report names the unit or estate), 1 other in \
the report with its largest units'
    """
    off = grids.loc[grids["deviation_pct"].abs() > pct + 1e-9, "grid_id"].astype(str)
    proven = int(off.isin(proven_far(report)).sum())
    rest = len(off) - proven
    said = [f"{proven} that no plan can bring within it (the report names the unit or estate)"] * (proven > 0)
    if rest:
        them = f"{rest} other{'s' * (rest > 1)}" if proven else "the other" + "s" * (rest > 1)
        said.append(f"{them} in the report with {'its' if rest == 1 else 'their'} largest units")
    return f"; {len(grids) - len(off)} of {len(grids)} within {pct:g}%" + "".join(", " + x for x in said)


def explain_band_fit(report, hh: np.ndarray, households_col: str, hi: float) -> None:
    """One row, first in ``report``, and a warning when half or more of the units with households
    each hold more than the band's maximum ``hi`` alone: the column is likely not households
    (people, births, floor area) or the band not these data's, which the rows on each unit over
    the maximum do not say.

    Parameters
    ----------
    report : Report
        Where the row goes (moved to the top).
    hh : numpy.ndarray
        Households of every unit.
    households_col : str
        The column they were read from, named in the row.
    hi : float
        The band's maximum households per grid.
    """
    with_hh = hh[hh > 0]
    n_over = int((with_hh > hi).sum())
    if not len(with_hh) or n_over < UNFIT_SHARE * len(with_hh):
        return
    median = f"{float(np.median(with_hh)):,.0f}"
    problem = (f"{n_over} of {counted(len(with_hh), 'unit')} with households hold more than {hi:g} {UNFIT_BAND} "
               f"(median {median}): is '{households_col}' a count of households?")
    action = ("each grid holding one is over the band; check the column (people or another count given as "
              "households?), or set the band to fit these units (--min/--max, min_households/max_households)")
    report.add("units", "-", problem, action,
               zh=(f"{len(with_hh)} 个有住户的单元中有 {n_over} 个各自超过 {hi:g} 户（中位数 {median} 户）："
                   f"'{households_col}' 是户数吗？",
                   "含这些单元的网格都超出户数区间；请核对该列（是否把人口或其他数量当成了户数），"
                   "或按这些单元调整户数区间（--min/--max，即 min_households/max_households）"))
    report.rows.insert(0, report.rows.pop())  # said before the rows on each unit
    logger.warning("%s; %s", problem, action)


def band_fit_rows(frame) -> np.ndarray:
    """Which rows of a report table are :func:`explain_band_fit`'s (a boolean array)."""
    return ((frame["row_id"].astype(str) == "-") & frame["problem"].astype(str).str.contains(
        f" {UNFIT_BAND} (median ", regex=False)).to_numpy()


def band_fit_first(frame):
    """A report table with :func:`explain_band_fit`'s row moved to the top (above the
    validation's rows, which come before the grids'), the rest in order, on a fresh index."""
    return frame.iloc[np.argsort(~band_fit_rows(frame), kind="stable")].reset_index(drop=True)


def _explain_count(report, cid, mean, k, n_over, lo, hi) -> None:
    """A row when the grid count asked leaves a community's grids (those not holding a unit over
    the band) a mean ``mean`` out of the band or within ``NEAR_EDGE`` of its edge."""
    room = NEAR_EDGE * (hi - lo)
    if lo + room <= mean <= hi - room or (k - n_over == 1 and lo <= mean <= hi):
        return  # (one grid holds the mean exactly: no unevenness can push it out)
    under = mean < lo + room
    # the grids not holding a unit over the band
    rest = k - n_over
    them = ("its other grid" if rest == 1 else f"its other {counted(rest, 'grid')}") if n_over else "its grids"
    # (one grid asked for, or one left beside those over the band: no "each")
    leave = f"holds about {mean:.0f} households" if k == 1 else \
        f"leave {them} about {mean:.0f} households{'' if rest == 1 else ' each'}"
    them_zh = f"其余 {k - n_over} 个网格" if n_over else "各网格"
    leave_zh = f"容纳约 {mean:.0f} 户" if k == 1 else f"使{them_zh}{'约' if rest == 1 else '每格约'} {mean:.0f} 户"
    beside = f" ({counted(n_over, 'unit', 'units')} over {hi:g} {'takes a grid' if n_over == 1 else 'take a grid each'})" \
        if n_over else ""
    beside_zh = f"（{n_over} 个超过 {hi:g} 户的单元各占一个网格）" if n_over else ""
    if lo <= mean <= hi:
        problem = f"the {counted(k, 'grid')} asked for {leave}{beside}, near the band's edge"
        problem_zh = f"所要求的 {k} 个网格{leave_zh}{beside_zh}，接近户数区间边缘"
        effect, effect_zh = "uneven units push some out of the band", "单元大小不一，部分网格会超出区间"
    else:
        problem = f"the {counted(k, 'grid')} asked for {leave}{beside}, " \
                  f"{'under' if under else 'over'} {lo if under else hi:g}"
        problem_zh = f"所要求的 {k} 个网格{leave_zh}{beside_zh}，{'低于' if under else '高于'} {lo if under else hi:g} 户"
        effect, effect_zh = "no plan of that many grids is in the band", "该网格数下没有全部落在区间内的方案"
    report.add("communities", cid, problem,
               f"{effect}: ask for {'fewer' if under else 'more'} grids (--grids), or leave --grids out to draw by "
               "the band",
               zh=(problem_zh, f"{effect_zh}：请{'减少' if under else '增加'}网格数（--grids），或不给 --grids，按户数区间划分"))


def explain_hemmed_in(report, prep, node, hh, cost, lo, hi) -> None:
    """One row per group of units that no grid in the band can hold: units cut off from the rest of
    their community (a part of the graph holding fewer than ``lo`` households: an island, land
    across water), and units or groups kept together (a gated estate, a locked grid) that are
    ``hemmed_in`` (under the minimum with all they could join, over the maximum with anything
    more). Single units over the maximum have their own row already."""
    stuck = hemmed_in(cost, hh, min_hh=lo, max_hh=hi)
    _, part = connected_components(cost, directed=False)
    part_hh = np.bincount(part, weights=hh)
    comm_of = np.zeros(len(hh), dtype=np.int64)
    comm_of[node[node >= 0]] = prep.comm_of[node >= 0]
    whole = np.bincount(comm_of, weights=hh, minlength=len(prep.comm_ids))
    cut_off = (part_hh[part] < lo) & (part_hh[part] < whole[comm_of])  # not the whole community
    coo = cost.tocoo()
    for p in np.unique(part[cut_off]):
        members = np.flatnonzero(np.isin(node, np.flatnonzero(part == p)))
        n = len(members)
        names = ", ".join(map(str, prep.unit_ids[members][:6])) + (" ..." if n > 6 else "")
        these = "this unit shares" if n == 1 else f"these {n} units share"
        hold = "holds" if n == 1 else "hold"
        these_zh = "该单元" if n == 1 else f"这 {n} 个单元"
        report.add("units", names, f"{these} no edge with the rest of community {prep.comm_ids[comm_of[part == p][0]]} "
                   f"(an island, or land cut off by water or a gap wider than the street gap) and {hold} "
                   f"{part_hh[p]:g} households < {lo:g}",
                   "their grid stays under the band: join it by hand to the nearest grid (spatial editor; that "
                   "grid is then in pieces), move the units to another community, or accept it",
                   zh=(f"{these_zh}与社区 {prep.comm_ids[comm_of[part == p][0]]} 的其余单元没有共用边（海岛，或被水面、"
                       f"过宽的街道隔开），共 {part_hh[p]:g} 户 < {lo:g}",
                       "其所在网格只能低于户数区间：可在 spatial editor 中手工并入最近的网格（该网格将分成几块）、"
                       "把这些单元划入其他社区，或接受现状"))
    small = whole[comm_of] < lo  # the whole community is under the band: its own row says so
    stuck &= ~cut_off & ~small & (hh <= hi) | (np.bincount(node[node >= 0], minlength=len(hh)) > 1) & (hh > hi)
    stuck &= ~_hemmed_rows(report, prep, node, hh, cost, stuck, lo, hi)
    for v in np.flatnonzero(stuck):
        members = np.flatnonzero(node == v)
        nb = coo.col[coo.row == v]
        names = ", ".join(map(str, prep.unit_ids[members][:6])) + (" ..." if len(members) > 6 else "")
        heavy = f"with any neighbour of more than {hi - hh[v]:g} households it passes {hi:g}" if len(nb) else \
            "and it touches no other unit"
        heavy_zh = f"加上任何一个超过 {hi - hh[v]:g} 户的相邻单元又会超过 {hi:g}" if len(nb) else "且不与其他单元相邻"
        why = f"over {hi:g}" if hh[v] > hi else \
            f"under {lo:g} alone and with all the lighter units it could join, {heavy}"
        why_zh = f"超过 {hi:g}" if hh[v] > hi else f"单独或加上所有可并入的较小单元都不足 {lo:g}，{heavy_zh}"
        if len(members) == 1:
            said, said_zh = f"holds {hh[v]:g} households: {why}", f"有 {hh[v]:g} 户：{why_zh}"
            act, act_zh = "no grid holding it can be in the band; widen the band or move it by hand", \
                "任何包含它的网格都无法落在户数区间内；请放宽户数区间或手工调整"
        else:
            said = f"{len(members)} units kept together hold {hh[v]:g} households: {why}"
            said_zh = f"须保持在一起的 {len(members)} 个单元共 {hh[v]:g} 户：{why_zh}"
            act = "no grid holding them can be in the band; let the group be split (gated/together/locked) or widen the band"
            act_zh = "任何包含它们的网格都无法落在户数区间内；请允许拆分这组单元（gated/together/locked）或放宽户数区间"
        report.add("units", names, said, act, zh=(said_zh, act_zh))


def _hemmed_rows(report, prep, node, hh, cost, stuck, lo, hi) -> np.ndarray:
    """One row for each run of two or more single units side by side that ``hemmed_in`` proves no
    grid in the band can hold (lane houses between gated estates over the band); the nodes so
    told. Each unit had a row of its own before: 26 rows alike for one block of 里弄 on Futian's
    footprints, beside an estate of 1,230 households."""
    single = stuck & (hh <= hi) & (np.bincount(node[node >= 0], minlength=len(hh)) == 1)
    coo = cost.tocoo()
    keep = single[coo.row] & single[coo.col]
    inner = sparse.csr_matrix((np.ones(int(keep.sum())), (coo.row[keep], coo.col[keep])), shape=cost.shape)
    _, run = connected_components(inner, directed=False)
    told = np.zeros(len(hh), dtype=bool)
    for r in np.unique(run[single]):
        nodes = np.flatnonzero(single & (run == r))
        if len(nodes) < 2:
            continue
        told[nodes] = True
        members = np.flatnonzero(np.isin(node, nodes))
        ids = [str(u) for u in prep.unit_ids[members]]
        names = ", ".join(ids[:6]) + (" ..." if len(ids) > 6 else "")
        least, most, total = hh[nodes].min(), hh[nodes].max(), hh[nodes].sum()
        each = f"{least:g}" if least == most else f"{least:g}–{most:g}"
        heavy = f"{hi - most:g}" if least == most else f"{hi - most:g}–{hi - least:g}"
        report.add("units", names,
                   f"these {len(nodes)} units side by side hold {each} households each ({total:g} in all): each is "
                   f"under {lo:g} alone and with all the lighter units it could join, and passes {hi:g} with any "
                   f"neighbour of more than {heavy} households",
                   "no grid holding any of them can be in the band; widen the band or move them by hand",
                   zh=(f"这 {len(nodes)} 个相邻单元每个 {each} 户（共 {total:g} 户）：每个单元单独或加上所有可并入的较小单元"
                       f"都不足 {lo:g}，加上任何一个超过 {heavy} 户的相邻单元又会超过 {hi:g}",
                       "任何包含其中单元的网格都无法落在户数区间内；请放宽户数区间或手工调整"), ids=ids)
    return told


#: With a grid count given, a community whose other grids average less than this share of the
#: band above its minimum (or as far below its maximum) is told the count leaves little room:
#: Georgia's counties with ``--grids 30``, 26 grids averaging 319 on a band of 300-500 (10%), put
#: 8 under it.
NEAR_EDGE = 0.1


def explain_community(report, cid, h, h_rest, k_got, k_asked, lo, hi, n_grids, n_over=0) -> None:
    """Rows on a community whose households force grids out of the band (``h_rest``: the
    households left when the ``n_over`` units or groups over the band alone, in grids of their
    own, are set aside). With a grid count given (``n_grids``), a row when the count leaves the
    other grids a mean out of the band or near its edge."""
    if n_grids is not None and lo > 0 and h_rest > 0 and k_got > n_over and not (h < lo and k_got == 1):
        _explain_count(report, cid, h_rest / (k_got - n_over), k_got, n_over, lo, hi)
    if h < lo and k_got == 1:
        report.add("communities", cid, f"has {h:g} households < {lo:g}: one grid under band",
                   "kept as one grid; merge with a neighbouring community to reach the band",
                   zh=(f"共 {h:g} 户 < {lo:g}：只有一个网格，低于户数区间", "保留为一个网格；可与相邻社区合并以达到户数区间"))
    elif n_grids is None and lo > 0 and h_rest > 0 and math.ceil(h_rest / hi) > math.floor(h_rest / lo):
        what = f"{h:g} households" if h_rest == h else f"the {h_rest:g} households outside its units over {hi:g}"
        what_zh = f"{h:g} 户" if h_rest == h else f"除超过 {hi:g} 户的单元外的 {h_rest:g} 户"
        if k_got == k_asked:
            did = f"drew {counted(k_got, 'grid')} of about {h / k_got:.0f} households, the least out of band"
            did_zh = f"划为 {k_got} 个网格，每格约 {h / k_got:.0f} 户，超出区间最少"
        else:  # (drawn more for units not connected: 227 households in two islands, "drew 2 grids of
            # about 114 households, the least out of band", where one grid of 227 is less out)
            did = f"{counted(k_asked, 'grid')} of about {h / k_asked:.0f} households would be the least out of " \
                  f"band; the next row says why {k_got} were drawn"
            did_zh = f"划为 {k_asked} 个网格（每格约 {h / k_asked:.0f} 户）超出区间最少；下一行说明为何划出 {k_got} 个"
        report.add("communities", cid, f"{what} cannot be cut into whole grids of {lo:g}–{hi:g}", did,
                   zh=(f"{what_zh}无法整分为每格 {lo:g}–{hi:g} 户的网格", did_zh))
    if k_got != k_asked:
        report.add("communities", cid, f"asked for {counted(k_asked, 'grid')}, drew {k_got}",
                   "units not connected to each other need a grid each, or too few units to split",
                   zh=(f"要求 {k_asked} 个网格，实际划出 {k_got} 个", "互不相连的单元各需一个网格，或单元太少无法再分"))




def explain_cornered(report, prep, node, hh, cost, lo, hi) -> None:
    """One row per pocket of units no grid in the band can hold (``_bandproof.cornered``): units that
    reach the rest of their community only through one of them, so that one grid holds them all,
    under ``lo`` together and over ``hi`` with any neighbour beyond. A pocket whose units with
    households each have a row of their own already (``explain_hemmed_in``) gets none."""
    told = hemmed_in(cost, hh, min_hh=lo, max_hh=hi)
    for nodes, gate, total, lightest in cornered(cost, hh, min_hh=lo, max_hh=hi):
        if told[nodes[hh[nodes] > 0]].all():
            continue  # (lane houses side by side beside an estate: their row says it)
        members = np.flatnonzero(np.isin(node, nodes))
        ids = [str(u) for u in prep.unit_ids[members]]
        names = ", ".join(ids[:6]) + (" ..." if len(ids) > 6 else "")
        each = ", ".join(f"{hh[v]:g}" for v in nodes[:6]) + (" ..." if len(nodes) > 6 else "")
        via = ", ".join(str(u) for u in prep.unit_ids[np.isin(node, gate)][:3])
        beyond = f"; the lightest neighbour beyond holds {lightest:g}, {total + lightest:g} in all" \
            if np.isfinite(lightest) else ""
        beyond_zh = f"；外侧最小的相邻单元有 {lightest:g} 户，合计 {total + lightest:g} 户" if np.isfinite(lightest) else ""
        report.add("units", names,
                   f"these {len(ids)} units ({each} households, {total:g} in all) reach the rest of their "
                   f"community only through {via}, so one grid holds them all: under {lo:g} with all the lighter "
                   f"units they could join, and over {hi:g} with any neighbour of more than {hi - total:g} "
                   f"households{beyond}",
                   "no grid holding them can be in the band, in any plan: widen the band, let the estate beside "
                   "them be split (gated/together/locked), move them to another community, or accept one grid out",
                   zh=(f"这 {len(ids)} 个单元（{each} 户，共 {total:g} 户）只能经由 {via} 与社区其余部分相连，"
                       f"因此必须同在一个网格：加上所有可并入的较小单元仍不足 {lo:g}，加上任何一个超过 {hi - total:g} 户"
                       f"的相邻单元又会超过 {hi:g}{beyond_zh}",
                       "任何方案中包含它们的网格都无法落在户数区间内：请放宽户数区间、允许拆分相邻的小区"
                       "（gated/together/locked）、把它们划入其他社区，或接受一个网格超出区间"), ids=ids)


def explain_crowded(report, cid, hh, k, lo, hi, *, adj=None, names=None) -> None:
    """A row when counting proves no plan of ``k`` grids puts every grid of community ``cid`` in
    the band (``_bandproof.crowded`` on its units' ``hh``, an estate one unit; units over ``hi``
    alone, which have rows of their own, set aside with their grids). Only where two or more
    units are heavy and the mean grid is in the band (else the community's own row says it).

    With ``adj`` (the nodes' graph), also where the heavy units cut the rest into groups too small
    for the other grids (``_bandproof.no_band_plan``); ``names``: a unit id for each node, to
    name the heavy ones (or a function giving them, asked only for that row)."""
    hh = np.asarray(hh, dtype=float)
    k_all, k = int(k), int(k) - int((hh > hi).sum())
    total = float(hh[hh <= hi].sum())
    if not (k > 1 and lo > 0):
        return
    proof = crowded(hh[hh <= hi], k, min_hh=lo, max_hh=hi) if adj is None else \
        no_band_plan(adj, hh, k_all, min_hh=lo, max_hh=hi)
    if proof is None or not k * lo <= total <= k * hi or (len(proof["heavy"]) < 2 and "groups" not in proof):
        return  # (a mean grid out of the band has its own row: ``explain_community``)
    heavy, t = proof["heavy"], len(proof["heavy"])
    span = f"{heavy.min():g}" if heavy.min() == heavy.max() else f"{heavy.min():g}–{heavy.max():g}"
    pair = f"any two pass {hi:g}"
    if t > k:
        report.add("communities", cid,
                   f"{t} units or estates hold {span} households each and no two fit one grid ({pair}): "
                   f"{counted(k, 'grid')} cannot hold them",
                   f"no plan of {k} grids is in the band: ask for {t} grids or more, or widen the band",
                   zh=(f"有 {t} 个单元或小区各有 {span} 户，任意两个合起来超过 {hi:g}，不能同在一个网格：{k} 个网格放不下",
                       f"{k} 个网格的任何方案都无法全部落在区间内：请要求至少 {t} 个网格，或放宽户数区间"))
        return
    if "groups" in proof:
        _say_cut_apart(report, cid, proof, k, lo, hi, names)
        return
    short = proof["need"] - (k - t) * lo
    topup = f", and {short:g} to bring the lighter of them to {lo:g}" if short > 0 else ""
    topup_zh = f"，另需 {short:g} 户把其中较小者补足 {lo:g} 户" if short > 0 else ""
    report.add("communities", cid,
               f"{t} units or estates hold {span} households each and no two fit one grid ({pair}): {t} of the "
               f"{k} grids hold one each, and the other {k - t} must be made of the remaining "
               f"{proof['light']:,g} households, short of the {proof['need']:,g} the band asks ({lo:g} each{topup})",
               f"no plan of {k} grids is in the band: ask for fewer grids, or lower the minimum",
               zh=(f"有 {t} 个单元或小区各有 {span} 户，任意两个合起来超过 {hi:g}，不能同在一个网格：{k} 个网格中 {t} 个"
                   f"各含其一，其余 {k - t} 个只能由剩下的 {proof['light']:,g} 户组成，少于区间所需的 {proof['need']:,g} 户"
                   f"（每格 {lo:g} 户{topup_zh}）",
                   f"{k} 个网格的任何方案都无法全部落在区间内：请减少网格数，或调低下限"))


def _say_cut_apart(report, cid, proof, k, lo, hi, names) -> None:
    """The row of a ``no_band_plan`` proof by groups: the heavy units cut the rest into groups
    that cannot make the other grids."""
    heavy, t, groups, fit = proof["heavy"], len(proof["heavy"]), proof["groups"], proof["fit"]
    span = f"{heavy.min():g}" if heavy.min() == heavy.max() else f"{heavy.min():g}–{heavy.max():g}"
    names = names() if callable(names) else names
    who = "" if names is None else f" ({', '.join(str(names[v]) for v in proof['nodes'][:6])})"
    sizes = [f"{x:,.0f}" for x in groups]
    fits = [str(int(f)) for f in fit]
    if t == 1:
        head = f"1 unit or estate{who} holds {span} households: 1 of the {k} grids holds it"
        head_zh = f"1 个单元或小区{who}有 {span} 户：{k} 个网格中 1 个含有它"
    else:
        head = (f"{t} units or estates{who} hold {span} households each and no two fit one grid (any two pass "
                f"{hi:g}): {t} of the {k} grids hold one each")
        head_zh = (f"有 {t} 个单元或小区{who}各有 {span} 户，任意两个合起来超过 {hi:g}，不能同在一个网格："
                   f"{k} 个网格中 {t} 个各含其一")
    in_groups = f"the {len(groups)} groups" if len(groups) > 1 else "the one group"
    other = "the other one must lie" if k - t == 1 else f"the other {k - t} must each lie"
    report.add("communities", cid,
               f"{head}, and {other} inside one of {in_groups} the rest fall into between "
               f"them, which share no edge ({_and(sizes)} households): these make at most {_and(fits)} grids of "
               f"{lo:g} or more ({int(fit.sum())} in all, not {k - t})",
               f"no plan of {k} grids is in the band: ask for fewer grids, or lower the minimum",
               zh=(f"{head_zh}，其余 {k - t} 个网格只能各自落在其余单元被它们隔开的 {len(groups)} 个互不相邻的部分之一"
                   f"（{'、'.join(sizes)} 户）：这些部分最多只能划出 {'、'.join(fits)} 个不少于 {lo:g} 户的网格"
                   f"（共 {int(fit.sum())} 个，而不是 {k - t} 个）",
                   f"{k} 个网格的任何方案都无法全部落在区间内：请减少网格数，或调低下限"))


def _and(words: list[str]) -> str:
    """``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def node_names(prep: Prepared, node: np.ndarray, nodes: np.ndarray) -> list[str]:
    """A unit id for each of ``nodes`` (its first unit: ``node`` is each unit's node)."""
    node = np.asarray(node)
    seen, first = np.unique(node, return_index=True)
    return [str(prep.unit_ids[first[np.searchsorted(seen, v)]]) for v in np.asarray(nodes).tolist()]


#: How the action of a community's row begins when it proves that no plan of its grid count puts
#: every grid in the band (:func:`explain_crowded`): its grids' rows point to it.
NO_BAND_PLAN = "no plan of "


def community_proofs(rows) -> dict:
    """For each community with a row proving no plan of its grid count is all in the band
    (:func:`explain_crowded`), what its grids out of the band say: (English, Chinese) naming that row."""
    out = {}
    for r in rows:
        if r["layer"] == "communities" and str(r["action"]).startswith(NO_BAND_PLAN):
            cid = str(r["row_id"]).strip()
            said, said_zh = str(r["action"]).split(":")[0], str(r.get("action_zh") or "").split("：")[0]
            out.setdefault(cid, (f"community {cid}'s row says why: {said}", f"社区 {cid} 的说明行给出原因：{said_zh}"))
    return out


def grid_why(told: set, proofs: dict, units_of, cid: str, gid: str) -> tuple[str, str]:
    """What the row of grid ``gid`` out of the band says of why (English, Chinese): the rows on its
    units or on itself (a redraw's), in ``told`` as (layer, id); else its community's proof row
    (:func:`community_proofs`), named; else its community's other rows; else that nothing forces it."""
    if any(("units", str(u)) in told for u in units_of) or ("grids", gid) in told:
        return "the rows on it, its units or community say why", "该网格及其单元或社区的说明行给出原因"
    if cid in proofs:
        return proofs[cid]
    if ("communities", cid) in told:
        return "the rows on it, its units or community say why", "该网格及其单元或社区的说明行给出原因"
    return ("no single unit or community forces it: move units by hand (spatial editor) or try another --seed",
            "没有哪个单元或社区单独导致此结果：可在 spatial editor 中手工调整单元，或换一个 --seed")
