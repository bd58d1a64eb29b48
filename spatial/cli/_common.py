"""Helpers shared by the commands: printing, checked option types, one check of every path before
the work starts, reading ``FILE`` or ``FILE.gpkg:layer``, and finding columns under real names."""

from __future__ import annotations

import argparse
import math
import os
import sys
from glob import escape as glob_escape
from pathlib import Path

from spatial.core.errors import GeometryError, InputFileError
from spatial.io._faults import TABLE_SUFFIXES, foreign_type, no_access

#: suffixes of files read as vector layers, tables (with or without coordinates: TABLE_SUFFIXES)
#: and networks
LAYER_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".zip", ".kml", ".kmz")
NETWORK_SUFFIXES = (".graphml", ".osm", ".pbf")


def say(args: argparse.Namespace, text: str) -> None:
    """Print a line for the user unless ``--quiet``; once the reader of the output has gone
    (``spatial run ... | head -1``, a log viewer closed), the rest is left unsaid and the work goes
    on: the files are what the run is for, and its lines are in run_log.json."""
    if not getattr(args, "quiet", False):
        try:
            print(text, flush=True)
        except BrokenPipeError:
            _gone(sys.stdout)


def _gone(stream) -> None:
    """Send what is still written to ``stream`` (a pipe whose reader has gone) to nowhere, so
    that neither a later line nor Python's last flush at exit fails on it."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture): nothing is held
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit 2), naming the command."""

    def error(self, message: str):  # noqa: D401 - argparse's API
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} -h')\n")


class OneDem(argparse.Action):
    """``--dem PATH``, given once: a second ``--dem`` (the next SRTM tile) is refused, saying to
    merge the tiles, where argparse would keep the last and walk the first tile's edges flat."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = [*getattr(namespace, "_dem_tiles", []), values]
        namespace._dem_tiles = given
        if len(given) > 1:
            from spatial.network._dem_units import merge_tiles_hint

            parser.error(f"{option_string} is given {len(given)} times; {merge_tiles_hint(given)}")
        setattr(namespace, self.dest, values)


#: suffixes of a DEM tile (GeoTIFF, SRTM's .hgt): no network, station or unit file has them
_TILE_SUFFIXES = (".tif", ".tiff", ".hgt")


def spaced_bands(argv: list[str]) -> str | None:
    """The fix for ``--meters 300 500 1000`` (bands given with spaces, as the shell splits them:
    argparse took 300 and left the rest over): the option with its numbers joined by commas; else
    None.

    Examples
    --------
    >>> spaced_bands(["coverage", "net.graphml", "st.gpkg", "u.gpkg", "--meters", "300", "500", "1000"])
    '--meters 300,500,1000'
    """
    for i, arg in enumerate(argv):
        if arg not in ("--minutes", "--meters") or i + 1 >= len(argv):
            continue
        numbers = [argv[i + 1].strip(",，")]
        for more in argv[i + 2:]:
            try:
                float(more.strip(",，"))
            except ValueError:
                break
            numbers.append(more.strip(",，"))
        if len(numbers) > 1:
            return f"{arg} {','.join(numbers)}"
    return None


def dem_tiles(argv: list[str], extra: list[str]) -> list[str] | None:
    """The tiles of ``--dem N25E10*.tif`` as a shell expands it: ``--dem``'s file and the ``extra``
    arguments argparse did not take when they are the ones right after it, or the DEM tiles right
    after it (``--dem`` before the inputs: argparse took the second tile as the first input and
    left the last input over); else None.

    Examples
    --------
    >>> dem_tiles(["coverage", "--dem", "N25E108.tif", "N25E109.tif", "net.graphml", "st.gpkg", "u.gpkg"],
    ...           ["u.gpkg"])
    ['N25E108.tif', 'N25E109.tif']
    """
    for i, arg in enumerate(argv):
        if arg != "--dem" or i + 1 >= len(argv):
            continue
        if argv[i + 2:i + 2 + len(extra)] == list(extra):
            return [argv[i + 1], *extra]
        tiles = [argv[i + 1]]
        for more in argv[i + 2:]:
            if not more.lower().endswith(_TILE_SUFFIXES):
                break
            tiles.append(more)
        if len(tiles) > 1:
            return tiles
    return None


def verbosity(parser: argparse.ArgumentParser) -> None:
    """Add ``-q``/``-v`` to ``parser`` so that they are accepted before or after the command."""
    group = parser.add_argument_group("output")
    group.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="print only errors")
    group.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                       help="log every step (-vv: every row)")


# ------------------------------------------------------------------------------- option types


def _number(text: str) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number >= 1."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number >= 0."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def positive(text: str) -> float:
    """An argparse type: a finite number > 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def non_negative(text: str) -> float:
    """An argparse type: a finite number >= 0."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def share(text: str) -> float:
    """An argparse type: a share 0 < x <= 1 (a percentage such as 99 is refused with a hint)."""
    value = _number(text)
    if not 0 < value <= 1:
        hint = f"; write {value / 100:g} for {value:g}%" if 1 < value <= 100 else ""
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text!r}{hint}")
    return value


def number_list(text: str) -> tuple[float, ...]:
    """An argparse type: numbers > 0 separated by commas, e.g. ``5,10,15``."""
    items = [x.strip() for x in text.replace("，", ",").split(",")]
    while items and not items[-1]:  # a trailing comma ("5,10,15,") is harmless
        items.pop()
    if "" in items:  # "5,,15": a band left out by mistake, not two bands
        raise argparse.ArgumentTypeError(f"a band is missing between two commas in {text!r}; write e.g. 5,10,15")
    try:
        values = tuple(float(x) for x in items)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from exc
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise argparse.ArgumentTypeError(f"every band must be a number > 0, got {text!r}")
    return values


# ------------------------------------------------------------------------------- paths


def coord_sys(text: str) -> str:
    """An argparse type: wgs84, gcj02 or bd09 (any spelling ``normalize_coord_sys`` knows)."""
    from spatial.io.coords import normalize_coord_sys

    try:
        return normalize_coord_sys(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def split_spec(spec: str | Path) -> tuple[Path, str | None]:
    """``FILE.gpkg:layer`` (or a .zip's, a KML/KMZ folder, a workbook's sheet) -> (``FILE.gpkg``,
    ``layer``); any other FILE -> (FILE, None)."""
    text = str(spec)
    lowered = text.lower()
    for suffix in (".gpkg:", ".zip:", ".kml:", ".kmz:", ".xlsx:", ".xlsm:", ".xls:", ".ods:"):
        k = lowered.rfind(suffix)
        if k >= 0 and not Path(text).exists():
            return Path(text[:k + len(suffix) - 1]), text[k + len(suffix):] or None
    return Path(text), None


def source(spec: str | Path) -> str:
    """The file as the user named it, for messages: ``units.gpkg``, or ``town.gpkg:units``
    for a layer of a GeoPackage (a sheet of a workbook)."""
    path, layer = split_spec(spec)
    return f"{path.name}:{layer}" if layer else path.name


def read_from(args: argparse.Namespace, **files: str) -> None:
    """Say which file each layer was read from (``units="units.gpkg"``): an error of the library
    naming the layer as it knows it (``'units' has 1 rows ...``) then names the file
    (``'units.gpkg' has 1 rows ...``), see :func:`in_file`."""
    args.__dict__.setdefault("_files", {}).update(files)


def in_file(text: str, files: dict[str, str]) -> str:
    """``text`` with a leading layer name (``'units' ...``) replaced by the file it was read from.

    Examples
    --------
    >>> in_file("'units' column 'unit_id' holds duplicate ids: U2", {"units": "town.gpkg:units"})
    "'town.gpkg:units' column 'unit_id' holds duplicate ids: U2"
    """
    layer = next((k for k in files if text.startswith(f"'{k}'")), None)
    return text if layer is None else f"'{files[layer]}'{text[len(layer) + 2:]}"


def check_inputs(named: dict[str, str | Path | None], *, suffixes: dict[str, tuple[str, ...]] | None = None) -> None:
    """Every input exists, is a file and has a suffix it can be read by; before any work starts.

    ``named`` maps the option or argument (``"STATIONS"``, ``"--roads"``) to its value.
    """
    suffixes = suffixes or {}
    for what, spec in named.items():
        if spec is None:
            continue
        path, _ = split_spec(spec)
        allowed = suffixes.get(what, LAYER_SUFFIXES + TABLE_SUFFIXES)
        if not path.exists():
            near = sorted(p.name for p in path.parent.glob(f"{glob_escape(path.name)}.*")
                          if p.name.lower().endswith(allowed)) if path.parent.is_dir() and not path.suffix else []
            raise InputFileError(f"{what} '{path}' does not exist; " + (  # 'co' for co.shp: the suffix left out
                f"did you mean {path.with_name(near[0])}?" if near else
                f"check the path (working folder: {Path.cwd()})"))
        if path.is_dir():  # a folder of a shapefile (ArcGIS users give the folder): name the files in it
            files = sorted(p.name for p in path.iterdir() if p.is_file() and p.name.lower().endswith(allowed))
            shown = ", ".join(str(path / f) for f in files[:5]) + (f" ({len(files)} in all)" if len(files) > 5 else "")
            raise InputFileError(f"{what} '{path}' is a folder; give a file" + (f" in it: {shown}" if files else
                                 f" (it holds none of {', '.join(allowed)})"))
        if no_access(path):
            raise InputFileError(f"{what} '{path}': {no_access(path)}")
        name = path.name.lower()
        if not any(name.endswith(s) for s in allowed):
            raise InputFileError(f"{what} '{path}'{foreign_type(path, allowed)}")


def check_output(out: Path | None, *, inputs: dict[str, str | Path | None], suffixes: tuple[str, ...],
                 what: str = "--out") -> Path | None:
    """The output path: a known suffix, not under a file, and none of the inputs."""
    from spatial.core.atomic import check_output_path

    if out is None:
        return None
    if out.is_dir():  # ('--out results/', a folder: before its missing suffix is named)
        raise InputFileError(f"{what} '{out}' is a folder; give a file name such as {out / ('out' + suffixes[0])}")
    if not any(str(out).lower().endswith(s) for s in suffixes):
        if not out.suffix:
            raise InputFileError(f"{what} '{out}' has no file type; end the name with {' or '.join(suffixes)}, "
                                 f"e.g. {out.with_name(out.name + suffixes[0])}")
        raise InputFileError(f"{what} '{out}': cannot write {out.suffix!r} files; "
                             f"end the name with {' or '.join(suffixes)}")
    sources = [split_spec(v)[0] for v in inputs.values() if v is not None]
    return check_output_path(out, inputs=sources, what=what)


# ------------------------------------------------------------------------------- reading


def read_input(spec: str | Path, default_layer: str | tuple[str, ...], name: str, *, points: bool = False,
               allow_empty: bool = False, tables: bool = False):
    """Read ``FILE`` or ``FILE.gpkg:layer``; a GeoPackage of several layers gives the one named
    ``default_layer`` (or the first of several names); a CSV/Excel table is read as points when
    ``points`` (it must have lon/lat columns), else as a plain table; with ``tables`` (a plan), a
    GeoPackage's table without geometry is read as the plain table it is."""
    from spatial.io.layers import data_layers, read_layer, read_points_table, read_table

    path, layer = split_spec(spec)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:  # FILE.xlsx:sheet names a sheet of a workbook
        data = read_points_table(path, sheet=layer) if points else read_table(path, sheet=layer)
    else:
        if layer is None and suffix == ".gpkg" and path.is_file() and path.stat().st_size > 0:
            try:
                names = data_layers(path)
            except Exception:  # read_layer says why the file cannot be read
                names = []
            wanted = (default_layer,) if isinstance(default_layer, str) else default_layer
            if len(names) > 1:
                layer = next((n for n in wanted if n in names), None)
        data = read_layer(path, layer=layer, name=name, tables=tables)
    if not allow_empty and len(data) == 0:
        where = f"layer '{layer}' of '{path}'" if layer else f"'{path}'"
        raise GeometryError(f"{name}: {where} has no rows; give a layer with features")
    from spatial.io.personal import warn_personal

    warn_personal(data, f"{name} '{spec}'")  # 户主, 联系电话, 身份证号 ...: kept only in a GeoPackage written
    return data


def read_grid_input(spec: str | Path, default_layer: str, name: str, *, points: bool = False):
    """``read_input`` for a layer or a plain table (CSV/XLSX without coordinates), empty allowed;
    with ``points``, a table is read as a layer (lon/lat columns or WKT), as the units are."""
    return read_input(spec, default_layer, name, allow_empty=True, points=points)


def as_contract(df, found: str | None, canonical: str):
    """``df`` with the column ``found`` (playing ``canonical``'s role) also under the contract's
    name, which the maps and later commands read: renamed when the two differ only in case
    (KML's ``Name``: a GeoPackage cannot hold both, and the copy would be written as ``Name_2``
    with a warning), else copied; another role that read ``found`` reads ``canonical`` after a
    rename (:func:`renamed`)."""
    if found is None or found == canonical or canonical in df.columns:
        return df
    if found.lower() == canonical.lower():
        return df.rename(columns={found: canonical})
    return df.assign(**{canonical: df[found]})


def renamed(df, col: str | None, found: str | None, canonical: str) -> str | None:
    """The column another role reads after :func:`as_contract` made ``found`` ``canonical``."""
    return canonical if col is not None and col == found and col not in df.columns else col


def column(args: argparse.Namespace, df, role: str, layer: str, *, option: str | None = None,
           required: bool = True, swapped: tuple | None = None, said_as: str | None = None) -> str | None:
    """The column of ``df`` for ``role``: the ``--<role>-col`` option, the contract name, or a
    common Chinese/English name (said once: ``using column 户数 as households``).

    ``swapped`` = (other layer, its file, the command's order): where ``df`` has no such column
    and the other layer has one, the message asks whether the two files are the wrong way round.
    ``said_as``: what the column is said to be used as, when not the role's name (``building id``).
    """
    from spatial.core.errors import ColumnError
    from spatial.io.columns import ROLES, find_column

    option = option or f"--{role.replace('_', '-')}-col"
    given = getattr(args, option.lstrip("-").replace("-", "_"), None)
    try:
        found = find_column(df, role, given=given, layer=layer, option=option, required=required)
    except ColumnError as err:
        other, other_file, order = swapped if swapped is not None and given is None else (None, None, None)
        if other is None or find_column(other, role, layer=other_file, required=False) is None:
            raise
        raise ColumnError(f"{err}; {other_file} has one: are the two files the wrong way round? The order is "
                          f"{order}") from None
    canonical = ROLES[role][0]
    seen = args.__dict__.setdefault("_columns_said", set())
    if found is not None and given is None and found != canonical and (layer, role) not in seen:
        seen.add((layer, role))
        say(args, f"{layer}: using column {found} as {said_as or canonical}")
    return found


def require_households(counts, col: str, file: str) -> None:
    """Refuse a households column that is 0 in every row (a template not filled in, or the wrong
    column): coverage shares, grid sizes and new sites would all be shares of nothing."""
    from spatial.core.errors import ColumnError

    if len(counts) and not (counts.to_numpy(dtype=float) > 0).any():
        raise ColumnError(f"'{file}' column '{col}' is 0 in every row ({len(counts):,} rows): there are no households "
                          "to count; fill in the households, or name the column that holds them with --households-col")


def add_column_options(parser: argparse.ArgumentParser, *roles: str) -> None:
    """Add ``--<role>-col`` options (default: found by name) for the given roles."""
    helps = {
        "unit_id": "id column of the units (default: unit_id, 编号, 代码 ...)",
        "station_id": "id column of the stations (default: station_id, 站点编号, 编号 ...)",
        "households": "households column (default: households, 户数, 住户数 ...)",
        "population": "population column (default: population, 人口, 常住人口 ...)",
        "buildings": "buildings column of the units: each grid's 楼栋数 and 楼栋长 (default: buildings, 楼栋数, 栋数 ...)",
        "name": "name column (default: name, 名称, 站点名称 ...)",
        "candidate_id": "id column of the candidates (default: candidate_id, 编号 ...)",
        "community_id": "id column of the communities (default: community_id, 社区编号 ...)",
        "grid_id": "grid id column (default: grid_id, 网格编号 ...)",
    }
    group = parser.add_argument_group("columns (found under common Chinese and English names when not given)")
    for role in roles:
        group.add_argument(f"--{role.replace('_', '-')}-col", default=None, metavar="NAME", help=helps[role])


def detour(text: str) -> float:
    """An argparse type: a detour factor, a finite number >= 1."""
    value = positive(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1 (a walk is never shorter than the straight "
                                         f"line), got {text!r}")
    return value


def add_walk_options(parser: argparse.ArgumentParser) -> None:
    """Add the options of how homes and stations reach the network, as ``spatial coverage`` and
    ``spatial site`` both take them (the same walks, so the same coverage before siting):
    ``--max-snap-m``, and ``--max-off-network-m``, ``--detour-factor``, ``--gates``, ``--barriers``,
    ``--no-water-barriers`` and ``--rail-barriers``/``--no-rail-barriers`` (read with the network:
    ``read_network(water_barriers=..., rail_barriers=...)``)."""
    parser.add_argument("--max-snap-m", type=positive, default=100.0,
                        help="longest straight leg to the network, in metres, of a walk on it (default 100)")
    walks = parser.add_argument_group("homes off the mapped network (paths inside estates the map lacks)")
    walks.add_argument("--max-off-network-m", type=positive, default=300.0,
                       help="a home farther than --max-snap-m from every walkway but within this gets an "
                            "estimated walk (access 'estimated'); farther ones are unreachable (default 300; "
                            "give the --max-snap-m value to turn estimated walks off)")
    walks.add_argument("--detour-factor", type=detour, default=1.25,
                       help="cost of one straight metre over unmapped ground, >= 1 (default 1.25; the "
                            "literature gives 1.2-1.4)")
    walks.add_argument("--gates", type=Path, default=None,
                       help="estate gates (门/出入口), a point layer: estimated walks leave through the nearest gate")
    walks.add_argument("--barriers", type=Path, default=None,
                       help="walls, rivers, arterials without crossings (lines): no leg to the network crosses them; "
                            "inside walls no mapped path enters (a 小区), homes and a station walk straight across "
                            "to each other and leave by a gate of the walls however far")
    walks.add_argument("--no-water-barriers", action="store_true",
                       help="let legs to the network cross the water an OSM network file holds (by default no "
                            "leg crosses a waterway=river|canal line or goes over a natural=water, "
                            "waterway=riverbank or landuse=reservoir area or the coastline: a home is not walked across the river to "
                            "the street on the other bank; bridges are streets), and its railway tracks at ground "
                            "level (railway=rail, narrow_gauge, light_rail, subway, monorail; level crossings are "
                            "streets) unless --rail-barriers is given")
    walks.add_argument("--rail-barriers", action=argparse.BooleanOptionalAction, default=None,
                       help="the railway tracks at ground level alone, whatever --no-water-barriers says: "
                            "--no-rail-barriers lets legs to the network cross them, --rail-barriers keeps them "
                            "off the tracks with --no-water-barriers (a railway fenced at its level crossings "
                            "beside a river with fords); default: as the water")


def check_walk_options(args: argparse.Namespace) -> None:
    """Refuse ``--max-off-network-m`` below ``--max-snap-m`` (before anything is read)."""
    from spatial.core.errors import SpatialError

    if args.max_off_network_m < args.max_snap_m:
        raise SpatialError(f"--max-off-network-m {args.max_off_network_m:g} is below --max-snap-m "
                           f"{args.max_snap_m:g}; give at least --max-snap-m (equal turns estimated walks off)")


def read_walk_layers(args: argparse.Namespace) -> dict:
    """The walk options of :func:`add_walk_options` as keyword arguments of ``walking_coverage`` and
    ``site_stations`` (``max_off_network_m, detour_factor, gates, barriers``), the layers read and checked."""
    from spatial.coverage.walks import check_barriers, check_gates

    gates = barriers = None
    if args.gates is not None:
        gates = read_input(args.gates, "gates", f"--gates {args.gates}", points=True)  # a 经度/纬度 list too
        check_gates(gates, f"--gates {args.gates}")
    if args.barriers is not None:
        barriers = read_input(args.barriers, "barriers", f"--barriers {args.barriers}", points=True)  # WKT too
        check_barriers(barriers, f"--barriers {args.barriers}")
    return dict(max_off_network_m=args.max_off_network_m, detour_factor=args.detour_factor, gates=gates,
                barriers=barriers)


def repaired_units(demand, report, uid: str | None):
    """``demand`` with its invalid geometries repaired (``repair_geometries``, a report row each);
    a footprint with no area left (a ring of two distinct points) is walked from the centre of
    what is left, with a second report row, so that its households keep a location. ``spatial
    coverage`` and ``spatial site`` both walk from the homes so repaired (a flat footprint was walked
    from one end by siting, from its centre by the coverage: 810 against 860 m)."""
    import shapely

    from spatial.core.checks import repair_geometries

    before = demand.geometry.values
    out = repair_geometries(demand, "demand", report, id_col=uid, allow_empty=True)
    after = out.geometry.values
    lost = ~(shapely.is_missing(before) | shapely.is_empty(before)) & shapely.is_empty(after)
    if lost.any():
        out.loc[lost, out.geometry.name] = shapely.centroid(shapely.make_valid(before[lost]))
        ids = (out.index if uid is None else out[uid]).to_numpy()[lost]
        for rid in ids:
            report.add("demand", rid, "no area left after the repair (a line or a point)",
                       "walked from the centre of what is left",
                       zh=("修复后没有面积（只剩线或点）", "从剩余部分的中心点起算步行"))
    return out


def walk_report(network, dem, repaired, *rows):
    """The ``report`` layer of a command that walks homes over ``network`` (``spatial coverage``,
    ``spatial site``): the network's rows (the CRS used, what each rule dropped, the water kept off
    the legs or left out), the DEM's (``dem`` from ``edge_times``, or None), the geometries
    ``repaired`` (a :class:`spatial.Report`), then the command's own ``rows`` (DataFrames). One
    table for both, so a site's file says what its coverage's says of the network."""
    import pandas as pd

    frames = [network.report, *([] if dem is None else [dem.report]),
              *([repaired.to_frame(zh_columns=True)] if len(repaired) else []), *rows]
    return pd.concat(frames, ignore_index=True)


def stderr(text: str) -> None:
    """Print one line to stderr (nowhere, when its reader has gone: ``2>&1 | head -1``)."""
    try:
        print(text, file=sys.stderr, flush=True)
    except BrokenPipeError:
        _gone(sys.stderr)
