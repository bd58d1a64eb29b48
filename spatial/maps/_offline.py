"""Inline the vendored Leaflet assets into a map's HTML so that it opens with no network.

Written here because folium has no offline switch (python-visualization/folium#1985): a saved
folium map loads Leaflet and its plugins from CDNs and is blank on an intranet. This module swaps
each ``<script src=URL>`` / ``<link href=URL>`` that folium writes for the same file vendored in
``spatial/maps/_assets`` (pinned versions, see ``_assets/VERSIONS.md``), turns the images that the
stylesheets reference into ``data:`` URIs, and drops folium's default jQuery / Bootstrap /
Font Awesome links, which these maps do not use. Anything else that would still be fetched from
the web is refused with an error naming it, so a map never silently needs the internet.

folium is imported only to read its default links (:func:`droppable`): the grid editor inlines
Leaflet from here without loading folium. The folium map that loads only Leaflet,
``OfflineMap``, is in :mod:`spatial.maps._layers`.
"""

from __future__ import annotations

import base64
import logging
import re
from functools import lru_cache
from importlib.resources import files

from spatial.core.errors import SpatialError

logger = logging.getLogger(__name__)

#: The folder holding the vendored assets (package data, also in a non-editable install).
ASSETS = files("spatial.maps") / "_assets"

#: folium's CDN URL -> vendored file under ``_assets``.
ASSET_FILES: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/leaflet.css",
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen/Control.FullScreen.css"
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js": (
        "leaflet-measure/leaflet-measure.min.js"
    ),
    "https://cdn.jsdelivr.net/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css": (
        "leaflet-measure/leaflet-measure.css"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js": (
        "leaflet-search/dist/leaflet-search.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css": (
        "leaflet-search/dist/leaflet-search.min.css"
    ),
}

LEAFLET_JS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"


@lru_cache(maxsize=1)
def droppable() -> frozenset[str]:
    """folium's default links (jQuery, Bootstrap, icon fonts, awesome-markers) that the maps do
    not need. Maps made by :mod:`spatial.maps.interactive` never load them; maps passed in may."""
    import folium

    return frozenset(url for _, url in [*folium.Map.default_js, *folium.Map.default_css] if url not in ASSET_FILES)


# Literal text in a vendored script that would read as an external reference in the saved page
# (an <a href="https://..."> inside a JS string). Rewritten to the equivalent escaped string.
_JS_FIXES: dict[str, list[tuple[str, str]]] = {
    "leaflet/leaflet.js": [
        ('<a href="https://leafletjs.com"', '<a href=\\"https://leafletjs.com\\"'),
    ],
}

_SCRIPT_RE = re.compile(r'<script\s+src="(?P<url>[^"]+)"\s*>\s*</script>')
_LINK_RE = re.compile(r'<link\s+rel="stylesheet"\s+href="(?P<url>[^"]+)"\s*/?>')
_CSS_URL_RE = re.compile(r"url\(\s*(?P<q>['\"]?)(?P<ref>[^'\")]+)(?P=q)\s*\)")
#: Resource references that would make a browser fetch something from the web.
REMOTE_RE = re.compile(
    r"""(?:\bsrc\s*=\s*["']?\s*https?:|<link\b[^>]*\bhref\s*=\s*["']?\s*https?:"""
    r"""|url\(\s*["']?\s*https?:|@import\s+(?:url\()?\s*["']?\s*https?:)""",
    re.IGNORECASE,
)
_MIME = {".png": "image/png", ".gif": "image/gif", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}


def _read_text(relpath: str) -> str:
    return (ASSETS / relpath).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def inline_script(url: str) -> str:
    """The ``<script>`` element holding the vendored copy of ``url``."""
    relpath = ASSET_FILES[url]
    code = _read_text(relpath)
    for old, new in _JS_FIXES.get(relpath, []):
        if code.count(old) != 1:
            raise SpatialError(f"vendored {relpath} changed: expected {old!r} once; update _JS_FIXES")
        code = code.replace(old, new)
    code = code.replace("</script", "<\\/script").replace("<!--", "<\\!--")
    if relpath == "leaflet/leaflet.js":
        code += _default_icon_fix() + _SCALE_WORDS
    return f"<script>/* {relpath} (vendored, see spatial/maps/_assets/VERSIONS.md) */\n{code}\n</script>"


@lru_cache(maxsize=None)
def inline_stylesheet(url: str) -> str:
    """The ``<style>`` element holding the vendored copy of ``url``, images as data URIs."""
    relpath = ASSET_FILES[url]
    css = _read_text(relpath)
    folder = relpath.rsplit("/", 1)[0]

    def to_data_uri(match: re.Match) -> str:
        ref = match.group("ref").strip()
        if ref.startswith(("#", "data:")):
            return match.group(0)
        if ref.startswith(("http:", "https:", "//")):
            raise SpatialError(f"vendored {relpath} references {ref}; vendor that file too")
        path = _resolve(folder, ref)
        suffix = "." + path.rsplit(".", 1)[-1].lower()
        data = base64.b64encode((ASSETS / path).read_bytes()).decode("ascii")
        return f"url(data:{_MIME.get(suffix, 'application/octet-stream')};base64,{data})"

    css = _CSS_URL_RE.sub(to_data_uri, css).replace("</style", "<\\/style")
    return f"<style>/* {relpath} (vendored) */\n{css}\n</style>"


#: The scale bar in the page's language: 米 and 公里 on a page of ``<html lang="zh-CN">`` (a map's,
#: the grid editor's), m and km otherwise. Leaflet's own says "500 m" on a Chinese map. The bar's
#: length is Leaflet's (its round number of metres over the metres the bar's pixels span).
_SCALE_WORDS = """
L.Control.Scale.include({_updateMetric: function (maxMeters) {
  var meters = this._getRoundNum(maxMeters), zh = /^zh/i.test(document.documentElement.lang || "");
  var label = meters < 1000 ? meters + (zh ? " 米" : " m") : (meters / 1000) + (zh ? " 公里" : " km");
  this._updateScale(this._mScale, label, meters / maxMeters);
}});
"""


def _default_icon_fix() -> str:
    """Leaflet finds its default marker images by a path read from its stylesheet; once the
    stylesheet is inlined that path is empty and markers (the measure tool's) ask for
    ``marker-icon.png`` and ``marker-shadow.png`` next to the page. Give it data URIs instead."""
    icon = base64.b64encode((ASSETS / "leaflet/images/marker-icon.png").read_bytes()).decode("ascii")
    blank = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"  # 1x1 transparent GIF
    return (
        "\nL.Icon.Default.imagePath = '';\n"
        f"L.Icon.Default.mergeOptions({{iconUrl: 'data:image/png;base64,{icon}', "
        f"iconRetinaUrl: 'data:image/png;base64,{icon}', shadowUrl: 'data:image/gif;base64,{blank}'}});\n"
    )


def _resolve(folder: str, ref: str) -> str:
    parts = folder.split("/") if folder else []
    for piece in ref.split("/"):
        if piece == "..":
            parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def inline_assets(html: str) -> str:
    """Return ``html`` with every known CDN script and stylesheet inlined.

    Known folium links without a vendored copy (jQuery, Bootstrap, icon fonts) are dropped with a
    warning; any other remote script, stylesheet, image or ``@import`` raises
    :class:`~spatial.SpatialError` naming it.
    """
    dropped: list[str] = []

    def replace(match: re.Match, inline) -> str:
        url = match.group("url")
        if url in ASSET_FILES:
            return inline(url)
        if url in droppable():
            dropped.append(url)
            return ""
        return match.group(0)

    html = _SCRIPT_RE.sub(lambda m_: replace(m_, inline_script), html)
    html = _LINK_RE.sub(lambda m_: replace(m_, inline_stylesheet), html)
    if dropped:
        logger.warning(
            "offline map: dropped %d folium default assets not vendored in spatial "
            "(%s); folium.Icon markers and Bootstrap styling will not show - use CircleMarkers",
            len(dropped),
            ", ".join(u.rsplit("/", 1)[-1] for u in dropped),
        )
    remote = remote_references(html)
    if remote:
        raise SpatialError(
            "cannot make the map work offline: it still loads "
            + "; ".join(remote[:5])
            + ". Remove that element, or save with offline=False"
        )
    return html


def remote_references(html: str) -> list[str]:
    """Snippets of ``html`` that would load a script, stylesheet, image or font from the web."""
    return [html[max(0, m.start() - 20) : m.end() + 60] for m in REMOTE_RE.finditer(html)]
