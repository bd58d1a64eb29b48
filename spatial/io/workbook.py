"""Excel workbook for officials who print, in the words of the maps; integer counts for CSVs.

One sheet per level (overall, street, community, grid), grids out of band, new sites, data
problems, and a 说明 (notes) sheet that defines every column and states the walking speed, the
bands, the snap rule and the data credits. Headers are plain Chinese (English with
``lang="en"``), names come before ids, percentages have one decimal and counts are integers.

Written cell by cell with openpyxl rather than ``DataFrame.to_excel`` so that every text cell
is stored as text: a name such as ``=HYPERLINK(...)`` from an input table must never become a
live formula (pandas' writer turns any string starting with ``=`` into one). Ids and codes of 12 or
more digits held as numbers (a 社区代码 layer's integers) are written as text too: Excel shows such
a number as 4.40305E+11 and keeps only 15 of its digits.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core._dates import dated_zip, output_time
from spatial.core.atomic import atomic_path
from spatial.core.checks import REPORT_COLUMNS, Report, gap_note_zh, label_text, report_in, round_half_up, round_walk
from spatial.core.errors import ColumnError, OptionError
from spatial.io._excelcodes import is_code_column
from spatial.io._figures import COUNT as _COUNT
from spatial.io._figures import band_column_words
from spatial.io._figures import (  # noqa: F401 (the API)
    LOAD_COLUMNS,
    STATUS_WORDS,
    NONE_ID,
    csv_figures,
    integer_counts,
    load_roles,
    name_of,
    none_name,
    sites_table,
    standard_words,
    station_load_sheet,
    station_load_table,
)
from spatial.io._gapwords import cause_words
from spatial.io._sheetwords import _SHEETS, COLUMNS, NO_SITE_WORDS  # noqa: F401 (COLUMNS: the maps' words too)
from spatial.io._text import storable, storable_text
from spatial.io.coords import with_lonlat

__all__ = ["write_workbook", "integer_counts", "csv_figures", "station_load_table", "NONE_ID", "none_name"]

#: Digits from which Excel shows a number in scientific notation (General format: over 11).
_LONG_CODE = 10 ** 11

logger = logging.getLogger(__name__)

_BAND_COL = re.compile(r"^(hh|pct_hh|pop|pct_pop|new_hh)_(\d+(?:\.\d+)?)(min|m)(_estimated)?$")
_VALUES = {"source": {"zh": {"network node": "路网节点", "candidates": "候选用房"}}}
_DROP = {"level", "geometry", "grid_seq", "synthetic", "index"}

_PCT = re.compile(r"^(pct_\w+|\w+_pct|road_share)$")


def _band_words(column: str, lang: str) -> tuple[str, str] | None:
    match = _BAND_COL.match(column)
    if not match:
        return None
    n, unit = match.group(2).removesuffix(".0"), match.group(3)
    band = (f"{n}分钟" if unit == "min" else f"{n}米") if lang == "zh" else f"{n} {unit}"
    zh_h, en_h, zh_d, en_d = COLUMNS["hh_est" if match.group(4) else match.group(1)]
    return (zh_h if lang == "zh" else en_h).format(band=band), (zh_d if lang == "zh" else en_d).format(band=band)


def header(column: str, lang: str = "zh") -> tuple[str, str]:
    """The header and the definition of ``column`` in ``lang`` (the name itself when unknown)."""
    words = _band_words(column, lang)
    if words:
        return words
    if column in COLUMNS:
        zh_h, en_h, zh_d, en_d = COLUMNS[column]
        return (zh_h, zh_d) if lang == "zh" else (en_h, en_d)
    return column, ""


def _display(frame: pd.DataFrame, lang: str, names: Mapping[str, str], band: tuple | None) -> pd.DataFrame:
    """Columns in reading order, names before ids, values rounded, statuses in words."""
    table = pd.DataFrame(frame.drop(columns=[c for c in frame.columns if c in _DROP], errors="ignore"))
    if "road_share" in table.columns:
        table["road_share"] = pd.to_numeric(table["road_share"], errors="coerce") * 100
    if "band_status" in table.columns:
        words = STATUS_WORDS[lang]
        lo, hi = band or (None, None)
        text = {"under": f"{words['under']} {lo:g}" if lo is not None else words["under"],
                "in": f"{lo:g}–{hi:g}" if lo is not None else words["in"],
                "over": f"{words['over']} {hi:g}" if hi is not None else words["over"]}
        table["band_status"] = table["band_status"].map(lambda v: text.get(v, v))
    for col, words in _VALUES.items():
        if col in table.columns and lang in words:
            table[col] = table[col].map(lambda v: words[lang].get(v, v))
    if "under_standard" in table.columns:  # in words; unknown (no floor area) left blank, not "meets it"
        table["under_standard"] = standard_words(table, lang)
    if "band" in table.columns:  # a site's band, as its popup says it: 15min -> 15分钟内 (a gap's: 15分钟外)
        table["band"] = band_column_words(table, lang)
    if "note" in table.columns and lang == "zh":
        table["note"] = table["note"].map(lambda v: gap_note_zh(v) if isinstance(v, str) else v)
    if "community_id" in table.columns and names:
        at = list(table.columns).index("community_id")
        # (looked up as the names are keyed: 101.0 of a column with a blank cell is community 101)
        table.insert(at, "community", [names.get(label_text(v)) if pd.notna(v) else None
                                       for v in table["community_id"]])
    for col in table.columns:
        if pd.api.types.is_bool_dtype(table[col]) or not pd.api.types.is_numeric_dtype(table[col]):
            continue
        if _COUNT.match(col):
            table[col] = table[col].round().astype("Int64")
        elif _PCT.match(col):  # rounded as every output rounds a figure (79.55 is 79.6 here and on the map)
            table[col] = round_half_up(table[col], 1)
        elif col == "walk_to_station_m":
            table[col] = round_walk(table[col]).astype("Int64")  # whole metres up, as the maps say them
        elif col == "walk_to_station_min":
            table[col] = round_walk(table[col], 1)  # tenths up: 15.02 min beyond the band reads 15.1
        elif col in ("lon", "lat", "site_lon", "site_lat"):
            table[col] = table[col].round(6)  # about 0.1 m
        elif col in ("polsby_popper", "target_households") or col.endswith("per_100hh"):
            table[col] = round_half_up(table[col], 2 if col == "polsby_popper" else 1)
    return table


def _no_shapes(layer: pd.DataFrame) -> pd.DataFrame:
    """``layer`` as a table without its shapes, whatever the geometry column is called (grids read
    from PostGIS keep theirs in ``geom``: every polygon was written into the sheet as text)."""
    shapes = [c for c in layer.columns if c == "geometry" or isinstance(layer[c].dtype, gpd.array.GeometryDtype)]
    return pd.DataFrame(layer.drop(columns=shapes))


def _level_table(part: pd.DataFrame, level: str, names: Mapping[str, str], lang: str) -> pd.DataFrame:
    part = part.drop(columns="level")
    if level == "community" and (names or (part["id"].astype(str) == NONE_ID).any()):
        part.insert(0, "name", [name_of(i, names, level, lang) for i in part["id"]])
    elif level in ("grid", "street"):  # the homes in none named in words, as the run's 网格 sheet, not '(none)'
        part = part.assign(id=[none_name(level, lang) if str(i) == NONE_ID else i for i in part["id"]])
        if level == "street":
            part = part.rename(columns={"id": "name"})
    elif level == "overall":
        part = part.drop(columns="id")
    return part


def _write_sheet(wb, title: str, table: pd.DataFrame, lang: str, defined: list,
                 roles: Mapping[str, str] | None = None) -> None:
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for j, col in enumerate(table.columns, start=1):
        head, definition = header(col, lang)
        if roles and col in roles:  # a column under the input's name (类型, 建筑面积): defined by what it is
            definition = header(roles[col], lang)[1] or definition
        ws.cell(row=1, column=j, value=head).font = _bold()
        defined.append((title, head, definition))
        fmt = "0.0" if _PCT.match(col) else ("0" if _COUNT.match(col) else ("0.00" if col == "polsby_popper" else None))
        width = len(head) * (2 if lang == "zh" else 1) + 2
        code = is_code_column(col)
        for i, value in enumerate(table[col].tolist(), start=2):
            cell = ws.cell(row=i, column=j)
            _set(cell, _code_text(value) if code else value)
            if fmt and cell.data_type == "n":
                cell.number_format = fmt
            width = max(width, len(str(cell.value or "")) * (2 if isinstance(cell.value, str) else 1) + 2)
        ws.column_dimensions[get_column_letter(j)].width = min(max(8, width), 40)
    ws.freeze_panes = "A2"


def _code_text(value):
    """A code of 12 or more digits held as a number, as text: Excel shows such a number as
    4.40305E+11 and keeps 15 of its digits (a 20-digit CJ/T 349 code loses five)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return value
    if isinstance(value, (int, np.integer)) and abs(int(value)) >= _LONG_CODE:
        return str(int(value))
    if np.isfinite(value) and float(value).is_integer() and _LONG_CODE <= abs(float(value)) < 2 ** 53:
        return str(int(value))  # whole and exact (ids in a column of floats)
    return value


def _set(cell, value) -> None:
    """Write a value; text always as text (never a formula), missing values as empty cells."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return
    if isinstance(value, (np.integer,)):
        value = int(value)
    elif isinstance(value, (np.floating,)):
        value = float(value)
    elif isinstance(value, (np.bool_, bool)):
        value = bool(value)
    elif not isinstance(value, (int, float)):
        value = str(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def _bold():
    from openpyxl.styles import Font

    return Font(bold=True)


def _notes_rows(about: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    zh = lang == "zh"
    rows = []
    slope = about.get("slope")  # walks timed on the slopes of a DEM: the line naming the model
    if "speed_kmh" in about:
        v = float(about["speed_kmh"])
        m15 = round(v * 1000 / 60 * 15)
        rows.append(("步行速度" if zh else "Walking speed",
                     f"{v:.1f} 公里/小时（{'平地上 ' if slope else ''}15 分钟约 {m15} 米）" if zh
                     else f"{v:.1f} km/h (15 min ≈ {m15} m{' on the flat' if slope else ''})"))
    if about.get("bands"):
        labels = [header(f"hh_{b}", lang)[0].replace("内户数", "").replace("Households within ", "")
                  for b in about["bands"]]
        timed = bool(slope) and any(str(b).endswith("min") for b in about["bands"])
        rows.append(("服务圈" if zh else "Bands",
                     ("、".join(labels) + ("步行范围，按路网上从住处到服务站最快的步行时间计算（计入坡度）" if timed
                                          else "步行范围，按路网最短步行距离计算")) if zh
                     else ", ".join(labels) + (" on foot, by the quickest walk on the network from home to station, "
                                               "on the slopes" if timed else " on foot, by the shortest walk on the network")))
    if slope:
        rows.append(("坡度模型" if zh else "Slope model", str(slope)))
    if "max_snap_m" in about:  # not covered beyond the estimated walks' limit (the row below), not the snap's
        d = max(float(about["max_snap_m"]), float(about.get("max_off_network_m") or 0))
        rows.append(("吸附规则" if zh else "Snap rule",
                     f"居民单元和服务站吸附到最近的可步行路段（不是路口），这段直线距离计入步行；距路网超过 {d:g} 米的"
                     f"单元记为“距路网过远”，不算覆盖，但保留在表中" if zh else
                     f"units and stations join the nearest walkable edge (not node) and that straight leg "
                     f"counts as walking; units more than {d:g} m from any walkway are kept with the reason "
                     f"'too far from network' and count as not covered"))
    off = float(about.get("max_off_network_m") or 0)
    if "max_snap_m" in about and off > float(about["max_snap_m"]):
        f = float(about.get("detour_factor", 1.25))
        rows.append(("估算步行" if zh else "Estimated walks",
                     f"距路网 {float(about['max_snap_m']):g}–{off:g} 米的单元（小区内道路多未入图）按直线距离 × {f:g}（绕行系数）"
                     f"估算步行，计入覆盖，并标为“估算步行”；超过 {off:g} 米的记为无法到达" if zh else
                     f"units {float(about['max_snap_m']):g}-{off:g} m from any walkway (paths inside estates are "
                     f"rarely mapped) walk the straight leg times {f:g} (detour factor); they count as covered "
                     f"and are marked 'estimated'; beyond {off:g} m they have no walk"))
        if about.get("walls"):  # inside walls no mapped path enters, the limit does not hold
            rows.append(("围墙内步行" if zh else "Walks inside walls",
                         f"围墙（--barriers）内没有已入图道路的小区：墙内单元与同一围墙内的服务站之间按直线距离 × {f:g} 估算步行，"
                         f"墙内单元经本小区大门（--gates）走出，不受 {off:g} 米的限制" if zh else
                         f"inside walls (--barriers) no mapped path enters: a unit and a station inside the same walls "
                         f"walk the straight line times {f:g} to each other, and units leave by a gate (--gates) of "
                         f"their walls, whatever the {off:g} m"))
    if "min_m2_per_100hh" in about:
        rows.append(("服务站面积标准" if zh else "Station floor area standard",
                     f"每百户不少于 {float(about['min_m2_per_100hh']):g} 平方米（完整社区）" if zh else
                     f"at least {float(about['min_m2_per_100hh']):g} m² per 100 households (complete community)"))
    if "min_households" in about and "max_households" in about:
        rows.append(("网格户数区间" if zh else "Households per grid",
                     f"{about['min_households']:g}–{about['max_households']:g} 户" if zh
                     else f"{about['min_households']:g}–{about['max_households']:g} households"))
    for credit in about.get("credits", []):
        rows.append(("数据来源" if zh else "Data", str(credit)))
    return rows


def write_workbook(
    path: str | Path,
    summary: pd.DataFrame,
    *,
    grids: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    before_after: pd.DataFrame | None = None,
    report: pd.DataFrame | Report | None = None,
    communities: pd.DataFrame | None = None,
    about: Mapping[str, Any] | None = None,
    lang: str = "zh",
    gaps: pd.DataFrame | None = None,
    station_load: pd.DataFrame | None = None,
    moves: pd.DataFrame | None = None,
) -> Path:
    """Write the coverage and grid figures to one ``.xlsx`` workbook, one sheet per level.

    Parameters
    ----------
    path
        The workbook to write (written to a temporary file beside it, then moved into place).
    summary
        A coverage summary as from :func:`spatial.coverage.walks.coverage_summary`, with a
        ``level`` column (``overall``, ``street``, ``community``, ``grid``); each level becomes a
        sheet.
    grids
        The grid table (as from :func:`spatial.grids.partition.partition_grids`): a sheet of
        every grid with households, staffing and band status, and a sheet of the grids out of
        band. When it has ``grid_id`` and the summary has a ``grid`` level, coverage columns are
        joined in.
    sites, before_after, report
        Optional tables (new-station sites, coverage before and after them, data problems), each
        on its own sheet. A report table with ``problem_zh`` and ``action_zh`` (as the functions
        return it) shows those texts in a Chinese workbook and the English in an English one; a
        :class:`spatial.Report` is taken as its table.
    communities
        Communities with ``community_id`` and ``name``: names are shown before ids.
    about
        What the 说明 sheet states: ``speed_kmh``, ``bands`` (labels such as ``"15min"``),
        ``max_snap_m``, ``max_off_network_m`` and ``detour_factor`` (the estimated walks: units
        up to ``max_off_network_m`` from a walkway count as covered, and the snap rule says so),
        ``min_m2_per_100hh``, ``min_households``/``max_households`` (also used to word the band
        status), ``credits`` (lines of data credits) and ``slope`` (walks timed on a DEM's slopes:
        the line naming the model, :meth:`spatial.network.elevation.EdgeTimes.describe`; the speed
        then says 15 minutes reach so far on the flat, and minute bands are the quickest walks).
    lang
        ``"zh"`` for Chinese sheet names and headers, ``"en"`` for English.
    gaps
        Gaps as from :func:`spatial.coverage.gaps.coverage_gaps`: service gaps (ranked) first,
        then the no-mapped-path and barrier gaps, each with its households.
    station_load
        Stations with their load (:func:`spatial.coverage.load.station_load`): households served,
        floor area per 100 households, the flag under the standard, 2SFCA.
    moves
        The units a redraw moved (:func:`spatial.grids.redraw.redraw_grids`): unit, old and new
        grid, why.

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
    ('coverage.xlsx', ['overall', 'community', 'notes'])
    """
    from openpyxl import Workbook

    if lang not in _SHEETS:
        raise OptionError(f"lang must be 'zh' (Chinese) or 'en' (English), got {lang!r}")
    if isinstance(report, Report):  # the functions' report as it is built, or as they return it
        report = report.to_frame(zh_columns=True)
    missing = [c for c in REPORT_COLUMNS if report is not None and c not in report.columns]
    if missing:
        raise ColumnError(f"'report' has no column {', '.join(map(repr, missing))} (it has: "
                          f"{', '.join(map(str, report.columns[:12]))}); pass a report as the functions return it "
                          f"(result.report, columns {', '.join(REPORT_COLUMNS)}), or put this table in another sheet")
    if not isinstance(summary, pd.DataFrame) or "level" not in summary.columns:
        have = (f"a table with columns {', '.join(map(str, summary.columns[:12]))}" if isinstance(summary, pd.DataFrame)
                else f"a {type(summary).__name__}")
        raise ColumnError(f"'summary' must be a coverage summary with a 'level' column (overall, street, community, "
                          f"grid), got {have}; pass spatial.coverage_summary(demand, bands=...)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    about = dict(about or {})
    names = {}
    if communities is not None and {"community_id", "name"} <= set(communities.columns):
        # keyed as the id's text and without a float's .0 (101.0 of a column with a blank cell is 101,
        # as the summary's rows and the gaps name it)
        for cid, name in zip(communities["community_id"], communities["name"].astype(str)):
            names[str(cid)] = names[label_text(cid)] = name
    band = ((about["min_households"], about["max_households"])
            if "min_households" in about and "max_households" in about else None)
    sheet = _SHEETS[lang]
    wb = Workbook()
    wb.remove(wb.active)
    defined: list[tuple[str, str, str]] = []

    def add(key: str, table: pd.DataFrame, roles: Mapping[str, str] | None = None) -> None:
        # (a control character pasted into a name cannot be in a sheet: written as U+FFFD, and said
        # naming the sheet's rows as Excel numbers them)
        shown = _display(table, lang, names, band)
        shown = storable(shown.set_axis(range(2, len(shown) + 2)), sheet[key], "an .xlsx sheet")
        _write_sheet(wb, sheet[key], shown, lang, defined, roles)

    for level in ("overall", "street", "community", "grid"):
        part = summary[summary["level"] == level]
        if level == "grid" and grids is not None:
            continue  # the grid sheet below carries the grid coverage too
        if len(part):
            add(level, _level_table(part, level, names, lang))
    if grids is not None:
        # (numbered afresh: grids.set_index("grid_id", drop=False) made the merge below ambiguous)
        table = _no_shapes(grids).reset_index(drop=True)
        first = [c for c in ("grid_code", "grid_id", "community_id") if c in table.columns]
        table = table[first + [c for c in table.columns if c not in first]]
        cov = summary[summary["level"] == "grid"].drop(columns=["level", "households", "population", "n_points"],
                                                       errors="ignore")
        if len(cov) and "grid_id" in table.columns:
            cov = cov.rename(columns={"id": "grid_id"})
            cov["grid_id"] = cov["grid_id"].astype(str)
            table = table.assign(grid_id=table["grid_id"].astype(str)).merge(cov, on="grid_id", how="left")
            # the homes in no grid (outside every community, or given none) keep their row, as in the
            # CSV and the 社区 sheet: the sheet's households add up to the total
            loose = summary[(summary["level"] == "grid") & ~summary["id"].astype(str).isin(table["grid_id"])]
            if len(loose):
                loose = loose.drop(columns="level").rename(columns={"id": "grid_id", "n_points": "n_units"})
                loose["grid_id"] = [name_of(i, {}, "grid", lang) or i for i in loose["grid_id"].astype(str)]
                table = pd.concat([table, loose[[c for c in loose.columns if c in table.columns]]], ignore_index=True)
        add("grid", table)
        if "band_status" in table.columns:
            add("grids_out_of_band", table[table["band_status"].notna() & (table["band_status"] != "in")])
    if sites is not None and len(sites):
        if isinstance(sites, gpd.GeoDataFrame):  # where to build, as a phone map reads it
            sites = with_lonlat(sites, after="candidate_id")
        add("sites", sites_table(sites))  # no candidate's owner or phone: those stay in the GeoPackage
    if before_after is not None and len(before_after):
        ba = before_after.copy()
        if "level" in ba.columns:
            ba = ba[ba["level"].isin(["overall", "community"])]
            ba.insert(0, "name", [(name_of(i, names, "community", lang) or str(i) if lv == "community" else
                                   ("全部" if lang == "zh" else "All")) for lv, i in zip(ba["level"], ba["id"])])
        add("before_after", ba)
    if gaps is not None and len(gaps):
        if isinstance(gaps, gpd.GeoDataFrame):
            gaps = with_lonlat(gaps, x="site_x", y="site_y")
        gaps = _no_shapes(gaps).drop(columns=["area_m2", "band"], errors="ignore")
        if "cause" in gaps.columns:  # in the maps' and the KMZ's words: 缺少路网数据：无住户，不需补图
            gaps = gaps.assign(cause=cause_words(gaps, lang))
        if "filled_by" in gaps.columns:  # a gap no proposed site reaches, said (the map's words); blank for one of
            said = gaps["filled_by"].fillna("").replace("", NO_SITE_WORDS[lang])  # no households (its 成因 says
            if "households" in gaps.columns:  # 无住户，不需新站; until 8 December 2026 it read 无新站可达)
                said = said.where(pd.to_numeric(gaps["households"], errors="coerce").ne(0), "")
            gaps = gaps.assign(filled_by=said)
        add("gaps", gaps.rename(columns={"rank": "gap_rank"}))  # ranked by households, as the maps say
    if station_load is not None and len(station_load):
        # as station_load.csv (none of a 站长's details), its reasons and blank areas in words
        load = station_load_table(station_load)
        add("station_load", station_load_sheet(load, lang), roles=load_roles(load))
    if moves is not None and len(moves):
        add("moves", pd.DataFrame(moves))
    if report is not None and len(report):
        add("report", report_in(report, lang))  # the Chinese texts a report table carries, in "zh"
    notes = wb.create_sheet(sheet["notes"])
    notes.append(["项目" if lang == "zh" else "Item", "说明" if lang == "zh" else "Note"])
    for item, note in _notes_rows(about, lang):
        notes.append([item, storable_text(note)])
    notes.append([])
    notes.append(["工作表" if lang == "zh" else "Sheet", "列" if lang == "zh" else "Column",
                  "含义" if lang == "zh" else "Meaning"])
    sheets_of: dict[tuple[str, str], list[str]] = {}
    for title, head, definition in defined:  # one row per column, naming every sheet it is on
        sheets_of.setdefault((head, definition), []).append(title)
    for (head, definition), titles in sheets_of.items():
        notes.append([("、" if lang == "zh" else ", ").join(titles), head, definition])
    for r in notes.iter_rows():
        for cell in r:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 18, 28
    notes.column_dimensions["C"].width = 70
    with atomic_path(path) as tmp:
        wb.save(tmp)
        # dated SOURCE_DATE_EPOCH or 1980, not now: a rerun of the same inputs gives the same file
        when = output_time().strftime("%Y-%m-%dT%H:%M:%SZ")
        dated_zip(tmp, {"docProps/core.xml": (r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{when}")})
    logger.info("wrote workbook %s", path)
    return path
