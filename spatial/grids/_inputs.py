"""Input bookkeeping of :func:`spatial.grids.partition.partition_grids` and
:func:`spatial.grids.redraw.redraw_grids` (private): optional columns named on purpose, estates
(小区) from the gated column, group labels keyed by unit id, and the grids asked per community.

Moved out of :mod:`spatial.grids.partition` unchanged; its warnings keep that module's logger.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping

import numpy as np
import pandas as pd

from spatial.core._ids import text_matches
from spatial.core._words import counted
from spatial.core.checks import Report, by_unit_id, label_text, listed, on_rows_of
from spatial.core.errors import ColumnError, DuplicateIdError, OptionError, OptionTypeError
from spatial.grids._units import estate_labels, gated_column

#: said as partition_grids's own (callers filter its warnings by this name)
logger = logging.getLogger("spatial.grids.partition")


def check_named_columns(units: pd.DataFrame, **named: tuple[str, str]) -> None:
    """Refuse an optional column named by the caller (``population_col="人口"``) that the units do
    not have: left at its default it may be absent, but a name given on purpose that matches no
    column would leave population, buildings or estates out without a word. ``named`` maps each
    option to ``(the name given, its default)``."""
    for option, (given, default) in named.items():
        if given != default and given not in units.columns:
            raise ColumnError(f"'units' has no column '{given}' ({option}); it has: "
                              f"{', '.join(map(str, units.columns.drop(units.geometry.name, errors='ignore')))}. "
                              f"Name an existing column, or leave {option} out")


def require_gated_col(units: pd.DataFrame, gated_col: str | None, what: str, option: str, where: str = "") -> None:
    """Refuse a gated estate (小区) column named on purpose (``--gated-col``, a project's ``[grids]
    gated_col``) that ``units`` lack, in one line naming ``what`` (the units as the planner knows
    them: "the units in 'units.gpkg'"), the ``option`` and ``where`` it was given ("project file
    P: "); nothing for ``gated_col`` None."""
    if gated_col is not None and gated_col not in units.columns:
        have = ", ".join(str(c) for c in units.columns if c != getattr(units, "active_geometry_name", None))
        raise ColumnError(f"{where}{option}: {what} have no column '{gated_col}' (they have: {have}); name the "
                          f"column holding each unit's gated estate (小区), or leave {option} out")


def gated_labels(units: pd.DataFrame, gated_col: str, unit_ids: np.ndarray, report: Report) -> np.ndarray | None:
    """The estate (小区) of each unit from ``gated_col``, or None where no units are grouped.

    The column holds an estate id per unit (units sharing one are never split), or says yes/no
    (bool; or, as spreadsheets and shapefiles store it, 0/1, TRUE/FALSE, 是/否): a yes marks a
    single unit, which is never cut anyway. "No" words (否, 0, false, blank) are never an estate:
    a column of ids with 否 for the open units must not make one estate of all of them.
    """
    found = gated_column(units.columns, gated_col) if isinstance(gated_col, str) else None
    if found is None or pd.api.types.is_bool_dtype(units[found]):
        return None
    labels, yes_no_only = estate_labels(_labels_from(found, units, unit_ids, "gated"))
    if found != gated_col and (labels is not None or yes_no_only):
        # ('estate', as the grid editor reads it: its estates were cut here; a blank one names none)
        report.add("units", "-", f"no '{gated_col}' column: gated estates (小区) read from column '{found}'",
                   f"units sharing an id in '{found}' are kept in one grid, as the grid editor moves them together",
                   zh=(f"没有 '{gated_col}' 列：封闭小区按 '{found}' 列读取", f"'{found}' 列编号相同的单元划入同一网格，与网格在线调整中整体移动一致"))
    gated_col = found
    if yes_no_only:
        report.add("units", "-", f"column '{gated_col}' says yes/no (no estate ids)",
                   "each unit marked yes is kept whole (as every unit is); to keep an estate of several units "
                   f"together give its id in '{gated_col}'",
                   zh=(f"'{gated_col}' 列为是/否（没有小区编号）",
                       f"标为“是”的单元各自保持完整（所有单元本来都不拆分）；要让由多个单元组成的小区保持在一起，请在 '{gated_col}' 列填写小区编号"))
        return None
    return labels


def _grids_asked(n_grids: Mapping, comm_ids, report: Report) -> dict:
    """``n_grids`` keyed by the communities' own ids: a key matches its id, or its text (``"12"``
    for the id 12, as ids read from a CSV or typed by hand come), or that text with spaces round it
    or in full-width forms (``"C01 "`` for ``"C01"``) when one community alone has it: two
    communities ``"C01"`` and ``"C01 "`` never share one key's count. Keys matching no community
    get one report row (and a warning) and are left out."""
    out = {c: n_grids[c] for c in comm_ids if c in n_grids}
    rest = [c for c in comm_ids if c not in out]
    keys = [k for k in n_grids if k not in out]
    texts = [label_text(c) for c in rest]
    once = Counter(texts)
    of_text = {t: c for t, c in zip(texts, rest) if once[t] == 1}
    # (among every community's text: "C01 " is not guessed to be "C01 " when a "C01" is there too)
    spaced = text_matches([label_text(k) for k in keys if label_text(k) not in of_text],
                          [label_text(c) for c in comm_ids])
    used = set(out)
    for key in keys:
        t = spaced.get(label_text(key), label_text(key))
        if t in of_text and of_text[t] not in out:
            out[of_text[t]] = n_grids[key]
            used.add(key)
    unknown = [key for key in n_grids if key not in used]
    if unknown:
        names = listed(repr(key) for key in unknown)
        problem = f"n_grids names communities that are not in 'communities': {names}"
        fix = "no grids drawn for them; check the ids against the communities' id column"
        logger.warning("%s; %s", problem, fix)
        report.add("grids", "-", problem, fix,
                   zh=(f"n_grids 中的社区不在社区图层中：{names}", "未为其划分网格；请核对社区编号"))
    return out


def _say_unasked(report: Report, n_grids: Mapping, comm_ids, comm_hh: np.ndarray, k: np.ndarray,
                 min_households: float, max_households: float) -> None:
    """One warning and a report row naming the communities ``n_grids`` (matched to their ids)
    gives no count, which are drawn by the band instead."""
    left = [(c, h, kc) for c, h, kc in zip(comm_ids, comm_hh, k) if c not in n_grids]
    if not left:
        return
    names = listed(f"{label_text(c)} ({counted(round(float(h)), 'household', thousands=True)}, {counted(int(kc), 'grid')})"
                   for c, h, kc in left)
    problem = f"n_grids gives no count for {counted(len(left), 'community', 'communities')}: {names}"
    fix = (f"drawn by the band ({min_households:g}-{max_households:g} households); add them to n_grids "
           "to set their grids")
    logger.warning("%s; %s", problem, fix)
    report.add("grids", "-", problem, fix,
               zh=(f"n_grids 未给出以下社区的网格数：{names}",
                   f"已按户数区间（{min_households:g}-{max_households:g} 户）划分；如需指定请在 n_grids 中加入"))


def _say_count(report: Report, n_grids, k: np.ndarray, comm_nodes: np.ndarray, comm_ids) -> None:
    """A warning and a report row when the grids drawn are not the grids asked for: a community
    cannot hold more grids than it has units (or estates kept whole), and each gets at least one.
    With a mapping, only the communities it names are counted (the others are drawn by the band)."""
    if isinstance(n_grids, Mapping):
        named = np.array([c in n_grids for c in comm_ids], dtype=bool)
        k, comm_nodes, comm_ids = k[named], np.asarray(comm_nodes)[named], [c for c, n in zip(comm_ids, named) if n]
    asked = sum(int(v) for v in n_grids.values()) if isinstance(n_grids, Mapping) else int(n_grids)
    drawn = int(k.sum())
    if drawn == asked:
        return
    if drawn < asked:
        full = [f"{c} ({counted(int(n), 'unit')})" for c, n, kc in zip(comm_ids, comm_nodes, k) if kc >= n]
        why = f"a community holds at most one grid per unit or estate kept whole: {listed(full)}"
        fix = "ask for fewer grids, or give finer units"
        fix_zh = "请减少网格数，或提供更细的单元"
    else:
        why = f"each of the {len(k)} communities gets at least one grid"
        fix = "ask for at least one grid per community, or leave --grids out to draw by the band"
        fix_zh = "每个社区至少一个网格：请增加网格数，或不指定网格数按户数区间划分"
    problem = f"{counted(asked, 'grid')} asked for, {drawn} drawn: {why}"
    logger.warning("%s; %s", problem, fix)
    report.add("grids", "-", problem, fix, zh=(f"要求 {asked} 个网格，实际划分 {drawn} 个", fix_zh))


def _labels_from(spec, units: pd.DataFrame, unit_ids: np.ndarray, what: str, report: Report | None = None,
                 ) -> np.ndarray | None:
    """Group labels per unit from a column name, a Series / mapping keyed by unit id (or the id's
    text), or None; keys naming no unit get a ``report`` row, and a mapping of none is refused."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec not in units.columns:
            raise ColumnError(f"'units' has no column '{spec}' for {what}; name an existing column")
        vals = units[spec].to_numpy()
    elif on_rows_of(spec, units):  # a column of the units, on their own index: units["estate"]
        vals = spec.to_numpy(dtype=object)
    elif isinstance(spec, (Mapping, pd.Series)):
        # a key matches a unit's id or its text ("17" for the id 17: ids typed or read from a CSV)
        vals, unknown = by_unit_id(spec, unit_ids)
        if unknown and len(unknown) == len(spec):
            raise ColumnError(f"{what} names no unit among the units: {listed(repr(k) for k in unknown)}; "
                              "key it by the units' ids (unit_id_col)")
        if unknown:
            names = listed(repr(k) for k in unknown)
            logger.warning("%s names %d ids that are not among the units, left out: %s", what, len(unknown), names)
            if report is not None:
                report.add("units", names, f"named in {what} but not among the units", "left out",
                           zh=(f"{what} 中列出但不在单元图层中", "已忽略"))
    else:
        raise OptionTypeError(f"{what} must be a column name, a dict or a Series keyed by unit id, got "
                              f"{type(spec).__name__}")
    labels = np.array([None if pd.isna(v) else v for v in vals], dtype=object)
    _no_yes_no_labels(labels, what)
    return labels


#: what a column of True/False given as labels was meant to be, and what to give instead
_YES_NO_FIX = {
    "locked": "the units that may not move, as redraw_grids reads its 'locked' column; here locked names the grid "
              "each unit is kept in: give unit_id -> grid_id (e.g. units[units['locked']].set_index('unit_id')"
              "['grid_id']), or redraw the plan with redraw_grids(units, communities, plan, locked='locked')",
    "together": "single units never cut; here together names groups kept in one grid: give that column as "
                "gated_col= instead (its True units are never cut), or a column of group names",
}


def _no_yes_no_labels(labels: np.ndarray, what: str) -> None:
    """Refuse labels that are all True/False: as labels they made two groups, every True unit in one
    grid and every False unit in another (grids 'True' and 'False' of thousands of households)."""
    given = [v for v in labels if v is not None]
    if given and what in _YES_NO_FIX and all(isinstance(v, (bool, np.bool_)) for v in given):
        raise OptionError(f"{what} holds True/False, which would put every True unit in one grid and every False "
                          f"unit in another; True/False marks {_YES_NO_FIX[what]}")


def id_order(units: pd.DataFrame, unit_id_col: str) -> np.ndarray | None:
    """Positions that put ``units`` in the order of their ids (numbers as numbers, anything else
    as text; a unique index where there is no id column), or None when they are in it already or
    have no unique ids to order by.

    Examples
    --------
    >>> id_order(pd.DataFrame({"unit_id": ["U2", "U10", "U1"]}), "unit_id").tolist()  # as text: U1, U10, U2
    [2, 1, 0]
    >>> id_order(pd.DataFrame({"unit_id": [1, 2, 10]}), "unit_id") is None
    True
    """
    ids = units[unit_id_col] if unit_id_col in units.columns else pd.Series(units.index, index=units.index)
    if isinstance(ids, pd.DataFrame):  # a column the units have twice: named by the input checks
        return None
    if len(ids) < 2 or ids.isna().any() or not ids.is_unique:
        return None
    values = ids.to_numpy()
    if not (pd.api.types.is_numeric_dtype(ids) and not pd.api.types.is_bool_dtype(ids)):
        values = ids.astype(str).to_numpy()
    order = np.argsort(values, kind="stable")
    return None if (order == np.arange(len(order))).all() else order


def _check_one_row_a_unit(lm: pd.DataFrame, unit_id_col: str, grid_id_col: str) -> None:
    """Refuse a plan of units in which a unit id has several rows: its households would count
    once a row, and a unit in two grids is in neither (a unit in parts is one row, a MultiPolygon).
    """
    if unit_id_col not in lm.columns or unit_id_col == grid_id_col:
        return
    ids = lm[unit_id_col]
    mask = (ids.notna() & ids.duplicated(keep=False)).to_numpy()  # by position: the index may repeat too
    if not mask.any():
        return
    dup = ids[mask]
    grids = pd.Series(lm[grid_id_col].astype(str).to_numpy()[mask]).groupby(dup.to_numpy()).agg(
        lambda g: sorted(set(g)))
    two = grids[grids.map(len) > 1]
    places = [f"{u} in {' and '.join(g)}" for u, g in two.items()]
    where = f"; {listed(places, limit=3)}" if places else ""
    raise DuplicateIdError(f"'plan' column '{unit_id_col}' holds duplicate ids: {listed(pd.unique(dup))}{where}; "
                           "give each unit one row in one grid (a unit in parts is one row, a MultiPolygon)")
