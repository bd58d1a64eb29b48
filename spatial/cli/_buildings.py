"""Units built from buildings for ``spatial grids --from-buildings``: the buildings' columns found
(their ids, their households), the units built and the report rows said. Private to
:mod:`spatial.cli.grids`."""

from __future__ import annotations

import argparse

from spatial.cli._common import column, say, source, split_spec


def _units_from_buildings(args: argparse.Namespace, buildings, communities, roads):
    """Units built from ``buildings`` (roads: a line layer or a WalkNetwork) and the report rows
    on the buildings (left out, or counted in another's unit) as the grids' report table."""
    import pandas as pd

    from spatial.core._words import counted
    from spatial.core.checks import Report
    from spatial.grids._footprints import say_over_band
    from spatial.grids.tessellation import units_from_buildings
    from spatial.network.graph import WalkNetwork, edges_frame

    lines = edges_frame(roads) if isinstance(roads, WalkNetwork) else roads
    report = Report()
    # --unit-id-col names the buildings' own ids here (for the report rows); the units built get unit_id
    bid = _building_id(args, buildings)
    if bid is None:  # named as the planner finds them in the file (fid 12 in QGIS), not by a 0-based row
        from spatial.io._rownames import file_row_names

        path, layer = split_spec(args.inputs[1])
        buildings = buildings.set_axis(file_row_names(path, layer, len(buildings), wanted=("buildings", "units")))
        say(args, f"buildings: no id column; the report names them as {buildings.index[0]} ... (a GeoPackage's "
                  "fid, as QGIS shows it, else the row counting from 1)")
    units = units_from_buildings(buildings, communities, roads=lines,
                                 households_col=(hh_col := _building_households(args, buildings, communities)),
                                 community_id_col=column(args, communities, "community_id", "communities"),
                                 building_id_col=bid, floors_col=args.floors_col,
                                 gated_col=args.gated_col or "gated", report=report)
    names = units["building_index"] if bid is None else units["building_index"].map(
        pd.Series(buildings[bid].to_numpy(dtype=object), index=buildings.index))
    say_over_band(units, names, hh_col, getattr(args, "max_households", None), report, option="--max")
    args.unit_id_col = None
    say(args, f"built {counted(len(units), 'unit')} from {counted(len(buildings), 'building')} "
              f"({counted(len(report), 'report row')})")
    return units, report.to_frame(zh_columns=True)


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


#: The buildings' own id when no --unit-id-col is given and no unit id name is there: a survey's
#: 楼号, an OSM extract's osm_id (Geofabrik's buildings have osm_id and a type "code", 1500 in
#: every row, that the unit ids' names took for an id).
BUILDING_ID_NAMES = ("楼栋编号", "楼栋号", "楼号", "建筑编号", "building_id", "osm_id", "id")


def _building_id(args: argparse.Namespace, buildings) -> str | None:
    """The buildings' id column naming them in the report: ``--unit-id-col`` (refused when it
    repeats an id), else a unit id name or one of :data:`BUILDING_ID_NAMES` holding one id a
    row, else none (the report names their rows)."""
    from spatial.core.checks import require_unique
    from spatial.io.columns import find_column

    if args.unit_id_col is not None:
        bid = column(args, buildings, "unit_id", "buildings")
        require_unique(buildings, bid, source(args.inputs[1]))  # (the report names buildings by it)
        return bid
    found = [find_column(buildings, "unit_id", layer="buildings", required=False),
             *(c for c in BUILDING_ID_NAMES if c in buildings.columns)]
    for bid in dict.fromkeys(c for c in found if c is not None):
        values = buildings[bid]
        if values.notna().all() and not values.duplicated().any():
            say(args, f"buildings: using column {bid} as building id (the units built are numbered "
                      "<community_id>-0001 ...)")
            return bid
    return None

