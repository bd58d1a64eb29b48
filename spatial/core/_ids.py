"""Ids that name rows of another layer: a mismatch that is only one of type (``1`` against ``"1"``)
said in one line, with which layer to convert, or matched where a command reads both files.

Private to :mod:`spatial`; the coverage and grid modules import it.
"""

from __future__ import annotations

import logging

import pandas as pd

from spatial.core.checks import _plain, label_text
from spatial.core.errors import ColumnError

__all__ = ["id_type_hint", "merge_ids", "ids_of"]

logger = logging.getLogger(__name__)


def ids_of(values: pd.Series, known, name: str, col: str, known_name: str) -> pd.Series:
    """``values`` (ids naming rows of another layer) as those rows' own ids where they differ only
    as files store them: a number for the same text (``1`` for ``"1"``, ``440304007001.0`` for
    ``"440304007001"``) or a code whose leading zeros Excel dropped (``1`` for ``"01"``, when
    one id has those digits), said in one warning; other values as given (``values`` itself when
    none differs so).

    Examples
    --------
    >>> ids_of(pd.Series([1, 2.0, 3, None, "C9"]), ["01", "2", "003", "03"], "u", "cid", "c").tolist()
    ['01', '2', 3, None, 'C9']
    >>> ids_of(pd.Series(["01", "7"]), [1, 7], "u", "cid", "c").tolist()
    [1, 7]
    """
    by_text: dict = {}
    for k in known:
        by_text.setdefault(label_text(k), k)
    zeros: dict = {}
    for t, k in by_text.items():
        if t.isdigit() and t[0] == "0":
            zeros.setdefault(t.lstrip("0") or "0", []).append(k)
    exact = set(by_text.values())
    out, typed, padded = [], [], []
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)) or v in exact:
            out.append(v)
            continue
        t = label_text(v).strip()
        bare = t.lstrip("0") or "0"
        if t in by_text:
            out.append(by_text[t])
            typed.append((v, by_text[t]))
        elif len(zeros.get(t, ())) == 1:  # 1 for '01'
            out.append(zeros[t][0])
            padded.append((v, zeros[t][0]))
        elif t.isdigit() and t != bare and bare in by_text and not isinstance(by_text[bare], str):  # '01' for 1
            out.append(by_text[bare])
            padded.append((v, by_text[bare]))
        else:
            out.append(v)
    if not (typed or padded):
        return values
    said = [f"{len(got)} {why} ({_plain(got[0][0])!r} as {_plain(got[0][1])!r})"
            for got, why in ((typed, "stored as another type"),
                             (padded, "with leading zeros lost, as Excel saves codes it reads as numbers")) if got]
    logger.warning("'%s' column '%s': ids matched to the ids of '%s': %s", name, col, known_name, "; ".join(said))
    return pd.Series(out, index=values.index, name=values.name, dtype=object)


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
