"""The sheets of a workbook as an office keeps them: which one a person opening it sees first
(templates hide a sheet of lists in front), the others to name in a message, and the one-line
error of a workbook that cannot be read (a web page saved as .xls, an empty or damaged file).

Private plumbing of :mod:`spatial.io._tables`; imports :mod:`spatial.core` and
:mod:`spatial.io._faults` only.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from spatial.core.errors import ColumnError, InputFileError
from spatial.io._faults import misnamed

logger = logging.getLogger(__name__)

__all__ = ["hidden_rows", "merged_down", "other_sheets", "unsaved_formulas", "sheet_names", "workbook_engine", "workbook_error"]


def other_sheets(path: Path) -> list[str]:
    """The sheets of a workbook besides the one read when none is named, its first visible sheet
    (none for a CSV or a workbook that cannot say)."""
    names = sheet_names(path)
    if not names:
        return []
    shown = _shown_sheets(path)
    read = shown[0] if shown else names[0]
    # the sheets the office sees first, then the hidden ones
    return sorted((n for n in names if n != read), key=lambda n: shown is not None and n not in shown)


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook, in order (none for a CSV or a workbook that cannot say)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".ods"):
        return []
    try:
        with pd.ExcelFile(path, engine=workbook_engine(path.suffix.lower())) as book:
            return [str(s) for s in book.sheet_names]
    except Exception:  # noqa: BLE001 - the caller's message is complete without it
        return []


def _shown_sheets(path: Path) -> list[str] | None:
    """The work sheets of a workbook that are not hidden, in order; None when it cannot say."""
    try:
        from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

        sheets = CalamineWorkbook.from_path(str(path)).sheets_metadata
    except Exception:  # noqa: BLE001 - read as before; a damaged file is named by the read itself
        return None
    return [m.name for m in sheets if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet]


def merged_down(path: Path, sheet: str | int) -> list[tuple[int, int, int]]:
    """The cells of ``sheet`` merged over two or more rows, as ``(first row, last row, column)``
    (0-based, the sheet's own rows and columns, as pandas reads a sheet with ``header=None``); none
    when the workbook cannot say. A plan keeps one 网格编号 merged down over the rows of its units,
    a list one 社区 over its homes: Excel shows the value beside every row, but holds it in the
    first only."""
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        read = book.get_sheet_by_name(sheet) if isinstance(sheet, str) else book.get_sheet_by_index(sheet)
        ranges = read.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 - read as before; a damaged file is named by the read itself
        return []
    return [(int(r0), int(r1), int(c0)) for (r0, c0), (r1, _c1) in ranges if r1 > r0]


def hidden_rows(path: Path, sheet: str | int) -> list[int]:
    """The rows of ``sheet`` hidden in Excel (0-based, the sheet's own): rows a filter (筛选) hides,
    or hidden by hand (隐藏), which the file holds and a reader reads like the others. Only
    ``.xlsx``/``.xlsm``; none when the workbook cannot say."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return []
    try:
        import posixpath
        import re
        import zipfile
        from xml.etree import ElementTree

        main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        with zipfile.ZipFile(path) as z:
            sheets = ElementTree.fromstring(z.read("xl/workbook.xml")).iter(f"{main}sheet")
            ids = [(e.get("name"), e.get(rel)) for e in sheets]
            rid = dict(ids)[sheet] if isinstance(sheet, str) else ids[sheet][1]
            rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
            target = next(e.get("Target") for e in rels if e.get("Id") == rid)
            name = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            xml = z.read(name).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - read as before; a damaged file is named by the read itself
        return []
    rows = []
    for tag in re.findall(r"<(?:\w+:)?row\b[^>]*>", xml):
        hidden, row = re.search(r'\bhidden="(1|true)"', tag), re.search(r'\br="(\d+)"', tag)
        if hidden and row:
            rows.append(int(row.group(1)) - 1)
    return rows


def unsaved_formulas(path: Path, sheet: str | int) -> dict[tuple[int, int], str]:
    """``{(row, column): formula}`` (0-based, the sheet's own rows and columns) of the cells of
    ``sheet`` that hold a formula with no value saved beside it: a workbook written by a program
    (a web system's export through Apache POI or openpyxl) that Excel never saved. Excel works
    the values out when it opens the file and shows them; a reader sees empty cells. Only
    ``.xlsx``/``.xlsm``; none when the workbook holds no formula or cannot say."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    try:
        import zipfile

        with zipfile.ZipFile(path) as z:
            if not any(b"<f" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")):
                return {}
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
            out = {}
            for row in ws.iter_rows():
                for cell in row:
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f" and isinstance(value, str):
                        out[(cell.row - 1, cell.column - 1)] = value
            return out
        finally:
            book.close()
    except Exception:  # noqa: BLE001 - read as before; a damaged file is named by the read itself
        return {}


def _first_visible(path: Path) -> str | int:
    """The sheet a person opening the workbook sees first: its first sheet that is not hidden
    (templates hide a sheet of lists or settings in front); 0 when the workbook cannot say."""
    shown, names = _shown_sheets(path), sheet_names(path)
    if not shown or not names or shown[0] == names[0]:
        return 0
    hidden = names[:names.index(shown[0])] if shown[0] in names else []
    logger.info("'%s': read its first visible sheet %r (hidden before it: %s)", path.name, shown[0], ", ".join(hidden))
    return shown[0]


def _elsewhere(path: Path, sheet, what: str, why: str) -> None:
    """Raise, naming the other sheets, when the sheet read by default (none was named) ``why``
    (is empty, holds no table) but the workbook has others: the table is on one of them (a
    说明 or cover sheet in front is common)."""
    if sheet is not None:
        return
    names = sheet_names(path)
    if len(names) < 2:
        return
    first = _first_visible(path)
    first = names[0] if first == 0 else first
    others = other_sheets(path)
    raise ColumnError(f"{what}'{path.name}': sheet {first!r} {why}. This is its first sheet; it also has "
                      f"{', '.join(others)}: name one as {path.name}:{others[0]} (sheet= or layer= from Python)")


def workbook_error(path: Path, exc: Exception, what: str = "") -> InputFileError:
    """The one-line error of a workbook that cannot be read, saying what the file really is where
    its first bytes tell: empty, a web page saved as .xls (what some office systems export), or
    damaged (copied or downloaded in part), and what to do.

    Examples
    --------
    >>> import tempfile
    >>> page = Path(tempfile.mkdtemp()) / "导出.xls"
    >>> _ = page.write_text("<html><table><tr><td>编号</td></tr></table></html>")
    >>> str(workbook_error(page, ValueError("Cannot detect file format")))[:80]
    "cannot read '导出.xls' as an Excel workbook: it is a web page (HTML) saved as .xls"
    """
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError:
        head = None
    start = (head or b"").lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    again = "open it in Excel or WPS and save it as .xlsx (or export CSV), then give that file"
    if head == b"":
        why = f"the file is empty (0 bytes); {again.replace('open it', 'open the original')}"
    elif misnamed(path):  # a CSV, a GeoPackage ... under a workbook's name
        why = misnamed(path)
    elif start.startswith((b"<", b"\xff\xfe<", b"\xfe\xff")):
        why = f"it is a web page (HTML) saved as {path.suffix}, as some systems export tables; {again}"
    else:
        why = f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__} (damaged, copied in part, or not " \
              f"a workbook); {again}"
    return InputFileError(f"cannot read {what}'{path.name}' as an Excel workbook: {why}")


def workbook_engine(suffix: str) -> str:
    """pandas' reader of a workbook: openpyxl for .xlsx/.xlsm, calamine for .xls and .ods."""
    return "openpyxl" if suffix in (".xlsx", ".xlsm") else "calamine"


def _sheets(path: Path) -> str:
    """``; it has sheets: ...`` for a message, or nothing when the workbook cannot say."""
    names = sheet_names(path)
    return f"; it has sheets: {', '.join(names)} (name one as {path.name}:SHEET)" if names else ""
