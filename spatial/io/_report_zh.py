"""The Chinese of a report layer's rows, kept beside its four English columns: a GeoPackage's
``report`` layer is written in English (``layer, row_id, problem, action``: QGIS and scripts read
one set of columns), and the Chinese of each row (``problem_zh``, ``action_zh``) goes into the
layer's metadata, so a map drawn later from the file (``spatial map``) says in Chinese what the
run's own Chinese maps said. Imports only pandas and the core."""

from __future__ import annotations

import json

import pandas as pd

from spatial.core.checks import REPORT_COLUMNS, ZH_COLUMNS

__all__ = ["ZH_KEY", "zh_metadata", "with_zh"]

#: The report layer's metadata key holding its rows' Chinese (a JSON list of ``[problem, action]``).
ZH_KEY = "report_zh"


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def zh_metadata(frame: pd.DataFrame) -> dict:
    """``{ZH_KEY: JSON}`` of a report table's Chinese, row by row, or ``{}`` when it has none.

    Examples
    --------
    >>> zh_metadata(pd.DataFrame({"layer": ["grids"], "row_id": ["A"], "problem": ["held 0"], "action": ["merged"],
    ...                           "problem_zh": ["有 0 户"], "action_zh": ["已并入"]}))
    {'report_zh': '[["有 0 户", "已并入"]]'}
    """
    if not set(REPORT_COLUMNS + ZH_COLUMNS) <= set(frame.columns):
        return {}
    rows = [[_text(p), _text(a)] for p, a in zip(frame[ZH_COLUMNS[0]], frame[ZH_COLUMNS[1]])]
    if not any(p or a for p, a in rows):
        return {}
    return {ZH_KEY: json.dumps(rows, ensure_ascii=False)}


def with_zh(frame: pd.DataFrame, metadata: dict | None) -> pd.DataFrame:
    """A report layer read back (``frame``) with its rows' Chinese from its ``metadata`` as
    ``problem_zh`` and ``action_zh``; ``frame`` as it is when the metadata holds none, or holds it
    for another number of rows (a layer edited since)."""
    text = (metadata or {}).get(ZH_KEY)
    if not text or not set(REPORT_COLUMNS) <= set(frame.columns):
        return frame
    try:
        rows = json.loads(text)
    except ValueError:
        return frame
    if not isinstance(rows, list) or len(rows) != len(frame):
        return frame
    return frame.assign(**{ZH_COLUMNS[0]: [r[0] if isinstance(r, list) and r else None for r in rows],
                           ZH_COLUMNS[1]: [r[1] if isinstance(r, list) and len(r) > 1 else None for r in rows]})
