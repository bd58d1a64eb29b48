"""The folder tree of a KML/KMZ file, which GDAL flattens.

GDAL's LIBKML driver gives every ``<Folder>``/``<Document>`` as a layer of its own placemarks
only: a folder holding only folders (奥维互动地图 exports 党群服务站 > 北片, 南片) is an empty layer,
and which layer lay inside which is lost. This module reads the XML itself (``xml.etree``; the
KML inside a KMZ through ``zipfile``) to say, for each of GDAL's layers, the layers inside it
and the kinds of geometry its own placemarks hold, so that a folder can be read with everything
in it. When the XML's folders cannot be matched one-to-one with GDAL's layers, no tree is given
and every layer stands alone (as GDAL gives them).
"""

from __future__ import annotations

import logging
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from spatial.core.errors import InputFileError, OptionError
from spatial.io._encoding import BIG5, canonical, detect_encoding

logger = logging.getLogger(__name__)

_CONTAINERS = ("Document", "Folder")
_KINDS = {"Point": "point", "LineString": "line", "Track": "line", "Polygon": "polygon"}
#: what GDAL strips from a folder's name
_BLANKS = " \n\r\t"


@dataclass(frozen=True)
class Folder:
    """One of GDAL's layers as a folder of the file.

    Attributes
    ----------
    members : tuple of (str, str)
        The layer itself, then every layer inside it, depth first, each with its place below
        the layer (``北片``, ``北片/一组``; the layer's own placemarks: its own name).
    kinds : frozenset of str
        ``point``, ``line``, ``polygon``: what the layer's own placemarks are.
    parent : str or None
        The layer it lies in (None at the top).
    """

    members: tuple[tuple[str, str], ...]
    kinds: frozenset
    parent: str | None


def kml_member(path: Path) -> str | None:
    """The KML document to read inside a KMZ: its only one (``doc.kml``, beside any images), or the
    only one holding placemarks when the document GDAL reads neither is it nor links to it; None
    when GDAL reads the KMZ itself (its own layout: ``doc.kml`` linking ``layers/*.kml``).

    Raises
    ------
    InputFileError
        When documents holding placemarks lie beside the one GDAL reads, unlinked from it: GDAL
        reads ``doc.kml`` (else the first) and what it links, and said nothing of the others.
    """
    with zipfile.ZipFile(path) as kmz:
        members = [m for m in kmz.namelist() if m.lower().endswith(".kml")]
        if len(members) < 2:
            return members[0] if members else None
        texts = {m: kmz.read(m) for m in members}
    root = _root_document(members)
    seen, todo = {root}, [root]
    while todo:  # the documents GDAL reads: the root and those it links (NetworkLink hrefs)
        m = todo.pop()
        for href in _HREF.findall(texts[m]):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(m), unquote(href.decode("utf-8", "replace"))))
            if target in texts and target not in seen:
                seen.add(target)
                todo.append(target)
    counts = {m: len(_PLACEMARK.findall(t)) for m, t in texts.items()}
    lost = [m for m in members if counts[m] and m not in seen]
    if not lost:
        return None
    holders = [m for m in members if counts[m]]
    if len(holders) == 1:
        return holders[0]
    listed = ", ".join(f"{m}: {counts[m]}" for m in holders)
    raise InputFileError(
        f"'{path}' holds {len(holders)} KML documents with placemarks ({listed}), and a KMZ is read from "
        f"{root} and those it links, so {', '.join(lost)} would be lost; unzip it (a KMZ is a zip archive) and "
        "give each .kml file on its own")


#: A placemark's opening tag, and a link's target (a NetworkLink's ``<href>``).
_PLACEMARK = re.compile(rb"<(?:\w+:)?Placemark[\s>/]")
_HREF = re.compile(rb"<(?:\w+:)?href>\s*([^<]+?)\s*</(?:\w+:)?href>")


def _root_document(members: list[str]) -> str:
    """The KML document of a KMZ that GDAL (and Google Earth) opens: ``doc.kml`` at the top, else the first."""
    return next((m for m in members if m.lower() == "doc.kml"), members[0])


def kml_bytes(path: Path) -> bytes:
    """The text of a KML file, or of the KML document read inside a KMZ (:func:`kml_member`, else
    the one GDAL opens); empty when unreadable."""
    try:
        if path.suffix.lower() == ".kmz":
            with zipfile.ZipFile(path) as kmz:
                members = [m for m in kmz.namelist() if m.lower().endswith(".kml")]
            try:
                member = kml_member(path)
            except InputFileError:
                member = None
            member = member or (_root_document(members) if members else None)
            with zipfile.ZipFile(path) as kmz:
                return kmz.read(member) if member else b""
        return path.read_bytes()
    except (OSError, zipfile.BadZipFile, NotImplementedError, KeyError):
        return b""


_XML_ENCODING = re.compile(rb"""^(\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")


def utf8_kml(raw: bytes, path: Path) -> tuple[bytes, str]:
    """``raw`` as UTF-8 (itself when it is), and a warning to give once it is read (or ``""``).

    GDAL's KML reader knows UTF-8 only: a KML declaring GB2312 or GBK (older Chinese tools) was
    refused as 'unknown encoding', and GBK text under no declaration (or UTF-8's) as damaged; Big5
    text so (Taiwan, Hong Kong sources) is told from GBK as a shapefile's is (:func:`big5_rather`).
    """
    m = _XML_ENCODING.match(raw)
    declared = m.group(2).decode("ascii", "replace") if m else "utf-8"
    try:
        declared = canonical(declared)
    except OptionError:
        return raw, ""
    if declared in ("utf-8", "utf-8-sig", "ascii"):
        try:
            raw.decode("utf-8")
            return raw, ""
        except UnicodeDecodeError:
            found = detect_encoding(raw)
            said = "says its text is UTF-8" if m else "declares no encoding"
            if found in BIG5:  # as the shapefile reader tells Big5 from GBK: said, as it is rare here
                declared, note = found, (f"'{path}' {said} but its text reads as Big5 (Taiwan, Hong Kong), not "
                                         "UTF-8 or GBK: read as Big5; if its names look wrong, save it again as "
                                         "UTF-8 (or declare its encoding: <?xml version=\"1.0\" encoding=\"GBK\"?>)")
            elif found != "gb18030":
                return raw, ""  # damaged: the reader says so
            else:
                declared, note = "gb18030", f"'{path}' says its text is UTF-8 but it is GBK: read as GBK"
    else:
        note = ""
    try:
        text = raw.decode("gb18030" if declared in ("gb2312", "gbk") else declared)
    except (UnicodeDecodeError, LookupError):
        return raw, ""
    if m is not None:
        text = text[: m.start(2) - len(m.group(1) or b"")] + "UTF-8" + text[m.end(2) - len(m.group(1) or b""):]
    logger.info("'%s': its %s text read as UTF-8", path, declared)
    return text.encode("utf-8"), note


def folder_tree(path: Path, layers: list[str]) -> dict[str, Folder] | None:
    """Each of ``layers`` (GDAL's, in its order) as a :class:`Folder`, or None when the file's
    folders do not match them one-to-one.

    GDAL lists the top ``<Document>``/``<Folder>`` first when placemarks lie directly in it
    (as a layer of those placemarks only), then every folder below it, depth first, named by its
    ``<name>`` (a repeated name as ``name (#2)``, a missing one as ``Layer...``).
    """
    try:
        root = ET.fromstring(utf8_kml(kml_bytes(path), path)[0])  # a GBK file's too
    except (ET.ParseError, ValueError):
        return None
    top = next((c for c in root if _local(c.tag) in _CONTAINERS), None)
    if top is None:
        return None
    nested: list[tuple[ET.Element, int | None]] = []

    def walk(elem: ET.Element, parent: int | None) -> None:
        for child in elem:
            if _local(child.tag) in _CONTAINERS:
                nested.append((child, parent))
                walk(child, len(nested) - 1)

    walk(top, None)
    if len(layers) == len(nested) + 1:  # placemarks in the top folder: a layer of them alone, first
        entries = [(top, None)] + [(e, None if p is None else p + 1) for e, p in nested]
    elif len(layers) == len(nested):
        entries = nested
    else:
        return None
    for i, ((elem, _), layer) in enumerate(zip(entries, layers)):
        name = _name(elem)
        same = layer == name or layer.startswith(f"{name} (#") or (not name and layer.startswith("Layer"))
        if not same and not (i == 0 and elem is top):
            return None
    children: dict[int, list[int]] = {}
    for i, (_, parent) in enumerate(entries):
        if parent is not None:
            children.setdefault(parent, []).append(i)

    def below(i: int, prefix: str) -> list[tuple[str, str]]:
        out = []
        for c in children.get(i, []):
            place = f"{prefix}{layers[c]}"
            out += [(layers[c], place)] + below(c, place + "/")
        return out

    return {layers[i]: Folder(members=((layers[i], layers[i]), *below(i, "")), kinds=_own_kinds(elem),
                              parent=None if parent is None else layers[parent])
            for i, (elem, parent) in enumerate(entries)}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _name(elem: ET.Element) -> str:
    name = next((c for c in elem if _local(c.tag) == "name"), None)
    return (name.text or "").strip(_BLANKS) if name is not None else ""


def _own_kinds(elem: ET.Element) -> frozenset:
    return frozenset(_KINDS[_local(g.tag)] for c in elem if _local(c.tag) == "Placemark"
                     for g in c.iter() if _local(g.tag) in _KINDS)
