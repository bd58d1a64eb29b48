"""Partition residential units into community management grids (网格划分) of 300–500 households.

Per community the units form a rook graph (shared boundary length, corners never count) whose
edges cost their shared length, a fifth of that along a road. The engine in ``_partition``
seeds grids by recursive inertial bisection balancing households, repairs contiguity and runs a
local search that keeps every grid connected. Gated 小区, ``together`` groups and ``locked``
labels are contracted into one node first, so they are never split. Grid polygons tile each
community exactly; units outside every community are reported, not dropped silently.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core._gc import without_gc_pauses
from spatial.core._ids import LOOSE_WHY
from spatial.core._procs import PROCESSES, Ahead, fork_now, one_pool
from spatial.core._words import counted
from spatial.core.checks import Report, check_band, listed, natural_key, warn_replaced, whole_counts, whole_number
from spatial.core.errors import SpatialError
from spatial.core.reproject import as_returned, to_crs_valid
from spatial.grids._across import say_across_major
from spatial.grids._engine import RESTARTS_LIMIT, apportion, partition
from spatial.grids._islands import grid_pieces, piece_targets
from spatial.grids._explain import (explain_band_fit, explain_community, explain_cornered, explain_crowded, explain_far,
                                    explain_hemmed_in, community_proofs, grid_why, node_names)
from spatial.grids._codes_staff import _codes_and_staff
from spatial.grids._inputs import _grids_asked, _labels_from, _say_count, _say_unasked, check_named_columns, gated_labels, id_order
from spatial.grids._objective import MAX_DEVIATION_PCT, Shapes, weights_for
from spatial.grids._prep import (
    Prepared,
    band_status,
    community_polygons,
    explain_pieces,
    grid_shape_metrics,
    prepare_checked,
    unit_buildings,
)
from spatial.grids.codes import check_layout

logger = logging.getLogger(__name__)

__all__ = ["GridResult", "partition_grids", "grid_counts"]

#: Communities of fewer nodes than this are drawn on worker processes ahead of their turn ...
_AHEAD_COMMUNITY_NODES = 3000
#: ... when there are several and they hold this many nodes together (below, forking costs more).
_AHEAD_TOTAL_NODES = 400


def _partition_community(state, nodes: np.ndarray, k: int) -> np.ndarray:
    """The engine's labels for one community's ``nodes`` (runs on a worker too)."""
    cost, hh, xy, min_hh, max_hh, weights, seed, restarts, shapes, call_nodes = state
    sub = cost[nodes][:, nodes].tocsr()
    return partition(sub, hh[nodes], xy[nodes], k, min_hh=min_hh, max_hh=max_hh, weights=weights, seed=seed,
                     restarts=restarts, shapes=shapes.take(nodes), call_nodes=call_nodes)


@dataclass(frozen=True)
class GridResult:
    """Result of :func:`partition_grids` and :func:`spatial.grids.redraw.redraw_grids`.

    Attributes
    ----------
    grids : GeoDataFrame
        One row per grid (see ``docs/layers.md``), in the CRS of the input units.
    units : GeoDataFrame
        The input units, same index and columns, plus ``grid_id`` (None when outside every community).
    report : DataFrame
        ``layer, row_id, problem, action``: every unit set aside and every grid out of band, with why
        (and the Chinese of problem and action, ``problem_zh, action_zh``).
    """

    grids: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    report: pd.DataFrame


def grid_counts(
    households: np.ndarray, *, min_households: float, max_households: float, n_grids=None, n_nodes=None,
    over=None,
) -> np.ndarray:
    """Grids per community: the count whose even split violates the band least, nearest the band middle.

    With ``n_grids`` an int, that total is apportioned by households (largest remainder, at least
    one each). Counts never exceed ``n_nodes`` (units that can be separated). Without it,
    ``over`` (a pair of arrays: per community, the number of units or groups kept together that
    hold more than ``max_households`` alone, and their households) gives each such unit a grid of
    its own and counts the others' grids from the households left: a high-rise estate of 1,200
    households kept whole should not squeeze the grids round it towards the minimum.

    Examples
    --------
    >>> grid_counts(np.array([2000]), min_households=300, max_households=500).tolist()
    [5]
    >>> grid_counts(np.array([2000]), min_households=300, max_households=500,
    ...             over=(np.array([1]), np.array([1200]))).tolist()
    [3]
    """
    h = np.asarray(households, dtype=float)
    cap = np.full(len(h), np.iinfo(np.int64).max) if n_nodes is None else np.asarray(n_nodes)
    if n_grids is not None:
        k = apportion(h, int(n_grids), floor=np.ones(len(h), dtype=int))
        return np.minimum(k, np.maximum(cap, 1))
    n_over, h_over = (np.zeros(len(h), dtype=int), np.zeros(len(h))) if over is None else over
    mid = (min_households + max_households) / 2
    out = np.ones(len(h), dtype=int)
    for c, hc in enumerate(h):
        hc -= h_over[c]
        if n_over[c] and hc <= 0:
            out[c] = min(int(n_over[c]), max(int(cap[c]), 1))
            continue
        lo = max(1, math.ceil(hc / max_households))
        # no floor (min 0): the count nearest the band middle is the most worth trying
        hi = max(1, math.floor(hc / min_households)) if min_households > 0 else max(lo, math.ceil(hc / mid))
        best = None
        for k in range(max(1, min(lo, hi) - 1), max(lo, hi) + 2):
            each = hc / k
            viol = k * max(0.0, each - max_households, min_households - each)
            key = (round(viol, 9), abs(each - mid), k)
            if best is None or key < best[0]:
                best = (key, k)
        out[c] = min(best[1] + int(n_over[c]), max(int(cap[c]), 1))
    return out


def contract(prep: Prepared, label_sets: list[tuple[str, np.ndarray]], report: Report) -> np.ndarray:
    """Node id of each unit: units sharing a label in any set, and connected, become one node.

    A group that is not connected inside its community is kept together only within each
    connected piece (reported). Units outside every community get node -1.
    """
    n = len(prep.hh)
    rows, cols = [], []
    for _, labels in label_sets:
        if labels is None:
            continue
        df = pd.DataFrame({"u": np.arange(n), "l": labels, "c": prep.comm_of})
        df = df[df["l"].notna() & (df["c"] >= 0)]
        for _, g in df.groupby(["c", "l"], sort=False):
            u = g["u"].to_numpy()
            rows.extend(u[:-1])
            cols.extend(u[1:])
    join = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, wanted = connected_components(join, directed=False)
    coo = prep.cost.tocoo()
    keep = wanted[coo.row] == wanted[coo.col]
    inner = sparse.csr_matrix((np.ones(keep.sum()), (coo.row[keep], coo.col[keep])), shape=(n, n))
    _, node = connected_components(inner, directed=False)
    split = pd.DataFrame({"w": wanted, "node": node}).groupby("w")["node"].nunique()
    for w in split.index[split > 1]:
        members = np.flatnonzero(wanted == w)
        names = ", ".join(map(str, prep.unit_ids[members][:6]))
        report.add("units", names, f"group of {len(members)} units to keep together is not contiguous",
                   f"kept together only within each of its {split[w]} connected pieces",
                   zh=(f"须保持在一起的 {len(members)} 个单元没有连成一片", f"只在其 {split[w]} 个相连的部分内各自保持在一起"))
    node = np.where(prep.comm_of >= 0, node, -1)
    _, node_c = np.unique(node[node >= 0], return_inverse=True)
    out = np.full(n, -1, dtype=np.int64)
    out[node >= 0] = node_c
    return out


def node_arrays(prep: Prepared, node: np.ndarray):
    """Households, centroids, community and CSR cut costs of the contracted nodes."""
    inside = node >= 0
    m = int(node.max()) + 1 if inside.any() else 0
    idx = np.flatnonzero(inside)
    G = sparse.csr_matrix((np.ones(len(idx)), (idx, node[idx])), shape=(len(node), m))
    hh = np.bincount(node[idx], weights=prep.hh[idx], minlength=m)
    area = shapely.area(prep.pieces[idx])
    w = np.bincount(node[idx], weights=area, minlength=m)
    xy = np.column_stack([np.bincount(node[idx], weights=prep.xy[idx, d] * area, minlength=m) for d in (0, 1)])
    xy /= np.maximum(w, 1e-12)[:, None]
    comm = np.full(m, -1, dtype=np.int64)
    comm[node[idx]] = prep.comm_of[idx]
    cost = (G.T @ prep.cost @ G).tocsr()
    cost.setdiag(0)
    cost.eliminate_zeros()
    return hh, xy, comm, cost


def node_shapes(prep: Prepared, node: np.ndarray) -> Shapes:
    """Area, perimeter and shared boundary of the contracted nodes (metres), for Polsby-Popper."""
    inside = node >= 0
    m = int(node.max()) + 1 if inside.any() else 0
    idx = np.flatnonzero(inside)
    G = sparse.csr_matrix((np.ones(len(idx)), (idx, node[idx])), shape=(len(node), m))
    shared = (G.T @ prep.adj.matrix(prep.adj.edge_m) @ G).tocsr()
    inner = shared.diagonal()  # twice the boundary a node's units share among themselves
    shared.setdiag(0)
    shared.eliminate_zeros()
    area = np.bincount(node[idx], weights=shapely.area(prep.pieces[idx]), minlength=m)
    per = np.bincount(node[idx], weights=shapely.length(prep.pieces[idx]), minlength=m) - inner
    return Shapes(area, per, shared)


@without_gc_pauses
@one_pool()  # one pool of workers for the call (forked before the preparation on large layers)
def partition_grids(
    units: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    households_col: str = "households",
    population_col: str = "population",
    buildings_col: str = "buildings",
    unit_id_col: str = "unit_id",
    community_id_col: str = "community_id",
    gated_col: str = "gated",
    min_households: float = 300,
    max_households: float = 500,
    n_grids: int | Mapping | None = None,
    roads: gpd.GeoDataFrame | None = None,
    locked=None,
    together=None,
    code_layout: str | None = "cjt349",
    object_type: str = "000000",
    road_buffer_m: float = 5.0,
    blocks=None,
    street_gap_m: float = 30.0,
    balance: str | None = None,
    seed: int = 0,
    restarts: int | None = None,
    max_deviation_pct: float | None = None,
    check_overlaps: bool = True,
) -> GridResult:
    """Draw contiguous, compact grids of ``min_households``–``max_households`` households per community.

    Parameters
    ----------
    units : GeoDataFrame
        Polygons (or points: a Voronoi tessellation clipped to each community is used) with
        ``households_col`` and optionally ``population_col``, ``buildings_col``,
        ``community_id_col`` (else placed by location) and ``gated_col``.
    communities : GeoDataFrame
        Polygons with a unique ``community_id_col`` (and ``code`` for grid codes).
    min_households, max_households : float
        The band every grid should fall in.
    n_grids : int, mapping or Series, optional
        Instead of the band: total grids (apportioned by households) or grids per community id
        (a key matches an id or its text: ``{"12": 3}`` for the id 12); keys matching no
        community are named in the report, and communities the mapping leaves out are drawn by
        the band (``min_households``-``max_households``), named in a warning.
    roads : GeoDataFrame, optional
        Road lines (or block polygons), a WalkNetwork or an osmnx graph; grid borders are drawn
        along them where possible. Without roads, block outlines are the streets: gaps of up to
        ``street_gap_m`` between units (street space; units facing each other across one are
        neighbours) and, with ``blocks``, edges between units of different blocks.
    street_gap_m : float
        Widest gap (m) between units read as a street that units face each other across
        (default 30); a wider gap (an arterial 40 m across, a river) parts the units, so grids
        do not cross it.
    blocks : str, mapping or Series, optional
        A column name or ``unit_id -> block id`` (街坊): an edge between units of different
        blocks lies on a street (needed when the units tile with no street gaps).
    locked : mapping or Series, optional
        ``unit_id -> grid_id``: units with the same label stay in one grid, which takes that id.
        Keys may be the ids or their text (``"17"`` for the id 17); keys naming no unit are
        reported, and a mapping naming none is refused (``together`` too). A Series on the
        units' own index (``units["old_grid"].where(keep)``, same labels in the same order) is
        a column of the units, read row by row (``together`` and ``blocks`` too).
    together : str, mapping or Series, optional
        A column name or ``unit_id -> group``: units of a group are never split. A non-boolean
        ``gated_col`` is used the same way (a boolean one marks single units, which are never cut;
        so does one of yes/no words as spreadsheets and shapefiles store them, 0/1, TRUE/FALSE,
        是/否), and its "no" words (否, 0, false, blank) never make an estate.
    balance : {"band", "equal"}, optional
        What decides between plans whose grids are all in the band. ``"band"`` (the default
        without ``n_grids``): any size in the band will do, and grid borders on streets and compact
        grids come first. ``"equal"`` (the default with ``n_grids``): grids as near the mean size
        as the units allow (a charge beyond ``max_deviation_pct`` of the mean), streets and
        compactness next; in blocks of big towers this moves borders off the streets.
    code_layout : str or None
        Layout passed to :func:`spatial.grids.codes.assign_grid_codes` when communities carry ``code``.
    object_type : str
        With ``cjt349``: the 6-digit object type code in front of each grid code (your local
        catalogue's; ``"000000"`` until set).
    seed : int
        Seed of the local search (results are deterministic for a seed).
    restarts : int, optional
        With ``balance="equal"``: how many more seeds each community is drawn from, the best plan
        kept (every grid within ``max_deviation_pct`` of the mean first, then round and on the
        streets). Default: up to 19 when the communities hold up to 5,000 units in all (fewer as
        they grow: the runs of all communities together touch at most 32,000 units), none above,
        nor where a community's mean grid is out of the band; 0: one run; at most 99. Each run
        takes about as long as one draw.
    max_deviation_pct : float, optional
        With ``balance="equal"``: how far from its community's mean grid a grid may be, in percent
        (1-100, default 5), where that buys a rounder grid or a border on a street; beyond it the
        engine evens grids out as far as the units allow. A city whose rule is ±10% gets rounder
        grids on the streets (see docs/grids.md for the figures).
    check_overlaps : bool
        Report each pair of unit polygons overlapping by more than 1 m² (a warning and a report
        row each; :func:`spatial.io.validate.overlapping_units`). Default True; ``False`` where
        the units were validated already (:func:`spatial.io.validate.validate_inputs` gives the
        same rows), as ``spatial grids`` and ``spatial run`` do.

    Returns
    -------
    GridResult

    Examples
    --------
    >>> import spatial
    >>> demo = spatial.load_demo()
    >>> plan = spatial.partition_grids(demo["units"], demo["communities"])
    >>> int(plan.grids["households"].sum()) == int(demo["units"]["households"].sum())
    True
    >>> plan.grids["band_status"].unique().tolist()
    ['in']
    """
    check_band(min_households, max_households)
    check_layout(code_layout, object_type)
    check_named_columns(units, population_col=(population_col, "population"),
                        buildings_col=(buildings_col, "buildings"), gated_col=(gated_col, "gated"))
    if isinstance(n_grids, pd.Series):  # communities.set_index("community_id")["grids"]: the mapping it is
        if not n_grids.index.is_unique:
            raise SpatialError(f"n_grids names community {listed(pd.unique(n_grids.index[n_grids.index.duplicated()]))} "
                               "more than once; give each community one number of grids")
        n_grids = n_grids.to_dict()
    counts = n_grids.values() if isinstance(n_grids, Mapping) else () if n_grids is None else (n_grids,)
    for count in counts:
        if whole_number(count, minimum=1) is None:
            raise SpatialError(f"n_grids must be a whole number of grids, 1 or more (or a mapping of community "
                               f"ids to such numbers), got {count!r}; leave it out to draw by the band")
    if n_grids is not None:  # 3.0 (a float from a spreadsheet or a division) is 3 grids
        n_grids = ({k: whole_number(v) for k, v in n_grids.items()} if isinstance(n_grids, Mapping)
                   else whole_number(n_grids))
    weights = weights_for(("equal" if n_grids is not None else "band") if balance is None else balance,
                          max_deviation_pct=max_deviation_pct)
    if max_deviation_pct is not None and weights.beyond <= 0:
        raise SpatialError("max_deviation_pct is for balance='equal' (grids near the mean size); with 'band' any "
                           "size in the band will do (drop max_deviation_pct, or give n_grids or balance='equal')")
    if restarts is not None:
        if whole_number(restarts, maximum=RESTARTS_LIMIT) is None:
            raise SpatialError(f"restarts must be a whole number of runs from 0 to {RESTARTS_LIMIT} (each takes as "
                               f"long as one drawing), got {restarts!r}")
        if weights.beyond <= 0:
            raise SpatialError("restarts is for balance='equal' (grids near the mean size); with 'band' one run "
                               "is drawn, streets first (drop restarts, or give n_grids or balance='equal')")
        restarts = whole_number(restarts, maximum=RESTARTS_LIMIT)
    warn_replaced(units, ["grid_id"], "units", "partition_grids")
    # drawn in the order of the units' ids, whatever order their rows come in (a layer saved again
    # in QGIS, sorted by another column), so that the same units give the same plan; returned in
    # the rows' own order
    by_id = id_order(units, unit_id_col)
    rows_index = units.index
    if by_id is not None:
        units = units.iloc[by_id]
    report = Report()
    if len(units) >= _AHEAD_COMMUNITY_NODES:  # its passes will want the workers: forked while the process is small
        fork_now()
    # (with check_overlaps, the rows validate_inputs gives: spatial grids validates first, and passes False)
    prep = prepare_checked(units, communities, report, check_overlaps=check_overlaps, households_col=households_col,
                           population_col=population_col, buildings_col=buildings_col, unit_id_col=unit_id_col,
                           community_id_col=community_id_col, roads=roads, road_buffer_m=road_buffer_m, blocks=blocks,
                           street_gap_m=street_gap_m)
    gated = gated_labels(units, gated_col, prep.unit_ids, report)
    locked_l = _labels_from(locked, units, prep.unit_ids, "locked", report)
    sets = [("same place", prep.same_place), ("together", _labels_from(together, units, prep.unit_ids, "together", report)),
            ("gated", gated),
            ("locked", locked_l)]
    node = contract(prep, sets, report)
    hh, xy, comm, cost = node_arrays(prep, node)
    nc = len(prep.comm_ids)
    comm_hh = np.bincount(comm, weights=hh, minlength=nc)
    comm_nodes = np.bincount(comm, minlength=nc)
    big = (hh > max_households) & (comm >= 0)
    comm_rest = comm_hh - np.bincount(comm[big], weights=hh[big], minlength=nc)  # what units over the band leave
    n_big = np.bincount(comm[big], minlength=nc)
    over = (n_big, comm_hh - comm_rest)
    if isinstance(n_grids, Mapping):
        n_grids = _grids_asked(n_grids, prep.comm_ids, report)
        # a community the mapping leaves out is drawn by the band, and said (it was one grid of
        # all its households: 4,802 in one grid, beside "10 grids asked for, 11 drawn")
        by_band = grid_counts(comm_hh, min_households=min_households, max_households=max_households,
                              n_nodes=comm_nodes, over=over)
        k = np.array([int(n_grids[c]) if c in n_grids else int(b) for c, b in zip(prep.comm_ids, by_band)])
        k = np.minimum(k, np.maximum(comm_nodes, 1))
        _say_unasked(report, n_grids, prep.comm_ids, comm_hh, k, min_households, max_households)
    else:
        k = grid_counts(comm_hh, min_households=min_households, max_households=max_households, n_grids=n_grids,
                        n_nodes=comm_nodes, over=over)
    if n_grids is not None:
        _say_count(report, n_grids, k, comm_nodes, prep.comm_ids)
    labels = np.full(len(hh), -1, dtype=np.int64)
    offset = 0
    members = [np.flatnonzero(comm == c) for c in range(nc)]
    # communities are independent: the smaller ones go to worker processes ahead of their turn (a
    # large one runs here, where the engine spreads its own passes over the cores)
    ahead_ok = [0 < len(m) < _AHEAD_COMMUNITY_NODES for m in members]
    shapes = node_shapes(prep, node)
    # the communities share one budget of restarts: a street of many communities takes about as
    # long as one community of as many units (not a full budget per community)
    call_nodes = int(sum(len(m) for m in members))
    state = (cost, hh, xy, float(min_households), float(max_households), weights, int(seed), restarts, shapes,
             call_nodes)
    workers = PROCESSES if nc > 1 and sum(len(m) for m, ok in zip(members, ahead_ok) if ok) >= _AHEAD_TOTAL_NODES else 1
    order = list(range(nc))

    def job(d):
        return ((members[d], int(k[d])), None) if ahead_ok[d] else None

    with Ahead(_partition_community, state, workers=workers) as ahead:  # (in the call's one pool)
        for c in order:
            ahead.fill(order, c, job)
            nodes = members[c]
            cid = prep.comm_ids[c]
            if len(nodes) == 0:
                report.add("communities", cid, "holds no units", "drawn as one grid of 0 households",
                           zh=("没有单元", "划为一个 0 户的网格"))
                continue
            lab = ahead.take(c, (nodes, int(k[c])))
            labels[nodes] = lab + offset
            offset += int(lab.max()) + 1
            explain_community(report, cid, comm_hh[c], comm_rest[c], int(lab.max()) + 1, int(k[c]), min_households,
                               max_households, n_grids, n_over=int(n_big[c]))
            sums = np.bincount(lab, weights=hh[nodes])  # (the groups are counted only where a grid is out)
            explain_crowded(report, cid, hh[nodes], int(lab.max()) + 1, min_households, max_households,
                            adj=cost[nodes][:, nodes] if ((sums < min_households) | (sums > max_households)).any()
                            else None, names=lambda: node_names(prep, node, nodes))
    unit_grid = np.where(node >= 0, labels[np.maximum(node, 0)], -1)
    grid_ids = _grid_ids(prep, unit_grid, locked_l)
    explain_band_fit(report, prep.hh, households_col, max_households)  # most units over it: the column's fault?
    big = np.flatnonzero(prep.hh > max_households)
    for i in big:
        report.add("units", prep.unit_ids[i], f"alone holds {prep.hh[i]:g} households > {max_households:g} "
                   "(max_households)", "its grid is over band; split the unit or raise max_households",
                   zh=(f"单个单元即有 {prep.hh[i]:g} 户 > {max_households:g}（max_households）",
                       "所在网格超出户数区间；请拆分该单元或调高 max_households"))
    explain_hemmed_in(report, prep, node, hh, cost, min_households, max_households)
    drawn = np.bincount(labels[labels >= 0], weights=hh[labels >= 0])
    if ((drawn < min_households) | (drawn > max_households)).any():  # (pockets sought only then: 0.06 s at 10,000)
        explain_cornered(report, prep, node, hh, cost, min_households, max_households)
    out_units, grids = finish(prep, grid_ids, report, min_households=min_households, max_households=max_households,
                              code_layout=code_layout, communities=communities, community_id_col=community_id_col,
                              road_buffer_m=road_buffer_m, renumber=locked_l is None, object_type=object_type)
    grid_ids = out_units["grid_id"].to_numpy(dtype=object)  # as numbered with the codes
    if weights.beyond > 0:  # equal grids: say which are further off than the rule, and of what units
        explain_far(report, grids, prep, grid_ids, MAX_DEVIATION_PCT if max_deviation_pct is None
                     else float(max_deviation_pct), node, hh, cost, band=(min_households, max_households))
    if by_id is not None:  # the rows' own order again, under the input's own index (a RangeIndex
        out_units = out_units.iloc[np.argsort(by_id, kind="stable")]  # taken apart and put back is
        if out_units.index.equals(rows_index):  # a plain Index, which writers then save as a column)
            out_units.index = rows_index
    return GridResult(grids, out_units, report.to_frame(zh_columns=True))



def _grid_ids(prep: Prepared, unit_grid: np.ndarray, locked: np.ndarray | None) -> np.ndarray:
    """``<community_id>-NN`` numbered north to south, west to east (or the locked label)."""
    out = np.full(len(unit_grid), None, dtype=object)
    ok = unit_grid >= 0
    if not ok.any():
        return out
    g = unit_grid[ok]
    m = int(g.max()) + 1
    cnt = np.maximum(np.bincount(g, minlength=m), 1)
    cx = np.bincount(g, weights=prep.xy[ok, 0], minlength=m) / cnt
    cy = np.bincount(g, weights=prep.xy[ok, 1], minlength=m) / cnt
    comm = np.zeros(m, dtype=np.int64)
    comm[g] = prep.comm_of[ok]
    names = np.empty(m, dtype=object)
    for c in np.unique(comm):
        gs = np.flatnonzero(comm == c)
        gs = gs[np.lexsort((cx[gs], -np.round(cy[gs], 0)))]
        for seq, gi in enumerate(gs, 1):
            names[gi] = f"{prep.comm_ids[c]}-{seq:02d}"
    if locked is not None:
        for gi in range(m):
            labs = pd.unique(pd.Series(locked[ok][g == gi]).dropna())
            if len(labs):
                names[gi] = str(labs[0])
    out[ok] = names[g]
    return out


def finish(prep: Prepared, grid_ids: np.ndarray, report: Report, *, min_households, max_households,
           code_layout, communities, community_id_col, road_buffer_m, renumber: bool = False, kept_seq=None,
           object_type="000000"):
    """Units with ``grid_id`` and the grid table (polygons tiling each community) in the input CRS.

    With ``renumber`` (new grids, none named by a lock) each community's grids are named
    ``<community_id>-NN`` in the order of their grid codes (:func:`~spatial.grids.codes.geographic_sequence`
    on their polygons), so that a grid's number and its code's sequence agree. ``kept_seq``
    (``grid_id -> number``, a redraw's old plan's) is passed to the grid codes.
    """
    from spatial.grids.codes import anchor_points, geographic_sequence

    grid_ids = np.array(grid_ids, dtype=object)
    # the rows that may say why a grid is out of the band (a unit's or group's, its community's, a
    # redraw's own row on the grid), taken before this step adds rows on the grids' pieces
    # (an id matched though typed with spaces round it says nothing of a grid's size)
    # (a row on more units than its row_id shows keeps them all: ``ids``)
    told = {(r["layer"], i.strip()) for r in report.rows if not r["problem"].endswith(LOOSE_WHY[0])
            for i in (str(r["row_id"]).removesuffix(" ...").split(", ") + r.get("ids", []) if r["layer"] == "units"
                      else [str(r["row_id"])])}
    rows, geoms, comm_pos = [], [], []
    buildings = unit_buildings(prep.bld, prep.hh)
    for c, cid in enumerate(prep.comm_ids):
        members = np.flatnonzero((prep.comm_of == c) & pd.notna(grid_ids))
        codes, uniq = pd.factorize(grid_ids[members])  # keys in order of appearance, as pd.unique
        keys = list(uniq)
        order = np.argsort(codes, kind="stable")
        lists = np.split(members[order], np.cumsum(np.bincount(codes, minlength=len(keys)))[:-1]) if keys else []
        if not keys:
            keys, lists = [f"{cid}-01"], [np.zeros(0, dtype=np.int64)]
        polys = community_polygons(prep.comm_geoms[c], lists, prep.pieces)
        if renumber and len(members):
            pts = anchor_points(polys)
            box = shapely.bounds(np.asarray(polys, dtype=object))
            seq = geographic_sequence(shapely.get_x(pts), shapely.get_y(pts), box[:, 3] - box[:, 1],
                                      np.asarray(keys, dtype=object))
            names = {k: f"{cid}-{n:02d}" for k, n in zip(keys, seq)}
            grid_ids[members] = [names[k] for k in grid_ids[members]]
            keys = [names[k] for k in keys]
        # rows in the grids' own order (a number, or a redrawn plan's names as people count them)
        by_name = sorted(range(len(keys)), key=lambda i: natural_key(keys[i]))
        keys, lists, polys = [keys[i] for i in by_name], [lists[i] for i in by_name], [polys[i] for i in by_name]
        for key, m, poly in zip(keys, lists, polys):
            # (units in several parts: their land may be apart where the outline is one polygon)
            if poly.geom_type != "Polygon" or (shapely.get_num_geometries(prep.pieces[m]) > 1).any():
                explain_pieces(report, key, poly, m, prep.adj, prep.pieces, prep.unit_ids)
            rows.append({
                "grid_id": key,
                "community_id": cid,
                "households": float(prep.hh[m].sum()),
                "population": float(prep.pop[m].sum()) if prep.pop is not None else np.nan,
                "n_units": int(len(m)),
                "n_buildings": float(buildings[m].sum()),
            })
            geoms.append(poly)
            comm_pos.append(c)
    out_units = prep.units.copy()
    out_units["grid_id"] = pd.Series(grid_ids, index=prep.units.index, dtype=object)
    loose = np.flatnonzero(pd.isna(grid_ids))
    if len(loose):  # kept with no grid and a report row each: said where the planner looks, too
        logger.warning("%s (%s) %s in no grid: %s; the report says why (outside every community, or none of it "
                       "inside its own): check the location and the community id", counted(len(loose), "unit"),
                       counted(round(float(prep.hh[loose].sum())), "household"), "is" if len(loose) == 1 else "are",
                       listed(prep.unit_ids[loose]))
    table = pd.DataFrame(rows)
    for col, src in (("households", prep.hh), ("population", prep.pop), ("n_buildings", buildings)):
        if src is not None and len(table):
            table[col] = whole_counts(table[col], src)  # whole counts in, whole counts out
    # measured as returned: a hairline slit the return to the input's CRS removes is not perimeter
    shape = grid_shape_metrics(as_returned(geoms, prep.crs_m, prep.crs_in),
                               prep.comm_geoms[np.asarray(comm_pos, dtype=int)], prep.roads,
                               road_buffer_m=prep.road_buffer_m)
    table = pd.concat([table, shape], axis=1)
    table["band_status"] = band_status(table["households"].to_numpy(), min_households, max_households)
    # (each grid against the mean grid of the piece of its community it is drawn in: an island's own)
    rows_of = pd.MultiIndex.from_arrays([table["community_id"].astype(object), table["grid_id"].astype(object)])
    of = rows_of.get_indexer(pd.MultiIndex.from_arrays([prep.comm_ids[np.maximum(prep.comm_of, 0)].astype(object),
                                                        grid_ids])) if len(table) else np.zeros(0, np.int64)
    piece = grid_pieces(np.where(prep.comm_of >= 0, of, -1), prep.adj.i, prep.adj.j, table["community_id"], len(table))
    table["target_households"], table["deviation_pct"] = piece_targets(table["households"], table["community_id"],
                                                                       piece, report)
    grids = to_crs_valid(gpd.GeoDataFrame(table, geometry=geoms, crs=prep.crs_m), prep.crs_in)
    # grids a row of their own already says are left out of the band, and why (a redraw's: its
    # locked units alone are over it, one estate is): that row says it, not a second one
    left = {str(r["row_id"]).strip() for r in report.rows
            if r["layer"] == "grids" and str(r["action"]).startswith(("left over band", "left under band"))}
    proofs = community_proofs(report.rows)  # (a community no plan of its count can put all in the band)
    for _, r in table[table["band_status"] != "in"].iterrows():
        if str(r["grid_id"]) in left:
            continue
        h = float(r["households"])
        gap = h - max_households if h > max_households else min_households - h
        over = h > max_households
        units_of = prep.unit_ids[grid_ids == r["grid_id"]]
        see, see_zh = grid_why(told, proofs, units_of, str(r["community_id"]), str(r["grid_id"]))
        report.add("grids", r["grid_id"], f"has {h:g} households, outside {min_households:g}–{max_households:g} "
                   f"({r['band_status']} band)", f"best plan found is {counted(gap, 'household', shown=f'{gap:g}')} "
                   f"{'over the maximum' if over else 'under the minimum'}; {see}",
                   zh=(f"{h:g} 户，不在 {min_households:g}–{max_households:g} 户区间内（{'高于' if over else '低于'}区间）",
                       f"找到的最佳方案仍{'超过上限' if over else '低于下限'} {gap:g} 户；{see_zh}"))
    # grids holding homes across an arterial or a river: named, with those homes
    say_across_major(report, grid_ids, prep.adj, prep.unit_ids, prep.hh, prep.comm_of)
    grids = _codes_and_staff(grids, communities, community_id_col, code_layout, report, kept_seq, object_type)
    return out_units, grids
