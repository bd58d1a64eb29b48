"""Numbers as the package reads them: a number is a real number (not a bool, not text), and a
count or a whole number is judged by its value (220.0 is 220). Imported from
:mod:`spatial.core.checks`."""

from __future__ import annotations

import numpy as np

__all__ = ["is_number", "whole_counts", "whole_number"]


def is_number(value) -> bool:
    """True for an int or float (numpy's too), not a bool, text or None.

    Examples
    --------
    >>> is_number(4), is_number(np.float32(4.5)), is_number("4"), is_number(True), is_number(None)
    (True, True, False, False, False)
    """
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def whole_counts(totals, source=None) -> np.ndarray:
    """Counts as the package returns them: int64 when every value of ``source`` (default
    ``totals``) is a whole number, whatever its dtype (220.0 is 220 households), else floats as
    given (fractional counts, e.g. households apportioned by floor area, are kept).

    ``source`` is what the totals were summed from: its values decide, not the sums' last bits.

    Examples
    --------
    >>> whole_counts(np.array([220.0, 80.0])).tolist(), whole_counts(np.array([12.5, 3.0])).tolist()
    ([220, 80], [12.5, 3.0])
    >>> whole_counts(np.array([0.30000000000000004]), source=np.array([0.1, 0.2])).dtype.name
    'float64'
    """
    t = np.asarray(totals, dtype=float)
    s = t if source is None else np.asarray(source, dtype=float)
    if np.all(np.isfinite(s)) and np.all(np.isfinite(t)) and np.all(np.mod(s, 1) == 0):
        return np.rint(t).astype(np.int64)
    return t


def whole_number(value, *, minimum: int = 0, maximum: int | None = None) -> int | None:
    """``value`` as an int when it is a whole number from ``minimum`` to ``maximum`` by value (3 and
    3.0 alike, as counts are judged), else None (2.5, True, '3', NaN): the caller says what it needs.

    Examples
    --------
    >>> whole_number(3.0), whole_number(np.int64(3)), whole_number(2.5), whole_number(True), whole_number(-1)
    (3, 3, None, None, None)
    """
    if not is_number(value):
        return None
    if not np.isfinite(value) or value != int(value) or value < minimum or (maximum is not None and value > maximum):
        return None
    return int(value)
