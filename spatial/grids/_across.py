"""Report rows on grids whose units lie on both sides of an arterial or a river.

A planner's first objection to a grid on a real map is one that takes in homes across 深南大道 or
a river (TD/T 1062-2021: a life circle should not be cut by arterials, rivers or railways): its
grid worker has to cross it. The engine makes a cut along such a line cheap, but where the band
or the community's outline asks for it a grid still takes units across. Such a grid is named
here, with the units across, so the planner can check there is a crossing or move them.

Used by :mod:`spatial.grids.partition`; imports from :mod:`spatial.core` and the grid engine's
private modules only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core._words import counted
from spatial.core.checks import Report, listed, natural_key
from spatial.grids._adjacency import Adjacency

#: A shared edge lies along an arterial or a river when at least this share of it does.
ALONG_SHARE = 0.5
#: A grid is named when the shared edges along such lines that it keeps inside sum to at least
#: this many metres (a corner of a unit grazing a line is not a crossing).
MIN_ALONG_M = 10.0


def say_across_major(report: Report, grid_ids: np.ndarray, adj: Adjacency, unit_ids: np.ndarray,
                     hh: np.ndarray, comm_of: np.ndarray) -> int:
    """Add a ``grids`` row for each grid whose units fall apart when the shared edges along an
    arterial or a river (``adj.major_m``) are taken away; return how many rows were added.

    The units across are those of every piece but the one with most households; the row gives
    their households and ids, and says when no other grid of their community (``comm_of``: each
    unit's community position) lies on their side: then any grid must cross to reach them, and
    the homes themselves are worth a check. Nothing is said without arterials or rivers among
    the roads.
    """
    if adj.major_m is None or not len(adj.i):
        return 0
    gid = pd.Series(np.asarray(grid_ids, dtype=object))
    known = gid.notna().to_numpy()
    same = known[adj.i] & known[adj.j] & (gid.to_numpy()[adj.i] == gid.to_numpy()[adj.j])
    along = same & (adj.major_m >= ALONG_SHARE * adj.shared_m)
    if not along.any():
        return 0
    keep = same & ~along
    g = sparse.coo_matrix((np.ones(int(keep.sum())), (adj.i[keep], adj.j[keep])), shape=(adj.n, adj.n))
    _, piece = connected_components(g, directed=False)
    labels = gid.to_numpy()
    # the borders along a line between two pieces of one grid, and the units that reach another
    # grid without crossing such a line (those across have a grid on their own side)
    split = along & (piece[adj.i] != piece[adj.j])
    if not split.any():  # every line ends inside its grid: the units meet round its end
        return 0
    comm_of = np.asarray(comm_of)
    free = (known[adj.i] & known[adj.j] & ~same & (comm_of[adj.i] == comm_of[adj.j])
            & (adj.major_m < ALONG_SHARE * adj.shared_m))
    open_side = np.zeros(adj.n, dtype=bool)
    open_side[adj.i[free]] = open_side[adj.j[free]] = True
    split_m = pd.Series(adj.major_m[split]).groupby(labels[adj.i[split]]).sum()
    hh = np.asarray(hh, dtype=float)
    added = 0
    split_m = split_m[split_m >= MIN_ALONG_M]
    held = np.flatnonzero(pd.Series(labels).isin(split_m.index).to_numpy())  # the units of those grids
    units_of = pd.Series(held).groupby(labels[held]).apply(np.asarray) if len(held) else {}
    for key in sorted(split_m.index, key=natural_key):
        members = units_of[key]
        parts = pd.Series(hh[members]).groupby(piece[members]).sum()
        main = parts.index[int(np.argmax(parts.to_numpy()))]
        across = members[piece[members] != main]
        far = float(hh[across].sum())
        if far <= 0:  # only land nobody lives on lies across (a park, a road's verge)
            continue
        ids = listed(unit_ids[across])
        problem = (f"holds units on both sides of an arterial or a river: {counted(round(far), 'household')} in "
                   f"{counted(len(across), 'unit')} ({ids}) lie across it from the rest ({split_m[key]:.0f} m of "
                   "their shared borders run along it)")
        problem_zh = (f"网格跨越主干道或河流：{len(across)} 个单元（{ids}）共 {far:g} 户"
                      f"与网格其余部分隔路（河）相望（共有边界 {split_m[key]:.0f} 米沿主干道或河流）")
        if open_side[across].any():
            action = ("check that its households and grid worker can cross there (a crossing, a footbridge, a "
                      "bridge); if not, move those units to a grid on their own side (spatial editor)")
            action_zh = ("请核实住户和网格员可在此通行（人行横道、天桥、桥梁）；"
                         "否则请在 spatial editor 中把这些单元调入同侧的网格")
        else:
            problem += "; no other grid lies on their side: arterials or rivers ring them"
            problem_zh += "；其四周均为主干道或河流，同侧没有其他网格"
            action = ("any grid must cross to reach them: check that homes really stand there (not a road's median "
                      "or an interchange's loop, land that belongs to no home) and that a crossing leads to them")
            action_zh = ("任何网格都须跨越道路（河流）才能包含这些单元：请核实此处确有住户"
                         "（而非道路中央隔离带或立交匝道围合的土地），并有通道可达")
        report.add("grids", key, problem, action, zh=(problem_zh, action_zh))
        added += 1
    return added
