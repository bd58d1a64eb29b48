"""What a redraw (:mod:`spatial.grids.redraw`) says of the grids it changes: how much of its
households each kept, the report rows on grids merged away and on grids the band's chains
changed, and what a grid held in the plan."""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core.checks import Report


def households_kept_pct(grids: pd.DataFrame, households_new: float = 0.0) -> float:
    """Share (%) of the plan's households a redraw left in their plan grid, from its grids'
    ``households_kept_pct`` and ``households`` (one decimal, rounded half up); ``households_new``:
    the households of units new since the plan (:attr:`RedrawResult.households_new`), which had no
    grid to keep. Until December 2026 they counted as households that lost their grid: a new
    estate of 480 households and no unit moved read "96.6% of households keep their grid".

    Examples
    --------
    >>> grids = pd.DataFrame({"households_kept_pct": [100.0, 50.0, 0.0], "households": [300, 400, 200]})
    >>> households_kept_pct(grids), households_kept_pct(grids, households_new=200)
    (55.6, 71.4)
    """
    from spatial.core.checks import round_half_up

    kept = float((grids["households_kept_pct"] * grids["households"]).sum())
    return float(round_half_up(kept / max(float(grids["households"].sum()) - households_new, 1e-9), 1))


def moved_and_new(moves: pd.DataFrame) -> tuple[int, int]:
    """Of a redraw's ``moves`` (``old_grid`` empty for a unit new since the plan): how many of the
    plan's units moved to another grid, and how many new units were given one.

    Examples
    --------
    >>> moved_and_new(pd.DataFrame({"old_grid": ["A", None, "B"], "new_grid": ["B", "C", "C"]}))
    (2, 1)
    """
    new = int(moves["old_grid"].isna().sum())
    return len(moves) - new, new


def _overlap(grids, old, new, hh) -> gpd.GeoDataFrame:
    """Add the cores kept, per grid: ``households_kept_pct`` (share of its households already in
    it under the plan, the redistricting field's "population overlap"), ``units_moved_in`` (from
    other grids, and units new since the plan) and ``units_moved_out``."""
    df = pd.DataFrame({"old": old, "new": new, "hh": hh})
    df = df[df["new"].notna()]
    stay = df["old"] == df["new"]
    total = df.groupby("new")["hh"].sum()
    kept = df[stay].groupby("new")["hh"].sum().reindex(total.index, fill_value=0)
    moved_in = (~stay).groupby(df["new"]).sum()
    out = df[~stay & df["old"].notna()].groupby("old").size()
    grids = grids.copy()
    gid = grids["grid_id"]
    pct = (100 * kept / total.where(total > 0)).reindex(gid)
    all_in = (moved_in.reindex(gid).fillna(0) == 0).to_numpy()
    grids["households_kept_pct"] = np.where(pct.isna() & all_in, 100.0, pct.to_numpy())
    grids["units_moved_in"] = moved_in.reindex(gid).fillna(0).astype(np.int64).to_numpy()
    grids["units_moved_out"] = out.reindex(gid).fillna(0).astype(np.int64).to_numpy()
    return grids


def _chain_grids(names: list, before: np.ndarray, after: np.ndarray, hh: np.ndarray, lo: float,
                 hi: float, held: PlanHeld | None = None) -> list:
    """``[(out, touched)]``: the grids out of the band (``(name, households, en, zh)``, ``en`` and
    ``zh`` what it held in the plan when that differs, from :func:`_since_plan` on ``held``, the
    units' grids in the plan) that set the band's chains off, and the names of the grids the
    chains changed; empty when they changed nothing."""
    moved = before != after
    if not moved.any():
        return []
    touched = sorted(set(before[moved].tolist()) | set(after[moved].tolist()))
    ph = np.bincount(before, weights=hh, minlength=len(names))
    out = [(names[g], float(ph[g]), *(_since_plan(g, ph[g], held, before) if held is not None else ("", "")))
           for g in touched if not lo <= ph[g] <= hi]
    return [(out, {names[g] for g in touched})] if out else []


def _say_chains(report: Report, chains: list, changed: set, lo: float, hi: float) -> None:
    """A report row on the grids the band's chains changed that still differ from the plan
    (``changed``; all named, so each grid's popup says why it changed), naming the grids out of
    the band that set them off."""
    for out, touched in chains:
        names = sorted(touched & changed)
        if not names:
            continue
        # "A (570; 420 in the plan; 150 more ...)": the plan's sheet shows A in the band
        en = ", ".join(f"{n} ({h:g}{'; ' + e[2:-1] if e else ''})" for n, h, e, _ in out)
        zh = "、".join(f"{n}（{h:g} 户{'；' + z[1:-1] if z else ''}）" for n, h, _, z in out)
        report.add("grids", "、".join(names), f"out of the band {lo:g}–{hi:g}: {en}",
                   "units passed along chains of neighbouring grids to bring them in (the moves list each)",
                   zh=(f"户数不在 {lo:g}–{hi:g} 区间内：{zh}", "沿相邻网格依次调整单元，使其回到区间内（各单元见网格调整清单）"))


def _rule_far(names: list, lab: np.ndarray, hh: np.ndarray, pct: float) -> tuple[list, float]:
    """The grids further than ``pct`` from their community's mean grid under ``lab`` (before the
    rule's chains), ``[(name, households)]`` furthest first, and that mean."""
    ph = np.bincount(lab, weights=hh, minlength=int(lab.max()) + 1)
    mean = float(ph.sum() / len(ph))
    off = np.abs(ph - mean)
    return [(names[g], float(ph[g])) for g in np.argsort(-off, kind="stable")
            if off[g] > mean * pct / 100 + 1e-9], mean


def _say_rule(report: Report, far: list, mean: float, touched: set, pct: float) -> None:
    """A report row on the grids the rule's chains changed that still differ from the plan
    (``touched``; all named, so each grid's popup says why it changed), naming the grids further
    than ``pct`` from the community's ``mean`` grid that set them off (``far``)."""
    names = sorted(n for n in touched if n is not None)
    if not names:
        return
    en = ", ".join(f"{n} ({h:g})" for n, h in far)
    zh = "、".join(f"{n}（{h:g} 户）" for n, h in far)
    report.add("grids", "、".join(names),
               f"further than {pct:g}% from the community's mean grid of {mean:.0f} households" + (f": {en}" if far else ""),
               f"units passed along chains of neighbouring grids to bring them within {pct:g}% of it (the moves list each)",
               zh=(f"与社区网格平均户数 {mean:.0f} 户相差超过 {pct:g}%" + (f"：{zh}" if far else ""),
                   f"沿相邻网格依次调整单元，使其与平均户数相差不超过 {pct:g}%（各单元见网格调整清单）"))


def _neighbours(sub, lab: np.ndarray, a: int) -> set:
    """The grids sharing an edge with grid ``a``."""
    nb = set()
    for u in np.flatnonzero(lab == a):
        nb.update(lab[sub.indices[sub.indptr[u]:sub.indptr[u + 1]]].tolist())
    nb.discard(a)
    return nb


def _merge(a: int, b: int, lab: np.ndarray, ph: np.ndarray, names: list, held: PlanHeld, lo: float,
           report: Report) -> None:
    """Merge under-band grid ``a`` into grid ``b`` (``lab`` and ``ph`` in place), with its report row
    (``held``: the units' grids in the plan, for what ``a`` held there)."""
    en, zh = _since_plan(a, ph[a], held, lab)
    report.add("grids", names[a], f"held {ph[a]:g} households < {lo:g}{en}", f"merged into {names[b]}",
               zh=(f"调整中有 {ph[a]:g} 户 < {lo:g}{zh}", f"已并入 {names[b]}"))
    lab[lab == a] = b
    ph[b] += ph[a]
    ph[a] = 0


@dataclass(frozen=True)
class PlanHeld:
    """The units of a community as a redraw's report rows count them: each unit's grid in the plan
    (``plan``: its position in the community's grid names, -1 for none), its node (``node``: a
    gated estate's units share one) and its households (``hh``). What a grid held in the plan is
    counted unit by unit: a gated estate the plan split counts in each grid for the units the plan
    put there, not whole in the grid it joins."""

    plan: np.ndarray
    node: np.ndarray
    hh: np.ndarray

    @classmethod
    def of_nodes(cls, planned: np.ndarray, hh: np.ndarray) -> "PlanHeld":
        """Each node one unit (``planned``: each node's grid in the plan)."""
        return cls(np.asarray(planned), np.arange(len(planned)), np.asarray(hh, dtype=float))

    def planned_in(self, t: int, n_nodes: int) -> np.ndarray:
        """Each node's households the plan put in grid ``t`` (of ``n_nodes`` nodes).

        Examples
        --------
        >>> PlanHeld(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 2]), np.array([100, 150, 120, 80])).planned_in(0, 3)
        array([100., 150.,   0.])
        """
        mine = self.plan == t
        return np.bincount(self.node[mine], weights=self.hh[mine], minlength=n_nodes).astype(float)

    def since(self, t: int, now: float, lab: np.ndarray) -> tuple[str, str]:
        """What grid ``t`` held in the plan, when the ``now`` a report row gives (its households
        under the nodes' labels ``lab``) differs from it: the households passed on to neighbouring
        grids and those come from them (or new since), in English and Chinese; empty strings
        otherwise, and "a grid this redraw made" for a grid no unit was in.

        Examples
        --------
        >>> held = PlanHeld(np.array([0, 0, 1, 1, -1]), np.array([0, 1, 1, 2, 3]), np.array([100, 150, 120, 80, 50]))
        >>> held.since(0, 370, np.array([0, 0, 1, 1]))[0]  # the estate of nodes 1 (a1, b1) joins grid 0
        ' (250 in the plan; 120 more passed on from neighbouring grids or new since)'
        >>> held.since(1, 130, np.array([0, 0, 1, 1]))[0]  # b1 left with its estate; the new unit came
        ' (200 in the plan; 120 passed on to neighbouring grids, 50 more from neighbouring grids or new since)'
        >>> held.since(2, 80, np.array([0, 0, 2, 2]))
        (' (a grid this redraw made)', '（本次调整新分出的网格）')
        """
        mine = self.plan == t
        if not mine.any():
            return " (a grid this redraw made)", "（本次调整新分出的网格）"
        here = np.asarray(lab)[self.node] == t
        was = float(self.hh[mine].sum())
        came, left = float(self.hh[here & ~mine].sum()), float(self.hh[mine & ~here].sum())
        if abs(was - now) < 1e-9 and not came and not left:
            return "", ""
        if came and left:
            return (f" ({was:g} in the plan; {left:g} passed on to neighbouring grids, {came:g} more from "
                    "neighbouring grids or new since)",
                    f"（原方案 {was:g} 户；其中 {left:g} 户已传给相邻网格，另有 {came:g} 户由相邻网格传入或为新增单元）")
        if now > was:
            return (f" ({was:g} in the plan; {now - was:g} more passed on from neighbouring grids or new since)",
                    f"（原方案 {was:g} 户；另有 {now - was:g} 户由相邻网格传入或为新增单元）")
        return (f" ({was:g} in the plan; {was - now:g} passed on to neighbouring grids)",
                f"（原方案 {was:g} 户；其中 {was - now:g} 户已传给相邻网格）")


def _since_plan(t: int, now: float, held: PlanHeld, lab: np.ndarray) -> tuple[str, str]:
    """:meth:`PlanHeld.since`: what grid ``t`` held in the plan, when that differs from ``now``."""
    return held.since(t, now, lab)


def _why(old_grid, new_grid, stray, old, new, evened_pct=None, crossed=None, estate=None, split_from=None,
         walked=None) -> str:
    """Why a unit moved, for the ``moves`` table (``evened_pct``: it moved last to bring grids
    within that share of the mean; ``crossed``: the community its plan grid lies mostly in, when
    that is not its own; ``estate``: its gated estate, which the plan split and the redraw keeps
    whole where most of its households are; ``split_from``: the plan's grid the new grid was split off;
    ``walked``: ``(grid, households)``, the grid out of the band the last walk moved it to bring in,
    :func:`spatial.grids._walkin.walk_causes`). Until December 2026 a unit the walk moved read
    "passed along a chain of neighbouring grids", though no chain passed it."""
    if old_grid is None:
        return "not in the plan"
    if new_grid is None:
        return "outside every community"
    if crossed is not None:
        return f"its grid {old_grid} lies mostly in community {crossed}"
    if estate is not None:
        return f"its gated estate {estate} is kept whole"
    if stray:
        return "cut off from the rest of its grid"
    if evened_pct is not None and new_grid in old:
        return f"passed along a chain of neighbouring grids to bring grids within {evened_pct:g}% of the mean"
    if new_grid not in old:
        return f"grid {old_grid if old_grid in (split_from, str(new_grid)[:len(str(old_grid))]) else 'nearby'} split"
    if old_grid not in new:
        return f"grid {old_grid} merged"
    if walked is not None:
        return f"moved to bring grid {walked[0]} from {walked[1]:g} households into the band"
    return "passed along a chain of neighbouring grids"


class Splits:
    """The grids a redraw's band step (``redraw._fix_band``) splits, said as one report row per
    grid of the plan: what it held and the new grids it ended with. A new grid split again, or
    handed back to the grids round it (``_chains.drop_added``), is no grid of the redrawn plan:
    it has no row of its own, its root's row names the new grids that remain, and those take the
    community's numbers in turn (C03-04 split into C03-08, C03-08 split into C03-09 and handed
    back: C03-04's row says "new grid C03-08", the grid C03-09 was; until December 2026 the report
    said "new grid C03-08" of a grid handed back, and C03's numbers skipped 08).

    Grids are positions in the community's grid names; those from ``n_plan`` on are the redraw's.
    """

    def __init__(self, n_plan: int):
        self.n_plan = n_plan
        self.origin: dict[int, int] = {}  # a new grid -> the grid of the plan it was split off
        self.rows: dict[int, list] = {}  # a grid of the plan -> its row (split)

    def split(self, t: int, new: list, problem: tuple, newcomers: bool = False) -> None:
        """Grid ``t`` split: ``new`` its new grids; ``problem`` ``(households, over_grid or None,
        its households, en, zh)``, said of ``t``'s root when it is the first split there."""
        root = self.origin.get(t, t)
        for g in new:
            self.origin[g] = root
        # [problem, its new units split off first, new grids, the grid they formed while it remains]
        self.rows.setdefault(root, [problem, newcomers, [], new[0] if newcomers else None])[2].extend(new)

    def drop(self, dropped: list, lab: np.ndarray, names: list) -> tuple[np.ndarray, list]:
        """Labels and names without the grids ``dropped`` (handed back: they hold nothing)."""
        gone = set(dropped)
        keep = [g for g in range(len(names)) if g not in gone]
        at = {g: i for i, g in enumerate(keep)}
        for row in self.rows.values():
            if row[0][1] is not None:  # the over-band grid it was split for: itself, or its root
                row[0] = (row[0][0], at.get(row[0][1], at.get(self.origin.get(row[0][1]))), *row[0][2:])
            row[2] = [at[g] for g in row[2] if g in at]
            row[3] = at.get(row[3])
        self.origin = {at[g]: at[r] for g, r in self.origin.items() if g in at}
        remap = np.array([at.get(g, -1) for g in range(len(names))], dtype=np.int64)
        return remap[lab], [names[g] for g in keep]

    def rename(self, names: list, fresh) -> list:
        """The new grids named again in turn, each by ``fresh(root name, names so far, part)``:
        numbers handed back are given to the grids that remain."""
        names = list(names)
        now = names[:self.n_plan]
        parts: dict[int, int] = {}
        for g in sorted(self.origin):
            root = self.origin[g]
            names[g] = fresh(names[root], now, parts.get(root, 0))
            parts[root] = parts.get(root, 0) + 1
            now.append(names[g])
        return names

    def say(self, report: Report, names: list, hi: float) -> None:
        """One row per grid of the plan split: what it held, and the new grids it ended with."""
        for root, ((h, over, h_over, en, zh), newcomers, new, theirs) in self.rows.items():
            near = over is not None and over != root
            report.add("grids", names[root], f"held {h:g} households" + (
                f", near over-band grid {names[over]} ({h_over:g})" if near else f" > {hi:g}") + (
                ", with units new to it" if newcomers else "") + en, _split_action(theirs is not None,
                                                                                  [names[g] for g in new]),
                zh=((f"原有 {h:g} 户" if newcomers else f"调整中有 {h:g} 户") + (
                    f"，邻近超出区间的网格 {names[over]}（{h_over:g} 户）" if near else f" > {hi:g}")
                    + ("，含新划入的单元" if newcomers else "") + zh, _split_action(theirs is not None,
                                                                             [names[g] for g in new], "zh")))

    def roots(self, names: list) -> dict:
        """Each new grid's name -> the name of the grid of the plan it was split off."""
        return {names[g]: names[r] for g, r in self.origin.items()}


def _split_action(newcomers: bool, new: list, lang: str = "en") -> str:
    """What became of a grid split: its new grids (its new units' first, when they were split off)."""
    if not new:
        return ("its new grid handed back to the grids round it; units passed on to them instead (the moves list each)"
                if lang == "en" else "拆分出的网格已并回周边网格，改为把单元调整到周边网格（各单元见网格调整清单）")
    if lang == "zh":
        return ("已拆分；新划入的单元组成新网格 " + new[0] + ("，再拆分出新网格 " + "、".join(new[1:]) if new[1:] else "")
                if newcomers else "已拆分；新网格 " + "、".join(new))
    if newcomers:
        return f"split; its new units form new grid {new[0]}" + (f", then new grid {', '.join(new[1:])}" if new[1:] else "")
    return f"split; new grid{'s' if len(new) > 1 else ''} {', '.join(new)}"


def say_new_codes(report: Report, old_codes: dict, grids: pd.DataFrame) -> None:
    """A report row on each grid of the redrawn ``grids`` that keeps its id but not the code the
    plan gave it (``old_codes``, :func:`spatial.grids.plan.plan_codes`): the grids of two communities merged into one
    are numbered under the new community's code (and the second ``-01`` can no longer keep its
    number), and an office whose records (台账) are keyed by grid code must carry them over."""
    if not old_codes or "grid_code" not in grids.columns:
        return
    for gid, code, cid in zip(grids["grid_id"], grids["grid_code"], grids["community_id"]):
        old = old_codes.get(str(gid))
        if old is None or code is None or (not isinstance(code, str) and pd.isna(code)) or str(code) == old:
            continue
        report.add("grids", gid, f"grid code changed: {old} in the plan, {code} now (community {cid})",
                   f"records keyed by grid code (台账) move from {old} to {code}",
                   zh=(f"网格编码已变更：原方案为 {old}，现为 {code}（社区 {cid}）",
                       f"以网格编码登记的台账请由 {old} 改为 {code}"))


def say_codes_unknown(report: Report, grids: pd.DataFrame, community_ids) -> None:
    """Where the plan carries no grid codes (a table of ``unit_id, grid_id`` as the editor exports
    it, with no results file beside it to read them from), a report row on each redrawn grid of a
    community that holds grids named after two or more communities (``C1-01`` and ``C2-01`` in
    ``C3``, or in ``C2``) and named after one that is none of ``community_ids`` (``C1``): that
    community was merged, the grid is numbered under its new community's code, and the code it had
    cannot be named. The row says so, and what to pass for the old codes to be named
    (:func:`say_new_codes`). Grids named otherwise (``G-1`` ..., one name in a community) or after
    their own community say nothing: nothing shows a merge."""
    if "grid_code" not in grids.columns or "community_id" not in grids.columns or not len(grids):
        return
    known = {str(c).strip() for c in community_ids}
    was = [m.group(1).strip() if (m := re.fullmatch(r"(.+)-\d+", str(g).strip())) else None for g in grids["grid_id"]]
    gone = [w if w is not None and w not in known else None for w in was]
    names = pd.Series(was, index=grids.index, dtype=object)  # (the community each grid's name says)
    merged = names.groupby(grids["community_id"].astype(str).to_numpy()).nunique()
    for old, gid, code, cid in zip(gone, grids["grid_id"], grids["grid_code"], grids["community_id"]):
        if old is None or merged.get(str(cid), 0) < 2 or code is None or (not isinstance(code, str) and pd.isna(code)):
            continue
        report.add("grids", gid, f"grid code may have changed: {gid} was drawn in community {old}, which is no longer "
                   f"among the communities (merged into {cid}); it is coded {code} now, and the plan "
                   "carries no grid codes (a table of unit_id, grid_id, as the editor exports it), so its old code "
                   "is not known",
                   "check records keyed by grid code (台账) against the code now; for each old code to be named, give "
                   "the plan with its codes: the results file it came from (its units layer, e.g. results.gpkg:units, "
                   "as --existing or as UNITS), or a table with a grid_code column",
                   zh=(f"网格编码可能已变更：{gid} 原属社区 {old}，该社区已不在社区图层中（已并入 {cid}）；"
                       f"现编码为 {code}，原方案只有单元编号和网格编号（如网格在线调整导出的表），没有网格编码，无法得知原编码",
                       "请按现编码核对以网格编码登记的台账；如需列出每个网格的原编码，请提供带编码的原方案：其所来自的成果文件"
                       "（单元图层，如 results.gpkg:units，作为 --existing 或 UNITS），或含 grid_code 列的表"))
