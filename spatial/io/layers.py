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
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from spatial.core.errors import ColumnError, CRSError, InputFileError
from spatial.io._encoding import decode_text_file, detect_encoding
from spatial.io._shapefile import FIELD_MAP_SUFFIX, restore_field_names, shapefile_encoding
from spatial.io.coords import convert, normalize_coord_sys, to_wgs84
from spatial.io.writers import write_layers, write_shapefile  # the writers; importable from here too

logger = logging.getLogger(__name__)

__all__ = ["read_layer", "read_points_table", "read_table", "write_layers", "write_shapefile", "FIELD_MAP_SUFFIX"]


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
        System the lon/lat coordinates are really in; GCJ-02 and BD-09 are moved to WGS-84 (a
        layer in a projected CRS, made from such numbers, through lon/lat, keeping its CRS).
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
        gdf = _read_dataframe(source, arrow=suffix == ".gpkg", **kwargs)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"cannot decode the text of '{path}' as {kwargs.get('encoding', 'UTF-8')} ({exc}); "
            "pass the right encoding= (e.g. 'gb18030' or 'utf-8') or correct the .cpg file"
        ) from exc
    except (DataSourceError, DataLayerError, OSError, LookupError) as exc:
        raise _unreadable(path, exc) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputFileError(f"'{path}' layer {kwargs.get('layer')!r} has no geometry; read it with pandas")
    if suffix == ".shp":
        gdf = restore_field_names(gdf, path)
    if gdf.crs is None:
        if crs is None:
            fix = "add its .prj file" if suffix == ".shp" else \
                "assign it one (QGIS: Layer Properties > Source; or ogr2ogr -a_srs EPSG:4326)"
            raise CRSError(
                f"'{label}' ({path}) declares no CRS; {fix}, or pass crs='EPSG:4326' (or the CRS "
                "the coordinates are in) to read_layer"
            )
        gdf = gdf.set_crs(crs)
    system = normalize_coord_sys(coord_sys)
    if system != "wgs84":
        gdf = to_wgs84(gdf, system, name=label)
        logger.info("'%s': moved %d geometries from %s to WGS-84", label, len(gdf), system)
    logger.info("read %d rows from '%s'", len(gdf), path)
    return gdf


def _read_dataframe(source, *, arrow: bool, **kwargs):
    """``pyogrio.read_dataframe``; through Arrow when ``arrow`` (GeoPackages: the same frame, a
    third faster). A file Arrow does not read whole, or whose text is not valid UTF-8 (Arrow
    keeps the bytes and fails only when the text is used), is read again without it, so its
    error is the one the plain reader gives."""
    if arrow:
        import pyarrow as pa

        try:
            gdf = pyogrio.read_dataframe(source, use_arrow=True, **kwargs)
            for name in gdf.columns:
                values = gdf[name].array
                if pd.api.types.is_string_dtype(gdf[name].dtype) and hasattr(values, "__arrow_array__"):
                    pa.array(values).validate(full=True)  # raises on bytes that are not UTF-8
            return gdf
        except Exception:  # noqa: BLE001 - read again below, which raises the usual error
            logger.debug("'%s': read again without Arrow", source)
    return pyogrio.read_dataframe(source, **kwargs)


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


def _unreadable(path: Path, exc: Exception) -> InputFileError:
    """One line saying why GDAL could not open ``path`` (empty, damaged, another format...)."""
    kinds = {".gpkg": "GeoPackage", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "Shapefile"}
    kind = kinds.get(path.suffix.lower(), "vector")
    try:
        size = path.stat().st_size if path.is_file() else None
    except OSError:
        size = None
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if path.is_dir():
        why = "it is a folder, not a file"
    elif size == 0:
        why = "the file is empty (0 bytes)"
    elif "not recognized as" in text or "not a valid" in text.lower() or "file is not a database" in text:
        why = f"it is not a {kind} file (damaged, cut short, or another format under this name)"
    else:
        why = text.split("; It might help")[0]
    return InputFileError(f"cannot read '{path}': {why}; export the layer again")


def _pick_layer(path: Path, layer: str | None) -> str:
    try:
        layers = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise _unreadable(path, exc) from exc
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


def read_table(path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV or Excel table without coordinates, such as a plan of ``unit_id, grid_id``.

    Parameters
    ----------
    path : str or Path
        ``.csv``/``.txt`` (UTF-8, UTF-8 with BOM or GBK/GB18030, detected) or ``.xlsx``.
    sheet : str or int, optional
        Excel sheet (default: the first).
    encoding : str, optional
        CSV text encoding (default: detected).

    Returns
    -------
    DataFrame
        Every row and column; all-number columns as numbers, codes with leading zeros as text.

    Raises
    ------
    InputFileError
        Missing, empty, binary, undecodable or unparsable file.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "plan.csv")
    >>> _ = open(path, "w", encoding="gbk").write("unit_id,网格\n001,A\n")
    >>> read_table(path).to_dict("records")
    [{'unit_id': '001', '网格': 'A'}]
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"'{path}' does not exist; check the path (working folder: {Path.cwd()})")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        text, used = decode_text_file(path, encoding=encoding)
        try:
            df = pd.read_csv(_io.StringIO(text), sep=None if suffix != ".csv" else ",", dtype=str,
                             keep_default_na=False, na_values=[""], engine="python" if suffix != ".csv" else "c")
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputFileError(f"cannot parse '{path}' as CSV ({used}): {str(exc).strip()}") from exc
        df = _infer_numbers(df)
    elif suffix in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, engine="openpyxl")
        except Exception as exc:  # openpyxl raises zipfile/XML/KeyError for damaged or odd files
            raise InputFileError(f"cannot read '{path}' as an Excel workbook: {exc}") from exc
    else:
        raise InputFileError(f"'{path}': unsupported table type {suffix!r}; use .csv or .xlsx")
    df.columns = [str(c).strip() for c in df.columns]
    return df


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
