"""Checks and readers that ``spatial grids``, its ``--evaluate`` and ``spatial editor`` share: paths
and options before any work, the plan's grid id column, ``--blocks``, the estate column its file
records, and the KMZ of ``--kml``."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import LAYER_SUFFIXES, NETWORK_SUFFIXES, check_inputs, check_output, column


def _check(args: argparse.Namespace, inputs: dict, outputs: tuple[str, ...] = (".gpkg",)) -> None:
    """Every path and option, before anything is read."""
    from spatial.core.errors import SpatialError

    if args.n_grids is None and args.min_households > args.max_households:
        raise SpatialError(f"--min {args.min_households:g} is above --max {args.max_households:g}; "
                           "the band needs min <= max")
    suffixes = {"--roads": LAYER_SUFFIXES + NETWORK_SUFFIXES}  # COMMUNITIES: a layer, or a table of WKT
    check_inputs(inputs, suffixes=suffixes)
    check_output(args.out, inputs=inputs, suffixes=outputs)
    if getattr(args, "kml", None) is not None:
        check_output(args.kml, inputs=inputs, suffixes=(".kmz", ".kml"), what="--kml")
        from spatial.io.kml import require_libkml

        require_libkml(args.kml, leave_out="leave --kml out")


def _band_of_plan(args: argparse.Namespace) -> None:
    """``--min``/``--max`` not given: for a redraw or an evaluation, the band the grids of the units'
    file (or of PLAN) were drawn for, when the file records it (``spatial grids`` and ``spatial run``
    write it in the grids layer, the editor's GeoJSON export in the file), said; else 300-500. Before,
    a plan drawn for 200-400, exported from the editor unchanged and redrawn as docs/editor.md says
    (``spatial grids COMMUNITIES results.gpkg:units --existing plan.csv --redraw``), was redrawn into
    300-500 without a word (131 grids became 118, 56 units moved), and its evaluation named 62 of its
    grids, all in their band on the page, "under the band (< 300)"."""
    from spatial.cli._common import say, split_spec
    from spatial.grids.plan import recorded_band

    given = args.min_households, args.max_households
    recorded = whose = None
    if None in given and args.n_grids is None and (args.existing is not None or args.redraw or
                                                   args.evaluate is not None):
        inputs, specs = list(args.inputs), []
        if args.evaluate is not None and args.evaluate != Path():
            if args.existing is not None:  # (argparse took COMMUNITIES as the value of --evaluate)
                inputs.insert(0, str(args.evaluate))
            else:
                specs.append(str(args.evaluate))
        specs += inputs[1:2] + ([str(args.existing)] if args.existing is not None else [])
        for spec in specs:
            recorded = recorded_band(split_spec(spec)[0])
            if recorded is not None:
                whose = split_spec(spec)[0].name
                break
    lo, hi = recorded if recorded is not None else (300.0, 500.0)
    args.min_households = lo if given[0] is None else given[0]
    args.max_households = hi if given[1] is None else given[1]
    if recorded is not None:
        say(args, f"band {args.min_households:g}-{args.max_households:g} households"
                  + (f", as the grids of '{whose}' were drawn (--min and --max to change)" if given == (None, None)
                     else f" (the grids of '{whose}' were drawn for {lo:g}-{hi:g})"))


#: ``spatial grids`` options of drawing and redrawing, which an evaluation has no use for:
#: ``(attribute, option)``
DRAWING_OPTIONS = (("n_grids", "--grids"), ("balance", "--balance"), ("redraw", "--redraw"), ("lock", "--lock"),
                   ("code_layout", "--code-layout"), ("object_type", "--object-type"),
                   ("from_buildings", "--from-buildings"), ("floors_col", "--floors-col"),
                   ("building_id_col", "--building-id-col"),
                   ("household_points", "--household-points"))


def refuse_drawing_options(args: argparse.Namespace) -> None:
    """``spatial grids --evaluate`` given options of drawing or redrawing (``--code-layout db11``,
    ``--lock FILE`` ...): refused in one line naming them, where they were ignored without a word
    (an evaluation scores the plan as it is, and numbers no grid)."""
    from spatial.core.errors import SpatialError

    given = [flag + ("" if value is True else f" {value}") for attr, flag in DRAWING_OPTIONS
             if (value := getattr(args, attr, None)) not in (None, False)]
    if not given:
        return
    drop = f"drop {'it' if len(given) == 1 else 'them'}"
    if args.code_layout is not None or args.object_type is not None:
        layout = f"--code-layout {args.code_layout or 'cjt349'}" + (
            f" --object-type {args.object_type}" if args.object_type is not None else "")
        raise SpatialError(
            f"{', '.join(given)}: for drawing or redrawing grids, and --evaluate scores the plan as it is, numbering "
            f"no grid (the codes its grids carry are kept); {drop}, or to code the plan's grids so, redraw it: "
            f"spatial grids COMMUNITIES UNITS --existing PLAN --redraw {layout} --out OUT.gpkg (a plan in the band "
            "keeps every unit in its grid)")
    raise SpatialError(f"{', '.join(given)}: for drawing or redrawing grids, and --evaluate scores the plan as it is; "
                       f"{drop}")


def _write_kml(path: Path, grids, report, communities) -> None:
    """The KMZ of ``--kml``: the grids as written (with their 四至), described with their
    community's name and what the report says of each (说明)."""
    from spatial.maps.kmz import results_kmz

    results_kmz(path, {"grids": grids, "report": report, "communities": communities})


def _plan_grid_ids(args: argparse.Namespace, plan, layer: str):
    """``plan`` with its grid ids under ``grid_id``: the ``--grid-id-col`` column when given (checked),
    else unchanged (``grid_id``, 网格编号, 网格编码 ... are found by the plan's readers)."""
    if args.grid_id_col is None or args.grid_id_col == "grid_id":
        if args.grid_id_col is not None:
            column(args, plan, "grid_id", layer)  # must be there
        return plan
    found = column(args, plan, "grid_id", layer)
    return plan.drop(columns="grid_id", errors="ignore").assign(grid_id=plan[found])


def _check_blocks(args: argparse.Namespace, units, path) -> None:
    """``--blocks COLUMN`` must name a column of the units (one line naming it and the file)."""
    from spatial.core.errors import ColumnError

    if args.blocks is not None and args.blocks not in units.columns:
        have = ", ".join(str(c) for c in units.columns if c != units.geometry.name)
        raise ColumnError(f"--blocks: units '{path}' have no column '{args.blocks}' (columns: {have}); "
                          "name the column holding each unit's block id")



def _check_gated_col(args: argparse.Namespace, units, what: str, spec=None) -> None:
    """``--gated-col NAME`` that ``units`` lack: refused in one line, the same for drawing,
    redrawing and evaluating (``what``: the units as the planner knows them). ``spec``: the
    GeoPackage (or its layer) ``units`` were read from; when its ``units`` layer has the column
    (``--evaluate results.gpkg`` read the grids), the line names that layer to give."""
    from spatial.grids._inputs import require_gated_col

    if args.gated_col is not None and spec is not None and args.gated_col not in units.columns:
        from spatial.cli._common import split_spec
        from spatial.core.errors import ColumnError

        path, layer = split_spec(spec)
        if layer != "units" and "units" in _gpkg_layers(path):
            import pyogrio

            if args.gated_col in pyogrio.read_info(path, layer="units")["fields"]:
                raise ColumnError(f"--gated-col: the grids read from '{spec}' have no column '{args.gated_col}'; "
                                  f"its units layer has it: score the units with --evaluate {path}:units")
    require_gated_col(units, args.gated_col, what, "--gated-col")


def _gpkg_layers(path: Path) -> list[str]:
    """The data layers of the GeoPackage ``path`` (none for another file or none there)."""
    if path.suffix.lower() != ".gpkg" or not path.is_file():
        return []
    from spatial.io.layers import data_layers

    return data_layers(path)


def _recorded_gated(args: argparse.Namespace, units, spec, whose: str) -> None:
    """``--gated-col`` not given: the estate (小区) column the grids of ``spec``'s file were drawn
    with (``spatial grids --gated-col``, a project's ``[grids] gated_col``: the file records it),
    when it records one and ``units`` have it, said (``whose``: those grids, as the planner knows
    them). Before, an editor page, an evaluation or a redraw of grids drawn with ``--gated-col
    小区名称`` knew no estate: the page moved none whole and flagged none a plan split, the
    evaluation named none, and the redraw cut them."""
    from spatial.cli._common import say, split_spec
    from spatial.grids.plan import recorded_gated

    if args.gated_col is not None or spec is None:
        return
    name = recorded_gated(split_spec(spec)[0])
    if name is not None and name in units.columns:
        args.gated_col = name
        say(args, f"gated estates (小区) from column {name}, kept whole as {whose} were drawn (--gated-col to change)")
