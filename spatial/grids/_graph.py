"""Sub-graphs and connectivity of the symmetric unit graph, for the engine's many small cuts.

The engine cuts thousands of small node sets out of one graph (a pair of grids, a ring of them,
one side of a bisection). scipy's fancy indexing (``adj[nodes][:, nodes]``) and its undirected
searches (which transpose the graph on every call) cost more there than the work itself;
these give the same arrays and answers for less. Imports numpy and scipy only.
"""

from __future__ import annotations

import threading
import weakref
from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

__all__ = ["sub_graph", "same_structure", "csr_of", "coo_of", "Coo", "neighbour_lists", "n_pieces", "nearest_of",
           "SideCheck"]

#: What scipy's constructor leaves on a CSR matrix besides its arrays and shape (``maxprint``),
#: read once from one it built.
_CSR_ATTRS = {key: value for key, value in vars(sparse.csr_matrix((1, 1))).items()
              if key not in ("_shape", "indices", "indptr", "data")}


def csr_of(data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, shape: tuple[int, int]) -> sparse.csr_matrix:
    """``sparse.csr_matrix((data, indices, indptr), shape=shape)`` of arrays known to be well
    formed (``indptr`` from 0 to ``len(indices)``, as many ``data`` as ``indices``), without the
    constructor's checks: the engine builds thousands of small cut graphs a call, where those
    checks (about 40 us each) cost more than slicing the arrays. The arrays are the matrix's
    own, as scipy keeps them; index arrays other than int32 (which scipy would recast) go
    through scipy's constructor.

    Examples
    --------
    >>> import numpy as np
    >>> m = csr_of(np.array([2.0, 3.0]), np.array([1, 0], np.int32), np.array([0, 1, 2], np.int32), (2, 2))
    >>> m.toarray()
    array([[0., 2.],
           [3., 0.]])
    """
    if (indices.dtype != np.int32 or indptr.dtype != np.int32 or type(data) is not np.ndarray
            or data.ndim != 1 or len(indptr) != shape[0] + 1 or len(data) != len(indices)
            or (len(indptr) and (indptr[0] != 0 or indptr[-1] != len(indices)))):
        return sparse.csr_matrix((data, indices, indptr), shape=shape)
    m = sparse.csr_matrix.__new__(sparse.csr_matrix)
    m.__dict__.update(_CSR_ATTRS)
    m._shape = (int(shape[0]), int(shape[1]))
    m.indices, m.indptr, m.data = indices, indptr, data
    return m


def sub_graph(adj: sparse.csr_matrix, nodes: np.ndarray, twin: sparse.csr_matrix | None = None
              ) -> sparse.csr_matrix | tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """``adj[nodes][:, nodes].tocsr()`` of a CSR matrix, array for array.

    Rows come in the order of ``nodes`` (distinct); within a row, entries keep ``adj``'s order,
    as scipy's own indexing leaves them, so METIS and every search see the same graph. With
    ``twin``, a matrix of the very same ``indptr`` and ``indices`` as ``adj`` (other values: the
    shared boundaries beside the cut costs), both sub-graphs ``(adj's, twin's)`` from one
    selection of the entries.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> a = sparse.csr_matrix(np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], float))
    >>> sub_graph(a, np.array([2, 0])).toarray()
    array([[0., 1.],
           [1., 0.]])
    """
    nodes = np.asarray(nodes, dtype=np.intp)
    k = len(nodes)
    ip = adj.indptr
    start = ip[nodes]
    length = ip[nodes + 1] - start
    ends = np.cumsum(length)
    # positions in adj.indices of every entry of the chosen rows, row by row
    at = np.arange(int(ends[-1]) if k else 0) + np.repeat(start - (ends - length), length)
    pos = np.full(adj.shape[1], -1, dtype=np.intp)
    pos[nodes] = np.arange(k)
    col = pos[adj.indices[at]]
    keep = col >= 0
    indptr = np.zeros(k + 1, dtype=ip.dtype)
    np.cumsum(np.bincount(np.repeat(np.arange(k), length)[keep], minlength=k), out=indptr[1:])
    at, col = at[keep], col[keep].astype(adj.indices.dtype)
    sub = csr_of(adj.data[at], col, indptr, (k, k))
    if twin is None:
        return sub
    return sub, csr_of(twin.data[at], col, indptr, (k, k))


def same_structure(a: sparse.csr_matrix, b: sparse.csr_matrix) -> bool:
    """Whether two CSR matrices store entries at the same places in the same order (the same
    ``indptr`` and ``indices``), so that one can be ``sub_graph``'s ``twin`` of the other."""
    return (a.shape == b.shape and a.nnz == b.nnz and np.array_equal(a.indptr, b.indptr)
            and np.array_equal(a.indices, b.indices))


class Coo(NamedTuple):
    """The entries of a sparse matrix as coordinate arrays (what the engine reads of a COO matrix)."""

    row: np.ndarray
    col: np.ndarray
    data: np.ndarray


def coo_of(m: sparse.csr_matrix) -> Coo:
    """``m.tocoo()``'s ``row``, ``col`` and ``data`` of a CSR matrix, entry for entry (stored zeros
    and duplicates kept, in ``m``'s order), without building a scipy matrix: the passes read the
    entries of thousands of small cut graphs, where scipy's checks cost more than the arrays.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> c = coo_of(sparse.csr_matrix(np.array([[0, 2.0], [3.0, 0]])))
    >>> c.row.tolist(), c.col.tolist(), c.data.tolist()
    ([0, 1], [1, 0], [2.0, 3.0])
    """
    ip = m.indptr
    row = np.repeat(np.arange(m.shape[0], dtype=m.indices.dtype), np.diff(ip))
    return Coo(row, m.indices, m.data)


#: Neighbour lists of the last few graphs, by the id of their matrix: (a weak reference to it, the
#: ids of its arrays, the lists). The passes ask again and again for those of one graph (each
#: search and swap pass of the whole graph, a region's two searches), where making them takes
#: about 15 ms at 10,000 units.
_LISTS: dict = {}
_LISTS_KEPT = 4
#: Graphs of this many rows or more are kept apart, up to ``_LARGE_KEPT`` of them: the whole graph
#: and its shared boundaries, asked for by every pass of the finish, were made again 9 times a call
#: at 10,000 units (0.03 s) when the passes' hundreds of small regions came in between.
_LARGE_ROWS = 2_000
_LARGE_KEPT = 3
_LARGE: dict = {}
_LISTS_LOCK = threading.Lock()


def neighbour_lists(m: sparse.csr_matrix) -> tuple[list, list]:
    """Each row's column indices and values of a CSR matrix as Python lists (``m.indices`` and
    ``m.data`` of the row, in their order), for the passes' loops in plain Python.

    The lists of the last few matrices are kept and given again while the matrix and its three
    arrays are the same objects (the engine never writes a graph's arrays in place); callers
    read them and must not change them.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> nbrs, vals = neighbour_lists(sparse.csr_matrix(np.array([[0, 2.0], [3.0, 0]])))
    >>> nbrs, vals
    ([[1], [0]], [[2.0], [3.0]])
    """
    ids = (id(m.indptr), id(m.indices), id(m.data))
    kept, most = (_LARGE, _LARGE_KEPT) if m.shape[0] >= _LARGE_ROWS else (_LISTS, _LISTS_KEPT)
    with _LISTS_LOCK:
        got = kept.get(id(m))
        if got is not None and got[0]() is m and got[1] == ids:
            return got[2]
    ip, ind, dat = m.indptr.tolist(), m.indices.tolist(), m.data.tolist()
    lists = [ind[a:b] for a, b in zip(ip[:-1], ip[1:])], [dat[a:b] for a, b in zip(ip[:-1], ip[1:])]
    with _LISTS_LOCK:
        kept.pop(id(m), None)  # (a graph given new arrays: its entry is made again, the newest)
        for key in [key for key, got in kept.items() if got[0]() is None]:
            del kept[key]  # (graphs gone: their lists are let go at once)
        while len(kept) >= most:
            del kept[next(iter(kept))]  # the oldest
        kept[id(m)] = (weakref.ref(m), ids, lists)
    return lists


def pass_arrays(labels: np.ndarray, hh: np.ndarray, xy: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """A pass's own copy of the labels (int64), households and centroids as floats, and the
    number of parts; 0 parts when there is nothing to do (fewer than 4 nodes, or one part).

    Examples
    --------
    >>> import numpy as np
    >>> lab, hh, xy, k = pass_arrays([0, 0, 1, 1], [1, 2, 3, 4], [[0, 0]] * 4)
    >>> k, hh.dtype.name, pass_arrays([0, 0, 0, 0], [1, 1, 1, 1])[3]
    (2, 'float64', 0)
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    if len(labels) < 4 or labels.max() < 1:
        return labels, np.asarray(hh, dtype=float), xy, 0
    return (labels, np.asarray(hh, dtype=float), None if xy is None else np.asarray(xy, dtype=float),
            int(labels.max()) + 1)


def cut_nodes(nbrs, lab) -> np.ndarray:
    """Whether each node is a cut node of its part (its part falls apart without it): Tarjan's
    low points over the edges within parts (``nbrs`` each node's neighbours, ``lab`` each node's
    part; all one part for a graph's articulation points), depth first without recursion.

    Examples
    --------
    >>> cut_nodes([[1], [0, 2], [1]], [0, 0, 0]).tolist(), cut_nodes([[1], [0, 2], [1]], [0, 0, 1]).tolist()
    ([False, True, False], [False, False, False])
    """
    n = len(lab)
    disc = [-1] * n
    low = [0] * n
    cut = np.zeros(n, dtype=bool)
    t = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        disc[root] = low[root] = t
        t += 1
        part = lab[root]
        stack = [(root, -1, iter(nbrs[root]))]
        children = 0
        while stack:
            u, parent, it = stack[-1]
            for v in it:
                if lab[v] != part or v == parent:
                    continue
                if disc[v] < 0:
                    disc[v] = low[v] = t
                    t += 1
                    if u == root:
                        children += 1
                    stack.append((v, u, iter(nbrs[v])))
                    break
                if disc[v] < low[u]:
                    low[u] = disc[v]
            else:
                stack.pop()
                if stack:
                    p = stack[-1][0]
                    if low[u] < low[p]:
                        low[p] = low[u]
                    if p != root and low[u] >= disc[p]:
                        cut[p] = True
        if children > 1:
            cut[root] = True
    return cut


def n_pieces(sub: sparse.csr_matrix) -> int:
    """How many connected pieces a symmetric graph has.

    On a symmetric graph strong and weak components are the same; asking for strong ones spares
    scipy the transpose its undirected search makes on every call.
    """
    if sub.shape[0] == 0:
        return 0
    return int(connected_components(sub, directed=True, connection="strong", return_labels=False))


def nearest_of(g: sparse.csr_matrix, sources: np.ndarray) -> np.ndarray:
    """Shortest distance from any of ``sources`` over a symmetric weighted graph ``g`` (the same
    as an undirected search, without its transpose)."""
    return dijkstra(g, directed=True, indices=sources, min_only=True)


class SideCheck:
    """Whether each side of a labelling of one symmetric graph is in one piece, asked many times.

    One vectorised search instead of a walk of each side in Python: the bisection asks this of
    nearly every cut it makes and tries, on graphs of up to the whole community, and nearly
    always the answer is yes. The edges between sides become self-loops (which join nothing) of
    a private copy of the graph's structure, rewritten in place for each labelling, so no sparse
    matrix is built per question.

    Examples
    --------
    >>> from scipy import sparse
    >>> import numpy as np
    >>> path = sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], float))
    >>> check = SideCheck(path)
    >>> check(np.array([0, 0, 1])), check(np.array([0, 1, 0]))
    (True, False)
    """

    __slots__ = ("row", "col", "loops")

    def __init__(self, g: sparse.csr_matrix, coo: Coo | None = None):
        coo = coo_of(g) if coo is None else coo
        self.row, self.col = coo.row, coo.col
        self.loops = csr_of(np.ones(len(coo.col)), coo.col.copy(), g.indptr.copy(), g.shape)

    def __call__(self, side: np.ndarray) -> bool:
        """Whether every side present in ``side`` (a label per node) is one connected piece."""
        if len(side) == 0:
            return True
        self.loops.indices[:] = np.where(side[self.row] == side[self.col], self.col, self.row)
        found = connected_components(self.loops, directed=True, connection="strong", return_labels=False)
        return int(found) == len(np.unique(side))
