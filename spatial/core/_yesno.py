"""Yes/no columns as planners type them (``locked``, ``synthetic``), for :mod:`spatial.core.checks`,
which re-exports them. Imports numpy and pandas only."""
from __future__ import annotations

import numpy as np
import pandas as pd


def yes_no(values: pd.Series) -> np.ndarray:
    """A yes/no column (``locked``, ``synthetic``) as booleans, as a planner types it in a CSV or
    Excel sheet: true/false, 1/0, yes/no, 是/否 or blank (no); any other text is yes.

    Examples
    --------
    >>> yes_no(pd.Series(["是", "否", "", None, "1", "0", "FALSE", "locked"])).tolist()
    [True, False, False, False, True, False, False, True]
    """
    if pd.api.types.is_bool_dtype(values):  # nullable booleans too: NA is no
        return values.fillna(False).astype(bool).to_numpy()
    if pd.api.types.is_numeric_dtype(values):
        return values.fillna(0).astype(bool).to_numpy()
    off = {"", "0", "0.0", "false", "f", "no", "n", "否", "none", "nan"}
    return np.array([not (pd.isna(v) or str(v).strip().lower() in off) for v in values], dtype=bool)


def marked_synthetic(*layers) -> bool:
    """Whether any of ``layers`` (None skipped) has a ``synthetic`` column saying yes on some row:
    demo or made-up data, which every map and table must say."""
    return any(layer is not None and "synthetic" in layer.columns and yes_no(layer["synthetic"]).any()
               for layer in layers)
