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
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from spatial.core.checks import Report
from spatial.core.errors import ColumnError, CRSError, GeometryError, InputFileError
from spatial.io._encoding import canonical, decode_text_file, detect_encoding
from spatial.io._shapefile import (
    FIELD_MAP_SUFFIX,
    check_text,
    family,
    restore_field_names,
    shapefile_encoding,
    short_names,
)
from spatial.io.coords import convert, normalize_coord_sys, to_wgs84

logger = logging.getLogger(__name__)

__all__ = ["read_layer", "read_points_table", "write_layers", "write_shapefile", "FIELD_MAP_SUFFIX"]


_VECTOR_SUFFIXES = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile"}
_SNIFF_BYTES = 1_000_000
_LON_NAMES = ("lon", "lng", "long", "longitude", "x", "经度", "x坐标", "lon_wgs84", "lng_wgs84")
_LAT_NAMES = ("lat", "latitude", "y", "纬度", "y坐标", "lat_wgs84")


# --------------------------------------------------------------------------------------- reading


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    coord_sys: str = "wgs84",
    name: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer from a GeoPackage, GeoJSON or Shapefile.

    Parameters
    ----------
    path : str or Path
        ``.gpkg``, ``.geojson``/``.json`` or ``.shp`` file, or a ``.zip`` holding one of them.
    layer : str, optional
        Layer of a GeoPackage; required when the file holds more than one.
    encoding : str, optional
        Text encoding of a shapefile's DBF. By default the ``.cpg`` file is honoured and, without
        one, the encoding is detected from the attribute bytes (UTF-8, else GB18030/GBK).
        GeoJSON that is not UTF-8 is detected the same way; GeoPackage text is always UTF-8.
    coord_sys : {"wgs84", "gcj02", "bd09"}
        System the lon/lat coordinates are really in; GCJ-02 and BD-09 are moved to WGS-84.
    name : str, optional
        Layer name for messages and reports (default: the file name).
    crs : str, optional
        CRS to assume when the file declares none (e.g. a shapefile without ``.prj``).

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
    if suffix not in _VECTOR_SUFFIXES:
        raise InputFileError(
            f"'{path}': unsupported file type {suffix!r}; use a GeoPackage (.gpkg), GeoJSON "
            "(.geojson) or Shapefile (.shp, or zipped); for CSV/Excel station tables use read_points_table"
        )
    kwargs: dict = {}
    if suffix == ".gpkg":
        kwargs["layer"] = _pick_layer(path, layer)
    elif layer is not None:
        kwargs["layer"] = layer
    source: Path | _io.BytesIO = path
    if suffix == ".shp":
        kwargs["encoding"] = shapefile_encoding(path, encoding)
    elif suffix in (".geojson", ".json"):
        source = _geojson_source(path, encoding)
    elif encoding is not None:
        logger.info("'%s': encoding=%r ignored; GeoPackage text is always UTF-8", path, encoding)
    try:
        gdf = pyogrio.read_dataframe(source, **kwargs)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"cannot decode the text of '{path}' as {kwargs.get('encoding', 'UTF-8')} ({exc}); "
            "pass the right encoding= (e.g. 'gb18030' or 'utf-8') or correct the .cpg file"
        ) from exc
    except (DataSourceError, DataLayerError, OSError, LookupError) as exc:
        raise InputFileError(f"cannot read '{path}': {exc}") from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputFileError(f"'{path}' layer {kwargs.get('layer')!r} has no geometry; read it with pandas")
    if suffix == ".shp":
        gdf = restore_field_names(gdf, path)
    if gdf.crs is None:
        if crs is None:
            raise CRSError(
                f"'{label}' ({path}) declares no CRS; pass crs='EPSG:4326' (or the CRS the "
                "coordinates are in) to read_layer, or add a .prj file"
            )
        gdf = gdf.set_crs(crs)
    system = normalize_coord_sys(coord_sys)
    if system != "wgs84":
        gdf = to_wgs84(gdf, system, name=label)
        logger.info("'%s': moved %d geometries from %s to WGS-84", label, len(gdf), system)
    logger.info("read %d rows from '%s'", len(gdf), path)
    return gdf


def _read_zipped(path: Path, *, layer: str | None, **options) -> gpd.GeoDataFrame:
    """Read the one shapefile/GeoPackage/GeoJSON in a .zip (``layer`` picks one by file stem)."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if Path(m).suffix.lower() in _VECTOR_SUFFIXES
                       and not Path(m).name.startswith(("._", "."))]
            if layer is not None and len(members) > 1:
                members = [m for m in members if Path(m).stem == layer] or members
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
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"cannot read '{path}' as a zip file: {exc}") from exc


def _geojson_source(path: Path, encoding: str | None) -> Path | _io.BytesIO:
    """The path of a UTF-8 GeoJSON, or its text re-encoded as UTF-8 when it is GBK (or ``encoding``).

    GeoJSON must be UTF-8 (RFC 7946), but files saved by older Chinese tools are GBK; GDAL then
    fails on the first Chinese byte.
    """
    if encoding is None:
        with open(path, "rb") as f:
            head = f.read(_SNIFF_BYTES)
        found = detect_encoding(head)
        if found == "utf-8":
            return path
        encoding = found
        logger.warning("'%s' is not UTF-8 as GeoJSON must be; read it as %s", path, found)
    text, _ = decode_text_file(path, encoding=encoding)
    return _io.BytesIO(text.encode("utf-8"))


def _pick_layer(path: Path, layer: str | None) -> str:
    try:
        layers = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
    except (DataSourceError, OSError) as exc:
        raise InputFileError(f"cannot read '{path}': {exc}") from exc
    if layer is None:
        if len(layers) == 1:
            return layers[0]
        raise InputFileError(
            f"'{path}' holds {len(layers)} layers ({', '.join(layers) or 'none'}); pass layer=..."
        )
    if layer not in layers:
        raise InputFileError(f"'{path}' has no layer {layer!r}; it has: {', '.join(layers)}")
    return layer


def read_points_table(
    path: str | Path,
    *,
    lon_col: str | None = None,
    lat_col: str | None = None,
    coord_sys: str = "wgs84",
    coord_sys_col: str | None = None,
    sheet: str | int | None = None,
    encoding: str | None = None,
    crs: str = "EPSG:4326",
) -> gpd.GeoDataFrame:
    """Read a CSV or Excel (.xlsx) table of points, such as a station list, as a GeoDataFrame.

    Parameters
    ----------
    path : str or Path
        ``.csv`` (UTF-8, UTF-8 with BOM or GBK/GB18030, detected) or ``.xlsx``.
    lon_col, lat_col : str, optional
        Coordinate columns; found among common names (``lon``, ``lng``, ``longitude``, ``x``,
        ``经度`` / ``lat``, ``latitude``, ``y``, ``纬度``) when not given.
    coord_sys : {"wgs84", "gcj02", "bd09"}
        System of every row's coordinates (Amap/Tencent pick-ups are GCJ-02, Baidu's are BD-09).
    coord_sys_col : str, optional
        Column giving each row's own system (overrides ``coord_sys``).
    sheet : str or int, optional
        Excel sheet (default: the first).
    encoding : str, optional
        CSV text encoding (default: detected).
    crs : str
        CRS of the coordinate numbers. Chinese shifts need a geographic CRS.

    Returns
    -------
    GeoDataFrame
        Every row and column of the table (coordinate columns keep the values as written),
        with Point geometry in WGS-84 (or ``crs`` when it is not geographic).

    Raises
    ------
    ColumnError
        Coordinate columns not found, or rows whose coordinates are missing, not numbers, out of
        range, or whose coordinate system is unknown (every such row is named; none is dropped).
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
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        text, used = decode_text_file(path, encoding=encoding)
        try:
            df = pd.read_csv(_io.StringIO(text), sep=None if suffix != ".csv" else ",",
                             dtype=str, keep_default_na=False, na_values=[""],
                             engine="python" if suffix != ".csv" else "c")
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputFileError(f"cannot parse '{path}' as CSV ({used}): {exc}") from exc
        df = _infer_numbers(df)
        first_line = 2  # header is line 1
        lines_kept = None
    elif suffix in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine="openpyxl")
        except (ValueError, KeyError, OSError) as exc:
            raise InputFileError(f"cannot read sheet {sheet!r} of '{path}': {exc}") from exc
        except Exception as exc:  # openpyxl raises zipfile/XML errors for damaged files
            raise InputFileError(f"cannot read '{path}' as an Excel workbook: {exc}") from exc
        first_line = 2
        blank = df.isna().all(axis=1).to_numpy()
        if blank.any():  # formatted but empty rows below the table are not data
            logger.info("'%s': skipped %d entirely empty rows", path, int(blank.sum()))
            lines_kept = np.flatnonzero(~blank) + first_line
            df = df.loc[~blank]
        else:
            lines_kept = None
    else:
        raise InputFileError(f"'{path}': unsupported table type {suffix!r}; use .csv or .xlsx")
    df.columns = [str(c).strip() for c in df.columns]
    label = path.name
    lon_col = lon_col or _find_column(df, _LON_NAMES, label, "longitude", "lon_col")
    lat_col = lat_col or _find_column(df, _LAT_NAMES, label, "latitude", "lat_col")
    for col, opt in ((lon_col, "lon_col"), (lat_col, "lat_col")):
        if col not in df.columns:
            raise ColumnError(
                f"'{label}' has no column {col!r} (given as {opt}); it has: {', '.join(df.columns)}"
            )

    lon = pd.to_numeric(df[lon_col], errors="coerce").to_numpy(dtype=float, copy=True)
    lat = pd.to_numeric(df[lat_col], errors="coerce").to_numpy(dtype=float, copy=True)
    lines = np.arange(len(df)) + first_line if lines_kept is None else lines_kept
    bad = np.isnan(lon) | np.isnan(lat)
    if bad.any():
        raise ColumnError(
            f"'{label}': missing or non-numeric coordinates in {_rows(df, lines, bad, lon_col, lat_col)}; "
            "fill them in or delete those rows"
        )
    target = CRS.from_user_input(crs)
    if target.is_geographic:
        if len(lon) and np.all((lon > 0) & (lon < 60)) and np.all((lat > 70) & (lat < 140)):
            raise ColumnError(
                f"'{label}': columns {lon_col!r} and {lat_col!r} look swapped (every longitude "
                "is below 60 and every latitude above 70); pass lon_col= and lat_col= the other way round"
            )
        out_range = (np.abs(lon) > 180) | (np.abs(lat) > 90)
        if out_range.any():
            raise ColumnError(
                f"'{label}': coordinates out of range (lon -180..180, lat -90..90) in "
                f"{_rows(df, lines, out_range, lon_col, lat_col)}; if they are projected metres, "
                "pass crs= with their CRS"
            )

    systems = _row_systems(df, coord_sys, coord_sys_col, label, lines)
    shifted = systems != "wgs84"
    if shifted.any():
        if not target.is_geographic:
            raise CRSError(
                f"'{label}': GCJ-02/BD-09 coordinates are longitude/latitude, but crs={crs!r} is "
                "projected; pass crs='EPSG:4326'"
            )
        for system in ("gcj02", "bd09"):
            mask = systems == system
            if mask.any():
                lon[mask], lat[mask] = convert(lon[mask], lat[mask], source=system, target="wgs84")
                logger.info("'%s': moved %d rows from %s to WGS-84", label, int(mask.sum()), system)
    gdf = gpd.GeoDataFrame(df, geometry=shapely.points(lon, lat), crs=target)
    logger.info("read %d points from '%s'", len(gdf), path)
    return gdf


def _infer_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Turn all-number text columns into numbers, but keep codes with leading zeros as text."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        filled = s.dropna()
        if not len(filled):
            continue
        nums = pd.to_numeric(filled, errors="coerce")
        if nums.isna().any():
            continue
        if filled.str.match(r"\s*[+-]?0\d").any():
            continue  # e.g. '001', '0755': an id or code, not a number
        out[col] = pd.to_numeric(s, errors="coerce")
    return out


def _find_column(df: pd.DataFrame, names: tuple[str, ...], label: str, what: str, option: str) -> str:
    # "经度（GCJ02）", "Lon (deg)" and " LNG " all count as their bare names
    lowered = {}
    for c in df.columns:
        lowered.setdefault(re.sub(r"[(（\[].*?[)）\]]|\s", "", str(c)).lower(), c)
    for n in names:
        if n in lowered:
            return lowered[n]
    raise ColumnError(
        f"'{label}' has no {what} column (looked for {', '.join(names)}); it has: "
        f"{', '.join(map(str, df.columns))}. Pass {option}='...'"
    )


def _rows(df: pd.DataFrame, lines: np.ndarray, mask: np.ndarray, *cols: str) -> str:
    parts = []
    for k in np.flatnonzero(mask)[:10]:
        values = ", ".join(f"{c}={_show(df[c].iloc[k])}" for c in cols)
        parts.append(f"row {lines[k]} ({values})")
    more = int(mask.sum()) - len(parts)
    return "; ".join(parts) + (f" and {more} more rows" if more > 0 else "")


def _show(value) -> str:
    if isinstance(value, str):
        return repr(value)
    return "empty" if pd.isna(value) else str(value)


def _row_systems(
    df: pd.DataFrame, coord_sys: str, coord_sys_col: str | None, label: str, lines: np.ndarray
) -> np.ndarray:
    if coord_sys_col is None:
        return np.full(len(df), normalize_coord_sys(coord_sys), dtype=object)
    if coord_sys_col not in df.columns:
        raise ColumnError(
            f"'{label}' has no column {coord_sys_col!r} (given as coord_sys_col); it has: "
            f"{', '.join(df.columns)}"
        )
    out = np.empty(len(df), dtype=object)
    bad = np.zeros(len(df), dtype=bool)
    for k, value in enumerate(df[coord_sys_col]):
        try:
            out[k] = normalize_coord_sys(value)
        except ValueError:
            bad[k] = True
    if bad.any():
        raise ColumnError(
            f"'{label}': unknown coordinate system in {_rows(df, lines, bad, coord_sys_col)}; "
            "write wgs84, gcj02 (Amap/Tencent) or bd09 (Baidu)"
        )
    return out


# --------------------------------------------------------------------------------------- writing


def write_layers(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame | Report],
    path: str | Path,
    *,
    driver: str | None = None,
) -> Path:
    """Write layers to one GeoPackage (default), or a single layer to GeoJSON.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame, DataFrame or Report
        Layer name -> data. Plain DataFrames (summaries) and a :class:`Report` become
        attribute-only tables.
        A layer of the same name already in the GeoPackage is replaced; other layers are kept.
    path : str or Path
        Output file; the driver follows the suffix (``.gpkg``, ``.geojson``) unless given.
    driver : {"GPKG", "GeoJSON"}, optional

    Returns
    -------
    Path
        The file written. A named (non-default) index is written as a column.

    Notes
    -----
    GeoJSON is written in EPSG:4326 as RFC 7946 requires; other CRSs are reprojected.
    Shapefiles are written with :func:`write_shapefile` only.

    Examples
    --------
    >>> import os, tempfile, spatial
    >>> demo = spatial.load_demo()
    >>> layers = {"units": demo["units"], "stations": demo["stations"]}
    >>> path = spatial.write_layers(layers, os.path.join(tempfile.mkdtemp(), "demo.gpkg"))
    >>> path.name, len(spatial.read_layer(path, layer="stations"))
    ('demo.gpkg', 17)
    """
    path = Path(path)
    if driver is None:
        driver = _VECTOR_SUFFIXES.get(path.suffix.lower())
        if driver is None:
            raise ValueError(f"cannot tell the format of '{path}' from its suffix; pass driver='GPKG'")
    if driver == "ESRI Shapefile":
        raise ValueError("write shapefiles with write_shapefile(gdf, path) (ASCII field names, GBK)")
    if driver not in ("GPKG", "GeoJSON"):
        raise ValueError(f"driver must be 'GPKG' or 'GeoJSON', got {driver!r}")
    if not layers:
        raise ValueError("no layers to write")
    if driver == "GeoJSON" and len(layers) != 1:
        raise ValueError(
            f"GeoJSON holds one layer but {len(layers)} were given ({', '.join(layers)}); "
            "write a GeoPackage (.gpkg) or one file per layer"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if driver == "GeoJSON" and path.exists():
        path.unlink()
    for lname, data in layers.items():
        if isinstance(data, Report):
            data = data.to_frame()
        if isinstance(data, gpd.GeoDataFrame):
            if data.crs is None:
                raise CRSError(
                    f"layer '{lname}' has no CRS; set it with gdf.set_crs('EPSG:4326') before writing"
                )
            if driver == "GeoJSON" and not CRS.from_user_input(data.crs).equals(CRS.from_epsg(4326)):
                logger.info("layer '%s': reprojected to EPSG:4326 for GeoJSON", lname)
                data = data.to_crs(4326)
        elif not isinstance(data, pd.DataFrame):
            raise TypeError(f"layer '{lname}' must be a GeoDataFrame or DataFrame, got {type(data).__name__}")
        elif driver == "GeoJSON":
            raise ValueError(f"layer '{lname}' has no geometry; GeoJSON needs one: write a .gpkg or CSV")
        frame = _index_as_column(data)
        try:
            pyogrio.write_dataframe(frame, path, layer=lname, driver=driver)
        except (DataSourceError, DataLayerError, OSError) as exc:
            raise InputFileError(f"cannot write layer '{lname}' to '{path}': {exc}") from exc
        logger.info("wrote %d rows to '%s' layer '%s'", len(frame), path, lname)
    return path


def _index_as_column(df: pd.DataFrame) -> pd.DataFrame:
    """Write a named or non-range index as columns; a default 0..n-1 index is not written."""
    idx = df.index
    default = isinstance(idx, pd.RangeIndex) and idx.start == 0 and idx.step == 1 and idx.name is None
    if default:
        return df
    names = [n if n is not None else ("index" if idx.nlevels == 1 else f"index_{k}")
             for k, n in enumerate(idx.names)]
    names = [n if n not in df.columns else f"{n}_index" for n in names]
    return df.rename_axis(names if idx.nlevels > 1 else names[0]).reset_index()


def write_shapefile(gdf: gpd.GeoDataFrame, path: str | Path, *, encoding: str = "GBK") -> Path:
    """Write ``gdf`` as a Shapefile for desktop GIS: ASCII field names, GBK text and a ``.cpg``.

    Field names longer than 10 bytes or not ASCII (``名称``, ``households_total``) get short unique
    ASCII names; ``<name>.fields.csv`` (UTF-8 with BOM, columns ``original, short``) is written
    next to the ``.shp`` and :func:`read_layer` uses it to restore the names.

    Parameters
    ----------
    gdf : GeoDataFrame
        One geometry family (points, lines or polygons), with a CRS.
    path : str or Path
        The ``.shp`` file to write (its other parts go next to it).
    encoding : str
        DBF text encoding; ``"GBK"`` is what Chinese desktop GIS expects.

    Returns
    -------
    Path
        The ``.shp`` written.

    Raises
    ------
    ColumnError
        A text value cannot be encoded in ``encoding`` or is longer than a DBF field (254 bytes).
    GeometryError
        Points, lines and polygons mixed in one layer.

    Examples
    --------
    >>> import os, tempfile, spatial
    >>> folder = tempfile.mkdtemp()
    >>> shp = spatial.write_shapefile(spatial.load_demo()["stations"], os.path.join(folder, "stations.shp"))
    >>> sorted(os.listdir(folder))  # doctest: +NORMALIZE_WHITESPACE
    ['stations.cpg', 'stations.dbf', 'stations.fields.csv', 'stations.prj', 'stations.shp',
     'stations.shx']
    >>> spatial.read_layer(shp).columns.tolist()  # long names restored from stations.fields.csv
    ['station_id', 'name', 'type', 'floor_area_m2', 'community_id', 'synthetic', 'geometry']
    """
    path = Path(path)
    if path.suffix.lower() != ".shp":
        raise ValueError(f"'{path}': a shapefile path must end in .shp")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"write_shapefile needs a GeoDataFrame, got {type(gdf).__name__}")
    if gdf.crs is None:
        raise CRSError(f"'{path.name}': the layer has no CRS; set it with gdf.set_crs('EPSG:4326')")
    enc = canonical(encoding)
    families = {family(t) for t in gdf.geometry.dropna().geom_type.unique()}
    if len(families) > 1:
        raise GeometryError(
            f"'{path.name}': a shapefile holds one geometry type but the layer mixes "
            f"{', '.join(sorted(families))}; split it or write a GeoPackage with write_layers"
        )
    frame = _index_as_column(gdf)
    geom_name = frame.geometry.name
    columns = [c for c in frame.columns if c != geom_name]
    check_text(frame, columns, enc, path.name, encoding)
    short = short_names(columns)
    out = frame.rename(columns=short)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        pyogrio.write_dataframe(out, path, driver="ESRI Shapefile", encoding=encoding)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputFileError(f"cannot write '{path}': {exc}") from exc
    cpg = path.with_suffix(".cpg")
    if not cpg.exists():
        cpg.write_text(encoding.upper(), encoding="ascii")
    mapping = pd.DataFrame({"original": [str(c) for c in columns], "short": [short[c] for c in columns]})
    mapping.to_csv(path.with_name(path.stem + FIELD_MAP_SUFFIX), index=False, encoding="utf-8-sig")
    renamed = sum(1 for c in columns if short[c] != c)
    logger.info("wrote %d rows to '%s' (%s, %d field names shortened)", len(out), path, encoding, renamed)
    return path
