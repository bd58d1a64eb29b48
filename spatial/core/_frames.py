"""Results typed alike whether they hold rows or not."""

from __future__ import annotations

from typing import Mapping

import pandas as pd

__all__ = ["TEXT", "typed_empty"]

#: The dtype pandas gives a column of text: ``str`` in pandas 3, ``object`` before (where a cast of
#: None to ``"str"`` would write the word ``None``).
TEXT = pd.Series(["text"]).dtype


def typed_empty(frame: pd.DataFrame, dtypes: Mapping[str, object]) -> pd.DataFrame:
    """``frame`` with the columns named in ``dtypes`` cast to them when it has no rows, else as it
    is: an empty result's text columns come out as objects (its notes as floats) where a full
    one's are text, and an analyst's ``pd.concat`` of the two would turn the full one's text into
    objects.

    Examples
    --------
    >>> empty = pd.DataFrame({"gap_id": pd.Series([], dtype=object), "rank": pd.Series([], dtype="int64")})
    >>> typed_empty(empty, {"gap_id": TEXT, "other": TEXT}).dtypes["gap_id"] == pd.Series(["G1"]).dtype
    True
    """
    if len(frame):
        return frame
    return frame.astype({c: d for c, d in dtypes.items() if c in frame.columns})
