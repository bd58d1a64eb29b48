"""Excel workbook for officials who print: one sheet per level (overall, community, grid)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

__all__ = ["write_workbook"]

logger = logging.getLogger(__name__)

_ZH = {
    "overall": "总体",
    "community": "社区",
    "grid": "网格",
    "street": "街道",
    "grids_out_of_band": "超出户数区间的网格",
    "sites": "新站选址",
    "report": "数据问题清单",
}

_GRID_COLUMNS = [
    "grid_code", "grid_id", "community_id", "households", "population", "n_units", "n_buildings",
    "area_m2", "polsby_popper", "road_share", "band_status", "full_time_workers",
    "part_time_workers", "building_leads", "household_leads",
]


def write_workbook(
    path: str | Path,
    summary: pd.DataFrame,
    *,
    grids: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    report: pd.DataFrame | None = None,
    lang: str = "zh",
) -> Path:
    """Write the coverage and grid figures to one ``.xlsx`` workbook, one sheet per level.

    Parameters
    ----------
    path
        The workbook to write.
    summary
        A coverage summary as from :func:`spatial.coverage.walks.coverage_summary`, with a ``level``
        column (``overall``, ``street``, ``community``, ``grid``); each level becomes a sheet.
    grids
        The grid table (as from :func:`spatial.grids.partition.partition_grids`): a sheet of every grid
        with households, staffing and band status, and a sheet of the grids out of band. When it
        has ``grid_id`` and the summary has a ``grid`` level, coverage columns are joined in.
    sites, report
        Optional tables (new-station sites, data problems), each on its own sheet.
    lang
        ``"zh"`` for Chinese sheet names, ``"en"`` for English.

    Returns
    -------
    pathlib.Path
        The path written.

    Examples
    --------
    >>> import os, tempfile, openpyxl, spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> summary = spatial.coverage_summary(demand, bands=spatial.make_bands())
    >>> path = spatial.write_workbook(os.path.join(tempfile.mkdtemp(), "coverage.xlsx"), summary, lang="en")
    >>> path.name, openpyxl.load_workbook(path).sheetnames
    ('coverage.xlsx', ['overall', 'community'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    def sheet(key: str) -> str:
        return _ZH[key] if lang == "zh" else key

    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        for level in ("overall", "street", "community", "grid"):
            part = summary[summary["level"] == level].drop(columns="level")
            if level == "grid" and grids is not None:
                continue  # the grid sheet below carries the grid coverage too
            if len(part):
                part.to_excel(xl, sheet_name=sheet(level), index=False)
        if grids is not None:
            table = pd.DataFrame(grids.drop(columns="geometry", errors="ignore"))
            table = table[[c for c in _GRID_COLUMNS if c in table.columns]]
            cov = summary[summary["level"] == "grid"].drop(columns=["level", "households", "population"],
                                                           errors="ignore")
            if len(cov) and "grid_id" in table.columns:
                cov = cov.rename(columns={"id": "grid_id"})
                cov["grid_id"] = cov["grid_id"].astype(str)
                table = table.assign(grid_id=table["grid_id"].astype(str)).merge(cov, on="grid_id", how="left")
            table.to_excel(xl, sheet_name=sheet("grid"), index=False)
            if "band_status" in table.columns:
                out = table[table["band_status"] != "in"]
                out.to_excel(xl, sheet_name=sheet("grids_out_of_band"), index=False)
        if sites is not None and len(sites):
            pd.DataFrame(sites.drop(columns="geometry", errors="ignore")).to_excel(
                xl, sheet_name=sheet("sites"), index=False)
        if report is not None and len(report):
            report.to_excel(xl, sheet_name=sheet("report"), index=False)
        for ws in xl.book.worksheets:
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col)
                ws.column_dimensions[col[0].column_letter].width = min(max(10, width + 2), 40)
    logger.info("wrote workbook %s", path)
    return path
