"""Redraw an existing grid plan (网格调整): move as few units as possible until every grid is in band.

Per community, on the rook graph of units: (1) stray pieces of a plan grid go to the lightest
neighbouring grid; (2) an over-band grid pushes its overflow along the shortest chain of
neighbouring grids (breadth-first in the grid adjacency graph) to the nearest grid with room, each
grid on the chain handing boundary units to the next; an under-band grid pulls along a chain from
the nearest grid with households to spare; a chain is kept only when the total band violation falls
(with the band alone, of the chains that help as much, the one leaving its grids roundest, where
that too brings every grid into the band); (3) a grid still over band is split in two (when both
halves can reach the minimum), one still under band merged into its lightest neighbour (when that
stays under the maximum); a grid still out of it after that: single boundary units walked into the band
(:mod:`spatial.grids._walkin`, the heaviest grid split in two where needed), kept only when every grid
ends in it. With ``max_deviation_pct``, (4) chains as in (2) then bring each grid
within that share of its community's mean grid (the band narrowed to it), never taking a grid out of
the band and never splitting or merging; a grid they cannot bring nearer is reported with its
largest units. (5) The borders the passes moved are tidied on the drawing's terms (off-street
border, spread, Polsby-Popper; a move back to the plan is free, only grids the redraw changed). (6)
Units moved go back to their planned grid where every grid stays as much in band (and rule) and in
one piece, for at most one typical edge more of border; then, with the band alone, groups of them that
go back only together. Locked units never move; every moved unit is listed in ``moves``.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core._gc import without_gc_pauses
from spatial.core.checks import Report, check_band, label_text
from spatial.grids._chains import (band_violation, drop_added, even_out, nearest_splittable, place_unplanned,
                                   put_back, rebalance)
from spatial.grids._engine import partition, repair_contiguity
from spatial.grids._explain import explain_band_fit, explain_far
from spatial.grids._inputs import _labels_from, check_named_columns, gated_labels
from spatial.grids._names import new_community_grid, new_grid_name
from spatial.grids._objective import check_max_deviation
from spatial.grids._plan_inputs import _community_keys, _locked_mask, _plan_labels
from spatial.grids._recut import recut_whole
from spatial.grids._walkin import send_back_groups, walk_causes, walk_in
from spatial.grids._units import report_split_estate, split_estates
from spatial.grids._redraw_rows import (_chain_grids, _merge, _neighbours, _overlap, _rule_far, _say_chains,
                                        _say_rule, _since_plan, _why, households_kept_pct, moved_and_new, PlanHeld,
                                        Splits, say_codes_unknown, say_new_codes)
from spatial.grids._prep import prepare_checked
from spatial.grids._tidy import _share_lumps, _tidy
from spatial.grids.codes import check_layout
from spatial.grids.partition import contract, finish, node_arrays, node_shapes
from spatial.grids.plan import old_sequence, plan_codes

logger = logging.getLogger(__name__)

__all__ = ["RedrawResult", "households_kept_pct", "moved_and_new", "redraw_grids"]


@dataclass(frozen=True)
class RedrawResult:
    """Result of :func:`redraw_grids`: as :class:`spatial.grids.partition.GridResult`, plus ``moves``.

    ``moves`` has one row per unit whose grid changed: ``unit_id, old_grid, new_grid, reason``;
    ``grids`` also says per grid how much of its core it kept: ``households_kept_pct`` (share of
    its households that were already in it, the "population overlap"), ``units_moved_in`` (from
    other grids, and units new since the plan) and ``units_moved_out``. ``households_new``: the
    households of units new since the plan (in a grid), which :func:`households_kept_pct` leaves out.
    """

    grids: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    report: pd.DataFrame
    moves: pd.DataFrame
    households_new: float = 0.0


@without_gc_pauses
def redraw_grids(
    units: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    plan=None,
    *,
    households_col: str = "households",
    population_col: str = "population",
    buildings_col: str = "buildings",
    unit_id_col: str = "unit_id",
    community_id_col: str = "community_id",
    grid_id_col: str = "grid_id",
    gated_col: str = "gated",
    min_households: float = 300,
    max_households: float = 500,
    locked=None,
    together=None,
    roads: gpd.GeoDataFrame | None = None,
    code_layout: str | None = "cjt349",
    object_type: str = "000000",
    road_buffer_m: float = 5.0,
    blocks=None,
    seed: int = 0,
    street_gap_m: float = 30.0,
    max_deviation_pct: float | None = None,
    check_overlaps: bool = True,
    retired=(),
) -> RedrawResult:
    """Bring an existing plan into the household band while moving as few units as possible.

    Parameters
    ----------
    units, communities : GeoDataFrame
        As for :func:`spatial.grids.partition.partition_grids`, with today's households.
    plan : DataFrame, GeoDataFrame, mapping or Series, optional
        The existing plan: a table with ``unit_id_col`` and ``grid_id_col`` (and optionally a
        boolean ``locked``; and ``grid_seq`` or ``grid_code``, as a grids layer joined to its units
        has them: a grid that keeps its id keeps its number and so its code, whatever its name),
        or ``unit_id -> grid_id``, or a Series on the units' own index (``read_plan(path, units)``,
        ``units["old_grid"]``: a grid per row), or the old grids' outlines (polygons without unit ids, read as
        :func:`~spatial.grids.plan.plan_from_polygons` reads them, each outside or cut unit a
        report row); default: ``units[grid_id_col]``. It may be
        older than the units: ids no longer among them are left out (a report row each), units it
        does not list are placed by the redraw (``moves`` reason "not in the plan"); a plan matching
        none of the units is refused.
    locked : str or iterable, optional
        Column of ``units`` (bool) or unit ids that must not move; or True/False per unit (a mask
        on the units' rows, ``units["households"] > 800``, or flags keyed by unit id); default:
        the plan's ``locked``.
        Ids no longer among the units (removed since) are ignored, each with a report row; ids
        none of which is among the units are refused.
    min_households, max_households : float
        The band.
    roads, blocks, street_gap_m
        Streets, as for :func:`spatial.grids.partition.partition_grids` (block outlines without roads).
    max_deviation_pct : float, optional
        Also bring each grid within this share (1-100%) of its community's mean grid, by chains of
        neighbouring grids handing on boundary units, as few as they can (no grid leaves the band;
        no grid is split or merged for it). A grid still further off is listed in the report with
        its largest units. Default: only the band.
    check_overlaps : bool
        Report overlapping unit polygons, as :func:`spatial.grids.partition.partition_grids` does
        (``False`` where the units were validated already).
    retired : iterable of str, optional
        Grid names the plan had before and has no longer (merged away since: the names
        :func:`spatial.grids.plan.names_beside` reads beside a results file): no new grid takes
        one, nor a number below the largest of them in its pattern (C1-04 merged into C1-03 in
        the editor: a grid split off later is C1-05, not C1-04 again).

    Returns
    -------
    RedrawResult
        Grids, units with the new ``grid_id`` (and ``locked``, bool, when locks were given: ``locked``,
        the plan's ``locked`` or the units' ``locked``), report and ``moves`` (unit_id, old_grid,
        new_grid, reason).

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> units = spatial.partition_grids(demo["units"], demo["communities"]).units
    >>> units["households"] = units["households"] * 6 // 5  # a year later: 20% more households
    >>> redrawn = spatial.redraw_grids(units, demo["communities"])
    >>> redrawn.grids["band_status"].unique().tolist(), len(redrawn.moves) > 0
    (['in'], True)
    """
    check_band(min_households, max_households)
    check_layout(code_layout, object_type)
    check_named_columns(units, population_col=(population_col, "population"),
                        buildings_col=(buildings_col, "buildings"), gated_col=(gated_col, "gated"))
    if max_deviation_pct is not None:
        max_deviation_pct = check_max_deviation(max_deviation_pct)
    report = Report()
    # (with check_overlaps, the rows validate_inputs gives: spatial grids validates first, and passes False)
    prep = prepare_checked(units, communities, report, check_overlaps=check_overlaps, households_col=households_col,
                           population_col=population_col, buildings_col=buildings_col, unit_id_col=unit_id_col,
                           community_id_col=community_id_col, roads=roads, road_buffer_m=road_buffer_m, blocks=blocks,
                           street_gap_m=street_gap_m)
    if isinstance(plan, pd.DataFrame) and unit_id_col not in plan.columns and unit_id_col in plan.index.names:
        plan = plan.reset_index(unit_id_col)  # a plan indexed by its unit ids: plan.set_index("unit_id")
    old = _plan_labels(units, plan, prep.unit_ids, unit_id_col, grid_id_col, report)
    lock_u = _locked_mask(locked, units, plan, prep.unit_ids, unit_id_col, report)
    gated = gated_labels(units, gated_col, prep.unit_ids, report)
    node = contract(prep, [("same place", prep.same_place),
                           ("together", _labels_from(together, units, prep.unit_ids, "together", report)),
                           ("gated", gated)], report)
    hh, xy, comm, cost = node_arrays(prep, node)
    shapes = node_shapes(prep, node)
    m = len(hh)
    # plan grid of each node: the one holding most of its households (ties: first); keys per community
    key, crossed = _community_keys(old, prep, report, min_households)
    node_key = np.full(m, None, dtype=object)
    df = pd.DataFrame({"node": node, "key": key, "hh": prep.hh}).query("node >= 0")
    has = df[df["key"].notna()]
    if len(has):
        best = has.groupby(["node", "key"], sort=False)["hh"].sum().reset_index()
        best = best.sort_values(["node", "hh"], ascending=[True, False]).drop_duplicates("node")
        node_key[best["node"].to_numpy()] = best["key"].to_numpy()
    # gated estates the plan splits (read from old outlines or a table): kept whole, in the grid
    # holding most of their households; the units that join it move for that, and say so
    split = split_estates(gated, old, prep.unit_ids, node) if gated is not None else []  # (each piece kept whole apart)
    joined: dict = {}  # unit position -> its estate, for a unit moved to keep the estate whole
    if split:
        at = {label_text(u): i for i, u in enumerate(prep.unit_ids)}
        for est, parts in split:
            for i in (at[u] for us in parts.values() for u in us):
                if node[i] >= 0 and key[i] != node_key[node[i]]:
                    joined[i] = est
    fixed_node = np.zeros(m, dtype=bool)
    np.logical_or.at(fixed_node, node[node >= 0], lock_u[node >= 0])
    new_key = node_key.copy()
    stray_nodes: set = set()
    evened_nodes: set = set()
    walked: dict = {}  # a node the last walk moved -> (the grid out of the band it moved for, its households)
    split_from: dict = {}  # a grid the redraw split off -> the plan's grid it came from
    # every grid name of the plan, and those it had before: no new grid repeats one
    taken = {k for k in node_key if k is not None} | {str(n).strip() for n in retired if n is not None}
    for c, cid in enumerate(prep.comm_ids):
        nodes = np.flatnonzero(comm == c)
        if len(nodes) == 0:
            continue
        sub = cost[nodes][:, nodes].tocsr()
        keys = node_key[nodes]
        # a plan grid id used in several communities becomes one grid per community
        names = sorted({k for k in keys if k is not None})
        if not names:
            names = [f"{cid}-01"]
            keys = np.array(names * len(nodes), dtype=object)
            report.add("communities", cid, "no unit has a grid in the plan", "drawn as one new grid",
                       zh=("原方案中没有单元划入网格", "划为一个新网格"))
        idx = {k: i for i, k in enumerate(names)}
        lab = np.array([idx.get(k, -1) for k in keys], dtype=np.int64)
        planned = lab.copy()  # each node's grid in the plan (-1: none, a unit new since)
        planned0 = planned.copy()
        lab = _place_unplanned(sub, lab, names, cid, taken)
        placed = lab.copy()
        lab = repair_contiguity(sub, lab, hh[nodes], fixed=fixed_node[nodes])
        stray_nodes.update(nodes[lab != placed].tolist())
        planned_names, chains = list(names), []
        # what each grid held in the plan, unit by unit (an estate the plan split counts in both grids)
        here = np.flatnonzero((node >= 0) & (comm[np.maximum(node, 0)] == c))
        held = PlanHeld(np.array([idx.get(k, -1) for k in key[here]], dtype=np.int64),
                        np.searchsorted(nodes, node[here]), prep.hh[here].astype(float))
        lab, names = _fix_band(sub, hh[nodes], xy[nodes], lab, names, fixed_node[nodes], min_households,
                               max_households, seed, report, planned=planned, chains=chains, held=held,
                               taken=taken, origins=split_from, moved_by=(walk_of := {}),
                               shapes=shapes.take(nodes) if max_deviation_pct is None else None)
        taken.update(names)
        walked.update({int(nodes[v]): why for v, why in walk_of.items()})
        # the plan's grids by their numbers now: a grid merged away renumbers those after it
        now = {n: i for i, n in enumerate(names)}
        planned = np.array([now.get(planned_names[p], -1) if p >= 0 else -1 for p in planned], dtype=np.int64)
        if max_deviation_pct is not None:
            evened = even_out(sub, hh[nodes], lab, fixed_node[nodes], min_households, max_households,
                               max_deviation_pct)
            evened = _share_lumps(sub, hh[nodes], evened, fixed_node[nodes], min_households, max_households,
                                  max_deviation_pct)
            evened = _tidy(sub, hh[nodes], xy[nodes], evened, lab, fixed_node[nodes], min_households, max_households,
                           max_deviation_pct)
            evened_nodes.update(nodes[evened != lab].tolist())
            far = _rule_far(names, lab, hh[nodes], max_deviation_pct) if (evened != lab).any() else None
            lab = evened
        # the borders every pass above moved, tidied with the drawing's terms (off-street border, spread,
        # Polsby-Popper): a move back to the plan's grid is free, any other costs a unit moved
        lab = _tidy(sub, hh[nodes], xy[nodes], lab, planned, fixed_node[nodes], min_households, max_households,
                    max_deviation_pct, shapes=shapes.take(nodes))
        lab = put_back(sub, hh[nodes], lab, planned, fixed_node[nodes], lo=min_households, hi=max_households,
                       pct=max_deviation_pct)
        if max_deviation_pct is None:  # moves that go back only together (sideways: both grids in band)
            lab = send_back_groups(sub, hh[nodes], lab, planned, min_households, max_households)
        new_key[nodes] = np.asarray(names, dtype=object)[lab]
        was = np.asarray(planned_names + [None], dtype=object)[np.where(planned0 >= 0, planned0, len(planned_names))]
        diff = was != new_key[nodes]
        _say_chains(report, chains, set(was[diff].tolist()) | set(new_key[nodes][diff].tolist()), min_households,
                    max_households)
        if max_deviation_pct is not None and far is not None:  # the grids the rule's chains changed, said
            ruled = diff & np.isin(nodes, list(evened_nodes))
            _say_rule(report, *far, set(was[ruled].tolist()) | set(new_key[nodes][ruled].tolist()), max_deviation_pct)
    grid_ids = np.where(node >= 0, new_key[np.maximum(node, 0)], None)
    # a grid keeping its id keeps its code: the old plan's numbers (grid_seq or grid_code) go first
    old_seq = old_sequence(units if plan is None else plan if isinstance(plan, pd.DataFrame) else pd.DataFrame(),
                           grid_id_col)
    explain_band_fit(report, prep.hh, households_col, max_households)  # most units over it: said first, as drawn
    out_units, grids = finish(prep, grid_ids, report, min_households=min_households, max_households=max_households,
                              code_layout=code_layout, communities=communities, community_id_col=community_id_col,
                              road_buffer_m=road_buffer_m, kept_seq=old_seq, object_type=object_type)
    if locked is not None or "locked" in units.columns or (isinstance(plan, pd.DataFrame) and "locked" in plan.columns):
        if "locked" in out_units.columns:  # the locks given, for the editor and the next redraw
            out_units["locked"] = lock_u
        else:  # (before grid_id when it is the last column: it stays last)
            out_units.insert(len(out_units.columns) - (out_units.columns[-1] == "grid_id"), "locked", lock_u)
    if max_deviation_pct is not None:
        explain_far(report, grids, prep, grid_ids, max_deviation_pct, node, hh, cost,
                    band=(min_households, max_households))
    for est, parts in split:
        held = sorted({str(grid_ids[at[u]]) for us in parts.values() for u in us if grid_ids[at[u]] is not None})
        report_split_estate(report, "units", est, parts, f"kept whole: in grid {', '.join(held)}",
                            f"保持完整：划入网格 {'、'.join(held)}")
    changed = np.array([a != b for a, b in zip(old, grid_ids)])
    old_set, new_set = set(old.tolist()), set(grid_ids.tolist())
    moves = pd.DataFrame({
        "unit_id": prep.unit_ids[changed],
        "old_grid": old[changed],
        "new_grid": grid_ids[changed],
        "reason": [_why(old[i], grid_ids[i], node[i] in stray_nodes, old_set, new_set,
                        max_deviation_pct if node[i] in evened_nodes else None, crossed.get(i), joined.get(i),
                        split_from.get(grid_ids[i]), walked.get(node[i]))
                   for i in np.flatnonzero(changed)],
    })
    grids = _overlap(grids, old, grid_ids, prep.hh)
    # a grid keeping its id under another code (communities merged): the office's records need the row
    old_codes = plan_codes(units if plan is None else plan if isinstance(plan, pd.DataFrame) else pd.DataFrame(),
                           grid_id_col)
    say_new_codes(report, old_codes, grids)
    if not old_codes:  # (a plan with no codes: a grid whose community is gone is said, its old code unknown)
        say_codes_unknown(report, grids, prep.comm_ids)
    bad = lock_u & changed
    if bad.any():  # cannot happen unless a locked unit lies outside every community
        for i in np.flatnonzero(bad):
            report.add("units", prep.unit_ids[i], "locked but could not keep its grid", "its rows in this report say why",
                       zh=("已锁定，但未能保留原网格", "本报告中该单元的其他行给出原因"))
    logger.info("redraw moved %d of %d units", int(changed.sum()), len(changed))
    new_units = np.array([o is None and g is not None for o, g in zip(old, grid_ids)], dtype=bool)
    return RedrawResult(grids, out_units, report.to_frame(zh_columns=True), moves, float(prep.hh[new_units].sum()))


#: The reasons of :func:`_why` in Chinese, for tables an official reads (the workbook).
_REASONS_ZH = (
    (re.compile(r"^not in the plan$"), "原方案中未划入网格"),
    (re.compile(r"^outside every community$"), "不在任何社区范围内"),
    (re.compile(r"^cut off from the rest of its grid$"), "与原网格其他部分不相连，并入相邻网格"),
    (re.compile(r"^its gated estate (.+) is kept whole$"), r"所属封闭小区\1须保持完整，随小区划入同一网格"),
    (re.compile(r"^its grid (.+) lies mostly in community (.+)$"), r"原网格\1主要位于社区\2，并入本社区的相邻网格"),
    (re.compile(r"^passed along a chain of neighbouring grids to bring grids within (\S+)% of the mean$"),
     r"沿相邻网格依次调整，使各网格户数与社区网格平均户数相差不超过±\1%"),
    (re.compile(r"^grid nearby split$"), "邻近网格拆分"),
    (re.compile(r"^grid (.+) split$"), r"网格\1拆分"),
    (re.compile(r"^grid (.+) merged$"), r"网格\1并入相邻网格"),
    (re.compile(r"^passed along a chain of neighbouring grids$"), "沿相邻网格依次调整，使各网格户数回到规定区间"),
    (re.compile(r"^moved to bring grid (.+) from (\S+) households into the band$"), r"为使网格\1（调整前\2户）户数回到规定区间而调整"),
)


def moves_in(moves: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The ``moves`` table with its reasons in ``lang`` ("zh" or "en"; English as written)."""
    if lang != "zh" or "reason" not in moves.columns:
        return moves

    def words(reason):
        for pattern, zh in _REASONS_ZH:
            if isinstance(reason, str) and pattern.match(reason):
                return pattern.sub(zh, reason)
        return reason

    return moves.assign(reason=moves["reason"].map(words))


def _place_unplanned(sub, lab, names, cid, taken=()):
    """Give nodes with no plan grid to the planned neighbour they share most boundary with; nodes
    no grid reaches (an estate built across a river or an arterial) become new grids, one for
    each group of them sharing edges, named as :func:`~spatial.grids._names.new_community_grid`
    names them: the community's next number where the plan numbers its grids in one pattern
    (``C1-05`` after ``C1-04``: a number after the plan's in the grid codes too), else
    ``<community>-new1``, ``-new2`` ... (numbers the plan's grids already have skipped);
    ``taken``: the plan's grid names in other communities."""
    from scipy.sparse.csgraph import connected_components

    lab = place_unplanned(sub, lab)
    alone = np.flatnonzero(lab < 0)
    if not len(alone):
        return lab
    _, part = connected_components(sub[alone][:, alone], directed=False)
    for p in range(int(part.max()) + 1):
        names.append(new_community_grid(cid, names, taken))
        lab[alone[part == p]] = len(names) - 1
    return lab


def _fix_band(sub, hh, xy, lab, names, fixed, lo, hi, seed, report, planned=None, chains=None, held=None,
              taken=(), origins=None, shapes=None, moved_by=None):
    """Chains first; then split the splittable grid nearest an over-band one, merge under-band ones.

    ``planned``: each node's grid in the plan (-1: none); ``held``: the units' grids in the plan,
    for what the report rows say a grid held there (default: each node one unit of its planned
    grid; :func:`redraw_grids` gives the units, as an estate the plan split is one node here). A grid over the band because of units
    not planned in it first tries to split them off as the new grid (no unit of its own moves);
    else the part of a split grid holding most of its planned households keeps its name, the
    others are named as :func:`~spatial.grids._names.new_grid_name` names them (the community's
    next number in the grid's pattern, else ``-a``, ``-b`` ...; none of ``taken``, the plan's grid
    names in other communities). Grids split off and handed back leave no gap: those that remain
    take the numbers in turn, with one report row per grid of the plan split (:class:`Splits`);
    ``origins`` (a dict, filled): each new grid's name -> the plan's grid it was split off;
    ``moved_by`` (a dict, filled): each node the last walk moved -> (grid it moved for, its households).
    """
    names = list(names)
    original = set(names)
    splits = Splits(len(names))
    if planned is None:
        planned = lab.copy()
    if held is None:
        held = PlanHeld.of_nodes(planned, hh)
    skip = set()
    ph = np.bincount(lab, weights=hh, minlength=len(names))
    for t in np.flatnonzero(ph > hi):  # over band by units new to it: they become the new grid, before any chain
        members = np.flatnonzero(lab == t)
        sl = _split_off_newcomers(sub[members][:, members].tocsr(), hh[members], planned[members] == t,
                                  fixed[members], lo, hi)
        if sl is None:
            continue
        names.append(new_grid_name(names[t], names, 0, taken))
        lab[members[sl == 1]] = len(names) - 1
        splits.split(t, [len(names) - 1], (ph[t], None, 0.0, "", ""), newcomers=True)
    ph = np.bincount(lab, weights=hh, minlength=len(names))
    for a in np.argsort(ph, kind="stable"):  # a grid nearly emptied (an estate demolished) merges whole:
        # that moves its few households, where filling it from its neighbours would move more (lo - ph)
        if ph[a] >= lo - ph[a] or not (lab == a).any() or fixed[lab == a].any():
            continue
        ok = [b for b in _neighbours(sub, lab, a) if ph[b] + ph[a] <= hi]
        if ok:  # the lightest neighbour it makes a grid in the band with (two under-band halves: one grid)
            _merge(a, min(ok, key=lambda b: (ph[b] + ph[a] < lo, ph[b], b)), lab, ph, names, held, lo, report)
    chained = rebalance(sub, hh, lab, fixed, min_hh=lo, max_hh=hi)
    if shapes is not None and band_violation(np.bincount(chained, weights=hh, minlength=len(names)), lo, hi) <= 0:
        # the chains chosen for the roundest grids, where they too bring every grid into the band
        # (a rounder chain first can leave the next grid out of it, and a split then adds a grid)
        rounder = rebalance(sub, hh, lab, fixed, min_hh=lo, max_hh=hi, shapes=shapes)
        if band_violation(np.bincount(rounder, weights=hh, minlength=len(names)), lo, hi) <= 0:
            chained = rounder
    if chains is not None:
        chains.extend(_chain_grids(names, lab, chained, hh, lo, hi, held))
    lab = chained
    for _ in range(len(hh)):
        k = len(names)
        ph = np.bincount(lab, weights=hh, minlength=k)
        over = np.flatnonzero(ph > hi)
        if len(over) == 0:
            break
        before = (lab.copy(), list(names), band_violation(ph, lo, hi))
        a = int(over[np.argmax(ph[over])])
        t = nearest_splittable(sub, lab, ph, a, 2 * lo, fixed, skip)
        if t is None:  # no grid splits into two in band: split one anyway, chains then fill both halves
            t = nearest_splittable(sub, lab, ph, a, lo, fixed, skip)
        if t is None:
            break
        members = np.flatnonzero(lab == t)
        fewest = int(ph[t] // lo) if lo > 0 else math.ceil(ph[t] / hi)  # no floor: only the ceiling counts
        parts = max(2, min(math.ceil(ph[t] / hi), fewest))
        s = sub[members][:, members].tocsr()
        sl = _split_off_newcomers(s, hh[members], planned[members] == t, fixed[members], lo, hi)
        if sl is not None:
            parts = 2
        else:
            sl = partition(s, hh[members], xy[members], parts, min_hh=lo, max_hh=hi, seed=seed, restarts=0)
        if len(np.unique(sl[fixed[members]])) > 1:  # the split would move locked units: try another grid
            skip.add(t)
            continue
        # the name stays with the part holding most of the grid's planned households (unit by unit: an
        # estate the plan split counts in it for its units the plan put there)
        own = held.planned_in(t, len(hh))[members]
        keep = int(np.argmax(np.bincount(sl, weights=fixed[members] * 1e9 + own + 1e-6 * hh[members]
                                         + 1e-9, minlength=parts)))
        new = []
        for p in range(parts):
            if p == keep:
                continue
            name = new_grid_name(names[t], names, len(new), taken)
            names.append(name)
            new.append(name)
            lab[members[sl == p]] = len(names) - 1
        lab = rebalance(sub, hh, lab, fixed, min_hh=lo, max_hh=hi)
        if band_violation(np.bincount(lab, weights=hh, minlength=len(names)), lo, hi) >= before[2] - 1e-9:
            lab, names = before[0], before[1]  # the split did not help: undo it and stop
            break
        splits.split(t, list(range(len(names) - len(new), len(names))),
                     (ph[t], a, ph[a], *_since_plan(t, ph[t], held, before[0])))
    walk = None
    if band_violation(np.bincount(lab, weights=hh, minlength=len(names)), lo, hi) > 0:  # lumpy units: a walk
        walked = walk_in(sub, hh, xy, lab, fixed, lo, hi, seed)
        if walked is not None:
            ph, (lab, t), walk = np.bincount(lab, weights=hh, minlength=len(names)), walked, (lab, walked[0])
            if t is not None:  # the heaviest grid split in two for it
                names.append(new_grid_name(names[t], names, 0, taken))
                splits.split(t, [len(names) - 1], (ph[t], t, ph[t], "", ""))
    lab, dropped = drop_added(sub, hh, lab, {i for i, n in enumerate(names) if n not in original}, fixed,
                              min_hh=lo, max_hh=hi)
    # grids handed back are no grids of the plan: the others take their numbers, one row per grid split
    n_before, lab, names = len(names), *splits.drop(dropped, lab, names)
    names = splits.rename(names, lambda root, now, part: new_grid_name(root, now, part, taken))
    if walk is not None and moved_by is not None:  # each unit the walk moved: the grid it moved for
        at = iter(names)
        moved_by.update(walk_causes(*walk, hh, lo, hi, [None if g in dropped else next(at) for g in range(n_before)]))
    splits.say(report, names, hi)
    if origins is not None:
        origins.update(splits.roots(names))
    before, said, report = (lab.copy(), list(names)), report, Report()  # rows kept unless all is drawn again
    k = len(names)
    ph = np.bincount(lab, weights=hh, minlength=k)
    for a in np.flatnonzero(ph > hi):
        top = float(hh[lab == a].max())
        # (not 'held', the plan's grids of the units: an under-band grid merged after this one got a number
        # for them, and the redraw stopped with "internal error: AttributeError: 'float' ... 'since'")
        locked_hh = float(hh[(lab == a) & fixed].sum())
        if locked_hh > hi and top <= hi:  # the units locked in it are over the band together
            report.add("grids", names[a], f"{ph[a]:g} households > {hi:g}: its locked units alone hold {locked_hh:g}",
                       "left over band; unlock some of them or raise max_households",
                       zh=(f"{ph[a]:g} 户 > {hi:g}：其中已锁定的单元合计就有 {locked_hh:g} 户",
                           "保持超出区间；请解锁其中部分单元或调高 max_households"))
            continue
        if top > hi:  # one unit (or gated estate, kept whole) is over the band by itself: nothing helps
            report.add("grids", names[a], f"{ph[a]:g} households > {hi:g}: one of its units (or an estate kept "
                       f"whole) alone holds {top:g}", "left over band; split that unit or raise max_households",
                       zh=(f"{ph[a]:g} 户 > {hi:g}：其中一个单元（或不可拆分的小区）单独就有 {top:g} 户",
                           "保持超出区间；请拆分该单元或调高 max_households"))
            continue
        report.add("grids", names[a], f"{ph[a]:g} households > {hi:g}: no chain of neighbours has room and no "
                   "nearby grid can be split", "left over band",
                   zh=(f"{ph[a]:g} 户 > {hi:g}：相邻网格依次调整也容纳不下，附近也没有可拆分的网格", "保持超出区间"))
    for a in np.argsort(ph, kind="stable"):
        if not (0 < ph[a] < lo):
            continue
        nb = _neighbours(sub, lab, a)
        ok = [b for b in nb if ph[b] + ph[a] <= hi]
        if not nb:  # nothing to trade with: the whole community, or land cut off from the rest
            whole = ph[a] >= ph.sum() - 1e-9
            report.add("grids", names[a], f"{ph[a]:g} households < {lo:g}: " + (
                "the whole community holds no more" if whole else "its units share no edge with the rest of the "
                "community (an island, or land cut off by water or a gap wider than the street gap)"),
                "left under band; " + ("merge the community with a neighbouring one" if whole else
                                       "join it by hand to the nearest grid or move its units to another community"),
                zh=(f"{ph[a]:g} 户 < {lo:g}：" + ("整个社区只有这么多户" if whole else
                                                 "其单元与社区其余单元没有共用边（海岛，或被水面、过宽的街道隔开）"),
                    "保持低于区间；" + ("可与相邻社区合并" if whole else "可手工并入最近的网格，或把这些单元划入其他社区")))
            continue
        if not ok or fixed[lab == a].any():
            report.add("grids", names[a], f"{ph[a]:g} households < {lo:g}: no neighbour has households to spare "
                       "or room to take it whole" + (" (it holds locked units)" if ok else ""), "left under band",
                       zh=(f"{ph[a]:g} 户 < {lo:g}：没有相邻网格可以匀出户数或整体并入" + ("（含已锁定的单元）" if ok else ""),
                           "保持低于区间"))
            continue
        _merge(a, min(ok, key=lambda b: (ph[b], b)), lab, ph, names, held, lo, report)
    if fixed.any() and band_violation(ph[np.bincount(lab, minlength=k) > 0], lo, hi) > 0:  # locks in the way
        got = recut_whole(sub, hh, xy, *before, planned, fixed, lo, hi, seed,
                          lambda root, names: new_grid_name(root, names, 0, taken))
        if got is not None:
            out = [n for n, h in zip(before[1], np.bincount(before[0], weights=hh, minlength=len(before[1])))
                   if h and not lo <= h <= hi]
            (lab, names), report = got, Report()
            for said_of in (chains, moved_by):
                said_of is not None and said_of.clear()  # drawn again all together: that row says so
            report.add("grids", "、".join(out), "out of the band, and no chain of neighbours or split brought it in",
                       "the community's grids drawn again all together (locked units kept in their grids)",
                       zh=("户数不在区间内，相邻网格依次调整或拆分都无法解决", "社区内网格整体重划（已锁定的单元留在原网格）"))
            k = len(names)
    said.extend(report)
    used = np.unique(lab)
    remap = np.full(k, -1)
    remap[used] = np.arange(len(used))
    return remap[lab], [names[i] for i in used]


def _split_off_newcomers(s, hh, own, fixed, lo, hi):
    """Parts (0: the grid's own units, 1: a new grid) splitting off units not planned in the grid
    (``~own``) so that both parts are in the band and connected and no own or locked unit moves;
    newcomers the new grid cannot hold stay, those touching the own units first (smallest first).
    None when there is no such split."""
    from scipy.sparse.csgraph import connected_components

    def connected(mask):
        idx = np.flatnonzero(mask)
        return len(idx) > 0 and connected_components(s[idx][:, idx], directed=False)[0] == 1

    part = (~own & ~fixed).astype(np.int64)
    if not part.any() or not own.any():
        return None
    for _ in range(int(part.sum())):
        h1 = hh[part == 1].sum()
        if h1 <= hi:
            break
        # a newcomer next to the grid's part, whose leaving keeps the new grid connected: the smallest
        best = None
        for u in np.flatnonzero(part == 1):
            nb = s.indices[s.indptr[u]:s.indptr[u + 1]]
            if not (part[nb] == 0).any():
                continue
            trial = part.copy()
            trial[u] = 0
            if connected(trial == 1) and (best is None or hh[u] < hh[best]):
                best = u
        if best is None:
            return None
        part[best] = 0
    h0, h1 = hh[part == 0].sum(), hh[part == 1].sum()
    if not (lo <= h0 <= hi and lo <= h1 <= hi and connected(part == 0) and connected(part == 1)):
        return None
    return part
