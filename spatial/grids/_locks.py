"""Lock lists of a redraw: the units to keep in their grid, given as a table of unit ids or of grid
ids (``spatial grids --redraw --lock FILE``, a project's ``[grids] lock``), checked against the
units and the plan, with one line naming the list when it is the wrong one. One piece of code for
the command line and the project run, which say the list as their users give it (``--lock
'locked.csv'``, ``[grids] lock 'locked.csv'``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import pandas as pd

from spatial.core._words import counted
from spatial.core.checks import listed, yes_no
from spatial.core.errors import ColumnError, SpatialError

__all__ = ["check_lock_ids", "lock_list", "units_of_grids", "warn_plan_locks"]

logger = logging.getLogger(__name__)

#: finds a column of the lock table: (role, required, option) -> the column, or None
Finder = Callable[..., "str | None"]


def _said(option: str, name: str | None) -> str:
    return f"{option} '{name}'" if name else option


def check_lock_ids(locked: Iterable, unit_ids, name: str | None, option: str = "--lock") -> None:
    """A lock list none of whose ids is among the units (nor one of them without its leading zeros,
    as Excel saves codes) is the wrong file: refused with one line naming it. Ids of units removed
    since are the redraw's to report (a warning and a report row each).

    Examples
    --------
    >>> check_lock_ids(["U1", "U9"], ["U1", "U2"], "lock.csv")
    >>> check_lock_ids(["X1"], ["U1", "U2"], "lock.csv")
    Traceback (most recent call last):
    ...
    spatial.core.errors.ColumnError: --lock 'lock.csv': none of its 1 unit id is among the units (X1); is it the lock list for these units? Check its unit_id column
    """
    ids = sorted({str(v).strip() for v in locked if not pd.isna(v)})
    have = {str(v).strip() for v in unit_ids if not pd.isna(v)}
    have |= {h.lstrip("0") or "0" for h in have if h.isdigit()}
    if ids and not have.intersection(ids):
        raise ColumnError(f"{_said(option, name)}: none of its {counted(len(ids), 'unit id')} is among the units "
                          f"({listed(ids)}); is it the lock list for these units? Check its unit_id column")


def units_of_grids(grids: Iterable, labels: pd.Series, name: str | None,
                   option: str = "--lock") -> tuple[list, str]:
    """The units the plan (``labels``: unit id -> grid id) puts in ``grids``, and the line saying
    so (``--lock lock.csv: grid C1-01 locked (3 units keep their grid)``); a grid the plan does
    not have is refused, named.

    Examples
    --------
    >>> labels = pd.Series(["C1-01", "C1-01", "C1-02"], index=["a", "b", "c"])
    >>> units_of_grids(["C1-01"], labels, "lock.csv")
    (['a', 'b'], '--lock lock.csv: grid C1-01 locked (2 units keep their grid)')
    """
    want = sorted({str(v).strip() for v in grids if not pd.isna(v) and str(v).strip()})
    have = {str(g).strip() for g in labels if not pd.isna(g)}
    unknown = [g for g in want if g not in have]
    if unknown:
        raise ColumnError(f"{_said(option, name)} lists grids the plan does not have: {listed(unknown)} (its grids: "
                          f"{listed(sorted(have))}); check the grid ids, or list the units to lock under unit_id")
    ids = [u for u, g in zip(labels.index, labels) if not pd.isna(g) and str(g).strip() in want]
    said = (f"{option}{' ' + name if name else ''}: {'grid' if len(want) == 1 else 'grids'} {listed(want)} locked "
            f"({counted(len(ids), 'unit keeps its grid', 'units keep their grid')})")
    return ids, said


def warn_plan_locks(plan, option: str = "--lock") -> None:
    """Say that a lock list takes the place of the plan's own ``locked`` column (the editor's
    锁定网格), where that column locks any unit: those locks are not kept unless the list has them."""
    if plan is None or not hasattr(plan, "columns") or "locked" not in plan.columns:
        return
    n = int(yes_no(plan["locked"]).sum())
    if n:
        logger.warning("%s takes the place of the plan's locked column, which locks %s; add them to the list to "
                       "keep them", option, counted(n, "unit"))


def lock_list(table: pd.DataFrame, labels: pd.Series, unit_ids, plan=None, *, name: str | None,
              option: str = "--lock", find: Finder | None = None, built: str | None = None) -> tuple[list, str | None]:
    """The unit ids a lock list locks, and the line saying which grids it locks (None for a list
    of units).

    Parameters
    ----------
    table : DataFrame
        The lock list: a ``unit_id`` column (those units keep their grid), or else a ``grid_id``
        column (every unit the plan puts in those grids keeps it); a yes/no ``locked`` column
        (true/false, 1/0, 是/否) keeps only the rows it says yes to. Columns are found under
        common names (单元编号, 网格编号, 锁定 ...).
    labels : Series
        The plan: unit id -> grid id.
    unit_ids
        Today's units' ids (a list of units none of which is among them is refused).
    plan : DataFrame, optional
        The plan's table: a list of grids numbered otherwise (``grid_seq``/``grid_code``) than the
        plan is refused (another plan's list).
    name, option
        The list's file name and the option or key giving it, for the messages.
    find
        ``find(role, required, option=None)`` -> the column of ``table`` for a role; default
        :func:`spatial.io.columns.find_column` under the contract's and common names.
    built
        With units built from buildings (numbered anew on each run), how to redraw on the units
        the plan was made for: a list of unit ids is then refused saying so.

    Raises
    ------
    ColumnError
        A list with neither column, none of whose units is among the units, naming grids the plan
        does not have, or numbered otherwise than the plan.
    """
    if find is None:
        from spatial.io.columns import find_column

        said = _said(option, name)

        def find(role, required, **_):
            found = find_column(table, role, layer=str(name), required=False)
            if found is None and required:
                have = ", ".join(str(c) for c in table.columns if c != "geometry")
                raise ColumnError(f"{said} has no unit id or grid id column (it has: {have}); give it a column "
                                  "unit_id (单元编号: the units to lock) or grid_id (网格编号: every unit of those "
                                  "grids)")
            return found

    warn_plan_locks(plan, option)
    lock_col = find("locked", False)
    keep = yes_no(table[lock_col]) if lock_col is not None else None
    rows = table if keep is None else table.loc[keep]
    uid = find("unit_id", False, option="--unit-id-col")
    gid = None if uid is not None else find("grid_id", False)
    if gid is not None:  # a list of grids: every unit the plan puts in them
        ids, said = units_of_grids(list(rows[gid]), labels, name, option)
        if plan is not None:
            from spatial.grids._plan_inputs import same_numbers

            same_numbers(rows, gid, plan, name, option)
        return ids, said
    uid = find("unit_id", True, option="--unit-id-col")  # (refused, named)
    if built is not None:  # ids of units numbered on each run
        gid = find("grid_id", False)
        how = (f"to lock their grids whole, delete its column {uid} and keep {gid}" if gid is not None
               else "lock whole grids with a table of grid_id")
        raise SpatialError(f"{option} {name} names units by id, and units built from buildings are numbered anew on "
                           f"each run (one building more and the ids shift): {how}, or {built}")
    ids = list(rows[uid])
    check_lock_ids(ids, unit_ids, name, option)
    return ids, None
