"""Proofs that no plan puts every grid in the band, beyond one unit's (private plumbing of the
report: :mod:`spatial.grids._explain`).

:func:`hemmed_in` proves a unit or group cannot be in a grid in the band on its own reach (the
engine's, re-exported by ``_engine``). Two more proofs a planner can read were missing, found on
libpysal's polygons with made-up households, where the report said "try another --seed" though no plan exists (an exact integer
program, set partitioning over every connected group of units in the band, says so):

- **a pocket** (:func:`pockets`): units that reach the rest of the community only through one unit
  and hold, with it, fewer than the minimum. Every grid touching them is under the band unless it
  passes that unit, and only one grid can hold it, so one grid holds them all. On the Mexican
  states (households of seed 3) three states of 33, 23 and 93 households behind one of them,
  beyond which lies only an estate of 352: 501 > 500 in any plan. ``hemmed_in`` on the graph with
  each pocket one node (:func:`cornered`) then proves such groups.
- **too many heavy units** (:func:`crowded`): units (an estate one unit) of which no two fit one
  grid each take a grid of their own, and the other grids must be made of what is left. On the
  Mexican states (seed 1) with 9 grids, five units of 292-438 households leave 1,170 households for
  the other four grids (1,200 at the minimum) and eight of them to bring 292 to 300.
- **heavy units cutting the rest apart** (:func:`crowded` with the graph, :func:`no_band_plan`):
  every other grid holds none of those units, so it lies inside one group of the units left
  between them, and a group makes at most its households over the minimum (rounded down) grids.
  On libpysal's 49 Columbus neighbourhoods (households of seed 1) with 13 grids, three units of
  377-430 households leave groups of 2,582 and 468: at most 8 and 1 of the 10 other grids, though
  the households add up (an integer program proved it before, with no rule to read).

Imports numpy and scipy only.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.grids._graph import cut_nodes, neighbour_lists

__all__ = ["cornered", "crowded", "cut_apart", "hemmed_in", "no_band_plan", "pockets"]

#: Nodes a pocket's search visits before giving up (the pocket is then not claimed), as
#: ``hemmed_in``'s ``reach``: the cost stays linear in the units.
_REACH = 200
#: Passes of pocket merging (a pocket merged can make the unit it hangs from part of a larger one).
_PASSES = 6


def hemmed_in(adj: sparse.csr_matrix, hh: np.ndarray, *, min_hh: float, max_hh: float, reach: int = 200,
              nodes: np.ndarray | None = None) -> np.ndarray:
    """Nodes that no connected part within ``min_hh``-``max_hh`` can hold (a proof, not a guess).

    A node over ``max_hh``; or a node ``v`` under ``min_hh`` such that the nodes a part holding it
    could also hold (those with at most ``max_hh - hh[v]`` households: any heavier one would push
    the part over) and that connect to ``v`` through such nodes hold fewer than ``min_hh`` all
    together: for instance a gated estate of 266 households whose neighbours are a lot with no
    homes and estates of 261 and more, with a band of 300-500. The search from each node stops
    after ``reach`` nodes (then the node is not flagged), so the cost stays linear. ``nodes``: only
    these are searched from (the others are flagged only when over ``max_hh``).
    """
    hh = np.asarray(hh, dtype=float)
    n = len(hh)
    out = hh > max_hh
    ip, ind = adj.indptr.tolist(), adj.indices.tolist()
    hl = hh.tolist()
    start = (hh > 0) & (hh < min_hh)
    if nodes is not None:
        asked = np.zeros(n, dtype=bool)
        asked[np.asarray(nodes, dtype=np.int64)] = True
        start &= asked
    for v in np.flatnonzero(start).tolist():
        room = max_hh - hl[v]
        total, seen, stack = hl[v], {v}, [v]
        while stack and total < min_hh and len(seen) <= reach:
            x = stack.pop()
            for y in ind[ip[x]:ip[x + 1]]:
                if y not in seen and hl[y] <= room:
                    seen.add(y)
                    stack.append(y)
                    total += hl[y]
        out[v] = total < min_hh and not stack
    return out if n else np.zeros(0, dtype=bool)


def pockets(adj: sparse.csr_matrix, hh: np.ndarray, *, min_hh: float) -> np.ndarray:
    """Group of each node: nodes that any plan with every grid at ``min_hh`` or more must keep in
    one grid (a node alone is its own group).

    A node ``a`` whose removal cuts the graph, and a side of it that holds, with ``a``, fewer than
    ``min_hh`` households: a grid inside the side is under the minimum, so every grid meeting the
    side holds ``a``, and one grid holds all of them. Merged groups are searched again (a pocket can
    make the node it hangs from part of a larger one).

    Examples
    --------
    A row of five: 33 | 93 | 23 | 352 | 400, band from 300. The first three reach the rest only
    through the third, and hold 149: they are one group.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> i = np.arange(4)
    >>> adj = sparse.csr_matrix((np.ones(8), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(5, 5))
    >>> pockets(adj, np.array([33.0, 93, 23, 352, 400]), min_hh=300).tolist()
    [0, 0, 0, 1, 2]
    """
    hh = np.asarray(hh, dtype=float)
    n = len(hh)
    group = np.arange(n)
    if n == 0:
        return group
    for _ in range(_PASSES):
        _, group = np.unique(group, return_inverse=True)
        m = int(group.max()) + 1
        p = sparse.csr_matrix((np.ones(n), (np.arange(n), group)), shape=(n, m))
        g_adj = (p.T @ adj @ p).tocsr()
        g_adj.setdiag(0)
        g_adj.eliminate_zeros()
        g_hh = np.bincount(group, weights=hh, minlength=m)
        merge = _merges(g_adj, g_hh, min_hh)
        if not merge:
            break
        lab = np.arange(m)
        for a, side in merge:  # (union by relabelling: few pockets, small sides)
            mine = np.isin(lab, lab[[a, *side]])
            lab[mine] = lab[a]
        group = lab[group]
    return np.unique(group, return_inverse=True)[1]


def _merges(adj, hh, min_hh):
    """(cut node, nodes of a side) pairs where the side and the node hold fewer than ``min_hh``."""
    ip, ind = adj.indptr.tolist(), adj.indices.tolist()
    hl = hh.tolist()
    out = []
    for a in np.flatnonzero(cut_nodes(neighbour_lists(adj)[0], [0] * adj.shape[0])).tolist():
        room = min_hh - hl[a]
        done = {a}
        for x in ind[ip[a]:ip[a + 1]]:
            if x in done:
                continue
            seen, stack, total = {x}, [x], hl[x]
            while stack and total < room and len(seen) <= _REACH:
                u = stack.pop()
                for y in ind[ip[u]:ip[u + 1]]:
                    if y != a and y not in seen:
                        seen.add(y)
                        stack.append(y)
                        total += hl[y]
            done |= seen
            if not stack and total < room:  # the whole side searched, and light
                out.append((a, sorted(seen)))
    return out


def cornered(adj: sparse.csr_matrix, hh: np.ndarray, *, min_hh: float, max_hh: float):
    """Pockets of two or more nodes (:func:`pockets`) that no grid in ``min_hh``-``max_hh`` can
    hold (``hemmed_in`` on the graph with each pocket one node): a list of (nodes of the pocket,
    the node it hangs from, households of the pocket, households of its lightest neighbour outside)."""
    hh = np.asarray(hh, dtype=float)
    group = pockets(adj, hh, min_hh=min_hh)
    m = int(group.max()) + 1 if len(group) else 0
    sizes = np.bincount(group, minlength=m)
    if not (sizes > 1).any():
        return []
    n = len(hh)
    p = sparse.csr_matrix((np.ones(n), (np.arange(n), group)), shape=(n, m))
    g_adj = (p.T @ adj @ p).tocsr()
    g_adj.setdiag(0)
    g_adj.eliminate_zeros()
    g_hh = np.bincount(group, weights=hh, minlength=m)
    stuck = hemmed_in(g_adj, g_hh, min_hh=min_hh, max_hh=max_hh, nodes=np.flatnonzero(sizes > 1))
    _, comp = connected_components(g_adj, directed=False)
    comp_hh = np.bincount(comp, weights=g_hh)
    out = []
    for gid in np.flatnonzero(stuck & (sizes > 1) & (comp_hh[comp] >= min_hh)):
        nodes = np.flatnonzero(group == gid)
        nb = g_adj.indices[g_adj.indptr[gid]:g_adj.indptr[gid + 1]]
        lightest = float(g_hh[nb].min()) if len(nb) else np.nan
        inner = adj[nodes][:, nodes]  # the node the rest hangs from: the one with an edge outside
        outside = np.asarray(adj[nodes].sum(axis=1)).ravel() - np.asarray(inner.sum(axis=1)).ravel()
        gate = nodes[outside > 0]
        out.append((nodes, gate, float(g_hh[gid]), lightest))
    return out


def crowded(hh: np.ndarray, k: int, *, min_hh: float, max_hh: float, adj: sparse.csr_matrix | None = None):
    """A proof by counting that no ``k`` grids in ``min_hh``-``max_hh`` hold the nodes ``hh``
    (an estate one node), or None.

    Take the heaviest nodes while no two of them fit one grid (each pair over ``max_hh``): each
    needs a grid of its own, and the ``k`` - t other grids must be made of the rest, which must
    also bring the heavy nodes under ``min_hh`` up to it. Returns a dict (``heavy``: their
    households, ``light``: the rest's, ``need``: what the band asks of the rest, ``k``) for the
    largest such t where the rest fall short, or where the heavy nodes outnumber the grids.

    With ``adj`` (the nodes' graph), else also where the heavy nodes cut the rest apart
    (:func:`cut_apart`): a grid of the rest lies inside one group of them, so the ``k`` - t grids
    must fit in the groups, ``min_hh`` or more each. The dict then also holds ``groups`` (each
    group's households, heaviest first, those with none left out), ``fit`` (the grids each can
    make) and ``nodes`` (the heavy nodes), for the smallest such t.

    Examples
    --------
    >>> crowded([400, 419, 438, 292, 404] + [130] * 9, 9, min_hh=300, max_hh=500)["need"]
    1208.0
    >>> crowded([400, 300, 300], 3, min_hh=300, max_hh=500) is None
    True
    """
    hh = np.asarray(hh, dtype=float)
    order = np.argsort(-hh, kind="stable")
    w = hh[order]
    total = float(w.sum())
    found = apart = None
    for t in range(1, len(w) + 1):
        if t > 1 and w[t - 1] + w[t - 2] <= max_hh:
            break
        heavy = w[:t]
        if t > k:
            return {"heavy": heavy, "light": total - float(heavy.sum()), "need": np.inf, "k": int(k)}
        need = (k - t) * min_hh + float(np.maximum(min_hh - heavy, 0).sum())
        if total - heavy.sum() < need - 1e-9:
            found = {"heavy": heavy, "light": total - float(heavy.sum()), "need": need, "k": int(k)}
        elif apart is None and adj is not None and min_hh > 0:
            groups = cut_apart(adj, hh, order[:t])
            fit = np.floor(groups / min_hh + 1e-9).astype(int)
            if fit.sum() < k - t:
                apart = {"heavy": heavy, "light": total - float(heavy.sum()), "need": need, "k": int(k),
                         "groups": groups, "fit": fit, "nodes": order[:t]}
    return found if found is not None else apart


def cut_apart(adj: sparse.csr_matrix, hh: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Households of each group of connected nodes left when ``nodes`` are taken out of the graph
    ``adj``, heaviest first (groups holding none left out).

    Examples
    --------
    A row 100 | 400 | 250 | 400 | 0 without its two 400s: groups of 250 and 100.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> i = np.arange(4)
    >>> adj = sparse.csr_matrix((np.ones(8), (np.r_[i, i + 1], np.r_[i + 1, i])), shape=(5, 5))
    >>> cut_apart(adj, np.array([100.0, 400, 250, 400, 0]), np.array([1, 3])).tolist()
    [250.0, 100.0]
    """
    hh = np.asarray(hh, dtype=float)
    keep = np.ones(len(hh), dtype=bool)
    keep[np.asarray(nodes, dtype=np.int64)] = False
    rest = np.flatnonzero(keep)
    if not len(rest):
        return np.zeros(0)
    _, comp = connected_components(sparse.csr_matrix(adj)[rest][:, rest], directed=False)
    groups = np.bincount(comp, weights=hh[rest])
    return np.sort(groups[groups > 0])[::-1]


def no_band_plan(adj: sparse.csr_matrix, hh: np.ndarray, k: int, *, min_hh: float, max_hh: float):
    """:func:`crowded` on the nodes of the graph ``adj`` within ``max_hh`` and the grids left when
    each node over it has one of its own (None where neither count proves anything)."""
    hh = np.asarray(hh, dtype=float)
    keep = np.flatnonzero(hh <= max_hh)
    k = int(k) - (len(hh) - len(keep))
    sub = sparse.csr_matrix(adj)[keep][:, keep]
    proof = crowded(hh[keep], k, min_hh=min_hh, max_hh=max_hh, adj=sub)
    if proof is not None and "nodes" in proof:
        proof["nodes"] = keep[proof["nodes"]]
    return proof
