"""Validation at the edges: CRS, columns, ids, geometries and households, with a report of every fix.

The CRS checks are written in :mod:`spatial.core._crs`, the Chinese words of report rows in
:mod:`spatial.core._words_zh`; both are imported from here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.errors import ColumnError, DuplicateIdError, GeometryError, OptionError, SpatialError

# the CRS checks live in spatial.core._crs; every caller imports them from here
from spatial.core._crs import (  # noqa: F401
    GROUND_SCALE_TOLERANCE,
    datum_warning,
    ground_metres,
    guess_crs,
    layer_lonlat,
    metric_crs,
    require_crs,
    require_degrees_in_range,
    require_frame,
    to_metric,
    zone_fit_between,
    zone_fit_hint,
)
# numbers judged by value live in spatial.core._numbers; every caller imports them from here
from spatial.core._frames import on_rows_of  # noqa: F401
from spatial.core._geom import polygonal, polygonals  # noqa: F401
# yes/no columns live in spatial.core._yesno; every caller imports them from here
from spatial.core._yesno import marked_synthetic, yes_no  # noqa: F401
from spatial.core._numbers import (  # noqa: F401
    _SAID,
    AREA_UNITS,
    COUNT_UNITS,
    is_number,
    numbers_from_text,
    round_half_up,
    round_walk,
    say_read_as_text,
    whole_counts,
    whole_number,
)
# the Chinese words of report rows live in spatial.core._words_zh; every caller imports them from here
from spatial.core._words_zh import (  # noqa: F401
    LAYERS_ZH,
    NEARER,
    REASONS_ZH,
    SAME_PLACE,
    gap_note_zh,
    invalid_zh,
    layer_zh,
    nearer_reason,
    reason_zh,
)

logger = logging.getLogger(__name__)

#: Columns of every issue report (the ``report`` layer written next to results).
REPORT_COLUMNS = ["layer", "row_id", "problem", "action"]
#: Chinese texts of ``problem`` and ``action``, carried next to the English in the report tables
#: that functions return (the Chinese workbook's 数据问题清单); never written to the report layer.
ZH_COLUMNS = ["problem_zh", "action_zh"]

#: A unit outside every community, as the validation and the grids both report it (the one row
#: :func:`once_per_row` keeps of the two says what happened to it and what to do).
OUTSIDE_PROBLEM = ("outside every community", "不在任何社区内")
OUTSIDE_ACTION = (
    "kept in the output with no community and no grid; fix the unit's location or extend the "
    "community boundary",
    "保留在结果中，但不属于任何社区、未划入网格；请核对单元位置或扩大社区边界",
)
#: A unit outline none of which lies in its community (the grids clip it away), as both say it.
NO_AREA_PROBLEM = ("has no area inside its community", "在所属社区内没有面积")
NO_AREA_ACTION = ("not given a grid", "未划入网格")

@dataclass
class Report:
    """Rows that were repaired, flagged or set aside, each with a reason.

    Nothing is dropped silently: whatever a function does not carry into its
    result is listed here, and the report is written next to the results. Each row may carry the
    Chinese of its problem and action (``zh=``), which Chinese outputs show instead of the English.

    Examples
    --------
    >>> import spatial
    >>> report = spatial.Report()
    >>> report.add("units", "U7", "households missing", "counted as 0 households", zh=("缺少住户数", "按 0 户计"))
    >>> report.add("stations", "S2", "outside every community", "kept")
    >>> len(report)
    2
    >>> report.to_frame("zh")[["row_id", "problem", "action"]].values.tolist()
    [['U7', '缺少住户数', '按 0 户计'], ['S2', 'outside every community', 'kept']]
    """

    rows: list[dict] = field(default_factory=list)

    def add(self, layer: str, row_id, problem: str, action: str, *, zh: tuple[str, str] | None = None,
            ids=None) -> None:
        """Record one row: which layer and id, what was wrong, what was done.

        Parameters
        ----------
        layer, row_id
            The layer and the row (its id, or a word such as ``"-"`` for the whole layer).
        problem, action
            What was wrong and what was done, in English.
        zh
            ``(problem, action)`` in Chinese, built from the same values as the English; None
            when there is none (Chinese outputs then show the English).
        ids
            Every id the row speaks of, where ``row_id`` shows the first few ("U1, U2 ... "): kept
            with the row for the steps that ask whether a row names a unit, never written.
        """
        row = {"layer": layer, "row_id": str(row_id), "problem": problem, "action": action}
        if zh is not None:
            row["problem_zh"], row["action_zh"] = zh
        if ids is not None:
            row["ids"] = [str(i) for i in ids]
        self.rows.append(row)
        logger.info("%s row %s: %s (%s)", layer, row_id, problem, action)

    def extend(self, other: "Report") -> None:
        """Append the rows of another report (with their Chinese texts)."""
        self.rows.extend(other.rows)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Report:
        """A report holding the rows of a report table (as from :meth:`to_frame`).

        Parameters
        ----------
        frame
            Columns ``layer, row_id, problem, action`` and, optionally, ``problem_zh, action_zh``
            (missing values: no Chinese for that row).

        Returns
        -------
        Report
            The rows, in order, with their Chinese texts where the table has them.
        """
        report = cls()
        zh = all(c in frame.columns for c in ZH_COLUMNS)
        for r in frame.to_dict("records"):
            row = {c: r[c] for c in REPORT_COLUMNS}
            if zh and _text(r["problem_zh"]) is not None:
                row["problem_zh"], row["action_zh"] = r["problem_zh"], _text(r["action_zh"]) or r["action"]
            report.rows.append(row)
        return report

    def to_frame(self, lang: str = "en", *, zh_columns: bool = False) -> pd.DataFrame:
        """The report as a DataFrame with columns ``layer, row_id, problem, action``.

        Parameters
        ----------
        lang
            ``"en"``: the English texts; ``"zh"``: the Chinese texts in ``problem`` and
            ``action`` (the English where a row has none).
        zh_columns
            Also give the columns ``problem_zh, action_zh`` (empty where a row has no Chinese):
            the table the functions return, from which :func:`report_in` picks a language.

        Returns
        -------
        pandas.DataFrame
            One row per :meth:`add`, in order.
        """
        frame = pd.DataFrame(self.rows, columns=REPORT_COLUMNS + ZH_COLUMNS)
        zh = frame[ZH_COLUMNS].astype(object)
        out = report_in(frame, lang)
        return out.join(zh.where(zh.notna(), None)) if zh_columns else out

    def __len__(self) -> int:
        return len(self.rows)


def once_per_row(frame: pd.DataFrame) -> pd.DataFrame:
    """A report table with each thing said once of a row: exact repeats are dropped, and of rows
    of one layer, row and action whose problems begin alike (``outside every community`` and
    ``outside every community (nearest: C2, 40 m away)``) only the fuller one is kept.

    Parameters
    ----------
    frame : pandas.DataFrame
        Report rows (``layer, row_id, problem, action`` and maybe ``problem_zh, action_zh``),
        e.g. the validation's rows followed by the grids'.

    Returns
    -------
    pandas.DataFrame
        The rows kept, in order, on a fresh index.

    Examples
    --------
    >>> rows = pd.DataFrame({"layer": ["units", "units", "units"], "row_id": ["U3", "U3", "U4"],
    ...                      "problem": ["outside every community (nearest: C2, 40 m away)",
    ...                                  "outside every community", "outside every community"],
    ...                      "action": ["kept", "kept", "kept"]})
    >>> once_per_row(rows)["row_id"].tolist()
    ['U3', 'U4']
    """
    drop = frame.astype(str).duplicated().to_numpy().copy()
    key = (frame["layer"].astype(str) + "\x1f" + frame["row_id"].astype(str) + "\x1f"
           + frame["action"].astype(str)).to_numpy()
    problem = frame["problem"].astype(str).to_numpy()
    alike = pd.Series(key).duplicated(keep=False).to_numpy() & ~drop
    for _, at in pd.Series(np.flatnonzero(alike)).groupby(key[alike]):
        texts = problem[at.to_numpy()]
        for i, text in zip(at, texts):
            drop[i] |= any(len(other) > len(text) and other.startswith(text) for other in texts)
    return frame[~drop].reset_index(drop=True)


def report_in(frame: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A report table in one language, as the report layer or a workbook shows it.

    Parameters
    ----------
    frame
        A report table (as from :meth:`Report.to_frame`), with or without ``problem_zh`` and
        ``action_zh``.
    lang
        ``"en"`` for the English texts, ``"zh"`` for the Chinese ones (the English where a row
        has none).

    Returns
    -------
    pandas.DataFrame
        ``frame`` without ``problem_zh, action_zh``, its ``problem`` and ``action`` in ``lang``
        (with :meth:`Report.to_frame`'s tables: the columns ``layer, row_id, problem, action``);
        in Chinese the layer names too (:func:`layer_zh`).

    Examples
    --------
    >>> report = Report()
    >>> report.add("units", "U1", "empty geometry", "left out", zh=("几何为空", "未纳入"))
    >>> report_in(report.to_frame(zh_columns=True), "zh")[["layer", "problem", "action"]].values.tolist()
    [['单元', '几何为空', '未纳入']]
    """
    if lang not in ("en", "zh"):
        raise OptionError(f"lang must be 'zh' (Chinese) or 'en' (English), got {lang!r}")
    out = pd.DataFrame(frame.drop(columns=ZH_COLUMNS, errors="ignore"))
    if lang == "zh":
        out["layer"] = out["layer"].map(layer_zh)
        for col, zh in zip(("problem", "action"), ZH_COLUMNS):
            if zh in frame.columns:
                chinese = frame[zh].map(_text)
                out[col] = chinese.where(chinese.notna(), out[col])
    return out


def label_text(value) -> str:
    """A grid or unit id as text: whole numbers without ``.0``. Integer ids come back as floats
    when some rows have none (a GeoPackage or shapefile column of 1, 2, blank reads as 1.0, 2.0,
    NaN); the plan, a redraw and the planner call them 1 and 2.

    >>> [label_text(v) for v in (3.0, 3, "03", 2.5, "C1-01")]
    ['3', '3', '03', '2.5', 'C1-01']
    """
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _text(value) -> str | None:
    """A text cell, None when missing or empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return None
    return str(value)


def require_columns(df: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise :class:`ColumnError` naming the columns ``df`` lacks, or has twice (a ``pd.concat(axis=1)``),
    and :class:`GeometryError` when ``df`` is no table at all (a GeoSeries, None: :func:`require_frame`)."""
    require_frame(df, name, geometry=False)
    columns = list(columns)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        indexed = [c for c in missing if c is not None and c in df.index.names]
        if indexed:  # stations.set_index("station_id"): the ids are there, as the index
            raise ColumnError(
                f"'{name}' has {', '.join(repr(c) for c in indexed)} as its index, not as a column; pass "
                f"{name.split()[0]}.reset_index() (or set_index({indexed[0]!r}, drop=False), to keep the index)"
            )
        have = ", ".join(map(str, df.columns[:20]))
        raise ColumnError(
            f"'{name}' has no column {', '.join(repr(c) for c in missing)}; it has: {have}. "
            "Rename the column or pass its name with the matching *_col option"
        )
    for c in [] if df.columns.is_unique else dict.fromkeys(columns):  # df[c] would be a frame
        if (n := int((df.columns == c).sum())) > 1:
            raise ColumnError(f"'{name}' has {n} columns named {c!r}; keep one (drop or rename the others)")


def warn_replaced(df: pd.DataFrame, columns: Iterable[str], name: str, by: str, new=None) -> list[str]:
    """Warn once when ``df`` already has some of the ``columns`` that ``by`` writes (its results
    replace them), saying how to keep the old values; return those columns. With ``new`` (column
    -> the values written), a column whose values stay the same (as text) is not said.

    Examples
    --------
    >>> warn_replaced(pd.DataFrame({"grid_id": ["G1"], "x": [1]}), ["grid_id", "band"], "units", "f")
    ['grid_id']
    """
    require_frame(df, name, geometry=False)  # before its columns are read
    clash = [c for c in columns if c in df.columns]
    if new is not None:
        clash = [c for c in clash if c not in new or [_text(v) for v in df[c]] != [_text(v) for v in new[c]]]
    if clash:
        many = len(clash) > 1
        logger.warning("'%s' already has column%s %s; %s replaces %s with its own (to keep the old values, rename "
                       "%s first, in the file or with %s.rename(columns={%r: %r}))", name, "s" if many else "",
                       ", ".join(repr(c) for c in clash), by, "them" if many else "it", "them" if many else "it",
                       name, clash[0], f"old_{clash[0]}")
    return clash


def require_unique(df: pd.DataFrame, column: str | None, name: str) -> None:
    """Raise :class:`DuplicateIdError` naming the repeated ids of ``column`` (or the index), and
    :class:`ColumnError` naming the rows where ``column`` is empty (a row without an id would
    match nothing: a station serving no one, a unit in no plan).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["S1", None, " ", "S4"]})
    >>> require_unique(df, "id", "stations")
    Traceback (most recent call last):
    ...
    spatial.core.errors.ColumnError: 'stations' column 'id' is empty in rows 2, 3 (counting from 1 below the header); give every row its own id
    """
    if column is not None:
        require_columns(df, [column], name)
    values = df.index.to_series() if column is None else df[column]
    if column is not None:
        blank = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
        if blank.any():
            raise ColumnError(
                f"'{name}' column '{column}' is empty in row{'s' if blank.sum() > 1 else ''} "
                f"{listed(np.flatnonzero(blank) + 1)} "
                "(counting from 1 below the header); give every row its own id"
            )
    dup = values[values.duplicated(keep=False)]
    if len(dup):
        what = "index" if column is None else f"column '{column}'"
        raise DuplicateIdError(
            f"'{name}' {what} holds duplicate ids: {listed(pd.unique(dup))}; give every row its own id"
        )


def listed(values, limit: int = 5) -> str:
    r"""The first ``limit`` of ``values`` for a one-line message, and how many more there are.

    An id with spaces round it or a character that does not print (a line end, a NUL) is shown
    quoted, escaped, so that ``"U1 "`` is not read as ``U1`` and the message stays one line.

    Examples
    --------
    >>> listed(range(12), limit=3)
    '0, 1, 2 (and 9 more)'
    >>> listed(["U1", "U1 ", "a\nb"])
    "U1, 'U1 ', 'a\\nb'"
    """
    values = list(values)
    shown = ", ".join(repr(v) if isinstance(v, str) and (v != v.strip() or not v.isprintable()) else str(v)
                      for v in values[:limit])
    return shown + (f" (and {len(values) - limit} more)" if len(values) > limit else "")


def check_band(min_households, max_households) -> tuple[float, float]:
    """The household band as two floats, or an :class:`OptionError` saying what is wrong with it.

    Both ends must be finite numbers, the minimum at least 0 and the maximum above 0 and not
    below the minimum.

    Examples
    --------
    >>> check_band(300, 500)
    (300.0, 500.0)
    >>> check_band(float("nan"), 500)
    Traceback (most recent call last):
    ...
    spatial.core.errors.OptionError: min_households must be a finite number of households, got nan
    """
    for label, value in (("min_households", min_households), ("max_households", max_households)):
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
        if not ok or not np.isfinite(value):
            raise OptionError(f"{label} must be a finite number of households, got {value!r}")
    if min_households < 0:
        raise OptionError(f"min_households must be 0 or more, got {min_households!r} (0: no floor)")
    if max_households <= 0:
        raise OptionError(f"max_households must be above 0, got {max_households!r}")
    if min_households > max_households:
        raise OptionError(f"min_households ({min_households:g}) must not exceed max_households ({max_households:g}); "
                          "give the band's lower end first")
    return float(min_households), float(max_households)


def natural_key(text) -> tuple:
    """Sort key that orders ids as people count them: ``2`` before ``10``, ``C2`` before ``C10``.

    Examples
    --------
    >>> sorted(["10", "2", "1", "C10", "C2", "(none)"], key=natural_key)
    ['1', '2', '10', '(none)', 'C2', 'C10']
    """
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", str(text)) if p)


def check_households(
    df: pd.DataFrame, column: str, name: str, *, id_col: str | None = None, max_value: float | None = None
) -> pd.Series:
    """Return ``column`` as float, raising :class:`ColumnError` on missing, infinite, negative
    values, or values above ``max_value`` (a count no real unit reaches: a wrong column). Bad rows
    are named by ``id_col``, else by ``unit_id`` when there is one, else by the index."""
    require_columns(df, [column], name)
    # text read as counts ('203户') is said once the column passes: a refused one is said in one line
    values = numbers_from_text(df[column], name, column, warn=False)
    if id_col is None and "unit_id" in df.columns:  # scored homes: the planner knows them by their ids
        id_col = "unit_id"
    ids = df.index if id_col is None else df[id_col]
    bad = values.isna() | (values < 0) | ~np.isfinite(values.fillna(0).to_numpy(dtype=float))
    if bad.any():
        rows = listed(f"{i}={_plain(df[column].iloc[k])!r}" for k, i in enumerate(ids) if bad.iloc[k])
        formulas = df[column][bad.to_numpy()].map(lambda v: isinstance(v, str) and v.startswith("=")).any()
        raise ColumnError(
            f"'{name}' column '{column}' must be a number >= 0 in every row (finite, not empty); bad rows: "
            f"{rows}. " + ("Those cells hold formulas with no value saved (a workbook written by a program, never "
                           "saved by Excel): open it in Excel or WPS, save it, and give it again" if formulas else
                           "Fill in the count (0 for non-residential land)")
        )
    if max_value is not None and (values > max_value).any():
        big = values > max_value
        rows = listed(f"{i}={_plain(df[column].iloc[k])!r}" for k, i in enumerate(ids) if big.iloc[k])
        raise ColumnError(
            f"'{name}' column '{column}' holds more than {max_value:,.0f} in one row: {rows}; "
            "no single unit has that many: check the column (population? an area?) and the units"
        )
    say_read_as_text(values)
    values.attrs.pop("read_as_text", None)
    return values.astype(float)


def check_buildings(df: pd.DataFrame, column: str, name: str, *, id_col: str | None = None) -> pd.Series:
    """Return the units' buildings column (楼栋数: each unit's buildings, for its grid's 楼栋长) as
    float, as :func:`check_households` reads counts; a blank cell raises :class:`ColumnError` naming
    the units and saying what to write, and that without the column a unit with households counts
    as one building (the buildings serve the grids' staffing only: a planner who does not staff
    them can leave the column out). ``spatial grids`` and the grid editor read the column so, and
    agree. Bad rows are named by ``id_col``, else ``unit_id``, else the index.

    Examples
    --------
    >>> df = pd.DataFrame({"unit_id": ["a0", "a1", "a2"], "楼栋数": [3, None, "2栋"]})
    >>> check_buildings(df, "楼栋数", "units.gpkg")
    Traceback (most recent call last):
    ...
    spatial.core.errors.ColumnError: 'units.gpkg' column '楼栋数' is blank for unit a1: write its number of buildings (楼栋, 0 for a unit with no residential building), or leave the column out and a unit with households counts as one building
    """
    require_columns(df, [column], name)
    raw = df[column]
    blank = raw.isna().to_numpy() | np.array([isinstance(v, str) and not v.strip() for v in raw], dtype=bool)
    if blank.any():
        if id_col is None and "unit_id" in df.columns:
            id_col = "unit_id"
        ids = np.asarray(df.index if id_col is None else df[id_col], dtype=object)[blank]
        one = len(ids) == 1
        who = f"{'unit' if one else 'units'} {listed(ids)}" if id_col is not None else \
            f"{'row' if one else 'rows'} {listed(ids)}"
        raise ColumnError(
            f"'{name}' column '{column}' is blank for {who}: write {'its number' if one else 'their numbers'} of "
            "buildings (楼栋, 0 for a unit with no residential building), or leave the column out and a unit "
            "with households counts as one building")
    return check_households(df, column, name, id_col=id_col)


def by_unit_id(mapping, unit_ids) -> tuple[np.ndarray, list]:
    """Values of ``mapping`` (a dict or Series keyed by unit id) for each of ``unit_ids`` (None where
    it has none), a key matching an id or its text (``"17"`` for the id 17: ids typed, or read
    from a CSV), and the keys that match no unit.

    Examples
    --------
    >>> values, unknown = by_unit_id({"17": "a", 18: "b", "GONE": "c"}, np.array([17, 18, 19]))
    >>> values.tolist(), unknown
    (['a', 'b', None], ['GONE'])
    """
    m = dict(mapping.items())
    text: dict = {}
    for key, value in m.items():
        text.setdefault(str(key).strip(), value)
    values = np.array([m[u] if u in m else text.get(str(u).strip()) for u in unit_ids], dtype=object)
    known = {str(u).strip() for u in unit_ids}
    return values, [key for key in m if str(key).strip() not in known]


def optional_counts(df: pd.DataFrame, column: str, name: str, *, id_col: str | None = None) -> pd.Series:
    """``column`` as float where it holds a count (read as :func:`check_households` reads them:
    ``203户``, ``6层``, ``1,203``) and NaN where it is blank; text that is no count, negative and
    infinite values raise :class:`ColumnError` naming the rows (a blank means "not known", a
    typo must not).

    Examples
    --------
    >>> df = pd.DataFrame({"floors": ["6层", None, 3, ""]})
    >>> optional_counts(df, "floors", "buildings").tolist()
    [6.0, nan, 3.0, nan]
    """
    require_columns(df, [column], name)
    raw = df[column].astype(object) if isinstance(df[column].dtype, pd.CategoricalDtype) else df[column]
    blank = raw.isna() | raw.map(lambda v: isinstance(v, str) and not v.strip())
    values = numbers_from_text(raw.where(~blank), name, column, warn=False)  # said once the column passes
    bad = ~blank & (values.isna() | (values < 0) | ~np.isfinite(values.fillna(0).to_numpy(dtype=float)))
    if bad.any():
        ids = df.index if id_col is None else df[id_col]
        rows = listed(f"{i}={_plain(raw.iloc[k])!r}" for k, i in enumerate(ids) if bad.iloc[k])
        raise ColumnError(f"'{name}' column '{column}' must hold a number >= 0 or be blank; bad rows: {rows}. "
                          "Write the count (e.g. 6) or leave the cell empty")
    say_read_as_text(values)
    values.attrs.pop("read_as_text", None)
    return values.astype(float)


def _plain(value):
    """A numpy scalar as the plain Python value, so messages read ``-1`` not ``np.int64(-1)``."""
    return value.item() if hasattr(value, "item") else value


def repair_geometries(
    gdf: gpd.GeoDataFrame, name: str, report: Report, *, id_col: str | None = None, allow_empty: bool = False
) -> gpd.GeoDataFrame:
    """Repair invalid geometries with ``make_valid`` and report each; refuse empty or missing ones.

    Parameters
    ----------
    gdf : GeoDataFrame
        The layer.
    name : str
        The layer's name in messages and report rows.
    report : Report
        Gets one row per repaired geometry.
    id_col : str, optional
        The id column naming the rows (default: the index).
    allow_empty : bool
        Keep empty or missing geometries as they are (a coverage marks such a unit with a
        reason) instead of refusing them.

    Returns
    -------
    GeoDataFrame
        ``gdf``, or a copy when anything was repaired; the index and columns are kept.
    """
    geom = gdf.geometry.values
    ids = gdf.index if id_col is None else gdf[id_col]
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    if missing.any() and not allow_empty:
        n = int(missing.sum())
        raise GeometryError(
            f"'{name}' has {n} row{'s' if n > 1 else ''} with empty or missing geometry "
            f"({'index' if id_col is None else id_col} {listed(np.asarray(ids)[missing], 10)}); "
            f"draw {'them' if n > 1 else 'it'} or remove the row{'s' if n > 1 else ''}"
        )
    invalid = ~shapely.is_valid(geom) & ~missing
    if not invalid.any():
        return gdf
    out = gdf.copy()
    fixed = shapely.make_valid(geom[invalid])
    # make_valid may return a collection holding lines as well; keep the polygonal part
    if shapely.get_type_id(geom[invalid]).max() >= 3:
        fixed = polygonals(fixed)
    out.loc[invalid, out.geometry.name] = fixed
    for rid, reason in zip(np.asarray(ids)[invalid], shapely.is_valid_reason(geom[invalid])):
        report.add(name, rid, f"invalid geometry: {reason}", "repaired with make_valid",
                   zh=(f"几何无效：{invalid_zh(reason)}", "已用 make_valid 修复"))
    return out
