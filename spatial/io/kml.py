"""Layers as one KML or KMZ for Google Earth and 奥维互动地图 (Ovital): a folder per layer.

Grid workers walk their grids with a map app on their phone, and the app they have is most often
奥维 or Google Earth, which open KML and KMZ (zipped KML). Here each layer becomes a folder of
placemarks, each named from one column (a grid's code, a station's name) and described by a few
``column: value`` lines (broken by ``<br>`` too: Google Earth shows a description as HTML), in
WGS-84 as KML requires (the apps shift it onto their own base maps).
GDAL's LIBKML driver (through pyogrio) writes, to a temporary file moved into place when whole
(:func:`spatial.core.atomic.atomic_path`), as :func:`spatial.io.writers.write_layers` does; the
layers are written under ASCII names, then given their own (:func:`_name_folders`), so that every
id in the file is unique.
:func:`spatial.io.layers.read_layer` reads such files back, a folder as a layer.
"""

from __future__ import annotations

import logging
import shutil
import xml.etree.ElementTree as ET
import zipfile
from collections import abc
from html import escape
from pathlib import Path
from typing import Mapping, Sequence

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from spatial.core._dates import output_time
from spatial.core.atomic import atomic_path, driver_error
from spatial.core.checks import require_crs, round_half_up
from spatial.core.errors import InputFileError, SpatialError
from spatial.core.reproject import to_crs_valid
from spatial.io._shapefile import int32_counts
from spatial.io._text import storable, storable_text

logger = logging.getLogger(__name__)

__all__ = ["require_libkml", "write_kml"]

_KML = "{http://www.opengis.net/kml/2.2}"
#: between a description's lines: Google Earth breaks at ``<br>``, an app showing plain text at ``\n``
_LINE_BREAK = "<br>\n"
ET.register_namespace("", _KML[1:-1])  # written as KML's default namespace, not ns0:


def require_libkml(path: str | Path, *, leave_out: str = "leave the KML out") -> None:
    """Refuse, before any work, a KML or KMZ that this GDAL cannot write.

    KML is written by GDAL's LIBKML driver, which pyogrio's wheels carry from 0.12 on and
    conda-forge's GDAL only with ``libgdal-kml``. Without it a run did all its work and then
    stopped at the KML with GDAL's "Could not obtain driver: LIBKML".

    Parameters
    ----------
    path
        The KML or KMZ to be written (named in the message).
    leave_out
        How to go without the KML, said at the end of the message.

    Raises
    ------
    InputFileError
        When GDAL has no LIBKML driver that writes.
    """
    if "LIBKML" in pyogrio.list_drivers(write=True):
        return
    raise InputFileError(
        f"cannot write '{path}': GDAL {pyogrio.__gdal_version_string__} (in pyogrio {pyogrio.__version__}) has "
        "no LIBKML driver, which writes KML and KMZ; install pyogrio's wheel, which has it (pip install "
        f"--force-reinstall 'pyogrio>=0.12'; with conda: conda install libgdal-kml), or {leave_out}"
    )


def write_kml(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *,
              names: Mapping[str, str] | None = None,
              fields: Mapping[str, Sequence[str]] | None = None,
              labels: Mapping[str, str] | None = None,
              styles: Mapping[str, tuple] | None = None) -> Path:
    """Write layers to one ``.kml`` or ``.kmz`` file, a folder per layer, atomically.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame
        Folder name -> layer (any CRS; written in WGS-84). Empty layers are left out.
    path : str or Path
        ``.kml`` (text) or ``.kmz`` (zipped, smaller: what phones share).
    names : mapping, optional
        Layer -> the column that names its placemarks (default: the row number).
    fields : mapping, optional
        Layer -> columns shown in each placemark's description and kept as its data, in order
        (columns a layer lacks are skipped).
    labels : mapping, optional
        Column -> the words the description shows for it (户数 for ``households``); default the
        column's name.
    styles : mapping, optional
        Layer -> ``(column, {value: style})``: each placemark is drawn in the style of its value
        in ``column`` (``None``: every placemark in the style keyed ``None``); a style is a
        mapping of Leaflet path options, ``color``, ``weight`` (px), ``fillColor``,
        ``fillOpacity``, ``fill`` (False: outline only), ``opacity``. Placemarks whose value has
        no style, and layers without one, are drawn in the app's default (Google Earth fills a
        polygon solid white).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        Not a ``.kml`` or ``.kmz`` path, or no layer to write.
    InputFileError
        The file cannot be written (the earlier file is then as it was).

    Examples
    --------
    >>> import os, tempfile, spatial
    >>> demo = spatial.load_demo()
    >>> path = spatial.write_kml({"党群服务站": demo["stations"]}, os.path.join(tempfile.mkdtemp(), "站点.kmz"),
    ...                  names={"党群服务站": "name"}, fields={"党群服务站": ["station_id", "type"]})
    >>> back = spatial.read_layer(path)
    >>> len(back), back["Name"].iloc[0], back["description"].iloc[0]
    (17, '香蜜社区党群服务中心', 'station_id: S01<br>\\ntype: 中心')
    """
    path = Path(path)
    if path.suffix.lower() not in (".kml", ".kmz"):
        raise InputFileError(f"'{path}': write_kml writes .kml or .kmz files; name the file FILE.kmz (or .kml)")
    if not isinstance(layers, abc.Mapping):  # one frame: its columns were taken for layers
        raise SpatialError(f"layers must map folder names to layers, got a {type(layers).__name__}; "
                           f"name the folder: write_kml({{'{path.stem}': gdf}}, '{path.name}')")
    names, fields, labels, styles = names or {}, fields or {}, labels or {}, styles or {}
    frames, looks = {}, {}
    for lname, gdf in layers.items():
        if gdf is None or not len(gdf):
            continue
        require_crs(gdf, str(lname))
        if str(lname) in frames:
            raise SpatialError(f"folder names repeat once written as text: {', '.join(repr(k) for k in layers)}; "
                               "give every layer its own name")
        # folders are named in text (the layer of community 3 is '3'), options looked up as given
        # (a control character pasted into a name is no XML: written as U+FFFD, and said)
        frames[str(lname)] = storable(_placemarks(to_crs_valid(gdf, 4326), names.get(lname),
                                                  list(fields.get(lname, ())), labels), str(lname), "KML")
        looks[str(lname)] = _looks(gdf, styles.get(lname))
    if not frames:
        raise SpatialError(f"'{path}': nothing to write, every layer is empty ({', '.join(layers) or 'none given'}); "
                           "leave the KML out")
    require_libkml(path)
    with atomic_path(path) as tmp:
        # one KML document; a KMZ is that document zipped as doc.kml (LIBKML's own KMZ puts each
        # layer in a file of its own behind a network link, and cannot name such files in Chinese)
        kml = tmp.with_suffix(".kml") if path.suffix.lower() == ".kmz" else tmp
        try:
            for i, (lname, frame) in enumerate(frames.items(), start=1):
                try:
                    pyogrio.write_dataframe(frame, kml, layer=f"layer{i}", driver="LIBKML", append=kml.exists())
                except (DataSourceError, DataLayerError) as exc:  # a full disk: LIBKML cut the file short
                    raise driver_error(path, exc, layer=lname, tmp=kml) from exc
            try:
                _name_folders(kml, [storable_text(n) for n in frames], [looks[n] for n in frames])
            except ET.ParseError as exc:  # read back cut short: LIBKML says nothing of a full disk
                raise driver_error(path, exc, tmp=kml) from exc
            if kml != tmp:
                # dated as ZIP's epoch (or SOURCE_DATE_EPOCH), not as written: the same layers give the same file
                doc = zipfile.ZipInfo("doc.kml", date_time=output_time().timetuple()[:6])
                doc.compress_type, doc.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                with zipfile.ZipFile(tmp, "w") as kmz, kmz.open(doc, "w") as dst, open(kml, "rb") as src:
                    shutil.copyfileobj(src, dst)
        finally:
            if kml != tmp:
                kml.unlink(missing_ok=True)
    logger.info("wrote %s to '%s'", ", ".join(f"{n} ({len(f)} placemarks)" for n, f in frames.items()), path)
    return path


#: A character of Unicode's private use area standing in for the ``>`` of ``]]>`` while LIBKML writes.
_GT = "\ue000"


def _looks(gdf: gpd.GeoDataFrame, spec: tuple | None) -> tuple[list[dict], list[int | None]]:
    """The styles of a layer and, per placemark, the position of its style (None: no style)."""
    if not spec:
        return [], [None] * len(gdf)
    column, by_value = spec
    keys = list(by_value)
    where = {None if k is None else str(k): i for i, k in enumerate(keys)}
    if column is None:
        rows = [where.get(None)] * len(gdf)
    else:
        rows = [None if _missing(v) else where.get(str(v)) for v in gdf[column]] if column in gdf.columns \
            else [None] * len(gdf)
    return [by_value[k] for k in keys], rows


def _kml_colour(colour: str, opacity: float) -> str:
    """``#rrggbb`` and an opacity as KML's ``aabbggrr``."""
    r, g, b = colour[1:3], colour[3:5], colour[5:7]
    return f"{round(255 * opacity):02x}{b}{g}{r}".lower()


def _style_element(sid: str, style: dict) -> ET.Element:
    """A KML ``<Style>`` drawing a layer as the web maps draw it: the outline's colour and width,
    the fill's colour and opacity, points (icons) in the fill colour."""
    el = ET.Element(f"{_KML}Style", id=sid)
    fill = style.get("fillColor", style["color"])
    icon = ET.SubElement(el, f"{_KML}IconStyle")
    ET.SubElement(icon, f"{_KML}color").text = _kml_colour(fill, 1.0)
    line = ET.SubElement(el, f"{_KML}LineStyle")
    ET.SubElement(line, f"{_KML}color").text = _kml_colour(style["color"], style.get("opacity", 1.0))
    ET.SubElement(line, f"{_KML}width").text = f"{style.get('weight', 1):g}"
    poly = ET.SubElement(el, f"{_KML}PolyStyle")
    ET.SubElement(poly, f"{_KML}color").text = _kml_colour(fill, style.get("fillOpacity", 0.2))
    ET.SubElement(poly, f"{_KML}fill").text = "1" if style.get("fill", True) else "0"
    ET.SubElement(poly, f"{_KML}outline").text = "1"
    return el


def _name_folders(kml: Path, names: list[str], looks: list | None = None) -> None:
    """Give the folders GDAL wrote as ``layer1``, ``layer2`` ... their names, and each its schema.

    GDAL makes the ids of a layer's folder, schema and placemarks from its name, writing each byte
    of a name that is not ASCII as ``_``: 党群服务站 and 建议新站点 both became ``_______________``,
    so ids repeated and the sites' data pointed at the stations' schema. Written under ASCII names,
    every id is unique; the folder's ``<name>`` is then set to its own name. The schemas GDAL puts
    at the top are moved into their folders: GDAL (and so QGIS) reads the data of a KMZ whose
    schemas are at the top as no columns.
    """
    tree = ET.parse(kml)
    for el in tree.getroot().iter():  # the '>' of a ']]>' in a column's text (``_in_cdata``)
        if el.text and _GT in el.text:
            el.text = el.text.replace(_GT, ">")
    root = tree.getroot().find(f"{_KML}Document")
    if root is None:
        return
    for i, name in enumerate(names, start=1):
        folder = root.find(f"{_KML}Document[@id='layer{i}']")
        schema = root.find(f"{_KML}Schema[@id='layer{i}.schema']")
        if folder is None:
            continue
        label = folder.find(f"{_KML}name")
        if label is None:
            label = ET.Element(f"{_KML}name")
            folder.insert(0, label)
        label.text = name
        at = list(folder).index(label) + 1
        styles, rows = looks[i - 1] if looks else ([], [])
        for k, style in enumerate(styles):  # KML 2.2: a folder's styles before its schema and placemarks
            folder.insert(at, _style_element(f"layer{i}.style{k}", style))
            at += 1
        if schema is not None:
            root.remove(schema)
            folder.insert(at, schema)
        for placemark, k in zip(folder.findall(f"{_KML}Placemark"), rows):
            if k is None:
                continue
            url = ET.Element(f"{_KML}styleUrl")
            url.text = f"#layer{i}.style{k}"
            # after the name and description, before the data and the geometry (KML 2.2's order)
            before = [c for c in placemark if c.tag in (f"{_KML}name", f"{_KML}description")]
            placemark.insert(list(placemark).index(before[-1]) + 1 if before else 0, url)
    ET.indent(tree, space="  ")
    kml.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(tree.getroot(), encoding="utf-8"))


def _placemarks(gdf: gpd.GeoDataFrame, name_col: str | None, cols: list[str], labels) -> gpd.GeoDataFrame:
    """The layer as LIBKML reads it: ``Name``, ``description`` (one ``column: value`` line each,
    broken by ``<br>`` too: Google Earth shows it as HTML, where a bare line break is a space),
    the described columns, the geometry."""
    cols = [c for c in cols if c in gdf.columns and c != gdf.geometry.name]
    label = gdf[name_col] if name_col in gdf.columns else pd.Series(range(1, len(gdf) + 1), index=gdf.index)
    text = [None if pd.isna(v) else str(v) for v in label]

    def described(row) -> str:
        return _LINE_BREAK.join(f"{escape(str(labels.get(c, c)), quote=False)}: {escape(_show(row[c]), quote=False)}"
                               for c in cols if not _missing(row[c]))

    data = {"Name": text, "description": [described(r) for _, r in gdf[cols].iterrows()] if cols else None}
    out = gpd.GeoDataFrame({k: v for k, v in data.items() if v is not None}, geometry=gdf.geometry.to_numpy(),
                           crs=gdf.crs, index=gdf.index)
    counts = int32_counts(gdf[cols], cols)  # typed int in the schema, not string (KML has no 64-bit integer)
    for c in cols:
        if c not in ("Name", "description"):
            out[c] = gdf[c].map(_in_cdata).to_numpy() if not pd.api.types.is_numeric_dtype(gdf[c]) else \
                counts[c].to_numpy()
    return out.reset_index(drop=True)


def _in_cdata(value):
    """Text as LIBKML can write it: LIBKML puts a column's text in ``<![CDATA[...]]>`` as it is, so a
    ``]]>`` inside ended the section early (a station noted ``a]]>b`` made the file no XML at all).
    Its ``>`` is written as :data:`_GT` and put back by :func:`_name_folders`, which writes the
    document again with the text escaped."""
    return value.replace("]]>", "]]" + _GT) if isinstance(value, str) else value


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _show(value) -> str:
    if isinstance(value, float):
        return f"{round_half_up(value, 1):.1f}" if abs(value - round(value)) > 1e-9 else f"{value:.0f}"
    return str(value)
