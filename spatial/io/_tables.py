"""CSV and Excel tables as government offices keep them: a title above the header, blank rows.

A station list or plan exported from an office's spreadsheet often opens with a merged title row
(福田区党群服务站一览表) and a line naming who filled it in and when, above the header; pandas then
takes the title as the header and every column comes out ``Unnamed``. Here the rows above the
header are found and skipped (said in one line): a leading row is a title when all its filled
cells are text and it fills fewer than half as many cells as the widest of the first rows.
Entirely empty rows (formatted but unused) are skipped too. Every data row keeps its line (or
Excel row) number for messages. A CSV row with more cells than the header is refused, naming its
line (a name holding an unquoted comma would shift the columns). Cells are separated by
commas, tabs (Excel's "Unicode 文本") or semicolons with decimal commas (Excel in a European locale).
A CSV cut off inside its last line (a copy or download that stopped) is refused naming that line. Read with the standard ``csv``
module (pandas' reader stops at a title row narrower than the header), and openpyxl (``.xlsx``)
and calamine (``.xls``, ``.ods``) through pandas; imports :mod:`spatial.core` and the encoding detection.
Codes Excel changed (4.40305E+14, a 20-digit code stored as a number, 1-2 made a date) are refused
as the table is read (:mod:`spatial.io._excelcodes`).
"""

from __future__ import annotations

import csv
import functools
import io
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from spatial.core.errors import InputFileError
from spatial.io._encoding import decode_text_file
from spatial.io._excelcodes import check_codes, is_code_column
from spatial.io._workbooks import (_elsewhere, _first_visible, _sheets, hidden_rows, merged_down, other_sheets,
                                   sheet_names, unsaved_formulas, workbook_engine, workbook_error)
from spatial.io.columns import bare_name

logger = logging.getLogger(__name__)

__all__ = ["read_frame", "other_sheets", "workbook_engine", "workbook_error"]

#: Rows looked at for the header.
_HEAD_ROWS = 10


def read_frame(path: Path, *, sheet=None, encoding: str | None = None, text: bool = False,
               what: str = "") -> tuple[pd.DataFrame, np.ndarray]:
    """The table of a ``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm``/``.xls``/``.ods`` file below its header, and
    each row's line number (1 for the file's first line). With ``text``, every cell as the text it
    holds (ids as written, blank cells missing), else all-number columns as numbers. ``what``
    ('plan ') goes before the file's name in messages."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        decoded, used = decode_text_file(path, encoding=encoding)
        decoded = re.sub(r"\x1a+[\r\n]*\Z", "", decoded)  # the end-of-file mark old DOS tools write: no row
        head = decoded[:20_000].splitlines()[:20]
        sep = _separator(head, suffix)
        if sep == "\t":
            # Excel's 另存为 "Unicode 文本" (UTF-16, tabs), named .csv: read as the tab-separated text it is
            logger.info("'%s': its cells are separated by tabs, not commas; read so", path.name)
        elif sep == "，":
            logger.info("'%s': its cells are separated by full-width commas (，), as typed with a Chinese input "
                        "method; read so", path.name)
        elif sep == ";":
            logger.info("'%s': its cells are separated by semicolons, as Excel saves CSV where the comma is the "
                        "decimal separator; read so", path.name)
        raw = _excel_text(_csv_cells(decoded, suffix, path, used, sep=sep), path)
        typed = False
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        # Excel 97-2003 (.xls, still what many offices' templates are) and OpenDocument (.ods:
        # LibreOffice, WPS on domestic systems) workbooks through calamine
        if isinstance(sheet, str) and (names := sheet_names(path)) and sheet not in names:
            raise InputFileError(f"cannot read sheet {sheet!r} of {what}'{path}': there is no such sheet"
                                 f"{_sheets(path)}")
        # read typed even for text: a code Excel stored as a number or a date is told by its type
        as_text = {"keep_default_na": False, "na_values": [""]} if text else {}
        read_sheet = _first_visible(path) if sheet is None else sheet
        try:
            raw = pd.read_excel(path, sheet_name=read_sheet, header=None, engine=workbook_engine(suffix), **as_text)
        except (ValueError, KeyError, OSError) as exc:
            raise InputFileError(f"cannot read sheet {sheet!r} of {what}'{path}': {exc}{_sheets(path)}") from exc
        except Exception as exc:  # openpyxl raises zipfile/XML errors for damaged files
            raise workbook_error(path, exc, what) from exc
        raw = _formulas_shown(raw, unsaved_formulas(path, read_sheet), path)
        typed = True
    else:
        raise InputFileError(f"{what}'{path}': unsupported table type {suffix!r}; use .csv, .xlsx, .xls or .ods")
    filled = raw.notna()
    head = raw.iloc[:_HEAD_ROWS]  # cells of spaces count as empty where the header is looked for
    filled.iloc[:_HEAD_ROWS] &= ~head.apply(lambda c: c.map(lambda v: isinstance(v, str) and not v.strip()))
    blank = ~filled.any(axis=1).to_numpy()
    lines = np.arange(len(raw)) + 1
    if blank.any():  # formatted but unused rows are not data
        logger.info("'%s': skipped %d entirely empty rows", path.name, int(blank.sum()))
    raw, filled, lines = raw.loc[~blank], filled.loc[~blank], lines[~blank]
    if len(raw) == 0:
        _elsewhere(path, sheet, what, "is empty")
        raise InputFileError(f"{what}'{path}' holds no rows; export the table again (with a header row)")
    k = _header_row(raw, filled, typed=typed)
    if k:
        titles = " / ".join(" ".join(str(v).strip() for v in raw.iloc[j] if not pd.isna(v)) for j in range(k))
        logger.info("'%s': the header is line %d; above it, skipped: %s", path.name, lines[k], titles[:120])
    header = raw.iloc[k]
    named = filled.iloc[k].to_numpy()
    if _sub_header(raw, filled, k):  # 坐标 over 经度 | 纬度 (merged cells): the names are in two rows
        logger.info("'%s': the header is lines %d-%d (merged cells)", path.name, lines[k], lines[k + 1])
        header = raw.iloc[k + 1].where(filled.iloc[k + 1], header)
        named = named | filled.iloc[k + 1].to_numpy()
        k += 1
    body = raw.iloc[k + 1:]
    if not len(body):
        _elsewhere(path, sheet, what, "holds no table (no rows below its first lines)")
    width = raw.shape[1]
    if not typed:  # a CSV row wider than its header: a separator in unquoted text shifted the cells
        width = int(np.flatnonzero(named).max()) + 1
        extra = filled.iloc[k + 1:, width:].any(axis=1).to_numpy()
        if extra.any():
            j = int(np.flatnonzero(extra)[0])
            raise InputFileError(f"cannot parse '{path}' as CSV ({used}): line {lines[k + 1 + j]} has more cells "
                                 f"than the header (line {lines[k]}, {width} column{'s' * (width > 1)}); quote text "
                                 "that holds the separator, or name the extra column")
        _refuse_cut_short(decoded, raw.iloc[k + 1:, :width], names_of(header, width), lines[-1], path, sep)
    df = body.iloc[:, :width]
    df.columns = names_of(header, width)
    if typed:  # 网格编号 merged down over its units: the value beside every row, as Excel shows it
        df = _fill_merged(df, merged_down(path, read_sheet), path)
        hidden = sorted(set(hidden_rows(path, read_sheet)) & set(df.index))
        if hidden:  # rows a filter hides (已撤销 stations filtered out) are in the file, and read
            many = len(hidden) > 1
            logger.warning("'%s': %s, hidden in Excel (by a filter or by hand), %s read like the others; delete %s "
                           "from the sheet if %s not to count", path.name, f"row{'s' * many} {listed_rows(hidden)}",
                           "are" if many else "is", "them" if many else "it", "they are" if many else "it is")
    df = df.reset_index(drop=True)
    at = lines[k + 1:]
    again = _header_again(df, header)
    if again.any():  # a table copied page by page from a web system, each page under its header
        logger.info("'%s': skipped the header repeated in line%s %s (pages pasted one under another)", path.name,
                    "s" * (int(again.sum()) > 1), ", ".join(map(str, at[again][:10])))
        df, at = df.loc[~again].reset_index(drop=True), at[~again]
    empty = [c for j, c in enumerate(df.columns) if not named[j] and df[c].isna().all()]
    if empty:  # a template's margin (the table from column B on), or Excel's formatted but empty columns
        logger.info("'%s': left out %d columns with no name and no value", path.name, len(empty))
        df = df.drop(columns=empty)
    if not typed and sep == ";":
        df = _decimal_commas(df, path, at)
    check_codes(df, at, path=path, workbook=typed, what=what)  # codes Excel changed: refused
    if text and typed:  # each cell as the text it holds (101, not 101.0), as pandas' dtype=str gives it
        df = df.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else str(v))
    if not text:
        df = _infer_cells(df) if typed else _infer_numbers(df)
    return df, at


def listed_rows(rows: list[int]) -> str:
    """0-based sheet rows as Excel numbers them, runs joined: ``[4, 5, 6, 9]`` -> ``'5-7, 10'``.

    Examples
    --------
    >>> listed_rows([4, 5, 6, 9])
    '5-7, 10'
    """
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1][1] = r
        else:
            runs.append([r, r])
    shown = [f"{a + 1}-{b + 1}" if b > a else f"{a + 1}" for a, b in runs]
    return ", ".join(shown[:10]) + (f" (and {len(shown) - 10} more)" if len(shown) > 10 else "")


def _formulas_shown(raw: pd.DataFrame, formulas: dict[tuple[int, int], str], path: Path) -> pd.DataFrame:
    """``raw`` (a sheet read with ``header=None``) with each cell that holds a formula and no saved
    value (:func:`~spatial.io._workbooks.unsaved_formulas`) as its formula text (``=C2*25``), not
    empty: a count so kept is refused naming the row and the formula, not told to be filled in
    where Excel shows it filled (:func:`spatial.core.checks.check_households`). Said once (-v)."""
    cells = [(r, c, f) for (r, c), f in formulas.items()
             if r < raw.shape[0] and c < raw.shape[1] and pd.isna(raw.iat[r, c])]
    if not cells:
        return raw
    raw = raw.astype({c: object for c in {c for _, c, _ in cells}})
    for r, c, f in cells:
        raw.iat[r, c] = f if f.startswith("=") else f"={f}"
    logger.info("'%s': %d cells hold a formula with no value saved (%s in row %d ...): the workbook was written by "
                "a program and never saved by Excel; read as their formulas", path.name, len(cells), cells[0][2],
                cells[0][0] + 1)
    return raw


#: A count or measure typed as text ('200户', '1,200', '３５０人'): never copied down merged cells.
_COUNT_TEXT = re.compile(r"^\s*[0-9０-９][0-9０-９,，.．]*\s*(户|人|个|栋|幢|间|套|处|m2|m²|㎡|平方米|平米)?\s*$")


def _fill_merged(df: pd.DataFrame, merged: list[tuple[int, int, int]], path: Path) -> pd.DataFrame:
    """``df`` (a sheet's rows below the header, indexed by the sheet's rows, its columns in the
    sheet's order) with each value of cells merged down over several rows beside every one of
    those rows, as Excel shows it: a plan's 网格编号 merged over its units, a 社区 over its homes.
    A count merged down (one 户数 over two buildings, a grid's 户数合计) is the rows' total, not
    each row's: it stays in the first row (an ids column's numbers, 网格编号 1, 2, are copied).

    Examples
    --------
    >>> df = pd.DataFrame({"网格编号": ["G1", None, None], "户数": [300, None, None]}, index=[1, 2, 3])
    >>> _fill_merged(df, [(1, 3, 0), (1, 3, 1)], Path("plan.xlsx")).to_dict("list")
    {'网格编号': ['G1', 'G1', 'G1'], '户数': [300.0, nan, nan]}
    """
    rows = set(df.index)
    filled: dict[str, list[str]] = {}
    totals: dict[str, list[str]] = {}
    out = df
    for first, last, col in sorted(merged):
        if first not in rows or col >= df.shape[1]:  # a merged title or header, or a range not read
            continue
        value = df.iat[df.index.get_loc(first), col]
        name = df.columns[col]
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        count = (isinstance(value, (int, float, np.number)) and not isinstance(value, bool)) or \
            (isinstance(value, str) and _COUNT_TEXT.match(value))
        if count and not is_code_column(name):
            totals.setdefault(str(name), []).append(f"{first + 1}-{last + 1}")
            continue
        below = [r for r in range(first + 1, last + 1) if r in rows]
        if not below:
            continue
        out = out.copy() if out is df else out
        if out[name].dtype != object and not isinstance(value, (int, float, np.number)):
            out[name] = out[name].astype(object)
        out.iloc[[out.index.get_loc(r) for r in below], col] = value
        filled.setdefault(str(name), []).append(f"{first + 1}-{last + 1}")
    def rows_of(spans: list[str]) -> str:
        return ", ".join(spans[:5]) + (" ..." if len(spans) > 5 else "")

    for name, spans in filled.items():
        logger.info("'%s' column '%s': cells merged over rows %s read as their value beside every row, as Excel "
                    "shows them", path.name, name, rows_of(spans))
    for name, spans in totals.items():
        logger.info("'%s' column '%s': the count in cells merged over rows %s is those rows' total: read in the "
                    "first row of each only", path.name, name, rows_of(spans))
    return out


def _excel_text(raw: pd.DataFrame, path: Path) -> pd.DataFrame:
    """``raw`` (a text table's cells) with cells written ``="001"`` as the text Excel shows for
    them, ``001`` (``=""``: blank): web systems export codes so that Excel keeps their leading
    zeros (and a 20-digit code whole). Said once.

    Examples
    --------
    >>> cells = _excel_text(pd.DataFrame({0: ["unit_id", '="001"', '=""']}), Path("plan.csv"))[0]
    >>> cells.iloc[1], bool(pd.isna(cells.iloc[2]))
    ('001', True)
    """
    out, count = raw, 0
    for col in raw.columns:
        cells = raw[col]
        if not pd.api.types.is_string_dtype(cells) or not cells.str.startswith('="', na=False).any():
            continue
        inner = cells.str.extract(r'^="(.*)"$', expand=False)
        written = inner.notna()
        out = out.copy() if out is raw else out
        out.loc[written, col] = inner[written].map(lambda v: v if v.strip() else None)
        count += int(written.sum())
    if count:
        logger.info("'%s': %d cells written =\"...\" (so that Excel keeps a code's leading zeros) read as the "
                    "text inside, as Excel shows them", path.name, count)
    return out


def _header_again(df: pd.DataFrame, header: pd.Series) -> np.ndarray:
    """Which rows of ``df`` repeat its header (``header``'s cells) word for word, in two or more
    columns and nothing else: a page's header pasted under the page before, no row of data, or
    the header of a second file joined to the first (``copy /b 北片.csv+南片.csv``, its byte-order
    mark and all)."""
    def bare(v) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v).strip().lstrip("\ufeff")

    names = [bare(v) for v in header.iloc[:df.shape[1]]]
    again = np.zeros(len(df), dtype=bool)
    if sum(map(bool, names)) < 2:
        return again
    first = next(j for j, n in enumerate(names) if n)
    rows = np.flatnonzero(df.iloc[:, first].map(bare).to_numpy() == names[first])  # few: looked at one by one
    for r in rows:
        again[r] = [bare(v) for v in df.iloc[r]] == names
    return again


def names_of(header: pd.Series, width: int) -> list[str]:
    """The column names of ``header``'s first ``width`` cells: blank ones ``Unnamed: j``, a repeated
    one numbered as pandas numbers it (名称, 名称.1)."""
    names, seen = [], {}
    for j, v in enumerate(header.iloc[:width]):
        name = str(v).strip() if not pd.isna(v) and str(v).strip() else f"Unnamed: {j}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        names.append(name)
    return names


def _separator(head: list[str], suffix: str) -> str:
    """What separates the cells of a text table whose first lines are ``head``: ``","`` for a
    ``.csv`` (``"\\t"`` when its lines hold tabs and no comma, or tabs split every line into the
    same cells and commas do not: Excel's "Unicode 文本" with a comma in an address), ``";"``
    when semicolons split every one of its lines into the same two or more cells and commas do
    not (Excel saves CSV so where the comma is the decimal separator: ``114,05;22,54``), else
    for a ``.txt`` or ``.tsv`` the one of comma, tab, semicolon, ``|`` and space its lines are
    written with (sniffed), and a comma (a tab for ``.tsv``) when they hold none: one column (a
    list of unit ids typed in Notepad) is not split at a letter that every line shares. Lines
    holding none of those but split by full-width commas into the same cells (``编号，名称``: typed
    with a Chinese input method) are read at them.

    Title lines above the header that hold no comma, semicolon or tab (福田区党群服务站一览表
    with no ``;;;`` after it: typed by hand, or from WPS) are left out of the count: they are one
    cell whatever separates the others. A line naming a column the readers look for (``geom``
    over ``SRID=32650;POINT (...)``) is a header, not a title.

    Examples
    --------
    >>> _separator(["id;lon;lat", "S1;114,05;22,54"], ".csv"), _separator(["id,名称", "1,甲;乙"], ".csv")
    (';', ',')
    >>> _separator(["站点一览表", "id;lon;lat", "S1;114,05;22,54"], ".csv"), _separator(["unit_id", "U1"], ".txt")
    (';', ',')
    """
    lines = [line for line in head if line.strip()]
    # below the titles: lines of no separator that name no column (a one-column table's header: geom)
    top = next((i for i, line in enumerate(lines) if any(c in line for c in ",;\t") or _known_name(line)), 0)

    def steady(sep: str) -> bool:  # every line of the same two or more cells (Excel pads a title: 标题;;;)
        widths = {len(row) for row in csv.reader(lines[top:], delimiter=sep)}
        return len(widths) == 1 and widths.pop() >= 2

    if suffix in (".csv", ".txt") and steady(";") and not steady(","):
        return ";"
    if not any(c in line for line in lines for c in ",;\t|") and steady("，"):
        return "，"  # typed in Notepad with a Chinese input method: 编号，名称，经度，纬度
    if suffix == ".csv":  # tabs also when a name or an address holds a comma (福田区,梅林街道)
        tabs = any("\t" in line for line in head) and (not any("," in line for line in head)
                                                        or steady("\t") and not steady(","))
        return "\t" if tabs else ","
    try:
        return csv.Sniffer().sniff("\n".join(lines[top:]), delimiters=",\t;| ").delimiter
    except csv.Error:  # no separator in any line: one column
        return "\t" if suffix == ".tsv" else ","


#: A number written with a decimal comma (or none): 114,0583; -3; 22,5; and thousands grouped by
#: points, as the same locale writes them: 1.234 or 1.234,5.
_COMMA_NUMBER = re.compile(r"[+-]?\d+(?:,\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
#: A number with a decimal comma (114,0583; 1.234,5) and one with a decimal point (114.0583, or
#: 114.058, which the decimal comma's locale reads as 114058).
_DECIMAL_COMMA = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+),\d+")
_DECIMAL_POINT = re.compile(r"[+-]?\d+\.\d+")


def _decimal_commas(df: pd.DataFrame, path: Path, lines: np.ndarray) -> pd.DataFrame:
    """``df`` (a semicolon-separated table's cells, on ``lines``) with its numbers written with
    decimal commas (``114,0583``), and thousands grouped by points (``1.234``) in a table that has
    them, written as Python reads numbers, said once; columns holding any other text as they are.

    A column of numbers holding both (``114,0583`` and ``114.058``, a value typed or pasted in
    another locale) is refused, naming the line and column: ``114.058`` there is 114058 to the
    table's locale and 114.058 to the one who typed it, and either guess moves a station. So is a
    longitude or latitude column (by its name: 经度, lat ...) of ``114.058`` beside decimal commas:
    degrees are never grouped in thousands.

    Examples
    --------
    >>> cells = pd.DataFrame({"lon": ["114,0583", "114,0612"], "households": ["1.234", "80"]})
    >>> _decimal_commas(cells, Path("s.csv"), np.array([2, 3])).to_dict("list")
    {'lon': ['114.0583', '114.0612'], 'households': ['1234', '80']}
    """
    out, said = df.copy(), []
    cells = {col: df[col].dropna().astype(str).str.strip() for col in df.columns}
    for col, filled in cells.items():
        comma, point = filled.str.fullmatch(_DECIMAL_COMMA.pattern), filled.str.fullmatch(_DECIMAL_POINT.pattern)
        numbers = comma | point | filled.str.fullmatch(r"[+-]?\d+")
        if numbers.all() and comma.any() and point.any():
            _mixed(path, lines, col, filled, point, col, filled, comma)
    commas = {col: c for col, c in cells.items()
              if len(c) and c.str.fullmatch(_COMMA_NUMBER.pattern).all() and c.str.contains(",").any()}
    if not commas:  # no decimal comma anywhere: 1.5 is a decimal point, left as it is
        return df
    for col, filled in cells.items():
        number = filled.str.fullmatch(_COMMA_NUMBER.pattern) | filled.str.fullmatch(_GROUPED.pattern)
        if len(filled) and number.all() and filled.str.contains("[,.]").any():
            point = filled.str.fullmatch(_DECIMAL_POINT.pattern)
            if point.any() and bare_name(col) in _DEGREE_NAMES:  # 114.058 as degrees, not 114058
                other, example = next(iter(commas.items()))
                _mixed(path, lines, col, filled, point, other, example, example.str.contains(","))
            out[col] = df[col].map(lambda v: v.strip().replace(".", "").replace(",", ".") if isinstance(v, str) else v)
            said.append(str(col))
    logger.info("'%s': numbers with decimal commas (114,05 for 114.05) read in column%s %s", path.name,
                "s" * (len(said) > 1), ", ".join(said))
    return out


def _mixed(path: Path, lines: np.ndarray, col, filled: pd.Series, point: pd.Series, other, cells: pd.Series,
           comma: pd.Series) -> None:
    """Raise for the first value of column ``col`` (``filled``) written with a decimal point
    (where ``point``), showing the first of column ``other`` (``cells``) written with a decimal
    comma (where ``comma``)."""
    j, first = filled.index[point.to_numpy()][0], cells.index[comma.to_numpy()][0]
    value = filled[j]
    both = f": in the table's way {value.replace('.', '')}, not {value}" if _GROUPED.fullmatch(value) else ""
    raise InputFileError(
        f"'{path}' mixes decimal commas and decimal points: line {lines[j]}, column '{col}' holds '{value}' with a "
        f"decimal point where the table writes decimals with a comma (line {lines[first]}, column '{other}': "
        f"'{cells[first]}'){both}; write it with a decimal comma ({value.replace('.', ',')}) and save again")


#: Column names of degrees (longitude, latitude), never grouped in thousands: not x, y (metres too).
_DEGREE_NAMES = frozenset({"lon", "lng", "long", "longitude", "经度", "东经", "lon_wgs84", "lng_wgs84",
                           "lat", "latitude", "纬度", "北纬", "lat_wgs84"})


def _refuse_cut_short(text: str, body: pd.DataFrame, names: list[str], last: int, path: Path,
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


def _csv_cells(text: str, suffix: str, path: Path, used: str, sep: str | None = None) -> pd.DataFrame:
    """Every cell of a delimited text as a string (empty cells missing), rows padded to the widest:
    pandas' reader when no row is wider than the first (most files: five times faster), else the
    ``csv`` module's. ``sep`` separates the cells (:func:`_separator`; None: sniffed)."""
    try:
        return pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, na_values=[""],
                           sep=sep, engine="c" if sep else "python")
    except (pd.errors.ParserError, ValueError, csv.Error):
        pass  # a title line narrower than the table, or a row wider than its header: read cell by cell
    if sep:
        dialect: type[csv.Dialect] | csv.Dialect = type("given", (csv.excel,), {"delimiter": sep})
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",\t;|")
        except csv.Error:
            dialect = csv.excel_tab if suffix == ".tsv" else csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as exc:
        raise InputFileError(f"cannot parse '{path}' as CSV ({used}): {exc}") from exc
    width = max((len(r) for r in rows), default=0)
    return pd.DataFrame([[c if c.strip() else None for c in r] + [None] * (width - len(r)) for r in rows],
                        dtype=object)


def _header_row(raw: pd.DataFrame, filled: pd.DataFrame, *, typed: bool = False) -> int:
    """The position of the header among the first rows: the first row that is not a title (all
    text, filling fewer than half as many cells as the widest of the first rows, or one cell of a
    table two wide: a plan's title over unit_id, grid_id).

    A row with nothing but numbers under it is no title but the header of rows wider than it
    (``households`` over ``1,5``: a separator inside a value, named by the width check). In a
    table one column wide a title is told by the header under it naming a column the readers
    look for (锁定单元 over unit_id, then the ids). In a text table (not ``typed``, a workbook's)
    a title leaves rows under the header: a row wider than the one above it and last (名称 over
    福田区,梅林站) is a row of data, unless it names columns the readers look for (a template's
    header, no rows yet)."""
    head = filled.iloc[:_HEAD_ROWS].sum(axis=1).to_numpy()
    widest = head.max()
    for k, n in enumerate(head):
        row = list(raw.iloc[k][filled.iloc[k].to_numpy()])
        below = list(raw.iloc[k + 1][filled.iloc[k + 1].to_numpy()]) if k + 1 < len(raw) else []
        if not all(map(_text, row)):
            return k
        if widest == 1:  # one column: the title of a list of ids over its header
            if below and _text(below[0]) and _known_name(below[0]) and not _known_name(row[0]):
                continue
            return k
        if (2 * n >= widest and not n == 1 < widest) or (below and all(map(_number, below))):
            return k
        if not typed and k + 2 >= len(raw) and not any(map(_known_name, below)):  # 名称 over 福田区,梅林站: nothing under it
            return 0
    return 0


def _text(value) -> bool:
    """Whether a cell holds text that is no number (编号, not '101')."""
    return isinstance(value, str) and pd.isna(pd.to_numeric(value, errors="coerce"))


def _number(value) -> bool:
    """Whether a cell holds a number (101, '1.5'), not a date or text."""
    return (isinstance(value, (int, float, np.number)) and not isinstance(value, bool)) or \
        (isinstance(value, str) and not pd.isna(pd.to_numeric(value, errors="coerce")))


def _known_name(value: str) -> bool:
    """Whether ``value`` names a column the readers look for: a longitude, latitude, WKT, id,
    households ... column under any of its names (``经度（WGS84）``, ``Unit_ID``)."""
    return bare_name(value) in _known_names()


@functools.cache
def _known_names() -> frozenset[str]:
    from spatial.io._tablegeom import LAT_NAMES, LON_NAMES, WKT_NAMES
    from spatial.io.columns import ROLES

    return frozenset({n.lower() for n in (*LON_NAMES, *LAT_NAMES, *WKT_NAMES)}
                     | {n.lower() for canonical, others in ROLES.values() for n in (canonical, *others)})


def _sub_header(raw: pd.DataFrame, filled: pd.DataFrame, k: int) -> bool:
    """Whether the row below the header row ``k`` is the second row of a header in two rows, as
    offices merge cells (``坐标`` over ``经度`` and ``纬度``; ``名称`` down both rows): all text, filled
    under a blank of the header, and naming a column the readers look for (a longitude,
    latitude, id, households ... column); a row of data is never taken for it."""
    if k + 1 >= len(raw):
        return False
    row, under = raw.iloc[k + 1], filled.iloc[k + 1].to_numpy()
    values = [v for v in row[under]]
    if not values or not all(map(_text, values)):
        return False
    if not (under & ~filled.iloc[k].to_numpy()).any():
        return False
    return any(map(_known_name, values))


def _infer_cells(df: pd.DataFrame) -> pd.DataFrame:
    """A workbook's columns as their cells' type, but whole-number codes with blank cells kept as
    the integers they are (a float column would make 440305001001001 read 440305001001001.0)."""
    out = df.infer_objects()
    for col in df.columns:
        s = df[col]
        if is_code_column(col) and s.isna().any() and pd.api.types.is_float_dtype(out[col]):
            filled = s.dropna()
            if len(filled) and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in filled):
                out[col] = s.astype(object)
    return out


def _infer_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Turn all-number text columns into numbers, but keep codes as text: with leading zeros,
    of 16 or more digits (a float keeps 15: two 20-digit grid codes would read as one number),
    and whole-number codes with blank cells (a float column would make them 440305001001001.0)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        filled = s.dropna()
        if not len(filled):
            continue
        nums = pd.to_numeric(filled, errors="coerce")
        if nums.isna().any():
            continue
        if filled.astype(str).str.match(r"\s*[+-]?0\d").any():
            continue  # e.g. '001', '0755': an id or code, not a number
        whole = filled.astype(str).str.strip().str.fullmatch(r"[+-]?\d+")
        if whole.all() and (filled.astype(str).str.strip().str.lstrip("+-").str.len() > 15).any():
            continue  # 44030500100100100101: a code no number type holds
        if whole.all() and len(filled) < len(s) and is_code_column(col):
            continue  # ids with blanks: text, not 1.0, 2.0
        out[col] = pd.to_numeric(s, errors="coerce")
    return out
