"""``spatial merge``: compare departmental grid layers and propose one nested plan (多网合一)."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import read_grid_input, say


def add_parser(sub) -> None:
    p = sub.add_parser("merge", help="多网合一: conflicts between departmental grid layers and one nested plan")
    p.add_argument("communities", type=Path, help="community polygons (FILE or FILE.gpkg:layer)")
    p.add_argument("layers", nargs="+", metavar="NAME=FILE",
                   help="departmental grid layers, e.g. 综治=zz.gpkg 城管=cg.shp (the first is the reference)")
    p.add_argument("--grid-id-col", default="grid_id", help="grid id column in every layer")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage (conflicts, unified, mapping, report)")
    p.set_defaults(func=_cmd_merge)


def _cmd_merge(args: argparse.Namespace) -> int:
    from spatial.core.errors import ColumnError
    from spatial.grids.merge import merge_grid_layers
    from spatial.io.layers import write_layers

    layers = {}
    for item in args.layers:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ColumnError(f"'{item}' is not NAME=FILE; name each departmental layer, e.g. 综治=zz.gpkg")
        layers[name] = read_grid_input(Path(path), "grids", name)
    communities = read_grid_input(args.communities, "communities", "communities")
    res = merge_grid_layers(layers, communities, grid_id_col=args.grid_id_col, reference=next(iter(layers)))
    say(args, f"{len(res.conflicts)} conflicts; one nested plan of {len(res.unified)} grids")
    write_layers({"conflicts": res.conflicts, "unified": res.unified, "mapping": res.mapping,
                  "report": res.report}, args.out)
    say(args, f"wrote {args.out} (layers conflicts, unified, mapping, report)")
    return 0
