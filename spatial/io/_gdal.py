"""Reading through GDAL (pyogrio), said in one line: the layers of a file, a file GDAL cannot
open (empty, damaged, another format under its name), geometries shapely cannot build, GDAL's
warnings while reading, and measures (M) no writer takes. Split out of :mod:`spatial.io.layers`."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from spatial.core.errors import InputFileError
from spatial.io._faults import file_fault

logger = logging.getLogger(__name__)


#: pyogrio's warning on a layer with measures (M), which it reads without them (Arrow keeps them)
MEASURES = r"Measured \(M\) geometry types are not supported"


def without_measures(gdf: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """``gdf`` without the measures (M) of its geometries (ArcGIS's PolygonM and PolylineZM, a CAD
    export's), heights kept. Nothing here uses them, and GDAL cannot write them: units read with
    them were drawn into grids and then refused when the results were written ('Could not create
    geometry at index 0 for WKB type 1073741827')."""
    values = gdf.geometry.values
    measured = shapely.has_m(values)
    if not measured.any():
        return gdf
    flat = np.where(shapely.has_z(values), shapely.force_3d(values), shapely.force_2d(values))
    logger.info("'%s': the measures (M) of %d geometries dropped", label, int(measured.sum()))
    return gdf.set_geometry(gpd.GeoSeries(flat, index=gdf.index, crs=gdf.crs), crs=gdf.crs)


def read_dataframe(source, *, arrow: bool, label: Path | None = None, **kwargs):
    """:func:`_read_frame`, with what GDAL says while reading (``Non closed ring detected``, a
    Python warning of several lines on the command line) said in one line naming the file, and a
    geometry that cannot be built (a ring not closed: bytes overwritten, or a CAD export) refused
    naming its rows, as an :class:`InputFileError`, not a GEOS error from deep inside shapely."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", RuntimeWarning)
        warnings.filterwarnings("ignore", MEASURES, UserWarning)  # read_layer drops them and says so
        try:
            gdf = _read_frame(source, arrow=arrow, **kwargs)
        except shapely.errors.GEOSException as exc:
            raise _unbuilt(label or source, source, exc, kwargs) from exc
    for w in said:
        if issubclass(w.category, RuntimeWarning):
            logger.warning("'%s': %s", label or source, str(w.message).split(". To avoid")[0])
        else:  # not GDAL's: as it was
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return gdf


def _unbuilt(label, source, exc: Exception, kwargs: dict) -> InputFileError:
    """The error for a layer holding geometries GDAL reads but shapely cannot build, naming them
    by row (counting from 1, as QGIS's attribute table does)."""
    rows = []
    try:
        from pyogrio.raw import read as read_raw

        wkb = read_raw(source, **{k: v for k, v in kwargs.items() if k in ("layer", "encoding")})[2]
        built = shapely.from_wkb(wkb, on_invalid="ignore")
        rows = [int(k) + 1 for k in np.flatnonzero([w is not None and g is None for w, g in zip(wkb, built)])]
    except Exception:  # noqa: BLE001 - the rows are a help; the error is said without them
        logger.debug("'%s': rows of the geometries not built not found", label, exc_info=True)
    where = (f" (row{'s' if len(rows) > 1 else ''} {', '.join(map(str, rows[:10]))}"
             f"{f' and {len(rows) - 10} more' if len(rows) > 10 else ''})") if rows else ""
    why = str(exc).split("IllegalArgumentException: ")[-1]
    return InputFileError(f"'{label}' holds geometries that cannot be built{where}: {why}; the file is damaged, or "
                          "its polygons were drawn open; repair it (QGIS: Vector > Geometry Tools > Fix Geometries) "
                          "or export the layer again")


def _read_frame(source, *, arrow: bool, **kwargs):
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


def unreadable(path: Path, exc: Exception) -> InputFileError:
    """One line saying why GDAL could not open ``path`` (empty, damaged, another format...)."""
    kinds = {".gpkg": "GeoPackage", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "Shapefile"}
    kind = kinds.get(path.suffix.lower(), "vector")
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    again = "export the layer again"
    fault = file_fault(path, text, again)
    if fault:  # a folder, an empty file, another format under the name, a file cut short
        return InputFileError(f"cannot read '{path}': {fault}")
    if kind == "GeoJSON" and _overpass_json(path):
        return InputFileError(f"cannot read '{path}': it is Overpass JSON (OpenStreetMap elements), not GeoJSON; "
                              "download it as OSM XML ([out:xml] in Overpass turbo) and give the .osm file")
    if "not recognized as" in text or "not a valid" in text.lower() or "file is not a database" in text:
        why = f"it is not a {kind} file (damaged, cut short, or another format under this name)"
    else:
        why = text.split("; It might help")[0]
    return InputFileError(f"cannot read '{path}': {why}; {again}")


def _overpass_json(path: Path) -> bool:
    """Whether a .json file is Overpass API's JSON (OSM ``elements``), judged by its first 2 KB."""
    try:
        with open(path, "rb") as f:
            head = f.read(2048).decode("utf-8", "replace")
    except OSError:
        return False
    return head.lstrip().startswith("{") and '"elements"' in head and '"features"' not in head


#: Tables of a GeoPackage that hold no data of the user's: QGIS's saved styles (which the results'
#: GeoPackages carry too, so that QGIS draws them in the maps' colours).
STYLE_TABLES = ("layer_styles",)


def layer_names(path) -> list[str]:
    """Every layer of a vector file (a GeoPackage's :data:`STYLE_TABLES` too); a file GDAL cannot
    open (empty, cut short, another format under the name) is an :class:`InputFileError` saying
    so, for every reader that looks into a file's layers before reading one."""
    try:
        # GDAL's warnings come through a C callback, where a warning filter set to "error" (as in
        # pytest) cannot raise: kept here and said once in the log instead (a GeoPackage whose
        # header bytes were damaged: "GPKG: bad application_id"; its layers still read)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            names = [str(x) for x in pyogrio.list_layers(path)[:, 0]]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise unreadable(Path(path), exc) from exc
    for w in said:
        if issubclass(w.category, RuntimeWarning):
            logger.info("%s: GDAL says %s", Path(path).name, w.message)
        elif not (issubclass(w.category, UserWarning) and re.search(MEASURES, str(w.message))):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)  # read_layer drops M, says so
    return names


def data_layers(path) -> list[str]:
    """The layers of a vector file, without a GeoPackage's :data:`STYLE_TABLES`."""
    return [x for x in layer_names(path) if x not in STYLE_TABLES]
