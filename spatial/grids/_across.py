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
                     hh: np.ndarray) -> int:
    """Add a ``grids`` row for each grid whose units fall apart when the shared edges along an
    arterial or a river (``adj.major_m``) are taken away; return how many rows were added.

    The units across are those of every piece but the one with most households; the row gives
    their households and ids. Nothing is said without arterials or rivers among the roads.
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
    hh = np.asarray(hh, dtype=float)
    added = 0
    along_m = pd.Series(adj.major_m[along]).groupby(gid.to_numpy()[adj.i[along]]).sum()
    for key in sorted(along_m.index, key=natural_key):
        if along_m[key] < MIN_ALONG_M:
            continue
        members = np.flatnonzero(gid.to_numpy() == key)
        parts = pd.Series(hh[members]).groupby(piece[members]).sum()
        if len(parts) < 2:  # the line ends inside the grid: its units meet round its end
            continue
        main = parts.index[int(np.argmax(parts.to_numpy()))]
        across = members[piece[members] != main]
        far = float(hh[across].sum())
        if far <= 0:  # only land nobody lives on lies across (a park, a road's verge)
            continue
        ids = listed(unit_ids[across])
        report.add(
            "grids", key,
            f"holds units on both sides of an arterial or a river: {counted(round(far), 'household')} in "
            f"{counted(len(across), 'unit')} ({ids}) lie across it from the rest ({along_m[key]:.0f} m of their "
            f"shared borders run along it)",
            "check that its households and grid worker can cross there (a crossing, a footbridge, a bridge); if "
            "not, move those units to a grid on their own side (spatial editor)",
            zh=(f"网格跨越主干道或河流：{len(across)} 个单元（{ids}）共 {far:g} 户与网格其余部分隔路（河）相望"
                f"（共有边界 {along_m[key]:.0f} 米沿主干道或河流）",
                "请核实住户和网格员可在此通行（人行横道、天桥、桥梁）；否则请在 spatial editor 中把这些单元调入同侧的网格"))
        added += 1
    return added
