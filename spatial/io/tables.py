"""Write tables as CSV for spreadsheets: atomically, UTF-8 with BOM, text that stays text.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (CSV
injection); names from input tables (``=HYPERLINK("http://…","点击")``) must not become live
formulas. Such text values get a leading apostrophe, as OWASP advises; numbers (``-12.5``) and
numeric codes are left alone.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from spatial.core.atomic import atomic_path

logger = logging.getLogger(__name__)

__all__ = ["write_csv", "neutralise_formulas"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _safe(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value.strip()):
        return "'" + value
    return value


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells that a spreadsheet would run as formulas start with ``'``.

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_formulas(pd.DataFrame({"name": ["=1+2", "-3", "站"]}))["name"].tolist()
    ["'=1+2", '-3', '站']
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(_safe)
    return out


def write_csv(df: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``df`` to ``path`` as UTF-8 CSV with a BOM (Excel opens it as Chinese text), atomically.

    Parameters
    ----------
    df : DataFrame
        The table; a geometry column is left out.
    path : str or Path
        The CSV file.
    index : bool
        Write the index as a column.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    frame = pd.DataFrame(df)
    geom = getattr(df, "_geometry_column_name", None)
    if geom in frame.columns:
        frame = frame.drop(columns=geom)
    frame = neutralise_formulas(frame)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index, encoding="utf-8-sig")
    logger.info("wrote %d rows to '%s'", len(frame), path)
    return path
