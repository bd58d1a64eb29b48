"""What the project's grid steps (drawing in :mod:`spatial.project.pipeline`, redrawing in
:mod:`spatial.project._redraw`) share: the grids' report rows added once, and the grids' 四至.
May import core and grids; nothing of the pipeline."""

from __future__ import annotations

import pandas as pd

from spatial.core.checks import Report, once_per_row

__all__ = ["extend_once", "with_four_bounds"]


def extend_once(report: Report, frame: pd.DataFrame) -> None:
    """Append the rows of the grids' report table but those the validation gave already (the
    overlapping units: :func:`~spatial.io.validate.validate_inputs` and the grids report the same pairs)."""
    def key(row):
        return tuple(str(row.get(c)) for c in ("layer", "row_id", "problem", "action"))

    seen = {key(r) for r in report.rows}
    report.rows.extend(r for r in Report.from_frame(frame).rows if key(r) not in seen)
    # a unit outside every community: the validation's row (with the nearest community) and the
    # grids' say one thing, kept once
    report.rows[:] = Report.from_frame(once_per_row(report.to_frame(zh_columns=True))).rows


def with_four_bounds(grids, roads, communities, report: Report):
    """``grids`` with their 四至 (:func:`spatial.grids.four_bounds.four_bounds`): the named streets,
    rivers or walls of ``roads`` along each side, else the grid or community across it; grids left
    without codes (no division code on the communities) said in ``report``."""
    from spatial.grids._codes_staff import uncoded
    from spatial.grids.four_bounds import four_bounds

    report.extend(uncoded(grids, communities, "community_id"))

    return four_bounds(grids, roads, communities=communities)
