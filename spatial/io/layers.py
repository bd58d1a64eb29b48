"""Read and write layers and station tables: GeoPackage, GeoJSON, Shapefile, CSV and Excel.

GDAL (through pyogrio) does the reading and writing. What is added here is what goes wrong with
Chinese data: shapefiles without ``.cpg`` are GBK read as Latin-1 mojibake with no error (the DBF
bytes are checked and read with the detected encoding), UTF-8 field names are cut at 10 bytes
mid-character (``write_shapefile`` writes ASCII names plus a CSV mapping them back, which
``read_layer`` applies), and station tables come as GBK CSV or Excel in GCJ-02/BD-09 coordinates.
"""

from __future__ import annotations

import io as _io
import logging
import re
import tempfile
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from spatial.core.checks import datum_warning, guess_crs, require_degrees_in_range
from spatial.core.errors import ColumnError, CRSError, InputFileError
from spatial.io._encoding import decode_text_file, detect_encoding, looks_binary
from spatial.io._faults import file_fault, misnamed
from spatial.io._gdal import (  # noqa: F401 (STYLE_TABLES, data_layers, layer_names: read from here too)
    STYLE_TABLES,
    data_layers,
    layer_names,
    read_dataframe,
    unreadable,
    without_measures,
)
from spatial.io._kmltree import Folder, folder_tree, kml_bytes, kml_member, utf8_kml
from spatial.io._shapefile import FIELD_MAP_SUFFIX, check_parts, prj_fault, restore_field_names, shapefile_encoding
from spatial.io._tablegeom import table_geometry
from spatial.io._tables import other_sheets, read_frame
from spatial.io.coords import normalize_coord_sys, to_wgs84
from spatial.io.writers import write_layers, write_shapefile  # the writers; importable from here too

logger = logging.getLogger(__name__)

__all__ = ["read_layer", "read_points_table", "read_table", "write_layers", "write_shapefile", "FIELD_MAP_SUFFIX"]


_VECTOR_SUFFIXES = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile"}
#: Google Earth / 奥维互动地图 (Ovital) placemarks: read, never written.
_KML_SUFFIXES = (".kml", ".kmz")
#: Columns GDAL's LIBKML driver adds to every layer; dropped when no placemark sets them.
_KML_STYLE = ("id", "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
              "visibility", "drawOrder", "icon")
_SNIFF_BYTES = 1_000_000
#: a layer of attributes only (a GeoPackage's plain table), where points or polygons are wanted
_NO_GEOMETRY = ("has no geometry (a table of attributes only); give a layer of points or polygons, or a CSV or "
                "workbook with lon/lat or WKT columns (spatial.read_table reads a plain table)")


# --------------------------------------------------------------------------------------- reading


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    coord_sys: str = "wgs84",
    name: str | None = None,
    crs: str | None = None,
    tables: bool = False,
) -> gpd.GeoDataFrame:
    """Read one vector layer from a GeoPackage, GeoJSON, Shapefile or KML/KMZ.

    Parameters
    ----------
    path : str or Path
        ``.gpkg``, ``.geojson``/``.json`` or ``.shp`` file, or a ``.zip`` holding one of them, or
        ``.kml``/``.kmz`` placemarks (Google Earth, 奥维互动地图): their folders are layers, the
        heights are dropped, and so are the columns of KML's styling no placemark sets (``Name``
        stays and serves as the ``name`` column).
    layer : str, optional
        Layer of a GeoPackage, or folder of a KML file; required when the file holds more than
        one (with features).
    encoding : str, optional
        Text encoding of a shapefile's DBF. By default the ``.cpg`` file is honoured and, without
        one, the encoding is detected from the attribute bytes (UTF-8, else GB18030/GBK).
        GeoJSON that is not UTF-8 is detected the same way; GeoPackage text is always UTF-8.
    coord_sys : {"wgs84", "gcj02", "bd09"}
        System the lon/lat coordinates are really in; GCJ-02 and BD-09 are moved to WGS-84 (a
        layer in a projected CRS, made from such numbers, through lon/lat, keeping its CRS).
    name : str, optional
        Layer name for messages and reports (default: the file name).
    crs : str, optional
        CRS to assume when the file declares none (e.g. a shapefile without ``.prj``).
    tables : bool
        Give a layer without geometry (a GeoPackage table: a plan of ``unit_id, grid_id`` kept
        so) as the plain DataFrame it is, instead of refusing it.

    Returns
    -------
    GeoDataFrame
        Columns as in the file (short shapefile field names mapped back through the
        ``<name>.fields.csv`` written by :func:`write_shapefile`), with its CRS.

    Raises
    ------
    InputFileError
        Missing, unreadable or unsupported file, or a missing/ambiguous layer.
    CRSError
        The file has no CRS and ``crs`` was not given.

    Examples
    --------
    >>> import spatial
    >>> stations = spatial.read_layer(spatial.demo_paths()["layers"], layer="stations")
    >>> len(stations), stations.crs.to_epsg()
    (17, 4326)
    """
    path = Path(path)
    label = name or path.name
    if not path.exists():
        raise InputFileError(f"'{path}' does not exist; check the path (working folder: {Path.cwd()})")
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _read_zipped(path, layer=layer, encoding=encoding, coord_sys=coord_sys, name=label, crs=crs)
    if suffix not in _VECTOR_SUFFIXES and suffix not in _KML_SUFFIXES:
        raise InputFileError(
            f"'{path}': unsupported file type {suffix!r}; use a GeoPackage (.gpkg), GeoJSON (.geojson), "
            "Shapefile (.shp, or zipped) or KML/KMZ; for CSV/Excel tables use read_points_table"
        )
    if suffix in _KML_SUFFIXES:
        gdf = _read_kml(path, layer)
    else:
        gdf = _read_vector(path, suffix, layer, encoding, tables=tables)
    if not isinstance(gdf, gpd.GeoDataFrame):  # a table, asked for with tables=True
        return gdf
    gdf = without_measures(gdf, label)
    if gdf.crs is None:
        if crs is None:
            bad_prj = prj_fault(path) if suffix == ".shp" else ""
            fix = (f"{bad_prj}; copy the .prj again with the shapefile" if bad_prj else "add its .prj file") \
                if suffix == ".shp" else "assign it one (QGIS: Layer Properties > Source; or ogr2ogr -a_srs EPSG:4326)"
            raise CRSError(
                f"'{label}' ({path}) declares no CRS; {fix} (from Python: read_layer(..., crs='EPSG:4326'), "
                f"or the CRS the coordinates are in; in a project file: crs = \"EPSG:...\" in the input)"
                f"{guess_crs(gdf)}"
            )
        gdf = gdf.set_crs(crs)
    require_degrees_in_range(
        gdf, f"'{label}' ({path})", fix="save the layer with the CRS they are really in (QGIS: Layer Properties > "
        "Source > Assigned CRS, then export; or ogr2ogr -a_srs EPSG:<code> out.gpkg in.gpkg)")
    shift = datum_warning(gdf.crs, f"'{label}' ({path})")
    if shift:
        logger.warning(shift)
    system = normalize_coord_sys(coord_sys)
    if system != "wgs84":
        gdf = to_wgs84(gdf, system, name=label)
        logger.info("'%s': moved %d geometries from %s to WGS-84", label, len(gdf), system)
    logger.info("read %d rows from '%s'", len(gdf), path)
    return gdf


def _read_vector(path: Path, suffix: str, layer: str | None, encoding: str | None, *,
                 tables: bool = False) -> gpd.GeoDataFrame:
    """The layer of a GeoPackage, GeoJSON or Shapefile as GDAL reads it (shapefile names restored)."""
    kwargs: dict = {}
    if suffix == ".gpkg":
        kwargs["layer"] = _pick_layer(path, layer)
    elif layer is not None:
        kwargs["layer"] = layer
    source: Path | _io.BytesIO = path
    note = ""  # a warning said once the layer is read
    if suffix == ".shp":
        check_parts(path)  # a part missing or cut short: said before GDAL reads it as empty rows
        kwargs["encoding"] = shapefile_encoding(path, encoding)
    elif suffix in (".geojson", ".json"):
        source, note = _geojson_source(path, encoding)
    elif encoding is not None:
        logger.info("'%s': encoding=%r ignored; GeoPackage text is always UTF-8", path, encoding)
    try:
        gdf = read_dataframe(source, arrow=suffix == ".gpkg", label=path, **kwargs)
    except UnicodeDecodeError as exc:
        if suffix == ".shp" and exc.reason == "unexpected end of data" and len(exc.object) <= 10:
            # a DBF field name holds 10 bytes: 站点编号名称 in UTF-8 (18) is cut inside its 4th character
            raise InputFileError(
                f"'{path}' has a field name cut in the middle of a character "
                f"('{bytes(exc.object)[:exc.start].decode('utf-8', 'replace')}…'): a "
                "shapefile keeps 10 bytes of a name, 3 Chinese characters in UTF-8; save the layer as a "
                "GeoPackage (.gpkg), or give its fields names of at most 3 Chinese characters"
            ) from exc
        raise InputFileError(
            f"cannot decode the text of '{path}' as {kwargs.get('encoding', 'UTF-8')} ({exc}); "
            "correct the .cpg file beside it (it names the encoding: GB18030 or UTF-8), or in Python pass "
            "encoding= (e.g. 'gb18030' or 'utf-8')"
        ) from exc
    except (DataSourceError, DataLayerError, OSError, LookupError) as exc:
        if suffix == ".shp" and prj_fault(path):  # GDAL fails on a .prj cut short: 'missing , or ]'
            raise InputFileError(f"cannot read '{path}': {prj_fault(path)}; copy the .prj again with the shapefile, "
                                 "or delete it and give the CRS (crs = \"EPSG:...\" in a project file's input)") \
                from exc
        raise unreadable(path, exc) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        if tables:
            return gdf
        raise InputFileError(f"'{path}' layer {kwargs.get('layer')!r} {_NO_GEOMETRY}")
    if note:
        logger.warning(note)
    return restore_field_names(gdf, path) if suffix == ".shp" else gdf


def _read_zipped(path: Path, *, layer: str | None, **options) -> gpd.GeoDataFrame:
    """Read the one shapefile/GeoPackage/GeoJSON in a .zip (``layer`` picks one by file stem)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if Path(m).suffix.lower() in _VECTOR_SUFFIXES
                       and not Path(m).name.startswith(("._", "."))]
            if layer is not None and len(members) > 1:
                members = [m for m in members if Path(m).stem == layer] or members
            if not members and misnamed(path):  # a workbook or a KMZ renamed .zip
                raise InputFileError(f"cannot read '{path}': {misnamed(path)}")
            if len(members) != 1:
                raise InputFileError(
                    f"'{path}' holds {len(members)} layer files ({', '.join(members) or 'none'}); "
                    + ("pass layer= with the file name without suffix" if members
                       else "zip a .shp (with its .dbf, .shx, .prj, .cpg), .gpkg or .geojson")
                )
            with tempfile.TemporaryDirectory() as tmp:
                stem = str(Path(members[0]).with_suffix(""))
                for m in archive.namelist():
                    if m == members[0] or str(Path(m).with_suffix("")) == stem or m.endswith(FIELD_MAP_SUFFIX):
                        archive.extract(m, tmp)
                inner_layer = layer if Path(members[0]).suffix.lower() == ".gpkg" else None
                return read_layer(Path(tmp) / members[0], layer=inner_layer, **options)
    except (zipfile.BadZipFile, NotImplementedError, OSError) as exc:
        again = "zip the layer's files again"
        raise InputFileError(f"cannot read '{path}' as a zip file: {file_fault(path, str(exc), again) or exc}") \
            from exc


def _geojson_source(path: Path, encoding: str | None) -> tuple[Path | _io.BytesIO, str]:
    """The path of a UTF-8 GeoJSON, or its text re-encoded as UTF-8 when it is GBK (or ``encoding``),
    and the warning to give once it has been read (none: ``""``).

    GeoJSON must be UTF-8 (RFC 7946), but files saved by older Chinese tools are GBK; GDAL then
    fails on the first Chinese byte. A file whose bytes are no text at all (damaged, or another
    format) is refused here, as what it is; the warning waits for the read, so that a file that
    then fails is said in one line.
    """
    if misnamed(path):  # a GeoPackage saved as .geojson: said before its bytes are taken for text
        raise InputFileError(f"cannot read '{path}': {misnamed(path)}")
    note = ""
    if encoding is None:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
        if head and looks_binary(head):
            raise InputFileError(f"cannot read '{path}': it is damaged or cut short (it holds binary data, not "
                                 "GeoJSON text); export the layer again")
        found = detect_encoding(head)
        if found == "utf-8":
            return path, ""
        encoding = found
        note = f"'{path}' is not UTF-8 as GeoJSON must be; read it as {found}"
    text, _ = decode_text_file(path, encoding=encoding)
    return _io.BytesIO(text.encode("utf-8")), note


def _named(layers: list) -> str:
    """The first of ``layers`` as the command line, Python and a project file name it, for the
    message ``name one as FILE.gpkg:...``."""
    first = layers[0] if layers else "LAYER"
    return f'{first} (layer= from Python; in a project file, layer = "{first}")'


def _pick_layer(path: Path, layer: str | None) -> str:
    """``layer``, or the file's only layer (QGIS's styles aside); else an error naming them."""
    layers = data_layers(path)
    if layer is None:
        if len(layers) == 1:
            return layers[0]
        raise InputFileError(
            f"'{path}' holds {len(layers)} layers ({', '.join(layers) or 'none'}); name one as "
            f"{path.name}:{_named(layers)}"
        )
    if layer not in layers:
        raise InputFileError(f"'{path}' has no layer {layer!r}; it has: {', '.join(layers)}")
    return layer


def _read_kml(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    """The placemarks of folder ``layer`` (or of the one folder :func:`_kml_folder` picks) and of
    every folder inside it, one after the other, tidied by :func:`_tidy_kml`.

    When they come from more than one folder, a column ``folder`` (``kml_folder`` when the data
    has a ``folder``) says which folder below ``layer`` each placemark lay in (``北片``,
    ``北片/一组``). A KMZ holding one KML document is read as that document: GDAL reads a KMZ's
    typed data (``<SchemaData>``, as GDAL and Google Earth write it) as no columns at all.
    """
    source, single = str(path), path.suffix.lower() == ".kml"
    try:
        if not single and (member := kml_member(path)) is not None:
            source, single = f"/vsizip/{path.resolve().as_posix()}/{member}", True
    except (OSError, zipfile.BadZipFile, NotImplementedError) as exc:
        raise unreadable(path, exc) from exc
    # one KML document; a KMZ of several (GDAL's own layout: doc.kml linking the others) is read as
    # GDAL reads it, its garbled names put back where one name alone garbles so; one whose unlinked
    # documents GDAL would drop is refused (kml_member)
    raw = kml_bytes(path) if single else b""
    utf8, note = utf8_kml(raw, path)
    text, names = _ascii_fields(utf8) if single else (b"", _kml_names(path))
    with tempfile.TemporaryDirectory() as tmp:
        if names or utf8 is not raw:  # GDAL reads the copy in UTF-8, field names ASCII (put back below)
            source = str(Path(tmp) / "doc.kml")
            Path(source).write_bytes(text)
        gdf = _read_kml_source(path, source, layer, names)
    if note:
        logger.warning(note)
    return gdf


def _ascii_fields(text: bytes) -> tuple[bytes, dict[str, str]]:
    """``text`` with every data field name that is not ASCII (``<Data name="户数">``, and the same
    in ``SimpleField``/``SimpleData``) replaced by an ASCII stand-in, and ``{stand-in: name}``.

    GDAL's LIBKML driver writes each byte of such a name as ``_``: 站点编号 and 服务面积 (both 12
    bytes) both came out ``____________``, and one of the two columns was lost.

    Examples
    --------
    >>> _ascii_fields('<Data name="户数"><value>3</value></Data><Data name="id"/>'.encode())
    (b'<Data name="kml_field_1"><value>3</value></Data><Data name="id"/>', {'kml_field_1': '户数'})
    """
    names: dict[bytes, bytes] = {}
    taken = set(re.findall(rb'name="([^"]+)"', text))

    def stand_in(m: re.Match) -> bytes:
        raw = m.group(2)
        if raw.isascii():
            return m.group(0)
        if raw not in names:
            k = len(names) + 1
            while b"kml_field_%d" % k in taken:
                k += 1
            names[raw] = b"kml_field_%d" % k
            taken.add(names[raw])
        return m.group(1) + names[raw] + b'"'

    out = re.sub(rb'(<(?:\w+:)?(?:Data|SimpleField|SimpleData)\s[^>]*?name=")([^"]+)"', stand_in, text)
    return out, {v.decode(): k.decode("utf-8", "replace") for k, v in names.items()}


def _read_kml_source(path: Path, source: str, layer: str | None, names: dict[str, str]) -> gpd.GeoDataFrame:
    """:func:`_read_kml` on ``source`` (``path`` itself, its KMZ's document, or a copy whose field
    names are the ASCII stand-ins ``names`` gives back)."""
    try:
        layers = [str(x) for x in pyogrio.list_layers(source)[:, 0]]
        counts = {x: int(pyogrio.read_info(source, layer=x)["features"]) for x in layers}
    except (DataSourceError, DataLayerError, OSError, zipfile.BadZipFile, NotImplementedError) as exc:
        raise unreadable(path, exc) from exc
    if layer is None and not any(counts.values()):  # GDAL gives a document with none as no layer at all
        raise InputFileError(f"'{path}' holds no placemarks (points, lines or areas); export it again with its "
                             "features")
    tree = folder_tree(path, layers) or {x: Folder(((x, x),), frozenset(), None) for x in layers}
    if layer is not None and layer not in layers:
        raise InputFileError(f"'{path}' has no layer {layer!r}; it has: {', '.join(layers)}")
    chosen = layer if layer is not None else _kml_folder(path, layers, counts, tree)
    members = [(m, place) for m, place in tree[chosen].members if counts[m] > 0] or [(chosen, chosen)]
    frames = []
    try:
        for member, place in members:
            gdf = read_dataframe(source, arrow=False, label=path, layer=member)
            if not isinstance(gdf, gpd.GeoDataFrame):
                raise InputFileError(f"'{path}' folder {member!r} {_NO_GEOMETRY}")
            frames.append((place, gdf))
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise unreadable(path, exc) from exc
    if len(frames) == 1 and frames[0][0] == chosen:
        return _tidy_kml(frames[0][1], names)
    tidied = [_tidy_kml(gdf, names) for _, gdf in frames]
    column = "kml_folder" if any("folder" in f.columns for f in tidied) else "folder"
    out = pd.concat([f.assign(**{column: place}) for (place, _), f in zip(frames, tidied)], ignore_index=True)
    geometry = tidied[0].geometry.name
    out = out[[c for c in out.columns if c != geometry] + [geometry]]
    return gpd.GeoDataFrame(out, geometry=geometry, crs=tidied[0].crs)


def _kml_folder(path: Path, layers: list[str], counts: dict[str, int], tree: dict[str, Folder]) -> str:
    """The one folder a KML/KMZ file's placemarks are read from when none is named.

    Offered are the outermost folders whose placemarks (their own and those of the folders inside
    them) are of one kind of geometry, and every folder holding placemarks of several kinds with
    no folder below holding any; an offered folder whose placemarks all lie in one folder inside
    it stands for that folder. One offered folder is taken; more are named in the error.
    """
    def total(x: str) -> int:
        return sum(counts[m] for m, _ in tree[x].members)

    def whole(x: str) -> bool:
        holders = [m for m, _ in tree[x].members if counts[m] > 0]
        return total(x) > 0 and (holders == [x] or len(frozenset().union(*(tree[m].kinds for m in holders))) <= 1)

    def inside_whole(x: str) -> bool:
        parent = tree[x].parent
        return parent is not None and (whole(parent) or inside_whole(parent))

    offered = [x for x in layers if whole(x) and not inside_whole(x)] or layers
    narrowed = []
    for x in offered:
        while counts[x] == 0 and len(inner := [m for m, _ in tree[x].members[1:]
                                               if tree[m].parent == x and total(m) > 0]) == 1:
            x = inner[0]
        narrowed.append(x)
    if len(narrowed) == 1:
        return narrowed[0]

    def size(x: str) -> str:
        holders = [f"{m}: {counts[m]}" for m, _ in tree[x].members if counts[m] > 0 and m != x]
        return f"{x}: {total(x)}" + (f" [{', '.join(holders)}]" if holders else "")

    raise InputFileError(
        f"'{path}' holds {len(narrowed)} layers ({', '.join(size(x) for x in narrowed) or 'none'}); name one as "
        f"{path.name}:{_named(narrowed)}"
    )


def _tidy_kml(gdf: gpd.GeoDataFrame, names: dict[str, str]) -> gpd.GeoDataFrame:
    """Placemarks without heights, without the styling columns no placemark sets (all empty, or
    GDAL's defaults: -1 or 0), and with their data's own names (``names``: the stand-ins of
    :func:`_ascii_fields`)."""
    gdf = gdf.rename(columns={c: n for c, n in names.items() if c in gdf.columns and n not in gdf.columns})
    drop = []
    for col in _KML_STYLE:
        if col in gdf.columns and gdf[col].dropna().astype(str).isin(["", "-1", "0"]).all():
            drop.append(col)
    out = gdf.drop(columns=drop)
    if out.geometry.has_z.any():
        out = out.set_geometry(shapely.force_2d(out.geometry.values), crs=out.crs)
    return out


def _kml_names(path: Path) -> dict[str, str]:
    """``{name as GDAL gives it: name in the file}`` for the data fields of a KMZ GDAL reads itself
    whose names are not ASCII (one-to-one only: GDAL writes each of their bytes as ``_``)."""
    found: dict[str, set] = {}
    for raw in set(re.findall(rb'<(?:\w+:)?(?:Data|SimpleField|SimpleData)\s[^>]*?name="([^"]+)"', kml_bytes(path))):
        name = raw.decode("utf-8", "replace")
        garbled = "".join(c if ord(c) < 128 else "_" * len(c.encode("utf-8")) for c in name)
        if garbled != name:
            found.setdefault(garbled, set()).add(name)
    return {g: next(iter(n)) for g, n in found.items() if len(n) == 1}


def read_points_table(
    path: str | Path,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    coord_sys: str = "wgs84",
    coord_sys_col: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a CSV or Excel (.xlsx) table with coordinates, such as a station list, as a GeoDataFrame.

    The geometry is a point from longitude and latitude columns or, when there are none, any
    geometry written as WKT in one column (``WKT``, ``wkt_geom``, ``geometry``, ...: QGIS,
    geopandas and PostGIS exports of units or blocks; EWKT's ``SRID=...;`` gives the CRS).

    Parameters
    ----------
    path : str or Path
        ``.csv`` (UTF-8, UTF-8 with BOM or GBK/GB18030, detected) or ``.xlsx``.
    lon_col, lat_col : str, optional
        Coordinate columns; found among common names (``lon``, ``lng``, ``longitude``, ``x``,
        ``经度``, ``东经``, ArcGIS's ``POINT_X`` / ``lat``, ``latitude``, ``y``, ``纬度``, ``北纬``,
        ``POINT_Y``) when not given.
    coord_sys : {"wgs84", "gcj02", "bd09"}
        System of every row's coordinates (Amap/Tencent pick-ups are GCJ-02, Baidu's are BD-09).
    coord_sys_col : str, optional
        Column giving each row's own system (overrides ``coord_sys``).
    sheet : str or int, optional
        Excel sheet (default: the first).
    encoding : str, optional
        CSV text encoding (default: detected).
    crs : str, optional
        CRS of the coordinate numbers (default EPSG:4326, or the SRID of EWKT). Chinese shifts
        need a geographic CRS.

    Returns
    -------
    GeoDataFrame
        Every row and column of the table (coordinate columns keep the values as written; a WKT
        column becomes the geometry), in WGS-84 (or ``crs`` when it is not geographic).

    Raises
    ------
    ColumnError
        No coordinate or WKT column, or rows whose coordinates are missing, not numbers, not WKT,
        out of range, or whose coordinate system is unknown (every such row is named; none is
        dropped).
    CRSError
        EWKT rows in different systems, or an SRID that contradicts ``crs``.
    InputFileError
        Missing or unreadable file.

    Examples
    --------
    >>> import os, tempfile, spatial
    >>> stations = spatial.load_demo()["stations"]
    >>> table = stations.assign(lon=stations.geometry.x, lat=stations.geometry.y)
    >>> path = os.path.join(tempfile.mkdtemp(), "stations.csv")
    >>> table.drop(columns="geometry").to_csv(path, index=False)
    >>> points = spatial.read_points_table(path)
    >>> len(points), points.crs.to_epsg(), bool(points.geom_equals_exact(stations.geometry, 1e-9).all())
    (17, 4326, True)
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"'{path}' does not exist; check the path (working folder: {Path.cwd()})")
    df, lines = read_frame(path, sheet=sheet, encoding=encoding)
    try:
        df, geoms, target = table_geometry(df, path.name, lines, lon_col=lon_col, lat_col=lat_col,
                                           coord_sys=coord_sys, coord_sys_col=coord_sys_col, crs=crs)
    except ColumnError as exc:  # the first sheet of a workbook whose table is on another
        others = other_sheets(path) if sheet is None and "has no longitude" in str(exc) else []
        if not others:
            raise
        raise ColumnError(f"{exc}. This is its first sheet; it also has {', '.join(others)}: name one as "
                          f"{path.name}:{others[0]} (sheet= from Python)") from None
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs=target)
    logger.info("read %d rows from '%s'", len(gdf), path)
    return gdf


def read_table(path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None,
               text: bool = False, name: str | None = None) -> pd.DataFrame:
    """Read a CSV or Excel table without coordinates, such as a plan of ``unit_id, grid_id``.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt`` (UTF-8, UTF-8 with BOM or GBK/GB18030, detected) or ``.xlsx``.
    sheet : str or int, optional
        Excel sheet (default: the first).
    encoding : str, optional
        CSV text encoding (default: detected).
    text : bool
        Every cell as the text it holds (ids as written: ``1``, ``01``; blank cells missing)
        instead of all-number columns as numbers.
    name : str, optional
        What the table is, for messages ("cannot read plan 'x.xls' ...").

    Returns
    -------
    DataFrame
        Every row and column below the header (title lines above it skipped, a header in two
        rows of merged cells joined); all-number columns as numbers, codes with leading zeros as
        text (unless ``text``).

    Raises
    ------
    InputFileError
        Missing, empty, binary, undecodable or unparsable file.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "plan.csv"
    >>> _ = path.write_text("unit_id,网格\\n001,A\\n", encoding="gbk")
    >>> read_table(path).to_dict("records")
    [{'unit_id': '001', '网格': 'A'}]
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{name + ' ' if name else ''}'{path}' does not exist; check the path "
                             f"(working folder: {Path.cwd()})")
    return read_frame(path, sheet=sheet, encoding=encoding, text=text, what=f"{name} " if name else "")[0]
