"""``spatial merge``: compare departmental grid layers and propose one nested plan (多网合一)."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import LAYER_SUFFIXES, add_column_options, check_inputs, check_output, column, read_input, say

#: names a department layer cannot take: they are columns of the merged layers
RESERVED = ("unified_id", "area_m2", "geometry", "community_id")


def add_parser(sub) -> None:
    p = sub.add_parser("merge", help="多网合一: conflicts between departmental grid layers and one nested plan")
    p.add_argument("communities", type=Path, help="community polygons (FILE or FILE.gpkg:layer)")
    p.add_argument("layers", nargs="+", metavar="NAME=FILE",
                   help="two or more departmental grid layers, e.g. 综治=zz.gpkg 城管=cg.shp:layer "
                        "(the first is the reference)")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage (conflicts, unified, mapping, report)")
    add_column_options(p, "grid_id", "community_id")
    p.set_defaults(func=_cmd_merge)


def _named_layers(items: list[str], community_id_col: str | None) -> dict[str, str]:
    from spatial.core.errors import SpatialError

    named: dict[str, str] = {}
    for item in items:
        name, sep, path = item.partition("=")
        name = name.strip()
        if not sep or not name or not path:
            raise SpatialError(f"'{item}' is not NAME=FILE; name each departmental layer, e.g. 综治=zz.gpkg")
        if name in RESERVED or name == community_id_col:
            raise SpatialError(f"layer name {name!r} is reserved (a column of the merged layers); "
                               f"call the layer something else, e.g. {name}_grids={path}")
        if name in named:
            raise SpatialError(f"layer name {name!r} is given twice; give each department's layer its own name")
        named[name] = path
    if len(named) < 2:
        raise SpatialError(f"merge needs two or more departmental layers (NAME=FILE NAME=FILE), got {len(named)}; "
                           "with one layer there is nothing to merge")
    return named


def _cmd_merge(args: argparse.Namespace) -> int:
    from spatial.grids.merge import merge_grid_layers
    from spatial.io.layers import write_layers

    named = _named_layers(args.layers, args.community_id_col)
    inputs = {"COMMUNITIES": args.communities, **{f"layer {n}": p for n, p in named.items()}}
    check_inputs(inputs, suffixes=dict.fromkeys(inputs, LAYER_SUFFIXES))
    check_output(args.out, inputs=inputs, suffixes=(".gpkg",))
    communities = read_input(args.communities, "communities", "communities")
    cid = column(args, communities, "community_id", "communities")
    layers = {name: read_input(path, "grids", name) for name, path in named.items()}
    gid = {column(args, gdf, "grid_id", name) for name, gdf in layers.items()}
    if len(gid) > 1:
        from spatial.core.errors import ColumnError

        raise ColumnError(f"the layers name their grid ids differently ({', '.join(sorted(gid))}); "
                          "pass --grid-id-col or rename the column in every layer")
    res = merge_grid_layers(layers, communities, grid_id_col=gid.pop(), community_id_col=cid,
                            reference=next(iter(layers)))
    say(args, f"{len(res.conflicts)} conflicts; one nested plan of {len(res.unified)} grids")
    write_layers({"conflicts": res.conflicts, "unified": res.unified, "mapping": res.mapping,
                  "report": res.report}, args.out, fresh=True)
    say(args, f"wrote {args.out} (layers conflicts, unified, mapping, report)")
    return 0
