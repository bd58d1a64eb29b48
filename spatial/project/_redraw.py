"""The grid step of a project run given ``[inputs] plan`` (private to :mod:`spatial.project.pipeline`):
the plan redrawn, moving as few units as it can, with ``[grids] lock``'s units kept in their grids
and the names the plan had recorded so that no new grid takes one again. Its log lines are the
pipeline's own.
"""

from __future__ import annotations

import logging

import pandas as pd

from spatial.core.checks import Report
from spatial.project._gridstep import extend_once, grid_roads, with_four_bounds
from spatial.project._inputs import _opt, _outlines_as_plan
from spatial.project.config import Project

logger = logging.getLogger("spatial.project.pipeline")


def redraw(project: Project, layers: dict, report: Report) -> None:
    """``[inputs] plan`` given: redraw that plan (moving as few units as it can) instead of
    drawing new grids; the units moved go to the ``moves`` layer."""
    from spatial.grids.plan import names_beside, numbers_beside, plan_labels, retired_after, unrecorded
    from spatial.grids.redraw import redraw_grids

    g = project.grids
    outlines = _outlines_as_plan(layers, project.inputs["plan"])  # outlines given with buildings: now the units exist
    if not outlines and "buildings" in project.inputs:  # (ids of units numbered on each run)
        from spatial.core.errors import SpatialError

        raise SpatialError(
            f"[inputs] plan {project.inputs['plan'].path.name} names units by id, and units built from [inputs] "
            "buildings are numbered anew on each run (one building more and the ids shift): give the run's grids "
            "layer the plan was made from (their outlines) as the plan, or its units layer as [inputs] units "
            "instead of buildings")
    plan = layers["plan"]
    # rows without an id and repeated units refused, as is a plan matching none of the units; units
    # removed or added since the plan are left out or placed by the redraw, which says so
    labels = plan_labels(plan, layers["units"], name=f"'{project.inputs['plan'].path.name}'", redraw=True)
    # a grid keeping its id keeps its code: the numbers of the results file the plan (or its units) comes from
    before = []  # every grid name the plan has had (its results file's grids, and those it retired)
    for spec in (project.inputs["plan"], project.inputs.get("units")):  # (no units: built from buildings)
        if spec is not None:
            plan = numbers_beside(plan, spec.path, spec.layer)
            before += names_beside(spec.path, spec.layer)
    locked = _locks(project, layers, labels, plan)
    if locked is not None:  # said in the run's grids line, as spatial grids --lock says it
        layers["_locked_units"] = len(locked)
    roads = grid_roads(project, layers, report)  # every road class of the network file, as spatial grids --roads
    result = redraw_grids(layers["units"], layers["communities"], pd.DataFrame(plan.drop(columns="geometry",
                                                                                          errors="ignore")),
                          households_col=_opt(project, "units", "households_col", "households"),
                          population_col=_opt(project, "units", "population_col", "population"),
                          min_households=g["min_households"], max_households=g["max_households"], roads=roads,
                          blocks=g.get("blocks"), code_layout=g["code_layout"], object_type=g["object_type"],
                          street_gap_m=g.get("street_gap_m", 30.0), max_deviation_pct=g.get("max_deviation_pct"),
                          gated_col=g.get("gated_col") or "gated", check_overlaps=False, locked=locked,
                          retired=before)
    # names merged away: recorded with the grids, never given again (a later redraw, the editor)
    layers["_retired"] = retired_after([*before, *labels], result.grids["grid_id"])
    row = unrecorded(before, labels, result.grids["grid_id"], f"[inputs] plan {project.inputs['plan'].path.name}")
    if row is not None:  # (no results file beside the plan or the units to say which names it retired)
        report.add("grids", *row[:3], zh=row[3])
        logger.warning("%s: %s; %s", row[1], row[0], row[2])
    layers["grids"] = with_four_bounds(result.grids, roads, layers["communities"], report)
    layers["units"] = result.units
    layers["moves"] = result.moves
    layers["_households_new"] = result.households_new  # (not counted as households that lost their grid)
    if "plan_report" in layers:  # units outside the plan's outlines, or cut by one
        report.extend(layers.pop("plan_report"))
    extend_once(report, result.report, layers)
    logger.info("redrew the plan %s: moved %d of %d units", project.inputs["plan"].path.name, len(result.moves),
                len(result.units))


def _locks(project: Project, layers: dict, labels, plan) -> list | None:
    """The units ``[grids] lock`` keeps in their grids (None without it: the plan's own
    ``locked`` column, if any), checked and said as ``spatial grids --lock`` checks and says them."""
    from spatial.grids._locks import lock_list, units_of_grids, warn_plan_locks

    lock = project.grids.get("lock")
    if lock is None:
        return None
    if isinstance(lock, list):  # grid ids
        warn_plan_locks(plan, "[grids] lock")
        locked, said = units_of_grids(lock, labels, None, "[grids] lock")
    else:
        unit_ids = layers["units"][_opt(project, "units", "id_col", "unit_id")]
        locked, said = lock_list(layers.pop("_lock"), labels, unit_ids, plan, name=lock["path"].name,
                                 option="[grids] lock",
                                 built="give the units the plan was made for as [inputs] units instead of buildings"
                                 if "buildings" in project.inputs else None)
    if said is not None:
        logger.info("%s", said)
    return locked
