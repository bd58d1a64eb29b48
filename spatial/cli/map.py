"""``spatial map``: grids and coverage as one self-contained offline HTML map."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import (LAYER_SUFFIXES, NETWORK_SUFFIXES, check_inputs, check_output, non_negative,
                                 positive, say)


def add_parser(sub) -> None:
    p = sub.add_parser("map", help="draw grids and coverage as one self-contained (offline) HTML map")
    p.add_argument("--grids", type=Path, default=None, help="GeoPackage with a 'grids' layer (spatial grids)")
    p.add_argument("--coverage", type=Path, default=None,
                   help="GeoPackage with layers demand, stations, isochrones, gaps (spatial coverage)")
    p.add_argument("--sites", type=Path, default=None, help="GeoPackage with a 'sites' layer (spatial site)")
    p.add_argument("--roads", type=Path, default=None,
                   help="streets drawn as context: the network file spatial coverage was given (.graphml, .osm, "
                        ".osm.pbf) or a line layer (its GeoPackage holds no streets: offline, without them or "
                        "--tiles, the map is a blank page)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh", help="labels and legend (default: zh)")
    p.add_argument("--tiles", default=None,
                   help="basemap: osm, amap (GCJ-02) or an XYZ URL template (default: none, the --roads as context)")
    p.add_argument("--speed-kmh", type=positive, default=None,
                   help="walking speed stated on the map, for a --coverage file that does not record the "
                        "speed it was made with (default: the file's speed, else 4.0)")
    p.add_argument("--min-households", type=non_negative, default=None,
                   help="grid band floor (default: 300, or the band the --grids file's grids were drawn for)")
    p.add_argument("--max-households", type=positive, default=None,
                   help="grid band ceiling (default: 500, or the band the --grids file's grids were drawn for)")
    p.add_argument("--credit", action="append", default=[], metavar="TEXT",
                   help="a source of the data drawn, in the map's credit line (repeat for several), "
                        "e.g. --credit \"住户数：XX区2025年房屋普查\"")
    p.add_argument("--online", action="store_true", help="load Leaflet from CDNs instead of inlining it")
    p.add_argument("--out", type=Path, required=True, help="HTML file to write, e.g. maps/NAME.html")
    p.set_defaults(func=_cmd_map)


def _plan_as_grids(path: Path | None) -> None:
    """Refuse a plan of units given as ``--grids`` (the grid editor's CSV or GeoJSON export, a
    table or layer of units with their grid ids) saying how to score it into grids to map: before,
    the editor's export got "cannot read '.csv' files; give one of .gpkg" and no way on."""
    from spatial.cli._common import LAYER_SUFFIXES, TABLE_SUFFIXES
    from spatial.core.errors import InputFileError

    if path is None or not path.is_file():
        return
    suffix, scores = path.suffix.lower(), path.with_name(f"{path.stem}_scores.gpkg")
    then = f"then spatial map --grids {scores} (the grids as scored: households, band, pieces)"
    if suffix in TABLE_SUFFIXES:
        raise InputFileError(f"--grids '{path}' is a table, a plan of units and their grids (as the grid editor "
                             f"exports it), not grids; score it first: spatial grids COMMUNITIES UNITS --existing "
                             f"{path} --evaluate --out {scores}, {then}")
    if suffix in LAYER_SUFFIXES and suffix != ".gpkg":
        raise InputFileError(f"--grids '{path}': spatial map reads the GeoPackage spatial grids writes; for units "
                             f"with their grid ids (the grid editor's GeoJSON export) or grid outlines, score them "
                             f"first: spatial grids --evaluate {path} [COMMUNITIES] --out {scores}, {then}")


def _cmd_map(args: argparse.Namespace) -> int:
    from spatial.core.errors import SpatialError
    from spatial.maps.from_files import map_from_files
    from spatial.maps.interactive import save_map

    if args.grids is None and args.coverage is None:
        raise SpatialError("give --grids, --coverage or both")
    if args.sites is not None and args.coverage is None:
        raise SpatialError("--sites are drawn over the coverage; give --coverage too")
    band = (args.min_households, args.max_households)
    lo, hi = (300 if band[0] is None else band[0]), (500 if band[1] is None else band[1])
    if lo > hi:
        raise SpatialError(f"--min-households {lo:g} is above --max-households {hi:g}")
    inputs = {"--grids": args.grids, "--coverage": args.coverage, "--sites": args.sites, "--roads": args.roads}
    _plan_as_grids(args.grids)
    check_inputs(inputs, suffixes={**dict.fromkeys(inputs, (".gpkg",)), "--roads": LAYER_SUFFIXES + NETWORK_SUFFIXES})
    check_output(args.out, inputs=inputs, suffixes=(".html", ".htm"))
    options = {"lang": args.lang, "tiles": args.tiles, "credits": args.credit}
    if args.coverage is not None and args.speed_kmh is not None:
        options["speed_kmh"] = args.speed_kmh
    if args.grids is not None and band != (None, None):  # else the band the grids were drawn for, if it shows
        options.update(min_households=lo, max_households=hi)
    if args.roads is not None:  # the streets, as spatial editor --roads reads them (every road class)
        from spatial.cli._roads import _read_roads
        from spatial.network.graph import WalkNetwork, edges_frame

        roads = _read_roads(args.roads)
        options["network_edges"] = edges_frame(roads) if isinstance(roads, WalkNetwork) else roads
    m = map_from_files(grids=args.grids, coverage=args.coverage, sites=args.sites, **options)
    path = save_map(m, args.out, offline=not args.online)  # whole or not at all
    say(args, f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0
