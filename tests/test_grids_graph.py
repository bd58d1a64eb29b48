"""The engine's sub-graph shortcuts give what scipy's own indexing and searches give.

``spatial.grids._graph`` stands in for ``adj[nodes][:, nodes]``, undirected connected components
and undirected Dijkstra on the many small graphs the engine cuts; METIS reads the arrays as they
are, so they must match array for array (order of entries within a row included), not only as
matrices. The references are scipy's, on uneven random graphs with stored zeros and nodes in any
order.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra

from spatial.grids._graph import SideCheck, n_pieces, nearest_of, same_structure, sub_graph


def _graph(seed: int, n: int, density: float) -> sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    m = sparse.triu(sparse.random(n, n, density=density, random_state=rng, format="coo"), k=1).tocoo()
    w = rng.uniform(0.5, 40.0, m.nnz)
    w[rng.random(m.nnz) < 0.05] = 0.0  # stored zeros (both ways) stay stored
    both = (np.r_[m.row, m.col], np.r_[m.col, m.row])
    return sparse.csr_matrix((np.r_[w, w], both), shape=(n, n))  # symmetric, as the engine's graphs are


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), density=st.floats(0.0, 0.3),
       k=st.integers(0, 60), shuffled=st.booleans())
def test_sub_graph_is_scipys_indexing_array_for_array(seed, n, density, k, shuffled):
    a = _graph(seed, n, density)
    rng = np.random.default_rng(seed + 1)
    nodes = rng.choice(n, min(k, n), replace=False)
    if not shuffled:
        nodes = np.sort(nodes)
    want = a[nodes][:, nodes].tocsr()
    got = sub_graph(a, nodes)
    assert got.shape == want.shape
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), name
        assert getattr(got, name).dtype == getattr(want, name).dtype, name


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 50), density=st.floats(0.0, 0.2))
def test_pieces_and_distances_are_the_undirected_ones(seed, n, density):
    a = _graph(seed, n, density)
    assert n_pieces(a) == connected_components(a, directed=False)[0]
    src = np.arange(min(3, n))
    assert np.array_equal(nearest_of(a, src), dijkstra(a, directed=False, indices=src, min_only=True))


def test_known_small_cases():
    # a path 0-1-2 and a lone node 3: two pieces; without node 1 the path falls apart
    a = sparse.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 2, 0], [0, 2, 0, 0], [0, 0, 0, 0]], float))
    assert n_pieces(a) == 2
    assert n_pieces(sub_graph(a, np.array([0, 2]))) == 2
    assert n_pieces(sub_graph(a, np.array([2, 1, 0]))) == 1
    assert n_pieces(sub_graph(a, np.array([], dtype=int))) == 0
    assert nearest_of(a, np.array([0])).tolist() == pytest.approx([0, 1, 3, np.inf])


def _whole_reference(a: sparse.csr_matrix, side: np.ndarray) -> bool:
    """Every side present is one piece: each side's own sub-graph (scipy's indexing) searched alone."""
    return all(connected_components(a[np.flatnonzero(side == s)][:, np.flatnonzero(side == s)],
                                    directed=False)[0] == 1 for s in np.unique(side))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), density=st.floats(0.0, 0.3), sides=st.integers(1, 3))
def test_side_check_says_whether_each_side_is_one_piece(seed, n, density, sides):
    a = _graph(seed, n, density)
    check = SideCheck(a)
    rng = np.random.default_rng(seed + 2)
    for _ in range(4):  # one check asked again and again: no answer leaks into the next
        side = rng.integers(0, sides, n).astype(np.int64)
        assert check(side) == _whole_reference(a, side)
    side = np.zeros(n, dtype=np.int64)  # one side: whole exactly when the graph is
    assert check(side) == (connected_components(a, directed=False)[0] == 1)


def test_side_check_on_a_known_path():
    # 0-1-2-3 in a line: {0, 1} | {2, 3} are whole; {0, 2} | {1, 3} are not; {0, 3} | {1, 2} neither
    a = sparse.csr_matrix(np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]], float))
    check = SideCheck(a)
    assert check(np.array([0, 0, 1, 1]))
    assert not check(np.array([0, 1, 0, 1]))
    assert not check(np.array([0, 1, 1, 0]))
    assert check(np.array([1, 1, 1, 1]))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), density=st.floats(0.0, 0.3), k=st.integers(0, 60))
def test_a_twin_of_the_same_structure_is_cut_out_with_the_graph(seed, n, density, k):
    a = _graph(seed, n, density)
    rng = np.random.default_rng(seed + 3)
    b = sparse.csr_matrix((rng.uniform(1, 9, a.nnz), a.indices.copy(), a.indptr.copy()), shape=a.shape)
    assert same_structure(a, b)
    nodes = rng.choice(n, min(k, n), replace=False)
    sub, twin = sub_graph(a, nodes, twin=b)
    for got, m in ((sub, a), (twin, b)):
        want = m[nodes][:, nodes].tocsr()
        for name in ("indptr", "indices", "data"):
            assert np.array_equal(getattr(got, name), getattr(want, name)), name


def test_same_structure_needs_the_same_places_in_the_same_order():
    a = sparse.csr_matrix(np.array([[0, 1, 2], [1, 0, 0], [2, 0, 0]], float))
    assert same_structure(a, a * 3)
    assert not same_structure(a, sparse.csr_matrix(np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], float)))
    swapped = a.copy()
    swapped.indices[:2] = swapped.indices[:2][::-1]  # row 0's entries stored the other way round
    assert not same_structure(a, swapped)
