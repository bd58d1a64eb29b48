"""Units built from buildings for ``spatial grids --from-buildings``: the buildings' columns found
(their ids, their households), the units built and the report rows said. Private to
:mod:`spatial.cli.grids`."""

from __future__ import annotations

import argparse

from spatial.cli._common import column, say, source, split_spec


def _units_from_buildings(args: argparse.Namespace, buildings, communities, roads):
    """Units built from ``buildings`` (roads: a line layer or a WalkNetwork) and the report on the
    buildings (left out, or counted in another's unit), its rows on footprints in parts with the
    ids of their units (the grids holding them are named once drawn)."""
    from spatial.core._words import counted
    from spatial.core.checks import Report
    from spatial.grids._footprints import say_over_band
    from spatial.grids.tessellation import units_from_buildings
    from spatial.network.graph import WalkNetwork, edges_frame

    lines = edges_frame(roads) if isinstance(roads, WalkNetwork) else roads
    report = Report()
    buildings = _named(args, buildings)
    units = units_from_buildings(buildings, communities, roads=lines,
                                 households_col=(hh_col := _building_households(args, buildings, communities)),
                                 community_id_col=column(args, communities, "community_id", "communities"),
                                 floors_col=args.floors_col,
                                 gated_col=args.gated_col or "gated", report=report)
    say_over_band(units, units["building_index"], hh_col, getattr(args, "max_households", None), report,
                  option="--max")
    args.unit_id_col = None
    say(args, f"built {counted(len(units), 'unit')} from {counted(len(buildings), 'building')} "
              f"({counted(len(report), 'report row')})")
    return units, report


def _building_households(args: argparse.Namespace, buildings, communities) -> str:
    """The buildings' households column; where they have none and the communities have totals,
    the message says how to share those out over the buildings (the CLI draws no totals itself)."""
    from spatial.core.errors import ColumnError
    from spatial.io.columns import find_column

    try:
        return column(args, buildings, "households", "buildings")
    except ColumnError as err:
        total = None if args.households_col else find_column(communities, "households", required=False)
        if total is None:
            raise
        raise ColumnError(f"{err}; {source(args.inputs[0])} has totals per community ({total}): share them out over "
                          "the buildings by floor area first (spatial.spread_by_floor_area(buildings, communities, "
                          f"total_col={total!r}) in Python) and give those buildings as UNITS") from None


def _named(args: argparse.Namespace, buildings):
    """``buildings`` indexed as the report names them: ``楼号 12栋 (fid 40)`` by their id column
    (``--building-id-col``, or ``--unit-id-col`` as before; else the first of the names looked for,
    the role ``building_id`` of :data:`spatial.io.columns.ROLES`) and their place in the file, as the planner finds
    the feature in QGIS (a GeoPackage's fid, else the row from 1); the units' ``building_index`` the same."""
    from spatial.io._rownames import building_id_column, building_names

    given, option = getattr(args, "building_id_col", None), "--building-id-col"
    if given is None and args.unit_id_col is not None:  # (the older spelling: the units built get unit_id)
        given, option = args.unit_id_col, "--unit-id-col"
    path, layer = split_spec(args.inputs[1])
    bid = building_id_column(buildings, given, layer=source(args.inputs[1]), option=option)
    buildings = buildings.set_axis(building_names(buildings, path, layer, bid, wanted=("buildings", "units")))
    if len(buildings):
        how = f"using column {bid} as building id" if bid is not None else "no id column"
        say(args, f"buildings: {how}; the report names them as {buildings.index[0]} ... (a GeoPackage's fid, as QGIS "
                  "shows it, else the row counting from 1; the units built are numbered <community_id>-0001 ...)")
    return buildings
