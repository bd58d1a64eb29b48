"""The engine's cut graphs are built without scipy's constructor checks, and are the matrices
scipy's constructor would build.

A call at 10,000 units cuts about 6,700 small graphs out of the unit graph (pairs, rings and
sides of bisections, and their distance graphs); scipy's ``csr_matrix((data, indices, indptr))``
spent about 40 us a graph checking arrays the engine had just sliced well formed, some 0.3-0.4
CPU-s a call. ``_graph.csr_of`` gives the same object state (arrays, their dtypes, shape,
``maxprint``) for well-formed int32 arrays and hands anything else to scipy. The references are
scipy's own constructor, on random graphs with empty rows, stored zeros and unsorted rows.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from spatial.grids._bisect import _Views
from spatial.grids._graph import csr_of, sub_graph


def _arrays(seed: int, n_rows: int, n_cols: int, per_row: int):
    """Well-formed CSR arrays: rows of 0..per_row entries, columns in any order, some stored zeros."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, per_row + 1, n_rows) if n_cols else np.zeros(n_rows, dtype=int)
    indptr = np.zeros(n_rows + 1, dtype=np.int32)
    np.cumsum(counts, out=indptr[1:])
    indices = rng.integers(0, max(n_cols, 1), int(indptr[-1])).astype(np.int32)
    data = rng.uniform(0.0, 40.0, int(indptr[-1]))
    data[rng.random(len(data)) < 0.1] = 0.0
    return data, indices, indptr


def _same_matrix(got, want):
    assert type(got) is type(want)
    assert got.shape == want.shape and type(got.shape[0]) is type(want.shape[0])
    assert sorted(vars(got)) == sorted(vars(want))
    assert got.maxprint == want.maxprint
    for name in ("indptr", "indices", "data"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), name


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 10_000), n_rows=st.integers(0, 40), n_cols=st.integers(0, 40),
       per_row=st.integers(0, 6))
def test_csr_of_is_scipys_constructor_on_well_formed_arrays(seed, n_rows, n_cols, per_row):
    data, indices, indptr = _arrays(seed, n_rows, n_cols, per_row)
    want = sparse.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    got = csr_of(data, indices, indptr, (n_rows, n_cols))
    _same_matrix(got, want)
    # scipy keeps these arrays as they are (no copy): so does csr_of
    assert got.indices is indices and got.indptr is indptr and got.data is data
    got.check_format(full_check=True)  # well formed by scipy's own full check
    assert np.array_equal(got.toarray(), want.toarray())
    assert np.array_equal(got.T.toarray(), want.T.toarray())


def test_other_index_types_go_through_scipy():
    data = np.array([1.0, 2.0, 3.0])
    indptr = np.array([0, 2, 3], dtype=np.int64)
    indices = np.array([1, 0, 0], dtype=np.int64)
    got = csr_of(data, indices, indptr, (2, 2))
    _same_matrix(got, sparse.csr_matrix((data, indices, indptr), shape=(2, 2)))
    assert got.indices.dtype == np.int32  # scipy's recast to the smallest index type


def test_malformed_arrays_are_refused_as_scipy_refuses_them():
    data = np.array([1.0, 2.0])
    indices = np.array([1, 0], dtype=np.int32)
    with pytest.raises(ValueError, match="index pointer size"):
        csr_of(data, indices, np.array([0, 2], dtype=np.int32), (2, 2))
    with pytest.raises(ValueError, match="index pointer should start with 0"):
        csr_of(data, indices, np.array([1, 1, 2], dtype=np.int32), (2, 2))
    with pytest.raises(ValueError, match="same size"):
        csr_of(data[:1], indices, np.array([0, 1, 2], dtype=np.int32), (2, 2))


def test_a_cut_graph_reads_and_searches_as_scipys():
    rng = np.random.default_rng(3)
    n = 30
    m = sparse.triu(sparse.random(n, n, density=0.15, random_state=rng, format="coo"), k=1).tocoo()
    adj = sparse.csr_matrix((np.r_[m.data, m.data], (np.r_[m.row, m.col], np.r_[m.col, m.row])), shape=(n, n))
    nodes = rng.choice(n, 18, replace=False)
    want = adj[nodes][:, nodes].tocsr()
    got = sub_graph(adj, nodes)
    _same_matrix(got, want)
    assert connected_components(got, directed=True, connection="strong")[1].tolist() == \
        connected_components(want, directed=True, connection="strong")[1].tolist()
    assert np.array_equal(dijkstra(got, directed=True, indices=[0]), dijkstra(want, directed=True, indices=[0]))
    xy = rng.uniform(0, 100, (18, 2))
    d = _Views(got).distances(xy)
    ref = want.copy()
    ref.data = np.hypot(*(xy[want.tocoo().row] - xy[want.tocoo().col]).T) + 1e-6
    _same_matrix(d, ref)


def test_cut_graphs_skip_the_constructors_checks(monkeypatch):
    """The point of it: cutting a graph runs none of scipy's format checks (it did, on every cut)."""
    adj = sparse.csr_matrix(np.array([[0, 1, 1, 0], [1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 0]], float))
    nodes = np.array([3, 1, 2])
    want = adj[nodes][:, nodes].tocsr()
    checks = []
    real = sparse.csr_matrix.check_format
    monkeypatch.setattr(sparse.csr_matrix, "check_format",
                        lambda self, full_check=True: (checks.append(1), real(self, full_check))[1])
    sub, twin = sub_graph(adj, nodes, twin=adj)
    dist = _Views(sub).distances(np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
    assert checks == []
    monkeypatch.undo()
    _same_matrix(sub, want)
    _same_matrix(twin, want)
    e = 1e-6  # every edge's distance + 1e-6 m (no zero weights)
    assert np.allclose(dist.toarray(), [[0, 5 + e, 10 + e], [5 + e, 0, 5 + e], [10 + e, 5 + e, 0]], rtol=0, atol=1e-9)
