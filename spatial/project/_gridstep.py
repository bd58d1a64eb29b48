"""What the project's grid steps (drawing in :mod:`spatial.project.pipeline`, redrawing in
:mod:`spatial.project._redraw`) share: the roads grids follow, the grids' report rows added once,
and the grids' 四至. May import core, network and grids; nothing of the pipeline."""

from __future__ import annotations

import pandas as pd

from spatial.core.checks import Report, once_per_row
from spatial.grids._explain import band_fit_first, band_fit_rows

__all__ = ["extend_once", "grid_roads", "grid_roads_wanted", "with_four_bounds"]


def grid_roads_wanted(project) -> bool:
    """Whether a run of ``project`` draws grids (or builds units from buildings) along the roads of
    its ``network`` file: no ``roads`` input, a network, and grids drawn or units built."""
    inputs = project.inputs
    return ("network" in inputs and "roads" not in inputs
            and (bool(project.grids.get("enabled", True)) or "buildings" in inputs))


def grid_roads(project, layers: dict, report: Report | None = None):
    """The roads the project's grids follow: ``[inputs] roads``, else the ``network`` input's file
    read as ``spatial grids --roads`` reads it (:func:`spatial.network.roads.read_roads`: every
    road class, trunk roads too, which the walking network leaves out), else None.

    Read once a run, with the walking network when the read step knew grids were to be drawn
    (:func:`grid_roads_wanted`), else here (kept in ``layers["_grid_roads"]``, never written);
    with ``report``, the first call says in it that the grid borders follow the network file's roads."""
    roads = layers.get("roads")
    if roads is not None or "network" not in layers:
        return roads
    spec = project.inputs["network"]
    if "_grid_roads" not in layers:
        from spatial.network.graph import edges_frame
        from spatial.network.roads import read_roads

        layers["_grid_roads"] = edges_frame(read_roads(spec.path, layer=spec.layer))
    if report is not None and not layers.get("_grid_roads_said"):
        layers["_grid_roads_said"] = True
        name = spec.path.name
        report.add("roads", "-", f"no roads input: grid borders follow the roads of the network file {name}, "
                   "every class (trunk roads too, which walks leave out)",
                   "give [inputs] roads (street lines) to draw grid borders along other lines",
                   zh=(f"未提供道路图层：网格边界沿路网文件 {name} 的全部道路划分（含步行不计的干道）",
                       "如需沿其他线划分网格边界，请在 [inputs] 中提供 roads（街道线）"))
    return layers["_grid_roads"]


def extend_once(report: Report, frame: pd.DataFrame, layers: dict | None = None) -> None:
    """Append the rows of the grids' report table but those the validation gave already (the
    overlapping units: :func:`~spatial.io.validate.validate_inputs` and the grids report the same pairs).
    With the run's ``layers``, a row naming the households column names it as the file has it
    (``births``, which the run copied under ``households`` for the steps)."""
    frame = frame.copy()
    found = ((layers or {}).get("_columns", {}).get("units") or {}).get("households_col")
    if found and found != "households":
        fit = band_fit_rows(frame)
        for col in ("problem", "problem_zh"):
            if col in frame.columns:
                frame.loc[fit, col] = frame.loc[fit, col].astype(str).str.replace("'households'", f"'{found}'",
                                                                                  regex=False)

    def key(row):
        return tuple(str(row.get(c)) for c in ("layer", "row_id", "problem", "action"))

    seen = {key(r) for r in report.rows}
    report.rows.extend(r for r in Report.from_frame(frame).rows if key(r) not in seen)
    # a unit outside every community: the validation's row (with the nearest community) and the
    # grids' say one thing, kept once
    # (and a households column unfit for the band said first, above the validation's rows, as
    # spatial grids says it)
    report.rows[:] = Report.from_frame(band_fit_first(once_per_row(report.to_frame(zh_columns=True)))).rows


def with_four_bounds(grids, roads, communities, report: Report):
    """``grids`` with their 四至 (:func:`spatial.grids.four_bounds.four_bounds`): the named streets,
    rivers or walls of ``roads`` along each side, else the grid or community across it; grids left
    without codes (no division code on the communities) said in ``report``."""
    from spatial.grids._codes_staff import uncoded
    from spatial.grids.four_bounds import four_bounds

    report.extend(uncoded(grids, communities, "community_id"))

    return four_bounds(grids, roads, communities=communities)
