"""Shapefile plumbing: DBF encoding from .cpg or the bytes, short ASCII field names and their map.

Kept apart from :mod:`spatial.io.layers` to keep that module short; see its docstring for why.
"""

from __future__ import annotations

import io
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core.errors import ColumnError, InputFileError
from spatial.io._encoding import BIG5, all_chinese, canonical, dbf_text_bytes, decode_text_file, detect_encoding
from spatial.io._faults import misnamed

logger = logging.getLogger(__name__)

#: Suffix of the CSV written next to a shapefile that maps short field names back to the originals.
FIELD_MAP_SUFFIX = ".fields.csv"


def shapefile_encoding(path: Path, encoding: str | None) -> str:
    """The DBF encoding: ``encoding`` if given, else ``.cpg``, else detected from the bytes."""
    if encoding is not None:
        return canonical(encoding)
    cpg = sidecar(path, ".cpg")
    if cpg is not None:
        text = cpg.read_text(encoding="ascii", errors="replace").strip()
        code = {"936": "gbk", "65001": "utf-8", "54936": "gb18030", "950": "big5"}.get(text, text)
        try:
            named = canonical(code)
        except ValueError:
            logger.warning("'%s': unknown code page %r in .cpg; detecting the encoding", cpg, text)
        else:
            return _against_bytes(path, cpg, text, named)
    dbf = sidecar(path, ".dbf")
    if dbf is None:
        raise InputFileError(f"'{path}' has no .dbf file next to it; copy all the shapefile's parts")
    found = detect_encoding(dbf_text_bytes(dbf))
    if found in BIG5:  # rare in mainland data: said, so that a wrong guess can be put right
        logger.warning("'%s' has no .cpg and its text reads as Big5 (Taiwan, Hong Kong), not GBK: read as Big5; "
                       "if its names look wrong, put a .cpg beside it naming its code page (936 for GBK)", path)
    else:
        logger.info("'%s' has no .cpg; detected DBF encoding %s", path, found)
    return found


def _against_bytes(path: Path, cpg: Path, text: str, named: str) -> str:
    """The encoding a ``.cpg`` names (``named``), or the one the DBF's bytes prove when the two
    disagree so that the text would come out garbled with no error: Chinese in UTF-8 under a
    .cpg of GBK (a tool that writes its system's code page) read as 绔瑰洯…, or GBK under a .cpg
    of ISO-8859-1 read as Ö¹Ô°…. Only proof counts: text that is valid UTF-8 with characters
    beyond ASCII, or GBK whose characters are all Chinese under a Western code page. A .cpg of
    UTF-8 over bytes that are not is left to the reader, which refuses them naming the .cpg."""
    if named in ("utf-8", "utf-8-sig"):
        return named
    dbf = sidecar(path, ".dbf")
    sample = dbf_text_bytes(dbf) if dbf is not None else b""
    if not sample or sample.isascii():
        return named
    found = detect_encoding(sample)
    western = named in ("iso8859-1", "iso8859-15", "cp1252", "ascii")
    if found == "utf-8" or (found == "gb18030" and western and all_chinese(sample)):
        logger.warning("'%s' says its text is %s (%s), but it is %s: read as %s; correct the .cpg file (write %s "
                       "in it)", path, text, cpg.name, found.upper(), found.upper(), found.upper())
        return found
    return named


def check_parts(path: Path) -> None:
    """Refuse a shapefile whose parts are not all there and whole, naming the part.

    GDAL reads a ``.shp`` without its ``.dbf`` (or with an empty one) as rows with no columns, and
    a ``.shp`` cut short (a copy or download that stopped) as rows with no geometry: the user was
    told of missing columns or rows to draw, when a file had not been copied whole.
    """
    whole = "copy the shapefile again with all its parts (.shp, .shx, .dbf, .prj, .cpg), or zip them"
    wrong = misnamed(path)
    if wrong:  # a GeoPackage renamed .shp: its parts are not missing
        raise InputFileError(f"cannot read '{path}': {wrong}")
    for suffix, holds in ((".shx", "its index"), (".dbf", "its table of ids, households and names")):
        part = sidecar(path, suffix)
        if part is None:
            raise InputFileError(f"'{path}' has no {suffix} file beside it ({holds}); {whole}")
        try:
            size = part.stat().st_size
        except OSError:
            continue  # the reader says why it cannot open it
        if size == 0:
            raise InputFileError(f"'{path}': its {suffix} file '{part.name}' is empty (0 bytes); {whole}")
    try:
        with open(path, "rb") as f:
            header = f.read(100)
        size = path.stat().st_size
    except OSError:
        return
    if len(header) == 100 and header[:4] == b"\x00\x00\x27\x0a":  # the shapefile's file code, 9994
        declared = int.from_bytes(header[24:28], "big") * 2  # in 16-bit words
        if size < declared:
            raise InputFileError(f"'{path}' is cut short: {size:,} of its {declared:,} bytes; {whole}")


def prj_fault(path: Path) -> str:
    """What is wrong with the ``.prj`` beside shapefile ``path`` (empty, or no CRS pyproj reads:
    cut short, or another file under its name), else ``""`` (none there, or a good one). GDAL
    ignores a bad .prj without a word, and the layer was said to 'declare no CRS; add its .prj'."""
    import pyproj

    prj = sidecar(path, ".prj")
    if prj is None:
        return ""
    try:
        text = prj.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    if not text:
        return f"its .prj file '{prj.name}' is empty"
    try:
        pyproj.CRS.from_user_input(text)  # OGC or ESRI WKT
    except pyproj.exceptions.CRSError:
        shown = " ".join(text.split())[:40]
        return (f"its .prj file '{prj.name}' holds no CRS that can be read ('{shown}…'): damaged, cut short or "
                "not a .prj")
    return ""


def sidecar(path: Path, suffix: str) -> Path | None:
    """The shapefile part with ``suffix`` (either case) next to ``path``, or None."""
    for cand in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
        if cand.exists():
            return cand
    return None


def restore_field_names(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Rename short field names back to the originals listed in ``<stem>.fields.csv``, if present."""
    mapping_file = path.with_name(path.stem + FIELD_MAP_SUFFIX)
    if not mapping_file.exists():
        return gdf
    # written UTF-8 with BOM; saved again from Excel it is GBK (Chinese Windows): detected
    text, _ = decode_text_file(mapping_file)
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    if list(table.columns[:2]) != ["original", "short"]:
        logger.warning("'%s' is not a field-name mapping (columns original, short); ignored", mapping_file)
        return gdf
    rename = {s: o for o, s in zip(table["original"], table["short"]) if s in gdf.columns}
    logger.info("'%s': restored %d field names from %s", path, len(rename), mapping_file.name)
    return gdf.rename(columns=rename)


def family(geom_type: str) -> str:
    """Point, LineString or Polygon: the shapefile geometry family of a geometry type."""
    return geom_type.replace("Multi", "").replace("LinearRing", "LineString")


def check_text(frame: pd.DataFrame, columns: list, enc: str, label: str, encoding: str) -> None:
    """Raise :class:`ColumnError` for a text value ``enc`` cannot encode or longer than 254 bytes."""
    for col in columns:
        s = frame[col]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s)):
            continue
        for row, value in zip(frame.index, s):
            if not isinstance(value, str):
                continue
            try:
                nbytes = len(value.encode(enc))
            except UnicodeEncodeError as exc:
                raise ColumnError(
                    f"'{label}': column {col!r} row {row} holds {value[exc.start:exc.end]!r}, which "
                    f"{encoding} cannot encode; pass encoding='GB18030' or 'UTF-8', or write a GeoPackage"
                ) from None
            if nbytes > 254:
                raise ColumnError(
                    f"'{label}': column {col!r} row {row} is {nbytes} bytes long; a shapefile text "
                    "field holds 254. Shorten it or write a GeoPackage with write_layers"
                )


def short_names(columns: list) -> dict:
    """Map each column to a unique ASCII field name of at most 10 bytes (case-insensitive)."""
    taken: set[str] = set()
    out = {}
    # keep names that are already fine first, so they never get renamed because of others
    for col in columns:
        s = str(col)
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,9}", s) and s.lower() not in taken:
            out[col] = s
            taken.add(s.lower())
    n = 0
    for col in columns:
        if col in out:
            continue
        base = re.sub(r"[^A-Za-z0-9_]", "", str(col))
        if not base or not (base[0].isalpha() or base[0] == "_"):
            base = "f" + base if base else "field"
        candidate = base[:10]
        while candidate.lower() in taken:
            n += 1
            suffix = f"_{n}"
            candidate = base[: 10 - len(suffix)] + suffix
        out[col] = candidate
        taken.add(candidate.lower())
    return out


def int32_counts(frame: pd.DataFrame, columns: list) -> pd.DataFrame:
    """``frame`` with its 64-bit integer columns whose values fit 32 bits (households, counts of
    workers) as 32-bit: GDAL writes a 64-bit integer to a DBF as a number 18 digits wide, which
    ArcGIS reads as a Double (375.0 households), a 32-bit one 9 or 10 digits wide, which it reads as
    a Long; and to a KML schema as ``string`` (KML has no 64-bit integer), a 32-bit one as ``int``.
    A column holding a larger value is left as it is; a missing value stays missing."""
    lo, hi = np.iinfo(np.int32).min, np.iinfo(np.int32).max
    cast = {}
    for c in columns:
        s = frame[c]
        if not pd.api.types.is_integer_dtype(s):
            continue
        if s.dtype.itemsize <= 4 and not pd.api.types.is_unsigned_integer_dtype(s):
            continue
        values = s.dropna()
        if len(values) and (values.min() < lo or values.max() > hi):
            continue
        cast[c] = "Int32" if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) else "int32"
    return frame.astype(cast) if cast else frame


def short_style(qml: str, short: dict[str, str]) -> str:
    """``qml`` (a QGIS style for the layer's own column names) for the shapefile written with the
    field names ``short`` (original -> short): the renderer's column, the label's field and the
    aliases name the short fields; each field's alias is the style's (户数) or its full name."""
    doctype, _, body = qml.partition("\n") if qml.startswith("<!DOCTYPE") else ("", "", qml)
    root = ET.fromstring(body)
    for el in root.iter("renderer-v2"):
        if el.get("attr") in short:
            el.set("attr", short[el.get("attr")])
    for el in root.iter("text-style"):
        if el.get("isExpression") != "1" and el.get("fieldName") in short:
            el.set("fieldName", short[el.get("fieldName")])
        elif el.get("isExpression") == "1":  # "rank" in an expression: the short field's name
            text = el.get("fieldName", "")
            for original, name in short.items():
                text = text.replace(f'"{original}"', f'"{name}"')
            el.set("fieldName", text)
    said = {a.get("field"): a.get("name") for a in root.iter("alias")}
    for old in root.findall("aliases"):
        root.remove(old)
    aliases = ET.Element("aliases")
    for k, (original, name) in enumerate(short.items()):
        ET.SubElement(aliases, "alias", field=name, index=str(k), name=said.get(original) or original)
    geometry = root.find("layerGeometryType")
    root.insert(list(root).index(geometry) if geometry is not None else len(root), aliases)
    ET.indent(root, space="  ")
    return (doctype + "\n" if doctype else "") + ET.tostring(root, encoding="unicode")
