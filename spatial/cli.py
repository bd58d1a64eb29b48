"""Command-line interface: ``spatial demo | grids | coverage | map | site | run``.

The only module that reads arguments or prints. Each sub-command is one section below that
registers itself with ``@_command``; the work is done by the library's plain functions.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ._errors import SpatialError

logger = logging.getLogger("spatial")

_COMMANDS = []


def _command(add_parser):
    """Register a function that adds one sub-command to the parser."""
    _COMMANDS.append(add_parser)
    return add_parser


def _say(args: argparse.Namespace, text: str) -> None:
    """Print a line for the user unless ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(text)


# === demo ===
@_command
def _add_demo(sub) -> None:
    p = sub.add_parser("demo", help="run the whole job on the embedded Futian data and write the maps")
    p.add_argument("--data", type=Path, default=None, help="folder with the demo data (default: ./data)")
    p.add_argument("--out", type=Path, default=Path("maps"), help="folder for maps and results (default: maps)")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    written = run_demo(args.out, data_dir=args.data, progress=not args.quiet)
    for path in written:
        _say(args, f"wrote {path}")
    return 0
# === end demo ===


# === grids (issue 3) ===
@_command
def _add_grids(sub) -> None:
    p = sub.add_parser(
        "grids",
        help="draw, redraw or evaluate community grids (网格划分) of 300-500 households",
        description="Draw grids:     spatial grids COMMUNITIES UNITS --out OUT.gpkg [--min 300 --max 500 | --grids N]\n"
        "Redraw a plan:  spatial grids COMMUNITIES UNITS --out OUT.gpkg --existing PLAN [--lock FILE]\n"
        "Evaluate:       spatial grids --evaluate PLAN [COMMUNITIES] [--out SCORES.gpkg]\n"
        "A FILE may name a GeoPackage layer as FILE.gpkg:layer. Writes layers grids, units, report "
        "(+ moves when redrawing; grid_scores and summary when evaluating).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", metavar="LAYER",
                   help="COMMUNITIES UNITS (draw/redraw) or [COMMUNITIES] (with --evaluate)")
    p.add_argument("--out", type=Path, default=None, help="output GeoPackage")
    p.add_argument("--households-col", default="households", help="households column of the units")
    band = p.add_mutually_exclusive_group()
    band.add_argument("--grids", dest="n_grids", type=int, default=None, metavar="N", help="total number of grids instead of a band")
    band.add_argument("--min", dest="min_households", type=float, default=300, metavar="HH", help="fewest households per grid")
    p.add_argument("--max", dest="max_households", type=float, default=500, metavar="HH", help="most households per grid")
    p.add_argument("--existing", type=Path, default=None, metavar="PLAN", help="existing plan (unit_id, grid_id[, locked]) to redraw")
    p.add_argument("--redraw", action="store_true", help="redraw the plan in --existing (or the units' grid_id)")
    p.add_argument("--lock", type=Path, default=None, metavar="FILE", help="table or layer of unit_id that must not move")
    p.add_argument("--roads", type=Path, default=None, metavar="ROADS", help="road lines; grid borders follow them where possible")
    p.add_argument("--evaluate", type=Path, default=None, metavar="PLAN",
                   help="score grids (or units with grid_id) without changing them")
    p.add_argument("--seed", type=int, default=0, help="seed of the search (default 0)")
    p.add_argument("--from-buildings", action="store_true",
                   help="UNITS are building footprints or points: build units first (street blocks cut by "
                        "--roads, enclosed tessellation around the buildings)")
    p.add_argument("--floors-col", default=None, help="with --from-buildings: floors column (floor area = footprint x floors)")
    p.add_argument("--household-points", type=Path, default=None, metavar="FILE",
                   help="household points (one per household, or with a households column): form 十联户 "
                        "groups of about 10 under each grid (layers household_groups, household_points)")
    p.set_defaults(func=_cmd_grids)


def _read_grid_input(spec: Path, default_layer: str, name: str):
    """A layer ``FILE[:layer]``; in a multi-layer GeoPackage ``default_layer`` is taken; CSV/XLSX as tables."""
    import pandas as pd

    from .io import read_layer

    text = str(spec)
    layer = None
    if ".gpkg:" in text:
        text, layer = text.split(".gpkg:", 1)
        text += ".gpkg"
    path = Path(text)
    if path.suffix.lower() in (".csv", ".txt"):
        from ._errors import InputFileError

        if not path.exists():
            raise InputFileError(f"'{path}' does not exist; check the path")
        return pd.read_csv(path, encoding="utf-8-sig")
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path)
    if layer is None and path.suffix.lower() == ".gpkg" and path.exists():
        import pyogrio

        names = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
        if len(names) > 1 and default_layer in names:
            layer = default_layer
    return read_layer(path, layer=layer, name=name)


def _read_roads(path: Path | None):
    """Roads for grids: a line layer, or a network file (.graphml, .osm, .osm.pbf) read as a WalkNetwork."""
    if path is None:
        return None
    if path.suffix.lower() in (".graphml", ".osm", ".pbf"):
        from .network import read_network

        return read_network(path)
    return _read_grid_input(path, "roads", "roads")


def _cmd_grids(args: argparse.Namespace) -> int:
    import pandas as pd

    from ._errors import ColumnError
    from .io import write_layers

    if args.evaluate is not None:
        return _cmd_grids_evaluate(args)
    if len(args.inputs) != 2 or args.out is None:
        raise ColumnError("give COMMUNITIES UNITS and --out OUT.gpkg (or --evaluate PLAN [COMMUNITIES])")
    communities = _read_grid_input(Path(args.inputs[0]), "communities", "communities")
    units = _read_grid_input(Path(args.inputs[1]), "units", "units")
    roads = _read_roads(args.roads)
    if args.from_buildings:
        units = _units_from_buildings(args, units, communities, roads)
    opts = dict(households_col=args.households_col, min_households=args.min_households,
                max_households=args.max_households, roads=roads, seed=args.seed)
    if args.existing is not None or args.redraw:
        from .redraw import redraw_grids

        plan = _read_grid_input(args.existing, "units", "plan") if args.existing else None
        locked = None
        if args.lock is not None:
            table = _read_grid_input(args.lock, "units", "lock")
            if "unit_id" not in table.columns:
                raise ColumnError(f"'{args.lock}' has no column 'unit_id'; list the units that must not move")
            keep = table["locked"].fillna(False).astype(bool) if "locked" in table.columns else True
            locked = list(table.loc[keep, "unit_id"]) if keep is not True else list(table["unit_id"])
        res = redraw_grids(units, communities, plan, locked=locked, **opts)
        layers = {"grids": res.grids, "units": res.units, "report": res.report, "moves": res.moves}
        _say(args, f"moved {len(res.moves)} of {len(units)} units")
    else:
        from .grids import partition_grids

        if args.lock is not None:
            raise ColumnError("--lock needs --existing PLAN (locked units keep their grid in the plan)")
        res = partition_grids(units, communities, n_grids=args.n_grids, **opts)
        layers = {"grids": res.grids, "units": res.units, "report": res.report}
    if args.household_points is not None:
        from .workforce import ten_household_groups

        points = _read_grid_input(args.household_points, "households", "household points")
        count_col = args.households_col if args.households_col in points.columns else None
        groups = ten_household_groups(points, res.units, households_col=count_col)
        layers.update({"household_groups": groups.groups, "household_points": groups.households})
        layers["report"] = pd.concat([layers["report"], groups.report], ignore_index=True)
        _say(args, f"{len(groups.groups)} 十联户 groups of about 10 households")
    g = res.grids
    counts = g["band_status"].value_counts()
    _say(args, f"{len(g)} grids: {counts.get('in', 0)} in band, {counts.get('under', 0)} under, "
               f"{counts.get('over', 0)} over; mean Polsby-Popper {g['polsby_popper'].mean():.2f}; "
               f"{len(res.report)} report rows")
    write_layers(layers, args.out)
    _say(args, f"wrote {args.out} (layers {', '.join(layers)})")
    return 0


def _units_from_buildings(args: argparse.Namespace, buildings, communities, roads):
    from ._validate import Report
    from .network import WalkNetwork, edges_frame
    from .tessellation import units_from_buildings

    lines = edges_frame(roads) if isinstance(roads, WalkNetwork) else roads
    report = Report()
    units = units_from_buildings(buildings, communities, roads=lines, households_col=args.households_col,
                                 floors_col=args.floors_col, report=report)
    _say(args, f"built {len(units)} units from {len(buildings)} buildings ({len(report)} report rows)")
    return units


def _cmd_grids_evaluate(args: argparse.Namespace) -> int:
    from ._errors import ColumnError
    from .evaluate import evaluate_grids
    from .io import write_layers

    if len(args.inputs) > 1:
        raise ColumnError("--evaluate takes PLAN and at most one more layer, COMMUNITIES")
    plan = _read_grid_input(args.evaluate, "grids", "plan")
    communities = _read_grid_input(Path(args.inputs[0]), "communities", "communities") if args.inputs else None
    roads = _read_roads(args.roads)
    res = evaluate_grids(plan, communities, households_col=args.households_col,
                         min_households=args.min_households, max_households=args.max_households, roads=roads)
    for key, value in res.summary.iloc[0].items():
        _say(args, f"{key:>24}: {value:.4g}" if isinstance(value, float) else f"{key:>24}: {value}")
    out = args.out or args.evaluate.with_name(Path(str(args.evaluate).split(":")[0]).stem + "_scores.gpkg")
    write_layers({"grid_scores": res.grids, "summary": res.summary, "report": res.report}, out)
    _say(args, f"wrote {out} (layers grid_scores, summary, report)")
    return 0


@_command
def _add_merge(sub) -> None:
    p = sub.add_parser("merge", help="多网合一: conflicts between departmental grid layers and one nested plan")
    p.add_argument("communities", type=Path, help="community polygons (FILE or FILE.gpkg:layer)")
    p.add_argument("layers", nargs="+", metavar="NAME=FILE",
                   help="departmental grid layers, e.g. 综治=zz.gpkg 城管=cg.shp (the first is the reference)")
    p.add_argument("--grid-id-col", default="grid_id", help="grid id column in every layer")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage (conflicts, unified, mapping, report)")
    p.set_defaults(func=_cmd_merge)


def _cmd_merge(args: argparse.Namespace) -> int:
    from ._errors import ColumnError
    from .io import write_layers
    from .merge import merge_grid_layers

    layers = {}
    for item in args.layers:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ColumnError(f"'{item}' is not NAME=FILE; name each departmental layer, e.g. 综治=zz.gpkg")
        layers[name] = _read_grid_input(Path(path), "grids", name)
    communities = _read_grid_input(args.communities, "communities", "communities")
    res = merge_grid_layers(layers, communities, grid_id_col=args.grid_id_col, reference=next(iter(layers)))
    _say(args, f"{len(res.conflicts)} conflicts; one nested plan of {len(res.unified)} grids")
    write_layers({"conflicts": res.conflicts, "unified": res.unified, "mapping": res.mapping,
                  "report": res.report}, args.out)
    _say(args, f"wrote {args.out} (layers conflicts, unified, mapping, report)")
    return 0
# === end grids ===


# === coverage (issue 4) ===
def _number_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(x) for x in text.replace("，", ",").split(",") if x.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from exc
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


@_command
def _add_coverage(sub) -> None:
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
    bands.add_argument("--minutes", type=_number_list, default=None, help="time bands, e.g. 5,10,15 (default)")
    bands.add_argument("--meters", type=_number_list, default=None, help="distance bands, e.g. 300,500,1000")
    p.add_argument("--speed-kmh", type=float, default=4.0,
                   help="walking speed (default 4.0 = GB 50180-2018's 1,000 m in 15 min; elderly 3.0)")
    p.add_argument("--max-snap-m", type=float, default=100.0, help="longest straight leg to the network (m)")
    p.add_argument("--max-walk-m", type=float, default=None,
                   help="stop the search at this walk (m), e.g. the largest band: faster on big networks; "
                        "units farther get band 'beyond' (default: search every walk to its end)")
    p.add_argument("--grids", type=Path, default=None, help="grid polygons with grid_id")
    p.add_argument("--communities", type=Path, default=None, help="community polygons with community_id")
    p.add_argument("--gap-band", default=None, help="band whose gaps to map (default: the largest)")
    p.set_defaults(func=_cmd_coverage)


def _read_cov_layer(path: Path, default_layer: str, name: str):
    """A layer (or a points table) for the coverage command; picks ``default_layer`` in a GeoPackage."""
    from .io import read_layer, read_points_table

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
    from .bands import make_bands
    from .coverage import coverage_summary, walking_coverage
    from .gaps import coverage_gaps
    from .io import write_layers
    from .service_areas import isochrones
    from .network import read_network
    from .snapping import snap_layer

    network = read_network(args.network)
    _say(args, f"network: {network.n_nodes} nodes, {network.n_edges} edges, "
               f"{network.length_m.sum() / 1000:.1f} km ({len(network.report)} report rows)")
    stations = _read_cov_layer(args.stations, "stations", "stations")
    demand = _read_cov_layer(args.demand, "units", "demand")
    minutes = args.minutes if args.minutes is not None else (5, 10, 15)
    bands = make_bands(minutes=None if args.meters else minutes, meters=args.meters, speed_kmh=args.speed_kmh)
    opts = dict(minutes=minutes, meters=args.meters, speed_kmh=args.speed_kmh, max_snap_m=args.max_snap_m)
    scored = walking_coverage(demand, stations, network, max_walk_m=args.max_walk_m, **opts)
    snapped = snap_layer(stations, network, max_snap_m=args.max_snap_m, name="stations")
    communities = _read_cov_layer(args.communities, "communities", "communities") if args.communities else None
    grids = _read_cov_layer(args.grids, "grids", "grids") if args.grids else None
    summary = coverage_summary(scored, bands=bands, communities=communities, grids=grids)
    iso = isochrones(stations, network, **opts)
    gap_band = args.gap_band or bands[-1].label
    gaps = coverage_gaps(scored, network, band=gap_band, max_snap_m=args.max_snap_m)
    report = network.report
    write_layers({"demand": scored, "stations": snapped, "isochrones": iso, "gaps": gaps, "report": report},
                 args.out)
    summary_path = args.out.with_name(args.out.stem + "_summary.csv")
    summary.to_csv(summary_path, index=False, encoding="utf-8-sig")
    overall = summary[summary.level == "overall"].iloc[0]
    _say(args, f"speed {args.speed_kmh:g} km/h; households covered: " + ", ".join(
        f"{b.label} {overall[f'pct_hh_{b.label}']:.1f}%" for b in bands))
    off = int((scored["reason"] != "").sum())
    if off:
        _say(args, f"{off} units not reached (see column 'reason'); "
                   f"{int((snapped['reason'] != '').sum())} stations off the network")
    _say(args, f"{len(gaps)} gaps beyond {gap_band}, largest {gaps['households'].max() if len(gaps) else 0:g} households")
    _say(args, f"wrote {args.out} (layers demand, stations, isochrones, gaps, report) and {summary_path}")
    return 0
# === end coverage ===


# === map (issue 5) ===
@_command
def _add_map(sub) -> None:
    p = sub.add_parser("map", help="draw grids and coverage as one self-contained (offline) HTML map")
    p.add_argument("--grids", type=Path, default=None, help="GeoPackage with a 'grids' layer (spatial grids)")
    p.add_argument("--coverage", type=Path, default=None,
                   help="GeoPackage with layers demand, stations, isochrones, gaps (spatial coverage)")
    p.add_argument("--sites", type=Path, default=None, help="GeoPackage with a 'sites' layer (spatial site)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="labels and legend (default: zh)")
    p.add_argument("--tiles", default=None,
                   help="basemap: osm, amap (GCJ-02) or an XYZ URL template (default: none, network as context)")
    p.add_argument("--speed-kmh", type=float, default=4.0, help="walking speed stated on the map (default: 4.0)")
    p.add_argument("--min-households", type=float, default=300, help="grid band floor (default: 300)")
    p.add_argument("--max-households", type=float, default=500, help="grid band ceiling (default: 500)")
    p.add_argument("--online", action="store_true", help="load Leaflet from CDNs instead of inlining it")
    p.add_argument("--out", type=Path, required=True, help="HTML file to write, e.g. maps/NAME.html")
    p.set_defaults(func=_cmd_map)


def _cmd_map(args: argparse.Namespace) -> int:
    from .mapfiles import map_from_files
    from .maps import save_map

    if args.grids is None and args.coverage is None:
        print("spatial map: error: give --grids, --coverage or both", file=sys.stderr)
        return 2
    if args.sites is not None and (args.grids is None or args.coverage is None):
        print("spatial map: error: --sites are drawn on the overview; give --grids and --coverage too",
              file=sys.stderr)
        return 2
    options = {"lang": args.lang, "tiles": args.tiles}
    if args.coverage is not None:
        options["speed_kmh"] = args.speed_kmh
    if args.grids is not None:
        options.update(min_households=args.min_households, max_households=args.max_households)
    m = map_from_files(grids=args.grids, coverage=args.coverage, sites=args.sites, **options)
    path = save_map(m, args.out, offline=not args.online)
    _say(args, f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0


@_command
def _add_screenshot(sub) -> None:
    p = sub.add_parser("screenshot", help="save a PNG of a map as headless Chromium draws it offline")
    p.add_argument("html", type=Path, help="a map written by spatial map / demo")
    p.add_argument("png", type=Path, help="the PNG to write")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=860)
    p.add_argument("--wait-ms", type=int, default=4000, help="virtual time to let the map draw")
    p.set_defaults(func=_cmd_screenshot)


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from ._screenshot import screenshot

    out = screenshot(args.html, args.png, width=args.width, height=args.height, wait_ms=args.wait_ms)
    _say(args, f"wrote {out}")
    return 0
# === end map ===


# === site (issue 6) ===
@_command
def _add_site(sub) -> None:
    p = sub.add_parser("site", help="choose new station sites (maximal coverage or set cover)")
    p.add_argument("network", type=Path, help="walking network (.graphml, .osm, .osm.pbf or a line layer)")
    p.add_argument("stations", type=Path, help="existing stations (.gpkg/.geojson/.shp, or .csv/.xlsx)")
    p.add_argument("demand", type=Path, help="residential units with a households column")
    p.add_argument("--candidates", type=Path, default=None,
                   help="candidate sites with candidate_id (default: network nodes near uncovered homes)")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--k", type=int, help="number of new sites (maximal coverage)")
    goal.add_argument("--target", type=float, help="share of households to cover, e.g. 0.99 (set cover)")
    p.add_argument("--band", default="15min", help="band to site for (default: 15min)")
    p.add_argument("--speed-kmh", type=float, default=4.0, help="walking speed (default: 4.0 km/h)")
    p.add_argument("--min-floor-area-m2", type=float, default=None, help="smallest candidate floor area")
    p.add_argument("--capacity-households", type=float, default=None, help="most households per new site")
    p.add_argument("--time-limit-s", type=float, default=30.0, help="time limit of the exact model")
    p.add_argument("--no-exact", action="store_true", help="greedy only, skip the exact check")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage")
    p.set_defaults(func=_cmd_site)


def _site_read(path: Path, name: str, layers: tuple[str, ...]):
    """Read a layer; in a GeoPackage with several layers, the one named like its role."""
    import pyogrio

    from .io import read_layer, read_points_table

    if path.suffix.lower() in (".csv", ".xlsx"):
        return read_points_table(path)
    layer = None
    if path.suffix.lower() == ".gpkg" and path.exists():
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
        layer = next((n for n in layers if n in names), None) if len(names) > 1 else None
    return read_layer(path, layer=layer, name=name)


def _cmd_site(args: argparse.Namespace) -> int:
    import re

    from .io import write_layers
    from .network import read_network
    from .siting import site_stations

    m = re.fullmatch(r"(\d+(?:\.\d+)?)(min|m)", args.band)
    if m is None:
        raise SpatialError(f"--band {args.band!r} must look like 15min or 1000m")
    value = float(m.group(1))
    bands = {"minutes": (value,), "meters": None} if m.group(2) == "min" else {"minutes": None, "meters": (value,)}
    network = read_network(args.network)
    result = site_stations(
        _site_read(args.demand, "demand", ("units", "demand")),
        _site_read(args.stations, "stations", ("stations",)), network,
        candidates=None if args.candidates is None else _site_read(args.candidates, "candidates",
                                                                   ("candidates",)),
        k=args.k, target=args.target, band=args.band, speed_kmh=args.speed_kmh,
        min_floor_area_m2=args.min_floor_area_m2, capacity_households=args.capacity_households,
        exact=not args.no_exact, time_limit_s=args.time_limit_s, **bands,
    )
    write_layers({"sites": result.sites, "before_after": result.before_after,
                  "unreachable": result.unreachable, "report": result.report}, args.out)
    o = result.optimality
    for _, row in result.sites.iterrows():
        _say(args, f"{row['site_id']}  {row['candidate_id']}  +{row['gain_households']:.0f} households  "
                   f"-> {row['cum_coverage_pct']:.2f}%")
    overall = result.before_after.iloc[0]
    _say(args, f"coverage within {result.band.label}: {overall['pct_before']:.2f}% -> {overall['pct_after']:.2f}% "
               f"of households")
    def num(v, fmt=".0f"):
        return "-" if v is None else format(v, fmt)

    if o["exact_value"] is not None or o["status"] != "greedy only":
        _say(args, f"optimality ({o['problem']}): greedy {num(o['greedy_value'])}, exact {num(o['exact_value'])}, "
                   f"bound {num(o['bound'])}, greedy gap {num(o['gap_pct'], '.2f')}% ({o['status']}, "
                   f"{o['seconds']:.2f} s); kept the {o['solution']} plan, gap {num(o['plan_gap_pct'], '.2f')}%")
    else:
        _say(args, f"optimality ({o['problem']}): greedy only, no exact check")
    if o.get("message"):
        _say(args, o["message"])
    _say(args, f"wrote {args.out} (layers sites, before_after, unreachable, report)")
    return 0
# === end site ===


# === run (issue 7) ===
@_command
def _add_run(sub) -> None:
    p = sub.add_parser("run", help="run a whole project from one TOML file into one output folder")
    p.add_argument("project", type=Path, help="project file (see data/demo_project.toml)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: the project's output)")
    p.add_argument("--scheduler", default=None, metavar="local|ADDRESS",
                   help="run grids and coverage on Dask: 'local' (a LocalCluster) or a scheduler address "
                        "such as tcp://10.0.0.5:8786 (needs pip install 'spatial[dask]')")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace) -> int:
    from .run import run_project

    result = run_project(args.project, out_dir=args.out, progress=not args.quiet, scheduler=args.scheduler)
    for path in result.files:
        _say(args, f"wrote {path}")
    return 0
# === end run ===


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="spatial",
        description="Community grids (网格) and 15-minute walking service circles (15分钟服务圈).",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in _COMMANDS:
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``spatial`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else (logging.DEBUG if args.verbose else logging.INFO)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except SpatialError as exc:
        print(f"spatial: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
