"""Each grid's target size: the mean grid of the piece of its community it is drawn in.

A community whose units fall into pieces that share no edge (islands: land cut off by water or
a gap wider than the street gap) has each piece drawn on its own, with grids seated in
proportion to its households (``_seats``): no grid can take households from another piece. A
grid is so measured against the mean grid of its own piece (``target_households``) and its
``deviation_pct`` is from that, as the engine drew it; the community's row in the report gives
both figures. Used by :mod:`spatial.grids.partition` (``finish``) and
:mod:`spatial.grids.evaluate`; imports numpy, pandas, scipy and :mod:`spatial.core` only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components


__all__ = ["grid_pieces", "piece_targets"]


def grid_pieces(of: np.ndarray, i: np.ndarray, j: np.ndarray, community, n: int) -> np.ndarray:
    """The piece (0..p-1) of each of ``n`` grids: grids of one community holding units that are
    neighbours (the pairs ``i``, ``j`` of units; ``of`` each unit's grid, -1 for none) are in one
    piece, and so, through them, are all grids reached so.

    Examples
    --------
    Units 0-1 and 2-3 neighbours, 4 alone; grids A = {0}, B = {1, 2}, C = {3}, D = {4}:

    >>> import numpy as np
    >>> grid_pieces(np.array([0, 1, 1, 2, 3]), np.array([0, 2]), np.array([1, 3]), ["c"] * 4, 4).tolist()
    [0, 0, 0, 1]
    """
    of = np.asarray(of, dtype=np.int64)
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    a, b = (of[i], of[j]) if len(i) else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    comm = pd.factorize(pd.Series(np.asarray(community, dtype=object)), use_na_sentinel=False)[0]
    keep = (a >= 0) & (b >= 0) & (a != b)
    keep[keep] = comm[a[keep]] == comm[b[keep]]  # (a grid outside its community joins none)
    m = sparse.csr_matrix((np.ones(int(keep.sum())), (a[keep], b[keep])), shape=(n, n))
    return connected_components(m, directed=False)[1]


def piece_targets(households, community, piece, report=None, *,
                  unit_word: str = "units") -> tuple[np.ndarray, np.ndarray]:
    """Each grid's ``target_households`` (the mean grid of its ``piece`` of its ``community``) and
    ``deviation_pct`` from it (0 where the piece holds no households). With ``report``, one row
    per community in several pieces, one of them holding two grids or more, giving each piece's
    mean grid and the community's.

    Examples
    --------
    A community in two pieces: 1,489 households in one grid, 674 in two:

    >>> t, d = piece_targets([1489, 337, 337], ["c", "c", "c"], [0, 1, 1])
    >>> t.tolist(), d.tolist()
    ([1489.0, 337.0, 337.0], [0.0, 0.0, 0.0])
    """
    h = pd.Series(np.asarray(households, dtype=float))
    comm = pd.Series(np.asarray(community, dtype=object))
    piece = pd.Series(np.asarray(piece))
    target = h.groupby([comm, piece], dropna=False).transform("mean").to_numpy(dtype=float)
    dev = np.where(target > 0, 100 * (h.to_numpy() - target) / np.maximum(target, 1e-12), 0.0)
    if report is not None:
        _say_pieces(report, h, comm, piece, unit_word)
    return target, dev


def _say_pieces(report, h: pd.Series, comm: pd.Series, piece: pd.Series, unit_word: str) -> None:
    """One row per community whose grids lie in several pieces (see :func:`piece_targets`)."""
    for cid, rows in h.groupby(comm, dropna=False, sort=False).groups.items():
        if pd.isna(cid):
            continue
        by = h.loc[rows].groupby(piece.loc[rows], sort=False).agg(["sum", "count"])
        if len(by) < 2 or (by["count"] < 2).all():  # (a grid a piece: each its own target, and the
            continue  # community's rows say that units not connected need a grid each)
        by = by.sort_values("sum", ascending=False, kind="stable")
        mean = float(h.loc[rows].mean())
        sums, counts = by["sum"].to_numpy(), by["count"].to_numpy()
        sizes, grids = [f"{x:,.0f}" for x in sums], [str(int(c)) for c in counts]
        means = [f"{x:,.0f}" for x in sums / counts]
        report.add("communities", cid,
                   f"its {unit_word} are in {len(by)} pieces that share no edge, of {_and(sizes)} households "
                   f"in {_and(grids)} grids",
                   f"each grid's target_households is the mean grid of its own piece ({_and(means)}), not of the "
                   f"community ({mean:,.0f}), and its deviation_pct is from that: no grid can take households "
                   "from another piece",
                   zh=(f"其单元分为 {len(by)} 个互不相邻的部分（分别 {'、'.join(sizes)} 户，{'、'.join(grids)} 个网格）",
                       f"各网格的平均户数（target_households）取其所在部分的网格平均值（{'、'.join(means)}），"
                       f"而非全社区的（{mean:,.0f}），偏差（deviation_pct）按此计算：网格不能从其他部分调入住户"))

def _and(words: list[str]) -> str:
    """``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
