"""``spatial site``: choose new station sites."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import say
from spatial.core.errors import SpatialError


def add_parser(sub) -> None:
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

    from spatial.io.layers import read_layer, read_points_table

    if path.suffix.lower() in (".csv", ".xlsx"):
        return read_points_table(path)
    layer = None
    if path.suffix.lower() == ".gpkg" and path.exists():
        names = [str(n) for n, _ in pyogrio.list_layers(path)]
        layer = next((n for n in layers if n in names), None) if len(names) > 1 else None
    return read_layer(path, layer=layer, name=name)


def _cmd_site(args: argparse.Namespace) -> int:
    import re

    from spatial.io.layers import write_layers
    from spatial.network.read import read_network
    from spatial.siting.sites import site_stations

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
        say(args, f"{row['site_id']}  {row['candidate_id']}  +{row['gain_households']:.0f} households  "
                   f"-> {row['cum_coverage_pct']:.2f}%")
    overall = result.before_after.iloc[0]
    say(args, f"coverage within {result.band.label}: {overall['pct_before']:.2f}% -> {overall['pct_after']:.2f}% "
               f"of households")
    def num(v, fmt=".0f"):
        return "-" if v is None else format(v, fmt)

    if o["exact_value"] is not None or o["status"] != "greedy only":
        say(args, f"optimality ({o['problem']}): greedy {num(o['greedy_value'])}, exact {num(o['exact_value'])}, "
                   f"bound {num(o['bound'])}, greedy gap {num(o['gap_pct'], '.2f')}% ({o['status']}, "
                   f"{o['seconds']:.2f} s); kept the {o['solution']} plan, gap {num(o['plan_gap_pct'], '.2f')}%")
    else:
        say(args, f"optimality ({o['problem']}): greedy only, no exact check")
    if o.get("message"):
        say(args, o["message"])
    say(args, f"wrote {args.out} (layers sites, before_after, unreachable, report)")
    return 0
