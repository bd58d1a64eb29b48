"""``spatial coverage``: walks from every home to its station, service areas and gaps."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from spatial.cli._common import (
    LAYER_SUFFIXES,
    NETWORK_SUFFIXES,
    OneDem,
    add_column_options,
    add_walk_options,
    as_contract,
    check_inputs,
    check_output,
    check_walk_options,
    column,
    coord_sys,
    non_negative,
    number_list,
    positive,
    read_from,
    read_input,
    read_walk_layers,
    repaired_units,
    renamed,
    require_households,
    say,
    source,
    split_spec,
    walk_report,
)
from spatial.core._words import counted


logger = logging.getLogger(__name__)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "coverage",
        help="walking distance from every unit to its nearest station (15分钟服务圈)",
        description="Snap units and stations to the walking network, route from all stations, and "
        "write the demand, stations, isochrones, gaps and report layers (and the --communities, which "
        "spatial map names in its coverage table) plus OUT_summary.csv, OUT_station_load.csv, "
        "OUT_fca_by_community.csv (when the stations have a floor area) and OUT_summary.xlsx (for Excel, with "
        "the report's data problems on its own sheet, as spatial run's workbook). "
        "A FILE may name a GeoPackage layer as FILE.gpkg:layer (a KML folder as FILE.kml:folder).",
    )
    p.add_argument("network", type=Path, help=".graphml, .osm, .osm.pbf or a road line layer")
    p.add_argument("stations", type=Path, help="stations: .gpkg/.geojson/.shp layer or .csv/.xlsx table")
    p.add_argument("demand", type=Path, help="units (points or polygons) with households")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage")
    p.add_argument("--kml", type=Path, default=None, metavar="FILE.kmz",
                   help="also write the stations and gaps as a KMZ (or .kml) for 奥维互动地图 or Google Earth on a phone")
    bands = p.add_mutually_exclusive_group()
    bands.add_argument("--minutes", type=number_list, default=None, help="time bands, e.g. 5,10,15 (default)")
    bands.add_argument("--meters", type=number_list, default=None, help="distance bands, e.g. 300,500,1000")
    p.add_argument("--speed-kmh", type=positive, default=4.0,
                   help="walking speed (default 4.0 = GB 50180-2018's 1,000 m in 15 min; elderly 3.0)")
    for layer in ("stations", "demand", "communities", "grids"):
        p.add_argument(f"--{layer}-coord-sys", type=coord_sys, default="wgs84", metavar="SYS",
                       help=f"what the {layer} layer's longitude/latitude numbers are: wgs84 (default), "
                            "gcj02 (Amap/Tencent pick-ups) or bd09 (Baidu); moved to WGS-84 on reading")
    p.add_argument("--max-walk-m", type=positive, default=None,
                   help="stop the search at this walk (m), at least the largest band: faster on big networks, "
                        "same bands and gaps; units farther have walk_m inf, no nearest_station and count in no "
                        "station's load (default: search every walk to its end)")
    p.add_argument("--grids", type=Path, default=None,
                   help="grid polygons with a grid id (grid_id, 网格编号 ...; or give --grid-id-col)")
    p.add_argument("--communities", type=Path, default=None,
                   help="community polygons with a community id (community_id, 社区编号 ...; or give "
                        "--community-id-col)")
    p.add_argument("--gap-band", default=None, help="band whose gaps to map (default: the largest)")
    p.add_argument("--no-isochrones", action="store_true",
                   help="skip the service-area polygons (layer isochrones); walks and gaps are unchanged")
    p.add_argument("--dem", type=Path, default=None, action=OneDem,
                   help="GeoTIFF DEM (any CRS), or a .graphml with node elevations: walks take Tobler's "
                        "time from home to station, uphill slower, steps slower (default: flat ground)")
    p.add_argument("--keep-private", action="store_true",
                   help="walk the lanes of gated estates an OSM network tags access=private|no, foot=private or "
                        "service=private (dropped by default, as osmnx: nobody cuts through an estate, but homes "
                        "inside may then lie far from any path); foot=no stays dropped")
    p.add_argument("--keep", choices=("largest", "stations", "all"), default="largest",
                   help="which connected parts of the network to keep: the largest (default), every part that "
                        "holds a station, or all; homes on a part without a station are unreachable")
    add_walk_options(p)  # as spatial site takes them: the same walks
    load = p.add_argument_group("station load")
    load.add_argument("--station-area-col", default=None, metavar="NAME",
                      help="stations' floor area column, m² (default floor_area_m2, 建筑面积, 面积 ...; left out "
                           "when the stations have none; a column given here must be there)")
    load.add_argument("--min-m2-per-100hh", type=non_negative, default=30.0,
                      help="floor area standard per 100 households served (default 30, 完整社区)")
    add_column_options(p, "station_id", "unit_id", "households", "population", "name", "community_id",
                       "grid_id")
    p.set_defaults(func=_cmd_coverage)


def _check(args: argparse.Namespace) -> dict:
    """Paths and options, before anything is read; returns the inputs by name."""
    from spatial.coverage.bands import make_bands
    from spatial.coverage.walks import check_max_walk
    from spatial.core.errors import SpatialError

    inputs = {"NETWORK": args.network, "STATIONS": args.stations, "DEMAND": args.demand,
              "--grids": args.grids, "--communities": args.communities, "--dem": args.dem,
              "--gates": args.gates, "--barriers": args.barriers}
    check_inputs(inputs, suffixes={"NETWORK": NETWORK_SUFFIXES + LAYER_SUFFIXES, "--grids": LAYER_SUFFIXES,
                                   "--dem": (".tif", ".tiff", ".vrt", ".img", ".asc", ".graphml")})
    check_output(args.out, inputs=inputs, suffixes=(".gpkg",))
    if args.kml is not None:
        check_output(args.kml, inputs=inputs, suffixes=(".kmz", ".kml"), what="--kml")
        from spatial.io.kml import require_libkml

        require_libkml(args.kml, leave_out="leave --kml out")
    for suffix in (*COMPANIONS, BOOK):
        check_output(companion(args.out, suffix), inputs=inputs, suffixes=(suffix[suffix.rindex("."):],),
                     what=f"the table {companion(args.out, suffix).name} next to --out")
    minutes = args.minutes if args.minutes is not None or args.meters else (5, 10, 15)
    try:
        bands = make_bands(minutes=minutes, meters=args.meters, speed_kmh=args.speed_kmh)
    except ValueError as exc:
        raise SpatialError(f"{'--meters' if args.meters else '--minutes'}: {exc}") from exc
    check_max_walk(args.max_walk_m, bands, "--max-walk-m")
    if args.gap_band is not None and args.gap_band not in [b.label for b in bands]:
        raise SpatialError(f"--gap-band {args.gap_band!r} is not one of the bands "
                           f"({', '.join(b.label for b in bands)})")
    check_walk_options(args)
    return {"bands": bands, "minutes": minutes}


def not_reached_report(scored, stations_snapped, unit_id_col: str | None, station_id_col: str):
    """One report row per unit and station the coverage marks with a reason (English and Chinese)."""
    from spatial.core.checks import Report
    from spatial.coverage.walks import KEPT_STATION, report_reasons

    report = report_reasons(Report(), scored, "demand", id_col=unit_id_col)
    return report_reasons(report, stations_snapped, "stations", id_col=station_id_col,
                          action=KEPT_STATION).to_frame(zh_columns=True)


def _stepper(args: argparse.Namespace, total: int):
    """``step(name)`` starts a named step (ending the one before), ``step(None)`` ends the last.

    A progress bar on stderr (a terminal only: errors stay one line) names the step running; the
    times are kept in ``step.times``, and ``step.close()`` clears the bar.
    """
    if getattr(args, "quiet", False) or (hasattr(sys.stderr, "isatty") and not sys.stderr.isatty()):
        bar = _NoBar()  # what tqdm does off a terminal, without importing it
    else:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="step", file=sys.stderr, leave=False,
                   bar_format="{desc} ({n_fmt}/{total_fmt}) [{elapsed}]")
    current: list = []

    def step(name: str | None) -> None:
        if current:
            done, start = current.pop()
            step.times[done] = time.perf_counter() - start
            bar.update(1)
        if name is None:
            bar.close()
            return
        bar.set_description_str(f"coverage: {name}")
        current.append((name, time.perf_counter()))

    step.times = {}
    step.close = bar.close
    return step


class _NoBar:
    """The progress bar when it is not shown (``--quiet``, or stderr is not a terminal)."""

    def update(self, n: int = 1) -> None:
        pass

    def set_description_str(self, desc: str) -> None:
        pass

    def close(self) -> None:
        pass


def _cmd_coverage(args: argparse.Namespace) -> int:
    step = _stepper(args, 7 - bool(args.no_isochrones))
    try:
        return _coverage(args, step)
    finally:
        step.close()


#: The tables ``spatial coverage`` writes beside OUT.gpkg, by the suffix of OUT's name.
COMPANIONS = ("_summary.csv", "_station_load.csv", "_fca_by_community.csv")
#: The same figures for Excel and WPS beside them: codes (12-digit community ids ...) as text cells,
#: which a CSV cannot keep from Excel's scientific notation (4.40305E+11).
BOOK = "_summary.xlsx"


def companion(out: Path, suffix: str) -> Path:
    """The table written beside ``out`` (``c.gpkg`` -> ``c_summary.csv``)."""
    return out.with_name(out.stem + suffix)


def _coverage(args: argparse.Namespace, step) -> int:
    import pandas as pd

    from spatial.core.atomic import atomic_paths
    from spatial.core.checks import Report, check_households, repair_geometries, require_unique
    from spatial.io.validate import MAX_UNIT_HOUSEHOLDS
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.load import fca_by_community, station_fca, station_load
    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import (
        coverage_metadata,
        coverage_summary,
        station_snaps,
        walking_coverage,
    )
    from spatial.io.coords import to_wgs84
    from spatial.io.layers import write_layers
    from spatial.io.tables import write_csv
    from spatial.io.validate import require_outlines, require_types, station_points
    from spatial.io.workbook import csv_figures, integer_counts, station_load_table, write_workbook
    from spatial.network.read import NOT_IN_SOURCE, read_network
    from spatial.network.snapping import snap_layer

    checked = _check(args)
    bands, minutes = checked["bands"], checked["minutes"]
    step("read stations and demand")
    # the small layers first: a wrong column is found before the network is read
    stations = read_input(args.stations, "stations", "stations", points=True)
    demand = read_input(args.demand, "units", "demand", points=True)
    read_from(args, stations=source(args.stations), demand=source(args.demand),
              **({"communities": source(args.communities)} if args.communities else {}),
              **({"grids": source(args.grids)} if args.grids else {}))
    if args.stations_coord_sys != "wgs84":  # Amap/Tencent or Baidu numbers: moved to WGS-84 first
        stations = to_wgs84(stations, args.stations_coord_sys, name=str(args.stations))
    if args.demand_coord_sys != "wgs84":
        demand = to_wgs84(demand, args.demand_coord_sys, name=str(args.demand))
    for layer in ("communities", "grids"):  # homes moved, outlines not: each home may fall in a neighbour
        if getattr(args, layer) and args.demand_coord_sys != "wgs84" and getattr(args, f"{layer}_coord_sys") == "wgs84":
            logger.warning("--%s %s is read as WGS-84 while the demand was moved from %s; if its outlines come "
                           "from the same map, say so with --%s-coord-sys %s", layer, getattr(args, layer),
                           args.demand_coord_sys, layer, args.demand_coord_sys)
    order = "spatial coverage NETWORK STATIONS UNITS"
    sid = column(args, stations, "station_id", "stations", swapped=(demand, source(args.demand), order))
    uid = column(args, demand, "unit_id", "demand", required=False)
    hh = column(args, demand, "households", "demand", swapped=(stations, source(args.stations), order))
    pop = column(args, demand, "population", "demand", required=False) or "population"
    name = column(args, stations, "name", "stations", required=False)
    stations = as_contract(stations, name, "name")  # the maps label stations by 'name'
    sid = renamed(stations, sid, name, "name")  # KML's Name as id and name: one column, 'name'
    require_unique(stations, sid, source(args.stations))  # before the network is read
    area_col = _area_column(args, stations)
    if uid is not None:
        require_unique(demand, uid, source(args.demand))
    # counts typed as text ('203户', '1,203') are read once here: every sum and layer has the numbers
    for col in (hh, pop) if pop in demand.columns else (hh,):
        counts = check_households(demand, col, source(args.demand), id_col=uid,  # a count no unit reaches: a wrong column
                                  max_value=MAX_UNIT_HOUSEHOLDS if col == hh else None)
        if col == hh:  # all 0: every share would read 'nan%'
            require_households(counts, hh, source(args.demand))
        if not pd.api.types.is_float_dtype(demand[col]):
            demand = demand.assign(**{col: counts.to_numpy()})
    repaired = Report()  # invalid polygons (self-touching OSM footprints) repaired once, here
    demand = repaired_units(demand, repaired, uid)
    stations = station_points(stations, sid, repaired)  # building outlines: a point inside each, as spatial run
    walk_opts = read_walk_layers(args)  # max_off_network_m, detour_factor, gates, barriers
    communities = grids = None
    cid, gid = "community_id", "grid_id"
    if args.communities:
        communities = read_input(args.communities, "communities", "communities", points=True)  # a WKT table too
        if args.communities_coord_sys != "wgs84":  # outlines drawn on Amap: homes would fall in the wrong one
            communities = to_wgs84(communities, args.communities_coord_sys, name=str(args.communities))
        cid = column(args, communities, "community_id", "communities")
        communities = repair_geometries(communities, "communities", repaired, id_col=cid, allow_empty=True)
        require_outlines(communities, "communities", cid)
        if cid in demand.columns:  # 1 for '1' (a CSV's numbers, a GeoPackage's text), or for '01' (Excel)
            from spatial.core._ids import ids_of

            demand = demand.assign(**{cid: ids_of(demand[cid], communities[cid].tolist(), source(args.demand),
                                                  cid, source(args.communities))})
            refuse_unknown_communities(demand, communities, cid, args)
    if args.grids:
        grids = read_input(args.grids, "grids", "grids")
        if args.grids_coord_sys != "wgs84":
            grids = to_wgs84(grids, args.grids_coord_sys, name=str(args.grids))
        gid = column(args, grids, "grid_id", "grids")
        grids = repair_geometries(grids, "grids", repaired, id_col=gid, allow_empty=True)
        require_types(grids, "grids", gid, ("Polygon", "MultiPolygon"), "give each grid as a polygon")
        if gid in demand.columns:  # homes of last month's plan against this month's grids: before the network
            from spatial.coverage._summary import same_plan

            same_plan(demand, demand[gid], grids, gid, "grids")
    step("read network")
    net_path, net_layer = split_spec(args.network)  # FILE.gpkg:layer (osmnx's GeoPackage: edges)
    network = read_network(net_path, layer=net_layer, keep_private=args.keep_private, keep=args.keep,
                           water_barriers=not args.no_water_barriers, rail_barriers=args.rail_barriers,
                           max_snap_m=max(args.max_snap_m, args.max_off_network_m),  # as stations are walked to
                           stations=stations if args.keep == "stations" else None)
    rows = network.report
    water = rows.loc[rows["row_id"].isin(["water", "railways"]) & ~rows["action"].str.startswith("not used"), "problem"]
    said = f"; {'; '.join(water)}, kept off the legs to it" if len(network.water) and len(water) else ""
    if walk_opts["barriers"] is None:  # a graph or a line layer: its rivers and tracks not known (report row)
        said += "".join(f"; {p}" for p in rows.loc[rows["row_id"] == NOT_IN_SOURCE, "problem"])
    say(args, f"network: {counted(network.n_nodes, 'node')}, {counted(network.n_edges, 'edge')}, "
              f"{network.length_m.sum() / 1000:.1f} km ({counted(len(network.report), 'report row')}){said}")
    dem = None
    if args.dem is not None:
        from spatial.network.elevation import edge_times

        dem = edge_times(network, args.dem)
        say(args, dem.describe())
    opts = dict(minutes=minutes, meters=args.meters, speed_kmh=args.speed_kmh, max_snap_m=args.max_snap_m)
    step("walks")
    scored = walking_coverage(demand, stations, network, max_walk_m=args.max_walk_m, station_id_col=sid, dem=dem,
                              **walk_opts, **opts)
    snapped = snap_layer(stations, network, name="stations",  # snapped as the walks snap them
                         snap=station_snaps(stations, network, max_snap_m=args.max_snap_m, **walk_opts))
    snapped = station_load(scored, snapped, station_id_col=sid, area_col=area_col,
                           households_col=hh, population_col=pop, min_m2_per_100hh=args.min_m2_per_100hh)
    fca_by = None
    if area_col in stations.columns:
        scored, fca = station_fca(scored, stations, network, limit_m=bands[-1].limit_m,
                                  area_col=area_col, households_col=hh, station_id_col=sid,
                                  max_snap_m=args.max_snap_m, dem=None if args.meters else dem, **walk_opts)
        snapped["fca_m2_per_100hh"] = fca["fca_m2_per_100hh"].to_numpy()
        fca_by = fca_by_community(scored, households_col=hh, min_m2_per_100hh=args.min_m2_per_100hh,
                                  communities=communities, community_id_col=cid)
    step("summary")
    summary = coverage_summary(scored, bands=bands, communities=communities, grids=grids,
                               households_col=hh, population_col=pop, community_id_col=cid, grid_id_col=gid)
    layers = {"demand": scored, "stations": snapped}
    if communities is not None:  # `spatial map --coverage` names them in its table and draws them
        layers["communities"] = _communities_layer(communities, cid)
    if not args.no_isochrones:
        step("isochrones")
        layers["isochrones"] = isochrones(stations, network, station_id_col=sid, dem=dem, study_area=communities,
                                          **opts, **walk_opts)
    step("gaps")
    gap_band = args.gap_band or bands[-1].label
    layers["gaps"] = gaps = coverage_gaps(scored, network, band=gap_band, max_snap_m=args.max_snap_m,
                                          households_col=hh, population_col=pop, detour_factor=args.detour_factor,
                                          speed_kmh=args.speed_kmh, dem=dem, barriers=walk_opts["barriers"],
                                          gates=walk_opts["gates"],
                                          communities=communities, community_id_col=cid)
    layers["report"] = walk_report(network, dem, repaired, not_reached_report(scored, snapped, uid, sid))
    # made in the network's metres, or given in another CRS than the demand (stations in degrees
    # beside homes in a Gauss-Krüger zone): every layer is stored in the demand's CRS
    for key in ("stations", "communities", "isochrones", "gaps"):
        if key in layers:
            layers[key] = _in_crs(layers[key], scored.crs)
    # every line is made before anything is written: a late error never follows written outputs
    lines = _result_lines(args, bands, summary, scored, snapped, gaps, gap_band, hh, sid)
    # the tables officials open in Excel: counts as integers (4494, not 4494.0), the stations' own id,
    # name, type, community and area and their load (no snapping internals, no 站长's phone or ID number)
    load = station_load_table(snapped, station_id_col=sid, area_col=area_col, community_id_col=cid)
    # (in the workbook's language, Chinese: why a station serves nobody beside the code, 距路网过远)
    tables = {companion(args.out, "_summary.csv"): csv_figures(summary, lang="zh"),
              companion(args.out, "_station_load.csv"): csv_figures(load, lang="zh")}
    if fca_by is not None:
        tables[companion(args.out, "_fca_by_community.csv")] = csv_figures(fca_by, lang="zh")
    stale = [p for p in (companion(args.out, s) for s in COMPANIONS) if p not in tables and p.is_file()]
    step("write")
    book = companion(args.out, BOOK)
    paths = [args.out, *tables, book, *([args.kml] if args.kml is not None else [])]
    with atomic_paths(paths) as tmps:  # all of them appear together, or none
        from spatial.maps._gis_styles import GEOMETRY_TYPES, qgis_styles

        write_layers({k: integer_counts(v, also=(hh,)) if isinstance(v, pd.DataFrame) else v
                      for k, v in layers.items()}, tmps[0], fresh=True,
                     metadata={"demand": coverage_metadata(args.speed_kmh, network.from_osm)},
                     styles=qgis_styles(layers),  # QGIS opens the bands coloured as the web map
                     geometry_types=GEOMETRY_TYPES)  # an empty gaps layer still of polygons
        for tmp, table in zip(tmps[1:], tables.values()):
            write_csv(table, tmp)
        # its data problems on the sheet spatial run's workbook has (数据问题清单), from the same report
        # rows: the hint that the stations look like Amap numbers is read where an official looks
        write_workbook(tmps[1 + len(tables)], summary, communities=layers.get("communities"), gaps=gaps,
                       station_load=load, report=layers["report"],
                       about={"speed_kmh": args.speed_kmh, "max_snap_m": args.max_snap_m,
                              "max_off_network_m": args.max_off_network_m,
                              "detour_factor": args.detour_factor,
                              "min_m2_per_100hh": args.min_m2_per_100hh, "walls": args.barriers is not None,
                              "bands": [b.label for b in bands],
                              **({"slope": dem.describe("zh")} if dem is not None else {})})
        if args.kml is not None:
            from spatial.maps.kmz import results_kmz

            results_kmz(tmps[-1], {"stations": snapped, "gaps": gaps, "demand": scored,  # (its coords hints)
                                   "communities": layers.get("communities")},  # each gap's 所属社区
                        station_id_col=sid, slope=dem.describe("zh") if dem is not None else None)
    for path in stale:  # an earlier run's table this run does not write would pass for this run's
        path.unlink(missing_ok=True)
    step(None)
    for line in lines:
        say(args, line)
    for path in stale:
        say(args, f"removed {path}, written by an earlier run to this --out (this run has no "
                  f"'{area_col}' column in its stations; give --station-area-col for it)")
    say(args, "time: " + ", ".join(f"{name} {sec:.1f} s" for name, sec in step.times.items()))
    say(args, f"wrote {args.out} (layers {', '.join(layers)}) and "
              + ", ".join(map(str, [*tables, book, *([args.kml] if args.kml is not None else [])])))
    return 0


#: The stations' floor area column when --station-area-col is not given.
DEFAULT_AREA_COL = "floor_area_m2"


def _area_column(args: argparse.Namespace, stations) -> str:
    """The stations' floor area column: ``--station-area-col``, which must be there (else every
    station would read 'not under the standard' for want of an area), or ``floor_area_m2`` or a
    common name of it (建筑面积, 面积 ...: said once), else ``floor_area_m2`` (not there: no check)."""
    from spatial.core.errors import ColumnError

    given = args.station_area_col
    if given is None:
        return column(args, stations, "floor_area", "stations", option="--station-area-col",
                      required=False) or DEFAULT_AREA_COL
    if given not in stations.columns:
        have = [str(c) for c in stations.columns if c != stations.geometry.name]
        listed = ", ".join(have[:20]) + (f" ... ({len(have)} in all)" if len(have) > 20 else "")
        raise ColumnError(f"--station-area-col {given!r}: the stations ({args.stations}) have no such column; "
                          f"they have {listed}; give the one holding the floor area in m²")
    return given


def _in_crs(layer, crs):
    """``layer`` in ``crs`` (the demand's), its ``site_x``/``site_y`` with it: in a CRS of degrees
    they become ``site_lon``/``site_lat``, as ``spatial run`` writes them."""
    from pyproj import CRS, Transformer

    from spatial.core.reproject import to_crs_valid
    from spatial.io.coords import with_lonlat

    if layer.crs is None or crs is None or CRS.from_user_input(layer.crs) == CRS.from_user_input(crs):
        return layer
    crs = CRS.from_user_input(crs)
    if {"site_x", "site_y"} <= set(layer.columns):
        if crs.is_geographic:
            layer = with_lonlat(layer, x="site_x", y="site_y")
        else:
            x, y = Transformer.from_crs(layer.crs, crs, always_xy=True).transform(
                layer["site_x"].to_numpy(dtype=float), layer["site_y"].to_numpy(dtype=float))
            layer = layer.assign(site_x=x, site_y=y)
    return to_crs_valid(layer, crs)


def _result_lines(args, bands, summary, scored, snapped, gaps, gap_band: str, hh: str, sid: str) -> list[str]:
    """What ``spatial coverage`` says of its results, one line each (made before writing)."""
    from spatial.core._words import counted
    from spatial.core.checks import listed, round_half_up
    from spatial.maps._data import off_network  # (a station whose homes are nearer another is on it)

    overall = summary[summary.level == "overall"].iloc[0]
    # metre bands on flat ground are the metres walked: the speed gives walk_min alone
    used = (f"bands by metres walked (--speed-kmh {args.speed_kmh:g} gives walk_min only)"
            if args.meters and args.dem is None else f"speed {args.speed_kmh:g} km/h")
    lines = [f"{used}; households covered: " + ", ".join(
        f"{b.label} {round_half_up(overall[f'pct_hh_{b.label}'], 1):.1f}%" for b in bands)]
    off = int((scored["reason"] != "").sum())
    if off:
        lines.append(f"{counted(off, 'unit')} not reached (see column 'reason' and the report layer); "
                     f"{counted(int(off_network(snapped).sum()), 'station')} off the network")
    est = scored["access"] == "estimated"
    if est.any():
        lines.append(f"{counted(int(est.sum()), 'unit')} ({_households(scored.loc[est, hh].sum())}) "
                     f"{'has' if est.sum() == 1 else 'have'} an estimated walk "
                     f"over unmapped ground (x{args.detour_factor:g}, {args.max_snap_m:g}-{args.max_off_network_m:g} "
                     f"m off the network); {'it counts' if est.sum() == 1 else 'they count'} in the coverage above")
    lines.append(_gaps_line(gaps, gap_band))
    under = snapped[snapped["under_standard"].fillna(False).astype(bool)]  # unknown area: not counted under
    if len(under):
        lines.append(f"{counted(len(under), 'station')} under {args.min_m2_per_100hh:g} m² per 100 households served: "
                     + listed(under[sid], limit=10))
    beyond = (scored["reason"] == "") & scored["nearest_station"].isna()
    if args.max_walk_m is not None and beyond.any():  # their nearest station was never searched for
        lines.append(f"station load counts homes within --max-walk-m {args.max_walk_m:g} m only: "
                     f"{counted(int(beyond.sum()), 'unit')} ({_households(scored.loc[beyond, hh].sum())}) farther "
                     f"{'is' if beyond.sum() == 1 else 'are'} in no station's catchment (without --max-walk-m each "
                     "counts at its nearest station)")
    return lines


def _communities_layer(communities, cid: str):
    """The communities as the maps read them: ids as ``community_id``, names (when found) as ``name``."""
    from spatial.io.columns import find_column

    out = as_contract(communities, cid, "community_id")
    # --name-col names the stations' column: the communities' is found by its usual names
    return as_contract(out, find_column(communities, "name", layer="communities", required=False), "name")


def _households(x) -> str:
    """A household count as people read it, the noun agreeing: ``1 household``, ``1,250,000
    households`` (``:g`` printed ``1.25e+06``)."""
    from spatial.core._words import counted

    x = float(x)
    return counted(x, "household", shown=f"{x:,.0f}" if x.is_integer() else f"{x:,.1f}")


def _gaps_line(gaps, gap_band: str) -> str:
    """Gaps beyond the band: the ranked service gaps, then the others by cause with households."""
    from spatial.core._words import counted

    if not len(gaps):
        return f"no gaps beyond {gap_band}: every home is within it"
    service = gaps[gaps["rank"].notna()]
    text = (f"{counted(len(gaps), 'gap')} beyond {gap_band}: {counted(len(service), 'service gap')} ranked for "
            f"siting, largest {_households(service['households'].max() if len(service) else 0)}")
    for cause in ("no mapped path", "no gate given", "barrier"):
        part = gaps[gaps["cause"] == cause]
        if len(part):
            text += f"; {len(part)} '{cause}' ({_households(part['households'].sum())}, not a siting need)"
    return text


def refuse_unknown_communities(demand, communities, cid: str, args) -> None:
    """Units naming a community the communities layer does not have are refused, as ``spatial
    grids``, ``spatial site`` and ``spatial run`` refuse them (they were counted apart, in a row
    with no name, without a word)."""
    from spatial.core._ids import unknown_ids_error

    known = set(communities[cid].tolist())
    given = demand[cid]
    bad = given.notna() & ~given.isin(known)
    if bad.any():
        uid = args.unit_id_col or "unit_id"
        rows = demand.loc[bad, uid] if uid in demand.columns else demand.index[bad]
        raise unknown_ids_error(list(zip(list(rows), given[bad].tolist())), list(known), source(args.demand), cid,
                                "communities")
