"""``spatial coverage``: walks from every home to its station, service areas and gaps."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import (
    LAYER_SUFFIXES,
    NETWORK_SUFFIXES,
    add_column_options,
    check_inputs,
    check_output,
    column,
    number_list,
    positive,
    read_input,
    say,
)


def add_parser(sub) -> None:
    p = sub.add_parser(
        "coverage",
        help="walking distance from every unit to its nearest station (15分钟服务圈)",
        description="Snap units and stations to the walking network, route from all stations, and "
        "write the demand, stations, isochrones and gaps layers plus OUT_summary.csv. "
        "A FILE may name a GeoPackage layer as FILE.gpkg:layer.",
    )
    p.add_argument("network", type=Path, help=".graphml, .osm, .osm.pbf or a road line layer")
    p.add_argument("stations", type=Path, help="stations: .gpkg/.geojson/.shp layer or .csv/.xlsx table")
    p.add_argument("demand", type=Path, help="units (points or polygons) with households")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage")
    bands = p.add_mutually_exclusive_group()
    bands.add_argument("--minutes", type=number_list, default=None, help="time bands, e.g. 5,10,15 (default)")
    bands.add_argument("--meters", type=number_list, default=None, help="distance bands, e.g. 300,500,1000")
    p.add_argument("--speed-kmh", type=positive, default=4.0,
                   help="walking speed (default 4.0 = GB 50180-2018's 1,000 m in 15 min; elderly 3.0)")
    p.add_argument("--max-snap-m", type=positive, default=100.0, help="longest straight leg to the network (m)")
    p.add_argument("--max-walk-m", type=positive, default=None,
                   help="stop the search at this walk (m), e.g. the largest band: faster on big networks; "
                        "units farther get band 'beyond' (default: search every walk to its end)")
    p.add_argument("--grids", type=Path, default=None, help="grid polygons with grid_id")
    p.add_argument("--communities", type=Path, default=None, help="community polygons with community_id")
    p.add_argument("--gap-band", default=None, help="band whose gaps to map (default: the largest)")
    p.add_argument("--dem", type=Path, default=None,
                   help="GeoTIFF DEM (any CRS), or a .graphml with node elevations: walks take Tobler's "
                        "time from home to station, uphill slower, steps slower (default: flat ground)")
    add_column_options(p, "station_id", "unit_id", "households", "population", "name")
    p.set_defaults(func=_cmd_coverage)


def _check(args: argparse.Namespace) -> dict:
    """Paths and options, before anything is read; returns the inputs by name."""
    from spatial.coverage.bands import make_bands
    from spatial.core.errors import SpatialError

    inputs = {"NETWORK": args.network, "STATIONS": args.stations, "DEMAND": args.demand,
              "--grids": args.grids, "--communities": args.communities, "--dem": args.dem}
    check_inputs(inputs, suffixes={"NETWORK": NETWORK_SUFFIXES + LAYER_SUFFIXES, "--grids": LAYER_SUFFIXES,
                                   "--communities": LAYER_SUFFIXES,
                                   "--dem": (".tif", ".tiff", ".vrt", ".img", ".asc", ".graphml")})
    check_output(args.out, inputs=inputs, suffixes=(".gpkg",))
    check_output(args.out.with_name(args.out.stem + "_summary.csv"), inputs=inputs, suffixes=(".csv",),
                 what="the summary next to --out")
    minutes = args.minutes if args.minutes is not None or args.meters else (5, 10, 15)
    try:
        bands = make_bands(minutes=minutes, meters=args.meters, speed_kmh=args.speed_kmh)
    except ValueError as exc:
        raise SpatialError(f"{'--meters' if args.meters else '--minutes'}: {exc}") from exc
    if args.gap_band is not None and args.gap_band not in [b.label for b in bands]:
        raise SpatialError(f"--gap-band {args.gap_band!r} is not one of the bands "
                           f"({', '.join(b.label for b in bands)})")
    return {"bands": bands, "minutes": minutes}


def not_reached_report(scored, stations_snapped, unit_id_col: str | None, station_id_col: str):
    """One report row per unit and station the coverage marks with a reason."""
    import pandas as pd

    rows = []
    for layer, frame, id_col, action in (
            ("demand", scored, unit_id_col, "kept with band and reason; walk not measured"),
            ("stations", stations_snapped, station_id_col, "kept; serves nobody")):
        marked = frame[frame["reason"].fillna("").astype(str) != ""]
        ids = marked[id_col] if id_col and id_col in marked.columns else marked.index
        rows += [{"layer": layer, "row_id": str(i), "problem": str(r), "action": action}
                 for i, r in zip(ids, marked["reason"])]
    return pd.DataFrame(rows, columns=["layer", "row_id", "problem", "action"])


def _cmd_coverage(args: argparse.Namespace) -> int:
    import pandas as pd

    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import coverage_summary, walking_coverage
    from spatial.io.layers import write_layers
    from spatial.core.atomic import atomic_path
    from spatial.core.checks import require_unique
    from spatial.io.tables import write_csv
    from spatial.network.read import read_network
    from spatial.network.snapping import snap_layer

    checked = _check(args)
    bands, minutes = checked["bands"], checked["minutes"]
    # the small layers first: a wrong column is found before the network is read
    stations = read_input(args.stations, "stations", "stations", points=True)
    demand = read_input(args.demand, "units", "demand", points=True)
    sid = column(args, stations, "station_id", "stations")
    uid = column(args, demand, "unit_id", "demand", required=False)
    hh = column(args, demand, "households", "demand")
    pop = column(args, demand, "population", "demand", required=False) or "population"
    name = column(args, stations, "name", "stations", required=False)
    if name is not None and name != "name" and "name" not in stations.columns:
        stations = stations.assign(name=stations[name])  # the maps label stations by 'name'
    require_unique(stations, sid, "stations")  # before the network is read
    if uid is not None:
        require_unique(demand, uid, "demand")
    communities = read_input(args.communities, "communities", "communities") if args.communities else None
    grids = read_input(args.grids, "grids", "grids") if args.grids else None
    network = read_network(args.network)
    say(args, f"network: {network.n_nodes} nodes, {network.n_edges} edges, "
              f"{network.length_m.sum() / 1000:.1f} km ({len(network.report)} report rows)")
    dem = None
    if args.dem is not None:
        from spatial.network.elevation import edge_times

        dem = edge_times(network, args.dem)
        say(args, dem.describe())
    opts = dict(minutes=minutes, meters=args.meters, speed_kmh=args.speed_kmh, max_snap_m=args.max_snap_m)
    scored = walking_coverage(demand, stations, network, max_walk_m=args.max_walk_m, station_id_col=sid, dem=dem,
                              **opts)
    snapped = snap_layer(stations, network, max_snap_m=args.max_snap_m, name="stations")
    summary = coverage_summary(scored, bands=bands, communities=communities, grids=grids,
                               households_col=hh, population_col=pop)
    iso = isochrones(stations, network, station_id_col=sid, dem=dem, **opts)
    gap_band = args.gap_band or bands[-1].label
    gaps = coverage_gaps(scored, network, band=gap_band, max_snap_m=args.max_snap_m,
                         households_col=hh, population_col=pop)
    report = pd.concat([network.report, *([] if dem is None else [dem.report]),
                        not_reached_report(scored, snapped, uid, sid)], ignore_index=True)
    summary_path = args.out.with_name(args.out.stem + "_summary.csv")
    with atomic_path(summary_path) as csv_tmp:  # the pair appears together or not at all
        write_csv(summary, csv_tmp)
        write_layers({"demand": scored, "stations": snapped, "isochrones": iso, "gaps": gaps, "report": report},
                     args.out, fresh=True)
    overall = summary[summary.level == "overall"].iloc[0]
    say(args, f"speed {args.speed_kmh:g} km/h; households covered: " + ", ".join(
        f"{b.label} {overall[f'pct_hh_{b.label}']:.1f}%" for b in bands))
    off = int((scored["reason"] != "").sum())
    if off:
        say(args, f"{off} units not reached (see column 'reason' and the report layer); "
                  f"{int((snapped['reason'] != '').sum())} stations off the network")
    say(args, f"{len(gaps)} gaps beyond {gap_band}, largest {gaps['households'].max() if len(gaps) else 0:g} households")
    say(args, f"wrote {args.out} (layers demand, stations, isochrones, gaps, report) and {summary_path}")
    return 0
