"""Write layers atomically: a GeoPackage, GeoJSON or Shapefile appears whole at its path or not at all.

GDAL (through pyogrio) writes; every file is written to a temporary file in the target folder
and moved into place when whole (:func:`spatial.core.atomic.atomic_path`), so an error, a full
disk or Ctrl-C leave the earlier file as it was. Shapefiles get ASCII field names plus a CSV
mapping them back (UTF-8 names are cut at 10 bytes mid-character otherwise).
"""

from __future__ import annotations

import logging
import sqlite3
from collections import abc
from pathlib import Path
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from spatial.core._dates import output_time
from spatial.core.atomic import atomic_path, driver_error
from spatial.core.checks import REPORT_COLUMNS, ZH_COLUMNS, Report, report_in
from spatial.core.errors import CRSError, GeometryError, InputFileError, OptionError, OptionTypeError, SpatialError
from spatial.core.reproject import to_crs_valid
from spatial.io._encoding import canonical
from spatial.io._gpkgstyles import write_styles
from spatial.io._report_zh import zh_metadata
from spatial.io._shapefile import FIELD_MAP_SUFFIX, check_text, family, int32_counts, short_names, short_style
from spatial.io._text import NUL, REPLACEMENT, storable

logger = logging.getLogger(__name__)

__all__ = ["write_layers", "write_shapefile"]

try:  # large layers go through Arrow when pyarrow is installed (a third faster for 200,000 rows)
    import pyarrow  # noqa: F401

    _ARROW = True
except ImportError:  # pragma: no cover - pyarrow comes with the dask extra
    _ARROW = False

_VECTOR_SUFFIXES = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".shp": "ESRI Shapefile"}


def write_layers(
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame | Report],
    path: str | Path,
    *,
    driver: str | None = None,
    fresh: bool = False,
    metadata: Mapping[str, Mapping[str, str]] | None = None,
    styles: Mapping[str, str] | None = None,
    geometry_types: Mapping[str, str] | None = None,
) -> Path:
    """Write layers to one GeoPackage (default), or a single layer to GeoJSON, atomically.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame, DataFrame or Report
        Layer name -> data. Plain DataFrames (summaries) and a :class:`Report` become
        attribute-only tables; a report table is written with its English columns ``layer,
        row_id, problem, action`` (``problem_zh`` and ``action_zh`` go into the layer's metadata,
        ``report_zh``, for a Chinese map drawn from the file: :mod:`spatial.io._report_zh`).
        A layer of the same name already in the GeoPackage is replaced; other layers are kept
        unless ``fresh``.
    path : str or Path
        Output file; the driver follows the suffix (``.gpkg``, ``.geojson``) unless given.
    driver : {"GPKG", "GeoJSON"}, optional
    fresh : bool
        Write a new file holding only ``layers`` (layers already in the file are dropped).
    metadata : mapping of str to mapping, optional
        Layer name -> ``{key: text}`` stored as that layer's GDAL metadata (GeoPackage only),
        e.g. the walking speed of a coverage (``pyogrio.read_info(path, layer=name)
        ["layer_metadata"]`` reads it back).
    styles : mapping of str to str, optional
        Layer name -> QGIS style (QML text, e.g. from ``spatial.maps._gis_styles.qgis_styles``)
        stored in the GeoPackage's ``layer_styles`` table as the layer's default: QGIS opens
        the layer drawn in it. GeoPackage only; layers without geometry take none.
    geometry_types : mapping of str to str, optional
        Layer name -> the geometry type (``"Point"``, ``"MultiPolygon"`` ...) declared for the
        layer when it has no rows to show it: GDAL declares an empty layer ``GEOMETRY``, which
        ArcGIS Pro does not open and QGIS lists without a type (the gaps of a fully covered
        district, the sites of a siting with nothing to gain). Layers with rows are declared
        by their geometries.

    Returns
    -------
    Path
        The file written. A named (non-default) index is written as a column.

    Raises
    ------
    InputFileError
        The file cannot be written (no permission, disk full, a file where a folder should be);
        the file at ``path`` is then as it was.

    Notes
    -----
    Every layer is written to a temporary copy in the same folder, which replaces ``path`` only
    when all layers are written: an error or Ctrl-C never leaves a half-written or mixed file.
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
    if not isinstance(layers, abc.Mapping):  # one frame, as gdf.to_file(path) takes it
        raise SpatialError(f"layers must map layer names to frames, got a {type(layers).__name__}; "
                           f"name the layer: write_layers({{'{path.stem}': gdf}}, '{path.name}')")
    names = [str(k) for k in layers]  # GDAL takes text names only: the layer of community 3 is '3'
    if len(set(names)) < len(names):
        raise OptionError(f"layer names repeat once written as text: {', '.join(repr(k) for k in layers)}; "
                          "give every layer its own name")
    layers = dict(zip(names, layers.values()))
    if driver is None:
        driver = _VECTOR_SUFFIXES.get(path.suffix.lower())
        if driver is None:
            raise OptionError(f"cannot tell the format of '{path}' from its suffix: name it .gpkg (or .geojson for "
                              "one layer), or pass driver='GPKG'")
    if driver == "ESRI Shapefile":
        raise OptionError(f"'{path.name}': write_layers does not write shapefiles; write each layer with "
                          "write_shapefile(gdf, path) (ASCII field names, GBK), or name the file .gpkg")
    if driver not in ("GPKG", "GeoJSON"):
        raise OptionError(f"driver must be 'GPKG' or 'GeoJSON', got {driver!r}; for a shapefile use "
                          "write_shapefile(gdf, path), for a table write_csv")
    if not layers:
        raise OptionError(f"no layers to write to '{path.name}': give at least one, e.g. "
                          f"write_layers({{'{path.stem}': gdf}}, '{path.name}')")
    metadata = {str(k): {str(a): str(b) for a, b in v.items()} for k, v in (metadata or {}).items()}
    if set(metadata) - set(layers):
        raise OptionError(f"metadata names layers that are not written: "
                          f"{', '.join(sorted(set(metadata) - set(layers)))}; name layers among "
                          f"{', '.join(map(str, layers))} (or add the layer)")
    styles = {str(k): str(v) for k, v in (styles or {}).items()}
    if set(styles) - set(layers):
        raise OptionError(f"styles name layers that are not written: {', '.join(sorted(set(styles) - set(layers)))}; "
                          f"name layers among {', '.join(map(str, layers))}")
    if styles and driver != "GPKG":
        raise OptionError(f"'{path.name}': layer styles are kept by GeoPackages only; write a .gpkg or leave out styles=")
    if metadata and driver != "GPKG":
        raise OptionError(f"'{path.name}': layer metadata is kept by GeoPackages only; write a .gpkg or leave "
                          "out metadata=")
    if driver == "GeoJSON" and len(layers) != 1:
        raise OptionError(
            f"GeoJSON holds one layer but {len(layers)} were given ({', '.join(layers)}); "
            "write a GeoPackage (.gpkg) or one file per layer"
        )
    frames = {}
    for lname, data in layers.items():
        if isinstance(data, Report):
            data = data.to_frame()
        elif isinstance(data, pd.DataFrame) and set(REPORT_COLUMNS + ZH_COLUMNS) <= set(data.columns):
            if driver == "GPKG":  # (its rows' Chinese beside them, for the maps drawn from the file)
                metadata[lname] = {**zh_metadata(data), **metadata.get(lname, {})}
            data = report_in(data)  # a report table: the layer keeps its four English columns
        if isinstance(data, gpd.GeoDataFrame):
            if data.crs is None:
                raise CRSError(
                    f"layer '{lname}' has no CRS; set it with gdf.set_crs('EPSG:4326') before writing"
                )
            if driver == "GeoJSON" and not CRS.from_user_input(data.crs).equals(CRS.from_epsg(4326)):
                logger.info("layer '%s': reprojected to EPSG:4326 for GeoJSON", lname)
                data = to_crs_valid(data, 4326)
        elif not isinstance(data, pd.DataFrame):
            raise OptionTypeError(f"layer '{lname}' must be a GeoDataFrame or DataFrame, got {type(data).__name__}; "
                                  "read or build it as one (geopandas.read_file, pandas.DataFrame)")
        elif driver == "GeoJSON":
            raise OptionError(f"layer '{lname}' has no geometry; GeoJSON needs one: write a .gpkg or CSV")
        frames[lname] = _writable(data, lname)
        # (GDAL's text ends at a NUL: the rest of such a name was lost, unsaid)
        frames[lname] = storable(frames[lname], lname, "a GeoPackage" if driver == "GPKG" else "GeoJSON", NUL)
    with atomic_path(path, update=driver == "GPKG" and not fresh) as tmp:
        for lname, frame in frames.items():
            try:
                declared = (geometry_types or {}).get(lname) if isinstance(frame, gpd.GeoDataFrame) and not len(frame) \
                    else None
                pyogrio.write_dataframe(frame, tmp, layer=lname, driver=driver, layer_metadata=metadata.get(lname),
                                        layer_options=_own_fid(frame) if driver == "GPKG" else None,
                                        use_arrow=_ARROW and len(frame) > 10_000,
                                        **({"geometry_type": declared} if declared else {}))
            except (DataSourceError, DataLayerError) as exc:  # a full disk too: GDAL says it in SQLite's words
                raise driver_error(path, exc, layer=lname, tmp=tmp) from exc
            logger.debug("wrote %d rows to '%s' layer '%s'", len(frame), path, lname)
        if driver == "GPKG":
            try:
                write_styles(tmp, styles, written=list(frames))
                _dated(tmp, list(frames))
            except sqlite3.Error as exc:
                raise driver_error(path, exc, layer="layer_styles", tmp=tmp) from exc
    logger.info("wrote %s to '%s'", ", ".join(f"{n} ({len(f)} rows)" for n, f in frames.items()), path)
    return path


def _dated(gpkg: Path, written: list[str]) -> None:
    """Date the layers written (``gpkg_contents.last_change``), their metadata and styles as
    :func:`~spatial.core.atomic.output_time`, not as the clock read: a rerun of the same inputs
    gives the same GeoPackage, byte for byte."""
    when = output_time().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    marks = ",".join("?" * len(written))
    con = sqlite3.connect(gpkg)
    try:
        with con:
            con.execute(f"UPDATE gpkg_contents SET last_change = ? WHERE table_name IN ({marks}, 'layer_styles')",
                        (when, *written))
            have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "layer_styles" in have:
                con.execute(f"UPDATE layer_styles SET update_time = ? WHERE f_table_name IN ({marks})",
                            (when, *written))
            if "gpkg_metadata_reference" in have:  # the layers' metadata (a plan's band)
                con.execute(f"UPDATE gpkg_metadata_reference SET timestamp = ? WHERE table_name IN ({marks})",
                            (when, *written))
    finally:
        con.close()


def _writable(df: pd.DataFrame, lname: str) -> pd.DataFrame:
    """``df`` as GDAL can write it, for a GeoPackage, GeoJSON or shapefile alike: a named index as
    a column, distinct text column names, one geometry column, one geometry type, durations as text."""
    return _one_type(_one_geometry(_distinct_names(_index_as_column(_durations_as_text(df, lname)), lname), lname),
                     lname)


def _durations_as_text(df: pd.DataFrame, lname: str) -> pd.DataFrame:
    """``df`` with its durations (``pd.to_timedelta(walk_min, unit="min")``) as the text pandas shows
    ("0 days 00:12:30"), said in the log: GDAL has no duration field, and the write ended in
    pyogrio's "NotImplementedError: field type is not supported timedelta64"."""
    spans = [c for c in df.columns if pd.api.types.is_timedelta64_dtype(df[c])]
    if not spans:
        return df
    logger.info("layer '%s': %s written as text (a layer has no duration field)", lname, ", ".join(map(repr, spans)))
    return df.assign(**{str(c): df[c].map(lambda v: None if pd.isna(v) else str(v)).astype(object) for c in spans})


def _one_geometry(df: pd.DataFrame, lname: str) -> pd.DataFrame:
    """``df`` with the geometry columns besides its own (a ``centroid`` kept beside the outline)
    as WKT text, said in a warning: GDAL writes one geometry a feature. A plain DataFrame holding
    geometries (``pd.merge(table, gdf)`` gives one, without the CRS) is refused: it is no layer."""
    own = df.geometry.name if isinstance(df, gpd.GeoDataFrame) else None
    extra = [c for c in df.columns if c != own and isinstance(df[c].dtype, gpd.array.GeometryDtype)]
    if extra and own is None:
        raise GeometryError(f"layer '{lname}' is a plain DataFrame holding geometries in {extra[0]!r} (as "
                            f"pd.merge(table, gdf) gives); make it a layer: geopandas.GeoDataFrame(df, "
                            f"geometry={extra[0]!r}, crs=...) or gdf.merge(table)")
    if not extra:
        return df
    logger.warning("layer '%s': %s written as WKT text (a layer has one geometry column, '%s')", lname,
                   ", ".join(map(repr, extra)), own)
    return df.assign(**{str(c): gpd.GeoSeries(df[c]).to_wkt(rounding_precision=-1) for c in extra})


def _one_type(df: pd.DataFrame, lname: str) -> pd.DataFrame:
    """``df`` with each geometry collection of an area layer as its polygons: a layer whose other
    geometries are (multi)polygons and whose collections hold polygons beside lines and points of
    no area (the slivers an overlay or ``make_valid`` leaves on an isochrone's edge) is written as
    one polygon type. Else GDAL declares the layer ``GEOMETRY``: QGIS splits it into sublayers
    and ArcGIS Pro opens none of it. Lines beside lines are kept likewise; anything else as it is."""
    if not isinstance(df, gpd.GeoDataFrame) or not len(df):
        return df
    geom = df.geometry.values
    kinds = shapely.get_type_id(geom)
    mixed = kinds == 7  # GeometryCollection
    if not mixed.any():
        return df
    others = {family(t) for t in df.geometry[~mixed].dropna().geom_type.unique()}
    parts = [shapely.get_parts(g) for g in geom[mixed]]
    ranks = [set(shapely.get_dimensions(p).tolist()) for p in parts]
    top = max((max(r) for r in ranks if r), default=-1)
    want = {2: "Polygon", 1: "LineString"}.get(top)
    if want is None or others - {want} or any(top not in r for r in ranks):
        return df
    kept = [shapely.union_all(p[shapely.get_dimensions(p) == top]) for p in parts]
    logger.info("layer '%s': %d geometry collections written as their %ss (their parts of lower dimension "
                "have no %s)", lname, len(kept), want.lower(), "area" if top == 2 else "length")
    out = df.copy()
    out.loc[mixed, df.geometry.name] = gpd.array.from_shapely(np.array(kept, dtype=object), crs=df.crs)
    return out


def _own_fid(df: pd.DataFrame) -> dict[str, str] | None:
    """GeoPackage layer options keeping a column of the caller's named ``fid`` (any case: an
    ArcGIS table's ``FID``) as an ordinary column. GDAL takes such a column as the layer's
    feature id: whole numbers were left out of what readers give back, repeated or other values
    refused with "UNIQUE constraint failed"; the feature id gets a name of its own instead."""
    names = {str(c).lower() for c in df.columns}
    if "fid" not in names:
        return None
    name = "gpkg_fid"
    while name in names:
        name += "_"
    return {"FID": name}


def _distinct_names(df: pd.DataFrame, lname: str) -> pd.DataFrame:
    """``df`` with no two columns whose names differ only in case (``GRID_ID`` read from a
    shapefile beside the ``grid_id`` a command adds): GeoPackage and GeoJSON readers take them
    as one, and GDAL refuses to write the second; nor two of the same name. The lower-case name
    (this package's) is kept, the first of repeats; the others get ``_2``, ``_3`` ..., with a
    warning naming them. Names that are not text (``0``
    of a numpy array's columns) are written as text: GDAL takes no other."""
    if not all(isinstance(c, str) for c in df.columns):
        df = df.rename(columns={c: str(c) for c in df.columns if not isinstance(c, str)})
    names = [str(c) for c in df.columns]
    taken = {n.lower() for n in names}
    groups: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        groups.setdefault(n.lower(), []).append(i)
    written, renames = list(names), []
    for key, group in groups.items():
        if len(group) < 2:
            continue
        keep = next((i for i in group if names[i] == key), group[0])
        for i in group:  # by position: a name repeated exactly ('a', 'a' from pd.concat(axis=1)) too
            if i == keep:
                continue
            k = 2
            while f"{names[i]}_{k}".lower() in taken:
                k += 1
            written[i] = f"{names[i]}_{k}"
            taken.add(written[i].lower())
            renames.append((names[i], written[i]))
    if not renames:
        return df
    logger.warning("layer '%s': columns whose names repeat or differ only in case cannot all be written; %s", lname,
                   ", ".join(f"{a} written as {b}" for a, b in renames))
    out = df.copy()
    out.columns = written
    return out


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


def write_shapefile(gdf: gpd.GeoDataFrame, path: str | Path, *, encoding: str = "GBK",
                    style: str | None = None) -> Path:
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
    style : str, optional
        A QGIS style (QML, e.g. from ``spatial.maps._gis_styles.qgis_styles``) written for the
        layer's own column names: written as ``<name>.qml`` beside the ``.shp``, which QGIS opens
        the layer in, its fields named by their short names there and each given its full name
        (or the style's alias, 户数) as its alias, so no QGIS user reads ``household_``.

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
        raise OptionError(f"'{path}': a shapefile path must end in .shp (use write_layers for .gpkg/.geojson)")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise OptionTypeError(f"write_shapefile needs a GeoDataFrame, got {type(gdf).__name__}; a table without "
                              f"geometry goes to CSV (write_csv) or a .gpkg (write_layers)")
    if gdf.crs is None:
        raise CRSError(f"'{path.name}': the layer has no CRS; set it with gdf.set_crs('EPSG:4326')")
    enc = canonical(encoding)
    families = {family(t) for t in _one_type(gdf, path.name).geometry.dropna().geom_type.unique()}
    if len(families) > 1:
        raise GeometryError(
            f"'{path.name}': a shapefile holds one geometry type but the layer mixes "
            f"{', '.join(sorted(families))}; split it or write a GeoPackage with write_layers"
        )
    frame = _writable(gdf, path.name)
    # (GDAL's text ends at a NUL, as in write_layers; GBK has no U+FFFD)
    frame = storable(frame, path.name, "a shapefile", NUL, REPLACEMENT if _encodes(REPLACEMENT, enc) else "?")
    geom_name = frame.geometry.name
    columns = [c for c in frame.columns if c != geom_name]
    # a DBF has no date-time field: written as ISO text here (GDAL would write text too, with a
    # RuntimeWarning per column); the frame passed in is not changed
    times = [c for c in columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if times:
        frame = frame.copy()
        for c in times:
            frame[c] = frame[c].map(lambda v: None if pd.isna(v) else v.isoformat(sep=" ")).astype(object)
    frame = int32_counts(frame, columns)
    check_text(frame, columns, enc, path.name, encoding)
    short = short_names(columns)
    out = frame.rename(columns=short)
    # GDAL writes the parts beside a hidden .shp; all are moved into place together (.shp last)
    with atomic_path(path) as tmp:
        try:
            pyogrio.write_dataframe(out, tmp, driver="ESRI Shapefile", encoding=encoding)
        except (DataSourceError, DataLayerError) as exc:
            raise driver_error(path, exc, tmp=tmp) from exc
        cpg = tmp.with_suffix(".cpg")
        if not cpg.exists():
            cpg.write_text(encoding.upper(), encoding="ascii")
        mapping = pd.DataFrame({"original": [str(c) for c in columns], "short": [short[c] for c in columns]})
        mapping.to_csv(tmp.with_name(tmp.stem + FIELD_MAP_SUFFIX), index=False, encoding="utf-8-sig")
        if style is not None:
            tmp.with_suffix(".qml").write_text(short_style(style, {str(c): short[c] for c in columns}),
                                               encoding="utf-8")
    renamed = sum(1 for c in columns if short[c] != c)
    logger.info("wrote %d rows to '%s' (%s, %d field names shortened)", len(out), path, encoding, renamed)
    return path


def _encodes(text: str, encoding: str) -> bool:
    """Whether ``encoding`` can write ``text``."""
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
