"""Ids that name rows of another layer: a mismatch that is only one of type (``1`` against ``"1"``)
said in one line, with which layer to convert, or matched where a command reads both files; an
id typed with spaces round it or in full-width forms (``"C01 "``, ``"Ｃ０１"`` for ``"C01"``)
matched to the one id it stands for, and said.

Private to :mod:`spatial`; the coverage and grid modules import it.
"""

from __future__ import annotations

import logging
import unicodedata

import numpy as np
import pandas as pd

from spatial.core.checks import Report, _plain, label_text
from spatial.core.errors import ColumnError

__all__ = ["id_type_hint", "merge_ids", "ids_of", "id_key", "loose_ids", "loose_hint", "report_loose", "twin_ids",
           "LOOSE_WHY", "text_matches", "loose_of", "label_texts"]

logger = logging.getLogger(__name__)

#: Characters a spreadsheet cell may carry round an id unseen: whitespace (str.strip's, which
#: covers the ideographic space U+3000, NBSP, a trailing newline and U+2028) and the zero-width ones.
_INVISIBLE = "".join(chr(c) for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF))

#: Why :func:`loose_ids` matched an id, as the report and the warnings say it (English, Chinese).
LOOSE_WHY = ("written with spaces round it or in full-width characters", "编号前后有空格或含全角字符")


def id_key(value) -> str:
    r"""The text an id is typed as, whatever the spreadsheet did round it: NFKC (full-width
    ``Ｃ０１`` and the ideographic space read as ``C01`` and a space), spaces, line ends and
    zero-width characters at either end removed. Nothing else changes: ``〇`` stays apart from
    ``零``, traditional characters from simplified, case and the spaces inside an id are kept.

    Examples
    --------
    >>> [id_key(v) for v in ("C01 ", "\u3000Ｃ０１\n", "0012", 3.0, "１号 网格", "二〇一")]
    ['C01', 'C01', '0012', '3', '1号 网格', '二〇一']
    """
    text = unicodedata.normalize("NFKC", label_text(value))
    return text.strip().strip(_INVISIBLE).strip()


def loose_ids(given, known) -> tuple[dict, dict]:
    r"""The ``given`` text ids found among the ``known`` text ids only by :func:`id_key`.

    Parameters
    ----------
    given
        Ids as a layer names them (missing values and ids found as they are are skipped).
    known
        The ids they should be found among.

    Returns
    -------
    matched : dict
        ``{given id: the one known id of the same key}``.
    ambiguous : dict
        ``{given id: [the known ids of the same key]}`` when two or more known ids share its key
        (``"C01"`` and ``"C01 "`` both known): never guessed between.

    Examples
    --------
    >>> loose_ids(["C01 ", "Ｃ０２", "C03", "C9"], ["C01", "C02", "C03"])
    ({'C01 ': 'C01', 'Ｃ０２': 'C02'}, {})
    >>> loose_ids(["C01\u3000"], ["C01", "C01 "])
    ({}, {'C01\u3000': ['C01', 'C01 ']})
    """
    exact = set(_present(known))
    by_key: dict = {}
    for k in exact:
        if isinstance(k, str):
            by_key.setdefault(id_key(k), []).append(k)
    matched, ambiguous = {}, {}
    for v in dict.fromkeys(_present(given)):
        if v in exact or not isinstance(v, str):  # (1 for '1' is a matter of type: id_type_hint's)
            continue
        found = by_key.get(id_key(v), [])
        if len(found) == 1:
            matched[v] = found[0]
        elif found:
            ambiguous[v] = sorted(found, key=label_text)
    return matched, ambiguous


def text_matches(given, known) -> dict:
    r"""Ids given as text (a plan's, a lock list's unit ids) that name ``known`` text ids only
    by :func:`id_key` (``"U1 "`` for ``"U1"``), each matched to the one known id of its key that
    no given id names exactly; two given ids for one known id (``" U1"`` and ``"U1 "``), or two
    known ids of one key (units ``"U1"`` and ``"U1 "``), are never matched so: different ids
    that differ only by spaces are never merged.

    Returns
    -------
    dict
        ``{given id: known id}`` for the ids matched by their key only.

    Examples
    --------
    >>> text_matches(["U1 ", "U2", "Ｕ３"], ["U1", "U2", "U3"])
    {'U1 ': 'U1', 'Ｕ３': 'U3'}
    >>> text_matches(["U1", "U1 "], ["U1", "U1 "]), text_matches(["U1 "], ["U1", " U1"])
    ({}, {})
    >>> text_matches([" U1", "U1 "], ["U1"])
    {}
    """
    known_set, given_set = set(known), set(given)
    by_key: dict = {}
    for k in dict.fromkeys(known):
        by_key.setdefault(id_key(k), []).append(k)
    claims: dict = {}
    for g in dict.fromkeys(given):
        if g in known_set:
            continue
        found = by_key.get(id_key(g), [])
        if len(found) == 1 and found[0] not in given_set:
            claims.setdefault(found[0], []).append(g)
    return {gs[0]: k for k, gs in claims.items() if len(gs) == 1}


def loose_of(values: pd.Series, known, name: str, col: str, known_name: str) -> pd.Series:
    """``values`` with each text id that names one of ``known`` only by :func:`id_key` (``"C01 "``
    for ``"C01"``) as that id, said in one warning (``values`` itself when none does); an id of
    two known ids' key is kept as given, and said.

    >>> loose_of(pd.Series(["C01 ", "C02", 3]), ["C01", "C02"], "demand", "community_id", "communities").tolist()
    ['C01', 'C02', 3]
    """
    matched, ambiguous = loose_ids(values, known)
    if ambiguous:
        logger.warning("'%s' column '%s': ids kept as given%s", name, col, loose_hint(ambiguous, known_name))
    if not matched:
        return values
    v, k = next(iter(matched.items()))
    n = int(values.isin(list(matched)).sum())
    logger.warning("'%s' column '%s': %d ids %s, matched to the ids of '%s' (%r as %r)", name, col, n,
                   LOOSE_WHY[0], known_name, _plain(v), _plain(k))
    return values.map(lambda x: matched.get(x, x) if isinstance(x, str) else x)


def loose_hint(ambiguous: dict, known_name: str) -> str:
    r"""A sentence for ids that :func:`loose_ids` found two or more ids of (``""`` for none).

    >>> loose_hint({"C01\u3000": ["C01", "C01 "]}, "communities")[-74:]
    "from 2 ids of 'communities' ('C01', 'C01 '): give the one it means exactly"
    """
    if not ambiguous:
        return ""
    v, found = next(iter(ambiguous.items()))
    return (f"; {_plain(v)!r} differs only by spaces or full-width characters from {len(found)} ids of "
            f"'{known_name}' ({', '.join(repr(_plain(k)) for k in found)}): give the one it means exactly")


def twin_ids(ids, name: str, col: str, report: Report) -> None:
    r"""One report row per group of ``ids`` that differ only by :func:`id_key` (``"C01"`` and
    ``"C01 "`` in one layer): kept apart as the layer gives them, and said, as they may be one.

    >>> r = Report(); twin_ids(["C01", "C02", "C01 "], "communities", "community_id", r); r.rows[0]["row_id"]
    "'C01', 'C01 '"
    """
    groups: dict = {}
    for v in dict.fromkeys(_present(ids)):
        groups.setdefault(id_key(v), []).append(v)
    for same in (g for g in groups.values() if len(g) > 1):
        shown = ", ".join(repr(_plain(v)) for v in same)
        report.add(name, shown, f"{len(same)} {col} values differ only by spaces or full-width characters",
                   f"kept apart as {len(same)} rows; if they are one, give them one id",
                   zh=(f"{len(same)} 个 {col} 仅有空格或全角/半角之差",
                       f"按 {len(same)} 个分别保留；如为同一个，请统一编号"))


def _shown(ids) -> str:
    """Up to six row ids, for one report row."""
    ids = list(ids)
    return ", ".join(map(label_text, ids[:6])) + (" ..." if len(ids) > 6 else "")


def report_loose(report: Report, values, row_ids, matched: dict, name: str, col: str, known_name: str) -> None:
    """One report row per id of ``matched`` (given id: the id it was matched to), naming the rows
    (``row_ids``, else positions) whose ``values`` carry it."""
    rows = list(range(len(values))) if row_ids is None else list(row_ids)
    for v, k in matched.items():
        mine = [r for r, x in zip(rows, values) if isinstance(x, type(v)) and x == v]
        report.add(name, _shown(mine), f"{col} {_plain(v)!r} is {LOOSE_WHY[0]}",
                   f"matched to the id {_plain(k)!r} of '{known_name}'; write it so in '{name}'",
                   zh=(f"{col} {_plain(v)!r} {LOOSE_WHY[1]}",
                       f"按 '{known_name}' 中的编号 {_plain(k)!r} 匹配；请在 '{name}' 中改正"))


def ids_of(values: pd.Series, known, name: str, col: str, known_name: str, *,
           report: Report | None = None, row_ids=None) -> pd.Series:
    """``values`` (ids naming rows of another layer) as those rows' own ids where they differ only
    as files store them: a number for the same text (``1`` for ``"1"``, ``440304007001.0`` for
    ``"440304007001"``), a code whose leading zeros Excel dropped (``1`` for ``"01"``, when
    one id has those digits) or an id typed with spaces round it or in full-width characters
    (``"C01 "``, ``"Ｃ０１"`` for ``"C01"``, when one id has that :func:`id_key`), said in one
    warning; other values as given (``values`` itself when none differs so). Two known ids of one
    key (``"C01"`` and ``"C01 "``) are never guessed between: such a value stays as given.

    Parameters
    ----------
    values
        The ids as the layer ``name`` gives them in its column ``col``.
    known
        The ids of the layer ``known_name`` they name.
    name, col, known_name
        For the warning and the report rows.
    report
        When given, one row (layer ``name``) per id matched by its key, naming the rows
        (``row_ids``, else the positions) that carry it.
    row_ids
        The ids of ``values``' rows, for the report.

    Examples
    --------
    >>> ids_of(pd.Series([1, 2.0, 3, None, "C9"]), ["01", "2", "003", "03"], "u", "cid", "c").tolist()
    ['01', '2', 3, None, 'C9']
    >>> ids_of(pd.Series(["01", "7"]), [1, 7], "u", "cid", "c").tolist()
    [1, 7]
    >>> ids_of(pd.Series(["C01 ", "Ｃ０２", "C03"]), ["C01", "C02", "C03"], "u", "cid", "c").tolist()
    ['C01', 'C02', 'C03']
    """
    by_text: dict = {}
    for k in known:
        by_text.setdefault(label_text(k), k)
    zeros: dict = {}
    for t, k in by_text.items():
        if t.isdigit() and t[0] == "0":
            zeros.setdefault(t.lstrip("0") or "0", []).append(k)
    exact = set(by_text.values())
    loose, _ = loose_ids(values, known)
    out, typed, padded, spaced = [], [], [], []
    for v in values:
        if v is None or (not isinstance(v, str) and pd.isna(v)) or v in exact:
            out.append(v)
            continue
        t = id_key(v)
        bare = t.lstrip("0") or "0"
        if label_text(v) in by_text:
            out.append(by_text[label_text(v)])
            typed.append((v, out[-1]))
        elif v in loose:  # 'C01 ', 'Ｃ０１' for 'C01'
            out.append(loose[v])
            spaced.append((v, loose[v]))
        elif t in by_text and isinstance(v, str) != isinstance(by_text[t], str):  # ' 1' for 1
            out.append(by_text[t])
            typed.append((v, out[-1]))
        elif len(zeros.get(t, ())) == 1:  # 1 for '01'
            out.append(zeros[t][0])
            padded.append((v, zeros[t][0]))
        elif t.isdigit() and t != bare and bare in by_text and not isinstance(by_text[bare], str):  # '01' for 1
            out.append(by_text[bare])
            padded.append((v, by_text[bare]))
        else:
            out.append(v)
    if not (typed or padded or spaced):
        return values
    if report is not None and spaced:
        report_loose(report, values, row_ids, dict(spaced), name, col, known_name)
    said = [f"{len(got)} {why} ({_plain(got[0][0])!r} as {_plain(got[0][1])!r})"
            for got, why in ((typed, "stored as another type"), (spaced, LOOSE_WHY[0]),
                             (padded, "with leading zeros lost, as Excel saves codes it reads as numbers")) if got]
    logger.warning("'%s' column '%s': ids matched to the ids of '%s': %s", name, col, known_name, "; ".join(said))
    return pd.Series(out, index=values.index, name=values.name, dtype=object)


def label_texts(values) -> list[str]:
    """:func:`label_text` of each of ``values`` (a column of ids), a text column as it is: a
    city's 1,000,000 homes by their station or community called it once a row.

    >>> label_texts(["S1", "S2"]), label_texts(pd.Series([3.0, "03", None], dtype=object))
    (['S1', 'S2'], ['3', '03', 'None'])
    """
    cells = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    if pd.api.types.infer_dtype(cells, skipna=False) == "string":  # text only: each its own label
        return cells.tolist()
    return [label_text(v) for v in cells]


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


def unknown_ids_error(unknown: list, known, name: str, col: str, known_name: str,
                      ambiguous: dict | None = None) -> ColumnError:
    """The one-line refusal of rows naming ids ``known_name`` does not have: ``unknown`` is
    ``[(row id, id), ...]``; the hint says when the ids differ only by type or by a loose match
    between two known ids, else to fix them or drop the column (place rows by location).
    Shared by the grids, siting and coverage steps, so one bad id reads alike everywhere."""
    import numpy as np

    shown = ", ".join(f"{u} ({c.item() if isinstance(c, np.generic) else c!r})" for u, c in unknown[:5])
    hint = (id_type_hint([c for _, c in unknown], known, name, known_name, col)
            or loose_hint(ambiguous or {}, known_name))
    return ColumnError(f"'{name}' column '{col}' names {known_name} that are not in '{known_name}': "
                       f"{shown}{hint or '; fix the ids or drop the column to place units by location'}")
