"""Codes Excel or WPS changed before a table came back: refused in one line, never matched.

Offices open the tool's CSVs in Excel or WPS, edit them and save them again. In General format
Excel shows a code of more than 11 digits in scientific notation and saves a CSV as it shows it
(``4.40305E+14``, ``1.23457E+17``: the digits are gone), keeps 15 digits of a longer number it
stores (``44030500100100100101`` comes back as ``44030500100100100000``) and turns codes such as
``1-2`` or ``3/4`` into dates. Read back, such a cell would join the wrong unit or grid (every
``4.40305E+14`` is one grid) without a word, so the cells of id and code columns (``unit_id``,
``grid_code``, 网格编号, 社区代码 ...) are checked as the table is read, and the first damaged one
is refused naming the file, the column and the row. Nothing is repaired here: the lost digits
cannot be known (leading zeros Excel dropped are matched back where that is certain, by the plan
readers). Imports :mod:`spatial.core` and the column names of :mod:`spatial.io.columns`.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from spatial.core.errors import ColumnError

__all__ = ["check_codes", "is_code_column"]

#: A code Excel wrote in scientific notation (4.40304E+11; any mantissa and exponent).
_SCIENTIFIC = re.compile(r"^-?\d(\.\d+)?[eE][+-]?\d+$")
_SCIENTIFIC_LINE = re.compile(r"^\s*-?\d(\.\d+)?[eE][+-]?\d+\s*$", re.MULTILINE)
#: Excel keeps 15 significant digits of a number: a numeric cell of 16 or more digits lost some.
_EXCEL_DIGITS = 10 ** 15
#: Id roles whose columns hold codes (their names as :data:`spatial.io.columns.ROLES` lists them).
_ID_ROLES = ("unit_id", "station_id", "candidate_id", "community_id", "grid_id")
#: Said how to get the codes back whole.
_AS_TEXT = ("Export the codes again as text: open the file the tool wrote in Excel by 数据 → 从文本/CSV with this "
            "column's 列数据格式 set to 文本 (text) and save it as .xlsx, or edit the plan in the grid editor")


def _key(name) -> str:
    return re.sub(r"[(（\[].*?[)）\]]|\s|_", "", str(name)).lower()


def is_code_column(name) -> bool:
    """Whether a column of this name holds ids or codes: a name of an id role (``unit_id``,
    单元编号, 网格号 ...), or a name with 编号, 编码 or 代码, or ending in ``id`` or ``code``.

    Examples
    --------
    >>> [is_code_column(c) for c in ("grid_code", "网格编号", "社区代码（12位）", "户数", "经度")]
    [True, True, True, False, False]
    """
    from spatial.io.columns import ROLES

    key = _key(name)
    known = {_key(n) for role in _ID_ROLES for n in (ROLES[role][0], *ROLES[role][1])}
    return key in known or bool(re.search(r"编号|编码|代码", key)) or key.endswith(("id", "code"))


def _damage(value) -> str | None:
    """What Excel did to a cell of a code column, or None when it is whole."""
    if isinstance(value, str):
        text = value.strip()
        return (f"a long code in Excel's scientific notation ({text}), saved as Excel showed it: its digits are "
                "lost" if _SCIENTIFIC.match(text) else None)
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        if np.isfinite(float(value)) and abs(float(value)) >= _EXCEL_DIGITS:
            return (f"a code of 16 or more digits Excel stored as a number ({int(value)}, shown as "
                    f"{float(value):.5E}): Excel keeps 15 digits, the rest became 0")
        return None
    if isinstance(value, (dt.date, dt.time, pd.Timestamp, np.datetime64)):
        return f"a date ({value}) Excel made of a code such as 1-2 or 3/4"
    return None


def _suspects(values: np.ndarray) -> np.ndarray:
    """Positions of the cells :func:`_damage` need look at: none of a text column without a cell in
    scientific notation (one regular-expression scan: a million ids of a CSV in a fraction of a
    second), else every filled cell."""
    filled = np.flatnonzero(pd.notna(values))
    try:
        text = "\n".join(values[filled])
    except TypeError:  # numbers or dates among the cells (a workbook's): each is looked at
        return filled
    found = ("E" in text or "e" in text) and _SCIENTIFIC_LINE.search(text)  # most id columns hold no E
    return filled if found else filled[:0]


def check_codes(df: pd.DataFrame, lines: np.ndarray, *, path, workbook: bool, what: str = "") -> None:
    """Refuse the first cell of an id or code column (:func:`is_code_column`) that Excel changed,
    naming the file, the column and the row.

    Parameters
    ----------
    df : DataFrame
        The table's cells as read (text of a CSV; numbers, text and dates of a workbook).
    lines : ndarray
        Each row's line (CSV) or row (workbook) number in the file.
    path : Path
        The file, named in the message.
    workbook : bool
        Name rows (a workbook's) rather than lines (a CSV's).
    what : str
        What the table is ('plan '), before the file's name.

    Raises
    ------
    ColumnError
        A code is in scientific notation, stored as a number of 16 or more digits, or a date.

    Examples
    --------
    >>> from pathlib import Path
    >>> table = pd.DataFrame({"unit_id": ["440304001001", "4.40304E+11"], "households": ["3", "4"]})
    >>> check_codes(table, np.array([2, 3]), path=Path("plan.csv"), workbook=False)
    Traceback (most recent call last):
    ...
    spatial.core.errors.ColumnError: 'plan.csv', column 'unit_id', line 3: a long code in Excel's scientific notation (4.40304E+11), saved as Excel showed it: its digits are lost; it cannot be matched to a unit or grid. Export the codes again as text: open the file the tool wrote in Excel by 数据 → 从文本/CSV with this column's 列数据格式 set to 文本 (text) and save it as .xlsx, or edit the plan in the grid editor
    """
    for col in df.columns:
        if not is_code_column(col):
            continue
        values = df[col].to_numpy(dtype=object)
        for i in _suspects(values):
            v = values[i]
            if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
                continue
            why = _damage(v)
            if why is not None:
                where = f"row {lines[i]}" if workbook else f"line {lines[i]}"
                raise ColumnError(f"{what}'{path.name}', column {col!r}, {where}: {why}; it cannot be matched to a "
                                  f"unit or grid. {_AS_TEXT}")
