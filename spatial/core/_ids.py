"""Ids that name rows of another layer: a mismatch that is only one of type (``1`` against ``"1"``)
said in one line, with which layer to convert.

Private to :mod:`spatial`; the coverage and grid modules import it.
"""

from __future__ import annotations

import pandas as pd

from spatial.core.checks import label_text
from spatial.core.errors import ColumnError

__all__ = ["id_type_hint", "merge_ids"]


def id_type_hint(given, known, given_name: str, known_name: str, col: str) -> str:
    """A sentence for an id mismatch that is only one of type: ``1`` against ``"1"``.

    Ids read from a CSV or Excel sheet come as numbers, the same ids in a GeoPackage as text;
    they look alike in a message but never match.

    Parameters
    ----------
    given, known
        The ids a layer names and the ids they should be found among.
    given_name, known_name, col
        The two layers' names and the id column, for the message.

    Returns
    -------
    str
        ``"; 'given' holds 'col' as numbers and 'known' as text: make them the same, e.g. ..."``,
        or ``""`` when the ids differ by more than their type.

    Examples
    --------
    >>> id_type_hint([1, 2], ["1", "2"], "demand", "communities", "community_id")[:64]
    "; 'demand' holds 'community_id' as numbers and 'communities' as "
    >>> id_type_hint(["C9"], ["C1"], "demand", "communities", "community_id")
    ''
    """
    given = _present(given)
    known = list(known)
    if not given or not known:
        return ""
    texts = {label_text(v) for v in known}
    if not all(label_text(v) in texts for v in given):
        return ""
    a, b = _kind(given), _kind(known)
    if a == b:
        return ""
    fix = given_name if a == "numbers" else known_name  # the numbers become text (text keeps '03')
    return (f"; '{given_name}' holds '{col}' as {a} and '{known_name}' as {b}: make them the same, "
            f"e.g. {fix}['{col}'] = {fix}['{col}'].astype(str)")


def merge_ids(left: pd.DataFrame, right: pd.DataFrame, col: str, left_name: str, right_name: str) -> pd.DataFrame:
    """``left.merge(right, on=col, how="left")``, refusing ids of two types in one line.

    pandas will not merge numbers with text (ids from a CSV against the same ids from a
    GeoPackage); this says so with the layers' names instead of pandas' advice to use pd.concat.

    Parameters
    ----------
    left, right
        The frames; ``right`` holds each id once.
    col
        The id column in both.
    left_name, right_name
        The layers' names, for the message.

    Returns
    -------
    pandas.DataFrame
        ``left``'s rows in order, with its index, plus ``right``'s columns.

    Raises
    ------
    ColumnError
        When ``col`` holds numbers in one frame and text in the other.
    """
    try:  # on the columns' values: an index level named like the column would be ambiguous
        out = left.reset_index(drop=True).merge(right.reset_index(drop=True), on=col, how="left")
    except ValueError:
        if _kind(_present(left[col])) == _kind(_present(right[col])):
            raise
        hint = id_type_hint(pd.unique(left[col]), right[col], left_name, right_name, col)
        raise ColumnError(f"'{left_name}' and '{right_name}' hold '{col}' as different types, which never match"
                          + (hint or "; make them the same, e.g. with .astype(str) on both")) from None
    out.index = left.index
    return out


def _present(values) -> list:
    """The values that are not missing."""
    return [v for v in values if not (v is None or (not isinstance(v, str) and pd.isna(v)))]


def _kind(values) -> str:
    """``"text"`` when every value is a string, else ``"numbers"``."""
    return "text" if all(isinstance(v, str) for v in values) else "numbers"
