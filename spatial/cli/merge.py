"""``spatial merge``: compare departmental grid layers and propose one nested plan (多网合一)."""

from __future__ import annotations

import argparse
from pathlib import Path

from spatial.cli._common import (
    LAYER_SUFFIXES,
    add_column_options,
    check_inputs,
    check_output,
    column,
    read_from,
    read_input,
    say,
    source,
)

#: names a department layer cannot take: they are columns of the merged layers
RESERVED = ("unified_id", "area_m2", "geometry", "community_id")


def add_parser(sub) -> None:
    p = sub.add_parser("merge", help="多网合一: conflicts between departmental grid layers and one nested plan")
    p.add_argument("communities", type=Path, help="community polygons (FILE or FILE.gpkg:layer)")
    p.add_argument("layers", nargs="+", metavar="NAME=FILE[@COLUMN]",
                   help="two or more departmental grid layers, e.g. 综治=zz.gpkg 城管=cg.gpkg:layer "
                        "(the first is the reference); each layer's grid id column is found under its own "
                        "name (grid_id, 网格编号, 网格编码 ...) or named after @, e.g. 城管=cg.shp@GRIDNO")
    p.add_argument("--out", type=Path, required=True, help="output GeoPackage (conflicts, unified, mapping, report)")
    add_column_options(p, "grid_id", "community_id")
    p.set_defaults(func=_cmd_merge)


def _split_column(path: str) -> tuple[str, str | None]:
    """``FILE@COLUMN`` -> (``FILE``, ``COLUMN``); a FILE that exists, or has no ``@``, -> (FILE, None)."""
    head, sep, col = path.rpartition("@")
    if not sep or not head or not col.strip() or Path(path).exists():
        return path, None
    return head, col.strip()


def _named_layers(items: list[str], community_id_col: str | None) -> dict[str, str]:
    from spatial.core.errors import SpatialError

    named: dict[str, str] = {}
    for item in items:
        name, sep, path = item.partition("=")
        name = name.strip()
        if not sep or not name or not path:
            raise SpatialError(f"'{item}' is not NAME=FILE; name each departmental layer, e.g. 综治=zz.gpkg "
                               "(or NAME=FILE@COLUMN to name its grid id column)")
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


def _grid_ids(args: argparse.Namespace, gdf, name: str, spec: str, given: str | None):
    """``gdf`` with its grid ids under ``grid_id``: the column named after ``@`` in its NAME=FILE,
    else ``--grid-id-col`` (which then must be in it), else found under common names."""
    from spatial.core.errors import ColumnError
    from spatial.io.columns import find_column

    names = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    have = ", ".join(names) or "no columns but the geometry"
    path = spec.rpartition("@")[0] if given is not None else spec
    found = find_column(gdf, "grid_id", layer=name, required=False)
    example = f"{name}={path}@{found or (names[0] if names else 'COLUMN')}"
    if given is not None and given not in gdf.columns:
        raise ColumnError(f"layer {name} ('{path}') has no column {given!r} (named after @); it has: {have}. "
                          f"Name its grid id column after @, e.g. {example}")
    if given is None and args.grid_id_col is not None and args.grid_id_col not in gdf.columns:
        raise ColumnError(f"layer {name} ('{path}') has no column {args.grid_id_col!r} (given as --grid-id-col); "
                          f"it has: {have}. Drop --grid-id-col to find each layer's own grid id column, or name "
                          f"it layer by layer, e.g. {example}")
    if given is None and args.grid_id_col is None:
        if found is None:
            raise ColumnError(f"layer {name} ('{path}') has no grid id column (looked for grid_id, 网格编号, "
                              f"网格编码 ...); it has: {have}. Name it after @, e.g. {example}")
        given = found
        if found != "grid_id":
            say(args, f"{name}: using column {found} as grid_id")
    col = given or args.grid_id_col
    ids = gdf[col]
    blank = (ids.isna() | (ids.astype(str).str.strip() == "")).to_numpy()
    if blank.any():  # said of the layer's own column (the library would name it grid_id, as renamed)
        from spatial.core.checks import listed

        raise ColumnError(f"layer {name} ('{path}') column {col!r} is empty in row{'s' if blank.sum() > 1 else ''} "
                          f"{listed([int(i) + 1 for i in blank.nonzero()[0]])} (counting from 1 below the header); "
                          "give every grid its id, or delete those rows")
    if col == "grid_id":
        return gdf
    return gdf.drop(columns="grid_id", errors="ignore").assign(grid_id=gdf[col])


def _cmd_merge(args: argparse.Namespace) -> int:
    from spatial.grids.merge import merge_grid_layers
    from spatial.io.layers import write_layers

    named = _named_layers(args.layers, args.community_id_col)
    columns = {name: _split_column(spec) for name, spec in named.items()}
    inputs = {"COMMUNITIES": args.communities, **{f"layer {n}": p for n, (p, _) in columns.items()}}
    check_inputs(inputs, suffixes={k: LAYER_SUFFIXES for k in inputs if k != "COMMUNITIES"})
    check_output(args.out, inputs=inputs, suffixes=(".gpkg",))
    # the library names the layers 'communities' and '城管 grids'; the user gave files
    read_from(args, communities=source(args.communities), **{f"{n} grids": source(p) for n, (p, _) in columns.items()})
    communities = read_input(args.communities, "communities", "communities", points=True)  # a WKT table too
    cid = column(args, communities, "community_id", "communities")
    # each department names its grid ids its own way (多网合一): each layer's own column, as grid_id
    layers = {name: _grid_ids(args, read_input(path, "grids", name), name, named[name], col)
              for name, (path, col) in columns.items()}
    res = merge_grid_layers(layers, communities, grid_id_col="grid_id", community_id_col=cid,
                            reference=next(iter(layers)))
    say(args, f"{len(res.conflicts)} conflicts; one nested plan of {len(res.unified)} grids")
    # no conflicts: the empty layer is still of polygons (GDAL declares it GEOMETRY, which ArcGIS Pro does not open)
    write_layers({"conflicts": res.conflicts, "unified": res.unified, "mapping": res.mapping,
                  "report": res.report}, args.out, fresh=True,
                 geometry_types={"conflicts": "MultiPolygon", "unified": "MultiPolygon"})
    say(args, f"wrote {args.out} (layers conflicts, unified, mapping, report)")
    return 0
