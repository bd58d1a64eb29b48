"""The candidate rooms a siting is given: checked, filtered by floor area and land use (each left
out with a report row) and put in the order of their ids; their floor areas read as numbers.
Moved here from :mod:`spatial.siting.sites` (7 December 2026), which stays the public entry."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import (
    AREA_UNITS,
    Report,
    natural_key,
    numbers_from_text,
    require_columns,
    require_crs,
    require_unique,
)
from spatial.core.errors import ColumnError, DuplicateIdError

__all__ = ["filter_candidates", "floor_areas"]


def filter_candidates(candidates, id_col, min_area, land_uses, report: Report) -> gpd.GeoDataFrame:
    require_crs(candidates, "candidates")
    require_columns(candidates, [id_col], "candidates")
    require_unique(candidates, id_col, "candidates")
    text = candidates[id_col].astype(object).map(str).str.strip()  # as the sites and report layers write them
    if text.duplicated().any():  # 1 and '1' from a spreadsheet: two sites both written as candidate 1
        same = candidates[id_col][text.duplicated(keep=False)].tolist()
        raise DuplicateIdError(f"'candidates' column '{id_col}' holds ids that are the same once written as "
                               f"text: {', '.join(repr(v) for v in same[:10])}; give every row its own id")
    keep = np.ones(len(candidates), bool)
    ids = candidates[id_col].to_numpy()
    if min_area is not None:
        require_columns(candidates, ["floor_area_m2"], "candidates")
        area = floor_areas(candidates, "floor_area_m2", id_col, "candidates")
        for i in np.flatnonzero(np.isnan(area)):
            report.add("candidates", ids[i], "no floor_area_m2", f"left out (min_floor_area_m2={min_area:g})",
                       zh=("没有 floor_area_m2（建筑面积）", f"未纳入（min_floor_area_m2={min_area:g}）"))
        small = area < min_area
        for i in np.flatnonzero(small):
            report.add("candidates", ids[i], f"floor area {area[i]:g} m² < {min_area:g} m²", "left out",
                       zh=(f"建筑面积 {area[i]:g} 平方米 < {min_area:g} 平方米", "未纳入"))
        keep &= ~np.isnan(area) & ~small
    if land_uses is not None:
        if isinstance(land_uses, str):
            raise ColumnError("allowed_land_use must be a list of land-use values, e.g. ['public'], not a string")
        require_columns(candidates, ["land_use"], "candidates")
        use = candidates["land_use"].to_numpy(dtype=object)
        bad = ~np.isin(use, list(land_uses))
        for i in np.flatnonzero(bad & keep):
            report.add("candidates", ids[i], f"land use {use[i]!r} not allowed", "left out",
                       zh=(f"用地性质 {use[i]!r} 不在允许范围内", "未纳入"))
        keep &= ~bad
    geom = candidates.geometry.values
    empty = shapely.is_missing(geom) | shapely.is_empty(geom)
    for i in np.flatnonzero(empty & keep):
        report.add("candidates", ids[i], "empty geometry", "left out", zh=("几何为空", "未纳入"))
    keep &= ~empty
    # in the order of their ids: of two candidates that serve as many, the solver takes the one it
    # meets first, which must not be the one a re-saved layer happens to list first
    # (as people count them: R9 before R10, which the order of text put first)
    kept = candidates[keep]
    if pd.api.types.is_numeric_dtype(kept[id_col]):
        order = np.argsort(kept[id_col].to_numpy(), kind="stable")
    else:  # text, or ids of mixed kinds (1 and 'A'): as written, counted
        written = text[keep].tolist()
        order = np.asarray(sorted(range(len(written)), key=lambda i: natural_key(written[i])), dtype=np.int64)
    return kept.iloc[order]


def floor_areas(candidates: pd.DataFrame, col: str, id_col: str, name: str) -> np.ndarray:
    """The candidates' floor areas (m²) from ``col``, NaN where unknown (empty or not a number);
    typed as '1,200', '３００' or '800平方米': read as those m². A negative or infinite area is
    refused naming ``name`` (the file), ``col`` and the rows by ``id_col``.

    ``spatial site`` reads its file's own column (建筑面积) with it before any walk, so the message
    names the column the file has, not the ``floor_area_m2`` the siting then reads.
    """
    area = numbers_from_text(candidates[col], name, col, units=AREA_UNITS, what="m²").to_numpy(float)
    wrong = ~np.isnan(area) & ~(np.isfinite(area) & (area >= 0))
    if wrong.any():  # a typing error, not a small site: never left out as '< min'
        ids = candidates[id_col].to_numpy()
        rows = ", ".join(f"{ids[i]}={area[i]:g}" for i in np.flatnonzero(wrong)[:5])
        more = f" (and {int(wrong.sum()) - 5} more)" if wrong.sum() > 5 else ""
        raise ColumnError(f"'{name}' column '{col}' must be a floor area >= 0 m² (or empty when unknown); bad "
                          f"rows ({id_col}): {rows}{more}. Correct the area")
    return area
