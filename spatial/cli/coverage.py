"""``spatial coverage``: walks from every home to its station, service areas and gaps."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import number_list, say


def add_parser(sub) -> None:
    p = sub.add_parser(
        "coverage",
        help="walking distance from every unit to its nearest station (15分钟服务圈)",
        description="Snap units and stations to the walking network, route from all stations, and "
        "write the demand, stations, isochrones and gaps layers plus OUT_summary.csv.",
    )
    p.add_argument("network", type=Path, help=".graphml, .osm, .osm.pbf or a road line layer")
    p.add_argument("stations", type=Path, help="stations: .gpkg/.geojson/.shp layer or .csv/.xlsx table")
    p.add_argument("demand", type=Path, help="units (points or polygons) with households")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage")
    bands = p.add_mutually_exclusive_group()
    bands.add_argument("--minutes", type=number_list, default=None, help="time bands, e.g. 5,10,15 (default)")
    bands.add_argument("--meters", type=number_list, default=None, help="distance bands, e.g. 300,500,1000")
    p.add_argument("--speed-kmh", type=float, default=4.0,
                   help="walking speed (default 4.0 = GB 50180-2018's 1,000 m in 15 min; elderly 3.0)")
    p.add_argument("--max-snap-m", type=float, default=100.0, help="longest straight leg to the network (m)")
    p.add_argument("--max-walk-m", type=float, default=None,
                   help="stop the search at this walk (m), e.g. the largest band: faster on big networks; "
                        "units farther get band 'beyond' (default: search every walk to its end)")
    p.add_argument("--grids", type=Path, default=None, help="grid polygons with grid_id")
    p.add_argument("--communities", type=Path, default=None, help="community polygons with community_id")
    p.add_argument("--gap-band", default=None, help="band whose gaps to map (default: the largest)")
    p.add_argument("--dem", type=Path, default=None,
                   help="GeoTIFF DEM (any CRS), or a .graphml with node elevations: walks take Tobler's "
                        "time from home to station, uphill slower, steps slower (default: flat ground)")
    p.set_defaults(func=_cmd_coverage)


def _read_cov_layer(path: Path, default_layer: str, name: str):
    """A layer (or a points table) for the coverage command; picks ``default_layer`` in a GeoPackage."""
    from spatial.io.layers import read_layer, read_points_table

    if path.suffix.lower() in (".csv", ".xlsx", ".xls", ".txt"):
        return read_points_table(path)
    layer = None
    if path.suffix.lower() == ".gpkg" and path.exists():
        import pyogrio

        names = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
        if len(names) > 1 and default_layer in names:
            layer = default_layer
    return read_layer(path, layer=layer, name=name)


def _cmd_coverage(args: argparse.Namespace) -> int:
    import pandas as pd

    from spatial.coverage.bands import make_bands
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import coverage_summary, walking_coverage
    from spatial.io.layers import write_layers
    from spatial.network.read import read_network
    from spatial.network.snapping import snap_layer

    network = read_network(args.network)
    say(args, f"network: {network.n_nodes} nodes, {network.n_edges} edges, "
               f"{network.length_m.sum() / 1000:.1f} km ({len(network.report)} report rows)")
    dem = None
    if args.dem is not None:
        from spatial.network.elevation import edge_times

        dem = edge_times(network, args.dem)
        say(args, dem.describe())
    stations = _read_cov_layer(args.stations, "stations", "stations")
    demand = _read_cov_layer(args.demand, "units", "demand")
    minutes = args.minutes if args.minutes is not None else (5, 10, 15)
    bands = make_bands(minutes=None if args.meters else minutes, meters=args.meters, speed_kmh=args.speed_kmh)
    opts = dict(minutes=minutes, meters=args.meters, speed_kmh=args.speed_kmh, max_snap_m=args.max_snap_m)
    scored = walking_coverage(demand, stations, network, max_walk_m=args.max_walk_m, dem=dem, **opts)
    snapped = snap_layer(stations, network, max_snap_m=args.max_snap_m, name="stations")
    communities = _read_cov_layer(args.communities, "communities", "communities") if args.communities else None
    grids = _read_cov_layer(args.grids, "grids", "grids") if args.grids else None
    summary = coverage_summary(scored, bands=bands, communities=communities, grids=grids)
    iso = isochrones(stations, network, dem=dem, **opts)
    gap_band = args.gap_band or bands[-1].label
    gaps = coverage_gaps(scored, network, band=gap_band, max_snap_m=args.max_snap_m)
    report = network.report if dem is None else pd.concat([network.report, dem.report], ignore_index=True)
    write_layers({"demand": scored, "stations": snapped, "isochrones": iso, "gaps": gaps, "report": report},
                 args.out)
    summary_path = args.out.with_name(args.out.stem + "_summary.csv")
    summary.to_csv(summary_path, index=False, encoding="utf-8-sig")
    overall = summary[summary.level == "overall"].iloc[0]
    say(args, f"speed {args.speed_kmh:g} km/h; households covered: " + ", ".join(
        f"{b.label} {overall[f'pct_hh_{b.label}']:.1f}%" for b in bands))
    off = int((scored["reason"] != "").sum())
    if off:
        say(args, f"{off} units not reached (see column 'reason'); "
                   f"{int((snapped['reason'] != '').sum())} stations off the network")
    say(args, f"{len(gaps)} gaps beyond {gap_band}, largest {gaps['households'].max() if len(gaps) else 0:g} households")
    say(args, f"wrote {args.out} (layers demand, stations, isochrones, gaps, report) and {summary_path}")
    return 0
