"""Sorted distinct values of a large integer array, by a sort; those not in another, by a mask.

numpy 2.4's ``np.unique`` finds the distinct values of an integer array by hashing, which on
large arrays of mostly distinct values is far slower than a sort (measured here on 6,000,000
int64 codes: 5.5 s against 0.1 s; 1,000,000: 0.43 s against 0.015 s), and reading a city's road
layer spent over a second in it. No library offers the sort-based form, hence this function.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ints_without", "unique_ints"]


def unique_ints(values) -> np.ndarray:
    """The sorted distinct values of an integer array, as ``np.unique(values)`` gives them.

    Examples
    --------
    >>> unique_ints(np.array([5, 1, 5, 3, 1])).tolist()
    [1, 3, 5]
    >>> unique_ints(np.array([], dtype=np.int64)).tolist()
    []
    """
    a = np.sort(np.asarray(values).ravel())
    if a.dtype.kind not in "iu":
        raise TypeError(f"unique_ints takes integers, got {a.dtype}")
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def ints_without(rows, taken, n: int) -> np.ndarray:
    """The sorted distinct values of ``rows`` not in ``taken`` (both integers in ``0..n-1``), as
    ``np.setdiff1d(rows, taken)`` gives them, by a mask: setdiff1d hashes both arrays, 4.2 s on
    the 1.8M lines of a 1M-node city's road layer.

    Examples
    --------
    >>> ints_without(np.array([0, 2, 3, 5]), np.array([3, 3, 0]), 6).tolist()
    [2, 5]
    """
    mask = np.zeros(int(n), dtype=bool)
    mask[np.asarray(rows, dtype=np.int64)] = True
    mask[np.asarray(taken, dtype=np.int64)] = False
    return np.flatnonzero(mask)
