"""``spatial grids``: draw, redraw or evaluate community grids (网格)."""

from __future__ import annotations

import argparse
import contextlib
import logging
from pathlib import Path

from spatial.cli._common import (
    add_column_options,
    as_contract,
    column,
    non_negative,
    non_negative_int,
    positive,
    positive_int,
    read_from,
    read_input,
    require_households,
    say,
    source,
    split_spec,
)
from spatial.cli._buildings import _units_from_buildings
from spatial.cli._gridchecks import (_check, _check_blocks, _check_gated_col, _plan_grid_ids, _recorded_gated,
                                     _write_kml)
from spatial.cli._roads import _four_bounds, _read_roads, _uncoded


def add_parser(sub) -> None:
    p = sub.add_parser(
        "grids",
        help="draw, redraw or evaluate community grids (网格划分) of 300-500 households",
        description="Draw grids:     spatial grids COMMUNITIES UNITS --out OUT.gpkg [--min 300 --max 500 | --grids N]\n"
        "Redraw a plan:  spatial grids COMMUNITIES UNITS --out OUT.gpkg --existing PLAN [--lock FILE]\n"
        "Evaluate:       spatial grids --evaluate PLAN [COMMUNITIES] [--out SCORES.gpkg]\n"
        "Evaluate a table plan (e.g. exported by 'spatial editor'):\n"
        "                spatial grids COMMUNITIES UNITS --existing PLAN.csv --evaluate [--out SCORES.gpkg]\n"
        "A FILE may name a GeoPackage layer as FILE.gpkg:layer (a KML folder as FILE.kml:folder).\n"
        "Writes layers grids, units, report (+ moves when redrawing; grid_scores and summary when evaluating).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", metavar="LAYER",
                   help="COMMUNITIES UNITS (draw/redraw) or [COMMUNITIES] (with --evaluate)")
    p.add_argument("--out", type=Path, default=None, help="output GeoPackage")
    p.add_argument("--kml", type=Path, default=None, metavar="FILE.kmz",
                   help="also write the grids as a KMZ (or .kml) for 奥维互动地图 or Google Earth on a phone")
    band = p.add_mutually_exclusive_group()
    band.add_argument("--grids", dest="n_grids", type=positive_int, default=None, metavar="N",
                      help="total number of grids instead of a band")
    band.add_argument("--min", dest="min_households", type=non_negative, default=None, metavar="HH",
                      help="fewest households per grid (default 300; a redraw or an evaluation: the band the "
                           "grids of UNITS or PLAN were drawn for, as spatial grids records it)")
    p.add_argument("--max", dest="max_households", type=positive, default=None, metavar="HH",
                   help="most households per grid (default 500, or as --min)")
    p.add_argument("--balance", choices=("band", "equal"), default=None,
                   help="band: any size in the band, borders on streets and compact grids first (default "
                        "without --grids); equal: grids as near the mean size as the units allow (default "
                        "with --grids)")
    p.add_argument("--existing", type=Path, default=None, metavar="PLAN",
                   help="existing plan to redraw: a table of unit_id, grid_id[, locked], or the old grids' "
                        "outlines (polygons with a grid id or name; each unit to the grid covering most of it)")
    p.add_argument("--redraw", action="store_true", help="redraw the plan in --existing (or the units' grid_id)")
    p.add_argument("--lock", type=Path, default=None, metavar="FILE", help="table or layer of unit_id that must not move (or of grid_id: every unit of those "
                   "grids keeps its grid)")
    p.add_argument("--roads", type=Path, default=None, metavar="ROADS", help="road lines; grid borders follow them where possible")
    p.add_argument("--blocks", default=None, metavar="COLUMN",
                   help="units' block (街坊) id column: edges between blocks are streets (without --roads, "
                        "street gaps between units are streets anyway)")
    p.add_argument("--street-gap-m", type=_street_gap, default=None, metavar="M",
                   help="widest gap between units read as a street they face each other across (default 30 m); "
                        "units across a wider gap (an arterial, a river) are not neighbours, so no grid crosses it "
                        "(polygon units only: point units' cells tile their community, leaving no gaps)")
    p.add_argument("--evaluate", type=Path, nargs="?", const=Path(), default=None, metavar="PLAN",
                   help="score grids (or units with grid_id) without changing them; with --existing PLAN "
                        "and COMMUNITIES UNITS, score that plan of the units")
    p.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    p.add_argument("--restarts", type=non_negative_int, default=None, metavar="N",
                   help="with equal grids: draw each community from N more seeds and keep the best plan "
                        "(default: up to 19 when the communities hold up to 5,000 units in all, fewer as they grow; "
                        "0: one run; at most 99)")
    p.add_argument("--max-deviation", type=float, default=None, metavar="PCT", dest="max_deviation",
                   help="with equal grids: how far from its community's mean grid a grid may be, in percent "
                        "(1-100, default 5), where that buys a rounder grid or a border on a street; with a "
                        "redraw: also bring every grid within PCT of its community's mean grid, moving as few "
                        "units as it can (default: only the band); with --evaluate: count and name the grids "
                        "beyond it")
    p.add_argument("--code-layout", choices=("cjt349", "db11", "stats12"), default=None,
                   help="grid codes (网格编码): CJ/T 349's 20 digits (default), Beijing's DB11/T 15 or the "
                        "statistical 12+3 (docs/grid-codes.md)")
    p.add_argument("--object-type", default=None, metavar="DIGITS",
                   help="with --code-layout cjt349: the 6-digit object type in front of each code (default 000000)")
    p.add_argument("--from-buildings", action="store_true",
                   help="UNITS are building footprints or points: build units first (street blocks cut by "
                        "--roads, enclosed tessellation around the buildings)")
    p.add_argument("--floors-col", default=None, help="with --from-buildings: floors column (floor area = footprint x floors)")
    p.add_argument("--building-id-col", default=None, metavar="NAME",
                   help="with --from-buildings: the buildings' id column naming them in the report (default: the "
                        "first of building_id, 楼栋编号, 楼栋号, 楼号, 栋号, 建筑编号, osm_id, osmid, id, unit_id, 单元编号, "
                        "编号, name, 名称 whose values repeat nowhere), as '楼号 12栋 (fid 40)'")
    p.add_argument("--household-points", type=Path, default=None, metavar="FILE",
                   help="household points (one per household, or with a households column): form 十联户 "
                        "groups of about 10 under each grid (layers household_groups, household_points)")
    p.add_argument("--gated-col", default=None, metavar="NAME",
                   help="units' gated estate (小区) column: units sharing an id in it are never cut, and an "
                        "evaluated plan cutting one is named (default: gated, else estate; as 'spatial editor "
                        "--gated-col' takes it)")
    add_column_options(p, "unit_id", "community_id", "households", "population", "buildings", "grid_id")
    p.set_defaults(func=_cmd_grids)


def _validated(args: argparse.Namespace, units, communities) -> tuple:
    """The units' and communities' columns under the names the files give them, and both layers
    checked once (ids, households, geometry types, CRS) before the search; returns
    ``(units, communities, column options, report rows)``."""
    import pandas as pd

    from spatial.core._ids import ids_of
    from spatial.core.checks import Report, check_households, require_unique
    from spatial.io.validate import MAX_UNIT_HOUSEHOLDS, validate_inputs

    # the files named in messages (units built from buildings are named by their ids, as built)
    named = "units" if args.from_buildings else source(args.inputs[1])
    read_from(args, communities=source(args.inputs[0]), **({} if args.from_buildings else {"units": named}))
    hh = column(args, units, "households", "units", swapped=None if args.from_buildings else (
        communities, source(args.inputs[0]), "spatial grids COMMUNITIES UNITS"))
    uid = column(args, units, "unit_id", "units")
    cid = column(args, communities, "community_id", "communities")
    pop = column(args, units, "population", "units", required=False) or "population"
    require_unique(communities, cid, source(args.inputs[0]))
    require_unique(units, uid, named)
    typed = Report()  # ids typed with spaces round them or in full-width characters, matched and said
    if cid in units.columns:  # 1 for '1' (a CSV's numbers, a GeoPackage's text), or for '01' (Excel): matched
        units = units.assign(**{cid: ids_of(units[cid], communities[cid].tolist(), named, cid,
                                            source(args.inputs[0]), report=typed,
                                            row_ids=units[uid] if uid in units.columns else units.index)})
    counts = check_households(units, hh, named, id_col=uid, max_value=MAX_UNIT_HOUSEHOLDS)
    if not args.from_buildings:  # (buildings' households may come from --household-points)
        require_households(counts, hh, named)
    layers, report = validate_inputs(communities=communities, units=units, households_col=hh,
                                     unit_id_col=uid, community_id_col=cid)
    counts = layers["units"][hh]
    if not pd.api.types.is_float_dtype(units[hh]) and (counts % 1 == 0).all():
        # whole counts (an integer column, or text such as 203户) are written back as integers
        layers["units"] = layers["units"].assign(**{hh: counts.astype("int64")})
    cols = dict(households_col=hh, unit_id_col=uid, community_id_col=cid, population_col=pop,  # 楼栋数: 楼栋长
                buildings_col=column(args, units, "buildings", "units", required=False) or "buildings")
    typed.extend(report)
    return layers["units"], layers["communities"], cols, typed.to_frame(zh_columns=True)


def _street_gap(text: str) -> float:
    """``--street-gap-m``: a width in metres above 0 and below 1,000 (an argparse type)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1000:
        raise argparse.ArgumentTypeError(f"expected a width in metres above 0 and below 1000, got {text!r}")
    return value


def _cmd_grids(args: argparse.Namespace) -> int:
    import pandas as pd

    from spatial.core._words import counted

    from spatial.core.checks import once_per_row, round_half_up
    from spatial.core.errors import SpatialError
    from spatial.grids.plan import band_metadata
    from spatial.io.layers import write_layers

    gap_given = args.street_gap_m is not None
    if not gap_given:
        args.street_gap_m = 30.0
    from spatial.cli._gridchecks import _band_of_plan

    _band_of_plan(args)
    # options of the equal-grid engine, checked before anything is read
    if args.restarts is not None:
        from spatial.grids._engine import RESTARTS_LIMIT

        if args.restarts > RESTARTS_LIMIT:
            raise SpatialError(f"--restarts {args.restarts}: at most {RESTARTS_LIMIT} (each restart takes as long as "
                               "one drawing; 5-20 is usually enough)")
    if args.max_deviation is not None:
        from spatial.grids._objective import check_max_deviation

        check_max_deviation(args.max_deviation, "--max-deviation")
    redraw = args.existing is not None or args.redraw
    for flag, given in (("--restarts", args.restarts), ("--max-deviation", args.max_deviation)):
        if given is None:
            continue
        if flag == "--restarts" and (args.evaluate is not None or redraw):
            raise SpatialError("--restarts is for drawing new grids (drop it: an evaluation changes nothing and "
                               "a redraw moves as few units as it can)")
        if redraw or args.evaluate is not None:
            continue  # a redraw brings grids within --max-deviation; an evaluation counts those beyond it
        if args.balance == "band" or (args.balance is None and args.n_grids is None):
            raise SpatialError(f"{flag} is for equal grids: add --balance equal (or give --grids N), or drop "
                               f"{flag}")
    if args.evaluate is not None:  # (options it would have no use for are refused, not ignored)
        from spatial.cli._gridchecks import refuse_drawing_options

        refuse_drawing_options(args)
    if args.evaluate is not None and args.existing is not None:
        from spatial.cli._grids_evaluate import _cmd_grids_evaluate_existing

        return _cmd_grids_evaluate_existing(args)
    if args.evaluate == Path():
        raise SpatialError("--evaluate needs a PLAN: --evaluate PLAN [COMMUNITIES], or COMMUNITIES UNITS "
                          "--existing PLAN --evaluate")
    if args.evaluate is not None:
        from spatial.cli._grids_evaluate import _cmd_grids_evaluate

        return _cmd_grids_evaluate(args)
    if len(args.inputs) != 2 or args.out is None:
        raise SpatialError("give COMMUNITIES UNITS and --out OUT.gpkg (or --evaluate PLAN [COMMUNITIES])")
    if args.balance is not None and (args.existing is not None or args.redraw):
        raise SpatialError("--balance is for drawing new grids; a redraw keeps the plan's grids and moves as "
                           "few units as it can (drop --balance)")
    if args.lock is not None and args.existing is None and not args.redraw:
        raise SpatialError("--lock needs --existing PLAN (locked units keep their grid in the plan)")
    if getattr(args, "building_id_col", None) is not None and not args.from_buildings:
        raise SpatialError(f"--building-id-col {args.building_id_col} names the buildings of --from-buildings in the "
                           "report; add --from-buildings, or drop --building-id-col")
    if args.floors_col is not None and not args.from_buildings:
        raise SpatialError(f"--floors-col {args.floors_col} is for --from-buildings (the units built get floor_area_m2, "
                           "footprint x floors); add --from-buildings, or drop --floors-col")
    if args.object_type is not None and args.code_layout not in (None, "cjt349"):
        raise SpatialError(f"--object-type {args.object_type} is the front of CJ/T 349's 20-digit codes, and "
                           f"--code-layout {args.code_layout}'s codes have none; drop --object-type, or give "
                           "--code-layout cjt349")
    _check(args, {"COMMUNITIES": args.inputs[0], "UNITS": args.inputs[1], "--roads": args.roads,
                  "--existing": args.existing, "--lock": args.lock, "--household-points": args.household_points})
    communities = read_input(args.inputs[0], "communities", "communities", points=True)  # a WKT table too
    # (buildings named as such in a missing CRS's line; a GeoPackage's buildings layer found by name)
    units = (read_input(args.inputs[1], ("buildings", "units"), "buildings", points=True) if args.from_buildings
             else read_input(args.inputs[1], "units", "units", points=True))
    # the estates the grids of a results file were drawn with: the units' file, or the plan redrawn
    for spec in (args.inputs[1], args.existing):
        _recorded_gated(args, units, spec, f"the grids of '{split_spec(spec)[0].name}'" if spec else "")
    _check_gated_col(args, units, f"the units in '{source(args.inputs[1])}'")  # (buildings pass it to their units)
    roads = _read_roads(args.roads)
    points = count_col = point_id = None
    if args.household_points is not None:  # read and checked before the grids are drawn
        from spatial.core.checks import check_households
        from spatial.grids.workforce import check_points
        from spatial.io.columns import find_column

        points = read_input(args.household_points, "households", "household points", points=True)
        count_col = column(args, points, "households", "household points", required=False)
        # the points named by their building's number (楼号), else an id column, else row numbers
        point_id = next((c for c in ("楼号", "楼栋号") if c in points.columns), None) or find_column(
            points, "unit_id", layer="household points", required=False)
        if count_col is not None:
            check_households(points, count_col, source(args.household_points), id_col=point_id)
        check_points(points, source(args.household_points), point_id)
    built = None
    if args.from_buildings:
        units, built = _units_from_buildings(args, units, communities, roads)
    _check_blocks(args, units, args.inputs[1])
    units, communities, cols, checked = _validated(args, units, communities)
    if args.gated_col is not None:  # (a column named but missing is refused, naming the columns there are)
        cols = {**cols, "gated_col": args.gated_col}
    if gap_given and len(units) and (units.geometry.geom_type.isin(["Point", "MultiPoint"])).all():
        logging.getLogger(__name__).warning(
            "--street-gap-m %g has no effect: the units in %s are points, whose cells tile their community "
            "with no gaps between them; give polygon units (or --blocks COLUMN, --roads) to mark streets",
            args.street_gap_m, args.inputs[1])
    if built is not None:  # buildings left out of the units, or counted in another's, with their reason
        checked = pd.concat([built.to_frame(zh_columns=True), checked], ignore_index=True)
    opts = dict(min_households=args.min_households, max_households=args.max_households, roads=roads,
                blocks=args.blocks, seed=args.seed, street_gap_m=args.street_gap_m, check_overlaps=False,
                code_layout=args.code_layout or "cjt349", object_type=args.object_type or "000000", **cols)
    retired: list = []  # grid names a redrawn plan had and has no longer
    if args.existing is not None or args.redraw:
        from spatial.grids.redraw import households_kept_pct, moved_and_new, redraw_grids

        uid = cols["unit_id_col"]
        plan = (read_input(args.existing, "units", "plan", tables=True) if args.existing
                else _units_plan(args, units, uid))
        if args.existing is not None:
            from spatial.grids.plan import named_plan, outlines_as_plan, plan_labels

            plan = _plan_grid_ids(args, plan, "plan")
            # the old grids' outlines (网格边界): each unit to the grid covering most of it
            plan, outline_report = outlines_as_plan(plan, units, unit_id_col=uid, name=f"'{args.existing.name}'")
            if outline_report is None and args.from_buildings:  # (ids of units numbered on each run)
                raise SpatialError(
                    f"--existing {args.existing.name} names units by id, and units built from buildings are numbered "
                    "anew on each run (one building more and the ids shift): redraw on the units the plan was made "
                    "for (that run's units layer as UNITS, without --from-buildings), or give that run's grids "
                    "layer (their outlines, e.g. results.gpkg:grids) as --existing")
            if outline_report is not None:
                checked = pd.concat([checked, outline_report.to_frame()], ignore_index=True)
                say(args, f"existing plan from {args.existing.name}'s outlines: "
                          f"{counted(int(plan['grid_id'].notna().sum()), 'unit')} in "
                          f"{counted(plan['grid_id'].nunique(), 'grid')}, each in the grid covering most of it "
                          f"({counted(len(outline_report.rows), 'report row')}: outside every outline or cut by one)")
            # 单元编号, 网格号 ... as the units' id column and grid_id
            plan = named_plan(plan, f"'{args.existing.name}'", unit_id_col=uid)
            # rows without an id and repeated units refused, as is a plan matching none of the units;
            # units removed or added since the plan are left out or placed by the redraw, which says so
            # (as it does of ids Excel stripped of their leading zeros: not said twice here)
            with _quiet_zeros():
                labels = plan_labels(plan, units, unit_id_col=uid, name=f"'{args.existing.name}'", redraw=True)
        else:
            labels = pd.Series(plan["grid_id"].to_numpy(), index=plan[uid].to_numpy())
        # a grid keeping its id keeps its code: the numbers of the results file the plan (or, for
        # an edited CSV, its units) comes from
        from spatial.grids.plan import numbers_beside

        from spatial.grids.plan import names_beside, retired_after, unrecorded

        before = []  # every grid name the plan has had (its results file's grids, and those it retired)
        for spec in ([args.existing] if args.existing is not None else []) + [args.inputs[1]]:
            plan = numbers_beside(plan, *split_spec(spec))
            before += names_beside(*split_spec(spec))
        locked = None
        if args.lock is not None:
            from spatial.grids._locks import lock_list

            table = read_input(args.lock, "units", "lock")
            locked, said = lock_list(
                table, labels, units[uid], plan, name=split_spec(args.lock)[0].name,
                find=lambda role, required, option=None: column(args, table, role, "lock", option=option,
                                                                required=required),
                built="redraw on the units the plan was made for (without --from-buildings)" if args.from_buildings
                else None)
            if said is not None:
                say(args, said)
        res = redraw_grids(units, communities, plan, locked=locked, max_deviation_pct=args.max_deviation,
                           retired=before, **opts)
        retired = retired_after([*before, *labels], res.grids["grid_id"])  # (recorded: never given again)
        layers = {"grids": _four_bounds(res.grids, roads, communities, cols), "units": res.units, "report": res.report,
                  "moves": res.moves}
        if args.existing is not None and (row := unrecorded(before, labels, res.grids["grid_id"],
                                                            args.existing.name)) is not None:
            layers["report"] = pd.concat([res.report, pd.DataFrame([dict(zip(
                ("layer", "row_id", "problem", "action", "problem_zh", "action_zh"), ("grids", *row[:3], *row[3])))])],
                ignore_index=True)
            logging.getLogger(__name__).warning("%s: %s; %s", row[1], row[0], row[2])
        moved, new = moved_and_new(res.moves)
        say(args, f"moved {moved} of {counted(len(units) - new, 'unit')}" + (f", placed {counted(new, 'new unit')}"
                                                                            if new else "")
            + f"; {households_kept_pct(res.grids, res.households_new):.1f}% of households keep their grid")
    else:
        from spatial.grids.partition import partition_grids

        res = partition_grids(units, communities, n_grids=args.n_grids, balance=args.balance,
                              restarts=args.restarts, max_deviation_pct=args.max_deviation, **opts)
        layers = {"grids": _four_bounds(res.grids, roads, communities, cols), "units": res.units, "report": res.report}
    if built is not None:  # a footprint in parts: the grids drawn holding its parts, where more than one
        from spatial.grids._footprints import grids_of_parts

        grid_of = dict(zip(res.units[cols["unit_id_col"]].astype(str), res.units["grid_id"]))
        for k, row in enumerate(built.rows):
            said = grids_of_parts(row["problem"], row.get("problem_zh"), row.get("ids"), grid_of)
            if said is not None:
                checked.loc[k, ["problem", "problem_zh"]] = said
    # with the validation's rows (overlapping units; a unit outside every community once) and grids without codes
    layers["report"] = once_per_row(pd.concat([checked, layers["report"], _uncoded(res.grids, communities, cols)],
                                              ignore_index=True))
    from spatial.grids._explain import band_fit_first

    layers["report"] = band_fit_first(layers["report"])  # a households column unfit for the band: said first
    if args.household_points is not None:
        from spatial.grids.workforce import grids_without_groups, ten_household_groups

        groups = ten_household_groups(points, res.units, households_col=count_col, unit_id_col=cols["unit_id_col"],
                                      name=source(args.household_points), id_col=point_id)
        layers.update({"household_groups": groups.groups, "household_points": groups.households})
        none = grids_without_groups(res.grids, groups.groups)  # (grids no point lies in: said)
        layers["report"] = pd.concat([layers["report"], groups.report, none], ignore_index=True)
        say(args, f"{counted(len(groups.groups), '十联户 group')}, {groups.groups['households'].median():.0f} "
                  "households in the median one (10 asked; a point carrying several households is never split)" + (
                      f"; {counted(len(none), 'grid with households has', 'grids with households have')} no household "
                      "points, so no groups" * bool(len(none))))
    g = res.grids
    counts = g["band_status"].value_counts()
    spread = ""
    pct = None  # the rule near the mean the grids were drawn to, if one was asked for
    redraw = args.existing is not None or args.redraw
    equal = args.balance == "equal" or (args.balance is None and args.n_grids is not None)
    if args.max_deviation is not None or (equal and not redraw):
        from spatial.grids._objective import MAX_DEVIATION_PCT

        pct = args.max_deviation if args.max_deviation is not None else MAX_DEVIATION_PCT
    if len(g):
        hh = g["households"].astype(float)
        dev = round_half_up(float(g["deviation_pct"].abs().max()), 1)  # to the tenth, as grids.csv gives it
        mean = (f"the mean {hh.mean():.0f}" if g["community_id"].nunique(dropna=False) == 1
                else "their community's mean grid")
        rule = ""
        if pct is not None:  # a rule was asked for: how many keep it
            from spatial.grids._explain import kept_rule

            rule = kept_rule(g, layers["report"], pct)
        spread = f"; households {hh.min():.0f}–{hh.max():.0f} (at most {dev:g}% from {mean}{rule})"
    say(args, f"{counted(len(g), 'grid')}: {counts.get('in', 0)} in band, {counts.get('under', 0)} under, "
              f"{counts.get('over', 0)} over{spread}; mean Polsby-Popper {g['polsby_popper'].mean():.2f}; "
              f"{counted(len(layers['report']), 'report row')}")
    from spatial.core.atomic import atomic_paths

    with atomic_paths([args.out, *([args.kml] if args.kml is not None else [])]) as tmps:  # both, or neither
        # the band the grids' band_status was judged against: the editor and the map check them against it
        from spatial.maps._gis_styles import qgis_styles

        write_layers(layers, tmps[0], fresh=True,
                     # (and the rule near the mean: the editor flags the grids off it, as the report does)
                     metadata={"grids": band_metadata(args.min_households, args.max_households, pct, retired,
                                                      args.gated_col)},
                     styles=qgis_styles(layers))  # QGIS opens the grids coloured as the web map
        if args.kml is not None:
            _write_kml(tmps[1], layers["grids"], layers["report"],
                       as_contract(communities, cols["community_id_col"], "community_id"))
    say(args, f"wrote {args.out} (layers {', '.join(layers)})")
    if args.kml is not None:
        say(args, f"wrote {args.kml} (the grids, for a phone's map app)")
    return 0


@contextlib.contextmanager
def _quiet_zeros():
    """Hold back the plan reader's warning about ids that lost their leading zeros (for a check
    whose matching the redraw repeats, warning itself)."""
    log = logging.getLogger("spatial.grids.plan")

    def keep(record: logging.LogRecord) -> bool:
        return "lost their leading zeros" not in str(record.msg)

    log.addFilter(keep)
    try:
        yield
    finally:
        log.removeFilter(keep)


def _units_plan(args: argparse.Namespace, units, uid: str):
    """``--redraw`` without ``--existing``: the plan the units carry, ``uid -> grid_id`` (their grid id
    column found under common names, or ``--grid-id-col``; never their own id column)."""
    import pandas as pd

    from spatial.core.errors import ColumnError
    from spatial.io.columns import find_column

    gid = find_column(units, "grid_id", given=args.grid_id_col, layer="units", required=False)
    if gid is None or gid == uid:
        have = ", ".join(str(c) for c in units.columns if c != units.geometry.name)
        raise ColumnError(f"--redraw: the units have no grid id column (it has: {have}); give the plan with "
                          "--existing PLAN, or name the units' grid id column with --grid-id-col")
    if gid != "grid_id" and args.grid_id_col is None:
        say(args, f"units: using column {gid} as grid_id")
    return pd.DataFrame({uid: units[uid].to_numpy(), "grid_id": units[gid].to_numpy()})
