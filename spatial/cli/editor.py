"""``spatial editor PLAN --out FILE.html``: the offline grid editor page (网格在线调整) for a plan."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import (
    LAYER_SUFFIXES,
    NETWORK_SUFFIXES,
    TABLE_SUFFIXES,
    add_column_options,
    as_contract,
    check_inputs,
    check_output,
    non_negative,
    column,
    positive,
    read_from,
    read_grid_input,
    say,
    source,
    split_spec,
)
from spatial.cli.grids import _street_gap
from spatial.core._words import counted


def add_parser(sub) -> None:
    p = sub.add_parser(
        "editor",
        help="write an offline page to redraw grids by hand with live totals (网格在线调整)",
        description="PLAN is the output of 'spatial grids' / 'spatial run' (its 'units' layer is used) or any "
        "layer of unit polygons with unit_id, grid_id and households; a CSV plan (unit_id,grid_id, e.g. "
        "exported by the editor) or the grids' outlines (a 网格边界 shapefile or KML) needs --units. Open the page in a browser: pick a grid, click or lasso "
        "units into it, export the plan as CSV; score it with 'spatial grids COMMUNITIES UNITS "
        "--existing PLAN.csv --evaluate'.",
    )
    p.add_argument("plan", type=Path, metavar="PLAN",
                   help="units with grid_id (FILE or FILE.gpkg:layer), or a CSV plan, or the grids' outlines")
    p.add_argument("--units", type=Path, default=None,
                   help="unit polygons, when PLAN is a CSV/XLSX table or the grids' outlines (a 网格边界 "
                        "shapefile, a KML: each unit to the grid covering most of it)")
    p.add_argument("--communities", type=Path, default=None,
                   help="community polygons drawn as outlines (default: PLAN's 'communities' layer, if any)")
    p.add_argument("--roads", type=Path, default=None,
                   help="streets drawn as context: a line layer or a network file (.graphml, .osm, .osm.pbf)")
    p.add_argument("--out", type=Path, required=True, help="HTML file to write")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the page (default: zh)")
    p.add_argument("--min", dest="min_households", type=non_negative, default=None, metavar="HH",
                   help="band floor (default: the band PLAN's grids, or with --units the units file's grids, "
                        "were drawn for, as spatial grids and spatial run record it, else 300)")
    p.add_argument("--max", dest="max_households", type=positive, default=None, metavar="HH",
                   help="band ceiling (default: PLAN's recorded band, else 500)")
    p.add_argument("--max-deviation", type=float, default=None, metavar="PCT", dest="max_deviation",
                   help="flag grids further than PCT (1-100) from their community's mean grid (every grid "
                        "shows its deviation either way)")
    p.add_argument("--street-gap-m", type=_street_gap, default=30.0, metavar="M",
                   help="units facing each other across a gap up to M wide are neighbours when the page "
                        "checks contiguity, as in 'spatial grids --street-gap-m' (default 30)")
    p.add_argument("--gated-col", default=None, help="units sharing a label here move together (default: gated/estate)")
    p.add_argument("--locked-col", default=None, help="boolean column of units that cannot move (default: locked)")
    p.add_argument("--title", default=None, help="heading of the page")
    p.add_argument("--credit", action="append", default=[], metavar="TEXT",
                   help="a source of the plan's data, in the page's credit line (repeat for several)")
    add_column_options(p, "unit_id", "grid_id", "households", "population", "buildings", "community_id")
    p.set_defaults(func=run)


def _layers_of(path: Path) -> list[str]:
    from spatial.cli._gridchecks import _gpkg_layers

    return [] if ".gpkg:" in str(path) else _gpkg_layers(path)


def _band(args: argparse.Namespace) -> None:
    """Fill in ``--min``/``--max`` not given: the band PLAN's grids (with ``--units``, the units
    file's grids) were drawn for when the file records it (``spatial grids`` and ``spatial run``
    do), else 300-500; and ``--max-deviation`` not given: the rule near the mean they were drawn
    to, when the file records one. Said when taken from a file."""
    from spatial.grids.plan import recorded_band, recorded_rule

    given = args.min_households, args.max_households
    # a table PLAN (the page's exported CSV) records no band: the grids of the --units file do
    # (before, a plan drawn for 200-400 came back on a 300-500 page without a word)
    whose = "PLAN's grids" if args.units is None else "the grids of --units"
    drawn = split_spec(args.plan if args.units is None else args.units)[0]
    recorded = recorded_band(drawn) if None in given else None
    lo, hi = recorded if recorded is not None else (300.0, 500.0)
    args.min_households = lo if given[0] is None else given[0]
    args.max_households = hi if given[1] is None else given[1]
    if recorded is not None:
        say(args, f"band {args.min_households:g}-{args.max_households:g} households"
                  + (f", as {whose} were drawn" if given == (None, None) else
                     f" ({whose} were drawn for {lo:g}-{hi:g})"))
    # the rule near the mean the grids were drawn to (spatial grids --grids N, balance "equal"):
    # the page flags the grids off it, as the report and the summary line name them
    rule = recorded_rule(drawn) if args.max_deviation is None else None
    if rule is not None:
        args.max_deviation = rule
        say(args, f"grids further than {rule:g}% from their community's mean grid flagged, as {whose} were drawn "
                  "(--max-deviation to change)")


def _warn_band(args: argparse.Namespace) -> None:
    """Warn when PLAN's own grids (``spatial grids`` writes each one's band_status) were drawn for
    another band than the one the page checks: a plan drawn for 200-400 opened with the default
    300-500 showed 115 of its 211 grids, all in their band, as under it. The grids of a run's
    shapefile folder are its ``grids.shp`` beside ``units.shp`` (a shapefile records no band)."""
    import logging

    import numpy as np
    import pandas as pd
    import pyogrio

    from spatial.grids.plan import grids_beside

    beside = grids_beside(split_spec(args.plan)[0])
    if beside is not None:
        from spatial.io.layers import read_layer

        grids = pd.DataFrame(read_layer(beside, name="grids"))  # band_statu read as band_status
    elif "grids" in _layers_of(args.plan):
        grids = pyogrio.read_dataframe(args.plan, layer="grids", read_geometry=False)
    else:
        return
    if not {"band_status", "households"} <= set(grids.columns):
        return
    hh = pd.to_numeric(grids["households"], errors="coerce").to_numpy(dtype=float)
    lo, hi = args.min_households, args.max_households
    here = np.where(hh < lo, "under", np.where(hh > hi, "over", "in"))
    own = grids["band_status"].astype(str).to_numpy()
    differ = int((here != own).sum())
    if differ and set(own) <= {"under", "in", "over"}:
        logging.getLogger(__name__).warning(
            "%d of the %d grids of '%s' are under, in or over %g-%g households here but not as drawn (their "
            "band_status): the plan was drawn for another band; give it with --min and --max", differ, len(grids),
            source(args.plan), lo, hi)


def _plan_locks(args: argparse.Namespace, units, uid: str):
    """The units with the ``locked`` column of a table PLAN (the page's exported CSV keeps its
    locks there, as ``spatial grids --existing`` reads them), unless ``--locked-col`` names another."""
    path, sheet = split_spec(args.plan)
    if args.locked_col is not None or path.suffix.lower() not in TABLE_SUFFIXES:
        return units
    import numpy as np
    import pandas as pd

    from spatial.cli._common import read_input
    from spatial.cli.grids import _quiet_zeros
    from spatial.core.checks import yes_no
    from spatial.grids.plan import plan_labels

    table = read_input(args.plan, "units", "plan")
    if "locked" not in table.columns:
        return units
    with _quiet_zeros():  # said once already, when the grids were read
        locks = plan_labels(table, units, unit_id_col=uid, grid_id_col="locked", name=f"'{path.name}'", named=True)
    kept = units["locked"] if "locked" in units.columns else None
    units = units.assign(locked=np.asarray(yes_no(pd.Series(locks.to_numpy(), index=units.index)), dtype=bool))
    say(args, f"locks from PLAN's locked column: {int(units['locked'].sum())} of {counted(len(units), 'unit')}"
              + (" (in place of the units' own locked column)" if kept is not None else ""))
    return units


def _grid_column(args: argparse.Namespace, units, uid: str) -> str:
    """The units' grid id column: ``--grid-id-col``, ``grid_id`` or a common name (网格编号 ...),
    never their own id column."""
    from spatial.core.errors import ColumnError
    from spatial.io.columns import find_column

    found = find_column(units, "grid_id", given=args.grid_id_col, layer="plan", required=False)
    if found is None or found == uid:
        have = ", ".join(str(c) for c in units.columns if c != units.geometry.name)
        raise ColumnError(f"PLAN '{args.plan}' has no grid id column (it has: {have}); name it with "
                          "--grid-id-col, or give a table or the grids' outlines as PLAN and the units with --units")
    return column(args, units, "grid_id", "plan")


def _units_community(args: argparse.Namespace, units, uid: str, gid: str, communities_col: str | None) -> str | None:
    """The units' community id column: ``--community-id-col``, the communities' id column name,
    ``community_id`` or 社区编号/社区代码/社区编码; None when the units have none."""
    from spatial.core.errors import ColumnError

    given = args.community_id_col
    if given is not None and given not in units.columns and communities_col is None:
        have = ", ".join(str(c) for c in units.columns if c != units.geometry.name)
        raise ColumnError(f"'{args.units or args.plan}' has no column {given!r} (given as --community-id-col); "
                          f"it has: {have}")
    for c in (given, communities_col, "community_id", "社区编号", "社区代码", "社区编码"):
        if c is not None and c in units.columns and c not in (uid, gid):
            if c not in (given, "community_id"):
                say(args, f"units: using column {c} as community_id")
            return c
    return None


def _community_of_grids(args: argparse.Namespace, units, drawn_grid) -> str | None:
    """For units carrying no community column (``spatial grids`` writes the units it placed itself
    so), each unit's community from the grids layer of the file its grids were drawn in (PLAN, or
    the ``--units`` file): the community of its grid there. The page measures each grid's
    deviation from its community's mean grid, as that grids layer does; without this it measured
    all 158 demo grids from one mean of the whole plan (C01-01 -16.6% on the page, -13.8% in
    grids.csv). Returns the column added ("community_id"), or None."""
    import pandas as pd
    import pyogrio

    drawn = split_spec(args.plan if args.units is None else args.units)[0]
    if "grids" not in _layers_of(drawn):
        return None
    grids = pyogrio.read_dataframe(drawn, layer="grids", read_geometry=False)
    if not {"grid_id", "community_id"} <= set(grids.columns) or grids["grid_id"].duplicated().any():
        return None
    from spatial.core.checks import label_text

    of = dict(zip(grids["grid_id"].map(label_text), grids["community_id"]))
    units["community_id"] = [None if pd.isna(g) else of.get(label_text(g)) for g in drawn_grid]
    say(args, f"units: each in the community of its grid in the grids layer of '{drawn.name}' (they carry no "
              "community column)")
    return "community_id"


def run(args: argparse.Namespace) -> int:
    from spatial.core.checks import check_households, require_unique
    from spatial.core.errors import ColumnError
    from spatial.grids.plan import read_plan
    from spatial.maps.editor import save_grid_editor

    _band(args)
    if args.min_households > args.max_households:
        raise ColumnError(f"--min {args.min_households:g} is above --max {args.max_households:g}")
    if args.max_deviation is not None:
        from spatial.grids._objective import check_max_deviation

        check_max_deviation(args.max_deviation, "--max-deviation")
    inputs = {"PLAN": args.plan, "--units": args.units, "--communities": args.communities, "--roads": args.roads}
    check_inputs(inputs, suffixes={"--roads": LAYER_SUFFIXES + NETWORK_SUFFIXES})
    check_output(args.out, inputs=inputs, suffixes=(".html", ".htm"))
    if split_spec(args.plan)[0].suffix.lower() in TABLE_SUFFIXES and args.units is None:
        raise ColumnError(f"'{args.plan}' is a table; give the units (polygons, or points with --communities) "
                          "with --units UNITS")
    if args.units is not None:  # a table of units' grids, or the grids' outlines
        units = read_grid_input(args.units, "units", "units", points=True)  # a table too, as spatial grids reads it
        uid = column(args, units, "unit_id", "units")
        drawn_grid = units["grid_id"] if "grid_id" in units.columns else None  # as the --units file's grids hold them
        path, sheet = split_spec(args.plan)
        grids = read_plan(path, units, unit_id_col=uid, grid_id_col=args.grid_id_col or "grid_id", layer=sheet,
                          named=args.grid_id_col is not None)
        units = units.drop(columns="grid_id", errors="ignore").assign(grid_id=grids.to_numpy())
        gid = "grid_id"
        units = _plan_locks(args, units, uid)
    else:
        units = read_grid_input(args.plan, "units", "plan")
        uid = column(args, units, "unit_id", "plan")
        gid = _grid_column(args, units, uid)
        drawn_grid = units[gid]
    hh = column(args, units, "households", "units" if args.units is not None else "plan")
    pop = column(args, units, "population", "units" if args.units is not None else "plan", required=False)
    # 楼栋数, for each grid's 楼栋长 as spatial grids finds and counts them
    bld = column(args, units, "buildings", "units" if args.units is not None else "plan", required=False)
    named = source(args.units if args.units is not None else args.plan)  # the file, in messages
    read_from(args, units=named)
    require_unique(units, uid, named)
    check_households(units, hh, named, id_col=uid)
    communities = None
    if args.communities is not None:
        communities = read_grid_input(args.communities, "communities", "communities", points=True)
    elif "communities" in _layers_of(args.plan):
        communities = read_grid_input(Path(f"{args.plan}:communities"), "communities", "communities")
    if args.communities is not None:
        read_from(args, communities=source(args.communities))
    found = None
    if communities is not None:  # 社区编号 ... as community_id, which the page and the points' cells read
        found = column(args, communities, "community_id", "communities", required=False)
        communities = as_contract(communities, found, "community_id")
    # the units' community, which each grid's deviation is measured in: under the communities' name
    # for it or a 社区 name (社区编号 ...), never a bare 编号/code (a unit's own id)
    ucol = _units_community(args, units, uid, gid, found)
    if ucol is None and drawn_grid is not None:
        ucol = _community_of_grids(args, units, drawn_grid)
    units = as_contract(units, ucol, "community_id")
    if args.units is None:
        _warn_band(args)
    from spatial.cli._gridchecks import _recorded_gated

    _recorded_gated(args, units, args.plan if args.units is None else args.units,
                    "PLAN's grids" if args.units is None else "the grids of --units")
    from spatial.cli._roads import _read_roads

    # the streets as spatial grids --roads and spatial run's page read them: every road class
    roads = _read_roads(args.roads)
    import pandas as pd

    from spatial.grids.plan import names_beside

    # the names the plan had and has no longer (its results file's grids, those it retired): a
    # new grid takes none of them, as a redraw (PLAN's file, and the file of --units)
    had = {n for spec in (args.plan, args.units) if spec is not None for n in names_beside(*split_spec(spec))}
    retired = sorted(had - {str(g).strip() for g in units[gid] if isinstance(g, str) or pd.notna(g)})
    path = save_grid_editor(units, args.out, communities, roads=roads, lang=args.lang, title=args.title,
                            credits=args.credit, retired=retired,
                            unit_id_col=uid, grid_id_col=gid, households_col=hh, population_col=pop, buildings_col=bld,
                            gated_col=args.gated_col,
                            locked_col=args.locked_col, min_households=args.min_households,
                            max_households=args.max_households, max_deviation_pct=args.max_deviation,
                            street_gap_m=args.street_gap_m)
    n_grids = units[gid].nunique()
    say(args, f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB; {counted(len(units), 'unit')} in "
              f"{counted(n_grids, 'grid')})")
    return 0
