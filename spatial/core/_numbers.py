"""Numbers as the package reads them: a number is a real number (not a bool, not text), and a
count or a whole number is judged by its value (220.0 is 220), and numbers typed as text as
offices type them (``1,203``, ``203户``). Imported from
:mod:`spatial.core.checks`."""

from __future__ import annotations

import logging
import re
import unicodedata

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

__all__ = ["AREA_UNITS", "COUNT_UNITS", "is_number", "numbers_from_text", "round_half_up", "round_walk",
           "say_read_as_text", "whole_counts", "whole_number"]


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


def _shown(values, decimals: int, step):
    """``values`` (a number, an array or a Series) rounded to ``decimals`` by ``step``, a function
    of the scaled values' array; given back as given (a float, a float array, a Series with the
    same index), missing values staying missing."""
    if isinstance(values, pd.Series):
        shown = _shown(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan), decimals, step)
        return pd.Series(shown, index=values.index, name=values.name)
    scale = 10.0 ** decimals
    with np.errstate(invalid="ignore"):
        out = step(np.asarray(values, dtype=float) * scale) / scale + 0.0  # -0.0 shown as 0.0
    return float(out) if out.ndim == 0 else out


def round_half_up(values, decimals: int = 0):
    """``values`` rounded as a figure is rounded by hand (四舍五入): a half goes away from zero,
    judged on the decimal figure the float stands for, not on its binary digits.

    Every output that shows a rounded figure (the CSVs, the workbook, the maps, the KMZ, the lines
    the commands print) rounds it here, so that one share reads the same everywhere: 1,037 of
    2,000 households is 51.85%, which ``np.round`` (and pandas) made 51.8 and ``f"{x:.1f}"``
    51.9; 7 of 2,000 is 0.35%, which they made 0.4 and 0.3. A float within 1e-11 (relative)
    of a half is taken as that half (100 * n / d carries about 1e-16 of binary error).

    Parameters
    ----------
    values
        A number, an array or a Series (missing values stay missing).
    decimals
        Digits kept after the point.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        As given: a float for a number, a float array, a Series with the same index.

    Examples
    --------
    >>> round_half_up(100 * 1037 / 2000, 1), round_half_up(100 * 7 / 2000, 1), round_half_up(-2.85, 1)
    (51.9, 0.4, -2.9)
    >>> round_half_up(np.array([2.5, 0.5, -0.04, np.nan])).tolist()
    [3.0, 1.0, 0.0, nan]
    >>> round_half_up(pd.Series([79.549, 12.25], index=["a", "b"]), 1).to_dict()
    {'a': 79.5, 'b': 12.3}
    """
    return _shown(values, decimals,
                  lambda s: np.copysign(np.floor(np.abs(s) + 0.5 + 1e-11 * np.maximum(np.abs(s), 1.0)), s))


def round_walk(values, decimals: int = 0):
    """Walks (minutes, metres) as every output shows them: rounded up to ``decimals``, so a walk
    past a band's limit never reads as at it. A home 15.02 minutes away lies beyond the 15-minute
    circle; rounded to the nearest it read "15.0 min" beside "beyond the service area" (19 homes
    of the Futian demo read a walk their band contradicts, at 5, 10 or 15 minutes). Up, it reads
    15.1; a walk within the limit still reads at most the limit (14.96 is 15.0), for limits in
    whole metres or tenths of a minute. A float within 1e-11 (relative) above a step is taken as
    that step (1000 m at 4 km/h is 15.000000000000002 minutes, shown 15.0). ``values`` and what
    comes back are as for :func:`round_half_up`.

    Examples
    --------
    >>> round_walk(15.016, 1), round_walk(14.955, 1), round_walk(1000 / (4000 / 60), 1), round_walk(1000.4)
    (15.1, 15.0, 15.0, 1001.0)
    """
    return _shown(values, decimals, lambda s: np.ceil(s - 1e-11 * np.maximum(np.abs(s), 1.0)))


#: Unit words offices write after a count (``203户``, ``12 人``) ...
COUNT_UNITS = ("户", "人", "栋", "幢", "座", "层", "套", "间", "个")
#: ... and after a floor area (``1050平方米``; ``㎡`` reads as ``m2``).
AREA_UNITS = ("平方米", "平米", "平方", "m2")
_SAID: set = set()


def numbers_from_text(column: pd.Series, name: str, col: str, *, units: tuple[str, ...] = COUNT_UNITS,
                      what: str = "counts", warn: bool = True) -> pd.Series:
    """``column`` as numbers; text that is a number as offices type it (thousands commas,
    full-width digits, one of ``units`` after it: ``1,203``, ``２０３``, ``203户``, ``1050平方米``)
    is read as that number, said once in a warning with an example (``what``: what the values
    are, in that warning); NaN where a cell holds no such number (the caller says which rows).

    With ``warn=False`` the warning is held in the result's ``attrs["read_as_text"]`` for
    :func:`say_read_as_text`: a caller that refuses the column for another cell says that in one
    line, not the reading of the good cells first.

    Examples
    --------
    >>> numbers_from_text(pd.Series([300, "1,050", "１０５０", "960平方米", "约300", None]), "stations",
    ...                   "面积", units=AREA_UNITS, what="m²").tolist()
    [300.0, 1050.0, 1050.0, 960.0, nan, nan]
    """
    pattern = re.compile(r"^\s*(\d+(?:,\d{3})*(?:\.\d+)?)\s*(?:" + "|".join(map(re.escape, units)) + r")?\s*$",
                         re.IGNORECASE)
    values = pd.to_numeric(column, errors="coerce")
    raw = column.to_numpy(dtype=object)
    read = {}  # position -> number
    for k in np.flatnonzero(values.isna().to_numpy()):
        m = pattern.match(unicodedata.normalize("NFKC", raw[k])) if isinstance(raw[k], str) else None
        if m:
            read[int(k)] = float(m.group(1).replace(",", ""))
    if not read:
        return values
    out = values.to_numpy(dtype=float, copy=True)
    out[list(read)] = list(read.values())
    first = next(iter(read))
    result = pd.Series(out, index=column.index, name=column.name)
    result.attrs["read_as_text"] = (name, col, len(read), what, raw[first], read[first])
    if warn:
        say_read_as_text(result)
    return result


def say_read_as_text(values: pd.Series) -> None:
    """Say (once) that cells of text were read as numbers, as :func:`numbers_from_text` held it
    in ``values.attrs`` (nothing when none were)."""
    held = values.attrs.get("read_as_text")
    if held is None:
        return
    name, col, n, what, example, number = held
    key = (col, n, example)  # one column read under its file's name, then its layer's: said once
    if key not in _SAID:
        _SAID.add(key)
        logger.warning("'%s' column '%s': %s written as text read as %s ('%s' as %g)", name, col,
                       f"{n} value" if n == 1 else f"{n} values", what, example, number)
