"""Text a file format cannot hold, made storable and said: XML (KML, the sheets of an ``.xlsx``)
has no place for the C0 control characters (a vertical tab or an escape pasted from another
program, NUL) and GDAL's C strings end at a NUL, silently dropping the rest of a name.

Each such character is written as U+FFFD (�), so the reader sees that something was there,
and one warning per layer or sheet names the columns and rows.

Private to :mod:`spatial.io`; the KML, workbook and layer writers use it.
"""

from __future__ import annotations

import logging
import re

import pandas as pd

__all__ = ["XML_BAD", "NUL", "REPLACEMENT", "storable", "storable_text"]

logger = logging.getLogger(__name__)

#: The characters XML 1.0 cannot carry: C0 controls but tab, line feed and carriage return; the
#: non-characters U+FFFE and U+FFFF; lone surrogates.
XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: What ends a text early in GDAL (GeoPackage, GeoJSON).
NUL = re.compile("\x00")
#: What each of them is written as.
REPLACEMENT = "\ufffd"


def storable_text(value, bad: re.Pattern = XML_BAD, replacement: str = REPLACEMENT):
    """``value`` with the characters ``bad`` matches written as ``replacement``; other values as given.

    >>> storable_text("A\\x0b区"), storable_text(3), storable_text("站\\x00点", NUL)
    ('A�区', 3, '站�点')
    """
    return bad.sub(replacement, value) if isinstance(value, str) else value


def _any_bad(values: pd.Series, bad: re.Pattern) -> bool:
    """Whether any text cell of ``values`` holds a character ``bad`` matches: one search of the
    cells joined by line feeds (which neither pattern matches), not one a cell.

    >>> _any_bad(pd.Series(["甲", 3, None]), XML_BAD), _any_bad(pd.Series(["A\x0b区", 3]), XML_BAD)
    (False, True)
    """
    cells = values.tolist()
    if bad.search("\n"):  # a pattern that matches the joint itself: cell by cell
        return any(isinstance(v, str) and bad.search(v) is not None for v in cells)
    try:
        text = "\n".join(cells)
    except TypeError:  # numbers, None or NaN among the text
        text = "\n".join(v for v in cells if isinstance(v, str))
    return bad.search(text) is not None


def storable(frame: pd.DataFrame, name: str, what: str, bad: re.Pattern = XML_BAD,
             replacement: str = REPLACEMENT) -> pd.DataFrame:
    """``frame`` with the text cells (and column names) ``bad`` matches written storable, said in
    one warning naming the columns and up to five rows (``frame`` itself when none needs it).

    Parameters
    ----------
    frame
        The table about to be written.
    name
        The layer or sheet, for the warning.
    what
        The file kind, for the warning: ``"KML"``, ``"an .xlsx sheet"``, ``"a GeoPackage"``.
    bad
        :data:`XML_BAD` or :data:`NUL`.
    replacement
        What each is written as: U+FFFD, or ``"?"`` in an encoding without it (a GBK shapefile).

    Returns
    -------
    pandas.DataFrame
        A copy with those characters as ``replacement``, or ``frame``.
    """
    out = frame
    cols, hit_any, n = [], None, 0
    for j, col in enumerate(frame.columns):
        values = frame.iloc[:, j]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        if not _any_bad(values, bad):  # one search of the column's text (a city's 200,000 homes)
            continue
        hit = values.map(lambda v: isinstance(v, str) and bad.search(v) is not None).to_numpy(bool)
        if out is frame:
            out = frame.copy()
        out.iloc[:, j] = values.map(lambda v: storable_text(v, bad, replacement))
        cols.append(str(col))
        n += int(hit.sum())
        hit_any = hit if hit_any is None else hit_any | hit
    if cols:
        rows = [str(i) for i in frame.index[hit_any][:5]] + (["..."] if hit_any.sum() > 5 else [])
        logger.warning("'%s': %d values hold control characters %s cannot store (column%s %s; rows %s); "
                       "written as %s: retype those names without them", name, n, what, "s" * (len(cols) > 1),
                       ", ".join(repr(c) for c in cols), ", ".join(rows), replacement)
    names = [storable_text(c, bad, replacement) if isinstance(c, str) else c for c in frame.columns]
    if names != list(frame.columns):
        logger.warning("'%s': column names hold control characters %s cannot store; written as %s",
                       name, what, replacement)
        out = (out if out is not frame else frame.copy()).set_axis(names, axis=1)
    return out
