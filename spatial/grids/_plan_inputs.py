"""The plan being redrawn, read per unit (private to :func:`spatial.grids.redraw.redraw_grids`):
its grid labels (a column, a mapping or a table keyed by unit id, ids matched as text and with
leading zeros Excel stripped restored), the locked units, and each unit's plan grid within its
community (a grid spanning communities renamed or its crumbs released).

Moved out of :mod:`spatial.grids.redraw` unchanged; its warnings keep that module's logger.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from spatial.core._ids import text_matches
from spatial.core._words import counted
from spatial.core.checks import listed, natural_key, on_rows_of, require_columns, require_frame, yes_no
from spatial.core.errors import ColumnError, OptionError, OptionTypeError
from spatial.grids.plan import _zeros_restored, old_sequence, outlines_as_plan

#: said as redraw_grids's own (callers filter its warnings by this name)
logger = logging.getLogger("spatial.grids.redraw")


def _plan_labels(units, plan, unit_ids, unit_id_col, grid_id_col, report) -> np.ndarray:
    if plan is None:
        require_columns(units, [grid_id_col], "units")
        vals = units[grid_id_col].to_numpy()
    elif isinstance(plan, pd.Series) and str(plan.dtype) == "geometry":
        require_frame(plan, "plan")  # grid outlines without their ids (grids.geometry): not unit -> grid
    elif on_rows_of(plan, units):  # a grid per unit on the units' own index: read_plan(path, units), units["old"]
        vals = plan.to_numpy(dtype=object)
    elif isinstance(plan, (Mapping, pd.Series)):
        vals = _per_unit(list(plan.keys()), list(plan.values()) if isinstance(plan, Mapping) else plan.to_list(),
                         unit_ids, report)
    else:
        require_frame(plan, "plan", geometry=False)
        # the old grids' outlines (a 网格边界 layer), as the command line takes them: the units they hold
        plan, outlined = outlines_as_plan(plan, units, unit_id_col=unit_id_col, grid_id_col=grid_id_col,
                                          name="'plan'")
        if outlined is not None and report is not None:
            report.extend(outlined)
        require_columns(plan, [unit_id_col, grid_id_col], "plan")
        if plan[unit_id_col].duplicated().any():
            dup = plan.loc[plan[unit_id_col].duplicated(), unit_id_col].iloc[0]
            raise ColumnError(f"'plan' lists unit {dup!r} more than once; give each unit one grid")
        vals = _per_unit(plan[unit_id_col].to_list(), plan[grid_id_col].to_list(), unit_ids, report)
    return np.array([_grid_text(v) for v in vals], dtype=object)


def _grid_text(value) -> str | None:
    """A plan's grid label as the planner means it: text without the spaces Excel keeps around
    it (``"C01-01 "`` is grid ``C01-01``), None for a blank cell (``""``, ``" "``), as
    :func:`spatial.grids.plan.plan_labels` reads it for ``--evaluate``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value).strip() or None


def _per_unit(keys: list, values: list, unit_ids, report=None, what: str = "plan") -> np.ndarray:
    """``values`` (given for the unit ids ``keys``) in the order of ``unit_ids`` (None where a unit
    has none). Ids match as text (a plan's ``12`` is unit ``"12"``), and ids Excel stripped of their
    leading zeros (``1`` for ``0001``) are matched back, with a warning. The plan may be older than
    the units: ids no longer among them are left out, each with a row in ``report``; units it does
    not list stay None (new units since the plan: placed by the redraw); both counted in a warning.
    A plan none of whose ids is among the units is refused (the wrong file). An id with spaces
    round it (``"U1 "``) is the unit of that id, unless two units (``"U1"`` and ``"U1 "``) or two
    plan rows share it: then each id matches only itself (two units are never one)."""
    text = [None if pd.isna(k) else str(k) for k in keys]
    ukeys = [str(u) for u in unit_ids]
    spaced = text_matches([k for k in text if k is not None], ukeys)
    text = [spaced.get(k, k) for k in text]
    m = {k: v for k, v in zip(text, values) if k is not None}
    known = set(ukeys)
    unknown = [k for k in m if k not in known]
    if unknown:
        restored = _zeros_restored(unknown, [k for k in ukeys if k not in m], what=what, partial=True)
        if restored is not None:
            m = {restored.get(k, k): v for k, v in m.items()}
            unknown = [k for k in unknown if k not in restored]
    if unknown and len(unknown) == len(m):
        raise ColumnError(f"'{what}' matches none of the units: its unit ids ({listed(unknown)}) are not among "
                          f"the units' ({listed(ukeys)}); is it the plan for these units?")
    new = [k for k in ukeys if k not in m]
    blank = [k for k in ukeys if k in m and _grid_text(m[k]) is None]
    if report is not None and (unknown or new):  # (said once: not again for the plan's locked column)
        said = ([f"{counted(len(unknown), 'of its units is', 'of its units are')} no longer among the units (left "
                 "out of the plan; listed in the report)"] if unknown else []) + (
            [f"{counted(len(new), 'unit is', 'units are')} not in it (new since the plan: the redraw gives "
             f"{'it' if len(new) == 1 else 'them'} a grid)"] if new else [])
        logger.warning("%s: %s", what, " and ".join(said))
    if report is not None and blank:
        logger.warning("%s: %s a blank grid (%s): the redraw gives %s a grid (moves: not in the plan)", what,
                       counted(len(blank), "unit has", "units have"), listed(blank), "it" if len(blank) == 1 else "them")
    for k in unknown if report is not None else ():
        report.add(what, k, "unit no longer among the units", "left out of the plan",
                   zh=("该单元已不在现有单元中", "从原方案中剔除"))
    if report is not None and unknown:  # a grid all of whose units are gone is said as a grid too
        _say_grids_gone(report, [m[k] for k in unknown], [m[k] for k in ukeys if k in m])
    return np.array([m.get(k) for k in ukeys], dtype=object)


def _say_grids_gone(report, gone: list, kept: list) -> None:
    """A ``grids`` row on each grid of the plan none of whose units is among the units any more
    (its estate demolished and taken out of the units layer): no grid of its id is drawn again,
    and without the row only its units' rows would say so. ``gone`` and ``kept`` are the plan's
    grid labels of the units removed and of those still there."""
    left = {_grid_text(v) for v in kept}
    counts = pd.Series([_grid_text(v) for v in gone], dtype=object).dropna().value_counts()
    for grid in sorted(g for g in counts.index if g not in left):
        n = int(counts[grid])
        report.add("grids", grid, f"all {n} of its units in the plan are no longer among the units",
                   "no grid of its id is drawn (its units' rows in the plan layer list them)",
                   zh=(f"原方案中该网格的 {n} 个单元均已不在现有单元中", "不再设此网格（各单元见原方案的问题行）"))


def _locked_mask(locked, units, plan, unit_ids, unit_id_col, report) -> np.ndarray:
    if locked is None:
        if isinstance(plan, pd.DataFrame) and "locked" in plan.columns and unit_id_col in plan.columns:
            flags = _per_unit(plan[unit_id_col].to_list(), yes_no(plan["locked"]).tolist(), unit_ids)
            return np.array([bool(f) for f in flags])
        if "locked" in units.columns:
            return yes_no(units["locked"])
        return np.zeros(len(unit_ids), dtype=bool)
    if isinstance(locked, str):
        require_columns(units, [locked], "units")
        return yes_no(units[locked])
    locked = _lock_flags(locked, units, unit_ids)
    if isinstance(locked, (list, tuple)) and locked and all(isinstance(v, (bool, np.bool_)) for v in locked):
        locked = np.array(locked, dtype=bool)  # [True, False, ...]: a mask as a list
    if isinstance(locked, np.ndarray) and locked.dtype == bool:
        return locked
    if isinstance(locked, Iterable):
        keys = [str(u) for u in unit_ids]
        ids = {str(v) for v in locked if not pd.isna(v)}
        spaced = text_matches(ids, keys)  # 'U1 ' locks unit 'U1', never also a unit 'U1 '
        ids = {spaced.get(v, v) for v in ids}
        unknown = sorted(ids - set(keys))
        if unknown:  # a lock that matches no unit would leave that unit free to move: never silently
            restored = _zeros_restored(unknown, [k for k in keys if k not in ids], what="locked", partial=True)
            if restored is not None:
                ids = (ids - set(restored)) | set(restored.values())
                unknown = [k for k in unknown if k not in restored]
        if unknown and len(unknown) == len(ids):
            raise ColumnError(f"locked lists {counted(len(unknown), 'unit id')}, none of them among the units: "
                              f"{listed(unknown)}; check the ids (the lock file's unit_id)")
        if unknown:  # units removed since the lock was written (or mistyped): said, each in the report
            logger.warning("locked: %s not among the units (removed since?): %s; %s ignored (listed in the report)",
                           counted(len(unknown), "of its unit ids is", "of its unit ids are"), listed(unknown),
                           "its lock is" if len(unknown) == 1 else "their locks are")
            for k in unknown:
                report.add("locked", k, "locked, but not among the units", "lock ignored; remove it from the lock "
                           "list if the unit is gone, or correct its id", zh=("已锁定，但不在现有单元中",
                                                                            "忽略该锁定；如单元已删除请从锁定名单中去掉，否则请更正编号"))
        return np.array([k in ids for k in keys])
    raise OptionTypeError(f"locked must be a column name or a list of unit ids, got {type(locked).__name__}")


def _lock_flags(locked, units, unit_ids):
    """``locked`` given as True/False per unit rather than as unit ids: a mask on the units' rows
    (``units["locked"]``, ``units["households"] > 800``, its array or list) as booleans, and a
    Series of flags keyed by unit id (``plan.set_index("unit_id")["locked"]``) as the ids it
    flags; anything else as given. Read as ids, a mask named units True and False, none of them
    among the units."""
    if isinstance(locked, np.ndarray) and locked.dtype == bool:
        if locked.shape != (len(unit_ids),):
            raise OptionError(f"locked holds {locked.size} True/False values for {len(unit_ids)} units; give one "
                              "per unit, in the units' order (or the ids of the units that may not move)")
        return locked.copy()
    if not isinstance(locked, pd.Series) or not pd.api.types.is_bool_dtype(locked):
        return locked
    if on_rows_of(locked, units):
        return yes_no(locked)
    return [k for k, flag in locked.items() if not pd.isna(flag) and flag]


def _community_keys(old, prep, report, min_households=0.0) -> tuple[np.ndarray, dict]:
    """Plan grid of each unit; a grid id used in several communities is renamed ``id@community``
    outside the community holding most of its households (grids never cross communities). A part
    that holds fewer than ``min_households`` (a unit lassoed across the community line) is not
    made a grid: its units join the neighbouring grids of their own community, as units new to
    the plan do (each returned with the community its plan grid lies mostly in)."""
    key = np.array([None if (o is None or c < 0) else o for o, c in zip(old, prep.comm_of)], dtype=object)
    crossed: dict = {}  # unit position -> the community its plan grid lies mostly in
    df = pd.DataFrame({"k": key, "c": prep.comm_of, "hh": prep.hh})
    df = df[df["k"].notna()]
    tot = df.groupby(["k", "c"])["hh"].agg(["sum", "size"]).reset_index()
    multi = tot.groupby("k")["c"].transform("nunique") > 1
    for k, g in tot[multi].groupby("k"):
        main = g.sort_values(["sum", "size", "c"], ascending=[False, False, True])["c"].iloc[0]
        for c, part_hh, size in zip(g["c"], g["sum"], g["size"]):
            if c == main:
                continue
            cid, main_id = prep.comm_ids[c], prep.comm_ids[main]
            at = (key == k) & (prep.comm_of == c)
            if part_hh < min_households:
                key[at] = None
                crossed.update(dict.fromkeys(np.flatnonzero(at).tolist(), main_id))
                report.add("plan", k, f"grid has units in communities {main_id} and {cid}",
                           f"its {counted(size, 'unit')} in {cid} ({part_hh:g} households, fewer than a grid) "
                           f"{'joins' if size == 1 else 'join'} the neighbouring grids of {cid}",
                           zh=(f"网格的单元分属社区 {main_id} 和 {cid}",
                               f"位于 {cid} 的 {size} 个单元（{part_hh:g} 户，不足一个网格）并入 {cid} 的相邻网格"))
                continue
            key[at] = f"{k}@{cid}"
            report.add("plan", k, f"grid has units in communities {main_id} and {cid}",
                       f"its part in {cid} becomes grid {k}@{cid}",
                       zh=(f"网格的单元分属社区 {main_id} 和 {cid}", f"位于 {cid} 的部分成为网格 {k}@{cid}"))
    return key, crossed


def same_numbers(table, grid_id_col: str, plan, name: str, option: str = "--lock") -> None:
    """Refuse a lock list of grids (``table``, grid ids in ``grid_id_col``) whose numbers (its
    ``grid_seq`` or ``grid_code``, 网格编码: a run's grids.csv or its workbook's 网格 sheet) are not
    the ``plan``'s for the same grid ids: the grids of another plan, numbered otherwise (last
    month's grids.csv beside this month's plan, where C02-03 became C02-02), which would lock other
    ground than the list means. ``name`` is the lock file's and ``option`` what gave it
    (``[grids] lock``), for the message."""
    codes = {c: "grid_code" for c in table.columns if str(c).strip() == "网格编码"}
    theirs = old_sequence(pd.DataFrame(table).rename(columns=codes).rename(columns={grid_id_col: "grid_id"}))
    ours = old_sequence(plan) if hasattr(plan, "columns") else {}
    differ = sorted((g for g in theirs if g in ours and theirs[g] != ours[g]), key=natural_key)
    if differ:
        g = differ[0]
        raise ColumnError(
            f"{option} '{name}' gives grid {g} the number {theirs[g]} (its code's last digits) where the plan gives it "
            f"{ours[g]} ({len(differ)} of its {len(theirs)} grids differ so: {listed(differ)}): it lists the grids of "
            "another plan, numbered otherwise (an older run's grids.csv?); list the grids to lock from this plan's "
            "grids.csv or workbook")
