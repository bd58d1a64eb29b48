"""What is wrong with a file a reader could not read: a folder, an empty file, or one damaged or
cut short, said the same way for every format (GeoPackage, shapefile, GeoJSON, KML/KMZ, CSV,
workbooks, GraphML, OSM, GeoTIFF), whatever library underneath failed on it."""

from __future__ import annotations

import re
from pathlib import Path


def file_fault(path: str | Path, text: str) -> str:
    """What is wrong with the file at ``path`` that a reader failed on with message ``text``: a
    folder, an empty file, or a file damaged or cut short (:func:`damaged`); ``""`` when none of
    these. One rule for every reader (layers, tables, networks, DEMs), whatever the library."""
    path = Path(path)
    if path.is_dir():
        return "it is a folder, not a file"
    try:
        if path.stat().st_size == 0:
            return "the file is empty (0 bytes)"
    except OSError:
        pass
    gist = damaged(text)
    return f"it is damaged or cut short ({gist})" if gist else ""


#: What the readers (GDAL, SQLite, zip, XML, rasterio) say of a file cut short or damaged.
_DAMAGED = ("malformed", "not a zip file", "unexpected eof", "unexpected end", "unterminated", "no element found",
            "unclosed token", "fread(", "corrupt", "truncated", "not well-formed", "read failed", "short read",
            "bad magic number", "invalid distance", "incorrect header check", "failed to uncompress",
            "failed to read directory")


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
