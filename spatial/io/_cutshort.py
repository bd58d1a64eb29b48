"""Text tables cut off inside their last line (a copy or download that stopped).

A CSV whose text ends with no line break, inside a quoted value, short of a column every other
row fills, or with a value that reads as the start of one of its column's, is refused naming that
line (:func:`refuse_cut_short`); a line typed whole (a short last count, a note, a total) is read.
Split out of :mod:`spatial.io._tables`, which calls it; imports :mod:`spatial.core` and
:mod:`spatial.io._tablegeom`'s footer words.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from spatial.core.errors import InputFileError


def refuse_cut_short(text: str, body: pd.DataFrame, names: list[str], last: int, path: Path,
                      sep: str | None) -> None:
    """Refuse a text table cut off inside its last line (a copy or download that stopped): the
    text ends with no line break, and that line ends inside a quoted value, leaves off a column
    filled in every other row (:func:`_left_off`), ends with a cell empty where every other row
    has one, or with a value that reads as the start of one of its column's (:func:`_cut_value`:
    ``113.92`` for ``113.9234567``). ``body``: the rows below the header (``names``), the last of
    them on line ``last``. A line cut just after a line break leaves whole rows and cannot be told.

    A line typed whole is read as it would be with its line break: a last household count ``8``
    among ``120, 35, 200``, a last name shorter than the others, a 备注 left off or blank, a note or
    a total typed as the last line."""
    tail = text.rstrip(" \t\x1a")
    if not len(body) or tail.endswith(("\n", "\r")):
        return
    line = re.split(r"\r\n?|\n", tail)[-1]  # a CR alone ends a line too ("CSV (Macintosh)", Excel for Mac)
    why = ""
    if text.count('"') % 2:
        why = "stops inside a quoted value (a \" with no closing one)"
    elif line.count('"') % 2 == 0 and not _footer(body.iloc[-1]):  # 合计, 注：… typed last: no row of data
        if sep is None:
            try:
                sep = csv.Sniffer().sniff(text[:20_000], delimiters=",\t;|").delimiter
            except csv.Error:
                sep = ","
        cells = [c.strip() for c in next(csv.reader([line], delimiter=sep), [])][:len(names)]
        j = max(len(cells), 1) - 1  # the last cell the line holds
        column = body.iloc[:-1, j].astype(object)
        others = column[column.notna()].astype(str).str.strip()
        others = others[others != ""]
        value = cells[j] if cells else ""
        if len([c for c in cells if c]) == 1 == len(cells) and len(others) and len(value) > others.str.len().max():
            return  # one cell longer than any of its column (数据来源：…, 统计截至…): a note, not a row cut short
        left = _left_off(body, names, len(cells))
        if left:
            why = (f"holds {len(cells)} of the header's {len(names)} cells (column '{left}' is filled in every "
                   "other row)")
        elif not value and len(others) == len(body) - 1 > 0 and not _note_column(names[j]):
            why = f"its last cell (column '{names[j]}') is empty where every other row has a value"
        elif value and _cut_value(value, others):
            why = (f"its last value, '{value}' in column '{names[j]}', is shorter than every other in that "
                   f"column (such as '{others.iloc[0]}')")
    if why:
        raise InputFileError(f"'{path}' looks cut short (copied or downloaded in part): its last line, line {last}, "
                             f"ends without a line break and {why}; copy or download the file again (or, if "
                             f"line {last} is whole, end it with a line break and save)")


#: Column names of free notes (备注, 说明, remarks): left blank or off on any row.
_NOTE_NAMES = re.compile(r"(备\s*注|说\s*明|注\s*释|其\s*他|remarks?|notes?|comments?|memo)", re.IGNORECASE)


def _note_column(name: str) -> bool:
    """Whether a column named ``name`` holds free notes (备注, 备注（选填）, Remarks)."""
    return _NOTE_NAMES.fullmatch(re.sub(r"[(（\[].*?[)）\]]|\s", "", str(name))) is not None


def _left_off(body: pd.DataFrame, names: list[str], held: int) -> str:
    """The first column a last line of ``held`` cells leaves off that every other row fills and
    that is no note column (``""`` when none): a row typed without its optional trailing cells, as
    other rows of the file may be, is whole."""
    for j in range(held, len(names)):
        column = body.iloc[:-1, j]
        filled = column.notna() & (column.astype(str).str.strip() != "")
        if len(column) and filled.all() and not _note_column(names[j]):
            return names[j]
    return ""


def _shape(value: str) -> str:
    """``value`` with each digit as ``9``, each Latin letter as ``a`` and each other letter as
    ``中``: the form a column of codes or fixed decimals shares (``999.9999999``, ``a9``)."""
    return "".join("9" if c.isdigit() else "a" if c.isascii() and c.isalpha() else "中" if c.isalpha() else c
                   for c in value)


def _cut_value(value: str, others: pd.Series) -> bool:
    """Whether ``value``, ending a line with no line break, reads as the start of a value like
    ``others`` (the rest of its column): they all have one length (fixed decimals, codes: a
    column of names or counts of varying length tells nothing), ``value`` is shorter and of the
    form of their start (``22.54`` of ``99.9999999``; a word such as ``无`` is not), and for whole
    numbers, under a tenth of the smallest and not 0 (a cut count is: ``2`` of ``250`` among ``120,
    340``; ``85`` among ``120, 340`` can be a count, ``0`` is one), unless they are codes with leading
    zeros.

    Examples
    --------
    >>> s = pd.Series
    >>> _cut_value("22.54", s(["22.5431234", "22.5471234"])), _cut_value("2", s(["120", "340"]))
    (True, True)
    >>> _cut_value("8", s(["120", "35", "200"])), _cut_value("85", s(["120", "340"]))
    (False, False)
    """
    lengths = others.str.len()
    if not len(others) or lengths.nunique() != 1 or len(value) >= int(lengths.iloc[0]):
        return False
    if not any(_shape(o).startswith(_shape(value)) for o in others.iloc[:50]):
        return False
    if value.isdigit() and others.str.fullmatch(r"\d+").all() and not others.str.startswith("0").any():
        return value[0] != "0" and int(value) * 10 < int(others.astype(int).min())  # 0 households starts no count
    return True


def _footer(row: pd.Series) -> bool:
    """Whether ``row``'s first filled cell opens as a total or a note does (合计, 注：, 制表)."""
    from spatial.io._tablegeom import _FOOTER

    first = next((str(v).strip() for v in row if not pd.isna(v) and str(v).strip()), "")
    return re.match(_FOOTER, first, re.IGNORECASE) is not None
