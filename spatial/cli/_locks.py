"""The lock lists of ``spatial grids --redraw --lock FILE``: units to keep in their grid, given as
unit ids or as grid ids, checked against the units and the plan (one line naming the file when
they are the wrong ones). Imports the CLI's common helpers and the package's checks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import say, split_spec
from spatial.core._words import counted


def _check_lock_ids(locked: list, unit_ids, path: Path) -> None:
    """A lock list none of whose ids is among the units (nor one of them without its leading zeros,
    as Excel saves codes) is the wrong file: refused with one line naming it. Ids of units removed
    since are the redraw's to report (a warning and a report row each)."""
    import pandas as pd

    from spatial.core.checks import listed
    from spatial.core.errors import ColumnError

    ids = sorted({str(v).strip() for v in locked if not pd.isna(v)})
    have = {str(v).strip() for v in unit_ids if not pd.isna(v)}
    have |= {h.lstrip("0") or "0" for h in have if h.isdigit()}
    if ids and not have.intersection(ids):
        raise ColumnError(f"--lock '{split_spec(path)[0].name}': none of its {counted(len(ids), 'unit id')} is among the units "
                          f"({listed(ids)}); is it the lock list for these units? Check its unit_id column")


def _units_of_grids(args: argparse.Namespace, grids: list, labels) -> list:
    """``--lock FILE`` listing grids (a grid id column, no unit id column): the units the plan
    (``labels``: unit id -> grid id) puts in them; a grid the plan does not have is refused, named."""
    import pandas as pd

    from spatial.core.checks import listed
    from spatial.core.errors import ColumnError

    name = split_spec(args.lock)[0].name
    want = sorted({str(v).strip() for v in grids if not pd.isna(v) and str(v).strip()})
    have = {str(g).strip() for g in labels if not pd.isna(g)}
    unknown = [g for g in want if g not in have]
    if unknown:
        raise ColumnError(f"--lock '{name}' lists grids the plan does not have: {listed(unknown)} (its grids: "
                          f"{listed(sorted(have))}); check the grid ids, or list the units to lock under unit_id")
    ids = [u for u, g in zip(labels.index, labels) if not pd.isna(g) and str(g).strip() in want]
    say(args, f"--lock {name}: {'grid' if len(want) == 1 else 'grids'} {listed(want)} locked "
              f"({counted(len(ids), 'unit keeps its grid', 'units keep their grid')})")
    return ids
