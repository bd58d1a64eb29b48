"""What is wrong with a file a reader could not read: a folder, an empty file, or one damaged or
cut short, said the same way for every format (GeoPackage, shapefile, GeoJSON, KML/KMZ, CSV,
workbooks, GraphML, OSM, GeoTIFF), whatever library underneath failed on it."""

from __future__ import annotations

import os
import re
from pathlib import Path


def no_access(path: str | Path) -> str:
    """``"permission denied: ..."`` when ``path`` is there but this user may not read it (a file
    copied from another account, a share mounted read-protected), else ``""``."""
    path = Path(path)
    if path.exists() and not os.access(path, os.R_OK):
        return ("permission denied: this user may not read it; ask its owner for read access "
                f"(chmod o+r {path.name}), or copy it into a folder of yours")
    return ""


def foreign_type(path: str | Path, allowed) -> str:
    """What to say of a file whose type is none of ``allowed`` (suffixes), following its name in a
    message: the way to a readable file from a WPS workbook, a CAD drawing, a phone app's GPX or
    a MapInfo layer, else the types that are read. One rule for the command line's arguments and
    a project file's inputs, both checked before any input is read.

    Examples
    --------
    >>> foreign_type("站点.gpx", (".gpkg", ".kml"))[:40]
    ' is a GPX file (waypoints or tracks from'
    >>> foreign_type("站点.dat", (".gpkg", ".kml"))
    ": cannot read '.dat' files; give one of .gpkg, .kml"
    """
    path = Path(path)
    name = path.name.lower()
    if name.endswith((".et", ".ett")) and ".xlsx" in allowed:  # WPS 表格's own workbook
        return (f" is a WPS 表格 workbook ({path.suffix}), which cannot be read; in WPS save it as .xlsx (文件 → 另存为 "
                "→ Excel 工作簿), then give that file")
    if name.endswith((".dwg", ".dxf")):  # a CAD drawing (CAD 图纸) of the planning institute
        return (f" is a CAD drawing ({path.suffix}), which holds no coordinate system; open it in QGIS or ArcGIS, set "
                "its coordinate system (CGCS2000 3-degree zone such as EPSG:4547, or the city's own system with its "
                "parameters from the surveying office), keep the layer of roads or buildings and save it as .gpkg, "
                "then give that file")
    if name.endswith(".gpx"):  # a phone app's waypoints or track (两步路, 六只脚, 奥维互动地图)
        return (" is a GPX file (waypoints or tracks from a phone app), which is not read; export the points from "
                "the app as KML (or open the file in QGIS and save its waypoints layer as .gpkg), then give that file")
    if name.endswith((".tab", ".mif", ".mid")):  # MapInfo, as surveying offices still send layers
        return (f" is a MapInfo layer ({path.suffix}), which is not read; open it in QGIS and save it as .gpkg, then "
                "give that file")
    read = f"cannot read {path.suffix!r} files" if path.suffix else "the name has no file type"
    return f": {read}; give one of {', '.join(allowed)}"


def file_fault(path: str | Path, text: str, again: str) -> str:
    """What is wrong with the file at ``path`` that a reader failed on with message ``text``, and
    what to do: a folder, an empty file or a file damaged or cut short (:func:`damaged`), each
    followed by ``again`` ("export the layer again"), or another format under its name
    (:func:`misnamed`, with its own advice); ``""`` when none of these. One rule for every reader
    (layers, tables, networks, DEMs), whatever the library underneath."""
    path = Path(path)
    if no_access(path):
        return no_access(path)
    if path.is_dir():
        return f"it is a folder, not a file; {again}"
    try:
        if path.stat().st_size == 0:
            return f"the file is empty (0 bytes); {again}"
    except OSError:
        pass
    wrong = misnamed(path)
    if wrong:
        return wrong
    gist = damaged(text)
    return f"it is damaged or cut short ({gist}); {again}" if gist else ""


def fault_of(path: str | Path, exc: BaseException, again: str) -> str:
    """:func:`file_fault` of what a reader raised, else the first line of its message; then ``again``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return file_fault(path, text, again) or f"{text}; {again}"


#: What the readers (GDAL, SQLite, zip, XML, rasterio) say of a file cut short or damaged.
_DAMAGED = ("malformed", "not a zip file", "unexpected eof", "unexpected end", "unterminated", "no element found",
            "unclosed token", "fread(", "corrupt", "truncated", "not well-formed", "read failed", "short read",
            "bad magic number", "invalid distance", "incorrect header check", "failed to uncompress",
            "failed to read directory", "unexpected character", "unrecognized number")


def damaged(text: str) -> str:
    """The gist of a reader's message (``text``) when it says the file is damaged or cut short
    (a copy cut off, a download that stopped), else ``""``; the readers of every format name such
    a file so, whatever the library underneath.

    Examples
    --------
    >>> damaged("sqlite3_prepare_v2(SELECT COUNT(*) FROM t WHERE type IN ('table')) failed: database disk image is malformed")
    'database disk image is malformed'
    >>> damaged("no such layer")
    ''
    """
    first = str(text).strip().splitlines()[0] if str(text).strip() else ""
    if not any(k in first.lower() for k in _DAMAGED):
        return ""
    first = re.sub(r"sqlite3_\w+\(.*?\) failed: ", "", first)  # the SQL GDAL ran says nothing to a user
    first = first.replace(". See previous exception for details", "")
    parts = [x.strip().rstrip(".") for x in first.split("; ") if x.strip() and not x.startswith("It might help")]
    return "; ".join(dict.fromkeys(parts))  # GDAL says some things twice


#: Suffixes of the tables every reader takes (text tables and workbooks): one list for the command
#: line, a project file's inputs and a plan (``read_plan``), so a suffix read by one is read by all.
TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods")

#: Names a format goes by, each with the suffixes that name it (the first is the one to give).
_SUFFIXES = {
    "gpkg": (".gpkg",), "shp": (".shp",), "tif": (".tif", ".tiff"), "xls": (".xls",), "xlsx": (".xlsx", ".xlsm"),
    "ods": (".ods",), "kmz": (".kmz",), "zip": (".zip",), "pbf": (".osm.pbf", ".pbf"), "kml": (".kml",),
    "graphml": (".graphml",), "osm": (".osm", ".xml"), "geojson": (".geojson", ".json"), "csv": (".csv", ".txt", ".tsv"),
    "locked": (),
}
_WHAT = {
    "gpkg": "a GeoPackage", "shp": "a shapefile's .shp", "tif": "a GeoTIFF", "xls": "an Excel 97-2003 workbook",
    "xlsx": "an Excel workbook", "ods": "an OpenDocument (LibreOffice, WPS) workbook", "kmz": "a KMZ (zipped KML)",
    "zip": "a zip archive of a layer", "pbf": "an OpenStreetMap PBF extract", "kml": "a KML file",
    "graphml": "a GraphML network", "osm": "an OpenStreetMap XML extract", "geojson": "a GeoJSON layer",
    "csv": "a text table (CSV)",
}


def sniff(path: str | Path) -> str | None:
    """The format the first bytes of ``path`` show (a key of ``_SUFFIXES``), whatever its name says;
    None when they show none of them (or the file cannot be read).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "units.csv"
    >>> _ = p.write_bytes(b"SQLite format 3\\x00" + bytes(100))
    >>> sniff(p)
    'gpkg'
    """
    import zipfile

    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    magic = {b"SQLite format 3\x00": "gpkg", b"\x00\x00\x27\x0a": "shp", b"II*\x00": "tif", b"MM\x00*": "tif"}
    found = next((kind for m, kind in magic.items() if head.startswith(m)), None)
    if found or not head:
        return found
    if head.startswith(b"\xd0\xcf\x11\xe0"):  # an OLE compound file: its streams' names say what it holds
        try:
            with open(path, "rb") as f:
                whole = f.read(1 << 20)
        except OSError:
            return None
        for name, kind in (("EncryptedPackage", "locked"), ("Workbook", "xls"), ("Book", "xls")):
            if name.encode("utf-16-le") in whole:
                return kind
        return None
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = [n.lower() for n in z.namelist()]
                mimetype = z.read("mimetype") if "mimetype" in names else b""
        except (zipfile.BadZipFile, NotImplementedError, OSError, KeyError):
            return None
        if "xl/workbook.xml" in names:
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        if any(n.endswith(".kml") for n in names):
            return "kmz"
        return "zip" if any(n.endswith((".shp", ".gpkg", ".geojson")) for n in names) else None
    if b"OSMHeader" in head[:64]:
        return "pbf"
    if b"\x00" in head:
        return None
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    lowered = text[:2048].lower()
    for tag, kind in (("<kml", "kml"), ("<graphml", "graphml"), ("<osm", "osm")):
        if tag in lowered:
            return kind
    if text.startswith("{") and ('"features"' in lowered or '"featurecollection"' in lowered):
        return "geojson"
    first = text.splitlines()[0] if text.splitlines() else ""
    if text[:1] not in "<{[" and any(sep in first for sep in ",\t"):
        return "csv"
    return None


def misnamed(path: str | Path) -> str:
    """``"it is a GeoPackage, named 'units.csv'; rename it ..."`` when the first bytes of ``path``
    show another format than its name (a file saved or renamed under the wrong type), else ``""``."""
    path = Path(path)
    kind = sniff(path)
    if kind == "locked":  # whatever its name: no reader opens it
        return ("it is a workbook locked with a password (加密); open it in Excel or WPS, clear the password "
                "(文件 → 信息 → 保护工作簿 → 用密码进行加密) and save it, then give that file")
    if kind is None or path.name.lower().endswith(_SUFFIXES[kind]):
        return ""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    if stem.lower().endswith(".osm"):
        stem = stem[:-4]
    right = stem + _SUFFIXES[kind][0]
    return f"it is {_WHAT[kind]} named '{path.name}'; rename it to '{right}' and give that file"
