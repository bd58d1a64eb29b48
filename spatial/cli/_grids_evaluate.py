"""``spatial grids --evaluate``: score a plan of grids (a grids layer, units with their grid ids,
or ``--existing PLAN`` of the units) and write its scores; the figures said as an official reads
them. Split from :mod:`spatial.cli.grids`; the checks both use are in :mod:`spatial.cli._gridchecks`."""

from __future__ import annotations

import argparse
import math
import numbers
from pathlib import Path

from spatial.cli._common import (
    TABLE_SUFFIXES,
    as_contract,
    column,
    read_from,
    read_input,
    say,
    source,
    split_spec,
)
from spatial.cli._roads import _read_roads
from spatial.cli._gridchecks import (_check, _check_blocks, _check_gated_col, _plan_grid_ids, _recorded_gated,
                                     _write_kml)


def _of_units(rows) -> bool:
    """Whether the pieces ``rows`` were counted on units (said in the drawing's words), not on grid
    polygons alone (:data:`spatial.grids.evaluate.OUTLINE_PIECES`)."""
    from spatial.grids.evaluate import OUTLINE_PIECES

    return not (rows["action"] == OUTLINE_PIECES[0]).any()


def _cmd_grids_evaluate_existing(args: argparse.Namespace) -> int:
    """``COMMUNITIES UNITS --existing PLAN --evaluate``: score a unit_id -> grid_id plan of the units."""
    from spatial.core.checks import require_unique
    from spatial.core.errors import SpatialError
    from spatial.grids.plan import named_plan, outlines_as_plan, plan_labels, read_plan

    inputs = list(args.inputs)
    if args.evaluate != Path():  # argparse took COMMUNITIES as the value of --evaluate
        inputs.insert(0, str(args.evaluate))
    if len(inputs) != 2:
        raise SpatialError("give COMMUNITIES UNITS with --existing PLAN --evaluate")
    plan_path = args.existing
    if args.out is None:
        args.out = plan_path.with_name(plan_path.stem + "_scores.gpkg")
    _check(args, {"COMMUNITIES": inputs[0], "UNITS": inputs[1], "--existing": args.existing, "--roads": args.roads})
    units = read_input(inputs[1], "units", "units", points=True)  # a table too, as drawing reads it
    uid = column(args, units, "unit_id", "units")
    require_unique(units, uid, source(inputs[1]))
    # the library scores the units carrying the plan's grids as 'plan'
    read_from(args, communities=source(inputs[0]), units=source(inputs[1]), plan=source(inputs[1]))
    name = f"'{plan_path.name}'"
    rows = None
    if split_spec(args.existing)[0].suffix.lower() in TABLE_SUFFIXES:  # unit id, grid id (the editor's CSV)
        path, sheet = split_spec(args.existing)
        grid = read_plan(path, units, unit_id_col=uid, grid_id_col=args.grid_id_col or "grid_id", layer=sheet,
                         named=args.grid_id_col is not None)
    else:
        plan = _plan_grid_ids(args, read_input(args.existing, "units", "plan", allow_empty=True, tables=True), "plan")
        plan, rows = outlines_as_plan(plan, units, unit_id_col=uid, name=name)
        if rows is not None:  # the grids' outlines: the units each covers most of, cut ones reported
            grid = plan["grid_id"]
        else:  # a layer of the units with their grids
            grid = plan_labels(named_plan(plan, name, unit_id_col=uid), units, unit_id_col=uid, name=name)
    # the units under their own ids (unit_id, as the scores and maps read them)
    units = as_contract(units, uid, "unit_id").drop(columns="grid_id", errors="ignore").assign(grid_id=grid.to_numpy())
    args.inputs = inputs[:1]
    _recorded_gated(args, units, inputs[1], f"the grids of '{split_spec(inputs[1])[0].name}'")
    return _cmd_grids_evaluate(args, plan=units, plan_path=plan_path, outline_rows=rows)


def _cmd_grids_evaluate(args: argparse.Namespace, plan=None, plan_path: Path | None = None,
                        outline_rows=None) -> int:
    import pandas as pd

    from spatial.core.errors import SpatialError
    from spatial.grids.evaluate import evaluate_grids
    from spatial.io.layers import write_layers

    if len(args.inputs) > 1:
        raise SpatialError("--evaluate takes PLAN and at most one more layer, COMMUNITIES")
    if plan_path is None:
        plan_path, _ = split_spec(args.evaluate)
    if args.out is None:
        args.out = plan_path.with_name(plan_path.stem + "_scores.gpkg")
    _check(args, {"--evaluate": args.evaluate if plan is None else None,
                  "--existing": plan_path if plan is not None else None,
                  "COMMUNITIES": args.inputs[0] if args.inputs else None, "--roads": args.roads})
    plan_given = plan
    if plan is None:  # grids (or units) with their grid ids: grid_id, 网格编号, 网格编码 ... or --grid-id-col
        plan = read_input(args.evaluate, "grids", "plan")
        read_from(args, plan=source(args.evaluate))  # the library names the plan 'plan'; the user gave a file
        plan = as_contract(_plan_grid_ids(args, plan, "plan"), column(args, plan, "grid_id", "plan"), "grid_id")
        if plan["grid_id"].duplicated().any():  # units with their grids: report them by their ids (编号 ...)
            plan = as_contract(plan, column(args, plan, "unit_id", "plan", required=False), "unit_id")
    communities = read_input(args.inputs[0], "communities", "communities", points=True) if args.inputs else None
    roads = _read_roads(args.roads)
    extra = {} if communities is None else {
        "community_id_col": column(args, communities, "community_id", "communities")}
    _check_blocks(args, plan, plan_path)
    if plan_given is None:
        _recorded_gated(args, plan, args.evaluate, f"the grids of '{plan_path.name}'")
    _check_gated_col(args, plan, "the plan's units", args.evaluate if plan_given is None else None)
    res = evaluate_grids(plan, communities, households_col=_households_col(args, plan, outlines=plan_given is None),
                         min_households=args.min_households, max_households=args.max_households, roads=roads,
                         blocks=args.blocks, street_gap_m=args.street_gap_m, max_deviation_pct=args.max_deviation,
                         gated_col=args.gated_col or "gated",
                         buildings_col=column(args, plan, "buildings", "plan", required=False) or "buildings", **extra)
    for key, value in res.summary.iloc[0].items():
        say(args, f"{key:>24}: {_figure(key, value)}")
    pieces = res.grids.loc[res.grids["components"] > 1, "grid_id"].astype(str).tolist()
    if pieces:
        rows = res.report[(res.report["layer"] == "grids") & res.report["row_id"].astype(str).isin(pieces)]
        islands = set(rows.loc[rows["action"].str.startswith("nothing to fix"), "row_id"].astype(str))
        say(args, f"grids in pieces (not contiguous): {', '.join(pieces[:20])}{' ...' if len(pieces) > 20 else ''}"
            + (f" ({len(islands)} of them only through units that are themselves in parts: nothing to fix)"
               if islands else "")
            + ("" if _of_units(rows) else
               " (the outlines' parts: some may be islands of one unit, nothing to fix; --existing PLAN with "
               "COMMUNITIES UNITS scores the units to tell)"))
    for status, words in (("over", f"over the band (> {args.max_households:g})"),
                          ("under", f"under the band (< {args.min_households:g})")):
        out = res.grids[res.grids["band_status"] == status]
        if len(out):  # named, with their households, as the pieces are: not only counted
            said = [f"{g} ({h:g})" for g, h in zip(out["grid_id"].astype(str), out["households"])]
            say(args, f"grids {words}: {', '.join(said[:20])}{' ...' if len(said) > 20 else ''}")
    _say_loose(args, res.report)
    report = res.report if outline_rows is None else pd.concat([outline_rows.to_frame(), res.report],
                                                               ignore_index=True)
    from spatial.maps._gis_styles import qgis_styles

    # QGIS opens the scored grids coloured by status, as it opens the grids `spatial grids` draws
    style = qgis_styles({"grids": res.grids}).get("grids")
    from spatial.core.atomic import atomic_paths

    with atomic_paths([args.out, *([args.kml] if args.kml is not None else [])]) as tmps:  # both, or neither
        write_layers({"grid_scores": res.grids, "summary": res.summary, "report": report}, tmps[0], fresh=True,
                     styles={"grid_scores": style} if style else None)
        if args.kml is not None:  # the plan as scored, for the grid workers' phones (it was left unwritten)
            _write_kml(tmps[1], res.grids, report, None if communities is None else
                       as_contract(communities, extra["community_id_col"], "community_id"))
    say(args, f"wrote {args.out} (layers grid_scores, summary, report)")
    if args.kml is not None:
        say(args, f"wrote {args.kml} (the grids as scored, for a phone's map app)")
    return 0


def _households_col(args: argparse.Namespace, plan, *, outlines: bool) -> str:
    """The plan's households column (``--households-col`` or a common name); a 网格边界 layer of
    grid outlines alone (one row a grid, no unit ids, no households) is told the form that scores
    the units inside them, as :func:`spatial.grids.evaluate.evaluate_grids` tells it, not only to
    name a column the outlines do not have."""
    from spatial.core.errors import ColumnError

    # units: grid ids repeat, or the rows name their units (not an 'id' or 编号 an outline layer has too)
    units = bool(plan["grid_id"].duplicated().any()) or getattr(args, "unit_id_col", None) is not None or any(
        c in plan.columns for c in ("unit_id", "单元编号", "单元号"))
    found = column(args, plan, "households", "plan", required=not outlines or args.households_col is not None or units)
    if found is None:
        name = source(args.evaluate)
        comm = source(args.inputs[0]) if args.inputs else "COMMUNITIES"
        raise ColumnError(f"'{name}' has no households column: grid outlines alone carry no households; score the "
                          f"units inside them: spatial grids {comm} UNITS --existing {name} --evaluate (or name "
                          "the outlines' households column with --households-col)")
    return found


def _say_loose(args: argparse.Namespace, report) -> None:
    """Name the units the plan leaves in no grid and the gated estates it splits (the report's
    rows), as the grids in pieces and out of the band are named: a plan exported with them was
    scored without a word but the gap area (gap_m2)."""
    rows = report[report["layer"] == "plan"]
    loose = rows.loc[rows["action"].astype(str).str.startswith("not in any grid"), "row_id"].astype(str).tolist()
    if loose:
        say(args, f"units in no grid (counted as gaps): {', '.join(loose[:20])}{' ...' if len(loose) > 20 else ''}")
    split = rows.loc[rows["problem"].astype(str).str.startswith("gated estate "), "problem"].astype(str)
    if len(split):
        said = [p[len("gated estate "):].replace(" is split between grids: ", ": ") for p in split]
        say(args, f"gated estates split between grids ({len(said)}): {'; '.join(said[:10])}"
                  f"{' ...' if len(said) > 10 else ''} (kept whole by --redraw)")


def _figure(key: str, value) -> str:
    """A summary figure as an official reads it: whole counts and areas with thousands separators
    (never 1.6e+04), percentages to one decimal, Polsby-Popper and shares to three."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return str(value)
    if not math.isfinite(value):
        return "-"
    if key.endswith("_pct") or key.startswith("pct_"):  # (pct_in_band too: 95.1, not 95.122)
        return f"{value:,.1f}"
    if key.endswith("_m2") or float(value).is_integer():
        return f"{value:,.0f}" if abs(value) >= 1 or value == 0 else f"{value:.2f}"
    return f"{value:.3f}"
